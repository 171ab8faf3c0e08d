// One generic tfjs Layer that runs any node type's kernel (math with no tf.layers equivalent).
// Registered for serialization, so saved models with kernels reload through tf.loadLayersModel.

import * as tf from '@tensorflow/tfjs';

/** tfjs does not export its Initializer class type; this is it. */
type Initializer = ReturnType<typeof tf.initializers.zeros>;

import type { AnyNodeDef } from '../core/node-def.ts';
import type { WeightInit } from '../core/ops.ts';
import type { Registry } from '../core/registry.ts';
import { tensor } from '../core/tensor-type.ts';
import { tfOps } from './tf-ops.ts';

let kernelRegistry: Registry | undefined;

/** The compiler calls this before building; loading a saved model needs it too. */
export function setKernelRegistry(registry: Registry): void {
  kernelRegistry = registry;
}

export function makeInitializer(init: WeightInit, seed: number): Initializer {
  if (typeof init === 'object') {
    if ('constant' in init) return tf.initializers.constant({ value: init.constant });
    return tf.initializers.randomUniform({ minval: init.uniform[0], maxval: init.uniform[1], seed });
  }
  switch (init) {
    case 'zeros':
      return tf.initializers.zeros();
    case 'ones':
      return tf.initializers.ones();
    case 'glorotUniform':
      return tf.initializers.glorotUniform({ seed });
    case 'glorotNormal':
      return tf.initializers.glorotNormal({ seed });
    case 'heNormal':
      return tf.initializers.heNormal({ seed });
    case 'leCunNormal':
      return tf.initializers.leCunNormal({ seed });
  }
}

export interface KernelLayerArgs {
  name: string;
  kernelType: string;
  params: Record<string, unknown>;
  seed: number;
  trainable?: boolean;
}

type Shape = (number | null)[];

export class KernelLayer extends tf.layers.Layer {
  static className = 'NetwrightKernel';
  readonly kernelType: string;
  readonly params: Record<string, unknown>;
  readonly seed: number;
  private readonly def: AnyNodeDef;
  private kernelWeights: Record<string, tf.LayerVariable> = {};

  constructor(args: KernelLayerArgs) {
    super({ name: args.name, ...(args.trainable === undefined ? {} : { trainable: args.trainable }) });
    this.kernelType = args.kernelType;
    this.params = args.params;
    this.seed = args.seed;
    const def = kernelRegistry?.get(args.kernelType);
    if (!def?.kernel) throw new Error(`no kernel registered for node type '${args.kernelType}'`);
    this.def = def;
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
        makeInitializer(w.init, this.seed + i),
        undefined,
        w.trainable ?? true,
      );
    });
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const ports = Object.keys(
      typeof this.def.inputs === 'function' ? this.def.inputs(this.params) : this.def.inputs,
    );
    const shapes = this.inputShapes(inputShape);
    const inputs = Object.fromEntries(ports.map((p, i) => [p, tensor(shapes[i] ?? [])]));
    const out = this.def.infer({ nodeId: this.name, params: this.params, inputs, data: undefined });
    return [...(Object.values(out)[0]?.shape ?? [])];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const xs = Array.isArray(inputs) ? inputs : [inputs];
      const weights = Object.fromEntries(Object.entries(this.kernelWeights).map(([k, v]) => [k, v.read()]));
      return this.def.kernel!.call(tfOps, xs, weights, this.params, { training: kwargs.training === true });
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
