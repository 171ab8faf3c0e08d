// KAN-family cost and attention-kernel overhead (issue #7, item 5). Timings are reported, never asserted.
//
// (a) forward + backward of each KAN-family layer ÷ a parameter-matched Dense layer (Conv2D for
//     Conv-KAN), same backend, same batch, same input. Both sides are one-node graphs compiled by
//     compileIR (KAN: a KernelLayer; Dense/Conv2D: tf.layers), and a step is
//     tf.variableGrads(Σ y) over the layer's trainable weights AND the input (as for a layer inside a
//     network). The Dense width is chosen so its parameter count is within a few % of the KAN's.
//     Anchor (issue #7): the KAN critique paper reports KANs 1.36–100× slower than MLPs; goal ≤ 1.5×.
// (b) multi-head self-attention compiled from a graph (KernelLayer) ÷ the same attention written by
//     hand with tf ops (matMul / softmax), same shapes and the very same weight variables; goal ≤ 1.05.
//
// Sides are interleaved (A, B, B, A, …) so background load hits both alike; medians after warm-up.
// `npx tsx bench/kan-bench.ts [--quick]` runs it alone and writes bench/results/kan-vs-dense.json and
// bench/results/attention-vs-handwritten.json; `npm run bench` runs it too.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { type CompiledModel, compileIR } from '../src/compiler/compile.ts';
import { analyse } from '../src/core/analysis/analyse.ts';
import type { GraphDoc } from '../src/core/doc/schema.ts';
import { lowerGraph } from '../src/core/lower.ts';
import type { Registry } from '../src/core/registry.ts';
import { selectNodeBackend } from '../src/trainer/backend-node.ts';

type Backend = 'cpu' | 'wasm';
type Step = () => Promise<void>;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * a and b run interleaved (A B, then B A, …) after `warmup` calls of each: at least `minSteps`
 * pairs, more while they fit in `budgetMs` (up to 10× minSteps). Returns the median ms of each and
 * two load-robust ratios: the median of the per-pair ratios (a pair shares the machine's load) and
 * min ÷ min (the least-disturbed runs).
 */
export async function interleaved(a: Step, b: Step, warmup: number, minSteps: number, budgetMs: number) {
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  const time = async (f: Step, into: number[]) => {
    const t = performance.now();
    await f();
    into.push(performance.now() - t);
  };
  const t0 = performance.now();
  for (let i = 0; i < 10 * minSteps && (i < minSteps || performance.now() - t0 < budgetMs); i++) {
    if (i % 2) {
      await time(b, tb);
      await time(a, ta);
    } else {
      await time(a, ta);
      await time(b, tb);
    }
  }
  return {
    aMs: median(ta),
    bMs: median(tb),
    pairRatio: median(ta.map((t, i) => t / tb[i]!)),
    minRatio: Math.min(...ta) / Math.min(...tb),
    steps: ta.length,
  };
}

/** input → one layer node, compiled as the app compiles it. */
export function compileOne(
  registry: Registry,
  type: string,
  params: Record<string, unknown>,
  shape: number[],
): CompiledModel {
  const doc: GraphDoc = {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: type },
    nodes: {
      input: { type: 'io.input', v: 1, params: { shape } },
      layer: { type, v: 1, params },
    },
    edges: { e1: { from: { node: 'input', port: 'y' }, to: { node: 'layer', port: 'x' } } },
    layout: {},
  };
  const a = analyse(doc, registry);
  const lowered = lowerGraph(a, registry);
  if (!lowered.ir) {
    const msgs = [...a.diagnostics, ...lowered.diagnostics].map((d) => d.message).join('; ');
    throw new Error(`${type}: graph did not lower: ${msgs}`);
  }
  return compileIR(lowered.ir, registry, { seed: 1 });
}

/** One training-style step: forward in training mode, Σ y, gradients w.r.t. `vars`; disposes all. */
function gradStep(forward: () => tf.Tensor, vars: tf.Variable[]): Step {
  return async () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(forward()) as tf.Scalar, vars);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
}

const compiledStep = (c: CompiledModel, x: tf.Variable): Step =>
  gradStep(() => c.run({ input: x }, { training: true }).get('layer')!, [...c.variables([]), x]);

interface KanCase {
  name: string;
  type: string;
  params: Record<string, unknown>;
  /** Input shape without the batch. */
  shape: number[];
  batch: number;
  /** Conv-KAN is matched by a Conv2D of the same kernel size, the rest by a Dense. */
  conv?: number;
}

