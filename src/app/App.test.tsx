// Server-side render of the shell: the data-testid contracts the e2e specs and scripts rely on.
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { browserRegistry } from '../browser/registry.ts';
import { formatCount, totalParamsLabel } from '../ui/format.ts';
import { matchesQuery, placeable } from '../ui/search.ts';
import { App } from './App.tsx';
import { bundledTemplates } from './templates.ts';

describe('App', () => {
  it('renders a palette item per placeable node type, a gallery card per template and the shell', () => {
    const html = renderToString(<App search="" />);
    expect(html).toContain('data-testid="palette-search"');
    for (const def of browserRegistry().all().filter(placeable))
      expect(html).toContain(`data-testid="palette-item-${def.type}"`);
    for (const t of bundledTemplates(browserRegistry()))
      expect(html).toContain(`data-testid="gallery-item-${t.id}"`);
    for (const id of [
      'undo',
      'redo',
      'total-params',
      'inspector',
      'save-button',
      'open-button',
      'share-button',
    ])
      expect(html).toContain(`data-testid="${id}"`);
    expect(html).toContain(totalParamsLabel(0));
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
