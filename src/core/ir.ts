// ModelIR: the plain-JSON model that `lower(doc)` produces. The tfjs compiler and the TypeScript
// code generator both read it, so the trained model and the exported code cannot drift.

import type { Dim, DType } from './tensor-type.ts';

export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };
export type JsonObject = { readonly [k: string]: Json };

export type IROp =
  /**
   * A model input fed from the dataset: its features (source absent or 'features'), its labels
   * ('labels': class indices as [B, 1] int32, values as they are), or a field ('field:<name>').
   * trainingOnly: the data exists only while training (labels fed to a layer), not at inference.
   */
  | {
      readonly kind: 'input';
      readonly shape: readonly Dim[];
      readonly dtype: DType;
      readonly source?: InputSource;
      readonly trainingOnly?: boolean;
    }
  /** Pass-through that marks a model output. */
  | { readonly kind: 'identity' }
  /** `tf.layers[layer](config)` — layer is the tfjs factory name (`dense`, `conv2d`, …). */
  | { readonly kind: 'layer'; readonly layer: string; readonly config: JsonObject }
  /** The node type's own kernel, run by the generic KernelLayer. */
  | { readonly kind: 'kernel'; readonly config: JsonObject }
  /** A training-loss term: the node type's `loss` function, scaled by weight. */
  | { readonly kind: 'loss'; readonly config: JsonObject; readonly weight: number }
  /** A metric: the node type's `metric` function. */
  | { readonly kind: 'metric'; readonly config: JsonObject };

/** What feeds an input node: 'features', 'labels' or `field:<name>`. */
export type InputSource = string;

/** Where a node input comes from: another node's output port, or the dataset's labels. */
export type IRRef =
  | { readonly node: string; readonly port: string }
  | { readonly labels: 'index' | 'onehot' | 'values' };

export interface IROutputPort {
  readonly name: string;
  readonly shape: readonly Dim[];
  readonly dtype: DType;
}

export interface IRNode {
  readonly id: string;
  readonly type: string;
  readonly op: IROp;
  /** Inputs in port order. */
  readonly inputs: readonly IRRef[];
  /**
   * Port names of `inputs`, same order (loss and metric nodes). Absent in older IR: then the
   * inputs are (pred, target).
   */
  readonly ports?: readonly string[];
  /** Shape and dtype of the (first) output port. */
  readonly outputShape: readonly Dim[];
  readonly outputDtype: DType;
  /**
   * Every output port, in order, for a node with several (a kernel with `callPorts`). A ref to
   * port p of such a node reads the value keyed `<node>:<p>` in the compiled model's run().
   */
  readonly outputPorts?: readonly IROutputPort[];
  /** Variable group (trainer stages train, freeze or schedule groups). */
  readonly group: string;
  /**
   * Weight sharing: the id of the IR node whose layer this node applies (the document's
   * `shareWeights`, prefixed like the ids). One layer object, called once per use.
   */
  readonly weightsFrom?: string;
}

/** A loss weight over a phase: constant, or linear from `from` (first step) to `to` (last step). */
export type IRSchedule =
  | number
  | { readonly from: number; readonly to: number; readonly curve?: 'linear' | 'cosine' | undefined };

/** An EMA copy after every optimizer step of a gradient phase: θ_to ← τ θ_to + (1 − τ) θ_from (src/core/copies.ts). */
export interface IREmaCopy {
  readonly from: string;
  readonly to: string;
  readonly tau: IRSchedule;
}

/**
 * An optimizer over variable groups. State is kept across phases by `id` (fresh for a new id);
 * `clipNorm` clips this group's gradients by their global norm; `lrScale` multiplies only this
 * group's learning rate (a constant, or a metric's batch value clamped to [min, max]).
 */
export interface IROptimizerGroup {
  readonly id: string;
  /** Variable groups updated; every group the phase trains when empty. */
  readonly groups: readonly string[];
  readonly type: string;
  readonly config: JsonObject;
  readonly clipNorm?: number;
  readonly lrScale?: number | { readonly metric: string; readonly min: number; readonly max: number };
}

