// PPGN sampler (Plug & Play Generative Networks, Nguyen, Clune, Bengio, Dosovitskiy & Yosinski,
// CVPR 2017, arXiv 1612.00005), PPGN-h: latent Langevin sampling of a code h for a chosen class c,
//   h ← h + ε1·(R(h) − h) + ε2·∂ log p(y = c | G(h)) / ∂h + ε3·N(0, I)
// with G the generator (code → image), R a denoising autoencoder on codes ((R(h) − h) ∝ ∂ log p(h)/∂h)
// and p(y | x) = softmax of the classifier's logits on the generated image. ε1 = 0 drops the prior
// (the "fooling image" variant). Batched over chains; the chains' images are reported as a grid
// every `frameEvery` steps while it runs (ctx.onFrame: the Worker posts them, the drawer redraws).
import * as tf from '@tensorflow/tfjs';
import { CompileError } from '../compiler/compile.ts';
import { p } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { type AnalysisContext, defineAnalysisTool } from './tool.ts';
import type { ImagesView } from './views.ts';

/** The three maps one step reads (tfjs functions, differentiable). */
export interface PpgnFns {
  /** G: codes [N, d] → images [N, …]. */
  generate(h: tf.Tensor2D): tf.Tensor;
  /** The classifier's logits for images [N, …] → [N, classes]. */
  logits(x: tf.Tensor): tf.Tensor2D;
  /** R: the code denoiser [N, d] → [N, d]. */
  prior(h: tf.Tensor2D): tf.Tensor2D;
}

export interface PpgnEps {
  readonly eps1: number;
  readonly eps2: number;
  readonly eps3: number;
}

/**
 * One PPGN-h step for every chain: h + ε1(R(h) − h) + ε2 ∇_h Σ_n log softmax(C(G(h_n)))[c_n] + ε3·noise.
 * `noise` is N(0, I) of h's shape (given, so a test can fix it). Returns a new tensor.
 */
export function ppgnStep(
  fns: PpgnFns,
  h: tf.Tensor2D,
  classes: Int32Array,
  eps: PpgnEps,
  noise: tf.Tensor2D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const grad = tf.grad((hh: tf.Tensor) => {
      const z = fns.logits(fns.generate(hh as tf.Tensor2D));
      const onehot = tf.oneHot(tf.tensor1d(classes, 'int32'), z.shape[1]).toFloat();
      return tf.logSoftmax(z).mul(onehot).sum();
    })(h) as tf.Tensor2D;
    let out = h.add(grad.mul(eps.eps2));
    if (eps.eps1 !== 0) out = out.add(fns.prior(h).sub(h).mul(eps.eps1));
    if (eps.eps3 !== 0) out = out.add(noise.mul(eps.eps3));
    return out as tf.Tensor2D;
  });
}

/** p(y = c_n | G(h_n)) per chain (no gradient). */
export function classProbs(fns: PpgnFns, h: tf.Tensor2D, classes: Int32Array): Float32Array {
  return tf.tidy(() => {
    const z = fns.logits(fns.generate(h));
    const onehot = tf.oneHot(tf.tensor1d(classes, 'int32'), z.shape[1]).toFloat();
    return tf.softmax(z).mul(onehot).sum(1).dataSync() as Float32Array;
  });
}

/** Zeros for every input node not in `feeds` (training-only labels/masks), batch `n`. */
function fill(ctx: AnalysisContext, feeds: Record<string, tf.Tensor>, n: number): Record<string, tf.Tensor> {
  for (const node of ctx.compiled.ir.nodes)
    if (node.op.kind === 'input' && !(node.id in feeds))
      feeds[node.id] = tf.zeros([n, ...node.op.shape.slice(1).map((d) => d ?? 1)]);
  return feeds;
}

