// NoProp-DT: blocks that learn to denoise labels (8×8 digits, T = 10): a tfjs model exported by
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

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * Class embedding (NoProp) (noprop.classEmbedding): W_emb = E + V (E_{c,j} = [c = j], V learned,
 * init 0); table[b] = W_emb ∈ R^{C×d}; u_y = W_emb[y]
 *
 * Paper: Li, Teh, Pascanu (2025). NoProp: Training Neural Networks without Back-propagation or
 * Forward-propagation. arXiv:2503.24322
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightNopropClassEmbedding' like the
 * Netwright app's class, so models the app saves load with this one.
 */
export class ClassEmbedding extends tf.layers.Layer {
  static className = 'NetwrightNopropClassEmbedding';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  private w!: { offset: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(): void {
    this.w = {
      offset: this.addWeight('offset', [10, 10], 'float32', tf.initializers.zeros(), undefined, true),
    };
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, 10, 10];
  }

  // Traced for params { numClasses: 10, dim: 10, learned: true } and input shapes [null, 64].
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x] = toList(inputs) as [tf.Tensor];
      const offset = this.w.offset.read();
      const constant = tf.tensor(
        [
          1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        ],
        [10, 10],
        'float32',
      );
      const add = tf.add(constant, offset);
      const mul = tf.mul(tf.scalar(0), tf.reshape(tf.mean(tf.clipByValue(x, -1, 1), [1]), [-1, 1, 1]));
      const reshape = tf.reshape(add, [1, 10, 10]);
      return tf.add(reshape, mul);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'noprop.classEmbedding',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(ClassEmbedding);

/**
 * NoProp latent z_t (noprop.latent): training: z_t = √ᾱ_t·u_y + √(1−ᾱ_t)·ε; inference: z_0 = ε, z_t
 * = a_t·û_t + b_t·z_{t−1} + √c_t·ε, û_t = p_t·W_emb, a_t = √ᾱ_t(1−α_{t−1})/(1−ᾱ_{t−1}), b_t =
 * √α_{t−1}(1−ᾱ_t)/(1−ᾱ_{t−1}), c_t = (1−ᾱ_t)(1−α_{t−1})/(1−ᾱ_{t−1}), α_{t−1} = ᾱ_{t−1}/ᾱ_t; ᾱ_t = 1
 * − f(t)/f(0), f(t) = cos²(((t/T + 0.008)/1.008)·π/2), ε ~ N(0, I)
 *
 * Paper: Li, Teh, Pascanu (2025). NoProp: Training Neural Networks without Back-propagation or
 * Forward-propagation. arXiv:2503.24322
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightNopropLatent' like the Netwright
 * app's class, so models the app saves load with this one.
 */
