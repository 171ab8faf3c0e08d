// Training settings for any graph: defaults for a graph that has none, which dataset parameters fit
// an Input node's shape, and choosing a dataset as one edit (training settings, the Input's shape,
// and a default loss + accuracy when the graph has no head yet, e.g. an imported Keras model).
// Pure: recipes run inside the editor's history (one undo step) and in unit tests.

import type { Draft } from 'immer';
import { findDataset } from './datasets/index.ts';
import type { GraphDoc, GraphScope, NodeRecord, TrainingConfig } from './doc/schema.ts';
import { freshEdgeId, freshNodeId } from './fixes.ts';
import type { DataBinding } from './node-def.ts';
import { type ParamSpec, resolveParams } from './params.ts';
import { freeSpotBelow, NODE_GAP, TYPICAL_NODE } from './placement.ts';
import type { Registry } from './registry.ts';

export const DEFAULT_OPTIMIZER = 'optimizers.adam';
export const CLASS_LOSS = 'losses.categoricalCrossentropy';
export const VALUE_LOSS = 'losses.meanSquaredError';
/** Multi-label sets: one independent yes/no per label. */
export const MULTI_LABEL_LOSS = 'losses.binaryCrossentropy';
export const ACCURACY = 'metrics.accuracy';

export interface DatasetChoice {
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** Settings a graph gets on first use: Adam, batch 32, one epoch, seed 1. */
export function defaultTraining(dataset: DatasetChoice): TrainingConfig {
  return {
    dataset: { name: dataset.name, params: { ...dataset.params } },
    optimizer: { type: DEFAULT_OPTIMIZER, params: {} },
    batchSize: 32,
    epochs: 1,
    seed: 1,
  };
}

/** The shapes a dataset gives with these params (defaults filled in), or undefined for an unknown name. */
export function describeDataset(choice: DatasetChoice): DataBinding | undefined {
  const def = findDataset(choice.name);
  return def ? def.describe(resolveParams(def.params, choice.params).values) : undefined;
}

const sameShape = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The dataset's params adjusted so its features fit `inputShape` where a switch allows it (MNIST's
 * `flat` gives [784] or [28, 28, 1]): every combination of the dataset's boolean params is tried,
 * the given values first. Returns the params unchanged when no combination fits.
 */
export function fitDatasetParams(
  choice: DatasetChoice,
  inputShape: readonly number[] | undefined,
): Readonly<Record<string, unknown>> {
  const def = findDataset(choice.name);
  if (!def || !inputShape) return choice.params;
  const bools = Object.entries(def.params as Record<string, ParamSpec>)
    .filter(([, spec]) => spec.kind === 'bool')
    .map(([k]) => k);
  const base = resolveParams(def.params, choice.params).values;
  for (let mask = 0; mask < 1 << bools.length; mask++) {
    const params = { ...choice.params };
    bools.forEach((k, i) => {
      if (mask & (1 << i)) params[k] = !base[k];
    });
    const binding = describeDataset({ name: choice.name, params });
    if (binding && sameShape(binding.featureShape, inputShape)) return mask === 0 ? choice.params : params;
  }
  return choice.params;
}

/** The top-level Input nodes, in id order. */
export function inputNodes(doc: Pick<GraphScope, 'nodes'>): string[] {
  return Object.keys(doc.nodes)
    .filter((id) => doc.nodes[id]!.type === 'io.input')
    .sort();
}

/** The Input node's declared shape (without the batch axis), when it is a list of numbers. */
export function inputShapeOf(rec: NodeRecord | undefined): number[] | undefined {
  const s = rec?.params.shape;
  return Array.isArray(s) && s.every((d) => typeof d === 'number') ? (s as number[]) : undefined;
}

const kindOf = (registry: Registry, rec: NodeRecord) => registry.get(rec.type)?.kind;

/** True when the graph (groups included) already has a node of this kind. */
function hasKind(scope: GraphScope, registry: Registry, kind: string): boolean {
  return Object.values(scope.nodes).some(
    (rec) =>
      kindOf(registry, rec) === kind || (rec.graph !== undefined && hasKind(rec.graph, registry, kind)),
  );
}

/**
 * The node whose output is the prediction: the only top-level node whose output feeds nothing
 * (an Output marker counts as the node feeding it). Undefined when there is none or several.
 */
export function predictionNode(doc: GraphScope, registry: Registry): string | undefined {
  const feeds = new Set(Object.values(doc.edges).map((e) => e.from.node));
  const sinks = new Set<string>();
  for (const [id, rec] of Object.entries(doc.nodes)) {
    if (feeds.has(id)) continue;
    const kind = kindOf(registry, rec);
    if (kind === 'loss' || kind === 'metric' || kind === 'input') continue;
    if (rec.type === 'io.output') {
      const src = Object.values(doc.edges).find((e) => e.to.node === id);
      if (src) sinks.add(src.from.node);
    } else sinks.add(id);
  }
  return sinks.size === 1 ? [...sinks][0] : undefined;
}

/** Whether a node's output is already probabilities (a softmax node, or a layer with softmax activation). */
const endsInSoftmax = (rec: NodeRecord): boolean =>
  /softmax/i.test(rec.type) || rec.params.activation === 'softmax';

