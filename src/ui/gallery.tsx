// The template gallery: one card per templates/<id>.graph.json, with the analysed parameter count
// next to the paper's expected count.
import type { TemplateEntry } from '../app/templates.ts';
import { formatCount, plural, totalParamsLabel } from './format.ts';

export function Gallery({ templates }: { templates: readonly TemplateEntry[] }) {
  return (
    <section className="gallery" aria-label="Templates">
      <h2>Templates</h2>
      {templates.length === 0 ? (
        <p className="muted" data-testid="gallery-empty">
          No templates yet: add <code>templates/&lt;id&gt;.graph.json</code> files.
        </p>
      ) : (
        <ul className="gallery-grid">
          {templates.map((t) => (
            <GalleryCard key={t.id} entry={t} />
          ))}
        </ul>
      )}
    </section>
  );
}

function GalleryCard({ entry }: { entry: TemplateEntry }) {
  const { id, meta, analysis, diagnostics } = entry;
  const expected = meta?.expected?.params;
  const total = analysis?.totalParams;
  const mismatch = expected !== undefined && total !== undefined && expected !== total;
  const paper = meta?.paper;
  return (
    <li
      className={`card${mismatch || diagnostics.length > 0 ? ' card-warn' : ''}`}
      data-testid={`gallery-item-${id}`}
    >
      <a href={`?template=${encodeURIComponent(id)}`} className="card-title">
        {meta?.title ?? id}
      </a>
      {paper && (
        <p className="card-paper">
          {paper.title} ({paper.year}){paper.arxiv && <span className="muted"> · arXiv {paper.arxiv}</span>}
        </p>
      )}
      <dl className="card-facts">
        {expected !== undefined && (
          <>
            <dt>Expected</dt>
            <dd>{formatCount(expected)}</dd>
          </>
        )}
        <dt>Analysed</dt>
        <dd>{total === undefined ? '—' : totalParamsLabel(total)}</dd>
        <dt>Diagnostics</dt>
        <dd>{plural(diagnostics.length, 'diagnostic')}</dd>
      </dl>
    </li>
  );
}
