// Cr-KD: novel class discovery with class-relation distillation (digits8): a tfjs model exported by
// Netwright. Standalone: it needs only @tensorflow/tfjs.
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

/** x unchanged, with a zero gradient (tfjs has no stopGradient op). */
const stopGradient = tf.customGrad((...args) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * Batch concat (primitives.batchConcat): y = [a; b; c] along axis 0: [B, …] × 2–3 → [2B or 3B, …]
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesBatchConcat' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class BatchConcat extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesBatchConcat';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{},[[1],[1]]]',
    '[{},[[64],[64]]]',
  ];
  private variant = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(BatchConcat.variants, this.params, inputShape, this.name);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 1],
      [null, 64],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params {} and input shapes [null, 1], [null, 1]
        const [x0, x1] = toList(inputs) as [tf.Tensor, tf.Tensor];
        return tf.concat([x0, x1], 0);
      }
      // params {} and input shapes [null, 64], [null, 64]
      const [x0, x1] = toList(inputs) as [tf.Tensor, tf.Tensor];
      return tf.concat([x0, x1], 0);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.batchConcat',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(BatchConcat);

/**
 * Gaussian noise (primitives.gaussianNoise): training: y = x + σ·ε, ε ~ N(0, I); inference: y = x
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesGaussianNoise' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class GaussianNoise extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesGaussianNoise';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // Random draws so far (dropout masks): each is seeded from seed and its number, as in the app.
  private draws = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 64];
  }

  // Traced for params { stddev: 0.1 } and input shapes [null, 64].
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      if (kwargs.training === true) {
        const [x] = toList(inputs) as [tf.Tensor];
        const randomNormal = tf.randomNormal(
          [x.shape[0]!, 64],
          0,
          1,
          'float32',
          (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
        );
        const mul = tf.mul(randomNormal, tf.scalar(0.1));
        return tf.add(x, mul);
      }
      const [x] = toList(inputs) as [tf.Tensor];
      return x;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.gaussianNoise',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(GaussianNoise);

/**
 * Prototype head (cosine) (layers.prototypeHead): logits_bk = ⟨z_b/‖z_b‖, w_k/‖w_k‖⟩ / τ, ‖v‖ =
 * √max(Σ v², 1e−12)
 *
 * Paper: Peiyan Gu, Chuyu Zhang, Ruijie Xu, Xuming He (2023). Class-relation Knowledge Distillation
 * for Novel Class Discovery. arXiv:2307.09158
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightLayersPrototypeHead' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class PrototypeHead extends tf.layers.Layer {
  static className = 'NetwrightLayersPrototypeHead';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  private w!: { prototypes: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(): void {
    this.w = {
      prototypes: this.addWeight(
        'prototypes',
        [64, 5],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed }),
        undefined,
        true,
      ),
    };
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 5];
  }

  // Traced for params { units: 5, temperature: 1 } and input shapes [null, 64].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const prototypes = this.w.prototypes.read();
      const mul = tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), [-1], true), tf.scalar(1e-12))));
      const rsqrt = tf.rsqrt(tf.maximum(tf.sum(tf.square(prototypes), [0], true), tf.scalar(1e-12)));
      return tf.matMul(mul, tf.mul(prototypes, rsqrt));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'layers.prototypeHead',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(PrototypeHead);

/**
 * Batch split (primitives.batchSplit): y = x[index·B/parts : (index+1)·B/parts] along axis 0
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesBatchSplit' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class BatchSplit extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesBatchSplit';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"parts":2,"index":0},[[5]]]',
    '[{"parts":2,"index":1},[[5]]]',
    '[{"parts":2,"index":0},[[10]]]',
    '[{"parts":2,"index":1},[[10]]]',
  ];
  private variant = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(BatchSplit.variants, this.params, inputShape, this.name);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 5],
      [null, 5],
      [null, 10],
      [null, 10],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { parts: 2, index: 0 } and input shapes [null, 5]
        const [x] = toList(inputs) as [tf.Tensor];
        return tf.reshape(tf.slice(tf.reshape(x, [2, -1, 5]), [0, 0, 0], [1, -1, -1]), [-1, 5]);
      }
      if (this.variant === 1) {
        // params { parts: 2, index: 1 } and input shapes [null, 5]
        const [x] = toList(inputs) as [tf.Tensor];
        return tf.reshape(tf.slice(tf.reshape(x, [2, -1, 5]), [1, 0, 0], [1, -1, -1]), [-1, 5]);
      }
      if (this.variant === 2) {
        // params { parts: 2, index: 0 } and input shapes [null, 10]
        const [x] = toList(inputs) as [tf.Tensor];
        return tf.reshape(tf.slice(tf.reshape(x, [2, -1, 10]), [0, 0, 0], [1, -1, -1]), [-1, 10]);
      }
      // params { parts: 2, index: 1 } and input shapes [null, 10]
      const [x] = toList(inputs) as [tf.Tensor];
      return tf.reshape(tf.slice(tf.reshape(x, [2, -1, 10]), [1, 0, 0], [1, -1, -1]), [-1, 10]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.batchSplit',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(BatchSplit);

/**
 * Binary op (primitives.binary): y = a ∘ b, ∘ ∈ {+, −, ·, /, max, min, ^}; b = constant when
 * unconnected
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesBinary' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class Binary extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesBinary';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 5];
  }

  // Traced for params { op: 'div', constant: 0.1 } and input shapes [null, 5].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x0] = toList(inputs) as [tf.Tensor];
      return tf.div(x0, tf.scalar(0.1));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.binary',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Binary);

/**
 * Sinkhorn–Knopp assignment (primitives.sinkhornKnopp): Q = exp(logits/ε)ᵀ ⊙ m [K, B]; Q /= ΣQ;
 * repeat n: { Q /= rowsum(Q); Q /= K; Q /= colsum(Q); Q /= B }; out = (B·Q)ᵀ, B = Σ m (m = 1 − mask
 * with invertMask)
 *
 * Paper: Peiyan Gu, Chuyu Zhang, Ruijie Xu, Xuming He (2023). Class-relation Knowledge Distillation
 * for Novel Class Discovery (after SwAV, arXiv 2006.09882, and UNO, arXiv 2108.08536).
 * arXiv:2307.09158
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightPrimitivesSinkhornKnopp' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class SinkhornKnopp extends tf.layers.Layer {
  static className = 'NetwrightPrimitivesSinkhornKnopp';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 5];
  }

  // Traced for params { iterations: 3, epsilon: 0.05, invertMask: true } and input shapes [null,
  // 5], [null, 1].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [logits, mask] = toList(inputs) as [tf.Tensor, tf.Tensor];
      const stopGradient2 = stopGradient(tf.div(logits, tf.scalar(0.05)));
      const sub = tf.sub(tf.scalar(1), stopGradient(tf.reshape(tf.cast(mask, 'float32'), [-1, 1])));
      const mul = tf.mul(tf.exp(tf.sub(stopGradient2, tf.max(stopGradient2))), sub);
      const maximum = tf.maximum(tf.sum(sub), tf.scalar(1));
      const div = tf.div(mul, tf.maximum(tf.sum(mul), tf.scalar(1e-30)));
      const div2 = tf.div(tf.div(div, tf.maximum(tf.sum(div, [0], true), tf.scalar(1e-30))), tf.scalar(5));
      const div3 = tf.div(tf.div(div2, tf.maximum(tf.sum(div2, [1], true), tf.scalar(1e-30))), maximum);
      const div4 = tf.div(tf.div(div3, tf.maximum(tf.sum(div3, [0], true), tf.scalar(1e-30))), tf.scalar(5));
      const div5 = tf.div(tf.div(div4, tf.maximum(tf.sum(div4, [1], true), tf.scalar(1e-30))), maximum);
      const div6 = tf.div(tf.div(div5, tf.maximum(tf.sum(div5, [0], true), tf.scalar(1e-30))), tf.scalar(5));
      const div7 = tf.div(tf.div(div6, tf.maximum(tf.sum(div6, [1], true), tf.scalar(1e-30))), maximum);
      return stopGradient(tf.mul(div7, maximum));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'primitives.sinkhornKnopp',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(SinkhornKnopp);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 1], name: 'input' });
  const labels = tf.input({ shape: [1], dtype: 'int32', name: 'labels' });
  const known = tf.input({ shape: [1], name: 'known' });
  const flat = tf.layers.flatten({ name: 'flat' }).apply(input) as tf.SymbolicTensor;
  const knownViews = new BatchConcat({
    name: 'knownViews',
    params: {},
    seed: 2480203169,
  }).apply([known, known]) as tf.SymbolicTensor;
  const view1 = new GaussianNoise({
    name: 'view1',
    params: { stddev: 0.1 },
    seed: 2376955738,
  }).apply(flat) as tf.SymbolicTensor;
  const view2 = new GaussianNoise({
    name: 'view2',
    params: { stddev: 0.1 },
    seed: 2393733357,
  }).apply(flat) as tf.SymbolicTensor;
  const views = new BatchConcat({
    name: 'views',
    params: {},
    seed: 1336743360,
  }).apply([view1, view2]) as tf.SymbolicTensor;
  const enc1 = tf.layers
    .dense({
      name: 'enc1',
      units: 128,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3644276605 }),
    })
    .apply(views) as tf.SymbolicTensor;
  const tenc1 = tf.layers
    .dense({
      name: 'tenc1',
      units: 128,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2510133019 }),
    })
    .apply(views) as tf.SymbolicTensor;
  const enc2 = tf.layers
    .dense({
      name: 'enc2',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3627498986 }),
    })
    .apply(enc1) as tf.SymbolicTensor;
  const tenc2 = tf.layers
    .dense({
      name: 'tenc2',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2560465876 }),
    })
    .apply(tenc1) as tf.SymbolicTensor;
  const headLab = new PrototypeHead({
    name: 'headLab',
    params: { units: 5, temperature: 1 },
    seed: 638837073,
  }).apply(enc2) as tf.SymbolicTensor;
  const proj1 = tf.layers
    .dense({
      name: 'proj1',
      units: 128,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1104078452 }),
    })
    .apply(enc2) as tf.SymbolicTensor;
  const theadLab = new PrototypeHead({
    name: 'theadLab',
    params: { units: 5, temperature: 1 },
    seed: 130319495,
  }).apply(tenc2) as tf.SymbolicTensor;
  const lab1 = new BatchSplit({
    name: 'lab1',
    params: { parts: 2, index: 0 },
    seed: 2735155982,
  }).apply(headLab) as tf.SymbolicTensor;
  // BatchNormalization: Sergey Ioffe, Christian Szegedy (2015). Batch Normalization: Accelerating
  // Deep Network Training by Reducing Internal Covariate Shift. arXiv:1502.03167
  const projBn = tf.layers
    .batchNormalization({
      name: 'projBn',
      axis: -1,
      momentum: 0.99,
      epsilon: 0.001,
      center: true,
      scale: true,
    })
    .apply(proj1) as tf.SymbolicTensor;
  const labT = new Binary({
    name: 'labT',
    params: { op: 'div', constant: 0.1 },
    seed: 2114384079,
  }).apply(lab1) as tf.SymbolicTensor;
  // ReLU: Nair, Hinton (2010). Rectified Linear Units Improve Restricted Boltzmann Machines.
  // https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf
  const projAct = tf.layers
    .activation({ name: 'projAct', activation: 'relu' })
    .apply(projBn) as tf.SymbolicTensor;
  const proj2 = tf.layers
    .dense({
      name: 'proj2',
      units: 64,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1053745595 }),
    })
    .apply(projAct) as tf.SymbolicTensor;
  const headUnlab = new PrototypeHead({
    name: 'headUnlab',
    params: { units: 5, temperature: 1 },
    seed: 1886140426,
  }).apply(proj2) as tf.SymbolicTensor;
  const all = tf.layers
    .concatenate({ name: 'all', axis: 1 })
    .apply([headLab, headUnlab]) as tf.SymbolicTensor;
  const unlab1 = new BatchSplit({
    name: 'unlab1',
    params: { parts: 2, index: 0 },
    seed: 842121951,
  }).apply(headUnlab) as tf.SymbolicTensor;
  const unlab2 = new BatchSplit({
    name: 'unlab2',
    params: { parts: 2, index: 1 },
    seed: 892454808,
  }).apply(headUnlab) as tf.SymbolicTensor;
  const all1 = new BatchSplit({
    name: 'all1',
    params: { parts: 2, index: 0 },
    seed: 414626206,
  }).apply(all) as tf.SymbolicTensor;
  const all2 = new BatchSplit({
    name: 'all2',
    params: { parts: 2, index: 1 },
    seed: 431403825,
  }).apply(all) as tf.SymbolicTensor;
  const sk1 = new SinkhornKnopp({
    name: 'sk1',
    params: { iterations: 3, epsilon: 0.05, invertMask: true },
    seed: 355213181,
  }).apply([unlab1, known]) as tf.SymbolicTensor;
  const sk2 = new SinkhornKnopp({
    name: 'sk2',
    params: { iterations: 3, epsilon: 0.05, invertMask: true },
    seed: 338435562,
  }).apply([unlab2, known]) as tf.SymbolicTensor;
  const output = tf.layers
    .activation({ name: 'output', activation: 'linear' })
    .apply(all1) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input, labels, known],
    outputs: [labels, known, knownViews, headLab, theadLab, labT, all, all1, all2, sk1, sk2, output],
    name: 'Cr_KD_novel_class_discovery_with_class_relation_distillation',
  });
}

/**
 * Masked sparse cross-entropy (losses.maskedSparseCategoricalCrossentropy): L = Σ_b m_b · (−log
 * softmax(z_b)_{t_b}) / max(Σ_b m_b, 1)
 *
 * Traced for { fromLogits: true }.
 */
