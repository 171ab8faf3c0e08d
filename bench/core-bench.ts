// Benchmarks of the core engine (issue: core engine, point 12). Timings are reported, never
// asserted: `npm run bench` writes JSON under bench/results/ and prints a summary.
import * as tf from '@tensorflow/tfjs';
import { produce } from 'immer';
import { compileIR } from '../src/compiler/compile.ts';
import { analyse, analyseText } from '../src/core/analysis/analyse.ts';
import type { GraphDoc } from '../src/core/doc/schema.ts';
import { lowerGraph } from '../src/core/lower.ts';
import type { Registry } from '../src/core/registry.ts';
import { readTemplate } from '../src/node/templates.ts';
import { selectNodeBackend } from '../src/trainer/backend-node.ts';
import { makeOptimizer } from '../src/trainer/optimizers.ts';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median ms of `steps` calls after `warmup` calls; each call must finish its GPU/wasm work. */
export async function timeSteps(f: () => Promise<void>, warmup: number, steps: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await f();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return median(times);
}

function randomBatch(featureShape: number[], batch: number, classes: number) {
  const x = tf.randomUniform([batch, ...featureShape], 0, 1, 'float32', 1);
  const labels = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => (i * 7) % classes),
    'int32',
  );
  return { x, labels, oneHot: tf.oneHot(labels, classes).toFloat() };
}

/** (a) compiled template train step ÷ the same model written by hand in tfjs (tf.sequential + trainOnBatch). */
export async function compiledVsHandWritten(
  registry: Registry,
  templateId: string,
  handWritten: () => tf.Sequential,
  backend: 'cpu' | 'wasm',
  batch: number,
  steps: number,
) {
  await selectNodeBackend(backend);
  const a = analyseText(readTemplate(templateId), registry);
  const ir = lowerGraph(a, registry).ir!;
  const compiled = compileIR(ir, registry);
  const inputShape = compiled.model.inputs[0]!.shape.slice(1) as number[];
  const { x, labels, oneHot } = randomBatch(inputShape, batch, 10);
  const optimizer = makeOptimizer(ir.training!.optimizer, registry);
  const vars = compiled.variables([]);
  const lossDef = registry.get(ir.losses[0]!.type)!;
  const accDef = registry.get(ir.metrics[0]!.type)!;
  const { tfOps } = await import('../src/compiler/tf-ops.ts');
  // The trainer's step, as src/trainer/loop.ts runs it: forward in training mode, loss and
  // accuracy heads, minimize over the variable group, read loss + metric back.
  const compiledStep = async () => {
    let acc: tf.Scalar | undefined;
    const cost = optimizer.step(() => {
      const outs = compiled.run({ [ir.inputs[0]!]: x }, { training: true });
      const pred = outs.get(ir.outputs[0]!)!;
      acc = tf.keep(accDef.metric!.fn(tfOps, pred, labels, {}) as tf.Scalar);
      return lossDef.loss!.fn(
        tfOps,
        pred,
        oneHot,
        (ir.losses[0]!.op as { config: object }).config,
      ) as tf.Scalar;
    }, vars);
    const s = tf.stack([cost, acc!]);
    await s.data();
    tf.dispose([s, cost, acc!]);
  };
  const hand = handWritten();
  hand.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const handStep = async () => {
    await hand.trainOnBatch(x, oneHot);
  };
  const tCompiled = await timeSteps(compiledStep, 3, steps);
  const tHand = await timeSteps(handStep, 3, steps);
  const tCompiled2 = await timeSteps(compiledStep, 0, steps); // interleave to cancel drift
  const compiledMs = Math.min(tCompiled, tCompiled2);
  optimizer.dispose();
  compiled.dispose();
  hand.dispose();
  tf.dispose([x, labels, oneHot]);
  return {
    template: templateId,
    backend,
    batch,
    compiledMs,
    handWrittenMs: tHand,
    ratio: compiledMs / tHand,
  };
}

export const handMlp = () =>
  tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });

export const handLenet = () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 6,
        kernelSize: 5,
        padding: 'same',
        activation: 'tanh',
      }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'tanh' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'tanh' }),
      tf.layers.dense({ units: 84, activation: 'tanh' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });

