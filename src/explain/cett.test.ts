// layers.gatedFfn and the CETT tool (P28, Sparsing Law): the FFN's forward (ReLU and SiLU, with and
// without a threshold) against Float64 loops over its own weights; at ε = 0 the masked model is the
// dense model bit for bit (CETT 0, PPL ratio 1); the inner bisection reaches the target CETT,
// re-measured by Float64 loops; the outer search keeps the PPL ratio within p%; no leaked tensors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CompiledModel, compileIR } from '../compiler/compile.ts';
import type { KernelLayer } from '../compiler/kernel-layer.ts';
import { analyse } from '../core/analysis/analyse.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { cettAt, cettSparsity, cettTool, gatedFfnNodes, probeFfns, thresholdForCett } from './cett.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

const D = 6;
const ROWS = 256;

/** input [6] → ffn1 (ReLU, 24) → ffn2 (SiLU, 20) → out dense(5) logits. */
function doc(): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'cett' },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape: [D] } },
      ffn1: { type: 'layers.gatedFfn', v: 1, params: { units: 24, activation: 'relu' } },
      ffn2: { type: 'layers.gatedFfn', v: 1, params: { units: 20, activation: 'silu' } },
      out: { type: 'layers.dense', v: 1, params: { units: 5 } },
    } as GraphDoc['nodes'],
    edges: {
      a: { from: { node: 'input', port: 'y' }, to: { node: 'ffn1', port: 'x' } },
      b: { from: { node: 'ffn1', port: 'y' }, to: { node: 'ffn2', port: 'x' } },
      c: { from: { node: 'ffn2', port: 'y' }, to: { node: 'out', port: 'x' } },
    },
    layout: {},
  } as unknown as GraphDoc;
}

function compiled(): CompiledModel {
  const lowered = lowerGraph(analyse(doc(), registry), registry);
  if (!lowered.ir) throw new Error(lowered.diagnostics.map((d) => d.message).join('; '));
  return compileIR(lowered.ir, registry, { seed: 7 });
}

function inputs(): { x: tf.Tensor2D; labels: Int32Array } {
  const rng = createRng(3);
  const x = tf.tensor2d(
    Float32Array.from({ length: ROWS * D }, () => 2 * rng.normal()),
    [ROWS, D],
  );
  return { x, labels: Int32Array.from({ length: ROWS }, () => rng.int(5)) };
}

const rowsOf = (t: tf.Tensor) => Float64Array.from(t.dataSync());
/** A node's output on x as Float64, every intermediate tensor disposed. */
function outputOn(m: CompiledModel, x: tf.Tensor, id: string): Float64Array {
  const values = m.run({ input: x }, { training: false });
  const out = rowsOf(values.get(id)!);
  for (const [k, t] of values) if (k !== 'input') t.dispose();
  return out;
}
const weight = (m: CompiledModel, id: string, name: string) =>
  rowsOf((m.layers.get(id) as KernelLayer).weightNamed(name)!.read());

/** Float64: a = act(x Wg) ⊙ (x Wu) [rows, f] and y = (a ⊙ m) Wd with m_i = 1[|a_i|·‖Wd_i‖ ≥ ε]. */
function handFfn(
  x: Float64Array,
  rows: number,
  d: number,
  f: number,
  wg: Float64Array,
  wu: Float64Array,
  wd: Float64Array,
  act: 'relu' | 'silu',
  eps = 0,
) {
  const a = new Float64Array(rows * f);
  const y = new Float64Array(rows * d);
  const rn = Float64Array.from({ length: f }, (_, i) => Math.hypot(...wd.subarray(i * d, (i + 1) * d)));
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < f; i++) {
      let g = 0;
      let u = 0;
      for (let k = 0; k < d; k++) {
        g += x[r * d + k]! * wg[k * f + i]!;
        u += x[r * d + k]! * wu[k * f + i]!;
      }
      const s = act === 'relu' ? Math.max(0, g) : g / (1 + Math.exp(-g));
      a[r * f + i] = s * u;
      if (eps > 0 && Math.abs(s * u) * rn[i]! < eps) continue;
      for (let k = 0; k < d; k++) y[r * d + k] = y[r * d + k]! + s * u * wd[i * d + k]!;
    }
  return { a, y, rn };
}