function maskedSparseCategoricalCrossentropy(pred: tf.Tensor, target: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  const cast = tf.cast(tf.reshape(mask, [-1]), 'float32');
  const sum = tf.sum(tf.mul(tf.neg(tf.sum(tf.mul(oneHot(target, 5), tf.logSoftmax(pred)), [-1])), cast));
  return tf.div(sum, tf.maximum(tf.sum(cast), tf.scalar(1))) as tf.Scalar;
}

/**
 * Class-relation distillation (Cr-KD) (losses.classRelationKd): p_t = softmax(teacher/τ/T), p_s =
 * softmax(student/τ/T) over the Kₗ known classes; η_b = Σ_{c<Kₗ} softmax(all_b/τ/T)_c, w_b = η_b /
 * mean_{u}(η); L = Σ_b u_b·w_b·T²·KL(p_t,b ‖ p_s,b) / Σ_b u_b, u_b = 1 − known_b
 *
 * Paper: Peiyan Gu, Chuyu Zhang, Ruijie Xu, Xuming He (2023). Class-relation Knowledge Distillation
 * for Novel Class Discovery. arXiv:2307.09158
 *
 * Traced for { T: 4, temperature: 0.1 }.
 */
function classRelationKd(student: tf.Tensor, all: tf.Tensor, teacher: tf.Tensor, known: tf.Tensor): tf.Scalar {
  const sub = tf.sub(tf.scalar(1), tf.reshape(tf.cast(known, 'float32'), [-1]));
  const maximum = tf.maximum(tf.sum(sub), tf.scalar(1));
  const logSoftmax = tf.logSoftmax(tf.div(teacher, tf.scalar(0.4)));
  const sub2 = tf.sub(logSoftmax, tf.logSoftmax(tf.div(student, tf.scalar(0.4))));
  const sum = tf.sum(tf.slice(tf.softmax(tf.div(all, tf.scalar(0.4))), [0, 0], [-1, 5]), [-1]);
  const div = tf.div(sum, tf.maximum(tf.div(tf.sum(tf.mul(sum, sub)), maximum), tf.scalar(1e-12)));
  const sum2 = tf.sum(tf.mul(tf.mul(div, tf.sum(tf.mul(tf.exp(logSoftmax), sub2), [-1])), sub));
  return tf.mul(tf.scalar(16), tf.div(sum2, maximum)) as tf.Scalar;
}

