// The browser's view of the catalog (import.meta.glob) must match what Node discovers on disk.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { browserRegistry, bundledNodePaths } from '../browser/registry.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { bundledTemplates, loadTemplates, templateIdFromPath } from './templates.ts';

describe('browser registry', () => {
  it('bundles exactly the node types Node discovers on disk', async () => {
    const disk = await loadRegistry();
    expect(
      browserRegistry()
        .all()
        .map((d) => d.type),
    ).toEqual(disk.all().map((d) => d.type));
    expect(bundledNodePaths().some((p) => p.endsWith('.test.ts'))).toBe(false);
  });
});

describe('templates', () => {
  it('bundles every templates/*.graph.json', () => {
    const onDisk = readdirSync(new URL('../../templates/', import.meta.url))
      .filter((f) => f.endsWith('.graph.json'))
      .map((f) => f.slice(0, -'.graph.json'.length))
      .sort();
    expect(bundledTemplates(browserRegistry()).map((t) => t.id)).toEqual(onDisk);
  });

  it('derives the id from the file name', () => {
    expect(templateIdFromPath('/templates/lenet-5.graph.json')).toBe('lenet-5');
  });

  it('turns an unreadable template into diagnostics, not an exception', () => {
    const [bad] = loadTemplates({ '/templates/bad.graph.json': { format: 'nope' } }, browserRegistry());
    expect(bad?.id).toBe('bad');
    expect(bad?.analysis).toBeUndefined();
    expect(bad?.diagnostics[0]?.code).toBe('doc/not-a-graph');
  });
});
