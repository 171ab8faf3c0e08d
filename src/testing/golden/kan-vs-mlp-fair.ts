// KAN vs MLP, fairly matched: a tfjs model exported by Netwright. Standalone: it needs only
// @tensorflow/tfjs.
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

/** 1 where x > 0 else 0, as float32, with a zero gradient (tfjs has no gradient for Greater). */
const step = tf.customGrad((...args) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.cast(tf.greater(x, 0), 'float32'), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */
export interface KernelLayerArgs {
  name?: string;
  trainable?: boolean;
  params?: tf.serialization.ConfigDict;
  seed?: number;
}

/**
 * KAN layer (kan.kanLayer): y_j = Σ_i [ w^b_ji·silu(x_i) + Σ_m c_jim·Φ_m(x_i) ]; implemented as
 * silu(x)·W_b + reshape(Φ(x), [B, D·M])·C; squashInputs: Φ sees lo + (hi − lo)·(1 + tanh x_i)/2
 * (inside the grid), the base still x_i. Bases: bspline: B-spline of order k on G intervals over
 * [lo, hi] (Cox–de Boor), M = G + k; fourier: [cos(m·x), sin(m·x)], m = 1…G, M = 2G; grbf: exp(−((x
 * − c_j)/h)²), G centres over [lo, hi], M = G; chebyshev: T_0…T_G(tanh x), M = G + 1; mexhat: (1 −
 * u²)·exp(−u²/2), u = (x − τ_j)/h, G centres over [lo, hi], M = G. Params D·units·(M + 1)
 *
 * Paper: Liu, Wang, Vaidya, Ruehle, Halverson, Soljačić, Hou, Tegmark (2024). KAN:
 * Kolmogorov-Arnold Networks. arXiv:2404.19756
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightKanKanLayer' like the Netwright app's
 * class, so models the app saves load with this one.
 */
export class KanLayer extends tf.layers.Layer {
  static className = 'NetwrightKanKanLayer';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"units":5,"basis":"bspline","gridSize":5,"splineOrder":3,"gridMin":-1,"gridMax":1,"squashInputs":false},[[2]]]',
    '[{"units":1,"basis":"bspline","gridSize":5,"splineOrder":3,"gridMin":-1,"gridMax":1,"squashInputs":true},[[5]]]',
  ];
  private variant = 0;
  private w!: { base: tf.LayerVariable; coef: tf.LayerVariable };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(KanLayer.variants, this.params, inputShape, this.name);
    if (this.variant === 0) {
      this.w = {
        base: this.addWeight(
          'base',
          [2, 5],
          'float32',
          tf.initializers.glorotUniform({ seed: this.seed }),
          undefined,
          true,
        ),
        coef: this.addWeight(
          'coef',
          [16, 5],
          'float32',
          tf.initializers.randomUniform({
            minval: -0.04330127018922193,
            maxval: 0.04330127018922193,
            seed: this.seed + 1,
          }),
          undefined,
          true,
        ),
      };
    }
    if (this.variant === 1) {
      this.w = {
        base: this.addWeight(
          'base',
          [5, 1],
          'float32',
          tf.initializers.glorotUniform({ seed: this.seed }),
          undefined,
          true,
        ),
        coef: this.addWeight(
          'coef',
          [40, 1],
          'float32',
          tf.initializers.randomUniform({
            minval: -0.027386127875258303,
            maxval: 0.027386127875258303,
            seed: this.seed + 1,
          }),
          undefined,
          true,
        ),
      };
    }
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    const shapes: tf.Shape[] = [
      [null, 5],
      [null, 1],
    ];
    return shapes[this.variant]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.variant === 0) {
        // params { units: 5, basis: 'bspline', gridSize: 5, splineOrder: 3, gridMin: -1, gridMax:
        // 1, squashInputs: false } and input shapes [null, 2]
        const [x] = toList(inputs) as [tf.Tensor];
        const base = this.w.base.read();
        const coef = this.w.coef.read();
        const reshape = tf.reshape(x, [-1, 2]);
        const matMul = tf.matMul(tf.reshape(reshape, [-1, 1]), tf.tensor([1, 0], [1, 2], 'float32'));
        const add = tf.add(matMul, tf.tensor([0, 1], [2], 'float32'));
        const constant = tf.tensor(
          [
            -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -2.2, -1.8, -1.4, -1, -0.6, -0.19999999999999996,
            0.20000000000000018, 0.6000000000000001, 1, 1.4000000000000004, 1.8000000000000003, 2.2,
          ],
          [2, 12],
          'float32',
        );
        const matMul2 = tf.matMul(add, constant);
        const step2 = step(matMul2);
        const constant2 = tf.tensor(
          [
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2.2, 1.8, 1.4, 1, 0.6,
            0.19999999999999996, -0.20000000000000018, -0.6000000000000001, -1, -1.4000000000000004, -1.4, -1,
            -0.6, -0.19999999999999996, 0.20000000000000018, 0.6000000000000001, 1, 1.4000000000000004,
            1.8000000000000003, 2.2,
          ],
          [2, 20],
          'float32',
        );
        const matMul3 = tf.matMul(add, constant2);
        const div = tf.div(matMul3, tf.scalar(0.4));
        const constant3 = tf.tensor(
          [
            -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1,
            0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0,
            0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0,
            0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
          ],
          [12, 20],
          'float32',
        );
        const matMul4 = tf.matMul(step2, constant3);
        const mul = tf.mul(div, matMul4);
        const constant4 = tf.tensor(
          [
            1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2.2, 1.8, 1.4, 1, 0.6,
            0.19999999999999996, -0.20000000000000018, -0.6000000000000001, -1, -1, -0.6,
            -0.19999999999999996, 0.20000000000000018, 0.6000000000000001, 1, 1.4000000000000004,
            1.8000000000000003, 2.2,
          ],
          [2, 18],
          'float32',
        );
        const matMul5 = tf.matMul(add, constant4);
        const div2 = tf.div(matMul5, tf.scalar(0.8));
        const constant5 = tf.tensor(
          [
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
            0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
            0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
          ],
          [20, 18],
          'float32',
        );
        const matMul6 = tf.matMul(mul, constant5);
        const mul2 = tf.mul(div2, matMul6);
        const constant6 = tf.tensor(
          [
            1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1, 2.2, 1.8, 1.4, 1, 0.6,
            0.19999999999999996, -0.20000000000000018, -0.6000000000000001, -0.6, -0.19999999999999996,
            0.20000000000000018, 0.6000000000000001, 1, 1.4000000000000004, 1.8000000000000003, 2.2,
          ],
          [2, 16],
          'float32',
        );
        const matMul7 = tf.matMul(add, constant6);
        const div3 = tf.div(matMul7, tf.scalar(1.2000000000000002));
        const constant7 = tf.tensor(
          [
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
            0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
            0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
            0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
            0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
          ],
          [18, 16],
          'float32',
        );
        const matMul8 = tf.matMul(mul2, constant7);
        const mul3 = tf.mul(div3, matMul8);
        const constant8 = tf.tensor(
          [
            1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
            0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0,
            0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
            0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1,
          ],
          [16, 8],
          'float32',
        );
        const matMul9 = tf.matMul(mul3, constant8);
        const reshape2 = tf.reshape(matMul9, [-1, 2, 8]);
        const matMul10 = tf.matMul(tf.mul(reshape, tf.sigmoid(reshape)), base);
        const reshape3 = tf.reshape(reshape2, [-1, 16]);
        const matMul11 = tf.matMul(reshape3, coef);
        const add2 = tf.add(matMul10, matMul11);
        return tf.reshape(add2, [x.shape[0]!, 5]);
      }
      // params { units: 1, basis: 'bspline', gridSize: 5, splineOrder: 3, gridMin: -1, gridMax: 1,
      // squashInputs: true } and input shapes [null, 5]
      const [x] = toList(inputs) as [tf.Tensor];
      const base = this.w.base.read();
      const coef = this.w.coef.read();
      const reshape = tf.reshape(x, [-1, 5]);
      const reshape2 = tf.reshape(tf.tanh(reshape), [-1, 1]);
      const matMul = tf.matMul(reshape2, tf.tensor([1, 0], [1, 2], 'float32'));
      const add = tf.add(matMul, tf.tensor([0, 1], [2], 'float32'));
      const constant = tf.tensor(
        [
          -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -2.2, -1.8, -1.4, -1, -0.6, -0.19999999999999996,
          0.20000000000000018, 0.6000000000000001, 1, 1.4000000000000004, 1.8000000000000003, 2.2,
        ],
        [2, 12],
        'float32',
      );
      const matMul2 = tf.matMul(add, constant);
      const step2 = step(matMul2);
      const constant2 = tf.tensor(
        [
          1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2.2, 1.8, 1.4, 1, 0.6,
          0.19999999999999996, -0.20000000000000018, -0.6000000000000001, -1, -1.4000000000000004, -1.4, -1,
          -0.6, -0.19999999999999996, 0.20000000000000018, 0.6000000000000001, 1, 1.4000000000000004,
          1.8000000000000003, 2.2,
        ],
        [2, 20],
        'float32',
      );
      const matMul3 = tf.matMul(add, constant2);
      const div = tf.div(matMul3, tf.scalar(0.4));
      const constant3 = tf.tensor(
        [
          -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1,
          0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0,
          0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0,
          0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        ],
        [12, 20],
        'float32',
      );
      const matMul4 = tf.matMul(step2, constant3);
      const mul = tf.mul(div, matMul4);
      const constant4 = tf.tensor(
        [
          1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2.2, 1.8, 1.4, 1, 0.6,
          0.19999999999999996, -0.20000000000000018, -0.6000000000000001, -1, -1, -0.6,
          -0.19999999999999996, 0.20000000000000018, 0.6000000000000001, 1, 1.4000000000000004,
          1.8000000000000003, 2.2,
        ],
        [2, 18],
        'float32',
      );
      const matMul5 = tf.matMul(add, constant4);
      const div2 = tf.div(matMul5, tf.scalar(0.8));
      const constant5 = tf.tensor(
        [
          1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
          0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
          1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
          0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        ],
        [20, 18],
        'float32',
      );
      const matMul6 = tf.matMul(mul, constant5);
      const mul2 = tf.mul(div2, matMul6);
      const constant6 = tf.tensor(
        [
          1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1, 2.2, 1.8, 1.4, 1, 0.6,
          0.19999999999999996, -0.20000000000000018, -0.6000000000000001, -0.6, -0.19999999999999996,
          0.20000000000000018, 0.6000000000000001, 1, 1.4000000000000004, 1.8000000000000003, 2.2,
        ],
        [2, 16],
        'float32',
      );
      const matMul7 = tf.matMul(add, constant6);
      const div3 = tf.div(matMul7, tf.scalar(1.2000000000000002));
      const constant7 = tf.tensor(
        [
          1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
          0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
          0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
          0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
          0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
          0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
          0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
          0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        ],
        [18, 16],
        'float32',
      );
      const matMul8 = tf.matMul(mul2, constant7);
      const mul3 = tf.mul(div3, matMul8);
      const constant8 = tf.tensor(
        [
          1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
          0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0,
          0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
          0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        ],
        [16, 8],
        'float32',
      );
      const matMul9 = tf.matMul(mul3, constant8);
      const reshape3 = tf.reshape(matMul9, [-1, 5, 8]);
      const matMul10 = tf.matMul(tf.mul(reshape, tf.sigmoid(reshape)), base);
      const reshape4 = tf.reshape(reshape3, [-1, 40]);
      const matMul11 = tf.matMul(reshape4, coef);
      const add2 = tf.add(matMul10, matMul11);
      return tf.reshape(add2, [x.shape[0]!, 1]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'kan.kanLayer',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(KanLayer);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [2], name: 'input' });
  const kan1 = new KanLayer({
    name: 'kan1',
    params: {
      units: 5,
      basis: 'bspline',
      gridSize: 5,
      splineOrder: 3,
      gridMin: -1,
      gridMax: 1,
      squashInputs: false,
    },
    seed: 47393411,
  }).apply(input) as tf.SymbolicTensor;
  const mlp1 = tf.layers
    .dense({
      name: 'mlp1',
      units: 33,
      activation: 'gelu',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4099883070 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const kan2 = new KanLayer({
    name: 'kan2',
    params: {
      units: 1,
      basis: 'bspline',
      gridSize: 5,
      splineOrder: 3,
      gridMin: -1,
      gridMax: 1,
      squashInputs: true,
    },
    seed: 97726268,
  }).apply(kan1) as tf.SymbolicTensor;
  const mlp2 = tf.layers
    .dense({
      name: 'mlp2',
      units: 1,
      activation: 'linear',
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4116660689 }),
    })
    .apply(mlp1) as tf.SymbolicTensor;
  return tf.model({ inputs: [input], outputs: [kan2, mlp2], name: 'KAN_vs_MLP_fairly_matched' });
}