/**
 * Swapped-prediction cross-entropy (losses.swappedPredictionCe): t_v,b = known_b·[onehot(y_b, Kₗ),
 * 0] + (1 − known_b)·[0, assign_v,b]; L = ½ Σ_{v≠v′} mean_b −Σ_c t_v,bc · log softmax(logits_v′,b /
 * τ)_c
 *
 * Paper: Peiyan Gu, Chuyu Zhang, Ruijie Xu, Xuming He (2023). Class-relation Knowledge Distillation
 * for Novel Class Discovery (the UNO objective, arXiv 2108.08536). arXiv:2307.09158
 *
 * Traced for { temperature: 0.1 }.
 */
function swappedPredictionCe(logits1: tf.Tensor, logits2: tf.Tensor, assign1: tf.Tensor, assign2: tf.Tensor, labels: tf.Tensor, known: tf.Tensor): tf.Scalar {
  const reshape = tf.reshape(tf.cast(known, 'float32'), [-1, 1]);
  const mul = tf.mul(oneHot(tf.reshape(tf.cast(labels, 'int32'), [-1]), 5), reshape);
  const concat = tf.concat([mul, tf.mul(assign1, tf.sub(tf.scalar(1), reshape))], 1);
  const neg = tf.neg(tf.sum(tf.mul(concat, tf.logSoftmax(tf.div(logits2, tf.scalar(0.1)))), [-1]));
  const concat2 = tf.concat([mul, tf.mul(assign2, tf.sub(tf.scalar(1), reshape))], 1);
  const neg2 = tf.neg(tf.sum(tf.mul(concat2, tf.logSoftmax(tf.div(logits1, tf.scalar(0.1)))), [-1]));
  return tf.mul(tf.scalar(0.5), tf.add(tf.mean(neg), tf.mean(neg2))) as tf.Scalar;
}

