// Phase kind 'fit' (closed-form state): the Float64 solves against independent references, the
// Hebbian couplings against Σ ξξᵀ/N, a fit-only graph (no loss) through analysis, lowering and the
// trainer with no leaked tensors, a fit after a gradient phase, diagnostics, and the document round trip.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { loadBinding } from '../core/datasets/binding.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { gaussianNBFit, gaussianNBWeights, hebbianFit, ridgeFit } from '../core/fits.ts';
import { matrix } from '../core/linalg/ridge.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { train } from '../trainer/loop.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

/** Independent reference: Gauss–Jordan elimination with partial pivoting on a dense system. */
function gaussSolve(a: number[][], b: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k < m[r]!.length; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row.slice(n).map((v) => v / m[i]![i]!));
}

describe('ridge fit', () => {
  it('equals the normal equations of [X, 1] with λ on W only, solved in Float64 (1e-5)', () => {
    const rng = createRng(4);
    const [n, d, k, lambda] = [40, 6, 3, 0.7];
    const x = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
    const y = Array.from({ length: n }, () => Array.from({ length: k }, () => rng.normal() + 2));
    // Augmented design Z = [X, 1]; (ZᵀZ + diag(λ,…,λ,0)) θ = ZᵀY.
    const z = x.map((r) => [...r, 1]);
    const zz = Array.from({ length: d + 1 }, (_, i) =>
      Array.from(
        { length: d + 1 },
        (_, j) => z.reduce((s, r) => s + r[i]! * r[j]!, 0) + (i === j && i < d ? lambda : 0),
      ),
    );
    const zy = Array.from({ length: d + 1 }, (_, i) =>
      Array.from({ length: k }, (_, c) => z.reduce((s, r, t) => s + r[i]! * y[t]![c]!, 0)),
    );
    const theta = gaussSolve(zz, zy);
    const { w, b } = ridgeFit(matrix(x.flat(), n, d), matrix(y.flat(), n, k), lambda, true);
    for (let i = 0; i < d; i++)
      for (let c = 0; c < k; c++) expect(w[i * k + c]).toBeCloseTo(theta[i]![c]!, 5);
    for (let c = 0; c < k; c++) expect(b[c]).toBeCloseTo(theta[d]![c]!, 5);
    // Without bias: (XᵀX + λI)W = XᵀY.
    const xx = Array.from({ length: d }, (_, i) =>
      Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[i]! * r[j]!, 0) + (i === j ? lambda : 0)),
    );
    const xy = Array.from({ length: d }, (_, i) =>
      Array.from({ length: k }, (_, c) => x.reduce((s, r, t) => s + r[i]! * y[t]![c]!, 0)),
    );
    const ref = gaussSolve(xx, xy);
    const nb = ridgeFit(matrix(x.flat(), n, d), matrix(y.flat(), n, k), lambda, false);
    for (let i = 0; i < d; i++)
      for (let c = 0; c < k; c++) expect(nb.w[i * k + c]).toBeCloseTo(ref[i]![c]!, 5);
    expect([...nb.b]).toEqual([0, 0, 0]);
  });
});

describe('Gaussian naive Bayes fit', () => {
  // Class 0: x ∈ {(0, 2), (2, 4)}; class 1: x ∈ {(4, 0), (6, 0), (8, 3)}.
  const x = matrix([0, 2, 2, 4, 4, 0, 6, 0, 8, 3], 5, 2);
  const y = [0, 0, 1, 1, 1];
  it('per-class closed form, computed by hand', () => {
    const nb = gaussianNBFit(x, y, 2, { shared: false, floor: 0.5 });
    expect([...nb.means]).toEqual([1, 3, 6, 1]);
    // class 0 vars: ((1 + 1)/2, (1 + 1)/2) = (1, 1); class 1: ((4 + 0 + 4)/3, (1 + 1 + 4)/3) = (8/3, 2).
    for (const [i, v] of [1.5, 1.5, 8 / 3 + 0.5, 2.5].entries()) expect(nb.vars[i]).toBeCloseTo(v, 12);
    expect(nb.logPriors[0]).toBeCloseTo(Math.log(2 / 5), 12);
    expect(nb.logPriors[1]).toBeCloseTo(Math.log(3 / 5), 12);
  });
  it('shared variance pools within-class squared deviations over all rows', () => {
    const nb = gaussianNBFit(x, y, 2, { shared: true, floor: 1e-3, uniform: true });
    // Σ (x₁ − μ)² = 1 + 1 + 4 + 0 + 4 = 10 → 2; Σ (x₂ − μ)² = 1 + 1 + 1 + 1 + 4 = 8 → 1.6.
    for (const [i, v] of [2.001, 1.601, 2.001, 1.601].entries()) expect(nb.vars[i]).toBeCloseTo(v, 12);
    expect(nb.logPriors[0]).toBeCloseTo(-Math.log(2), 12);
  });
  it("the head's weights give log π_c + Σ_j log N(x_j; μ_cj, σ²_cj)", () => {
    const nb = gaussianNBFit(x, y, 2, { shared: false, floor: 0.5 });
    const { quad, lin, bias } = gaussianNBWeights(nb, 2, 2);
    const q = [1.5, -2];
    for (let c = 0; c < 2; c++) {
      let want = nb.logPriors[c]!;
      let got = bias[c]!;
      for (let j = 0; j < 2; j++) {
        const [m, v] = [nb.means[c * 2 + j]!, nb.vars[c * 2 + j]!];
        want += -((q[j]! - m) ** 2) / (2 * v) - 0.5 * Math.log(2 * Math.PI * v);
        got += q[j]! ** 2 * quad[j * 2 + c]! + q[j]! * lin[j * 2 + c]!;
      }
      expect(got).toBeCloseTo(want, 10);
    }
  });
});

