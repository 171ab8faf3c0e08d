// Server-side render of the shell: the data-testid contracts the e2e specs and scripts rely on.
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { browserRegistry } from '../browser/registry.ts';
import { formatCount, totalParamsLabel } from '../ui/format.ts';
import { matchesQuery, searchNodes, usableIn } from '../ui/search.ts';
import { App } from './App.tsx';
import { bundledTemplates } from './templates.ts';

describe('App', () => {
  it('renders a palette item per node type usable at the top level, a gallery card per template and the shell', () => {
    const html = renderToString(<App search="" />);
    expect(html).toContain('data-testid="palette-search"');
    for (const def of browserRegistry()
      .all()
      .filter((d) => usableIn(d, false)))
      expect(html).toContain(`data-testid="palette-item-${def.type}"`);
    // A group's port nodes are an error outside a group: the top-level palette does not offer them.
    expect(html).not.toContain('data-testid="palette-item-group.input"');
    expect(html).not.toContain('data-testid="palette-item-optimizers.adam"');
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

  it('ranks an exact title first: "input" is Input, not Group input; "dense" is Dense', () => {
    const all = browserRegistry().all();
    expect(searchNodes(all, 'input')[0]?.type).toBe('io.input');
    expect(searchNodes(all, 'Dense')[0]?.type).toBe('layers.dense');
    expect(searchNodes(all, 'softmax')[0]?.type).toBe('activations.softmax');
    expect(searchNodes(all, 'relu')[0]?.type).toBe('activations.relu');
    expect(searchNodes(all, 'categorical cross-entropy')[0]?.type).toBe('losses.categoricalCrossentropy');
    // Inside a group the port nodes are offered.
    expect(all.filter((d) => usableIn(d, true)).map((d) => d.type)).toContain('group.input');
  });
});
