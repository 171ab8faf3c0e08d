// The S-KAN experiment's per-edge activations (used by its pruning stage) must add up to the hard
// S-KAN layer's own output: Σ_i φ_ji(x_i) = y_j.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../node/discover-nodes.ts';
import { build, templateWith } from '../trainer/experiments/_kan-shared.ts';
import { configOf, edgeActivations } from '../trainer/experiments/s-kan-function-fitting.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('S-KAN edge activations', () => {
  it('sum over the inputs to the hard layer output, for every selected space', async () => {
    const registry = await loadRegistry();
    const text = readFileSync(
      new URL('../../templates/s-kan-function-fitting.graph.json', import.meta.url),
      'utf8',
    );
    const b = build(
      templateWith(text, { skan1: { selection: 'hard' }, skan2: { selection: 'hard' } }),
      registry,
      3,
    );
    try {
      for (const id of ['skan1', 'skan2']) {
        const layer = b.compiled.layers.get(id)!;
        const ws = layer.getWeights();
        // Random logits so the edges select different spaces; non-zero coefficients everywhere.
        const z = tf.randomNormal(ws.at(-1)!.shape, 0, 1, 'float32', 5);
        const coefs = ws.slice(1, -1).map((c, i) => tf.randomNormal(c.shape, 0, 0.5, 'float32', 10 + i));
        layer.setWeights([ws[0]!, ...coefs, z]);
        tf.dispose([z, ...coefs]);
      }
      const x = tf.randomUniform([16, 2], -1, 1, 'float32', 7) as tf.Tensor2D;
      const outs = b.compiled.run({ [b.compiled.ir.inputs[0]!]: x }, { training: false });
      const inputs: Record<string, tf.Tensor2D> = { skan1: x, skan2: outs.get('skan1') as tf.Tensor2D };
      for (const id of ['skan1', 'skan2']) {
        const phi = edgeActivations(b.compiled.layers.get(id)!, inputs[id]!, configOf(b, id));
        const sum = tf.sum(phi, 1).arraySync() as number[][];
        const y = outs.get(id)!.arraySync() as number[][];
        sum.forEach((row, n) => {
          row.forEach((v, j) => {
            expect(v).toBeCloseTo(y[n]![j]!, 4);
          });
        });
        phi.dispose();
      }
      tf.dispose([...new Set([x, ...outs.values()])]);
    } finally {
      b.compiled.dispose();
    }
  });
});