/**
 * Float64 mean over rows of ‖Σ_{i: N_i < ε} a_i Wd_i‖ / ‖Σ_i a_i Wd_i‖, N the neuron norms |a_i|·‖Wd_i‖ (the
 * tool's float32 values, so a neuron within rounding of ε is classed as the tool classes it; the
 * test checks those norms against Float64 separately).
 */
function handCett(
  a: Float64Array,
  rows: number,
  f: number,
  wd: Float64Array,
  d: number,
  norms: Float64Array,
  eps: number,
) {
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const tail = new Float64Array(d);
    const full = new Float64Array(d);
    for (let i = 0; i < f; i++) {
      const ai = a[r * f + i]!;
      for (let k = 0; k < d; k++) {
        full[k] = full[k]! + ai * wd[i * d + k]!;
        if (norms[r * f + i]! < eps) tail[k] = tail[k]! + ai * wd[i * d + k]!;
      }
    }
    const n = Math.hypot(...full);
    if (n > 0) sum += Math.hypot(...tail) / n;
  }
  return sum / rows;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('layers.gatedFfn', () => {
  it('ReLU and SiLU forwards equal a Float64 hand computation, with and without a threshold', () => {
    const m = compiled();
    const { x } = inputs();
    const run = () => {
      const v = m.run({ input: x }, { training: false });
      const out = { h1: rowsOf(v.get('ffn1')!), h2: rowsOf(v.get('ffn2')!) };
      for (const [k, t] of v) if (k !== 'input') t.dispose();
      return out;
    };
    const dense = run();
    const w = (id: string) =>
      ['wGate', 'wUp', 'wDown'].map((n) => weight(m, id, n)) as [Float64Array, Float64Array, Float64Array];
    const r1 = handFfn(rowsOf(x), ROWS, D, 24, ...w('ffn1'), 'relu');
    expect(maxAbsDiff(dense.h1, r1.y)).toBeLessThan(1e-5);
    const r2 = handFfn(dense.h1, ROWS, D, 20, ...w('ffn2'), 'silu');
    expect(maxAbsDiff(dense.h2, r2.y)).toBeLessThan(1e-5);
    expect(r1.a.filter((v) => v === 0).length).toBeGreaterThan(ROWS * 24 * 0.3); // ReLU gates zero about half
    // a threshold at the median neuron norm masks about half the neurons, as the hand mask does
    const norms = [...r1.a].map((v, j) => Math.abs(v) * r1.rn[j % 24]!).sort((p, q) => p - q);
    const eps = norms[Math.floor(norms.length * 0.75)]!;
    m.setRuntimeParams('ffn1', { threshold: eps });
    const masked = run();
    const h1 = handFfn(rowsOf(x), ROWS, D, 24, ...w('ffn1'), 'relu', eps);
    expect(maxAbsDiff(masked.h1, h1.y)).toBeLessThan(1e-5);
    expect(maxAbsDiff(masked.h1, dense.h1)).toBeGreaterThan(1e-3);
    m.resetRuntimeParams('ffn1');
    expect(run().h1).toEqual(dense.h1);
    x.dispose();
    m.dispose();
  });
});