/**
 * Training data: features [N, 8, 8, 1] and [N, 1] (the dataset's labels) and [N, 1] (the dataset's
 * field 'known'), one tensor per model input, and labels (this graph's losses do not read them).
 */
export interface TrainData {
  x: tf.Tensor[];
  y: tf.Tensor;
}

export interface TrainOptions {
  /**
   * Epochs in all: the phases are scaled to it, keeping their proportions (each at least 1;
   * default: as drawn).
   */
  epochs?: number;
  /** Default 128. */
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

/** An optimizer of a phase: its state is kept across phases for the same id (fresh for a new id). */
interface OptimizerGroup {
  id: string;
  /** Variable groups it updates (the phase's trained groups when absent). */
  groups?: string[];
  learningRate: number;
}

/** A training phase, as the graph draws it. */
interface Phase {
  name: string;
  epochs: number;
  /** Variable groups it trains; the others are frozen and run in inference mode (all when absent). */
  groups?: string[];
  /** Active loss and metric nodes (all when absent). */
  heads?: string[];
  /** Its dataset declares per-batch augmentations (Netwright forks a random stream for them). */
  augmented?: boolean;
  batchSize?: number;
  optimizers: OptimizerGroup[];
  /** 'copy': copies the weights of group `from` onto group `to` once, here (a frozen teacher). */
  kind?: 'copy';
  from?: string;
  to?: string;
  /** EMA copies after every optimizer step: θ_to ← τ·θ_to + (1 − τ)·θ_from, τ over the phase. */
  copies?: { from: string; to: string; tau: number | { from: number; to: number } }[];
}

const PHASES: Phase[] = [
  {
    name: 'supervised',
    epochs: 10,
    groups: ['student'],
    heads: ['ce'],
    augmented: true,
    optimizers: [{ id: '#1', learningRate: 0.001 }],
  },
  { name: 'teacher', kind: 'copy', epochs: 0, from: 'student', to: 'teacher', optimizers: [] },
  {
    name: 'discovery',
    epochs: 20,
    groups: ['student', 'novel'],
    heads: ['swap', 'crkd'],
    augmented: true,
    optimizers: [{ id: '#3', learningRate: 0.001 }],
  },
];

/** Variable groups: the layers (node ids) whose weights each group holds. */
const GROUPS: Record<string, string[]> = {
  main: [
    'flat',
    'knownViews',
    'view1',
    'view2',
    'views',
    'lab1',
    'labT',
    'all',
    'unlab1',
    'unlab2',
    'all1',
    'all2',
    'sk1',
    'sk2',
    'output',
  ],
  student: ['enc1', 'enc2', 'headLab'],
  teacher: ['tenc1', 'tenc2', 'theadLab'],
  novel: ['proj1', 'projBn', 'projAct', 'proj2', 'headUnlab'],
};

/**
 * Adam (learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7), one per optimizer group, kept
 * across phases by its id.
 *
 * Paper: Kingma, Ba (2014). Adam: A Method for Stochastic Optimization. arXiv:1412.6980
 */
function makeOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
}

