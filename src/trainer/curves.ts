// Activation curves: each activation node's function sampled on [-4, 4] with its current
// weights, so the canvas can draw learnable activations (and watch them move while training).
import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import { CURVE_XS } from '../core/activations.ts';
import { familyOf } from '../core/node-def.ts';
import type { ActivationCurve } from './protocol.ts';

const SAMPLES = CURVE_XS.length;
/** Not elementwise: a curve of one element would mislead. */
const SKIP = new Set(['activations.softmax']);

/** Samples every elementwise activation node of the model (first element of its output). */
export async function activationCurves(compiled: CompiledModel): Promise<Record<string, ActivationCurve>> {
  const xs = [...CURVE_XS];
  const shapeOf = new Map(compiled.ir.nodes.map((n) => [n.id, n.outputShape]));
  const pending: [string, tf.Tensor][] = [];
  for (const node of compiled.ir.nodes) {
    if (familyOf(node.type) !== 'activations' || SKIP.has(node.type) || node.inputs.length !== 1) continue;
    const ref = node.inputs[0]!;
    const inShape = 'node' in ref ? shapeOf.get(ref.node) : undefined;
    const layer = compiled.layers.get(node.id);
    if (!inShape || !layer || inShape.slice(1).some((d) => d === null)) continue;
    const rest = inShape.slice(1) as number[];
    const size = rest.reduce((a, b) => a * b, 1);
    if (size * SAMPLES > 2_000_000) continue;
    const y = tf.tidy(() => {
      // Sample i fills every element with xs[i]; the curve reads element 0 (channel 0).
      const x = tf.mul(
        tf.ones([SAMPLES, ...rest]),
        tf.reshape(tf.tensor1d(xs), [SAMPLES, ...rest.map(() => 1)]),
      );
      const out = layer.apply(x, { training: false }) as tf.Tensor;
      return tf.reshape(out, [SAMPLES, -1]).slice([0, 0], [SAMPLES, 1]).reshape([SAMPLES]);
    });
    pending.push([node.id, y]);
  }
  const curves: Record<string, ActivationCurve> = {};
  for (const [id, y] of pending) {
    const ys = Array.from(await y.data());
    y.dispose();
    if (ys.every(Number.isFinite)) curves[id] = { x: xs, y: ys };
  }
  return curves;
}