export class Latent extends tf.layers.Layer {
  static className = 'NetwrightNopropLatent';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"t":0,"steps":10,"stochastic":false},[[10,10],[1]]]',
    '[{"t":1,"steps":10,"stochastic":false},[[10,10],[1],[10],[10]]]',
    '[{"t":2,"steps":10,"stochastic":false},[[10,10],[1],[10],[10]]]',
    '[{"t":3,"steps":10,"stochastic":false},[[10,10],[1],[10],[10]]]',
    '[{"t":4,"steps":10,"stochastic":false},[[10,10],[1],[10],[10]]]',
    '[{"t":5,"steps":10,"stochastic":false},[[10,10],[1],[10],[10]]]',
    '[{"t":6,"steps":10,"stochastic":false},[[10,10],[1],[10],[10]]]',
    '[{"t":7,"steps":10,"stochastic":false},[[10,10],[1],[10],[10]]]',
    '[{"t":8,"steps":10,"stochastic":false},[[10,10],[1],[10],[10]]]',
    '[{"t":9,"steps":10,"stochastic":false},[[10,10],[1],[10],[10]]]',
    '[{"t":10,"steps":10,"stochastic":false},[[10,10],[1],[10],[10]]]',
  ];
  private variant = 0;
  // Random draws so far (dropout masks): each is seeded from seed and its number, as in the app.
  private draws = 0;

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(Latent.variants, this.params, inputShape, this.name);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 10],
      [null, 10],
      [null, 10],
      [null, 10],
      [null, 10],
      [null, 10],
      [null, 10],
      [null, 10],
      [null, 10],
      [null, 10],
      [null, 10],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { t: 0, steps: 10, stochastic: false } and input shapes [null, 10, 10], [null, 1]
        if (kwargs.training === true) {
          const [x0, x1] = toList(inputs) as [tf.Tensor, tf.Tensor];
          const mul = tf.mul(tf.reshape(oneHot(tf.reshape(x1, [-1]), 10), [x0.shape[0]!, 10, 1]), x0);
          const mul2 = tf.mul(tf.scalar(0.0031622776601683794), tf.sum(mul, [1]));
          const randomNormal = tf.randomNormal(
            [x0.shape[0]!, 10],
            0,
            1,
            'float32',
            (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
          );
          const mul3 = tf.mul(tf.scalar(0.9999949999875), randomNormal);
          return tf.add(mul2, mul3);
        }
        const [x0, x1] = toList(inputs) as [tf.Tensor, tf.Tensor];
        return tf.mul(tf.scalar(0), tf.sum(x0, [1]));
      }
      if (this.variant === 1) {
        // params { t: 1, steps: 10, stochastic: false } and input shapes [null, 10, 10], [null, 1],
        // [null, 10], [null, 10]
        if (kwargs.training === true) {
          const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const reshape = tf.reshape(oneHot(tf.reshape(labels, [-1]), 10), [table.shape[0]!, 10, 1]);
          const mul = tf.mul(tf.scalar(0.1670546703508494), tf.sum(tf.mul(reshape, table), [1]));
          const randomNormal = tf.randomNormal(
            [table.shape[0]!, 10],
            0,
            1,
            'float32',
            (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
          );
          const mul2 = tf.mul(tf.scalar(0.9859476340627675), randomNormal);
          return tf.add(mul, mul2);
        }
        const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const sum = tf.sum(tf.mul(tf.reshape(probs, [table.shape[0]!, 10, 1]), table), [1]);
        const mul = tf.mul(tf.scalar(0.1669964796725465), sum);
        return tf.add(mul, tf.mul(tf.scalar(0.01840150820273475), z));
      }
      if (this.variant === 2) {
        // params { t: 2, steps: 10, stochastic: false } and input shapes [null, 10, 10], [null, 1],
        // [null, 10], [null, 10]
        if (kwargs.training === true) {
          const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const reshape = tf.reshape(oneHot(tf.reshape(labels, [-1]), 10), [table.shape[0]!, 10, 1]);
          const mul = tf.mul(tf.scalar(0.3182673080925703), tf.sum(tf.mul(reshape, table), [1]));
          const randomNormal = tf.randomNormal(
            [table.shape[0]!, 10],
            0,
            1,
            'float32',
            (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
          );
          const mul2 = tf.mul(tf.scalar(0.9480010129738834), randomNormal);
          return tf.add(mul, mul2);
        }
        const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const sum = tf.sum(tf.mul(tf.reshape(probs, [table.shape[0]!, 10, 1]), table), [1]);
        return tf.add(tf.mul(tf.scalar(0.2372019851777065), sum), tf.mul(tf.scalar(0.4852622362763629), z));
      }
      if (this.variant === 3) {
        // params { t: 3, steps: 10, stochastic: false } and input shapes [null, 10, 10], [null, 1],
        // [null, 10], [null, 10]
        if (kwargs.training === true) {
          const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const reshape = tf.reshape(oneHot(tf.reshape(labels, [-1]), 10), [table.shape[0]!, 10, 1]);
          const mul = tf.mul(tf.scalar(0.4616161704805961), tf.sum(tf.mul(reshape, table), [1]));
          const randomNormal = tf.randomNormal(
            [table.shape[0]!, 10],
            0,
            1,
            'float32',
            (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
          );
          const mul2 = tf.mul(tf.scalar(0.8870797659460108), randomNormal);
          return tf.add(mul, mul2);
        }
        const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const sum = tf.sum(tf.mul(tf.reshape(probs, [table.shape[0]!, 10, 1]), table), [1]);
        return tf.add(tf.mul(tf.scalar(0.269479265077603), sum), tf.mul(tf.scalar(0.6036966427827667), z));
      }
      if (this.variant === 4) {
        // params { t: 4, steps: 10, stochastic: false } and input shapes [null, 10, 10], [null, 1],
        // [null, 10], [null, 10]
        if (kwargs.training === true) {
          const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const reshape = tf.reshape(oneHot(tf.reshape(labels, [-1]), 10), [table.shape[0]!, 10, 1]);
          const mul = tf.mul(tf.scalar(0.5937354535931775), tf.sum(tf.mul(reshape, table), [1]));
          const randomNormal = tf.randomNormal(
            [table.shape[0]!, 10],
            0,
            1,
            'float32',
            (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
          );
          const mul2 = tf.mul(tf.scalar(0.804660307922855), randomNormal);
          return tf.add(mul, mul2);
        }
        const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const sum = tf.sum(tf.mul(tf.reshape(probs, [table.shape[0]!, 10, 1]), table), [1]);
        return tf.add(tf.mul(tf.scalar(0.2984317751774054), sum), tf.mul(tf.scalar(0.6397169278284307), z));
      }
      if (this.variant === 5) {
        // params { t: 5, steps: 10, stochastic: false } and input shapes [null, 10, 10], [null, 1],
        // [null, 10], [null, 10]
        if (kwargs.training === true) {
          const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const reshape = tf.reshape(oneHot(tf.reshape(labels, [-1]), 10), [table.shape[0]!, 10, 1]);
          const mul = tf.mul(tf.scalar(0.7114467018402448), tf.sum(tf.mul(reshape, table), [1]));
          const randomNormal = tf.randomNormal(
            [table.shape[0]!, 10],
            0,
            1,
            'float32',
            (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
          );
          const mul2 = tf.mul(tf.scalar(0.7027400589411691), randomNormal);
          return tf.add(mul, mul2);
        }
        const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const sum = tf.sum(tf.mul(tf.reshape(probs, [table.shape[0]!, 10, 1]), table), [1]);
        return tf.add(tf.mul(tf.scalar(0.3335197556988692), sum), tf.mul(tf.scalar(0.6365241352090926), z));
      }
      if (this.variant === 6) {
        // params { t: 6, steps: 10, stochastic: false } and input shapes [null, 10, 10], [null, 1],
        // [null, 10], [null, 10]
        if (kwargs.training === true) {
          const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const reshape = tf.reshape(oneHot(tf.reshape(labels, [-1]), 10), [table.shape[0]!, 10, 1]);
          const mul = tf.mul(tf.scalar(0.8119053887249893), tf.sum(tf.mul(reshape, table), [1]));
          const randomNormal = tf.randomNormal(
            [table.shape[0]!, 10],
            0,
            1,
            'float32',
            (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
          );
          const mul2 = tf.mul(tf.scalar(0.5837890370324919), randomNormal);
          return tf.add(mul, mul2);
        }
        const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const sum = tf.sum(tf.mul(tf.reshape(probs, [table.shape[0]!, 10, 1]), table), [1]);
        const mul = tf.mul(tf.scalar(0.38167432364897974), sum);
        return tf.add(mul, tf.mul(tf.scalar(0.6047270497750058), z));
      }
      if (this.variant === 7) {
        // params { t: 7, steps: 10, stochastic: false } and input shapes [null, 10, 10], [null, 1],
        // [null, 10], [null, 10]
        if (kwargs.training === true) {
          const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const reshape = tf.reshape(oneHot(tf.reshape(labels, [-1]), 10), [table.shape[0]!, 10, 1]);
          const mul = tf.mul(tf.scalar(0.8926805284544199), tf.sum(tf.mul(reshape, table), [1]));
          const randomNormal = tf.randomNormal(
            [table.shape[0]!, 10],
            0,
            1,
            'float32',
            (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
          );
          const mul2 = tf.mul(tf.scalar(0.45068999780152386), randomNormal);
          return tf.add(mul, mul2);
        }
        const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const sum = tf.sum(tf.mul(tf.reshape(probs, [table.shape[0]!, 10, 1]), table), [1]);
        return tf.add(tf.mul(tf.scalar(0.4525730428322028), sum), tf.mul(tf.scalar(0.5420674523584071), z));
      }
      if (this.variant === 8) {
        // params { t: 8, steps: 10, stochastic: false } and input shapes [null, 10, 10], [null, 1],
        // [null, 10], [null, 10]
        if (kwargs.training === true) {
          const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const reshape = tf.reshape(oneHot(tf.reshape(labels, [-1]), 10), [table.shape[0]!, 10, 1]);
          const mul = tf.mul(tf.scalar(0.9518163621851361), tf.sum(tf.mul(reshape, table), [1]));
          const randomNormal = tf.randomNormal(
            [table.shape[0]!, 10],
            0,
            1,
            'float32',
            (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
          );
          const mul2 = tf.mul(tf.scalar(0.3066685713871798), randomNormal);
          return tf.add(mul, mul2);
        }
        const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const sum = tf.sum(tf.mul(tf.reshape(probs, [table.shape[0]!, 10, 1]), table), [1]);
        const mul = tf.mul(tf.scalar(0.5641825450552979), sum);
        return tf.add(mul, tf.mul(tf.scalar(0.43423577055162643), z));
      }
      if (this.variant === 9) {
        // params { t: 9, steps: 10, stochastic: false } and input shapes [null, 10, 10], [null, 1],
        // [null, 10], [null, 10]
        if (kwargs.training === true) {
          const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const reshape = tf.reshape(oneHot(tf.reshape(labels, [-1]), 10), [table.shape[0]!, 10, 1]);
          const mul = tf.mul(tf.scalar(0.9878806992040658), tf.sum(tf.mul(reshape, table), [1]));
          const randomNormal = tf.randomNormal(
            [table.shape[0]!, 10],
            0,
            1,
            'float32',
            (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
          );
          const mul2 = tf.mul(tf.scalar(0.15521508992390484), randomNormal);
          return tf.add(mul, mul2);
        }
        const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const sum = tf.sum(tf.mul(tf.reshape(probs, [table.shape[0]!, 10, 1]), table), [1]);
        const mul = tf.mul(tf.scalar(0.7529546507940976), sum);
        return tf.add(mul, tf.mul(tf.scalar(0.24681866980163636), z));
      }
      // params { t: 10, steps: 10, stochastic: false } and input shapes [null, 10, 10], [null, 1],
      // [null, 10], [null, 10]
      if (kwargs.training === true) {
        const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const reshape = tf.reshape(oneHot(tf.reshape(labels, [-1]), 10), [table.shape[0]!, 10, 1]);
        const mul = tf.mul(tf.scalar(0.9999949999875), tf.sum(tf.mul(reshape, table), [1]));
        const randomNormal = tf.randomNormal(
          [table.shape[0]!, 10],
          0,
          1,
          'float32',
          (this.seed + Math.imul(++this.draws, 0x9e3779b9)) >>> 0,
        );
        const mul2 = tf.mul(tf.scalar(0.0031622776601611833), randomNormal);
        return tf.add(mul, mul2);
      }
      const [table, labels, probs, z] = toList(inputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const sum = tf.sum(tf.mul(tf.reshape(probs, [table.shape[0]!, 10, 1]), table), [1]);
      const mul = tf.mul(tf.scalar(0.00041005186382504826), z);
      return tf.add(tf.mul(tf.scalar(0.9995899176655528), sum), mul);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'noprop.latent',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(Latent);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [64], name: 'input' });
  const labels = tf.input({ shape: [1], dtype: 'int32', name: 'labels' });
  const embedding = new ClassEmbedding({
    name: 'embedding',
    params: { numClasses: 10, dim: 10, learned: true },
    seed: 3454391521,
  }).apply(input) as tf.SymbolicTensor;
  const z0 = new Latent({
    name: 'z0',
    params: { t: 0, steps: 10, stochastic: false },
    seed: 493338390,
  }).apply([embedding, labels]) as tf.SymbolicTensor;
  const block1__image = tf.layers
    .dense({
      name: 'block1__image',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1682785195 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const block1__latent = tf.layers
    .dense({
      name: 'block1__latent',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3608552096 }),
    })
    .apply(z0) as tf.SymbolicTensor;
  const block1__join = tf.layers
    .concatenate({ name: 'block1__join', axis: 1 })
    .apply([block1__image, block1__latent]) as tf.SymbolicTensor;
  const block1__hidden = tf.layers
    .dense({
      name: 'block1__hidden',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 176526710 }),
    })
    .apply(block1__join) as tf.SymbolicTensor;
  const block1__probs = tf.layers
    .dense({
      name: 'block1__probs',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1403231860 }),
    })
    .apply(block1__hidden) as tf.SymbolicTensor;
  const z1 = new Latent({
    name: 'z1',
    params: { t: 1, steps: 10, stochastic: false },
    seed: 476560771,
  }).apply([embedding, labels, block1__probs, z0]) as tf.SymbolicTensor;
  const block2__image = tf.layers
    .dense({
      name: 'block2__image',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4009059418 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const block2__latent = tf.layers
    .dense({
      name: 'block2__latent',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 793344359 }),
    })
    .apply(z1) as tf.SymbolicTensor;
  const block2__join = tf.layers
    .concatenate({ name: 'block2__join', axis: 1 })
    .apply([block2__image, block2__latent]) as tf.SymbolicTensor;
  const block2__hidden = tf.layers
    .dense({
      name: 'block2__hidden',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4214519549 }),
    })
    .apply(block2__join) as tf.SymbolicTensor;
  const block2__probs = tf.layers
    .dense({
      name: 'block2__probs',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3190535577 }),
    })
    .apply(block2__hidden) as tf.SymbolicTensor;
  const z2 = new Latent({
    name: 'z2',
    params: { t: 2, steps: 10, stochastic: false },
    seed: 526893628,
  }).apply([embedding, labels, block2__probs, z1]) as tf.SymbolicTensor;
  const block3__image = tf.layers
    .dense({
      name: 'block3__image',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4290940853 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const block3__latent = tf.layers
    .dense({
      name: 'block3__latent',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1577315198 }),
    })
    .apply(z2) as tf.SymbolicTensor;
  const block3__join = tf.layers
    .concatenate({ name: 'block3__join', axis: 1 })
    .apply([block3__image, block3__latent]) as tf.SymbolicTensor;
  const block3__hidden = tf.layers
    .dense({
      name: 'block3__hidden',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2143880148 }),
    })
    .apply(block3__join) as tf.SymbolicTensor;
  const block3__probs = tf.layers
    .dense({
      name: 'block3__probs',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 27391154 }),
    })
    .apply(block3__hidden) as tf.SymbolicTensor;
  const z3 = new Latent({
    name: 'z3',
    params: { t: 3, steps: 10, stochastic: false },
    seed: 510116009,
  }).apply([embedding, labels, block3__probs, z2]) as tf.SymbolicTensor;
  const block4__image = tf.layers
    .dense({
      name: 'block4__image',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1565483716 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const block4__latent = tf.layers
    .dense({
      name: 'block4__latent',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3712409789 }),
    })
    .apply(z3) as tf.SymbolicTensor;
  const block4__join = tf.layers
    .concatenate({ name: 'block4__join', axis: 1 })
    .apply([block4__image, block4__latent]) as tf.SymbolicTensor;
  const block4__hidden = tf.layers
    .dense({
      name: 'block4__hidden',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 900412587 }),
    })
    .apply(block4__join) as tf.SymbolicTensor;
  const block4__probs = tf.layers
    .dense({
      name: 'block4__probs',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2663169439 }),
    })
    .apply(block4__hidden) as tf.SymbolicTensor;
  const z4 = new Latent({
    name: 'z4',
    params: { t: 4, steps: 10, stochastic: false },
    seed: 426227914,
  }).apply([embedding, labels, block4__probs, z3]) as tf.SymbolicTensor;
  const block5__image = tf.layers
    .dense({
      name: 'block5__image',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2828626263 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const block5__latent = tf.layers
    .dense({
      name: 'block5__latent',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1923396020 }),
    })
    .apply(z4) as tf.SymbolicTensor;
  const block5__join = tf.layers
    .concatenate({ name: 'block5__join', axis: 1 })
    .apply([block5__image, block5__latent]) as tf.SymbolicTensor;
  const block5__hidden = tf.layers
    .dense({
      name: 'block5__hidden',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3089234594 }),
    })
    .apply(block5__join) as tf.SymbolicTensor;
  const block5__probs = tf.layers
    .dense({
      name: 'block5__probs',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2079007888 }),
    })
    .apply(block5__hidden) as tf.SymbolicTensor;
  const z5 = new Latent({
    name: 'z5',
    params: { t: 5, steps: 10, stochastic: false },
    seed: 409450295,
  }).apply([embedding, labels, block5__probs, z4]) as tf.SymbolicTensor;
  const block6__image = tf.layers
    .dense({
      name: 'block6__image',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1609299142 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const block6__latent = tf.layers
    .dense({
      name: 'block6__latent',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4249768123 }),
    })
    .apply(z5) as tf.SymbolicTensor;
  const block6__join = tf.layers
    .concatenate({ name: 'block6__join', axis: 1 })
    .apply([block6__image, block6__latent]) as tf.SymbolicTensor;
  const block6__hidden = tf.layers
    .dense({
      name: 'block6__hidden',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2908876521 }),
    })
    .apply(block6__join) as tf.SymbolicTensor;
  const block6__probs = tf.layers
    .dense({
      name: 'block6__probs',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4088349749 }),
    })
    .apply(block6__hidden) as tf.SymbolicTensor;
  const z6 = new Latent({
    name: 'z6',
    params: { t: 6, steps: 10, stochastic: false },
    seed: 459783152,
  }).apply([embedding, labels, block6__probs, z5]) as tf.SymbolicTensor;
  const block7__image = tf.layers
    .dense({
      name: 'block7__image',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1177229969 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const block7__latent = tf.layers
    .dense({
      name: 'block7__latent',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4056787730 }),
    })
    .apply(z6) as tf.SymbolicTensor;
  const block7__join = tf.layers
    .concatenate({ name: 'block7__join', axis: 1 })
    .apply([block7__image, block7__latent]) as tf.SymbolicTensor;
  const block7__hidden = tf.layers
    .dense({
      name: 'block7__hidden',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3482392144 }),
    })
    .apply(block7__join) as tf.SymbolicTensor;
  const block7__probs = tf.layers
    .dense({
      name: 'block7__probs',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 735485838 }),
    })
    .apply(block7__hidden) as tf.SymbolicTensor;
  const z7 = new Latent({
    name: 'z7',
    params: { t: 7, steps: 10, stochastic: false },
    seed: 443005533,
  }).apply([embedding, labels, block7__probs, z6]) as tf.SymbolicTensor;
  const block8__image = tf.layers
    .dense({
      name: 'block8__image',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2139227536 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const block8__latent = tf.layers
    .dense({
      name: 'block8__latent',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 749731697 }),
    })
    .apply(z7) as tf.SymbolicTensor;
  const block8__join = tf.layers
    .concatenate({ name: 'block8__join', axis: 1 })
    .apply([block8__image, block8__latent]) as tf.SymbolicTensor;
  const block8__hidden = tf.layers
    .dense({
      name: 'block8__hidden',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1786731559 }),
    })
    .apply(block8__join) as tf.SymbolicTensor;
  const block8__probs = tf.layers
    .dense({
      name: 'block8__probs',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1257426043 }),
    })
    .apply(block8__hidden) as tf.SymbolicTensor;
  const z8 = new Latent({
    name: 'z8',
    params: { t: 8, steps: 10, stochastic: false },
    seed: 359117438,
  }).apply([embedding, labels, block8__probs, z7]) as tf.SymbolicTensor;
  const block9__image = tf.layers
    .dense({
      name: 'block9__image',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1302713171 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const block9__latent = tf.layers
    .dense({
      name: 'block9__latent',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2228178904 }),
    })
    .apply(z8) as tf.SymbolicTensor;
  const block9__join = tf.layers
    .concatenate({ name: 'block9__join', axis: 1 })
    .apply([block9__image, block9__latent]) as tf.SymbolicTensor;
  const block9__hidden = tf.layers
    .dense({
      name: 'block9__hidden',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2736057598 }),
    })
    .apply(block9__join) as tf.SymbolicTensor;
  const block9__probs = tf.layers
    .dense({
      name: 'block9__probs',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1174156716 }),
    })
    .apply(block9__hidden) as tf.SymbolicTensor;
  const z9 = new Latent({
    name: 'z9',
    params: { t: 9, steps: 10, stochastic: false },
    seed: 342339819,
  }).apply([embedding, labels, block9__probs, z8]) as tf.SymbolicTensor;
  const block10__image = tf.layers
    .dense({
      name: 'block10__image',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 465605533 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const block10__latent = tf.layers
    .dense({
      name: 'block10__latent',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2512668918 }),
    })
    .apply(z9) as tf.SymbolicTensor;
  const block10__join = tf.layers
    .concatenate({ name: 'block10__join', axis: 1 })
    .apply([block10__image, block10__latent]) as tf.SymbolicTensor;
  const block10__hidden = tf.layers
    .dense({
      name: 'block10__hidden',
      units: 64,
      activation: 'relu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 49616124 }),
    })
    .apply(block10__join) as tf.SymbolicTensor;
  const block10__probs = tf.layers
    .dense({
      name: 'block10__probs',
      units: 10,
      activation: 'softmax',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1787995626 }),
    })
    .apply(block10__hidden) as tf.SymbolicTensor;
  const z10 = new Latent({
    name: 'z10',
    params: { t: 10, steps: 10, stochastic: false },
    seed: 1528748827,
  }).apply([embedding, labels, block10__probs, z9]) as tf.SymbolicTensor;
  const head = tf.layers
    .dense({
      name: 'head',
      units: 10,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 845769394 }),
    })
    .apply(z10) as tf.SymbolicTensor;
  const output = tf.layers
    .activation({ name: 'output', activation: 'linear' })
    .apply(head) as tf.SymbolicTensor;
  return tf.model({
    inputs: [input, labels],
    outputs: [
      embedding,
      block1__probs,
      block2__probs,
      block3__probs,
      block4__probs,
      block5__probs,
      block6__probs,
      block7__probs,
      block8__probs,
      block9__probs,
      block10__probs,
      output,
    ],
    name: 'NoProp_DT_blocks_that_learn_to_denoise_labels_8_8_digits_T_1',
  });
}

