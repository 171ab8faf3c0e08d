// Loki: Fréchet-mean prediction over a grid label space: a tfjs model exported by Netwright.
// Standalone: it needs only @tensorflow/tfjs.
// buildModel() builds the model, train(model, data) trains it as the graph configures it.
// Compile with tsc --strict --skipLibCheck (tfjs's own type declarations fail the lib check).
import * as tf from '@tensorflow/tfjs';

/** tfjs hands a layer (and a model returns) one tensor or a list of them. */
function toList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(x) ? x : [x];
}

/**
 * Which traced variant of a kernel layer serves these params and input shapes (batch ignored).
 * Strings compare camel-cased: tfjs camel-cases them when it loads a saved model ('a_b' → 'aB').
 */
function variantOf(
  variants: string[],
  params: tf.serialization.ConfigDict,
  inputShape: tf.Shape | tf.Shape[],
  layer: string,
): number {
  const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tf.Shape[];
  const camel = (_k: string, v: unknown) =>
    typeof v === 'string' ? v.replace(/_+(\w|$)/g, (_m, c: string) => c.toUpperCase()) : v;
  const key = JSON.stringify([params, shapes.map((s) => s.slice(1))], camel);
  const i = variants.indexOf(key);
  if (i < 0) throw new Error(`${layer}: this export has no code for ${key}`);
  return i;
}