/** Mean squared error (losses.meanSquaredError): L = mean (p − t)² */
function meanSquaredError(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(pred, target))) as tf.Scalar;
}

/** Training data: features [N, 2], and target values [N, …] (float32). */
export interface TrainData {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface TrainOptions {
  /** Epochs (default: the graph's 800). */
  epochs?: number;
  /** Default 1000. */
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

const STAGES: Stage[] = [{ name: 'train', epochs: 800, learningRate: 0.01 }];

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

/** Runs the model on a batch and computes the loss loss_kan + loss_mlp and the metrics. */
function objective(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Batch {
  const outputs = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const [kan2, mlp2] = toList(outputs) as [tf.Tensor, tf.Tensor];
  const loss_kan = meanSquaredError(kan2, y);
  const loss_mlp = meanSquaredError(mlp2, y);
  let total: tf.Tensor = loss_kan;
  total = tf.add(total, loss_mlp);
  return { total: total as tf.Scalar, values: { loss_kan, loss_mlp } };
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
 * beta2 0.999, epsilon 1e-7), batches of 1000 in the order Netwright's trainer uses for seed 1, 800
 * epochs. The graph trains on Netwright's 'functionFit' dataset { fn: 'exp-sin', samples: 2000,
 * valFraction: 0.5 }: pass the same data as tensors.
 *
 * Resolves to a report per epoch; a non-finite loss stops training with an error.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainData,
  opts: TrainOptions = {},
): Promise<EpochReport[]> {
  const batchSize = opts.batchSize ?? 1000;
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
