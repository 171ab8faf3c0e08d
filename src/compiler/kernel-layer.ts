// One generic tfjs Layer that runs any node type's kernel (math with no tf.layers equivalent), with
// a registered subclass per kernel node type (className `Netwright<Family><Name>`, the name the
// exported TypeScript uses too), so saved models with kernels reload through tf.loadLayersModel —
// here, or in a project that imports the exported module.

import * as tf from '@tensorflow/tfjs';

/** tfjs does not export its Initializer class type; this is it. */
type Initializer = ReturnType<typeof tf.initializers.zeros>;

import {
  drawSeed,
  type InitializerSpec,
  kernelClassName,
  type SegmentSpec,
  segmentLayoutError,
  weightInitializerSpec,
} from '../core/codegen/tfjs-config.ts';
import type { AnyNodeDef } from '../core/node-def.ts';
import { checkParam, restoreEnumParams, runtimeParamNames } from '../core/params.ts';
import type { Registry } from '../core/registry.ts';
import { tensor } from '../core/tensor-type.ts';
import { seededOps } from './tf-ops.ts';

let kernelRegistry: Registry | undefined;

/**
 * The compiler calls this before building; loading a saved model needs it too. Registers the
 * kernel-layer class of every kernel node type in the registry.
 */
export function setKernelRegistry(registry: Registry): void {
  kernelRegistry = registry;
  for (const def of registry.all()) if (def.kernel) kernelLayerClass(def.type);
}

/** `tf.initializers[spec.initializer](spec.args)`, or a segment-wise one (see SegmentSpec). */
export function makeInitializer(spec: InitializerSpec): Initializer {
  if (spec.segments) return segmentedInitializer(spec.segments);
  const factory = (tf.initializers as unknown as Record<string, unknown>)[spec.initializer];
  if (typeof factory !== 'function') throw new Error(`tfjs has no initializer '${spec.initializer}'`);
  return (factory as (args?: object) => Initializer)(spec.args);
}

/**
 * Draws each segment of the last axis with its own initialiser (fans from its fanShape) and
 * concatenates them. tfjs's addWeight only calls apply(), so a plain object serves.
 */
function segmentedInitializer(segments: readonly SegmentSpec[]): Initializer {
  const parts = segments.map((g) => ({ ...g, init: makeInitializer(g.spec) }));
  const apply = (shape: number[], dtype?: tf.DataType): tf.Tensor =>
    tf.tidy(() => {
      const error = segmentLayoutError(shape, segments);
      if (error) throw new Error(`segment-wise initialiser: ${error}`);
      const lead = shape.slice(0, -1);
      return tf.concat(
        parts.map((g) =>
          tf.reshape(g.init.apply([...(g.fanShape ?? [...lead, g.size])], dtype), [...lead, g.size]),
        ),
        -1,
      );
    });
  return { apply } as unknown as Initializer;
}

export interface KernelLayerArgs {
  name: string;
  kernelType: string;
  params: Record<string, unknown>;
  seed: number;
  trainable?: boolean;
}

type Shape = (number | null)[];

/** The generic kernel layer; build with `kernelLayerClass(type)` (a saved model names that class). */
export class KernelLayer extends tf.layers.Layer {
  /** Models saved before per-type classes existed name this one. */
  static className = 'NetwrightKernel';
  readonly kernelType: string;
  /** Replaced (never mutated) by setParams, so a caller's params object stays as it was. */
  params: Record<string, unknown>;
  private readonly builtParams: Record<string, unknown>;
  readonly seed: number;
  private readonly def: AnyNodeDef;
  private kernelWeights: Record<string, tf.LayerVariable> = {};
  /** Random draws so far (dropout masks): the n-th is seeded drawSeed(seed, n). */
  private draws = 0;
  private readonly ops = seededOps(() => drawSeed(this.seed, ++this.draws));
  /** The kernel weight `name` (a fit phase writes its solve there); undefined before build. */
  weightNamed(name: string): tf.LayerVariable | undefined {
    return this.kernelWeights[name];
  }
  /** Set while the app inspects the model: receives kept copies of the kernel's probes. */
  probeSink: ((name: string, value: tf.Tensor) => void) | undefined;

