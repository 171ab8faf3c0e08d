// Server-side render of the shell: the data-testid contracts the e2e specs and scripts rely on.
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { formatCount, totalParamsLabel } from '../ui/format.ts';
import { matchesQuery } from '../ui/palette.tsx';
import { App } from './App.tsx';
import { browserRegistry } from './registry.ts';
import { bundledTemplates } from './templates.ts';

describe('App', () => {
  it('renders a palette item per node type and a gallery card per template', () => {
    const html = renderToString(<App search="" />);
    expect(html).toContain('data-testid="palette-search"');
    for (const def of browserRegistry().all())
      expect(html).toContain(`data-testid="palette-item-${def.type}"`);
    for (const t of bundledTemplates(browserRegistry()))
      expect(html).toContain(`data-testid="gallery-item-${t.id}"`);
  });

  it('renders the summary of ?template=<id> with its total', () => {
    const t = bundledTemplates(browserRegistry())[0];
    if (!t) return; // no templates yet: the gallery test above covers the empty state
    const html = renderToString(<App search={`?template=${t.id}`} />);
    expect(html).toContain('data-testid="total-params"');
    expect(html).toContain(totalParamsLabel(t.analysis?.totalParams ?? 0));
  });

  it('says when ?template= names no template', () => {
    expect(renderToString(<App search="?template=nope" />)).toContain('data-testid="toast"');
  });
});

describe('formatting and search', () => {
  it('formats counts Keras-style, whatever the locale', () => {
    expect(formatCount(101770)).toBe('101,770');
    expect(totalParamsLabel(0)).toBe('Total params: 0');
  });

  it('matches every search term against type, title, family and summary', () => {
    const dense = browserRegistry().get('layers.dense')!;
    expect(matchesQuery(dense, '')).toBe(true);
    expect(matchesQuery(dense, 'LAYERS dense')).toBe(true);
    expect(matchesQuery(dense, 'dense zzz')).toBe(false);
  });
});