/** G, C and R of a compiled graph: G(h) and R(h) from an override of the code node, C by feeding the image input. */
export function graphFns(ctx: AnalysisContext, code: string, generator: string, prior: string): PpgnFns {
  const { compiled, imageInput, scores } = ctx;
  const input = compiled.ir.nodes.find((n) => n.id === imageInput);
  const inShape = input?.op.kind === 'input' ? input.op.shape.slice(1).map((d) => d ?? 1) : [];
  const at = (values: Map<string, tf.Tensor>, id: string, field: string) => {
    const v = values.get(id);
    if (!v)
      throw new CompileError(
        id,
        `analyse/params: ppgnSampler param '${field}' names '${id}', which the model does not compute from the code node '${code}'; pick a node downstream of it`,
      );
    return v;
  };
  const fromCode = (h: tf.Tensor2D) =>
    compiled.run(fill(ctx, { [imageInput]: tf.zeros([h.shape[0], ...inShape]) }, h.shape[0]), {
      training: false,
      overrides: new Map([[code, h]]),
    });
  return {
    generate: (h) => at(fromCode(h), generator, 'generator'),
    prior: (h) => at(fromCode(h), prior, 'prior') as tf.Tensor2D,
    logits(x) {
      const n = x.shape[0]!;
      const img = x.reshape([n, ...inShape]);
      return at(
        compiled.run(fill(ctx, { [imageInput]: img }, n), { training: false }),
        scores,
        'scores',
      ) as tf.Tensor2D;
    },
  };
}

const clamp01 = (a: Float32Array) => a.map((v) => Math.min(1, Math.max(0, v)));

/** The chains' images G(h) as a grid view. */
function grid(
  fns: PpgnFns,
  h: tf.Tensor2D,
  classes: Int32Array,
  shape: readonly number[],
  title: string,
): ImagesView {
  const [height, width, channels] = [shape[0] ?? 1, shape[1] ?? 1, shape[2] ?? 1];
  const size = height * width * channels;
  const flat = tf.tidy(() => fns.generate(h).dataSync() as Float32Array);
  const probs = classProbs(fns, h, classes);
  return {
    kind: 'images',
    title,
    height,
    width,
    channels,
    images: Array.from(classes, (_, i) => clamp01(flat.slice(i * size, (i + 1) * size))),
    labels: Array.from(classes, (c) => `class ${c}`),
    values: Array.from(probs),
  };
}

export interface PpgnRun {
  readonly h: tf.Tensor2D;
  readonly classes: Int32Array;
  readonly frames: number;
}

/**
 * Runs the sampler: chains start from the codes `h0` (kept by the caller), `steps` steps, a frame
 * every `frameEvery` steps (and at the end) through `onFrame`. The noise is seeded (tf seed + step).
 */
export async function ppgnSample(
  fns: PpgnFns,
  h0: tf.Tensor2D,
  classes: Int32Array,
  opts: PpgnEps & { steps: number; seed: number; frameEvery?: number },
  onFrame?: (h: tf.Tensor2D, step: number) => void | Promise<void>,
): Promise<PpgnRun> {
  let h = h0.clone();
  let frames = 0;
  for (let t = 1; t <= opts.steps; t++) {
    const noise = tf.randomNormal(h.shape, 0, 1, 'float32', opts.seed * 100_003 + t) as tf.Tensor2D;
    const next = ppgnStep(fns, h, classes, opts, noise);
    noise.dispose();
    h.dispose();
    h = next;
    if (onFrame && opts.frameEvery && (t % opts.frameEvery === 0 || t === opts.steps)) {
      frames++;
      await onFrame(h, t);
    }
  }
  return { h, classes, frames };
}