export const KAN_CASES: KanCase[] = [
  {
    name: 'KAN (B-spline G=5 k=3)',
    type: 'kan.kanLayer',
    params: { units: 32, basis: 'bspline', gridSize: 5, splineOrder: 3 },
    shape: [64],
    batch: 128,
  },
  {
    name: 'ReLU-KAN (g=5 k=3)',
    type: 'kan.reluKan',
    params: { units: 32, gridSize: 5, order: 3 },
    shape: [64],
    batch: 128,
  },
  { name: 'AF-KAN (g=3 k=3, quad1)', type: 'kan.afKan', params: { units: 32 }, shape: [64], batch: 128 },
  { name: 'S-KAN (5-space pool, soft)', type: 'kan.sKan', params: { units: 32 }, shape: [64], batch: 128 },
  {
    name: 'Conv-KAN (3×3, B-spline G=5 k=3)',
    type: 'kan.convKan',
    params: { filters: 8, kernelSize: 3, basis: 'bspline', gridSize: 5, splineOrder: 3 },
    shape: [12, 12, 4],
    batch: 16,
    conv: 3,
  },
];

/** (a) every KAN case on one backend. */
export async function kanVsDense(
  registry: Registry,
  backend: Backend,
  warmup: number,
  steps: number,
  budgetMs: number,
) {
  await selectNodeBackend(backend);
  const rows = [];
  for (const c of KAN_CASES) {
    const kan = compileOne(registry, c.type, c.params, c.shape);
    const kanParams = kan.countParams();
    const inFeat = c.conv ? c.conv * c.conv * c.shape[2]! : c.shape[c.shape.length - 1]!;
    const width = Math.max(1, Math.round(kanParams / (inFeat + 1)));
    const dense = c.conv
      ? compileOne(registry, 'layers.conv2d', { filters: width, kernelSize: [c.conv, c.conv] }, c.shape)
      : compileOne(registry, 'layers.dense', { units: width }, c.shape);
    const denseParams = dense.countParams();
    const x = tf.variable(tf.randomUniform([c.batch, ...c.shape], -1, 1, 'float32', 7), true, `x_${c.type}`);
    const kanStep = compiledStep(kan, x);
    const denseStep = compiledStep(dense, x);
    await kanStep();
    await denseStep();
    const before = tf.memory().numTensors;
    const t = await interleaved(kanStep, denseStep, warmup, steps, budgetMs);
    const leaked = tf.memory().numTensors - before;
    kan.dispose();
    dense.dispose();
    x.dispose();
    rows.push({
      layer: c.name,
      type: c.type,
      backend,
      batch: c.batch,
      input: c.shape,
      kanParams,
      matched: c.conv ? `conv2d ${c.conv}×${c.conv}, filters ${width}` : `dense, units ${width}`,
      denseParams,
      paramDiff: denseParams / kanParams - 1,
      steps: t.steps,
      kanMs: t.aMs,
      denseMs: t.bMs,
      ratio: t.aMs / t.bMs,
      pairRatio: t.pairRatio,
      minRatio: t.minRatio,
      leakedTensors: leaked,
    });
  }
  return rows;
}

/** Multi-head self-attention written directly with tf ops, reading the compiled layer's weights. */
function handAttention(w: Record<string, tf.Tensor>, x: tf.Tensor, heads: number, dk: number): tf.Tensor {
  const [, n, d] = x.shape as [number, number, number];
  const x2 = tf.reshape(x, [-1, d]);
  const proj = (k: string) =>
    tf.transpose(
      tf.reshape(tf.add(tf.matMul(x2, w[`w${k}`]!), w[`b${k}`]!), [-1, n, heads, dk]),
      [0, 2, 1, 3],
    );
  const q = proj('q');
  const k = proj('k');
  const v = proj('v');
  const p = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dk)));
  const o = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [-1, heads * dk]);
  return tf.reshape(tf.add(tf.matMul(o, w.wo!), w.bo!), [-1, n, d]);
}

