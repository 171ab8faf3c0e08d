// Looking inside a trained model: a KAN-family layer's learned edge functions, and attention
// probabilities per head for one validation sample. Runs where the model lives (the Worker, or
// Node in tests); returns plain arrays.
import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import { KernelLayer } from '../compiler/kernel-layer.ts';
import { summarizeValues } from '../core/array-summary.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import type { ActivationStats, AttentionMaps, EdgeFunctions } from './protocol.ts';

const POINTS = 41;
/** At most this many inputs × outputs are sampled (the inspector shows a grid). */
const MAX_EDGES = 8;

/**
 * Each edge i → j of a layer: the response of output j when input i sweeps the grid range and every
 * other input is 0, minus the response at all-zeros — φ_ij(t) − φ_ij(0) for a KAN (whose outputs
 * are sums of per-edge functions), the same read-out for any other layer. Flat layers [B, n] read
 * input i → output j; a convolutional KAN [B, H, W, C] (valid, stride 1) reads kernel entry
 * (u, v, c) → filter f at output position (0, 0).
 */
export async function edgeFunctions(compiled: CompiledModel, nodeId: string): Promise<EdgeFunctions> {
  const node = compiled.ir.nodes.find((n) => n.id === nodeId);
  const layer = compiled.layers.get(nodeId);
  if (!node || !layer) throw new Error(`node '${nodeId}' is not a layer of the trained model`);
  const ref = node.inputs[0];
  const inShape =
    ref && 'node' in ref ? compiled.ir.nodes.find((n) => n.id === ref.node)?.outputShape : undefined;
  const config = node.op.kind === 'kernel' ? node.op.config : {};
  const k = typeof config.kernelSize === 'number' ? config.kernelSize : undefined;
  const conv = inShape?.length === 4 && node.type === 'kan.convKan' && k !== undefined;
  if (!inShape || inShape.slice(1).some((d) => d === null) || (inShape.length !== 2 && !conv))
    throw new Error(
      `node '${nodeId}' does not take flat features [B, n] (or is not a Conv-KAN); edge functions need a 2-D input`,
    );
  const sample = inShape.slice(1) as number[];
  const width = sample.reduce((a, b) => a * b, 1);
  const channels = sample.at(-1)!;
  // Edge i → the flat offset of the input element it reads, and a label.
  const nIn = conv ? k * k * channels : width;
  const edgeInput = (i: number): { offset: number; label: string } => {
    if (!conv) return { offset: i, label: `x${i}` };
    const c = i % channels;
    const uv = (i - c) / channels;
    const [u, v] = [Math.floor(uv / k), uv % k];
    return { offset: (u * sample[1]! + v) * channels + c, label: `(${u},${v}) c${c}` };
  };
  const lo = typeof config.gridMin === 'number' ? config.gridMin : -1;
  const hi = typeof config.gridMax === 'number' ? config.gridMax : 1;
  const t = Array.from({ length: POINTS }, (_, j) => lo + ((hi - lo) * j) / (POINTS - 1));
  const inputs = Math.min(nIn, MAX_EDGES);
  const rows = 1 + inputs * POINTS;
  const x = new Float32Array(rows * width);
  for (let i = 0; i < inputs; i++) {
    const { offset } = edgeInput(i);
    for (let j = 0; j < POINTS; j++) x[(1 + i * POINTS + j) * width + offset] = t[j]!;
  }
  const out = tf.tidy(() => {
    const y = layer.apply(tf.tensor(x, [rows, ...sample]), { training: false }) as tf.Tensor;
    // Flat: [rows, n_out]; conv: the first output position [rows, F].
    return conv ? tf.reshape(tf.slice(y, [0, 0, 0, 0], [rows, 1, 1, -1]), [rows, -1]) : y;
  });
  const nOut = out.shape[1] ?? 1;
  const v = await out.data();
  out.dispose();
  const outputs = Math.min(nOut, MAX_EDGES);
  const phi: number[][][] = [];
  for (let i = 0; i < inputs; i++) {
    const row: number[][] = [];
    for (let j = 0; j < outputs; j++) row.push(t.map((_, q) => v[(1 + i * POINTS + q) * nOut + j]! - v[j]!));
    phi.push(row);
  }
  return {
    nodeId,
    x: t,
    phi,
    inputs: nIn,
    outputs: nOut,
    inputLabels: Array.from({ length: inputs }, (_, i) => edgeInput(i).label),
  };
}

