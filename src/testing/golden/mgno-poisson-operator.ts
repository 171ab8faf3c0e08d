// MgNO: multigrid neural operator for Poisson: a tfjs model exported by Netwright. Standalone: it
// needs only @tensorflow/tfjs.
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

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * Subtract (layers.subtract): y = x1 − x2
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightLayersSubtract' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class Subtract extends tf.layers.Layer {
  static className = 'NetwrightLayersSubtract';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{},[[16,16,1],[16,16,1]]]',
    '[{},[[8,8,1],[8,8,1]]]',
    '[{},[[4,4,1],[4,4,1]]]',
    '[{},[[16,16,8],[16,16,8]]]',
    '[{},[[8,8,8],[8,8,8]]]',
    '[{},[[4,4,8],[4,4,8]]]',
  ];
  private variant = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(Subtract.variants, this.params, inputShape, this.name);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 16, 16, 1],
      [null, 8, 8, 1],
      [null, 4, 4, 1],
      [null, 16, 16, 8],
      [null, 8, 8, 8],
      [null, 4, 4, 8],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params {} and input shapes [null, 16, 16, 1], [null, 16, 16, 1]
        const [x1, x2] = toList(inputs) as [tf.Tensor, tf.Tensor];
        return tf.sub(x1, x2);
      }
      if (this.variant === 1) {
        // params {} and input shapes [null, 8, 8, 1], [null, 8, 8, 1]
        const [x1, x2] = toList(inputs) as [tf.Tensor, tf.Tensor];
        return tf.sub(x1, x2);
      }
      if (this.variant === 2) {
        // params {} and input shapes [null, 4, 4, 1], [null, 4, 4, 1]
        const [x1, x2] = toList(inputs) as [tf.Tensor, tf.Tensor];
        return tf.sub(x1, x2);
      }
      if (this.variant === 3) {
        // params {} and input shapes [null, 16, 16, 8], [null, 16, 16, 8]
        const [x1, x2] = toList(inputs) as [tf.Tensor, tf.Tensor];
        return tf.sub(x1, x2);
      }
      if (this.variant === 4) {
        // params {} and input shapes [null, 8, 8, 8], [null, 8, 8, 8]
        const [x1, x2] = toList(inputs) as [tf.Tensor, tf.Tensor];
        return tf.sub(x1, x2);
      }
      // params {} and input shapes [null, 4, 4, 8], [null, 4, 4, 8]
      const [x1, x2] = toList(inputs) as [tf.Tensor, tf.Tensor];
      return tf.sub(x1, x2);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'layers.subtract',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Subtract);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 1], name: 'input' });
  const mgconv1__S0 = tf.layers
    .conv2d({
      name: 'mgconv1__S0',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 38237898 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const mgconv1__R1 = tf.layers
    .conv2d({
      name: 'mgconv1__R1',
      filters: 1,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4249170004 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const mgconv1__Pi1 = tf.layers
    .conv2d({
      name: 'mgconv1__Pi1',
      filters: 8,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 954955597 }),
    })
    .apply(mgconv1__S0) as tf.SymbolicTensor;
  const mgconv1__R2 = tf.layers
    .conv2d({
      name: 'mgconv1__R2',
      filters: 1,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4198837147 }),
    })
    .apply(mgconv1__R1) as tf.SymbolicTensor;
  const mgconv1__A1_1 = tf.layers
    .conv2d({
      name: 'mgconv1__A1_1',
      filters: 1,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2084265933 }),
    })
    .apply(mgconv1__Pi1) as tf.SymbolicTensor;
  const mgconv1__R3 = tf.layers
    .conv2d({
      name: 'mgconv1__R3',
      filters: 1,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4215614766 }),
    })
    .apply(mgconv1__R2) as tf.SymbolicTensor;
  const mgconv1__res1_1 = new Subtract({
    name: 'mgconv1__res1_1',
    params: {},
    seed: 3349921236,
  }).apply([mgconv1__R1, mgconv1__A1_1]) as tf.SymbolicTensor;
  const mgconv1__S1_1 = tf.layers
    .conv2d({
      name: 'mgconv1__S1_1',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1786189627 }),
    })
    .apply(mgconv1__res1_1) as tf.SymbolicTensor;
  const mgconv1__u1_1 = tf.layers
    .add({ name: 'mgconv1__u1_1' })
    .apply([mgconv1__Pi1, mgconv1__S1_1]) as tf.SymbolicTensor;
  const mgconv1__Pi2 = tf.layers
    .conv2d({
      name: 'mgconv1__Pi2',
      filters: 8,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 938177978 }),
    })
    .apply(mgconv1__u1_1) as tf.SymbolicTensor;
  const mgconv1__A2_1 = tf.layers
    .conv2d({
      name: 'mgconv1__A2_1',
      filters: 1,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2219943902 }),
    })
    .apply(mgconv1__Pi2) as tf.SymbolicTensor;
  const mgconv1__res2_1 = new Subtract({
    name: 'mgconv1__res2_1',
    params: {},
    seed: 4086807183,
  }).apply([mgconv1__R2, mgconv1__A2_1]) as tf.SymbolicTensor;
  const mgconv1__S2_1 = tf.layers
    .conv2d({
      name: 'mgconv1__S2_1',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1049303680 }),
    })
    .apply(mgconv1__res2_1) as tf.SymbolicTensor;
  const mgconv1__u2_1 = tf.layers
    .add({ name: 'mgconv1__u2_1' })
    .apply([mgconv1__Pi2, mgconv1__S2_1]) as tf.SymbolicTensor;
  const mgconv1__Pi3 = tf.layers
    .conv2d({
      name: 'mgconv1__Pi3',
      filters: 8,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 921400359 }),
    })
    .apply(mgconv1__u2_1) as tf.SymbolicTensor;
  const mgconv1__A3_1 = tf.layers
    .conv2d({
      name: 'mgconv1__A3_1',
      filters: 1,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2814949443 }),
    })
    .apply(mgconv1__Pi3) as tf.SymbolicTensor;
  const mgconv1__res3_1 = new Subtract({
    name: 'mgconv1__res3_1',
    params: {},
    seed: 4039028042,
  }).apply([mgconv1__R3, mgconv1__A3_1]) as tf.SymbolicTensor;
  const mgconv1__S3_1 = tf.layers
    .conv2d({
      name: 'mgconv1__S3_1',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1076294469 }),
    })
    .apply(mgconv1__res3_1) as tf.SymbolicTensor;
  const mgconv1__u3_1 = tf.layers
    .add({ name: 'mgconv1__u3_1' })
    .apply([mgconv1__Pi3, mgconv1__S3_1]) as tf.SymbolicTensor;
  const mgconv1__A3_2 = tf.layers
    .conv2d({
      name: 'mgconv1__A3_2',
      filters: 1,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2865282300 }),
    })
    .apply(mgconv1__u3_1) as tf.SymbolicTensor;
  const mgconv1__res3_2 = new Subtract({
    name: 'mgconv1__res3_2',
    params: {},
    seed: 4055805661,
  }).apply([mgconv1__R3, mgconv1__A3_2]) as tf.SymbolicTensor;
  const mgconv1__S3_2 = tf.layers
    .conv2d({
      name: 'mgconv1__S3_2',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1059516850 }),
    })
    .apply(mgconv1__res3_2) as tf.SymbolicTensor;
  const mgconv1__u3_2 = tf.layers
    .add({ name: 'mgconv1__u3_2' })
    .apply([mgconv1__u3_1, mgconv1__S3_2]) as tf.SymbolicTensor;
  const mgconv1__RT2 = tf.layers
    .conv2dTranspose({
      name: 'mgconv1__RT2',
      filters: 8,
      kernelSize: [4, 4],
      strides: [2, 2],
      padding: 'same',
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 150818219 }),
    })
    .apply(mgconv1__u3_2) as tf.SymbolicTensor;
  const mgconv1__up2 = tf.layers
    .add({ name: 'mgconv1__up2' })
    .apply([mgconv1__u2_1, mgconv1__RT2]) as tf.SymbolicTensor;
  const mgconv1__RT1 = tf.layers
    .conv2dTranspose({
      name: 'mgconv1__RT1',
      filters: 8,
      kernelSize: [4, 4],
      strides: [2, 2],
      padding: 'same',
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 201151076 }),
    })
    .apply(mgconv1__up2) as tf.SymbolicTensor;
  const mgconv1__up1 = tf.layers
    .add({ name: 'mgconv1__up1' })
    .apply([mgconv1__u1_1, mgconv1__RT1]) as tf.SymbolicTensor;
  const mgconv1__RT0 = tf.layers
    .conv2dTranspose({
      name: 'mgconv1__RT0',
      filters: 8,
      kernelSize: [4, 4],
      strides: [2, 2],
      padding: 'same',
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 184373457 }),
    })
    .apply(mgconv1__up1) as tf.SymbolicTensor;
  const mgconv1__up0 = tf.layers
    .add({ name: 'mgconv1__up0' })
    .apply([mgconv1__S0, mgconv1__RT0]) as tf.SymbolicTensor;
  const skip1 = tf.layers
    .conv2d({
      name: 'skip1',
      filters: 8,
      kernelSize: [1, 1],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4013178488 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const sum1 = tf.layers.add({ name: 'sum1' }).apply([mgconv1__up0, skip1]) as tf.SymbolicTensor;
  // GELU: Hendrycks, Gimpel (2016). Gaussian Error Linear Units (GELUs). arXiv:1606.08415
  const gelu1 = tf.layers.activation({ name: 'gelu1', activation: 'gelu' }).apply(sum1) as tf.SymbolicTensor;
  const mgconv2__S0 = tf.layers
    .conv2d({
      name: 'mgconv2__S0',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 55686005 }),
    })
    .apply(gelu1) as tf.SymbolicTensor;
  const mgconv2__R1 = tf.layers
    .conv2d({
      name: 'mgconv2__R1',
      filters: 8,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 139721195 }),
    })
    .apply(gelu1) as tf.SymbolicTensor;
  const mgconv2__Pi1 = tf.layers
    .conv2d({
      name: 'mgconv2__Pi1',
      filters: 8,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2052736856 }),
    })
    .apply(mgconv2__S0) as tf.SymbolicTensor;
  const mgconv2__R2 = tf.layers
    .conv2d({
      name: 'mgconv2__R2',
      filters: 8,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 190054052 }),
    })
    .apply(mgconv2__R1) as tf.SymbolicTensor;
  const mgconv2__A1_1 = tf.layers
    .conv2d({
      name: 'mgconv2__A1_1',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1104699514 }),
    })
    .apply(mgconv2__Pi1) as tf.SymbolicTensor;
  const mgconv2__R3 = tf.layers
    .conv2d({
      name: 'mgconv2__R3',
      filters: 8,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 173276433 }),
    })
    .apply(mgconv2__R2) as tf.SymbolicTensor;
  const mgconv2__res1_1 = new Subtract({
    name: 'mgconv2__res1_1',
    params: {},
    seed: 3273108603,
  }).apply([mgconv2__R1, mgconv2__A1_1]) as tf.SymbolicTensor;
  const mgconv2__S1_1 = tf.layers
    .conv2d({
      name: 'mgconv2__S1_1',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 144692136 }),
    })
    .apply(mgconv2__res1_1) as tf.SymbolicTensor;
  const mgconv2__u1_1 = tf.layers
    .add({ name: 'mgconv2__u1_1' })
    .apply([mgconv2__Pi1, mgconv2__S1_1]) as tf.SymbolicTensor;
  const mgconv2__Pi2 = tf.layers
    .conv2d({
      name: 'mgconv2__Pi2',
      filters: 8,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2002403999 }),
    })
    .apply(mgconv2__u1_1) as tf.SymbolicTensor;
  const mgconv2__A2_1 = tf.layers
    .conv2d({
      name: 'mgconv2__A2_1',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 989809897 }),
    })
    .apply(mgconv2__Pi2) as tf.SymbolicTensor;
  const mgconv2__res2_1 = new Subtract({
    name: 'mgconv2__res2_1',
    params: {},
    seed: 2494645952,
  }).apply([mgconv2__R2, mgconv2__A2_1]) as tf.SymbolicTensor;
  const mgconv2__S2_1 = tf.layers
    .conv2d({
      name: 'mgconv2__S2_1',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3576339715 }),
    })
    .apply(mgconv2__res2_1) as tf.SymbolicTensor;
  const mgconv2__u2_1 = tf.layers
    .add({ name: 'mgconv2__u2_1' })
    .apply([mgconv2__Pi2, mgconv2__S2_1]) as tf.SymbolicTensor;
  const mgconv2__Pi3 = tf.layers
    .conv2d({
      name: 'mgconv2__Pi3',
      filters: 8,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2019181618 }),
    })
    .apply(mgconv2__u2_1) as tf.SymbolicTensor;
  const mgconv2__A3_1 = tf.layers
    .conv2d({
      name: 'mgconv2__A3_1',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 394804356 }),
    })
    .apply(mgconv2__Pi3) as tf.SymbolicTensor;
  const mgconv2__res3_1 = new Subtract({
    name: 'mgconv2__res3_1',
    params: {},
    seed: 2563213445,
  }).apply([mgconv2__R3, mgconv2__A3_1]) as tf.SymbolicTensor;
  const mgconv2__S3_1 = tf.layers
    .conv2d({
      name: 'mgconv2__S3_1',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2981334174 }),
    })
    .apply(mgconv2__res3_1) as tf.SymbolicTensor;
  const mgconv2__u3_1 = tf.layers
    .add({ name: 'mgconv2__u3_1' })
    .apply([mgconv2__Pi3, mgconv2__S3_1]) as tf.SymbolicTensor;
  const mgconv2__A3_2 = tf.layers
    .conv2d({
      name: 'mgconv2__A3_2',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 344471499 }),
    })
    .apply(mgconv2__u3_1) as tf.SymbolicTensor;
  const mgconv2__res3_2 = new Subtract({
    name: 'mgconv2__res3_2',
    params: {},
    seed: 2546435826,
  }).apply([mgconv2__R3, mgconv2__A3_2]) as tf.SymbolicTensor;
  const mgconv2__S3_2 = tf.layers
    .conv2d({
      name: 'mgconv2__S3_2',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2998111793 }),
    })
    .apply(mgconv2__res3_2) as tf.SymbolicTensor;
  const mgconv2__u3_2 = tf.layers
    .add({ name: 'mgconv2__u3_2' })
    .apply([mgconv2__u3_1, mgconv2__S3_2]) as tf.SymbolicTensor;
  const mgconv2__RT2 = tf.layers
    .conv2dTranspose({
      name: 'mgconv2__RT2',
      filters: 8,
      kernelSize: [4, 4],
      strides: [2, 2],
      padding: 'same',
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3571987826 }),
    })
    .apply(mgconv2__u3_2) as tf.SymbolicTensor;
  const mgconv2__up2 = tf.layers
    .add({ name: 'mgconv2__up2' })
    .apply([mgconv2__u2_1, mgconv2__RT2]) as tf.SymbolicTensor;
  const mgconv2__RT1 = tf.layers
    .conv2dTranspose({
      name: 'mgconv2__RT1',
      filters: 8,
      kernelSize: [4, 4],
      strides: [2, 2],
      padding: 'same',
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3588765445 }),
    })
    .apply(mgconv2__up2) as tf.SymbolicTensor;
  const mgconv2__up1 = tf.layers
    .add({ name: 'mgconv2__up1' })
    .apply([mgconv2__u1_1, mgconv2__RT1]) as tf.SymbolicTensor;
  const mgconv2__RT0 = tf.layers
    .conv2dTranspose({
      name: 'mgconv2__RT0',
      filters: 8,
      kernelSize: [4, 4],
      strides: [2, 2],
      padding: 'same',
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3605543064 }),
    })
    .apply(mgconv2__up1) as tf.SymbolicTensor;
  const mgconv2__up0 = tf.layers
    .add({ name: 'mgconv2__up0' })
    .apply([mgconv2__S0, mgconv2__RT0]) as tf.SymbolicTensor;
  const skip2 = tf.layers
    .conv2d({
      name: 'skip2',
      filters: 8,
      kernelSize: [1, 1],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3962845631 }),
    })
    .apply(gelu1) as tf.SymbolicTensor;
  const sum2 = tf.layers.add({ name: 'sum2' }).apply([mgconv2__up0, skip2]) as tf.SymbolicTensor;
  // GELU: Hendrycks, Gimpel (2016). Gaussian Error Linear Units (GELUs). arXiv:1606.08415
  const gelu2 = tf.layers.activation({ name: 'gelu2', activation: 'gelu' }).apply(sum2) as tf.SymbolicTensor;
  const project = tf.layers
    .conv2d({
      name: 'project',
      filters: 1,
      kernelSize: [1, 1],
      strides: [1, 1],
      padding: 'same',
      dilationRate: [1, 1],
      activation: 'linear',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4106068397 }),
    })
    .apply(gelu2) as tf.SymbolicTensor;
  const output = tf.layers
    .activation({ name: 'output', activation: 'linear' })
    .apply(project) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input],
    outputs: [project, output],
    name: 'MgNO_multigrid_neural_operator_for_Poisson',
  });
}