/** (b) compiled MHA kernel ÷ hand-written tfjs, same shapes and weights. */
export async function attentionVsHandWritten(
  registry: Registry,
  backend: Backend,
  warmup: number,
  steps: number,
  budgetMs: number,
) {
  await selectNodeBackend(backend);
  const [batch, n, d, heads, dk] = [32, 16, 64, 4, 16];
  const compiled = compileOne(registry, 'attention.multiHeadAttention', { numHeads: heads, keyDim: dk }, [
    n,
    d,
  ]);
  const layer = compiled.layers.get('layer')!;
  const w = Object.fromEntries(
    layer.trainableWeights.map((v) => [v.originalName.split('/').pop()!, v.read() as tf.Variable]),
  );
  const x = tf.variable(tf.randomNormal([batch, n, d], 0, 1, 'float32', 3), true, 'x_mha');
  const maxDiff = tf.tidy(
    () =>
      tf
        .max(
          tf.abs(
            tf.sub(
              compiled.run({ input: x }, { training: true }).get('layer')!,
              handAttention(w, x, heads, dk),
            ),
          ),
        )
        .dataSync()[0]!,
  );
  const vars = [...compiled.variables([]), x];
  const kernelStep = compiledStep(compiled, x);
  const handStep = gradStep(() => handAttention(w, x, heads, dk), vars);
  await kernelStep();
  await handStep();
  const before = tf.memory().numTensors;
  const t = await interleaved(kernelStep, handStep, warmup, steps, budgetMs);
  const leaked = tf.memory().numTensors - before;
  const params = compiled.countParams();
  compiled.dispose();
  x.dispose();
  return {
    backend,
    batch,
    tokens: n,
    dModel: d,
    heads,
    keyDim: dk,
    params,
    maxAbsDiff: maxDiff,
    steps: t.steps,
    compiledMs: t.aMs,
    handWrittenMs: t.bMs,
    ratio: t.aMs / t.bMs,
    pairRatio: t.pairRatio,
    minRatio: t.minRatio,
    leakedTensors: leaked,
  };
}

export function machineInfo() {
  return {
    node: process.version,
    cpus: cpus().length,
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

/** Both parts on wasm and cpu. */
export async function kanBench(registry: Registry, quick: boolean) {
  const [warmup, steps, budgetMs] = quick ? [2, 6, 500] : [4, 21, 3000];
  const kan = [];
  const attention = [];
  for (const b of ['wasm', 'cpu'] as const) {
    kan.push(...(await kanVsDense(registry, b, warmup, steps, budgetMs)));
    attention.push(await attentionVsHandWritten(registry, b, warmup, steps, budgetMs));
  }
  return {
    kanVsDense: {
      goal: 'ratio ≤ 1.5 (KAN critique: 1.36–100× slower)',
      step: 'fwd + bwd: grads of Σy w.r.t. all trainable weights and the input; median ms, sides interleaved',
      ratios: 'ratio = median ÷ median; pairRatio = median of per-pair ratios; minRatio = min ÷ min',
      loadavgAfter: loadavg()[0],
      runs: kan,
    },
    attentionVsHandWritten: {
      goal: 'ratio ≤ 1.05',
      step: 'fwd + bwd: grads of Σy w.r.t. Q/K/V/O weights and biases and the input; median ms, sides interleaved',
      ratios: 'ratio = median ÷ median; pairRatio = median of per-pair ratios; minRatio = min ÷ min',
      loadavgAfter: loadavg()[0],
      runs: attention,
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  tf.env().set('PROD', true);
  const { loadRegistry } = await import('../src/node/discover-nodes.ts');
  const registry = await loadRegistry();
  const machine = machineInfo();
  const res = await kanBench(registry, process.argv.includes('--quick'));
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  for (const [name, data] of [
    ['kan-vs-dense', res.kanVsDense],
    ['attention-vs-handwritten', res.attentionVsHandWritten],
  ] as const)
    writeFileSync(join(out, `${name}.json`), `${JSON.stringify({ machine, ...data }, null, 2)}\n`);
  for (const r of res.kanVsDense.runs)
    console.log(
      `${r.backend.padEnd(4)} ${r.layer.padEnd(34)} params ${r.kanParams} vs ${r.denseParams} (${r.matched}) ` +
        `${r.kanMs.toFixed(2)} / ${r.denseMs.toFixed(2)} ms = ${r.ratio.toFixed(2)}× (pairs ${r.pairRatio.toFixed(2)}×, min ${r.minRatio.toFixed(2)}×, n ${r.steps}) leaked ${r.leakedTensors}`,
    );
  for (const r of res.attentionVsHandWritten.runs)
    console.log(
      `${r.backend.padEnd(4)} MHA compiled / hand-written ${r.compiledMs.toFixed(2)} / ${r.handWrittenMs.toFixed(2)} ms = ${r.ratio.toFixed(3)}× (pairs ${r.pairRatio.toFixed(3)}×, min ${r.minRatio.toFixed(3)}×, n ${r.steps}; max |Δy| ${r.maxAbsDiff.toExponential(1)}) leaked ${r.leakedTensors}`,
    );
  console.log(`load average ${machine.loadavg.join(' ')} → ${loadavg()[0]!.toFixed(2)}`);
}