describe('Hebbian couplings', () => {
  const xi = [
    [1, -1, 0, 1, -1],
    [0, 1, 1, -1, 1],
    [-1, 0, 1, 1, 0],
  ];
  const n = 5;
  const ref = (i: number, j: number) => (i === j ? 0 : xi.reduce((s, p) => s + p[i]! * p[j]!, 0) / n);
  it('supervised, one example per pattern: J = Σ ξξᵀ/N with a zero diagonal, symmetric', () => {
    const j = hebbianFit(matrix(xi.flat(), 3, n), [0, 1, 2], 3, 'sup');
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        expect(j[a * n + b]).toBeCloseTo(ref(a, b), 12);
        expect(j[a * n + b]).toBe(j[b * n + a]);
      }
  });
  it('supervised averages the examples of each pattern first; unsupervised averages ηηᵀ', () => {
    // Two examples of each pattern: the pattern and its sign-flip of entry 0 (χ = −1 there).
    const flip = (p: number[]) => [-p[0]!, ...p.slice(1)];
    const rows = xi.flatMap((p) => [p, flip(p)]);
    const labels = [0, 0, 1, 1, 2, 2];
    const sup = hebbianFit(matrix(rows.flat(), 6, n), labels, 3, 'sup');
    const unsup = hebbianFit(matrix(rows.flat(), 6, n), undefined, 3, 'unsup');
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        // Mean example: entry 0 averages to 0. Σ_a ηηᵀ/M: entries (0, b≠0) cancel, the rest are ξξᵀ.
        const touches0 = (a === 0 || b === 0) && a !== b;
        expect(sup[a * n + b]).toBeCloseTo(touches0 ? 0 : ref(a, b), 12);
        expect(unsup[a * n + b]).toBeCloseTo(touches0 ? 0 : ref(a, b), 12);
      }
  });
});

/** A fit-only Hebbian graph on a small diluted-pattern set. */
function hebbianDoc(extra: Partial<GraphDoc['nodes']> = {}): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'hebbian' },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape: [200] } },
      pats: { type: 'io.input', v: 1, params: { shape: [3, 200], source: 'field:patterns' } },
      net: { type: 'fit.hebbianHopfield', v: 1, params: { mode: 'sup', patterns: 3, sweeps: 10 } },
      output: { type: 'io.output', v: 1, params: {} },
      m1: { type: 'metrics.mattisOverlap', v: 1, params: { pattern: 0 } },
      m2: { type: 'metrics.mattisOverlap', v: 1, params: { pattern: 1 } },
      ...extra,
    } as GraphDoc['nodes'],
    edges: {
      a: { from: { node: 'input', port: 'y' }, to: { node: 'net', port: 'x' } },
      b: { from: { node: 'net', port: 'y' }, to: { node: 'output', port: 'x' } },
      c: { from: { node: 'net', port: 'y' }, to: { node: 'm1', port: 'pred' } },
      d: { from: { node: 'pats', port: 'y' }, to: { node: 'm1', port: 'target' } },
      e: { from: { node: 'net', port: 'y' }, to: { node: 'm2', port: 'pred' } },
      f: { from: { node: 'pats', port: 'y' }, to: { node: 'm2', port: 'target' } },
    },
    training: {
      dataset: {
        name: 'dilutedPatterns',
        params: { neurons: 200, patterns: 3, examples: 20, quality: 0.6, dilution: 0.2, starts: 5 },
      },
      optimizer: { type: 'optimizers.adam', params: {} },
      batchSize: 32,
      epochs: 1,
      seed: 2,
      phases: [{ name: 'hebbian', kind: 'fit', epochs: 1, nodes: ['net'] }],
    },
    layout: {},
  } as GraphDoc;
}