/**
 * Relative L2 loss (losses.relativeL2): e = mean_b ‖ŷ_b − y_b‖₂ / (‖y_b‖₂ + 1e-12) (norms over
 * every non-batch axis)
 *
 * Paper: Juncai He, Xinliang Liu, Jinchao Xu (2024). MgNO: Efficient Parameterization of Linear
 * Operators via Multigrid. arXiv:2310.19809
 */
function relativeL2(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const add = tf.add(tf.sqrt(tf.sum(tf.square(target), [1, 2, 3])), tf.scalar(1e-12));
  return tf.mean(tf.div(tf.sqrt(tf.sum(tf.square(tf.sub(pred, target)), [1, 2, 3])), add)) as tf.Scalar;
}

/**
 * Relative L2 error (metrics.relativeL2): e = mean_b ‖ŷ_b − y_b‖₂ / (‖y_b‖₂ + 1e-12) (norms over
 * every non-batch axis)
 *
 * Paper: Juncai He, Xinliang Liu, Jinchao Xu (2024). MgNO: Efficient Parameterization of Linear
 * Operators via Multigrid. arXiv:2310.19809
 */
function relativeL22(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const add = tf.add(tf.sqrt(tf.sum(tf.square(target), [1, 2, 3])), tf.scalar(1e-12));
  return tf.mean(tf.div(tf.sqrt(tf.sum(tf.square(tf.sub(pred, target)), [1, 2, 3])), add)) as tf.Scalar;
}

