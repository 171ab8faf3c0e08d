// What the tfjs compiler and the TypeScript code generator both derive from the IR: layer configs
// (with seeded initialisers as plain specs), per-node seeds, kernel-layer class names and the model
// name. The compiler turns the specs into tfjs objects, the generator prints them, so the exported
// code builds exactly the model the app trains. Pure: no tfjs here.

import type { IRNode, Json } from '../ir.ts';
import type { PlainWeightInit, WeightInit } from '../ops.ts';
import { hashString } from '../rng.ts';

/** A `tf.initializers.<initializer>(args)` call; no args means `<initializer>()`. */
export interface InitializerSpec {
  readonly initializer: string;
  readonly args?: Readonly<Record<string, number | string>>;
  /** initializer 'segmented': the last axis cut into these segments, each its own initialiser. */
  readonly segments?: readonly SegmentSpec[];
}

/** One segment of a 'segmented' initialiser; its seed is the weight's seed + seedOffset. */
export interface SegmentSpec {
  readonly size: number;
  readonly fanShape?: readonly number[];
  readonly seedOffset: number;
  readonly spec: InitializerSpec;
}

/** Seed step between the segments of one weight (segment j draws with seed + (j + 1)·step). */
const SEGMENT_SEED_STEP = 7919;

/** A tfjs layer config: JSON values (the node id as `name`) plus seeded initialisers. */
export interface LayerConfigSpec {
  /** `tf.layers[factory]` name, e.g. `dense`. */
  readonly factory: string;
  readonly config: Readonly<Record<string, Json>>;
  /** Config keys whose value is an initialiser object (they follow the JSON keys). */
  readonly initializers: Readonly<Record<string, InitializerSpec>>;
}

// Which config keys of a tfjs layer take random initialisers, so each gets a seed derived from
// the graph seed and the node id (same graph + seed → same initial weights).
const SEEDED_INITIALIZERS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  dense: { kernelInitializer: 'glorotUniform' },
  conv1d: { kernelInitializer: 'glorotUniform' },
  conv2d: { kernelInitializer: 'glorotUniform' },
  conv2dTranspose: { kernelInitializer: 'glorotUniform' },
  depthwiseConv2d: { depthwiseInitializer: 'glorotUniform' },
  separableConv2d: { depthwiseInitializer: 'glorotUniform', pointwiseInitializer: 'glorotUniform' },
  embedding: { embeddingsInitializer: 'randomUniform' },
  lstm: { kernelInitializer: 'glorotUniform', recurrentInitializer: 'orthogonal' },
  gru: { kernelInitializer: 'glorotUniform', recurrentInitializer: 'orthogonal' },
};

/**
 * The seed of a kernel layer's n-th random draw (n = 1, 2, …; dropout masks): from the layer's
 * seed, so a run is reproducible, and new for every draw. The exported code prints the same formula.
 */
export const drawSeed = (seed: number, n: number): number => (seed + Math.imul(n, 0x9e3779b9)) >>> 0;
/** `drawSeed` as the exported kernel classes print it (`this.draws` counts the draws). */
export const DRAW_SEED_EXPR = '(this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0';

/** The seed of one node's weights: from the graph seed and the node id. */
export const nodeSeed = (seed: number, nodeId: string): number => (seed * 7919 + hashString(nodeId)) >>> 0;

const SEEDED = new Set([
  'glorotUniform',
  'glorotNormal',
  'heNormal',
  'heUniform',
  'leCunNormal',
  'leCunUniform',
  'orthogonal',
]);

/**
 * Standard deviation of N(0, 1) truncated at ±2σ, the distribution tfjs's truncatedNormal draws
 * (Keras's variance-scaling constant). tfjs's glorotNormal / heNormal / leCunNormal sample it
 * without dividing by it, so Var·fan_in is 0.774 of the target (Keras and the papers: exactly 1).
 */
export const TRUNCATED_NORMAL_STD = 0.87962566103423978;

/** The normal variance-scaling initialisers: Var(w) = scale / fan(mode) exactly. */
const EXACT_NORMAL: Readonly<Record<string, { scale: number; mode: 'fanIn' | 'fanAvg' }>> = {
  glorotNormal: { scale: 1, mode: 'fanAvg' },
  heNormal: { scale: 2, mode: 'fanIn' },
  leCunNormal: { scale: 1, mode: 'fanIn' },
};

/**
 * A tfjs initializer identifier (as a layer config names it) with the given seed. The normal
 * variance-scaling ones become tfjs varianceScaling with the scale divided by the truncated normal's
 * variance (what Keras does), so the weights have exactly the variance the name promises.
 */