/**
 * NoProp KL term (losses.nopropKl): t ≥ 1: L_t = ½·T·η·(SNR(t) − SNR(t−1))·mean_b ‖p_t·W_emb −
 * u_y‖², SNR(t) = ᾱ_t/(1−ᾱ_t) (≤ 100); t = 0: L_0 = ½·mean_b(ᾱ_0‖u_y‖² − d·ᾱ_0 − d·log(1 − ᾱ_0))
 *
 * Paper: Li, Teh, Pascanu (2025). NoProp: Training Neural Networks without Back-propagation or
 * Forward-propagation. arXiv:2503.24322
 *
 * Traced for { t: 0, steps: 10, eta: 0.1 }.
 */
function nopropKlKl0(table: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const mul = tf.mul(tf.reshape(oneHot(tf.reshape(target, [-1]), 10), [table.shape[0]!, 10, 1]), table);
  const mul2 = tf.mul(tf.scalar(0.00001), tf.sum(tf.square(tf.sum(mul, [1])), [-1]));
  return tf.mul(tf.scalar(0.5), tf.mean(tf.add(mul2, tf.scalar(5.000028782393799e-10)))) as tf.Scalar;
}

/**
 * NoProp KL term (losses.nopropKl): t ≥ 1: L_t = ½·T·η·(SNR(t) − SNR(t−1))·mean_b ‖p_t·W_emb −
 * u_y‖², SNR(t) = ᾱ_t/(1−ᾱ_t) (≤ 100); t = 0: L_0 = ½·mean_b(ᾱ_0‖u_y‖² − d·ᾱ_0 − d·log(1 − ᾱ_0))
 *
 * Paper: Li, Teh, Pascanu (2025). NoProp: Training Neural Networks without Back-propagation or
 * Forward-propagation. arXiv:2503.24322
 *
 * Traced for { t: 1, steps: 10, eta: 0.1 }.
 */