export const ppgnSamplerTool = defineAnalysisTool({
  id: 'ppgnSampler',
  title: 'PPGN sampler',
  doc:
    'PPGN-h latent Langevin sampler (Nguyen et al., CVPR 2017, arXiv 1612.00005): chains of codes h (the target ' +
    'node, e.g. the classifier’s code layer) start at E(x) of random validation images and follow ' +
    'h ← h + ε1·(R(h) − h) + ε2·∂log p(y=c|G(h))/∂h + ε3·std(h₀)·N(0, I), with G = the `generator` node and R = ' +
    'the `prior` node (a DAE on h), both computed from an override of h, and p(y|x) the softmax of the model ' +
    'scores on x = G(h). ε1 = 0: no prior (fooling images). The image grid streams every `frameEvery` steps.',
  params: {
    generator: p.string({
      default: 'g_out',
      doc: 'Node id of G’s image output (downstream of the code node).',
    }),
    prior: p.string({
      default: 'r_out',
      doc: 'Node id of the latent DAE R’s output (downstream of the code node).',
    }),
    classId: p.int({ default: -1, min: -1, max: 1000, doc: 'Class to sample; −1: every class in turn.' }),
    chains: p.int({ default: 4, min: 1, max: 64, doc: 'Chains per class.' }),
    steps: p.int({ default: 100, min: 1, max: 5000, doc: 'Langevin steps.' }),
    eps1: p.float({
      default: 0.2,
      min: 0,
      max: 10,
      step: 0.05,
      doc: 'ε1, weight of the prior term R(h) − h.',
    }),
    eps2: p.float({ default: 1, min: 0, max: 100, step: 0.1, doc: 'ε2, weight of the class gradient.' }),
    eps3: p.float({ default: 0.02, min: 0, max: 10, step: 0.01, doc: 'ε3 as a multiple of std(h₀).' }),
    frameEvery: p.int({ default: 10, min: 1, max: 1000, doc: 'Steps between streamed image grids.' }),
    seed: p.int({ default: 1, min: 0, max: 1_000_000, doc: 'Seed of the start images and the noise.' }),
  },
  target: {
    doc: 'the code node h [d] that G and R read (e.g. the classifier’s penultimate dense layer)',
    ranks: [2],
  },
  async run(ctx, target, params) {
    const t0 = performance.now();
    const fns = graphFns(ctx, target, params.generator, params.prior);
    const x = ctx.feeds[ctx.imageInput]!;
    const scoreCount = tf.tidy(() => fns.logits(x.slice([0], [1])).shape[1]);
    const classList =
      params.classId >= 0 ? [params.classId] : Array.from({ length: scoreCount }, (_, i) => i);
    if (classList.some((c) => c >= scoreCount))
      throw new Error(
        `analyse/params: ppgnSampler param 'classId' ${params.classId} ≥ the ${scoreCount} classes`,
      );
    const classes = Int32Array.from(classList.flatMap((c) => Array(params.chains).fill(c)));
    const rng = createRng(params.seed);
    const rows = Array.from(classes, () => Math.floor(rng.next() * x.shape[0]!));
    const h0 = tf.tidy(() => {
      const imgs = tf.gather(x, tf.tensor1d(rows, 'int32'));
      const v = ctx.compiled.run(fill(ctx, { [ctx.imageInput]: imgs }, rows.length), { training: false });
      const h = v.get(target);
      if (h?.rank !== 2)
        throw new CompileError(
          target,
          `analyse/target: ppgnSampler needs a code node [B, d]; '${target}' is not one`,
        );
      return h as tf.Tensor2D;
    });
    const std = tf.tidy(() => tf.moments(h0).variance.sqrt().dataSync()[0]!);
    const eps = { eps1: params.eps1, eps2: params.eps2, eps3: params.eps3 * std };
    const imgShape = x.shape.slice(1);
    const run = await ppgnSample(
      fns,
      h0,
      classes,
      { ...eps, steps: params.steps, seed: params.seed, frameEvery: params.frameEvery },
      ctx.onFrame
        ? (h, step) =>
            ctx.onFrame!(grid(fns, h, classes, imgShape, `PPGN samples, step ${step}/${params.steps}`))
        : undefined,
    );
    const view = grid(fns, run.h, classes, imgShape, `PPGN samples after ${params.steps} steps`);
    const start = grid(fns, h0, classes, imgShape, 'start: G(E(x)) of the random images');
    const predicted = tf.tidy(() => fns.logits(fns.generate(run.h)).argMax(1).dataSync() as Int32Array);
    h0.dispose();
    run.h.dispose();
    const n = classes.length;
    const hit = classes.reduce((s, c, i) => s + (predicted[i] === c ? 1 : 0), 0);
    return {
      views: [view, start],
      figures: {
        chains: n,
        steps: params.steps,
        frames: run.frames,
        'mean p(class)': view.values!.reduce((s, v) => s + v, 0) / n,
        'classifier accuracy on samples': hit / n,
        'ms/step': (performance.now() - t0) / params.steps,
      },
    };
  },
});