export function initializerSpec(name: string, seed: number): InitializerSpec {
  const exact = EXACT_NORMAL[name];
  if (exact)
    return {
      initializer: 'varianceScaling',
      args: {
        scale: exact.scale / TRUNCATED_NORMAL_STD ** 2,
        mode: exact.mode,
        distribution: 'normal',
        seed,
      },
    };
  if (SEEDED.has(name)) return { initializer: name, args: { seed } };
  switch (name) {
    case 'randomUniform':
      return { initializer: name, args: { minval: -0.05, maxval: 0.05, seed } };
    case 'randomNormal':
      return { initializer: name, args: { mean: 0, stddev: 0.05, seed } };
    case 'zeros':
    case 'ones':
      return { initializer: name };
    default:
      throw new Error(`unknown initializer '${name}'`);
  }
}

/** The initialiser of a kernel's weight (its i-th weight gets seed + i). */
export function weightInitializerSpec(init: WeightInit, seed: number): InitializerSpec {
  if (typeof init === 'object' && 'segments' in init) {
    if (!init.segments.length) throw new Error('a segment-wise initialiser needs at least one segment');
    return {
      initializer: 'segmented',
      segments: init.segments.map((g, j) => {
        const seedOffset = SEGMENT_SEED_STEP * (j + 1);
        return {
          size: g.size,
          ...(g.fanShape ? { fanShape: g.fanShape } : {}),
          seedOffset,
          spec: plainInitializerSpec(g.init, seed + seedOffset),
        };
      }),
    };
  }
  return plainInitializerSpec(init, seed);
}

function plainInitializerSpec(init: PlainWeightInit, seed: number): InitializerSpec {
  if (typeof init === 'string') return initializerSpec(init, seed);
  if ('constant' in init) return { initializer: 'constant', args: { value: init.constant } };
  if ('varianceScaling' in init) {
    const { scale, mode } = init.varianceScaling;
    return {
      initializer: 'varianceScaling',
      args: { scale: scale / TRUNCATED_NORMAL_STD ** 2, mode, distribution: 'normal', seed },
    };
  }
  return { initializer: 'randomUniform', args: { minval: init.uniform[0], maxval: init.uniform[1], seed } };
}

/**
 * Why a segment-wise initialiser does not fit a weight of `shape` (undefined when it does): the
 * sizes must add up to the last axis, and each fanShape must hold exactly its segment's entries.
 */
export function segmentLayoutError(
  shape: readonly number[],
  segments: readonly { size: number; fanShape?: readonly number[] | undefined }[],
): string | undefined {
  const last = shape[shape.length - 1] ?? 1;
  const lead = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const total = segments.reduce((a, g) => a + g.size, 0);
  if (total !== last)
    return `segment sizes add up to ${total}, but the weight's last axis has ${last} entries`;
  for (const [j, g] of segments.entries()) {
    const n = (g.fanShape ?? [g.size]).reduce((a, b) => a * b, g.fanShape ? 1 : lead);
    if (n !== g.size * lead)
      return `segment ${j} has ${g.size * lead} entries but its fanShape [${g.fanShape?.join(', ')}] holds ${n}`;
  }
  return undefined;
}

/** The config the compiler passes to `tf.layers[factory]` for an IR layer node. */
export function layerConfigSpec(node: IRNode, seed: number): LayerConfigSpec {
  if (node.op.kind !== 'layer') throw new Error(`node '${node.id}' is not a layer node`);
  const { name: _ignored, ...rest } = node.op.config;
  const config: Record<string, Json> = { name: node.id, ...rest };
  const initializers: Record<string, InitializerSpec> = {};
  const s = nodeSeed(seed, node.id);
  let i = 0;
  for (const [key, dflt] of Object.entries(SEEDED_INITIALIZERS[node.op.layer] ?? {})) {
    const chosen = typeof config[key] === 'string' ? (config[key] as string) : dflt;
    delete config[key];
    initializers[key] = initializerSpec(chosen, s + i++);
  }
  return { factory: node.op.layer, config, initializers };
}

/**
 * The registered tfjs class name of a node type's kernel layer (`layers.subtract` →
 * `NetwrightLayersSubtract`): the app's compiler and the exported code use the same one, so a
 * model saved by either loads with the other's classes. No underscores: tfjs camel-cases every
 * string of a saved topology when it loads one (`A_b` comes back as `AB`), class names included.
 */
export const kernelClassName = (type: string): string =>
  `Netwright${type
    .split('.')
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join('')}`;

/** tfjs model names must be simple identifiers. */
export function modelName(title: string): string {
  const s = title.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z]/.test(s) ? s.slice(0, 60) : `model_${s}`.slice(0, 60);
}