describe('fit phases', () => {
  it('a fit-only graph analyses without a loss, lowers to a fit phase and trains; no tensor leaks', async () => {
    const doc = hebbianDoc();
    const a = analyse(doc, registry);
    expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const { ir } = lowerGraph(a, registry);
    expect(ir!.training!.phases).toEqual([
      { name: 'hebbian', kind: 'fit', epochs: 1, groups: [], fit: ['net'], optimizers: [] },
    ]);
    const data = await loadBinding(doc.training!.dataset, createRng(2), nodeDatasetIO);
    const compiled = compileIR(ir!, registry, { seed: 1 });
    const before = tf.memory().numTensors;
    const phases: string[] = [];
    const result = await train(compiled, registry, data, ir!.training!, {
      onPhase: (p) => {
        phases.push(`${p.phase}:${p.trainSamples}`);
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.status).toBe('done');
    expect(phases).toEqual(['hebbian:60']);
    expect(result.epochs).toHaveLength(1);
    // J from the trainer equals the Float64 solve on the same rows (to float32 precision).
    const j = compiled.weights(['net'])[0]!.read().dataSync();
    const want = hebbianFit(matrix(data.train.x, data.train.count, 200), Array.from(data.train.y), 3, 'sup');
    let err = 0;
    for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(j[i]! - want[i]!));
    expect(err).toBeLessThan(1e-6);
    // Retrieval from ξ¹ with random blanks: m₁ high, m₂ > 0 (the blanks fill with pattern 2).
    const m = result.epochs[0]!.val!.metrics;
    expect(m.m1!).toBeGreaterThan(0.6);
    expect(m.m2!).toBeGreaterThan(0.02);
    compiled.dispose();
  });

  it('reports train/fit-node for a listed node without a fit, and train/fit-nodes for none', () => {
    const doc = hebbianDoc({ dense: { type: 'layers.dense', v: 1, params: { units: 3 } } } as never);
    doc.edges.g = { from: { node: 'input', port: 'y' }, to: { node: 'dense', port: 'x' } };
    doc.training!.phases = [{ name: 'f', kind: 'fit', epochs: 1, nodes: ['dense'] }];
    const codes = analyse(doc, registry).diagnostics.map((d) => d.code);
    expect(codes).toContain('train/fit-node');
    doc.training!.phases = [{ name: 'f', kind: 'fit', epochs: 1 }];
    expect(analyse(doc, registry).diagnostics.map((d) => d.code)).toContain('train/fit-nodes');
  });

  it('a gradient phase still needs a loss (graph/no-loss)', () => {
    const doc = hebbianDoc();
    doc.training!.phases = [{ name: 'g', kind: 'gradient', epochs: 1 }];
    expect(analyse(doc, registry).diagnostics.map((d) => d.code)).toContain('graph/no-loss');
  });

  it('the document round-trips: a fit phase parses, re-serialises the same, and old phases default to gradient', () => {
    const doc = hebbianDoc();
    const text = JSON.stringify(doc);
    const parsed = parseGraphText(text);
    expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(parsed.doc!.training!.phases).toEqual(doc.training!.phases);
    expect(JSON.parse(JSON.stringify(parsed.doc)).training.phases).toEqual(doc.training!.phases);
    const old = { ...doc, training: { ...doc.training!, phases: [{ name: 'p', epochs: 2 }] } };
    expect(parseGraphText(JSON.stringify(old)).doc!.training!.phases![0]!.kind).toBe('gradient');
    // formatVersion 1 stages migrate to gradient phases.
    const v1 = {
      ...doc,
      formatVersion: 1,
      training: { ...doc.training!, phases: undefined, stages: [{ name: 's', epochs: 1 }] },
    };
    expect(parseGraphText(JSON.stringify(v1)).doc!.training!.phases![0]!.kind).toBe('gradient');
  });
});

describe('export of fit phases', () => {
  it('both exporters refuse with a PhaseRefusal naming the phase and node', async () => {
    const { generateTypeScript } = await import('../core/codegen/generate.ts');
    const { generatePyTorch } = await import('../core/codegen/pytorch.ts');
    const { PhaseRefusal } = await import('../core/codegen/print.ts');
    const { exportProcedure } = await import('../core/codegen/stages.ts');
    const a = analyse(hebbianDoc(), registry);
    const { ir } = lowerGraph(a, registry);
    expect(() => exportProcedure(ir!.training!)).toThrow(PhaseRefusal);
    expect(() => exportProcedure(ir!.training!)).toThrow(/phase 'hebbian' uses a closed-form fit of 'net'/);
    // PyTorch writes model.py (couplings as non-trainable weights) and reports why train.py is missing.
    const py = generatePyTorch(ir!, registry);
    expect(py.trainRefused).toMatch(/^export\/unsupported: phase 'hebbian' uses a closed-form fit of 'net'/);
    expect(Object.keys(py.files)).not.toContain('train.py');
    expect(() => generateTypeScript(ir!, registry)).toThrow(PhaseRefusal);
  });
});