function nopropKlKl1(probs: tf.Tensor, table: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const mul = tf.mul(tf.reshape(oneHot(tf.reshape(target, [-1]), 10), [probs.shape[0]!, 10, 1]), table);
  const sum = tf.sum(tf.mul(tf.reshape(probs, [probs.shape[0]!, 10, 1]), table), [1]);
  const mean = tf.mean(tf.sum(tf.square(tf.sub(sum, tf.sum(mul, [1]))), [-1]));
  return tf.mul(tf.scalar(0.014349218339123771), mean) as tf.Scalar;
}

/**
 * NoProp KL term (losses.nopropKl): t ≥ 1: L_t = ½·T·η·(SNR(t) − SNR(t−1))·mean_b ‖p_t·W_emb −
 * u_y‖², SNR(t) = ᾱ_t/(1−ᾱ_t) (≤ 100); t = 0: L_0 = ½·mean_b(ᾱ_0‖u_y‖² − d·ᾱ_0 − d·log(1 − ᾱ_0))
 *
 * Paper: Li, Teh, Pascanu (2025). NoProp: Training Neural Networks without Back-propagation or
 * Forward-propagation. arXiv:2503.24322
 *
 * Traced for { t: 2, steps: 10, eta: 0.1 }.
 */
function nopropKlKl2(probs: tf.Tensor, table: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const mul = tf.mul(tf.reshape(oneHot(tf.reshape(target, [-1]), 10), [probs.shape[0]!, 10, 1]), table);
  const sum = tf.sum(tf.mul(tf.reshape(probs, [probs.shape[0]!, 10, 1]), table), [1]);
  const mean = tf.mean(tf.sum(tf.square(tf.sub(sum, tf.sum(mul, [1]))), [-1]));
  return tf.mul(tf.scalar(0.0420013018532036), mean) as tf.Scalar;
}