/** (b) MLP 784-512-512-512-10 at batch 512 on wasm: achieved FLOP/s ÷ raw matMul FLOP/s. */
export async function flopEfficiency(registry: Registry, steps: number) {
  await selectNodeBackend('wasm');
  const sizes = [784, 512, 512, 512, 10];
  const batch = 512;
  const nodes: GraphDoc['nodes'] = { input: { type: 'io.input', v: 1, params: { shape: [784] } } };
  const edges: GraphDoc['edges'] = {};
  let prev = 'input';
  sizes.slice(1).forEach((units, i) => {
    const id = `d${i + 1}`;
    nodes[id] = {
      type: 'layers.dense',
      v: 1,
      params: { units, activation: i === sizes.length - 2 ? 'softmax' : 'relu' },
    };
    edges[`e${i + 1}`] = { from: { node: prev, port: 'y' }, to: { node: id, port: 'x' } };
    prev = id;
  });
  nodes.loss = { type: 'losses.categoricalCrossentropy', v: 1, params: {} };
  edges.eLoss = { from: { node: prev, port: 'y' }, to: { node: 'loss', port: 'pred' } };
  const doc: GraphDoc = {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'mlp-512' },
    nodes,
    edges,
    layout: {},
    training: {
      dataset: { name: 'mnist', params: {} },
      optimizer: { type: 'optimizers.sgd', params: { learningRate: 0.01 } },
      batchSize: batch,
      epochs: 1,
      seed: 1,
    },
  };
  const a = analyse(doc, registry);
  const ir = lowerGraph(a, registry).ir!;
  const compiled = compileIR(ir, registry);
  const { x, oneHot } = randomBatch([784], batch, 10);
  const optimizer = makeOptimizer(ir.training!.optimizer, registry);
  const vars = compiled.variables([]);
  const lossDef = registry.get('losses.categoricalCrossentropy')!;
  const { tfOps } = await import('../src/compiler/tf-ops.ts');
  const step = async () => {
    const cost = optimizer.step(() => {
      const pred = compiled.run({ input: x }, { training: true }).get(prev)!;
      return lossDef.loss!.fn(tfOps, pred, oneHot, { fromLogits: false, labelSmoothing: 0 }) as tf.Scalar;
    }, vars);
    await cost.data();
    cost.dispose();
  };
  const stepMs = await timeSteps(step, 2, steps);
  // Forward 2·B·in·out per layer; backward twice that (grad w.r.t. input and weights).
  const macs = sizes.slice(1).reduce((s, out, i) => s + sizes[i]! * out, 0);
  const stepFlops = 3 * 2 * batch * macs;
  const A = tf.randomNormal([512, 512]);
  const B = tf.randomNormal([512, 512]);
  const mmMs = await timeSteps(
    async () => {
      const c = tf.matMul(A, B);
      await c.data();
      c.dispose();
    },
    3,
    20,
  );
  const mmFlops = 2 * 512 ** 3;
  optimizer.dispose();
  compiled.dispose();
  tf.dispose([x, oneHot, A, B]);
  const achieved = stepFlops / (stepMs / 1000);
  const raw = mmFlops / (mmMs / 1000);
  return {
    backend: 'wasm',
    batch,
    stepMs,
    stepGflop: stepFlops / 1e9,
    achievedGflops: achieved / 1e9,
    matMulGflops: raw / 1e9,
    efficiency: achieved / raw,
  };
}

/** (c) analysis of a generated 1,000-node graph, cold and after one param edit (immer). */
export function analysisTiming(registry: Registry) {
  const n = 1000;
  const nodes: GraphDoc['nodes'] = { n0: { type: 'io.input', v: 1, params: { shape: [32] } } };
  const edges: GraphDoc['edges'] = {};
  for (let i = 1; i < n; i++) {
    nodes[`n${i}`] =
      i % 2
        ? { type: 'layers.dense', v: 1, params: { units: 32 } }
        : { type: 'activations.relu', v: 1, params: {} };
    edges[`e${i}`] = { from: { node: `n${i - 1}`, port: 'y' }, to: { node: `n${i}`, port: 'x' } };
  }
  const doc: GraphDoc = {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'big' },
    nodes,
    edges,
    layout: {},
  };
  const t0 = performance.now();
  const first = analyse(doc, registry);
  const coldMs = performance.now() - t0;
  const fresh: number[] = [];
  for (let i = 0; i < 5; i++) {
    // A structurally equal copy defeats the per-record memo: the full cost of analysis.
    const copy = structuredClone(doc);
    const t = performance.now();
    analyse(copy, registry);
    fresh.push(performance.now() - t);
  }
  const edits: number[] = [];
  let cur = doc;
  for (let i = 0; i < 20; i++) {
    cur = produce(cur, (d) => {
      d.nodes.n501!.params.units = 16 + (i % 2) * 16;
    });
    const t = performance.now();
    analyse(cur, registry);
    edits.push(performance.now() - t);
  }
  return { nodes: n, ok: first.ok, coldMs, fullMs: median(fresh), editMs: median(edits) };
}