/** One batch through the model (training mode): the total loss, and each loss term and metric. */
type Batch = { total: tf.Scalar; values: Record<string, tf.Scalar> };

/** Runs the model on a batch and computes the loss ce + 0.1·crkd + swap and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor[], _y: tf.Tensor, phase: Phase): Batch {
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [labels, known, knownViews, headLab, theadLab, labT, all, all1, all2, sk1, sk2] = toList(outputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const on = (id: string) => !phase.heads || phase.heads.includes(id);
  const values: Record<string, tf.Scalar> = {};
  let total: tf.Scalar = tf.scalar(0);
  if (on('ce')) {
    const ce = maskedSparseCategoricalCrossentropy(labT, labels, known);
    values['ce'] = ce;
    const ceWeight = 1;
    total = tf.add(total, ceWeight === 1 ? ce : tf.mul(ce, ceWeight));
  }
  if (on('crkd')) {
    const crkd = classRelationKd(headLab, all, theadLab, knownViews);
    values['crkd'] = crkd;
    const crkdWeight = 0.1;
    total = tf.add(total, tf.mul(crkd, crkdWeight));
  }
  if (on('swap')) {
    const swap = swappedPredictionCe(all1, all2, sk1, sk2, labels, known);
    values['swap'] = swap;
    const swapWeight = 1;
    total = tf.add(total, swapWeight === 1 ? swap : tf.mul(swap, swapWeight));
  }
  return { total: total, values: values };
}

/** Trainable variables of the layers in `groups` (every layer when absent). */
function trainableVariables(model: tf.LayersModel, groups?: string[]): tf.Variable[] {
  const ids = groups?.flatMap((g) => GROUPS[g] ?? []);
  const layers = ids ? ids.map((id) => model.getLayer(id)) : model.layers;
  return layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
}

