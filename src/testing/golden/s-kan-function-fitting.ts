// S-KAN function fitting: a tfjs model exported by Netwright. Standalone: it needs only
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
 * S-KAN layer (kan.sKan): φ_ji(x_i) = w^b_ji·silu(x_i) + Σ_s α_jis·Σ_m c^(s)_jim·Φ^(s)_m(x_i),
 * α_ji· = softmax(z_ji·) (hard: one-hot argmax z_ji·); y_j = Σ_i φ_ji(x_i). node mode shares z over
 * the edges into j. Params D·units·(Σ_s M_s + |pool| + 1) (edge) or D·units·(Σ_s M_s + 1) +
 * units·|pool| (node)
 *
 * Paper: Yang, Zhang, Luo, Lu, Shen (2024). Activation Space Selectable Kolmogorov-Arnold Networks.
 * arXiv:2408.08338
 *
 * The node's kernel traced into tfjs, registered as 'NetwrightKanSKan' like the Netwright app's
 * class, so models the app saves load with this one.
 */
export class SKan extends tf.layers.Layer {
  static className = 'NetwrightKanSKan';
  readonly params: tf.serialization.ConfigDict;
  readonly seed: number;
  // One traced variant per use in the graph: params, input shapes without the batch.
  private static readonly variants = [
    '[{"units":5,"pool":"bspline,fourier,grbf,chebyshev,mexhat","selectBy":"edge","selection":"soft","gridSize":5,"splineOrder":3,"gridMin":-1,"gridMax":1,"squashInputs":false},[[2]]]',
    '[{"units":1,"pool":"bspline,fourier,grbf,chebyshev,mexhat","selectBy":"edge","selection":"soft","gridSize":5,"splineOrder":3,"gridMin":-1,"gridMax":1,"squashInputs":false},[[5]]]',
  ];
  private variant = 0;
  private w!: {
    base: tf.LayerVariable;
    coef_bspline: tf.LayerVariable;
    coef_fourier: tf.LayerVariable;
    coef_grbf: tf.LayerVariable;
    coef_chebyshev: tf.LayerVariable;
    coef_mexhat: tf.LayerVariable;
    logits: tf.LayerVariable;
  };

