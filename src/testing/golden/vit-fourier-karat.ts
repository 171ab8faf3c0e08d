// Tiny ViT with Fourier-KArAt attention: a tfjs model exported by Netwright. Standalone: it needs
// only @tensorflow/tfjs.
// buildModel() builds the model, train(model, data) trains it as the graph configures it.
// Compile with tsc --strict --skipLibCheck (tfjs's own type declarations fail the lib check).
import * as tf from '@tensorflow/tfjs';

/** tfjs hands a layer (and a model returns) one tensor or a list of them. */
function toList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(x) ? x : [x];
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
 * Patch embedding (attention.patchEmbedding): tokens[b, (i·W/p + j), :] = vec(x[b, i·p:(i+1)·p,
 * j·p:(j+1)·p, :])·E + e, E: [p²·C, dim]; N = (H/p)·(W/p). Params p²·C·dim + dim
 *
 * Paper: Dosovitskiy et al. (2020). An Image is Worth 16x16 Words: Transformers for Image
 * Recognition at Scale. arXiv:2010.11929
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightAttentionPatchEmbedding' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class PatchEmbedding extends tf.layers.Layer {
  static className = 'NetwrightAttentionPatchEmbedding';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  private w!: { kernel: tf.LayerVariable; bias: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(): void {
    this.w = {
      kernel: this.addWeight(
        'kernel',
        [49, 32],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed }),
        undefined,
        true,
      ),
      bias: this.addWeight('bias', [32], 'float32', tf.initializers.zeros(), undefined, true),
    };
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 16, 32];
  }

  // Traced for params { patchSize: 7, dim: 32 } and input shapes [null, 28, 28, 1].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const kernel = this.w.kernel.read();
      const bias = this.w.bias.read();
      const transpose = tf.transpose(tf.reshape(x, [-1, 4, 7, 4, 7, 1]), [0, 1, 3, 2, 4, 5]);
      return tf.reshape(tf.add(tf.matMul(tf.reshape(transpose, [-1, 49]), kernel), bias), [-1, 16, 32]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'attention.patchEmbedding',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(PatchEmbedding);

/**
 * Class token (attention.classToken): y = [cls ; x] along the token axis, cls: [1, 1, D] learnable;
 * N → N + 1. Params D
 *
 * Paper: Dosovitskiy et al. (2020). An Image is Worth 16x16 Words: Transformers for Image
 * Recognition at Scale. arXiv:2010.11929
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightAttentionClassToken' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class ClassToken extends tf.layers.Layer {
  static className = 'NetwrightAttentionClassToken';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  private w!: { cls: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(): void {
    this.w = {
      cls: this.addWeight(
        'cls',
        [1, 1, 32],
        'float32',
        tf.initializers.randomUniform({ minval: -0.02, maxval: 0.02, seed: this.seed }),
        undefined,
        true,
      ),
    };
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 17, 32];
  }

  // Traced for params {} and input shapes [null, 16, 32].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const cls = this.w.cls.read();
      return tf.concat([tf.add(tf.mul(tf.slice(x, [0, 0, 0], [-1, 1, 32]), tf.scalar(0)), cls), x], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'attention.classToken',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(ClassToken);

/**
 * Positional embedding (attention.positionalEmbedding): y = x + P, learned: P [1, N, D] (params
 * N·D); sinusoidal: P[pos, 2i] = sin(pos/10000^(2i/D)), P[pos, 2i+1] = cos(pos/10000^(2i/D)) (no
 * params)
 *
 * Paper: Vaswani, Shazeer, Parmar, Uszkoreit, Jones, Gomez, Kaiser, Polosukhin (2017). Attention Is
 * All You Need. arXiv:1706.03762
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightAttentionPositionalEmbedding' like
 * the Netwright app's class, so models the app saves load with this one.
 */
export class PositionalEmbedding extends tf.layers.Layer {
  static className = 'NetwrightAttentionPositionalEmbedding';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  private w!: { table: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(): void {
    this.w = {
      table: this.addWeight(
        'table',
        [1, 17, 32],
        'float32',
        tf.initializers.randomUniform({ minval: -0.02, maxval: 0.02, seed: this.seed }),
        undefined,
        true,
      ),
    };
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 17, 32];
  }

  // Traced for params { mode: 'learned' } and input shapes [null, 17, 32].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const table = this.w.table.read();
      return tf.add(x, table);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'attention.positionalEmbedding',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(PositionalEmbedding);

/**
 * Transformer encoder (attention.transformerEncoder): pre: x ← x + MHA(LN₁(x)), x ← x +
 * W₂·gelu(W₁·LN₂(x) + b₁) + b₂; post: x ← LN₁(x + MHA(x)), x ← LN₂(x + MLP(x)). MHA as in
 * attention.multiHeadAttention (softmax or Fourier-KArAt P_k = W·Φ̂(S_k)). Params depth·(MHA + 4·D
 * + 2·D·mlpDim + mlpDim + D) + KArAt·(depth blockwise | 1 universal)
 *
 * Paper: Maity, Hitsman, Li, Dutta (2025). Kolmogorov-Arnold Attention: Is Learnable Attention
 * Better For Vision Transformers?. arXiv:2503.10632
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightAttentionTransformerEncoder' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class TransformerEncoder extends tf.layers.Layer {
  static className = 'NetwrightAttentionTransformerEncoder';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  private w!: {
    l0_wq: tf.LayerVariable;
    l0_bq: tf.LayerVariable;
    l0_wk: tf.LayerVariable;
    l0_bk: tf.LayerVariable;
    l0_wv: tf.LayerVariable;
    l0_bv: tf.LayerVariable;
    l0_wo: tf.LayerVariable;
    l0_bo: tf.LayerVariable;
    l0_ln1_g: tf.LayerVariable;
    l0_ln1_b: tf.LayerVariable;
    l0_ln2_g: tf.LayerVariable;
    l0_ln2_b: tf.LayerVariable;
    l0_mlp_w1: tf.LayerVariable;
    l0_mlp_b1: tf.LayerVariable;
    l0_mlp_w2: tf.LayerVariable;
    l0_mlp_b2: tf.LayerVariable;
    l0_karat_coef: tf.LayerVariable;
    l0_karat_w: tf.LayerVariable;
    l1_wq: tf.LayerVariable;
    l1_bq: tf.LayerVariable;
    l1_wk: tf.LayerVariable;
    l1_bk: tf.LayerVariable;
    l1_wv: tf.LayerVariable;
    l1_bv: tf.LayerVariable;
    l1_wo: tf.LayerVariable;
    l1_bo: tf.LayerVariable;
    l1_ln1_g: tf.LayerVariable;
    l1_ln1_b: tf.LayerVariable;
    l1_ln2_g: tf.LayerVariable;
    l1_ln2_b: tf.LayerVariable;
    l1_mlp_w1: tf.LayerVariable;
    l1_mlp_b1: tf.LayerVariable;
    l1_mlp_w2: tf.LayerVariable;
    l1_mlp_b2: tf.LayerVariable;
    l1_karat_coef: tf.LayerVariable;
    l1_karat_w: tf.LayerVariable;
  };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(): void {
    this.w = {
      l0_wq: this.addWeight(
        'l0_wq',
        [32, 32],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed }),
        undefined,
        true,
      ),
      l0_bq: this.addWeight('l0_bq', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l0_wk: this.addWeight(
        'l0_wk',
        [32, 32],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 2 }),
        undefined,
        true,
      ),
      l0_bk: this.addWeight('l0_bk', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l0_wv: this.addWeight(
        'l0_wv',
        [32, 32],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 4 }),
        undefined,
        true,
      ),
      l0_bv: this.addWeight('l0_bv', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l0_wo: this.addWeight(
        'l0_wo',
        [32, 32],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 6 }),
        undefined,
        true,
      ),
      l0_bo: this.addWeight('l0_bo', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l0_ln1_g: this.addWeight('l0_ln1_g', [32], 'float32', tf.initializers.ones(), undefined, true),
      l0_ln1_b: this.addWeight('l0_ln1_b', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l0_ln2_g: this.addWeight('l0_ln2_g', [32], 'float32', tf.initializers.ones(), undefined, true),
      l0_ln2_b: this.addWeight('l0_ln2_b', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l0_mlp_w1: this.addWeight(
        'l0_mlp_w1',
        [32, 64],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 12 }),
        undefined,
        true,
      ),
      l0_mlp_b1: this.addWeight('l0_mlp_b1', [64], 'float32', tf.initializers.zeros(), undefined, true),
      l0_mlp_w2: this.addWeight(
        'l0_mlp_w2',
        [64, 32],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 14 }),
        undefined,
        true,
      ),
      l0_mlp_b2: this.addWeight('l0_mlp_b2', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l0_karat_coef: this.addWeight(
        'l0_karat_coef',
        [4, 102, 12],
        'float32',
        tf.initializers.randomUniform({
          minval: -0.24253562503633294,
          maxval: 0.24253562503633294,
          seed: this.seed + 16,
        }),
        undefined,
        true,
      ),
      l0_karat_w: this.addWeight(
        'l0_karat_w',
        [4, 12, 17],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 17 }),
        undefined,
        true,
      ),
      l1_wq: this.addWeight(
        'l1_wq',
        [32, 32],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 18 }),
        undefined,
        true,
      ),
      l1_bq: this.addWeight('l1_bq', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l1_wk: this.addWeight(
        'l1_wk',
        [32, 32],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 20 }),
        undefined,
        true,
      ),
      l1_bk: this.addWeight('l1_bk', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l1_wv: this.addWeight(
        'l1_wv',
        [32, 32],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 22 }),
        undefined,
        true,
      ),
      l1_bv: this.addWeight('l1_bv', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l1_wo: this.addWeight(
        'l1_wo',
        [32, 32],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 24 }),
        undefined,
        true,
      ),
      l1_bo: this.addWeight('l1_bo', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l1_ln1_g: this.addWeight('l1_ln1_g', [32], 'float32', tf.initializers.ones(), undefined, true),
      l1_ln1_b: this.addWeight('l1_ln1_b', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l1_ln2_g: this.addWeight('l1_ln2_g', [32], 'float32', tf.initializers.ones(), undefined, true),
      l1_ln2_b: this.addWeight('l1_ln2_b', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l1_mlp_w1: this.addWeight(
        'l1_mlp_w1',
        [32, 64],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 30 }),
        undefined,
        true,
      ),
      l1_mlp_b1: this.addWeight('l1_mlp_b1', [64], 'float32', tf.initializers.zeros(), undefined, true),
      l1_mlp_w2: this.addWeight(
        'l1_mlp_w2',
        [64, 32],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 32 }),
        undefined,
        true,
      ),
      l1_mlp_b2: this.addWeight('l1_mlp_b2', [32], 'float32', tf.initializers.zeros(), undefined, true),
      l1_karat_coef: this.addWeight(
        'l1_karat_coef',
        [4, 102, 12],
        'float32',
        tf.initializers.randomUniform({
          minval: -0.24253562503633294,
          maxval: 0.24253562503633294,
          seed: this.seed + 34,
        }),
        undefined,
        true,
      ),
      l1_karat_w: this.addWeight(
        'l1_karat_w',
        [4, 12, 17],
        'float32',
        tf.initializers.glorotUniform({ seed: this.seed + 35 }),
        undefined,
        true,
      ),
    };
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 17, 32];
  }

  // Traced for params { depth: 2, mlpDim: 64, norm: 'pre', numHeads: 4, keyDim: 8, useBias: true,
  // causal: false, attention: 'fourierKArAt', karatGrid: 3, karatRank: 12, karatBase: 'zero',
  // karatMode: 'blockwise' } and input shapes [null, 17, 32].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x0] = toList(inputs) as [tf.Tensor];
      const l0_wq = this.w.l0_wq.read();
      const l0_bq = this.w.l0_bq.read();
      const l0_wk = this.w.l0_wk.read();
      const l0_bk = this.w.l0_bk.read();
      const l0_wv = this.w.l0_wv.read();
      const l0_bv = this.w.l0_bv.read();
      const l0_wo = this.w.l0_wo.read();
      const l0_bo = this.w.l0_bo.read();
      const l0_ln1_g = this.w.l0_ln1_g.read();
      const l0_ln1_b = this.w.l0_ln1_b.read();
      const l0_ln2_g = this.w.l0_ln2_g.read();
      const l0_ln2_b = this.w.l0_ln2_b.read();
      const l0_mlp_w1 = this.w.l0_mlp_w1.read();
      const l0_mlp_b1 = this.w.l0_mlp_b1.read();
      const l0_mlp_w2 = this.w.l0_mlp_w2.read();
      const l0_mlp_b2 = this.w.l0_mlp_b2.read();
      const l0_karat_coef = this.w.l0_karat_coef.read();
      const l0_karat_w = this.w.l0_karat_w.read();
      const l1_wq = this.w.l1_wq.read();
      const l1_bq = this.w.l1_bq.read();
      const l1_wk = this.w.l1_wk.read();
      const l1_bk = this.w.l1_bk.read();
      const l1_wv = this.w.l1_wv.read();
      const l1_bv = this.w.l1_bv.read();
      const l1_wo = this.w.l1_wo.read();
      const l1_bo = this.w.l1_bo.read();
      const l1_ln1_g = this.w.l1_ln1_g.read();
      const l1_ln1_b = this.w.l1_ln1_b.read();
      const l1_ln2_g = this.w.l1_ln2_g.read();
      const l1_ln2_b = this.w.l1_ln2_b.read();
      const l1_mlp_w1 = this.w.l1_mlp_w1.read();
      const l1_mlp_b1 = this.w.l1_mlp_b1.read();
      const l1_mlp_w2 = this.w.l1_mlp_w2.read();
      const l1_mlp_b2 = this.w.l1_mlp_b2.read();
      const l1_karat_coef = this.w.l1_karat_coef.read();
      const l1_karat_w = this.w.l1_karat_w.read();
      const sub = tf.sub(x0, tf.mean(x0, [-1], true));
      const mul = tf.mul(sub, tf.rsqrt(tf.add(tf.mean(tf.square(sub), [-1], true), tf.scalar(0.00001))));
      const reshape = tf.reshape(tf.add(tf.mul(mul, l0_ln1_g), l0_ln1_b), [-1, 32]);
      const reshape2 = tf.reshape(tf.add(tf.matMul(reshape, l0_wq), l0_bq), [-1, 17, 4, 8]);
      const transpose = tf.transpose(reshape2, [0, 2, 1, 3]);
      const reshape3 = tf.reshape(tf.add(tf.matMul(reshape, l0_wk), l0_bk), [-1, 17, 4, 8]);
      const reshape4 = tf.reshape(tf.add(tf.matMul(reshape, l0_wv), l0_bv), [-1, 17, 4, 8]);
      const matMul = tf.matMul(transpose, tf.transpose(reshape3, [0, 2, 1, 3]), false, true);
      const constant = tf.tensor([1, 2, 3], [1, 1, 1, 1, 3], 'float32');
      const transpose2 = tf.transpose(tf.mul(matMul, tf.scalar(0.35355339059327373)), [1, 0, 2, 3]);
      const mul2 = tf.mul(tf.reshape(transpose2, [4, -1, 17, 17, 1]), constant);
      const reshape5 = tf.reshape(l0_karat_coef, [4, 17, 6, -1]);
      const reshape6 = tf.reshape(tf.slice(reshape5, [0, 0, 0, 0], [4, 17, 3, -1]), [4, 51, -1]);
      const matMul2 = tf.matMul(tf.reshape(tf.cos(mul2), [4, -1, 51]), reshape6);
      const reshape7 = tf.reshape(tf.slice(reshape5, [0, 0, 3, 0], [4, 17, 3, -1]), [4, 51, -1]);
      const add = tf.add(matMul2, tf.matMul(tf.reshape(tf.sin(mul2), [4, -1, 51]), reshape7));
      const transpose3 = tf.transpose(tf.reshape(tf.matMul(add, l0_karat_w), [4, -1, 17, 17]), [1, 0, 2, 3]);
      const matMul3 = tf.matMul(transpose3, tf.transpose(reshape4, [0, 2, 1, 3]));
      const matMul4 = tf.matMul(tf.reshape(tf.transpose(matMul3, [0, 2, 1, 3]), [-1, 32]), l0_wo);
      const add2 = tf.add(x0, tf.reshape(tf.add(matMul4, l0_bo), [-1, 17, 32]));
      const sub2 = tf.sub(add2, tf.mean(add2, [-1], true));
      const rsqrt = tf.rsqrt(tf.add(tf.mean(tf.square(sub2), [-1], true), tf.scalar(0.00001)));
      const reshape8 = tf.reshape(tf.add(tf.mul(tf.mul(sub2, rsqrt), l0_ln2_g), l0_ln2_b), [-1, 32]);
      const add3 = tf.add(tf.matMul(reshape8, l0_mlp_w1), l0_mlp_b1);
      const add4 = tf.add(tf.scalar(1), tf.erf(tf.mul(add3, tf.scalar(Math.SQRT1_2))));
      const add5 = tf.add(tf.matMul(tf.mul(tf.mul(add3, tf.scalar(0.5)), add4), l0_mlp_w2), l0_mlp_b2);
      const add6 = tf.add(add2, tf.reshape(add5, [-1, 17, 32]));
      const sub3 = tf.sub(add6, tf.mean(add6, [-1], true));
      const rsqrt2 = tf.rsqrt(tf.add(tf.mean(tf.square(sub3), [-1], true), tf.scalar(0.00001)));
      const reshape9 = tf.reshape(tf.add(tf.mul(tf.mul(sub3, rsqrt2), l1_ln1_g), l1_ln1_b), [-1, 32]);
      const reshape10 = tf.reshape(tf.add(tf.matMul(reshape9, l1_wq), l1_bq), [-1, 17, 4, 8]);
      const transpose4 = tf.transpose(reshape10, [0, 2, 1, 3]);
      const reshape11 = tf.reshape(tf.add(tf.matMul(reshape9, l1_wk), l1_bk), [-1, 17, 4, 8]);
      const reshape12 = tf.reshape(tf.add(tf.matMul(reshape9, l1_wv), l1_bv), [-1, 17, 4, 8]);
      const matMul5 = tf.matMul(transpose4, tf.transpose(reshape11, [0, 2, 1, 3]), false, true);
      const constant2 = tf.tensor([1, 2, 3], [1, 1, 1, 1, 3], 'float32');
      const transpose5 = tf.transpose(tf.mul(matMul5, tf.scalar(0.35355339059327373)), [1, 0, 2, 3]);
      const mul3 = tf.mul(tf.reshape(transpose5, [4, -1, 17, 17, 1]), constant2);
      const reshape13 = tf.reshape(l1_karat_coef, [4, 17, 6, -1]);
      const reshape14 = tf.reshape(tf.slice(reshape13, [0, 0, 0, 0], [4, 17, 3, -1]), [4, 51, -1]);
      const matMul6 = tf.matMul(tf.reshape(tf.cos(mul3), [4, -1, 51]), reshape14);
      const reshape15 = tf.reshape(tf.slice(reshape13, [0, 0, 3, 0], [4, 17, 3, -1]), [4, 51, -1]);
      const add7 = tf.add(matMul6, tf.matMul(tf.reshape(tf.sin(mul3), [4, -1, 51]), reshape15));
      const transpose6 = tf.transpose(tf.reshape(tf.matMul(add7, l1_karat_w), [4, -1, 17, 17]), [1, 0, 2, 3]);
      const matMul7 = tf.matMul(transpose6, tf.transpose(reshape12, [0, 2, 1, 3]));
      const matMul8 = tf.matMul(tf.reshape(tf.transpose(matMul7, [0, 2, 1, 3]), [-1, 32]), l1_wo);
      const add8 = tf.add(add6, tf.reshape(tf.add(matMul8, l1_bo), [-1, 17, 32]));
      const sub4 = tf.sub(add8, tf.mean(add8, [-1], true));
      const rsqrt3 = tf.rsqrt(tf.add(tf.mean(tf.square(sub4), [-1], true), tf.scalar(0.00001)));
      const reshape16 = tf.reshape(tf.add(tf.mul(tf.mul(sub4, rsqrt3), l1_ln2_g), l1_ln2_b), [-1, 32]);
      const add9 = tf.add(tf.matMul(reshape16, l1_mlp_w1), l1_mlp_b1);
      const add10 = tf.add(tf.scalar(1), tf.erf(tf.mul(add9, tf.scalar(Math.SQRT1_2))));
      const add11 = tf.add(tf.matMul(tf.mul(tf.mul(add9, tf.scalar(0.5)), add10), l1_mlp_w2), l1_mlp_b2);
      return tf.add(add8, tf.reshape(add11, [-1, 17, 32]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'attention.transformerEncoder',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(TransformerEncoder);

/**
 * Take token (attention.takeToken): y[b, :] = x[b, index, :]
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightAttentionTakeToken' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class TakeToken extends tf.layers.Layer {
  static className = 'NetwrightAttentionTakeToken';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 32];
  }

  // Traced for params { index: 0 } and input shapes [null, 17, 32].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      return tf.reshape(tf.slice(x, [0, 0, 0], [-1, 1, 32]), [-1, 32]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'attention.takeToken',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(TakeToken);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [28, 28, 1], name: 'input' });
  const patches = new PatchEmbedding({
    name: 'patches',
    params: { patchSize: 7, dim: 32 },
    seed: 1565660388,
  }).apply(input) as tf.SymbolicTensor;
  const cls = new ClassToken({ name: 'cls', params: {}, seed: 59788474 }).apply(patches) as tf.SymbolicTensor;
  const pos = new PositionalEmbedding({
    name: 'pos',
    params: { mode: 'learned' },
    seed: 1412662136,
  }).apply(cls) as tf.SymbolicTensor;
  const encoder = new TransformerEncoder({
    name: 'encoder',
    params: {
      depth: 2,
      mlpDim: 64,
      norm: 'pre',
      numHeads: 4,
      keyDim: 8,
      useBias: true,
      causal: false,
      attention: 'fourierKArAt',
      karatGrid: 3,
      karatRank: 12,
      karatBase: 'zero',
      karatMode: 'blockwise',
    },
    seed: 815407902,
  }).apply(pos) as tf.SymbolicTensor;
  // LayerNormalization: Jimmy Lei Ba, Jamie Ryan Kiros, Geoffrey E. Hinton (2016). Layer
  // Normalization. arXiv:1607.06450
  const norm = tf.layers
    .layerNormalization({ name: 'norm', axis: -1, epsilon: 0.001, center: true, scale: true })
    .apply(encoder) as tf.SymbolicTensor;
  const take_cls = new TakeToken({
    name: 'take_cls',
    params: { index: 0 },
    seed: 2318645356,
  }).apply(norm) as tf.SymbolicTensor;
  const head = tf.layers
    .dense({
      name: 'head',
      units: 10,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 845769394 }),
    })
    .apply(take_cls) as tf.SymbolicTensor;
  return tf.model({ inputs: [input], outputs: [head], name: 'Tiny_ViT_with_Fourier_KArAt_attention' });
}

/**
 * Sparse categorical cross-entropy (losses.sparseCategoricalCrossentropy): L = −mean_b log p_{b,
 * t_b}, log p = logSoftmax(z) when fromLogits, else log(clip(p / Σ_c p, ε, 1−ε))
 *
 * Traced for { fromLogits: true }.
 */
function sparseCategoricalCrossentropy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot(target, 10), tf.logSoftmax(pred)), [-1]))) as tf.Scalar;
}