/** One-hot of int labels along a new last axis, as float32. */
function oneHot(indices: tf.Tensor, depth: number): tf.Tensor {
  const flat = tf.cast(tf.reshape(indices, [-1]), 'int32') as tf.Tensor1D;
  return tf.cast(tf.oneHot(flat, depth), 'float32');
}

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * Fréchet-mean prediction (grid label space) (layers.frechetMean): score_y = −Σ_i p_i · d(y_i, y)²,
 * ŷ = argmax_y score_y = argmin_y Σ_i p_i d(y_i, y)² (y over all side² cells)
 *
 * Paper: Roberts, Li, Pan, Zhang, Sala (2023). Geometry-Aware Adaptation for Pretrained Models.
 * arXiv:2307.12226
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightLayersFrechetMean' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class FrechetMean extends tf.layers.Layer {
  static className = 'NetwrightLayersFrechetMean';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"side":10,"cells":"0, 13, 26, 39, 42, 55, 68, 71, 84, 97","mode":"frechet"},[[10]]]',
    '[{"side":10,"cells":"0, 13, 26, 39, 42, 55, 68, 71, 84, 97","mode":"argmax"},[[10]]]',
  ];
  private variant = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(FrechetMean.variants, this.params, inputShape, this.name);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 100],
      [null, 100],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { side: 10, cells: '0, 13, 26, 39, 42, 55, 68, 71, 84, 97', mode: 'frechet' } and
        // input shapes [null, 10]
        const [p] = toList(inputs) as [tf.Tensor];
        const constant = tf.tensor(
          [
            0, -1, -4, -9, -16, -25, -36, -49, -64, -81, -1, -2, -5, -10, -17, -26, -37, -50, -65, -82, -4,
            -5, -8, -13, -20, -29, -40, -53, -68, -85, -9, -10, -13, -18, -25, -34, -45, -58, -73, -90, -16,
            -17, -20, -25, -32, -41, -52, -65, -80, -97, -25, -26, -29, -34, -41, -50, -61, -74, -89, -106,
            -36, -37, -40, -45, -52, -61, -72, -85, -100, -117, -49, -50, -53, -58, -65, -74, -85, -98, -113,
            -130, -64, -65, -68, -73, -80, -89, -100, -113, -128, -145, -81, -82, -85, -90, -97, -106, -117,
            -130, -145, -162, -10, -5, -2, -1, -2, -5, -10, -17, -26, -37, -9, -4, -1, 0, -1, -4, -9, -16,
            -25, -36, -10, -5, -2, -1, -2, -5, -10, -17, -26, -37, -13, -8, -5, -4, -5, -8, -13, -20, -29,
            -40, -18, -13, -10, -9, -10, -13, -18, -25, -34, -45, -25, -20, -17, -16, -17, -20, -25, -32, -41,
            -52, -34, -29, -26, -25, -26, -29, -34, -41, -50, -61, -45, -40, -37, -36, -37, -40, -45, -52,
            -61, -72, -58, -53, -50, -49, -50, -53, -58, -65, -74, -85, -73, -68, -65, -64, -65, -68, -73,
            -80, -89, -100, -40, -29, -20, -13, -8, -5, -4, -5, -8, -13, -37, -26, -17, -10, -5, -2, -1, -2,
            -5, -10, -36, -25, -16, -9, -4, -1, 0, -1, -4, -9, -37, -26, -17, -10, -5, -2, -1, -2, -5, -10,
            -40, -29, -20, -13, -8, -5, -4, -5, -8, -13, -45, -34, -25, -18, -13, -10, -9, -10, -13, -18, -52,
            -41, -32, -25, -20, -17, -16, -17, -20, -25, -61, -50, -41, -34, -29, -26, -25, -26, -29, -34,
            -72, -61, -52, -45, -40, -37, -36, -37, -40, -45, -85, -74, -65, -58, -53, -50, -49, -50, -53,
            -58, -90, -73, -58, -45, -34, -25, -18, -13, -10, -9, -85, -68, -53, -40, -29, -20, -13, -8, -5,
            -4, -82, -65, -50, -37, -26, -17, -10, -5, -2, -1, -81, -64, -49, -36, -25, -16, -9, -4, -1, 0,
            -82, -65, -50, -37, -26, -17, -10, -5, -2, -1, -85, -68, -53, -40, -29, -20, -13, -8, -5, -4, -90,
            -73, -58, -45, -34, -25, -18, -13, -10, -9, -97, -80, -65, -52, -41, -32, -25, -20, -17, -16,
            -106, -89, -74, -61, -50, -41, -34, -29, -26, -25, -117, -100, -85, -72, -61, -52, -45, -40, -37,
            -36, -20, -17, -16, -17, -20, -25, -32, -41, -52, -65, -13, -10, -9, -10, -13, -18, -25, -34, -45,
            -58, -8, -5, -4, -5, -8, -13, -20, -29, -40, -53, -5, -2, -1, -2, -5, -10, -17, -26, -37, -50, -4,
            -1, 0, -1, -4, -9, -16, -25, -36, -49, -5, -2, -1, -2, -5, -10, -17, -26, -37, -50, -8, -5, -4,
            -5, -8, -13, -20, -29, -40, -53, -13, -10, -9, -10, -13, -18, -25, -34, -45, -58, -20, -17, -16,
            -17, -20, -25, -32, -41, -52, -65, -29, -26, -25, -26, -29, -34, -41, -50, -61, -74, -50, -41,
            -34, -29, -26, -25, -26, -29, -34, -41, -41, -32, -25, -20, -17, -16, -17, -20, -25, -32, -34,
            -25, -18, -13, -10, -9, -10, -13, -18, -25, -29, -20, -13, -8, -5, -4, -5, -8, -13, -20, -26, -17,
            -10, -5, -2, -1, -2, -5, -10, -17, -25, -16, -9, -4, -1, 0, -1, -4, -9, -16, -26, -17, -10, -5,
            -2, -1, -2, -5, -10, -17, -29, -20, -13, -8, -5, -4, -5, -8, -13, -20, -34, -25, -18, -13, -10,
            -9, -10, -13, -18, -25, -41, -32, -25, -20, -17, -16, -17, -20, -25, -32, -100, -85, -72, -61,
            -52, -45, -40, -37, -36, -37, -89, -74, -61, -50, -41, -34, -29, -26, -25, -26, -80, -65, -52,
            -41, -32, -25, -20, -17, -16, -17, -73, -58, -45, -34, -25, -18, -13, -10, -9, -10, -68, -53, -40,
            -29, -20, -13, -8, -5, -4, -5, -65, -50, -37, -26, -17, -10, -5, -2, -1, -2, -64, -49, -36, -25,
            -16, -9, -4, -1, 0, -1, -65, -50, -37, -26, -17, -10, -5, -2, -1, -2, -68, -53, -40, -29, -20,
            -13, -8, -5, -4, -5, -73, -58, -45, -34, -25, -18, -13, -10, -9, -10, -50, -49, -50, -53, -58,
            -65, -74, -85, -98, -113, -37, -36, -37, -40, -45, -52, -61, -72, -85, -100, -26, -25, -26, -29,
            -34, -41, -50, -61, -74, -89, -17, -16, -17, -20, -25, -32, -41, -52, -65, -80, -10, -9, -10, -13,
            -18, -25, -34, -45, -58, -73, -5, -4, -5, -8, -13, -20, -29, -40, -53, -68, -2, -1, -2, -5, -10,
            -17, -26, -37, -50, -65, -1, 0, -1, -4, -9, -16, -25, -36, -49, -64, -2, -1, -2, -5, -10, -17,
            -26, -37, -50, -65, -5, -4, -5, -8, -13, -20, -29, -40, -53, -68, -80, -73, -68, -65, -64, -65,
            -68, -73, -80, -89, -65, -58, -53, -50, -49, -50, -53, -58, -65, -74, -52, -45, -40, -37, -36,
            -37, -40, -45, -52, -61, -41, -34, -29, -26, -25, -26, -29, -34, -41, -50, -32, -25, -20, -17,
            -16, -17, -20, -25, -32, -41, -25, -18, -13, -10, -9, -10, -13, -18, -25, -34, -20, -13, -8, -5,
            -4, -5, -8, -13, -20, -29, -17, -10, -5, -2, -1, -2, -5, -10, -17, -26, -16, -9, -4, -1, 0, -1,
            -4, -9, -16, -25, -17, -10, -5, -2, -1, -2, -5, -10, -17, -26, -130, -117, -106, -97, -90, -85,
            -82, -81, -82, -85, -113, -100, -89, -80, -73, -68, -65, -64, -65, -68, -98, -85, -74, -65, -58,
            -53, -50, -49, -50, -53, -85, -72, -61, -52, -45, -40, -37, -36, -37, -40, -74, -61, -50, -41,
            -34, -29, -26, -25, -26, -29, -65, -52, -41, -32, -25, -20, -17, -16, -17, -20, -58, -45, -34,
            -25, -18, -13, -10, -9, -10, -13, -53, -40, -29, -20, -13, -8, -5, -4, -5, -8, -50, -37, -26, -17,
            -10, -5, -2, -1, -2, -5, -49, -36, -25, -16, -9, -4, -1, 0, -1, -4,
          ],
          [10, 100],
          'float32',
        );
        return tf.matMul(p, constant);
      }
      // params { side: 10, cells: '0, 13, 26, 39, 42, 55, 68, 71, 84, 97', mode: 'argmax' } and
      // input shapes [null, 10]
      const [p] = toList(inputs) as [tf.Tensor];
      const constant = tf.tensor(
        [
          1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
        ],
        [10, 100],
        'float32',
      );
      return tf.matMul(p, constant);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'layers.frechetMean',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(FrechetMean);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [2], name: 'input' });
  const cell = tf.input({ shape: [1], dtype: 'int32', name: 'cell' });
  const hidden1 = tf.layers
    .dense({
      name: 'hidden1',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1900252807 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const hidden2 = tf.layers
    .dense({
      name: 'hidden2',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1950585664 }),
    })
    .apply(hidden1) as tf.SymbolicTensor;
  const probs = tf.layers
    .dense({
      name: 'probs',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2414012662 }),
    })
    .apply(hidden2) as tf.SymbolicTensor;
  const loki = new FrechetMean({
    name: 'loki',
    params: { side: 10, cells: '0, 13, 26, 39, 42, 55, 68, 71, 84, 97', mode: 'frechet' },
    seed: 3438926323,
  }).apply(probs) as tf.SymbolicTensor;
  const argmaxRule = new FrechetMean({
    name: 'argmaxRule',
    params: { side: 10, cells: '0, 13, 26, 39, 42, 55, 68, 71, 84, 97', mode: 'argmax' },
    seed: 3835449408,
  }).apply(probs) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input, cell],
    outputs: [cell, probs, loki, argmaxRule],
    name: 'Loki_Fr_chet_mean_prediction_over_a_grid_label_space',
  });
}

