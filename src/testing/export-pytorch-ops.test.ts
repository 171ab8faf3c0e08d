// The PyTorch translations of the ops added for data and heads v2 (stopGradient, randomNormal,
// gather, topK, topKIndices, floor), run for real with Debian's python3-torch: each small function
// is traced into Python (python-trace.ts) and must give the values and the gradient of Σ f(x)
// that the tfjs Ops (src/compiler/tf-ops.ts, themselves checked against plain JS in
// ops-v2.test.ts) give on the same input.
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { PyNamer } from '../core/codegen/python-literals.ts';
import { PY_HELPERS, tracePython } from '../core/codegen/python-trace.ts';
import type { Traced } from '../core/codegen/trace.ts';
import type { Ops } from '../core/ops.ts';

const PYTHON = '/usr/bin/python3';

const rows = [
  [0.3, -1.2, 2.5, 0.9, 2.4],
  [-0.7, 1.1, 0.2, -2.0, 1.0],
];

/** f(ops, x) over x = rows ([2, 5]); written once, run on tfjs and traced into torch. */
type Case = <T>(ops: Ops<T>, x: T) => T;
const cases: Record<string, Case> = {
  // tf.gather: output shape x[:axis] + indices + x[axis+1:]; float indices truncate.
  gatherAxis1Matrix: (ops, x) => ops.gather(x, ops.constant([2, 0, 4.7, 4], [2, 2]), 1),
  gatherAxis0: (ops, x) => ops.gather(x, ops.constant([1, 0, 1], [3]), 0),
  gatherAxisNegative: (ops, x) => ops.gather(x, ops.constant([3, 1], [2]), -1),
  topK: (ops, x) => ops.topK(x, 3),
  topKIndices: (ops, x) => ops.topKIndices(x, 3),
  floor: (ops, x) => ops.floor(ops.mul(x, ops.scalar(2))),
  stopGradient: (ops, x) => ops.mul(ops.stopGradient(x), x),
  // Noise times zero: the values are x; the shape and the gradient are what is compared.
  randomNormal: (ops, x) => ops.add(x, ops.mul(ops.randomNormal([2, 5]), ops.scalar(0))),
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('PyTorch translations of the v2 ops (python3-torch)', () => {
  it('give the tfjs values and gradients of Σ f(x) for every case', () => {
    const helpers = new Set<string>();
    const defs: string[] = [];
    for (const [name, f] of Object.entries(cases)) {
      const traced = tracePython(
        name,
        [{ name: 'x', shape: [2, 5] }],
        (ops, ls) => f(ops as Ops<Traced>, ls[0]!),
        { indent: 4, namer: new PyNamer(['x']) },
      );
      for (const h of traced.helpers) helpers.add(h);
      defs.push(`def ${name}(x):`, ...traced.lines, '');
    }
    const script = [
      'import json',
      'import torch',
      'import torch.nn.functional as F',
      ...[...helpers].flatMap((h) => [...PY_HELPERS[h]!, '']),
      ...defs,
      `NAMES = ${JSON.stringify(Object.keys(cases))}`,
      'out = {}',
      'for name in NAMES:',
      `    x = torch.tensor(${JSON.stringify(rows)}, dtype=torch.float32, requires_grad=True)`,
      '    y = globals()[name](x)',
      '    g = torch.autograd.grad(y.sum(), x, allow_unused=True)[0] if y.requires_grad else None',
      '    out[name] = {"shape": list(y.shape), "values": y.detach().reshape(-1).tolist(),',
      '                 "grad": (torch.zeros_like(x) if g is None else g).reshape(-1).tolist()}',
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const torchOut = JSON.parse(r.stdout) as Record<
      string,
      { shape: number[]; values: number[]; grad: number[] }
    >;
    for (const [name, f] of Object.entries(cases)) {
      const x = tf.tensor2d(rows);
      const y = f(tfOps, x);
      const g = tf.grad((v: tf.Tensor) => tf.sum(f(tfOps, v)))(x);
      const t = torchOut[name]!;
      expect(t.shape, name).toEqual(y.shape);
      const values = Array.from(y.dataSync());
      const grads = Array.from(g.dataSync());
      for (const [i, v] of t.values.entries())
        expect(Math.abs(v - values[i]!), `${name}[${i}]`).toBeLessThan(1e-6);
      for (const [i, v] of t.grad.entries())
        expect(Math.abs(v - grads[i]!), `${name} grad[${i}]`).toBeLessThan(1e-6);
      tf.dispose([x, y, g]);
    }
  });
});