  constructor(args: KernelLayerArgs) {
    super(args);
    this.params = args.params ?? {};
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.variant = variantOf(SKan.variants, this.params, inputShape, this.name);
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
        coef_bspline: this.addWeight(
          'coef_bspline',
          [2, 8, 5],
          'float32',
          tf.initializers.randomUniform({
            minval: -0.04330127018922193,
            maxval: 0.04330127018922193,
            seed: this.seed + 1,
          }),
          undefined,
          true,
        ),
        coef_fourier: this.addWeight(
          'coef_fourier',
          [2, 10, 5],
          'float32',
          tf.initializers.randomUniform({
            minval: -0.03872983346207417,
            maxval: 0.03872983346207417,
            seed: this.seed + 2,
          }),
          undefined,
          true,
        ),
        coef_grbf: this.addWeight(
          'coef_grbf',
          [2, 5, 5],
          'float32',
          tf.initializers.randomUniform({
            minval: -0.054772255750516606,
            maxval: 0.054772255750516606,
            seed: this.seed + 3,
          }),
          undefined,
          true,
        ),
        coef_chebyshev: this.addWeight(
          'coef_chebyshev',
          [2, 6, 5],
          'float32',
          tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: this.seed + 4 }),
          undefined,
          true,
        ),
        coef_mexhat: this.addWeight(
          'coef_mexhat',
          [2, 5, 5],
          'float32',
          tf.initializers.randomUniform({
            minval: -0.054772255750516606,
            maxval: 0.054772255750516606,
            seed: this.seed + 5,
          }),
          undefined,
          true,
        ),
        logits: this.addWeight('logits', [2, 5, 5], 'float32', tf.initializers.zeros(), undefined, true),
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
        coef_bspline: this.addWeight(
          'coef_bspline',
          [5, 8, 1],
          'float32',
          tf.initializers.randomUniform({
            minval: -0.027386127875258303,
            maxval: 0.027386127875258303,
            seed: this.seed + 1,
          }),
          undefined,
          true,
        ),
        coef_fourier: this.addWeight(
          'coef_fourier',
          [5, 10, 1],
          'float32',
          tf.initializers.randomUniform({
            minval: -0.02449489742783178,
            maxval: 0.02449489742783178,
            seed: this.seed + 2,
          }),
          undefined,
          true,
        ),
        coef_grbf: this.addWeight(
          'coef_grbf',
          [5, 5, 1],
          'float32',
          tf.initializers.randomUniform({
            minval: -0.034641016151377546,
            maxval: 0.034641016151377546,
            seed: this.seed + 3,
          }),
          undefined,
          true,
        ),
        coef_chebyshev: this.addWeight(
          'coef_chebyshev',
          [5, 6, 1],
          'float32',
          tf.initializers.randomUniform({
            minval: -0.03162277660168379,
            maxval: 0.03162277660168379,
            seed: this.seed + 4,
          }),
          undefined,
          true,
        ),
        coef_mexhat: this.addWeight(
          'coef_mexhat',
          [5, 5, 1],
          'float32',
          tf.initializers.randomUniform({
            minval: -0.034641016151377546,
            maxval: 0.034641016151377546,
            seed: this.seed + 5,
          }),
          undefined,
          true,
        ),
        logits: this.addWeight('logits', [5, 1, 5], 'float32', tf.initializers.zeros(), undefined, true),
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
        // params { units: 5, pool: 'bspline,fourier,grbf,chebyshev,mexhat', selectBy: 'edge',
        // selection: 'soft', gridSize: 5, splineOrder: 3, gridMin: -1, gridMax: 1, squashInputs:
        // false } and input shapes [null, 2]
        const [x] = toList(inputs) as [tf.Tensor];
        const base = this.w.base.read();
        const coef_bspline = this.w.coef_bspline.read();
        const coef_fourier = this.w.coef_fourier.read();
        const coef_grbf = this.w.coef_grbf.read();
        const coef_chebyshev = this.w.coef_chebyshev.read();
        const coef_mexhat = this.w.coef_mexhat.read();
        const logits = this.w.logits.read();
        const reshape = tf.reshape(x, [-1, 2]);
        const softmax = tf.softmax(logits);
        const matMul = tf.matMul(tf.mul(reshape, tf.sigmoid(reshape)), base);
        const matMul2 = tf.matMul(tf.reshape(reshape, [-1, 1]), tf.tensor([1, 0], [1, 2], 'float32'));
        const add = tf.add(matMul2, tf.tensor([0, 1], [2], 'float32'));
        const constant = tf.tensor(
          [
            -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -2.2, -1.8, -1.4, -1, -0.6, -0.19999999999999996,
            0.20000000000000018, 0.6000000000000001, 1, 1.4000000000000004, 1.8000000000000003, 2.2,
          ],
          [2, 12],
          'float32',
        );
        const matMul3 = tf.matMul(add, constant);
        const step2 = step(matMul3);
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
        const matMul4 = tf.matMul(add, constant2);
        const div = tf.div(matMul4, tf.scalar(0.4));
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
        const matMul5 = tf.matMul(step2, constant3);
        const mul = tf.mul(div, matMul5);
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
        const matMul6 = tf.matMul(add, constant4);
        const div2 = tf.div(matMul6, tf.scalar(0.8));
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
        const matMul7 = tf.matMul(mul, constant5);
        const mul2 = tf.mul(div2, matMul7);
        const constant6 = tf.tensor(
          [
            1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1, 2.2, 1.8, 1.4, 1, 0.6,
            0.19999999999999996, -0.20000000000000018, -0.6000000000000001, -0.6, -0.19999999999999996,
            0.20000000000000018, 0.6000000000000001, 1, 1.4000000000000004, 1.8000000000000003, 2.2,
          ],
          [2, 16],
          'float32',
        );
        const matMul8 = tf.matMul(add, constant6);
        const div3 = tf.div(matMul8, tf.scalar(1.2000000000000002));
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
        const matMul9 = tf.matMul(mul2, constant7);
        const mul3 = tf.mul(div3, matMul9);
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
        const matMul10 = tf.matMul(mul3, constant8);
        const reshape2 = tf.reshape(matMul10, [-1, 2, 8]);
        const mul4 = tf.mul(coef_bspline, tf.reshape(tf.slice(softmax, [0, 0, 0], [2, 5, 1]), [2, 1, 5]));
        const reshape3 = tf.reshape(mul4, [16, 5]);
        const reshape4 = tf.reshape(reshape2, [-1, 16]);
        const matMul11 = tf.matMul(reshape4, reshape3);
        const add2 = tf.add(matMul, matMul11);
        const constant9 = tf.tensor([1, 2, 3, 4, 5], [1, 5], 'float32');
        const matMul12 = tf.matMul(tf.reshape(reshape, [-1, 1]), constant9);
        const cos = tf.cos(matMul12);
        const constant10 = tf.tensor(
          [
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
          ],
          [5, 10],
          'float32',
        );
        const matMul13 = tf.matMul(cos, constant10);
        const sin = tf.sin(matMul12);
        const constant11 = tf.tensor(
          [
            0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
          ],
          [5, 10],
          'float32',
        );
        const matMul14 = tf.matMul(sin, constant11);
        const add3 = tf.add(matMul13, matMul14);
        const reshape5 = tf.reshape(add3, [-1, 2, 10]);
        const mul5 = tf.mul(coef_fourier, tf.reshape(tf.slice(softmax, [0, 0, 1], [2, 5, 1]), [2, 1, 5]));
        const reshape6 = tf.reshape(mul5, [20, 5]);
        const reshape7 = tf.reshape(reshape5, [-1, 20]);
        const matMul15 = tf.matMul(reshape7, reshape6);
        const add4 = tf.add(add2, matMul15);
        const constant12 = tf.tensor([-1, -0.5, 0, 0.5, 1], [1, 1, 5], 'float32');
        const div4 = tf.div(tf.sub(tf.reshape(reshape, [-1, 2, 1]), constant12), tf.scalar(0.5));
        const mul6 = tf.mul(coef_grbf, tf.reshape(tf.slice(softmax, [0, 0, 2], [2, 5, 1]), [2, 1, 5]));
        const reshape8 = tf.reshape(tf.exp(tf.neg(tf.square(div4))), [-1, 10]);
        const matMul16 = tf.matMul(reshape8, tf.reshape(mul6, [10, 5]));
        const add5 = tf.add(add4, matMul16);
        const tanh = tf.tanh(tf.reshape(reshape, [1, -1]));
        const add6 = tf.add(tf.mul(tanh, tf.scalar(0)), tf.scalar(1));
        const sub = tf.sub(tf.mul(tf.mul(tf.scalar(2), tanh), tanh), add6);
        const sub2 = tf.sub(tf.mul(tf.mul(tf.scalar(2), tanh), sub), tanh);
        const sub3 = tf.sub(tf.mul(tf.mul(tf.scalar(2), tanh), sub2), sub);
        const sub4 = tf.sub(tf.mul(tf.mul(tf.scalar(2), tanh), sub3), sub2);
        const constant13 = tf.tensor(
          [
            1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
            0, 0, 1,
          ],
          [6, 6],
          'float32',
        );
        const concat = tf.concat([add6, tanh, sub, sub2, sub3, sub4], 0);
        const matMul17 = tf.matMul(concat, constant13, true, false);
        const reshape9 = tf.reshape(matMul17, [-1, 2, 6]);
        const reshape10 = tf.reshape(tf.slice(softmax, [0, 0, 3], [2, 5, 1]), [2, 1, 5]);
        const reshape11 = tf.reshape(tf.mul(coef_chebyshev, reshape10), [12, 5]);
        const reshape12 = tf.reshape(reshape9, [-1, 12]);
        const matMul18 = tf.matMul(reshape12, reshape11);
        const add7 = tf.add(add5, matMul18);
        const constant14 = tf.tensor([-1, -0.5, 0, 0.5, 1], [1, 1, 5], 'float32');
        const square = tf.square(tf.div(tf.sub(tf.reshape(reshape, [-1, 2, 1]), constant14), tf.scalar(0.5)));
        const mul7 = tf.mul(tf.sub(tf.scalar(1), square), tf.exp(tf.mul(square, tf.scalar(-0.5))));
        const mul8 = tf.mul(coef_mexhat, tf.reshape(tf.slice(softmax, [0, 0, 4], [2, 5, 1]), [2, 1, 5]));
        const matMul19 = tf.matMul(tf.reshape(mul7, [-1, 10]), tf.reshape(mul8, [10, 5]));
        const add8 = tf.add(add7, matMul19);
        return tf.reshape(add8, [x.shape[0]!, 5]);
      }
      // params { units: 1, pool: 'bspline,fourier,grbf,chebyshev,mexhat', selectBy: 'edge',
      // selection: 'soft', gridSize: 5, splineOrder: 3, gridMin: -1, gridMax: 1, squashInputs:
      // false } and input shapes [null, 5]
      const [x] = toList(inputs) as [tf.Tensor];
      const base = this.w.base.read();
      const coef_bspline = this.w.coef_bspline.read();
      const coef_fourier = this.w.coef_fourier.read();
      const coef_grbf = this.w.coef_grbf.read();
      const coef_chebyshev = this.w.coef_chebyshev.read();
      const coef_mexhat = this.w.coef_mexhat.read();
      const logits = this.w.logits.read();
      const reshape = tf.reshape(x, [-1, 5]);
      const softmax = tf.softmax(logits);
      const matMul = tf.matMul(tf.mul(reshape, tf.sigmoid(reshape)), base);
      const matMul2 = tf.matMul(tf.reshape(reshape, [-1, 1]), tf.tensor([1, 0], [1, 2], 'float32'));
      const add = tf.add(matMul2, tf.tensor([0, 1], [2], 'float32'));
      const constant = tf.tensor(
        [
          -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -2.2, -1.8, -1.4, -1, -0.6, -0.19999999999999996,
          0.20000000000000018, 0.6000000000000001, 1, 1.4000000000000004, 1.8000000000000003, 2.2,
        ],
        [2, 12],
        'float32',
      );
      const matMul3 = tf.matMul(add, constant);
      const step2 = step(matMul3);
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
      const matMul4 = tf.matMul(add, constant2);
      const div = tf.div(matMul4, tf.scalar(0.4));
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
      const matMul5 = tf.matMul(step2, constant3);
      const mul = tf.mul(div, matMul5);
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
      const matMul6 = tf.matMul(add, constant4);
      const div2 = tf.div(matMul6, tf.scalar(0.8));
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
      const matMul7 = tf.matMul(mul, constant5);
      const mul2 = tf.mul(div2, matMul7);
      const constant6 = tf.tensor(
        [
          1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1, 2.2, 1.8, 1.4, 1, 0.6,
          0.19999999999999996, -0.20000000000000018, -0.6000000000000001, -0.6, -0.19999999999999996,
          0.20000000000000018, 0.6000000000000001, 1, 1.4000000000000004, 1.8000000000000003, 2.2,
        ],
        [2, 16],
        'float32',
      );
      const matMul8 = tf.matMul(add, constant6);
      const div3 = tf.div(matMul8, tf.scalar(1.2000000000000002));
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
      const matMul9 = tf.matMul(mul2, constant7);
      const mul3 = tf.mul(div3, matMul9);
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
      const matMul10 = tf.matMul(mul3, constant8);
      const reshape2 = tf.reshape(matMul10, [-1, 5, 8]);
      const mul4 = tf.mul(coef_bspline, tf.reshape(tf.slice(softmax, [0, 0, 0], [5, 1, 1]), [5, 1, 1]));
      const reshape3 = tf.reshape(mul4, [40, 1]);
      const reshape4 = tf.reshape(reshape2, [-1, 40]);
      const matMul11 = tf.matMul(reshape4, reshape3);
      const add2 = tf.add(matMul, matMul11);
      const constant9 = tf.tensor([1, 2, 3, 4, 5], [1, 5], 'float32');
      const matMul12 = tf.matMul(tf.reshape(reshape, [-1, 1]), constant9);
      const cos = tf.cos(matMul12);
      const constant10 = tf.tensor(
        [
          1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
        ],
        [5, 10],
        'float32',
      );
      const matMul13 = tf.matMul(cos, constant10);
      const sin = tf.sin(matMul12);
      const constant11 = tf.tensor(
        [
          0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        ],
        [5, 10],
        'float32',
      );
      const matMul14 = tf.matMul(sin, constant11);
      const add3 = tf.add(matMul13, matMul14);
      const reshape5 = tf.reshape(add3, [-1, 5, 10]);
      const mul5 = tf.mul(coef_fourier, tf.reshape(tf.slice(softmax, [0, 0, 1], [5, 1, 1]), [5, 1, 1]));
      const reshape6 = tf.reshape(mul5, [50, 1]);
      const reshape7 = tf.reshape(reshape5, [-1, 50]);
      const matMul15 = tf.matMul(reshape7, reshape6);
      const add4 = tf.add(add2, matMul15);
      const constant12 = tf.tensor([-1, -0.5, 0, 0.5, 1], [1, 1, 5], 'float32');
      const div4 = tf.div(tf.sub(tf.reshape(reshape, [-1, 5, 1]), constant12), tf.scalar(0.5));
      const mul6 = tf.mul(coef_grbf, tf.reshape(tf.slice(softmax, [0, 0, 2], [5, 1, 1]), [5, 1, 1]));
      const reshape8 = tf.reshape(tf.exp(tf.neg(tf.square(div4))), [-1, 25]);
      const matMul16 = tf.matMul(reshape8, tf.reshape(mul6, [25, 1]));
      const add5 = tf.add(add4, matMul16);
      const tanh = tf.tanh(tf.reshape(reshape, [1, -1]));
      const add6 = tf.add(tf.mul(tanh, tf.scalar(0)), tf.scalar(1));
      const sub = tf.sub(tf.mul(tf.mul(tf.scalar(2), tanh), tanh), add6);
      const sub2 = tf.sub(tf.mul(tf.mul(tf.scalar(2), tanh), sub), tanh);
      const sub3 = tf.sub(tf.mul(tf.mul(tf.scalar(2), tanh), sub2), sub);
      const sub4 = tf.sub(tf.mul(tf.mul(tf.scalar(2), tanh), sub3), sub2);
      const constant13 = tf.tensor(
        [
          1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
          0, 0, 1,
        ],
        [6, 6],
        'float32',
      );
      const concat = tf.concat([add6, tanh, sub, sub2, sub3, sub4], 0);
      const matMul17 = tf.matMul(concat, constant13, true, false);
      const reshape9 = tf.reshape(matMul17, [-1, 5, 6]);
      const reshape10 = tf.reshape(tf.slice(softmax, [0, 0, 3], [5, 1, 1]), [5, 1, 1]);
      const reshape11 = tf.reshape(tf.mul(coef_chebyshev, reshape10), [30, 1]);
      const reshape12 = tf.reshape(reshape9, [-1, 30]);
      const matMul18 = tf.matMul(reshape12, reshape11);
      const add7 = tf.add(add5, matMul18);
      const constant14 = tf.tensor([-1, -0.5, 0, 0.5, 1], [1, 1, 5], 'float32');
      const square = tf.square(tf.div(tf.sub(tf.reshape(reshape, [-1, 5, 1]), constant14), tf.scalar(0.5)));
      const mul7 = tf.mul(tf.sub(tf.scalar(1), square), tf.exp(tf.mul(square, tf.scalar(-0.5))));
      const mul8 = tf.mul(coef_mexhat, tf.reshape(tf.slice(softmax, [0, 0, 4], [5, 1, 1]), [5, 1, 1]));
      const matMul19 = tf.matMul(tf.reshape(mul7, [-1, 25]), tf.reshape(mul8, [25, 1]));
      const add8 = tf.add(add7, matMul19);
      return tf.reshape(add8, [x.shape[0]!, 1]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelType: 'kan.sKan',
      params: this.params,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(SKan);

/**
 * The model: one tfjs layer per graph node, named after the node, with the initial weights
 * Netwright gives it (seed 1).
 */
export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [2], name: 'input' });
  const skan1 = new SKan({
    name: 'skan1',
    params: {
      units: 5,
      pool: 'bspline,fourier,grbf,chebyshev,mexhat',
      selectBy: 'edge',
      selection: 'soft',
      gridSize: 5,
      splineOrder: 3,
      gridMin: -1,
      gridMax: 1,
      squashInputs: false,
    },
    seed: 1377783330,
  }).apply(input) as tf.SymbolicTensor;
  const skan2 = new SKan({
    name: 'skan2',
    params: {
      units: 1,
      pool: 'bspline,fourier,grbf,chebyshev,mexhat',
      selectBy: 'edge',
      selection: 'soft',
      gridSize: 5,
      splineOrder: 3,
      gridMin: -1,
      gridMax: 1,
      squashInputs: false,
    },
    seed: 1394560949,
  }).apply(skan1) as tf.SymbolicTensor;
  return tf.model({ inputs: [input], outputs: [skan2], name: 'S_KAN_function_fitting' });
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
  /** Epochs (default: the graph's 360). */
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

const STAGES: Stage[] = [{ name: 'train', epochs: 360, learningRate: 0.01 }];

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
function objective(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Batch {
  const [skan2] = toList(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]) as [tf.Tensor];
  const loss = meanSquaredError(skan2, y);
  return { total: loss, values: { loss } };
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
 * beta2 0.999, epsilon 1e-7), batches of 1000 in the order Netwright's trainer uses for seed 1, 360
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