/**
 * Adds a loss fed by the prediction node when the graph has none, and for class labels an accuracy
 * metric (fed like the loss) when it has no metric, so the Train panel can report accuracy. Their
 * targets stay unconnected: the dataset's labels feed them.
 */
function addDefaultHeads(d: Draft<GraphDoc>, registry: Registry, binding: DataBinding): void {
  const doc = d as GraphDoc;
  const hasLoss = hasKind(doc, registry, 'loss');
  const wantMetric = binding.labels.kind === 'class' && !hasKind(doc, registry, 'metric');
  if (hasLoss && !wantMetric) return;
  // The prediction: what the first top-level loss reads, or the graph's only open output.
  const lossFeed = Object.entries(doc.nodes)
    .filter(([, rec]) => kindOf(registry, rec) === 'loss')
    .flatMap(([id]) => Object.values(doc.edges).filter((e) => e.to.node === id && e.to.port === 'pred'))[0];
  const source = hasLoss
    ? lossFeed?.from
    : (() => {
        const node = predictionNode(doc, registry);
        const rec = node !== undefined ? doc.nodes[node] : undefined;
        const port = rec ? Object.keys(registry.get(rec.type)?.outputs ?? {})[0] : undefined;
        return node !== undefined && port !== undefined ? { node, port } : undefined;
      })();
  if (!source) return;
  const at = d.layout[source.node] ?? { x: 0, y: 0 };
  const taken = new Set<string>();
  const add = (type: string, params: Record<string, unknown>) => {
    const def = registry.get(type);
    if (!def) return;
    const id = freshNodeId(doc, type, taken);
    taken.add(id);
    d.nodes[id] = { type, v: def.version, params };
    d.layout[id] = freeSpotBelow(doc, { x: at.x + TYPICAL_NODE.width + NODE_GAP, y: at.y });
    d.edges[freshEdgeId(doc)] = { from: { ...source }, to: { node: id, port: 'pred' } };
  };
  if (!hasLoss) {
    if (binding.labels.kind === 'multiLabel') add(MULTI_LABEL_LOSS, { fromLogits: true });
    else if (binding.labels.kind !== 'values')
      add(CLASS_LOSS, endsInSoftmax(doc.nodes[source.node]!) ? {} : { fromLogits: true });
    else add(VALUE_LOSS, {});
  }
  if (wantMetric) add(ACCURACY, {}); // lands below the loss: freeSpotBelow skips it
}

/** Nodes that keep their input's last axis, so a class count passes through them unchanged. */
const keepsClasses = (type: string) => type.startsWith('activations.') || type === 'layers.dropout';

/**
 * Sets the class count where it is decided: the Dense that feeds (through activations and dropout)
 * a top-level loss reading the dataset's labels, when its `units` differ from the dataset's classes.
 */
function fitClassCount(d: Draft<GraphDoc>, registry: Registry, classes: number): void {
  const incoming = (id: string, port?: string) =>
    Object.values(d.edges).filter((e) => e.to.node === id && (port === undefined || e.to.port === port));
  for (const [id, rec] of Object.entries(d.nodes)) {
    if (kindOf(registry, rec as NodeRecord) !== 'loss' || incoming(id, 'target').length > 0) continue;
    let src = incoming(id, 'pred')[0]?.from.node;
    for (let hops = 0; src !== undefined && hops < 8 && keepsClasses(d.nodes[src]!.type); hops++) {
      const up = incoming(src);
      src = up.length === 1 ? up[0]!.from.node : undefined;
    }
    const dense = src !== undefined ? d.nodes[src] : undefined;
    if (dense?.type === 'layers.dense' && dense.params.units !== classes)
      dense.params = { ...dense.params, units: classes };
  }
}

/**
 * Chooses the graph's dataset (one edit): creates default training settings when the graph has
 * none, adapts switchable dataset params to a single Input's shape (unless `fit` is false: the user
 * set that param), otherwise sets that Input's shape to the dataset's features, and adds a default
 * loss (+ accuracy) when the graph has no loss; for class labels, the Dense deciding the class count
 * gets the dataset's. With several Inputs, analysis offers the shape fix.
 */
export function chooseDataset(choice: DatasetChoice, registry: Registry, opts: { fit?: boolean } = {}) {
  return (d: Draft<GraphDoc>): undefined => {
    const inputs = inputNodes(d as GraphDoc);
    const only = inputs.length === 1 ? d.nodes[inputs[0]!]! : undefined;
    const params =
      opts.fit === false
        ? choice.params
        : fitDatasetParams(choice, inputShapeOf(only as NodeRecord | undefined));
    const dataset = { name: choice.name, params: { ...params } };
    if (d.training) d.training.dataset = dataset;
    else d.training = defaultTraining(dataset);
    const binding = describeDataset(dataset);
    if (!binding) return undefined;
    if (only && !sameShape(inputShapeOf(only as NodeRecord) ?? [], binding.featureShape))
      // Dataset features are floats: an integer Input (token ids) would not take them.
      only.params = {
        ...only.params,
        shape: [...binding.featureShape],
        ...(only.params.dtype ? { dtype: 'float32' } : {}),
      };
    addDefaultHeads(d, registry, binding);
    if (binding.labels.kind === 'class') fitClassCount(d, registry, binding.labels.numClasses);
    if (binding.labels.kind === 'multiLabel') fitClassCount(d, registry, binding.labels.numLabels);
    return undefined;
  };
}