/**
 * Sparse categorical cross-entropy (losses.sparseCategoricalCrossentropy): L = −mean_b log p_{b,
 * t_b}, log p = logSoftmax(z) when fromLogits, else log(clip(p / Σ_c p, ε, 1−ε))
 *
 * Traced for { fromLogits: false }.
 */
function sparseCategoricalCrossentropy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const log = tf.log(tf.clipByValue(tf.div(pred, tf.sum(pred, [-1], true)), 1e-7, 0.9999999));
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot(target, 10), log), [-1]))) as tf.Scalar;
}

/** Accuracy (metrics.accuracy): acc = mean_b [argmax_c p_bc = t_b] */
function accuracy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const cast = tf.cast(tf.reshape(target, [-1]), 'int32');
  return tf.mean(tf.cast(tf.equal(tf.argMax(pred, -1), cast), 'float32')) as tf.Scalar;
}

/**
 * Expected squared distance (grid label space) (metrics.expectedSquaredDistance): E[d²] = mean_b
 * ((r̂_b − r_b)² + (ĉ_b − c_b)²), r = ⌊y / side⌋, c = y − side·r, ŷ = argmax score
 *
 * Paper: Roberts, Li, Pan, Zhang, Sala (2023). Geometry-Aware Adaptation for Pretrained Models.
 * arXiv:2307.12226
 *
 * Traced for { side: 10 }.
 */
function expectedSquaredDistance(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const cast = tf.cast(tf.argMax(pred, -1), 'float32');
  const floor = tf.floor(tf.div(cast, tf.scalar(10)));
  const cast2 = tf.cast(tf.reshape(target, [-1]), 'float32');
  const floor2 = tf.floor(tf.div(cast2, tf.scalar(10)));
  const sub = tf.sub(cast2, tf.mul(tf.scalar(10), floor2));
  const square = tf.square(tf.sub(tf.sub(cast, tf.mul(tf.scalar(10), floor)), sub));
  return tf.mean(tf.add(tf.square(tf.sub(floor, floor2)), square)) as tf.Scalar;
}