/**
 * Runs the layers outside `groups` in inference mode while a stage trains (BatchNorm uses and
 * keeps its moving statistics, dropout is off), as Netwright's trainer does. Returns the undo.
 */
function freezeOthers(model: tf.LayersModel, groups?: string[]): () => void {
  if (!groups) return () => {};
  const trained = new Set(groups.flatMap((g) => GROUPS[g] ?? []));
  type Call = (inputs: unknown, kwargs: Record<string, unknown>) => unknown;
  const undo: (() => void)[] = [];
  for (const layer of model.layers) {
    if (trained.has(layer.name)) continue;
    const l = layer as unknown as { call: Call };
    const call = l.call;
    l.call = (inputs, kwargs) => call.call(layer, inputs, { ...kwargs, training: false });
    undo.push(() => {
      l.call = call;
    });
  }
  return () => {
    for (const u of undo) u();
  };
}

/** Sets an optimizer's rate, keeping its state (SGD caches it; Adam and RMSProp read the field). */
function setRate(optimizer: tf.Optimizer, rate: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(rate);
  else o.learningRate = rate;
}

/**
 * tfjs optimizers keep per-variable state by position in the gradient list; before a kept optimizer
 * sees another variable list, its slots ('<var>/m', …) are put in the new order by name (empty for a
 * new variable; slots of absent variables are kept after the list), as Netwright's trainer does.
 */
