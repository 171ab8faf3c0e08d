import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../node/discover-nodes.ts';
import { analyse } from './analysis/analyse.ts';
import { parseGraphText } from './doc/parse.ts';
import { applyFix, describeFix, FixError, freshNodeId } from './fixes.ts';
import type { Registry } from './registry.ts';

let registry: Registry;
beforeAll(async () => {
  registry = await loadRegistry();
});

const fixture = (name: string) => {
  const text = readFileSync(new URL(`../testing/fixtures/${name}`, import.meta.url), 'utf8');
  return parseGraphText(text).doc!;
};

describe('fixes', () => {
  it('insert-node splices a Flatten into the edge and clears the error', () => {
    const doc = fixture('shape-loss-target-mismatch.graph.json');
    const diag = analyse(doc, registry).diagnostics.find((d) => d.fix?.kind === 'insert-node')!;
    expect(describeFix(diag.fix!, registry)).toBe('Insert Flatten');
    const fixed = applyFix(doc, diag.fix!, registry);
    expect(fixed.nodes.flatten?.type).toBe('layers.flatten');
    const into = Object.values(fixed.edges).filter(
      (e) => e.to.node === 'flatten' || e.from.node === 'flatten',
    );
    expect(into).toHaveLength(2);
    const after = analyse(fixed, registry);
    expect(after.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(doc.nodes.flatten).toBeUndefined(); // pure
  });

  it('set-param sets the value and the error goes away', () => {
    const doc = fixture('valid-mlp.graph.json');
    const units = Object.entries(doc.nodes).find(([, n]) => n.type === 'layers.dense');
    expect(units).toBeDefined();
    const fixed = applyFix(doc, { kind: 'set-param', nodeId: units![0], field: 'units', value: 7 }, registry);
    expect(fixed.nodes[units![0]]!.params.units).toBe(7);
  });

  it('refuses a fix that no longer applies', () => {
    const doc = fixture('shape-loss-target-mismatch.graph.json');
    expect(() =>
      applyFix(doc, { kind: 'insert-node', type: 'layers.flatten', beforeNode: 'gone', port: 'x' }, registry),
    ).toThrow(FixError);
    expect(() =>
      applyFix(doc, { kind: 'set-param', nodeId: '__proto__', field: 'x', value: 1 }, registry),
    ).toThrow(FixError);
  });

  it('fresh ids never collide and never use reserved names', () => {
    const doc = { nodes: { flatten: {}, flatten2: {} }, layout: {} } as never;
    expect(freshNodeId(doc, 'layers.flatten')).toBe('flatten3');
    expect(freshNodeId({ nodes: {}, layout: {} }, 'x.constructor')).toBe('constructor2');
  });
});