/** Attention probabilities [head][query][key] of every attention block in node `nodeId`. */
export async function attentionMaps(
  compiled: CompiledModel,
  data: LoadedDataset,
  nodeId: string,
  sample: number,
): Promise<AttentionMaps> {
  const layer = compiled.layers.get(nodeId);
  const input = compiled.ir.inputs[0];
  if (!(layer instanceof KernelLayer) || !input) throw new Error(`node '${nodeId}' is not a kernel layer`);
  const width = data.binding.featureShape.reduce((a, b) => a * b, 1);
  const count = data.val.count;
  if (count === 0) throw new Error('the dataset has no validation samples');
  const k = Math.max(0, Math.min(count - 1, Math.floor(sample)));
  const probes: [string, tf.Tensor][] = [];
  layer.probeSink = (name, value) => probes.push([name, value]);
  try {
    tf.tidy(() => {
      const x = tf.tensor(data.val.x.subarray(k * width, (k + 1) * width), [1, ...data.binding.featureShape]);
      compiled.run({ [input]: x }, { training: false });
    });
  } finally {
    layer.probeSink = undefined;
  }
  const blocks: { name: string; heads: number[][][] }[] = [];
  for (const [name, p] of probes) {
    const heads = ((await p.array()) as number[][][][])[0]!;
    p.dispose();
    blocks.push({ name, heads });
  }
  if (blocks.length === 0) throw new Error(`node '${nodeId}' computes no attention to show`);
  const label = data.binding.labels.kind === 'class' ? Number(data.val.y[k]) : undefined;
  return { nodeId, sample: k, ...(label !== undefined ? { label } : {}), blocks };
}

/** Histogram bins of an activation view. */
const BINS = 24;
/** Channel thumbnails of a feature map (the first this many channels). */
const MAX_CHANNELS = 8;

/**
 * What flows out of node `nodeId` for one validation sample: mean, standard deviation (population),
 * fraction of exact zeros, range, a histogram over [min, max] and, for a [h, w, C] map, the first
 * channels as thumbnails. Reads the model as it is now (the Worker answers during training too).
 */
export async function activationStats(
  compiled: CompiledModel,
  data: LoadedDataset,
  nodeId: string,
  sample: number,
  port?: string,
): Promise<ActivationStats> {
  const node = compiled.ir.nodes.find((n) => n.id === nodeId);
  const input = compiled.ir.inputs[0];
  if (!node || node.op.kind === 'input' || !input)
    throw new Error(`inspect/node: '${nodeId}' is not a node of the model; pick a layer's node`);
  const width = data.binding.featureShape.reduce((a, b) => a * b, 1);
  const count = data.val.count;
  if (count === 0) throw new Error('inspect/sample: the dataset has no validation samples');
  const k = Math.max(0, Math.min(count - 1, Math.floor(sample)));
  // A port names one output of a multi-output node (an edge's source); a one-output node has one.
  if (port !== undefined && node.outputPorts && !node.outputPorts.some((p) => p.name === port))
    throw new Error(`inspect/port: node '${nodeId}' has no output port '${port}'`);
  const key = node.outputPorts ? `${nodeId}:${port ?? node.outputPorts[0]!.name}` : nodeId;
  const out = tf.tidy(() => {
    const x = tf.tensor(data.val.x.subarray(k * width, (k + 1) * width), [1, ...data.binding.featureShape]);
    const v = compiled.run({ [input]: x }, { training: false }).get(key);
    if (!v) throw new Error(`inspect/node: the model computes no value for '${nodeId}'`);
    return v.toFloat();
  });
  const shape = out.shape.slice(1);
  const v = (await out.data()) as Float32Array;
  out.dispose();
  const { mean, std, fractionZero, min, max, histogram } = summarizeValues(v, BINS);
  const channels =
    shape.length === 3
      ? (() => {
          const [h, w, c] = shape as [number, number, number];
          const maps = Array.from({ length: Math.min(c, MAX_CHANNELS) }, (_, ch) =>
            Array.from({ length: h * w }, (_, p) => v[p * c + ch]!),
          );
          return { height: h, width: w, count: c, maps };
        })()
      : undefined;
  return {
    nodeId,
    sample: k,
    shape,
    mean,
    std,
    fractionZero,
    min,
    max,
    histogram,
    ...(channels ? { channels } : {}),
  };
}