function reslot(optimizer: tf.Optimizer, names: string[]): void {
  type Slot = { originalName: string } | null;
  const o = optimizer as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(o)) {
    const isSlots =
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((s) => s == null || (typeof s === 'object' && typeof s.originalName === 'string'));
    if (!isSlots) continue;
    const byVar = new Map<string, Slot>();
    for (const s of value as Slot[]) if (s) byVar.set(s.originalName.slice(0, s.originalName.lastIndexOf('/')), s);
    const order = names.map((n) => byVar.get(n) ?? null);
    const rest = [...byVar].filter(([n]) => !names.includes(n)).map(([, s]) => s);
    o[key] = [...order, ...rest];
  }
}

/** Epochs per phase for a requested total: one phase gets it; several keep their proportions (copy phases keep 0). */
function scaleEpochs(phases: Phase[], total?: number): Phase[] {
  if (total === undefined) return phases;
  const trained = phases.filter((p) => p.kind !== 'copy');
  if (trained.length === 1) return phases.map((p) => (p.kind === 'copy' ? p : { ...p, epochs: total }));
  const sum = trained.reduce((s, p) => s + p.epochs, 0);
  return phases.map((p) =>
    p.kind === 'copy' ? p : { ...p, epochs: Math.max(1, Math.round((p.epochs * total) / sum)) },
  );
}

/** A variable group's weights in node order (moving statistics included): what copies pair up. */
function groupWeights(model: tf.LayersModel, group: string): tf.LayerVariable[] {
  return (GROUPS[group] ?? []).flatMap((id) => model.getLayer(id).weights);
}

/** A copy phase: group `to` takes group `from`'s weights (the i-th weight of one onto the i-th of the other). */
function copyGroup(model: tf.LayersModel, from: string, to: string): void {
  const src = groupWeights(model, from);
  const dst = groupWeights(model, to);
  tf.tidy(() => {
    for (const [i, w] of dst.entries()) w.write(src[i]!.read().clone());
  });
}

/** An EMA copy after an optimizer step: θ_to ← τ·θ_to + (1 − τ)·θ_from, τ at progress t through the phase. */
function emaCopy(model: tf.LayersModel, c: { from: string; to: string; tau: number | { from: number; to: number } }, t: number): void {
  const tau = typeof c.tau === 'number' ? c.tau : c.tau.from + (c.tau.to - c.tau.from) * t;
  const src = groupWeights(model, c.from);
  const dst = groupWeights(model, c.to);
  tf.tidy(() => {
    for (const [i, w] of dst.entries()) w.write(tf.add(tf.mul(w.read(), tau), tf.mul(src[i]!.read(), 1 - tau)));
  });
}

