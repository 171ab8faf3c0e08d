// The node contract. One file per node type under nodes/<family>/ calls `defineNode`; the registry
// discovers the files. Everything about a node — ports, typed params, shape inference, lowering,
// docs, math, migrations — lives in that one file.

import type { FitData } from './fits.ts';
import type { IROp, JsonObject } from './ir.ts';
import type { Ops, WeightSpec } from './ops.ts';
import type { ParamSpecs, ParamValues } from './params.ts';
import type { Rng } from './rng.ts';
import type { Dim, TensorType } from './tensor-type.ts';

/** 'group': a group node or one of its port nodes — analysis and lowering handle these by type. */
export type NodeKind = 'input' | 'layer' | 'output' | 'loss' | 'metric' | 'optimizer' | 'group';

export interface PaperRef {
  readonly title: string;
  readonly authors?: string;
  readonly year: number;
  readonly arxiv?: string;
  readonly url?: string;
}

export interface NodeDocs {
  /** One or two sentences a user reads in the palette and inspector. */
  readonly summary: string;
  /** The math, as plain text (`y = max(0, x)`). Required for paper-derived nodes. */
  readonly formula?: string;
  readonly paper?: PaperRef;
}

export interface PortSpec {
  readonly doc: string;
  /** An unconnected optional input is allowed (a loss target defaults to the dataset's labels). */
  readonly optional?: boolean;
  /** The node reads this input only while training (NoProp's latent reads the labels), never at inference. */
  readonly trainingOnly?: boolean;
}

/** A named per-sample array of a dataset besides features and labels (a mask, a second modality). */
export interface FieldSpec {
  /** Shape of one sample (no batch axis). */
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  /** What the field holds, shown on the dataset card and in diagnostics. */
  readonly doc?: string;
}

/**
 * What a dataset's labels are: one class per sample, real values, a class per position
 * (`classMap`: segmentation masks, int32 `count × prod(shape)`, each in [0, numClasses)), or
 * multi-label sets (a 0/1 vector of numLabels per sample, any number of ones; float32 [N, numLabels]).
 */
export type LabelSpec =
  | { readonly kind: 'class'; readonly numClasses: number }
  | { readonly kind: 'values'; readonly shape: readonly number[] }
  | { readonly kind: 'classMap'; readonly shape: readonly number[]; readonly numClasses: number }
  | { readonly kind: 'multiLabel'; readonly numLabels: number };

/** Class labels (one per sample or one per position): what index and one-hot targets read. */
export const classCount = (labels: LabelSpec): number | undefined =>
  labels.kind === 'values' || labels.kind === 'multiLabel' ? undefined : labels.numClasses;

/** Per-sample shape of the labels as fed to an index target ([] for one class per sample). */
export const indexLabelShape = (labels: LabelSpec): readonly number[] =>
  labels.kind === 'classMap' ? labels.shape : [];

/** What the dataset tells analysis (no data loaded). */
export interface DataBinding {
  readonly name: string;
  readonly featureShape: readonly number[];
  readonly labels: LabelSpec;
  /** Extra per-sample arrays, by name; an Input node reads one with source `field:<name>`. */
  readonly fields?: Readonly<Record<string, FieldSpec>>;
}

export interface InferContext<P extends ParamSpecs> {
  readonly nodeId: string;
  readonly params: ParamValues<P>;
  /** Types on the input ports; undefined for an unconnected optional port. */
  readonly inputs: Readonly<Record<string, TensorType | undefined>>;
  readonly data: DataBinding | undefined;
}

export interface TypedContext<P extends ParamSpecs> {
  readonly nodeId: string;
  readonly params: ParamValues<P>;
  readonly inputs: Readonly<Record<string, TensorType | undefined>>;
  readonly outputs: Readonly<Record<string, TensorType>>;
}

export interface KernelContext<T = unknown> {
  readonly training: boolean;
  /**
   * Writes a non-trainable weight (running statistics, like BatchNormalization's moving variance).
   * Kernels call it only when training; absent where state cannot change (tracing, export).
   */
  readonly assign?: (weight: string, value: T) => void;
  /**
   * Reports an intermediate result worth showing (attention probabilities per head). Set only
   * when the app inspects a trained model; kernels must not depend on it.
   */
  readonly probe?: (name: string, value: T) => void;
}