/**
 * NoProp KL term (losses.nopropKl): t ≥ 1: L_t = ½·T·η·(SNR(t) − SNR(t−1))·mean_b ‖p_t·W_emb −
 * u_y‖², SNR(t) = ᾱ_t/(1−ᾱ_t) (≤ 100); t = 0: L_0 = ½·mean_b(ᾱ_0‖u_y‖² − d·ᾱ_0 − d·log(1 − ᾱ_0))
 *
 * Paper: Li, Teh, Pascanu (2025). NoProp: Training Neural Networks without Back-propagation or
 * Forward-propagation. arXiv:2503.24322
 *
 * Traced for { t: 3, steps: 10, eta: 0.1 }.
 */
function nopropKlKl3(probs: tf.Tensor, table: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const mul = tf.mul(tf.reshape(oneHot(tf.reshape(target, [-1]), 10), [probs.shape[0]!, 10, 1]), table);
  const sum = tf.sum(tf.mul(tf.reshape(probs, [probs.shape[0]!, 10, 1]), table), [1]);
  const mean = tf.mean(tf.sum(tf.square(tf.sub(sum, tf.sum(mul, [1]))), [-1]));
  return tf.mul(tf.scalar(0.07904074517134338), mean) as tf.Scalar;
}

/**
 * NoProp KL term (losses.nopropKl): t ≥ 1: L_t = ½·T·η·(SNR(t) − SNR(t−1))·mean_b ‖p_t·W_emb −
 * u_y‖², SNR(t) = ᾱ_t/(1−ᾱ_t) (≤ 100); t = 0: L_0 = ½·mean_b(ᾱ_0‖u_y‖² − d·ᾱ_0 − d·log(1 − ᾱ_0))
 *
 * Paper: Li, Teh, Pascanu (2025). NoProp: Training Neural Networks without Back-propagation or
 * Forward-propagation. arXiv:2503.24322
 *
 * Traced for { t: 4, steps: 10, eta: 0.1 }.
 */