/** A dataset as the document binds it: name, params and the binding's declarations. */
export interface IRDatasetBinding {
  readonly name: string;
  readonly params: JsonObject;
  /** The binding's declarations (src/core/datasets/binding.ts); absent when it has none. */
  readonly transforms?: readonly JsonObject[];
  readonly augment?: JsonObject;
  readonly subsets?: readonly JsonObject[];
  readonly evalSplits?: readonly JsonObject[];
}

/** A phase's data view (schema.ts PhaseDataSchema): own dataset, a subset of its training rows, row caps [train, val?], batch size. */
export interface IRDataView {
  readonly dataset?: IRDatasetBinding;
  readonly subset?: string;
  readonly sizes?: readonly number[];
  readonly batchSize?: number;
  /** Gradient phases: epoch e trains on ⌊N·fractions[e mod length]⌋ rows drawn without replacement. */
  readonly fractions?: readonly number[];
  /** Gradient phases: those rows drawn with probability ∝ the score of a width-1 store (src/core/sampling.ts). */
  readonly weights?: IRStoreWeights;
}

/** Score-weighted sampling: scores from store `store`'s values ℓ (easy 1/ℓ, hard ℓ, random 1). */
export interface IRStoreWeights {
  readonly store: string;
  readonly order: 'easy' | 'hard' | 'random';
}

/** A named per-sample store: N (training rows) × width values, `init` until refreshed. */
export interface IRStore {
  readonly name: string;
  readonly width: number;
  readonly init: number;
  /** Applied to each refresh's values before they are written (src/core/store-transforms.ts). */
  readonly transform?: 'decTarget';
}

/** A store refresh inside a gradient phase: every epoch, or before optimizer steps 0, N, 2N, … */
export interface IRRefresh {
  readonly store: string;
  readonly from: string;
  readonly every: 'epoch' | number;
}

/** A fit node re-solved during a gradient phase (the document's `refits`). */
export interface IRRefit {
  readonly node: string;
  readonly every: 'epoch' | number;
}

/** One phase of the training procedure (the document's `training.phases`, schema.ts). */
export interface IRPhase {
  readonly name: string;
  /**
   * 'fit': one inference pass over the phase's rows, then each of `fit`'s nodes is solved (FitSpec).
   * 'copy': copies group `copy.from` onto `copy.to` once (epochs 0, no groups, no optimizers).
   * 'refresh': writes node `refresh.from`'s inference output per training row into store
   * `refresh.store` (epochs 0, no groups, no optimizers).
   */
  readonly kind: 'gradient' | 'fit' | 'copy' | 'refresh';
  readonly epochs: number;
  /** A fit phase's node ids, fitted in order (each reads the model as the previous left it). */
  readonly fit?: readonly string[];
  /** Copy phases only. */
  readonly copy?: { readonly from: string; readonly to: string };
  /** Refresh phases only. */
  readonly refresh?: { readonly store: string; readonly from: string };
  /** Gradient phases: stores refreshed during the phase (every epoch or every N steps). */
  readonly refreshes?: readonly IRRefresh[];
  /** Gradient phases: fit nodes re-solved during the phase (every epoch or every N steps). */
  readonly refits?: readonly IRRefit[];
  /** Gradient phases: EMA copies applied after every optimizer step. */
  readonly copies?: readonly IREmaCopy[];
  /** Variable groups trained; every other group is frozen and runs in inference mode. All when empty. */
  readonly groups: readonly string[];
  /** Active loss and metric node ids; all when absent. */
  readonly heads?: readonly string[];
  readonly data?: IRDataView;
  /** Runtime params by node id, set for this phase without rebuilding. */
  readonly overrides?: Readonly<Record<string, JsonObject>>;
  /** Never empty for gradient phases: lowering gives a phase without optimizers a fresh one (id `#<phase index>`); empty for copy phases. */
  readonly optimizers: readonly IROptimizerGroup[];
  /** Loss node id → its weight in this phase (replaces the node's weight). */
  readonly lossWeights?: Readonly<Record<string, IRSchedule>>;
  /** Node ids whose weights go back to their values at the start of training. */
  readonly reinit?: readonly string[];
}

