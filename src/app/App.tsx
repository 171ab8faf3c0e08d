// App shell: node palette beside the template gallery, or, with `?template=<id>`, that template's
// summary. (The React Flow canvas replaces the summary in a later step.)
import { Gallery } from '../ui/gallery.tsx';
import { ModelSummary } from '../ui/model-summary.tsx';
import { Palette } from '../ui/palette.tsx';
import { browserRegistry } from './registry.ts';
import { bundledTemplates } from './templates.ts';

export function App({ search = window.location.search }: { search?: string }) {
  const registry = browserRegistry();
  const templates = bundledTemplates(registry);
  const templateId = new URLSearchParams(search).get('template');
  const selected = templateId === null ? undefined : templates.find((t) => t.id === templateId);

  return (
    <div className="app">
      <header className="app-header">
        <h1>
          <a href="./">Netwright</a>
        </h1>
        <span className="muted">build a network as a graph, see every shape, train it in the browser</span>
      </header>
      <aside className="app-side">
        <Palette registry={registry} />
      </aside>
      <main className="app-main">
        {templateId !== null && !selected && (
          <p className="toast" role="alert" data-testid="toast">
            No template named “{templateId}”. Pick one below.
          </p>
        )}
        {selected ? <ModelSummary entry={selected} /> : <Gallery templates={templates} />}
      </main>
    </div>
  );
}