/** The batch order of Netwright's trainer: mulberry32 from the seed, a Fisher–Yates shuffle per epoch. */
function createShuffler(seed: number): { order: (count: number) => number[]; skip: () => void } {
  let s = seed >>> 0 || 0x9e3779b9;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = (count: number): number[] => {
    const a = Array.from({ length: count }, (_, i) => i);
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  return { order, skip: () => void next() };
}

/**
 * Trains a model from buildModel() as the graph configures it: Adam (learningRate 0.001, beta1 0.9,
 * beta2 0.999, epsilon 1e-7), batches of 128 in the order Netwright's trainer uses for seed 1,
 * phases 'supervised' (10 epochs), 'teacher' (0 epochs), 'discovery' (20 epochs) as PHASES draws
 * them. The graph trains on Netwright's 'digits8' dataset { flat: false }: pass the same data as
 * tensors. Its binding declares transforms [{ type: 'hideClasses', classes: [5, 6, 7, 8, 9],
 * keepRows: true }]; augment { shift: 1 }: Netwright applies them when it loads and feeds the data
 * (augment on training batches only); do the same to the tensors you pass.
 *
 * Resolves to a report per epoch; a non-finite loss stops training with an error.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  opts: TrainOptions = {},
): Promise<EpochReport[]> {
  const shuffle = createShuffler(opts.seed ?? 1);
  const history: EpochReport[] = [];
  const optimizers = new Map<string, tf.Optimizer>();
  const slotNames = new Map<string, string[]>(); // the variable list each optimizer saw last
  try {
    for (const phase of scaleEpochs(PHASES, opts.epochs)) {
      if (phase.kind === 'copy') {
        copyGroup(model, phase.from!, phase.to!); // a frozen teacher: copied once, here
        continue;
      }
      const d = data;
      const batchSize = opts.batchSize ?? phase.batchSize ?? 128;
      const count = d.y.shape[0]!;
      if (phase.augmented) shuffle.skip(); // Netwright forks its augmentation stream here
      const groups = phase.optimizers.map((g) => {
        let optimizer = optimizers.get(g.id);
        if (optimizer) setRate(optimizer, g.learningRate);
        else {
          optimizer = makeOptimizer(g.learningRate);
          optimizers.set(g.id, optimizer);
        }
        return { ...g, optimizer, vars: trainableVariables(model, g.groups ?? phase.groups) };
      });
      const vars = [...new Set(groups.flatMap((g) => g.vars))];
      const unfreeze = freezeOthers(model, phase.groups);
      const steps = phase.epochs * Math.ceil(count / batchSize);
      let step = 0;
      for (let e = 0; e < phase.epochs; e++) {
        const order = shuffle.order(count);
        const sums: Record<string, number> = {};
        let lossSum = 0;
        for (let start = 0; start < count; start += batchSize) {
          const idx = tf.tensor1d(order.slice(start, start + batchSize), 'int32');
          const x = d.x.map((t) => tf.gather(t, idx));
          const y = tf.gather(d.y, idx);
          const progress = steps > 1 ? step / (steps - 1) : 0;
          let kept: Record<string, tf.Scalar> = {};
          const { value, grads } = tf.variableGrads(() => {
            const batch = objective(model, x, y, phase);
            kept = Object.fromEntries(Object.entries(batch.values).map(([k, v]) => [k, tf.keep(v)]));
            return batch.total;
          }, vars);
          const stacked = tf.stack([value, ...Object.values(kept)]);
          const [loss, ...rest] = Array.from(await stacked.data());
          tf.dispose([stacked, value, ...Object.values(kept), idx, ...x, y]);
          if (!Number.isFinite(loss)) {
            tf.dispose(grads);
            throw new Error(`Training stopped in phase '${phase.name}': the loss became ${loss}.`);
          }
          const size = Math.min(batchSize, count - start);
          lossSum += loss! * size;
          const batchValues: Record<string, number> = {}; // this batch's value of each loss and metric
          for (const [i, k] of Object.keys(kept).entries()) {
            batchValues[k] = rest[i]!;
            sums[k] = (sums[k] ?? 0) + rest[i]! * size;
          }
          for (const g of groups) {
            const own: tf.NamedTensorMap = {};
            for (const v of g.vars) if (grads[v.name]) own[v.name] = grads[v.name]!;
            const clipped = own;
            const rate = g.learningRate;
            const names = Object.keys(clipped);
            const last = slotNames.get(g.id);
            if (last && (last.length !== names.length || last.some((n, i) => n !== names[i])))
              reslot(g.optimizer, names);
            slotNames.set(g.id, names);
            g.optimizer.applyGradients(clipped);
          }
          for (const c of phase.copies ?? []) emaCopy(model, c, progress);
          tf.dispose(grads);
          step++;
        }
        const values = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / count]));
        const report = { stage: phase.name, epoch: history.length + 1, loss: lossSum / count, values };
        history.push(report);
        await opts.onEpoch?.(report);
      }
      unfreeze();
    }
  } finally {
    for (const o of optimizers.values()) o.dispose();
  }
  return history;
}