function nopropKlKl4(probs: tf.Tensor, table: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const mul = tf.mul(tf.reshape(oneHot(tf.reshape(target, [-1]), 10), [probs.shape[0]!, 10, 1]), table);
  const sum = tf.sum(tf.mul(tf.reshape(probs, [probs.shape[0]!, 10, 1]), table), [1]);
  const mean = tf.mean(tf.sum(tf.square(tf.sub(sum, tf.sum(mul, [1]))), [-1]));
  return tf.mul(tf.scalar(0.13683049278818246), mean) as tf.Scalar;
}

/**
 * NoProp KL term (losses.nopropKl): t ≥ 1: L_t = ½·T·η·(SNR(t) − SNR(t−1))·mean_b ‖p_t·W_emb −
 * u_y‖², SNR(t) = ᾱ_t/(1−ᾱ_t) (≤ 100); t = 0: L_0 = ½·mean_b(ᾱ_0‖u_y‖² − d·ᾱ_0 − d·log(1 − ᾱ_0))
 *
 * Paper: Li, Teh, Pascanu (2025). NoProp: Training Neural Networks without Back-propagation or
 * Forward-propagation. arXiv:2503.24322
 *
 * Traced for { t: 5, steps: 10, eta: 0.1 }.
 */
function nopropKlKl5(probs: tf.Tensor, table: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const mul = tf.mul(tf.reshape(oneHot(tf.reshape(target, [-1]), 10), [probs.shape[0]!, 10, 1]), table);
  const sum = tf.sum(tf.mul(tf.reshape(probs, [probs.shape[0]!, 10, 1]), table), [1]);
  const mean = tf.mean(tf.sum(tf.square(tf.sub(sum, tf.sum(mul, [1]))), [-1]));
  return tf.mul(tf.scalar(0.2402395563935612), mean) as tf.Scalar;
}