  constructor(args: KernelLayerArgs) {
    super({ name: args.name, ...(args.trainable === undefined ? {} : { trainable: args.trainable }) });
    this.kernelType = args.kernelType;
    this.seed = args.seed;
    const def = kernelRegistry?.get(args.kernelType);
    if (!def?.kernel) throw new Error(`no kernel registered for node type '${args.kernelType}'`);
    this.def = def;
    this.params = restoreEnumParams(def.params, args.params);
    this.builtParams = this.params;
  }

  /**
   * Sets params the node type declares `runtime: true` (read by the kernel on each call, so no
   * rebuild is needed); throws naming the node and param for any other, or for an invalid value.
   */
  setParams(values: Readonly<Record<string, unknown>>): void {
    for (const [k, v] of Object.entries(values)) {
      const spec = Object.hasOwn(this.def.params, k) ? this.def.params[k] : undefined;
      if (!spec?.runtime)
        throw new Error(
          `node '${this.name}' (${this.kernelType}): '${k}' is not a runtime param; only ${runtimeParamNames(this.def) || 'none'} can change without a rebuild`,
        );
      const problem = checkParam(spec, v);
      if (problem) throw new Error(`node '${this.name}' (${this.kernelType}): '${k}' ${problem}`);
    }
    this.params = { ...this.params, ...values };
  }

  /** Back to the params the layer was built with. */
  resetParams(): void {
    this.params = this.builtParams;
  }

  private inputShapes(inputShape: tf.Shape | tf.Shape[]): Shape[] {
    return (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as Shape[];
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const specs = this.def.kernel!.weights?.(this.params, this.inputShapes(inputShape)) ?? [];
    specs.forEach((w, i) => {
      this.kernelWeights[w.name] = this.addWeight(
        w.name,
        [...w.shape],
        'float32',
        makeInitializer(weightInitializerSpec(w.init, this.seed + i)),
        undefined,
        w.trainable ?? true,
      );
    });
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const ports = Object.keys(
      typeof this.def.inputs === 'function' ? this.def.inputs(this.params) : this.def.inputs,
    );
    const shapes = this.inputShapes(inputShape);
    // Unconnected optional ports come last (lowering drops them): undefined, as analysis sees them.
    const inputs = Object.fromEntries(ports.map((p, i) => [p, shapes[i] ? tensor(shapes[i]) : undefined]));
    const out = this.def.infer({ nodeId: this.name, params: this.params, inputs, data: undefined });
    // A multi-output kernel returns one shape per output port, in port order.
    if (this.def.kernel!.callPorts)
      return Object.keys(this.def.outputs).map((p) => [...(out[p]?.shape ?? [])]);
    return [...(Object.values(out)[0]?.shape ?? [])];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const xs = Array.isArray(inputs) ? inputs : [inputs];
      const weights = Object.fromEntries(Object.entries(this.kernelWeights).map(([k, v]) => [k, v.read()]));
      const assign = (name: string, value: tf.Tensor) => {
        const w = this.kernelWeights[name];
        if (!w) throw new Error(`kernel '${this.kernelType}' has no weight '${name}'`);
        w.write(value);
      };
      const sink = this.probeSink;
      const ctx = {
        training: kwargs.training === true,
        assign,
        ...(sink ? { probe: (name: string, value: tf.Tensor) => sink(name, tf.keep(value.clone())) } : {}),
      };
      const kernel = this.def.kernel!;
      if (kernel.callPorts) {
        const outs = kernel.callPorts(this.ops, xs, weights, this.params, ctx);
        return Object.keys(this.def.outputs).map((p) => outs[p]!);
      }
      return kernel.call(this.ops, xs, weights, this.params, ctx);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: this.kernelType,
      params: this.params as tf.serialization.ConfigDict,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(KernelLayer);

export type KernelLayerClass = new (args: KernelLayerArgs) => KernelLayer;
const kernelClasses = new Map<string, KernelLayerClass>();

/** The registered KernelLayer subclass of one kernel node type (className `Netwright<Family><Name>`). */
export function kernelLayerClass(type: string): KernelLayerClass {
  let cls = kernelClasses.get(type);
  if (!cls) {
    const className = kernelClassName(type);
    const sub = class extends KernelLayer {
      static override className = className;
    };
    tf.serialization.registerClass(sub);
    cls = sub;
    kernelClasses.set(type, cls);
  }
  return cls;
}
