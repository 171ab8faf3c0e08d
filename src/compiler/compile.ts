// IR → tfjs. Builds one layer per node (layer name = node id, so a tfjs error maps back to the
// node), a functional tf.LayersModel over them (for summary, save, predict), and an eager runner
// that executes the same layers in IR order with a `training` flag and can return every node's
// output (the trainer uses that for losses on any node and for naming the first non-finite node).

import * as tf from '@tensorflow/tfjs';

import { layerConfigSpec, modelName, nodeSeed } from '../core/codegen/tfjs-config.ts';
import { type IRNode, type ModelIR, modelOutputKeys } from '../core/ir.ts';
import type { Registry } from '../core/registry.ts';
import { installKernelPatches } from './backend-patches.ts';
import { KernelLayer, kernelLayerClass, makeInitializer, setKernelRegistry } from './kernel-layer.ts';

export class CompileError extends Error {
  constructor(
    readonly nodeId: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CompiledModel {
  readonly ir: ModelIR;
  readonly model: tf.LayersModel;
  readonly layers: ReadonlyMap<string, tf.layers.Layer>;
  /**
   * Runs the graph eagerly. Returns the output of every model node (inputs included), keyed by
   * node id. Call inside tf.tidy (or dispose the results).
   */
  run(feeds: Readonly<Record<string, tf.Tensor>>, opts: RunOptions): Map<string, tf.Tensor>;
  /** Trainable variables of the nodes in `groups` (all groups when empty). */
  variables(groups: readonly string[]): tf.Variable[];
  /** Every layer's weights (trainable or not, e.g. BatchNorm's moving statistics) by node id. */
  weights(nodeIds: readonly string[]): tf.LayerVariable[];
  /**
   * Sets runtime params of a kernel node (ParamSpec `runtime: true`) without rebuilding: the
   * next run() uses them. Throws naming the node and param for anything else.
   */
  setRuntimeParams(nodeId: string, values: Readonly<Record<string, unknown>>): void;
  /** Puts a kernel node's params back to the graph's values. */
  resetRuntimeParams(nodeId: string): void;
  countParams(): number;
  dispose(): void;
}

export interface RunOptions {
  readonly training: boolean;
  /**
   * Variable groups that are frozen: their layers run in inference mode even while training
   * (BatchNorm uses and keeps its moving statistics, dropout is off).
   */
  readonly frozen?: ReadonlySet<string>;
  /**
   * Node outputs replaced by the given tensors (keyed by node id; only nodes with one output may be
   * overridden). Nodes whose every path to a
   * sink passes through an overridden node are not executed (and absent from the result; their
   * inputs need no feed), so `tf.grad` of a function of an override differentiates the downstream
   * sub-graph only. Without overrides run() is unchanged.
   */
  readonly overrides?: ReadonlyMap<string, tf.Tensor>;
}

/**
 * The nodes run() must execute given overridden node ids: those with a path to a sink (a node no
 * other node reads) that avoids every overridden node. Overridden nodes themselves are excluded.
 */
export function nodesToRun(ir: ModelIR, overridden: ReadonlySet<string>): Set<string> {
  const consumers = new Map<string, string[]>();
  for (const n of ir.nodes)
    for (const r of n.inputs)
      if ('node' in r) (consumers.get(r.node) ?? consumers.set(r.node, []).get(r.node)!).push(n.id);
  const run = new Set<string>();
  for (let i = ir.nodes.length - 1; i >= 0; i--) {
    const id = ir.nodes[i]!.id;
    if (overridden.has(id)) continue;
    const cs = consumers.get(id) ?? [];
    if (cs.length === 0 || cs.some((c) => run.has(c))) run.add(id);
  }
  return run;
}

type LayerFactory = (config: Record<string, unknown>) => tf.layers.Layer;

export function layerFactory(name: string): LayerFactory | undefined {
  const f = (tf.layers as unknown as Record<string, unknown>)[name];
  return typeof f === 'function' ? (f as LayerFactory) : undefined;
}

/** The tfjs layer config the compiler (and, printed, the code generator) use for an IR layer node. */
export function layerConfig(node: IRNode, seed: number): Record<string, unknown> {
  const { config, initializers } = layerConfigSpec(node, seed);
  const inits = Object.entries(initializers).map(([key, spec]) => [key, makeInitializer(spec)]);
  return { ...config, ...Object.fromEntries(inits) };
}

function buildLayer(node: IRNode, seed: number): tf.layers.Layer {
  const op = node.op;
  switch (op.kind) {
    case 'layer': {
      const factory = layerFactory(op.layer);
      if (!factory) throw new CompileError(node.id, `tfjs has no layer '${op.layer}'`);
      return factory(layerConfig(node, seed));
    }
    case 'identity':
      return tf.layers.activation({ activation: 'linear', name: node.id });
    case 'kernel':
      return new (kernelLayerClass(node.type))({
        name: node.id,
        kernelType: node.type,
        params: op.config as Record<string, unknown>,
        seed: nodeSeed(seed, node.id),
      });
    default:
      throw new CompileError(node.id, `node kind '${op.kind}' is not a model layer`);
  }
}

/**
 * The value a ref reads from run()'s map: `node:port` for a port of a multi-output node, else the
 * node's one output (keyed by node id, which for a multi-output node is its first port).
 */
export function outputOf(values: ReadonlyMap<string, tf.Tensor>, ref: { node: string; port: string }) {
  return values.get(`${ref.node}:${ref.port}`) ?? values.get(ref.node);
}

/** Stores a layer's result: one tensor under the node id, or every port of a multi-output node. */
function storeOutputs<V>(into: Map<string, V>, node: IRNode, out: V | V[]): void {
  if (!node.outputPorts) {
    into.set(node.id, out as V);
    return;
  }
  const outs = out as V[];
  into.set(node.id, outs[0]!);
  for (const [i, p] of node.outputPorts.entries()) into.set(`${node.id}:${p.name}`, outs[i]!);
}

const symbolicOf = (symbolic: Map<string, tf.SymbolicTensor>, r: { node: string; port: string }) =>
  symbolic.get(`${r.node}:${r.port}`) ?? symbolic.get(r.node);

function kernelLayerOf(layers: ReadonlyMap<string, tf.layers.Layer>, nodeId: string): KernelLayer {
  const layer = layers.get(nodeId);
  if (!(layer instanceof KernelLayer))
    throw new CompileError(
      nodeId,
      `node '${nodeId}' has no runtime params (only kernel nodes' params marked runtime can change while training)`,
    );
  return layer;
}

export function compileIR(ir: ModelIR, registry: Registry, opts: { seed?: number } = {}): CompiledModel {
  setKernelRegistry(registry);
  installKernelPatches(); // fast/missing gradient kernels for cpu and wasm (idempotent)
  const seed = opts.seed ?? ir.training?.seed ?? 1;
  const layers = new Map<string, tf.layers.Layer>();
  const symbolic = new Map<string, tf.SymbolicTensor>();
  const inputLayers: tf.SymbolicTensor[] = [];
  // Weight sharing: a node with `weightsFrom` applies its owner's layer (built at the first use of
  // either, so the owner may come later in IR order). One layer: one set of variables.
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const shared = new Map<string, tf.layers.Layer>();
  /** Each symbolic call counts a reference in tfjs; model.dispose() drops one per layer. */
  const extraUses = new Map<tf.layers.Layer, number>();
  const layerFor = (node: IRNode): tf.layers.Layer => {
    const ownerId = node.weightsFrom;
    if (ownerId === undefined) {
      const own = shared.get(node.id) ?? buildLayer(node, seed);
      shared.set(node.id, own);
      return own;
    }
    const owner = byId.get(ownerId);
    if (!owner || owner.type !== node.type || owner.weightsFrom !== undefined)
      throw new CompileError(
        node.id,
        `node '${node.id}' shares weights with '${ownerId}', which is ${owner ? `not a ${node.type} node that owns its weights` : 'not in the model'}`,
      );
    let layer = shared.get(ownerId);
    if (!layer) {
      layer = buildLayer(owner, seed);
      shared.set(ownerId, layer);
    }
    extraUses.set(layer, (extraUses.get(layer) ?? 0) + 1);
    return layer;
  };

  for (const node of ir.nodes) {
    try {
      if (node.op.kind === 'input') {
        const t = tf.input({
          shape: node.op.shape.slice(1) as number[],
          dtype: node.op.dtype,
          name: node.id,
        });
        symbolic.set(node.id, t);
        inputLayers.push(t);
        continue;
      }
      const layer = layerFor(node);
      const ins = node.inputs.map((r) => {
        if (!('node' in r)) throw new CompileError(node.id, 'model layers cannot read dataset labels');
        const s = symbolicOf(symbolic, r);
        if (!s) throw new CompileError(node.id, `input '${r.node}' is not built yet`);
        return s;
      });
      const out = layer.apply(ins.length === 1 ? ins[0]! : ins) as tf.SymbolicTensor | tf.SymbolicTensor[];
      layers.set(node.id, layer);
      storeOutputs(symbolic, node, out);
    } catch (e) {
      if (e instanceof CompileError) throw e;
      throw new CompileError(
        node.id,
        `building node '${node.id}' (${node.type}) failed in tfjs: ${(e as Error).message}`,
      );
    }
  }

  // Every port of a multi-output node is a model output (the exported buildModel() does the same).
  const outputs = modelOutputKeys(ir).map((key) => symbolic.get(key)!);
  const model = tf.model({ inputs: inputLayers, outputs, name: modelName(ir.title) });
  const groupOf = new Map(ir.nodes.map((n) => [n.id, n.group]));

  return {
    ir,
    model,
    layers,
    run(feeds, { training, frozen, overrides }) {
      const values = new Map<string, tf.Tensor>();
      const unfed = new Set<string>();
      const toRun = overrides?.size ? nodesToRun(ir, new Set(overrides.keys())) : undefined;
      if (overrides)
        for (const id of overrides.keys()) {
          const node = ir.nodes.find((n) => n.id === id);
          if (!node) throw new CompileError(id, `cannot override '${id}': the model has no such node`);
          if (node.outputPorts && node.outputPorts.length > 1)
            throw new CompileError(id, `cannot override '${id}': it has several output ports`);
        }
      for (const node of ir.nodes) {
        if (toRun && !toRun.has(node.id)) {
          const o = overrides!.get(node.id);
          if (o) values.set(node.id, o);
          continue;
        }
        if (node.op.kind === 'input') {
          const x = feeds[node.id];
          // An unfed training-only input (a heat map for a loss, labels for a layer) is skipped at
          // inference together with every node that reads it (absent from the result).
          if (!x && node.op.trainingOnly) {
            unfed.add(node.id);
            continue;
          }
          if (!x) throw new CompileError(node.id, `no data fed to input '${node.id}'`);
          values.set(node.id, x);
          continue;
        }
        if (unfed.size && node.inputs.some((r) => 'node' in r && unfed.has(r.node))) {
          unfed.add(node.id);
          continue;
        }
        const ins = node.inputs.map((r) => outputOf(values, r as { node: string; port: string })!);
        const layer = layers.get(node.id)!;
        const mode = training && !frozen?.has(node.group);
        storeOutputs(
          values,
          node,
          layer.apply(ins.length === 1 ? ins[0]! : ins, { training: mode }) as tf.Tensor | tf.Tensor[],
        );
      }
      return values;
    },
    variables(groups) {
      const want = new Set(groups);
      const vars: tf.Variable[] = [];
      const seen = new Set<tf.layers.Layer>(); // a shared layer's variables once
      for (const [id, layer] of layers) {
        if (want.size && !want.has(groupOf.get(id) ?? 'main')) continue;
        if (seen.has(layer)) continue;
        seen.add(layer);
        for (const w of layer.trainableWeights) vars.push(w.read() as tf.Variable);
      }
      return vars;
    },
    weights: (nodeIds) => {
      const seen = new Set<tf.layers.Layer>();
      return nodeIds.flatMap((id) => {
        const layer = layers.get(id);
        if (!layer || seen.has(layer)) return [];
        seen.add(layer);
        return layer.weights;
      });
    },
    setRuntimeParams(nodeId, values) {
      kernelLayerOf(layers, nodeId).setParams(values);
    },
    resetRuntimeParams(nodeId) {
      kernelLayerOf(layers, nodeId).resetParams();
    },
    countParams: () => model.countParams(),
    dispose: () => {
      model.dispose();
      // A shared layer was called once per use: release the other uses so its variables go too.
      for (const [layer, n] of extraUses) for (let i = 0; i < n; i++) layer.dispose();
    },
  };
}