export interface IRTraining {
  readonly dataset: IRDatasetBinding;
  /** The graph's default optimizer (what phases without optimizer groups use). */
  readonly optimizer: { readonly type: string; readonly config: JsonObject };
  readonly batchSize: number;
  readonly seed: number;
  readonly phases: readonly IRPhase[];
  /** Per-sample stores (absent when the document declares none). */
  readonly stores?: readonly IRStore[];
}

/** The value of a schedule at progress t ∈ [0, 1] through a phase. */
export const scheduleAt = (s: IRSchedule, t: number): number =>
  typeof s === 'number'
    ? s
    : s.from + (s.to - s.from) * (s.curve === 'cosine' ? (1 - Math.cos(Math.PI * t)) / 2 : t);

/**
 * Epochs per phase for a requested total (the CLI's `--epochs N`): one phase gets N; several are
 * scaled by N / (their sum), rounded, at least 1 each — so the procedure keeps its proportions.
 */
export function scalePhaseEpochs(phases: readonly IRPhase[], total: number): IRPhase[] {
  // Fit phases are one pass and copy phases none whatever the total: only gradient phases share it
  // (a phase without a kind, as from an unparsed document, is a gradient phase).
  const shares = (p: IRPhase) => p.kind !== 'fit' && p.kind !== 'copy' && p.kind !== 'refresh';
  const trained = phases.filter(shares);
  if (trained.length === 1) return phases.map((p) => (shares(p) ? { ...p, epochs: total } : p));
  const sum = trained.reduce((s, p) => s + p.epochs, 0);
  return phases.map((p) =>
    shares(p) ? { ...p, epochs: Math.max(1, Math.round((p.epochs * total) / sum)) } : p,
  );
}

export interface ModelIR {
  readonly irVersion: 1;
  readonly title: string;
  /** Model nodes (inputs, layers, kernels, outputs) in topological order. */
  readonly nodes: readonly IRNode[];
  readonly inputs: readonly string[];
  /** Nodes whose outputs the LayersModel returns (what losses, metrics and outputs read). */
  readonly outputs: readonly string[];
  readonly losses: readonly IRNode[];
  readonly metrics: readonly IRNode[];
  /** Absent when the graph has no training settings (it can still be built and exported). */
  readonly training?: IRTraining;
}

export const isNodeRef = (r: IRRef): r is { node: string; port: string } => 'node' in r;

/** The source of an input op; older IR has none, which means the features. */
export const inputSource = (op: Extract<IROp, { kind: 'input' }>): InputSource => op.source ?? 'features';

/** `field:<name>` → name; undefined for features and labels. */
export const fieldName = (source: InputSource): string | undefined =>
  source.startsWith('field:') ? source.slice('field:'.length) : undefined;

/**
 * The values the LayersModel returns, in order, keyed as run() keys them: every port
 * (`<node>:<port>`) of a multi-output node, else the node id. The compiler and the exporter
 * both build the model's outputs from this list.
 */
export function modelOutputKeys(ir: ModelIR): string[] {
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const ids = ir.outputs.length ? ir.outputs : [ir.nodes.at(-1)?.id ?? ''];
  return ids.flatMap((id) => byId.get(id)?.outputPorts?.map((p) => `${id}:${p.name}`) ?? [id]);
}

/** The key of the value a ref reads (as modelOutputKeys and run() key them). */
export function refKey(ir: ModelIR, ref: { readonly node: string; readonly port: string }): string {
  const multi = ir.nodes.find((n) => n.id === ref.node)?.outputPorts;
  return multi ? `${ref.node}:${ref.port}` : ref.node;
}

/**
 * The key of the model's class scores for analysis: its first io.output (an identity op), else its
 * first output. A loss that reads the input directly (a reconstruction target) makes the input a
 * model output too, ahead of the scores.
 */
export function scoresKey(ir: ModelIR): string | undefined {
  const keys = modelOutputKeys(ir);
  const ids = new Set(ir.nodes.filter((n) => n.op.kind === 'identity').map((n) => n.id));
  return keys.find((k) => ids.has(k)) ?? keys[0];
}