/**
 * Training data: features [N, 2] and [N, 1] (the dataset's field 'cell'), one tensor per model
 * input, and class indices [N] (int32).
 */
export interface TrainData {
  x: tf.Tensor[];
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 20). */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Seed of the batch order (default 1). */
  seed?: number;
  onEpoch?: (report: EpochReport) => void | Promise<void>;
}

/** One epoch: the mean loss, and the mean of each loss term and metric by node id. */
export interface EpochReport {
  stage: string;
  epoch: number;
  loss: number;
  values: Record<string, number>;
}

/** A training stage: epochs and learning rate. */
interface Stage {
  name: string;
  epochs: number;
  learningRate: number;
}

const STAGES: Stage[] = [{ name: 'train', epochs: 20, learningRate: 0.01 }];

/**
 * Adam (learningRate 0.01, beta1 0.9, beta2 0.999, epsilon 1e-7), a fresh one per stage.
 *
 * Paper: Kingma, Ba (2014). Adam: A Method for Stochastic Optimization. arXiv:1412.6980
 */
function makeOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
}

/** One batch through the model (training mode): the total loss, and each loss term and metric. */
type Batch = { total: tf.Scalar; values: Record<string, tf.Scalar> };

/** Runs the model on a batch and computes the loss and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor[], y: tf.Tensor): Batch {
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [cell, probs, loki, argmaxRule] = toList(outputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const ce = sparseCategoricalCrossentropy(probs, y);
  return {
    total: ce,
    values: {
      ce,
      accuracy: accuracy(probs, y),
      d2Loki: expectedSquaredDistance(loki, cell),
      cellAccLoki: accuracy(loki, cell),
      d2Argmax: expectedSquaredDistance(argmaxRule, cell),
      cellAccArgmax: accuracy(argmaxRule, cell),
    },
  };
}

/** Trainable variables of every layer. */
function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
}

/** The batch order of Netwright's trainer: mulberry32 from the seed, a Fisher–Yates shuffle per epoch. */
function createShuffler(seed: number): (count: number) => number[] {
  let s = seed >>> 0 || 0x9e3779b9;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (count) => {
    const a = Array.from({ length: count }, (_, i) => i);
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
}

/**
 * Trains a model from buildModel() as the graph configures it: Adam (learningRate 0.01, beta1 0.9,
 * beta2 0.999, epsilon 1e-7), batches of 64 in the order Netwright's trainer uses for seed 1, 20
 * epochs. The graph trains on Netwright's 'gridCells' dataset: pass the same data as tensors.
 *
 * Resolves to a report per epoch; a non-finite loss stops training with an error.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  opts: TrainOptions = {},
): Promise<EpochReport[]> {
  const batchSize = opts.batchSize ?? 64;
  const shuffle = createShuffler(opts.seed ?? 1);
  const count = data.y.shape[0]!;
  const stages = STAGES.map((s) => (STAGES.length === 1 ? { ...s, epochs: opts.epochs ?? s.epochs } : s));
  const history: EpochReport[] = [];
  for (const stage of stages) {
    const vars = trainableVariables(model);
    const optimizer = makeOptimizer(stage.learningRate);
    for (let e = 0; e < stage.epochs; e++) {
      const order = shuffle(count);
      const sums: Record<string, number> = {};
      let lossSum = 0;
      for (let start = 0; start < count; start += batchSize) {
        const idx = tf.tensor1d(order.slice(start, start + batchSize), 'int32');
        const x = data.x.map((t) => tf.gather(t, idx));
        const y = tf.gather(data.y, idx);
        let kept: Record<string, tf.Scalar> = {};
        const { value, grads } = tf.variableGrads(() => {
          const batch = objective(model, x, y);
          kept = Object.fromEntries(Object.entries(batch.values).map(([k, v]) => [k, tf.keep(v)]));
          return batch.total;
        }, vars);
        const stacked = tf.stack([value, ...Object.values(kept)]);
        const [loss, ...rest] = Array.from(await stacked.data());
        tf.dispose([stacked, value, ...Object.values(kept), idx, ...x, y]);
        if (!Number.isFinite(loss)) {
          tf.dispose(grads);
          throw new Error(`Training stopped in stage '${stage.name}': the loss became ${loss}.`);
        }
        optimizer.applyGradients(grads);
        tf.dispose(grads);
        const size = Math.min(batchSize, count - start);
        lossSum += loss! * size;
        for (const [i, k] of Object.keys(kept).entries()) sums[k] = (sums[k] ?? 0) + rest[i]! * size;
      }
      const values = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / count]));
      const report = { stage: stage.name, epoch: history.length + 1, loss: lossSum / count, values };
      history.push(report);
      await opts.onEpoch?.(report);
    }
    optimizer.dispose();
  }
  return history;
}