/** Accuracy (metrics.accuracy): acc = mean_b [argmax_c p_bc = t_b] */
function accuracy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const cast = tf.cast(tf.reshape(target, [-1]), 'int32');
  return tf.mean(tf.cast(tf.equal(tf.argMax(pred, -1), cast), 'float32')) as tf.Scalar;
}

/** Training data: features [N, 28, 28, 1], and class indices [N] (int32). */
export interface TrainData {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 3). */
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

const STAGES: Stage[] = [{ name: 'train', epochs: 3, learningRate: 0.001 }];

/**
 * AdamW (learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7, weightDecay 0.004), a fresh one
 * per stage. train() applies its decoupled weight decay before each Adam step.
 *
 * Paper: Loshchilov, Hutter (2017). Decoupled Weight Decay Regularization. arXiv:1711.05101
 */
function makeOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
}

/** One batch through the model (training mode): the total loss, and each loss term and metric. */
type Batch = { total: tf.Scalar; values: Record<string, tf.Scalar> };

/** Runs the model on a batch and computes the loss and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Batch {
  const [head] = toList(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]) as [tf.Tensor];
  const loss = sparseCategoricalCrossentropy(head, y);
  return { total: loss, values: { loss, accuracy: accuracy(head, y) } };
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
 * Trains a model from buildModel() as the graph configures it: AdamW (learningRate 0.001, beta1
 * 0.9, beta2 0.999, epsilon 1e-7, weightDecay 0.004), batches of 64 in the order Netwright's
 * trainer uses for seed 1, 3 epochs. The graph trains on Netwright's 'mnist' dataset { trainSize:
 * 4000, valSize: 1000, flat: false }: pass the same data as tensors.
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
        // Decoupled weight decay (AdamW): w ← w·(1 − lr·λ), λ = 0.004, before the Adam step.
        tf.tidy(() => {
          for (const v of vars) v.assign(tf.mul(v, 1 - stage.learningRate * 0.004));
        });
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