describe('CETT', () => {
  it('at ε = 0 (CETT 0) the masked model equals the dense one exactly: CETT 0, PPL ratio 1', () => {
    const m = compiled();
    const { x, labels } = inputs();
    const logits = () => outputOn(m, x, 'out');
    const dense = logits();
    const probes = probeFfns(m, { input: x }, gatedFfnNodes(m));
    for (const pr of probes) expect(cettAt(pr, 0)).toEqual({ cett: 0, sparsity: 0 });
    for (const pr of probes) pr.dispose();
    for (const id of ['ffn1', 'ffn2']) m.setRuntimeParams(id, { threshold: 0 });
    expect(logits()).toEqual(dense);
    const r = cettSparsity(m, { input: x }, 'out', labels, ['ffn1', 'ffn2'], { cett: 0 });
    expect(r.chosen.pplRatio).toBe(1);
    expect(r.chosen.ce).toBe(r.denseCe);
    for (const t of r.chosen.thresholds) expect(t.cett).toBe(0);
    // CETT 0 still masks the ReLU layer's exact zeros (they contribute nothing), never a SiLU neuron
    expect(r.chosen.thresholds[0]!.sparsity).toBeGreaterThan(0.3);
    expect(r.chosen.thresholds[1]!.sparsity).toBe(0);
    expect(logits()).toEqual(dense); // thresholds reset afterwards
    x.dispose();
    m.dispose();
  });

  it('the bisection hits the target CETT (re-measured in Float64) and ε is the largest such', () => {
    const m = compiled();
    const { x } = inputs();
    const probes = probeFfns(m, { input: x }, ['ffn1', 'ffn2']);
    for (const [j, pr] of probes.entries()) {
      const f = pr.a.shape[1];
      const a = rowsOf(pr.a);
      const wd = rowsOf(pr.wDown);
      const rn = Float64Array.from({ length: f }, (_, i) => Math.hypot(...wd.subarray(i * D, (i + 1) * D)));
      const norms = rowsOf(pr.norms);
      expect(
        maxAbsDiff(
          norms,
          Float64Array.from(a, (v, k) => Math.abs(v) * rn[k % f]!),
        ),
      ).toBeLessThan(1e-5 * pr.maxNorm);
      for (const c of [0.05, 0.2, 0.5]) {
        const t = thresholdForCett(pr, c, 30);
        const e32 = Math.fround(t.eps); // tf compares against the float32 ε
        const measured = handCett(a, ROWS, f, wd, D, norms, e32);
        expect(measured, `${pr.id} c ${c}`).toBeLessThanOrEqual(c + 1e-3);
        expect(Math.abs(measured - c), `${pr.id} c ${c}`).toBeLessThan(0.01);
        expect(Math.abs(t.cett - measured)).toBeLessThan(1e-3); // float32 vs Float64 (rows with a small ‖y‖)
        // one bisection step above ε already exceeds c
        expect(handCett(a, ROWS, f, wd, D, norms, t.eps + (2 * pr.maxNorm) / 2 ** 30)).toBeGreaterThan(
          c - 1e-9,
        );
        const inactive = norms.filter((v) => v < e32).length / a.length;
        expect(Math.abs(t.sparsity - inactive)).toBeLessThan(1e-6);
      }
      expect(j).toBeLessThan(2);
    }
    for (const pr of probes) pr.dispose();
    x.dispose();
    m.dispose();
  });

  it('the outer search keeps PPL(sparse)/PPL(dense) ≤ 1 + p/100, leaks nothing, and the tool reports it', async () => {
    const m = compiled();
    const { x, labels } = inputs();
    const before = tf.memory().numTensors;
    const r = cettSparsity(m, { input: x }, 'out', labels, ['ffn1', 'ffn2'], { p: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.chosen.pplRatio).toBeLessThanOrEqual(1.01);
    expect(r.chosen.c).toBeGreaterThan(0);
    // the masked forward at the chosen thresholds gives the reported CE (Float64 log-softmax)
    for (const [i, t] of r.chosen.thresholds.entries())
      m.setRuntimeParams(['ffn1', 'ffn2'][i]!, { threshold: t.eps });
    const z = outputOn(m, x, 'out');
    let ce = 0;
    for (let i = 0; i < ROWS; i++) {
      const row = z.subarray(i * 5, i * 5 + 5);
      const mx = Math.max(...row);
      ce += mx + Math.log(row.reduce((s, v) => s + Math.exp(v - mx), 0)) - row[labels[i]!]!;
    }
    expect(Math.abs(ce / ROWS - r.chosen.ce)).toBeLessThan(1e-4);
    for (const id of ['ffn1', 'ffn2']) m.resetRuntimeParams(id);
    const res = await cettTool.run(
      { compiled: m, feeds: { input: x }, imageInput: 'input', scores: 'out', classes: labels },
      'ffn2',
      { cett: 0, p: 1, layers: 'all', scoresAre: 'logits', outerIterations: 10, innerIterations: 24 },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(res.figures.sparsity).toBeCloseTo(r.chosen.sparsity, 10);
    expect(res.figures['PPL ratio']).toBeLessThanOrEqual(1.01);
    await expect(
      cettTool.run(
        { compiled: m, feeds: { input: x }, imageInput: 'input', scores: 'out', classes: labels },
        'out',
        {
          cett: 0,
          p: 1,
          layers: 'all',
          scoresAre: 'logits',
          outerIterations: 2,
          innerIterations: 2,
        },
      ),
    ).rejects.toThrow(/'out' is not one/);
    x.dispose();
    m.dispose();
  });
});