/** Training data: features [N, 32, 32, 1], and target values [N, …] (float32). */
export interface TrainData {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 7). */
  epochs?: number;
  /** Default 16. */
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

const STAGES: Stage[] = [{ name: 'train', epochs: 7, learningRate: 0.001 }];

/**
 * Adam (learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7), a fresh one per stage.
 *
 * Paper: Kingma, Ba (2014). Adam: A Method for Stochastic Optimization. arXiv:1412.6980
 */
function makeOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
}

/** One batch through the model (training mode): the total loss, and each loss term and metric. */
type Batch = { total: tf.Scalar; values: Record<string, tf.Scalar> };

/** Runs the model on a batch and computes the loss and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Batch {
  const [project] = toList(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]) as [tf.Tensor];
  const loss = relativeL2(project, y);
  return { total: loss, values: { loss, relL2: relativeL22(project, y) } };
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
 * Trains a model from buildModel() as the graph configures it: Adam (learningRate 0.001, beta1 0.9,
 * beta2 0.999, epsilon 1e-7), batches of 16 in the order Netwright's trainer uses for seed 1, 7
 * epochs. The graph trains on Netwright's 'poissonSine' dataset { samples: 700, grid: 32, modes: 6
 * }: pass the same data as tensors.
 *
 * Resolves to a report per epoch; a non-finite loss stops training with an error.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  opts: TrainOptions = {},
): Promise<EpochReport[]> {
  const batchSize = opts.batchSize ?? 16;
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
        const x = tf.gather(data.x, idx);
        const y = tf.gather(data.y, idx);
        let kept: Record<string, tf.Scalar> = {};
        const { value, grads } = tf.variableGrads(() => {
          const batch = objective(model, x, y);
          kept = Object.fromEntries(Object.entries(batch.values).map(([k, v]) => [k, tf.keep(v)]));
          return batch.total;
        }, vars);
        const stacked = tf.stack([value, ...Object.values(kept)]);
        const [loss, ...rest] = Array.from(await stacked.data());
        tf.dispose([stacked, value, ...Object.values(kept), idx, x, y]);
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