/** Math with no tf.layers equivalent: straight-line code over Ops, run by the generic KernelLayer. */
export interface Kernel<P extends ParamSpecs> {
  weights?(params: ParamValues<P>, inputShapes: readonly (readonly Dim[])[]): WeightSpec[];
  call<T>(
    ops: Ops<T>,
    inputs: readonly T[],
    weights: Readonly<Record<string, T>>,
    params: ParamValues<P>,
    ctx: KernelContext<T>,
  ): T;
  /**
   * Nodes with several output ports: every output by port name. The compiler uses it instead of
   * `call` (which then returns the first port's value, for code that knows one output only).
   */
  callPorts?<T>(
    ops: Ops<T>,
    inputs: readonly T[],
    weights: Readonly<Record<string, T>>,
    params: ParamValues<P>,
    ctx: KernelContext<T>,
  ): Readonly<Record<string, T>>;
}

/** How an unconnected `target` port is fed from a classification dataset. */
export type TargetEncoding = 'index' | 'onehot';

/**
 * Label statistics of the TRAINING split, computed once per run (src/core/label-stats.ts) for heads
 * that ask for them (`HeadFn.stats`). Labels count as 0/1 vectors: one-hot for class labels, the
 * multi-hot row for multi-label ones.
 */
export interface DataStats<T> {
  /** Training rows N (a scalar). */
  readonly count: T;
  /** [L]: rows having label (class) l. */
  readonly labelCounts: T;
  /** [L, L]: rows having both labels l and m (YᵀY; its diagonal is labelCounts). */
  readonly labelPairs: T;
}

/** What a head sees besides its inputs. */
export interface HeadContext<T> {
  /** Set when the head declares `stats` and the run has a dataset. */
  readonly stats?: DataStats<T>;
}

export interface HeadFn<P extends ParamSpecs> {
  /** Target encoding when the dataset supplies class labels. */
  readonly target: TargetEncoding;
  /**
   * The prediction's last axis holds K = classes − 1 nested levels ("class ≥ k", k = 1..K) instead
   * of one score per class (for these params); analysis checks it against the dataset's class count.
   */
  readonly levels?: (params: ParamValues<P>) => boolean;
  /** Returns a scalar (mean over the batch). Two-port heads (pred, target) define this. */
  fn<T>(ops: Ops<T>, pred: T, target: T, params: ParamValues<P>): T;
  /**
   * N-ary heads: the inputs by port name (unconnected optional ports absent). When present the
   * trainer and the exporter call this instead of `fn` (which may then just throw).
   */
  call?<T>(ops: Ops<T>, inputs: Readonly<Record<string, T>>, params: ParamValues<P>, ctx?: HeadContext<T>): T;
  /** The head reads the training split's label statistics (`ctx.stats`; `call` heads only). */
  readonly stats?: boolean;
  /**
   * The label kind the head needs when the dataset feeds its target: 'multiLabel' (0/1 per label)
   * or 'class'. Heads with index targets need class labels whatever this says.
   */
  readonly labels?: 'class' | 'multiLabel';
  /**
   * Whole-split metrics (F1, Dice, ECE): `stats` returns a 1-D vector of per-batch SUMS that the
   * trainer adds over the split; `finalize` turns the totals into the metric, once, in plain TS.
   * A metric with `split` reports finalize(Σ stats), not the mean of per-batch values.
   */
  readonly split?: SplitMetric<P>;
}

export interface SplitMetric<P extends ParamSpecs> {
  stats<T>(ops: Ops<T>, inputs: Readonly<Record<string, T>>, params: ParamValues<P>): T;
  finalize(sums: readonly number[], params: ParamValues<P>): number;
  /**
   * `finalize` in ops, over the totals as a 1-D tensor: what the TypeScript exporter prints (its
   * train() sums the stats and finalises once per epoch). Without it the exporter refuses the
   * metric. Equal to `finalize` (src/testing/split-finalize.test.ts checks every metric).
   */
  finalizeOps?<T>(ops: Ops<T>, sums: T, params: ParamValues<P>): T;
  /** Multi-label metrics: the score of each label from the same totals (the app shows per-label F1). */
  perLabel?(sums: readonly number[], params: ParamValues<P>): number[];
}

/**
 * How a fit phase sets a node's weights. `collect: 'rows'`: the trainer runs the phase's training
 * rows once in inference mode, gathers the node's first input flattened to [rows, features]
 * (Float64) and the dataset labels, then calls `solve`; it returns each kernel weight by name
 * (Float32, the weight's shape, row-major). Pure TS, no tfjs. ('stats' accumulation is not built.)
 */
export interface FitSpec<P extends ParamSpecs> {
  readonly collect: 'rows';
  /** The dataset labels the solve reads ('none': it reads the input only). */
  readonly labels: 'class' | 'values' | 'optional' | 'none';
  /** The solve reads the node's weights as they are before it (FitData.weights); read only when set. */
  readonly readsWeights?: boolean;
  solve(data: FitData, params: ParamValues<P>, rng: Rng): Readonly<Record<string, Float32Array>>;
}