/**
 * NoProp KL term (losses.nopropKl): t ≥ 1: L_t = ½·T·η·(SNR(t) − SNR(t−1))·mean_b ‖p_t·W_emb −
 * u_y‖², SNR(t) = ᾱ_t/(1−ᾱ_t) (≤ 100); t = 0: L_0 = ½·mean_b(ᾱ_0‖u_y‖² − d·ᾱ_0 − d·log(1 − ᾱ_0))
 *
 * Paper: Li, Teh, Pascanu (2025). NoProp: Training Neural Networks without Back-propagation or
 * Forward-propagation. arXiv:2503.24322
 *
 * Traced for { t: 6, steps: 10, eta: 0.1 }.
 */
function nopropKlKl6(probs: tf.Tensor, table: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const mul = tf.mul(tf.reshape(oneHot(tf.reshape(target, [-1]), 10), [probs.shape[0]!, 10, 1]), table);
  const sum = tf.sum(tf.mul(tf.reshape(probs, [probs.shape[0]!, 10, 1]), table), [1]);
  const mean = tf.mean(tf.sum(tf.square(tf.sub(sum, tf.sum(mul, [1]))), [-1]));
  return tf.mul(tf.scalar(0.4546283378712651), mean) as tf.Scalar;
}

/**
 * NoProp KL term (losses.nopropKl): t ≥ 1: L_t = ½·T·η·(SNR(t) − SNR(t−1))·mean_b ‖p_t·W_emb −
 * u_y‖², SNR(t) = ᾱ_t/(1−ᾱ_t) (≤ 100); t = 0: L_0 = ½·mean_b(ᾱ_0‖u_y‖² − d·ᾱ_0 − d·log(1 − ᾱ_0))
 *
 * Paper: Li, Teh, Pascanu (2025). NoProp: Training Neural Networks without Back-propagation or
 * Forward-propagation. arXiv:2503.24322
 *
 * Traced for { t: 7, steps: 10, eta: 0.1 }.
 */
function nopropKlKl7(probs: tf.Tensor, table: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const mul = tf.mul(tf.reshape(oneHot(tf.reshape(target, [-1]), 10), [probs.shape[0]!, 10, 1]), table);
  const sum = tf.sum(tf.mul(tf.reshape(probs, [probs.shape[0]!, 10, 1]), table), [1]);
  const mean = tf.mean(tf.sum(tf.square(tf.sub(sum, tf.sum(mul, [1]))), [-1]));
  return tf.mul(tf.scalar(0.9944865376575233), mean) as tf.Scalar;
}

/**
 * NoProp KL term (losses.nopropKl): t ≥ 1: L_t = ½·T·η·(SNR(t) − SNR(t−1))·mean_b ‖p_t·W_emb −
 * u_y‖², SNR(t) = ᾱ_t/(1−ᾱ_t) (≤ 100); t = 0: L_0 = ½·mean_b(ᾱ_0‖u_y‖² − d·ᾱ_0 − d·log(1 − ᾱ_0))
 *
 * Paper: Li, Teh, Pascanu (2025). NoProp: Training Neural Networks without Back-propagation or
 * Forward-propagation. arXiv:2503.24322
 *
 * Traced for { t: 8, steps: 10, eta: 0.1 }.
 */
function nopropKlKl8(probs: tf.Tensor, table: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const mul = tf.mul(tf.reshape(oneHot(tf.reshape(target, [-1]), 10), [probs.shape[0]!, 10, 1]), table);
  const sum = tf.sum(tf.mul(tf.reshape(probs, [probs.shape[0]!, 10, 1]), table), [1]);
  const mean = tf.mean(tf.sum(tf.square(tf.sub(sum, tf.sum(mul, [1]))), [-1]));
  return tf.mul(tf.scalar(2.8549879274495478), mean) as tf.Scalar;
}

/**
 * NoProp KL term (losses.nopropKl): t ≥ 1: L_t = ½·T·η·(SNR(t) − SNR(t−1))·mean_b ‖p_t·W_emb −
 * u_y‖², SNR(t) = ᾱ_t/(1−ᾱ_t) (≤ 100); t = 0: L_0 = ½·mean_b(ᾱ_0‖u_y‖² − d·ᾱ_0 − d·log(1 − ᾱ_0))
 *
 * Paper: Li, Teh, Pascanu (2025). NoProp: Training Neural Networks without Back-propagation or
 * Forward-propagation. arXiv:2503.24322
 *
 * Traced for { t: 9, steps: 10, eta: 0.1 }.
 */
