import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../node/discover-nodes.ts';
import { canConnect } from './connect.ts';
import type { GraphDoc } from './doc/schema.ts';
import type { Registry } from './registry.ts';

let registry: Registry;
beforeAll(async () => {
  registry = await loadRegistry();
});

const doc = (
  nodes: GraphDoc['nodes'],
  edges: GraphDoc['edges'] = {},
  training?: GraphDoc['training'],
): GraphDoc => ({
  format: 'netwright.graph',
  formatVersion: 2,
  meta: { title: 't' },
  nodes,
  edges,
  layout: {},
  ...(training ? { training } : {}),
});

const node = (type: string, params: Record<string, unknown> = {}) => ({ type, v: 1, params });
const at = (n: string, port: string) => ({ node: n, port });

const mlp = doc(
  { in: node('io.input', { shape: [784] }), d1: node('layers.dense'), d2: node('layers.dense') },
  { e1: { from: at('in', 'y'), to: at('d1', 'x') } },
);

describe('canConnect', () => {
  it('allows output → input and swaps a backwards drag', () => {
    const ok = canConnect(mlp, registry, at('d1', 'y'), at('d2', 'x'));
    expect(ok).toMatchObject({ ok: true, from: at('d1', 'y'), to: at('d2', 'x') });
    const back = canConnect(mlp, registry, at('d2', 'x'), at('d1', 'y'));
    expect(back).toMatchObject({ ok: true, from: at('d1', 'y'), to: at('d2', 'x') });
  });

  it('refuses two outputs or two inputs', () => {
    expect(canConnect(mlp, registry, at('d1', 'y'), at('d2', 'y'))).toMatchObject({
      ok: false,
      code: 'connect/direction',
    });
    expect(canConnect(mlp, registry, at('d1', 'x'), at('d2', 'x'))).toMatchObject({
      ok: false,
      code: 'connect/direction',
    });
  });

  it('refuses an input that is already connected, naming the edge', () => {
    const r = canConnect(mlp, registry, at('d2', 'y'), at('d1', 'x'));
    expect(r).toMatchObject({ ok: false, code: 'connect/input-taken' });
    if (!r.ok) expect(r.reason).toContain("'e1'");
  });

  it('refuses a cycle and a self-loop', () => {
    const d = doc(
      { in: node('io.input'), a: node('layers.dense'), b: node('layers.dense'), c: node('layers.dense') },
      {
        e1: { from: at('in', 'y'), to: at('a', 'x') },
        e2: { from: at('a', 'y'), to: at('b', 'x') },
      },
    );
    expect(canConnect(d, registry, at('c', 'y'), at('c', 'x'))).toMatchObject({
      ok: false,
      code: 'connect/cycle',
    });
    expect(canConnect(d, registry, at('b', 'y'), at('c', 'x')).ok).toBe(true);
    const cyc = doc(
      { a: node('layers.dense'), b: node('layers.dense') },
      { e1: { from: at('a', 'y'), to: at('b', 'x') } },
    );
    const r = canConnect(cyc, registry, at('b', 'y'), at('a', 'x'));
    expect(r).toMatchObject({ ok: false, code: 'connect/cycle' });
    if (!r.ok) expect(r.reason).toContain('cycle');
  });

  it('refuses a shape mismatch when the types are known, with the analysis message', () => {
    const d = doc({ in: node('io.input', { shape: [784] }), f: node('layers.flatten') });
    const r = canConnect(d, registry, at('in', 'y'), at('f', 'x'));
    expect(r).toMatchObject({ ok: false, code: 'connect/shape' });
    if (!r.ok) expect(r.reason).toContain('already flat');
    const img = doc({ in: node('io.input', { shape: [28, 28, 1] }), f: node('layers.flatten') });
    expect(canConnect(img, registry, at('in', 'y'), at('f', 'x')).ok).toBe(true);
  });

  it('allows an edge whose new error comes with a one-click fix, and returns it', () => {
    const d = doc(
      {
        in: node('io.input', { shape: [784] }),
        d1: node('layers.dense', { units: 32 }),
        loss: node('losses.sparseCategoricalCrossentropy'),
      },
      { e1: { from: at('in', 'y'), to: at('d1', 'x') } },
      {
        dataset: { name: 'mnist', params: { flat: true } },
        optimizer: { type: 'optimizers.adam', params: {} },
        batchSize: 32,
        epochs: 1,
        seed: 1,
      },
    );
    const r = canConnect(d, registry, at('d1', 'y'), at('loss', 'pred'));
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(r.fixable[0]?.fix).toMatchObject({ kind: 'set-param', nodeId: 'd1', field: 'units', value: 10 });
  });

  it('allows wiring when upstream types are unknown, and refuses unknown nodes or ports', () => {
    const d = doc({ a: node('layers.dense'), b: node('layers.flatten') });
    expect(canConnect(d, registry, at('a', 'y'), at('b', 'x')).ok).toBe(true);
    expect(canConnect(d, registry, at('a', 'nope'), at('b', 'x'))).toMatchObject({
      ok: false,
      code: 'connect/missing-port',
    });
    expect(canConnect(d, registry, at('zz', 'y'), at('b', 'x'))).toMatchObject({
      ok: false,
      code: 'connect/missing-node',
    });
  });
});