export interface OptimizerSpec<P extends ParamSpecs> {
  /** The optimizer the trainer builds: tfjs optimizers, plus our decoupled-weight-decay adamw. */
  readonly algorithm: 'sgd' | 'momentum' | 'adam' | 'adamw' | 'rmsprop';
  config(params: ParamValues<P>): JsonObject;
}

export interface NodeMigration {
  /** Upgrades params written by version `from` to `from + 1`. */
  readonly from: number;
  readonly up: (params: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  /** Examples are the migration's own test cases: the meta-test runs every one. */
  readonly examples: readonly {
    readonly before: Record<string, unknown>;
    readonly after: Record<string, unknown>;
  }[];
}

export type PortSpecs = Readonly<Record<string, PortSpec>>;

/** A concrete input for the conformance harness (batch included), like Keras's layer_test. */
export interface ExampleInput {
  readonly shape: readonly number[];
  readonly dtype?: 'float32' | 'int32';
  /** Values drawn uniformly from [lo, hi) (ints for int32). Default [-1, 1). */
  readonly range?: readonly [number, number];
  /**
   * The node blocks the gradient to this input by design (a stop-gradient): the harness checks
   * that the gradient is exactly zero instead of comparing it with finite differences.
   */
  readonly stopsGradient?: boolean;
}

export interface NodeExample {
  readonly inputs: Readonly<Record<string, ExampleInput>>;
  readonly params?: Readonly<Record<string, unknown>>;
  /**
   * The outputs' batch when the node changes it (stacking copies along the batch, splitting them);
   * the harness then expects this for an inferred batch of null. Default: the first input's batch.
   */
  readonly outputBatch?: number;
}

export interface NodeDef<P extends ParamSpecs = ParamSpecs> {
  /** `<family>.<name>`, never reused. */
  readonly type: string;
  readonly version: number;
  readonly kind: NodeKind;
  readonly title: string;
  readonly docs: NodeDocs;
  readonly params: P;
  /** Input ports; a function when the count depends on params (e.g. Add with n inputs). */
  readonly inputs: PortSpecs | ((params: ParamValues<P>) => PortSpecs);
  readonly outputs: PortSpecs;
  /** Pure shape inference. Throw via `reject(...)` for a user-fixable problem. */
  infer(ctx: InferContext<P>): Record<string, TensorType>;
  /** Parameter count (trainable + non-trainable, as Keras counts). */
  paramCount?(ctx: TypedContext<P>): number;
  /**
   * The activation's function y = f(x) with its initial (param-set) values, sampled for the canvas
   * to draw before training (the Worker sends the trained curve later). Elementwise activations only.
   */
  previewCurve?(params: ParamValues<P>): { readonly x: readonly number[]; readonly y: readonly number[] };
  /**
   * Forward FLOPs per sample, when the default estimate (src/core/analysis/flops.ts: 2 · params
   * per output position + one per output element) does not fit the node's math.
   */
  flops?(ctx: TypedContext<P>): number;
  /** Lowering to the IR op. Not needed for optimizers. */
  lower?(ctx: TypedContext<P>): IROp;
  readonly kernel?: Kernel<P>;
  readonly loss?: HeadFn<P>;
  readonly metric?: HeadFn<P>;
  readonly optimizer?: OptimizerSpec<P>;
  /**
   * A closed-form fit (phase kind 'fit'): its kernel weights are set by `solve`, never by gradients
   * (declare them `trainable: false`). src/core/fits.ts holds the solves.
   */
  readonly fit?: FitSpec<P>;
  readonly migrations?: readonly NodeMigration[];
  /**
   * Inputs (and params) the conformance suite runs this node on: infer vs tfjs shapes, param
   * count vs tfjs, gradients vs finite differences, no leaked tensors. Required for layers.
   */
  readonly examples?: readonly NodeExample[];
}

/** Erased form the registry stores (params typed as a plain record). */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds heterogenous param specs
export type AnyNodeDef = NodeDef<any>;

export function defineNode<const P extends ParamSpecs>(def: NodeDef<P>): NodeDef<P> {
  return def;
}

export const familyOf = (type: string): string => type.slice(0, type.indexOf('.'));

export function portsOf(def: AnyNodeDef, params: Readonly<Record<string, unknown>>): PortSpecs {
  return typeof def.inputs === 'function' ? def.inputs(params) : def.inputs;
}