function nopropKlKl9(probs: tf.Tensor, table: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const mul = tf.mul(tf.reshape(oneHot(tf.reshape(target, [-1]), 10), [probs.shape[0]!, 10, 1]), table);
  const sum = tf.sum(tf.mul(tf.reshape(probs, [probs.shape[0]!, 10, 1]), table), [1]);
  const mean = tf.mean(tf.sum(tf.square(tf.sub(sum, tf.sum(mul, [1]))), [-1]));
  return tf.mul(tf.scalar(15.437445708955716), mean) as tf.Scalar;
}

/**
 * NoProp KL term (losses.nopropKl): t ≥ 1: L_t = ½·T·η·(SNR(t) − SNR(t−1))·mean_b ‖p_t·W_emb −
 * u_y‖², SNR(t) = ᾱ_t/(1−ᾱ_t) (≤ 100); t = 0: L_0 = ½·mean_b(ᾱ_0‖u_y‖² − d·ᾱ_0 − d·log(1 − ᾱ_0))
 *
 * Paper: Li, Teh, Pascanu (2025). NoProp: Training Neural Networks without Back-propagation or
 * Forward-propagation. arXiv:2503.24322
 *
 * Traced for { t: 10, steps: 10, eta: 0.1 }.
 */
function nopropKlKl10(probs: tf.Tensor, table: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const mul = tf.mul(tf.reshape(oneHot(tf.reshape(target, [-1]), 10), [probs.shape[0]!, 10, 1]), table);
  const sum = tf.sum(tf.mul(tf.reshape(probs, [probs.shape[0]!, 10, 1]), table), [1]);
  const mean = tf.mean(tf.sum(tf.square(tf.sub(sum, tf.sum(mul, [1]))), [-1]));
  return tf.mul(tf.scalar(29.745985173470533), mean) as tf.Scalar;
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

/**
 * Training data: features [N, 64] and [N, 1] (the dataset's labels), one tensor per model input,
 * and class indices [N] (int32).
 */
export interface TrainData {
  x: tf.Tensor[];
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 20). */
  epochs?: number;
  /** Default 32. */
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

const STAGES: Stage[] = [{ name: 'train', epochs: 20, learningRate: 0.003 }];

/**
 * AdamW (learningRate 0.003, beta1 0.9, beta2 0.999, epsilon 1e-7, weightDecay 0.001), a fresh one
 * per stage. train() applies its decoupled weight decay before each Adam step.
 *
 * Paper: Loshchilov, Hutter (2017). Decoupled Weight Decay Regularization. arXiv:1711.05101
 */
function makeOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
}

/** One batch through the model (training mode): the total loss, and each loss term and metric. */
type Batch = { total: tf.Scalar; values: Record<string, tf.Scalar> };

/**
 * Runs the model on a batch and computes the loss kl0 + kl1 + kl2 + kl3 + kl4 + kl5 + kl6 + kl7 +
 * kl8 + kl9 + kl10 + ce and the metrics.
 */
function objective(model: tf.LayersModel, x: tf.Tensor[], y: tf.Tensor): Batch {
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [embedding, block1__probs, block2__probs, block3__probs, block4__probs, block5__probs, block6__probs, block7__probs, block8__probs, block9__probs, block10__probs, output] = toList(outputs) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const kl0 = nopropKlKl0(embedding, y);
  const kl1 = nopropKlKl1(block1__probs, embedding, y);
  const kl2 = nopropKlKl2(block2__probs, embedding, y);
  const kl3 = nopropKlKl3(block3__probs, embedding, y);
  const kl4 = nopropKlKl4(block4__probs, embedding, y);
  const kl5 = nopropKlKl5(block5__probs, embedding, y);
  const kl6 = nopropKlKl6(block6__probs, embedding, y);
  const kl7 = nopropKlKl7(block7__probs, embedding, y);
  const kl8 = nopropKlKl8(block8__probs, embedding, y);
  const kl9 = nopropKlKl9(block9__probs, embedding, y);
  const kl10 = nopropKlKl10(block10__probs, embedding, y);
  const ce = sparseCategoricalCrossentropy(output, y);
  let total: tf.Tensor = kl0;
  total = tf.add(total, kl1);
  total = tf.add(total, kl2);
  total = tf.add(total, kl3);
  total = tf.add(total, kl4);
  total = tf.add(total, kl5);
  total = tf.add(total, kl6);
  total = tf.add(total, kl7);
  total = tf.add(total, kl8);
  total = tf.add(total, kl9);
  total = tf.add(total, kl10);
  total = tf.add(total, ce);
  return {
    total: total as tf.Scalar,
    values: { kl0, kl1, kl2, kl3, kl4, kl5, kl6, kl7, kl8, kl9, kl10, ce, accuracy: accuracy(output, y) },
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
 * Trains a model from buildModel() as the graph configures it: AdamW (learningRate 0.003, beta1
 * 0.9, beta2 0.999, epsilon 1e-7, weightDecay 0.001), batches of 32 in the order Netwright's
 * trainer uses for seed 1, 20 epochs. The graph trains on Netwright's 'digits8' dataset { flat:
 * true }: pass the same data as tensors.
 *
 * Resolves to a report per epoch; a non-finite loss stops training with an error.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  opts: TrainOptions = {},
): Promise<EpochReport[]> {
  const batchSize = opts.batchSize ?? 32;
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
        // Decoupled weight decay (AdamW): w ← w·(1 − lr·λ), λ = 0.001, before the Adam step.
        tf.tidy(() => {
          for (const v of vars) v.assign(tf.mul(v, 1 - stage.learningRate * 0.001));
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
