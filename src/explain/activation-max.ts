// Analysis tool `activationMax` (W4): multifaceted activation maximisation (Nguyen, Yosinski & Clune,
// "Multifaceted Feature Visualization: Uncovering the Different Types of Features Learned By Each
// Neuron in Deep Neural Networks", 2016, arXiv 1602.03616).
//
//   1. a_u(x) = unit u of the target node (rank 2: column u; rank 4: channel u averaged over space)
//      for every context row; keep the top-N rows by a_u.
//   2. Embed them with the features h(x) of a chosen node (default: the target's input, the
//      penultimate layer), project on the top principal components (src/core/linalg/pca.ts; the
//      paper used t-SNE) and cluster with k-means++ into K facets (src/core/cluster/kmeans.ts).
//   3. Facet k starts from x⁰ = the mean of its `initTop` highest-activating images.
//   4. T steps of x ← clip(x + η·M_t ⊙ ∇_x[a_u(x) − λ‖x‖²], lo, hi) (lo, hi: the images' range), with
//      a Gaussian blur (5×5 depthwise conv, σ linear from σ₀ to σ₁) every `blurEvery` steps, and a
//      centre mask M_t = [‖p − centre‖ ≤ r_t·W/2], r_t linear from `radiusFrom` to 1.
//      Resolution: σ₀, σ₁ are given in pixels of a `blurRefSide`-pixel image (227, the AlexNet input
//      that the σ 1 → 0.3 every-4-steps schedule was sized for) and scaled by W / blurRefSide, so
//      the blur is the same fraction of the image side at any resolution. Successive Gaussian blurs
//      compose into one of variance Σσ², so the whole schedule's total blur σ_tot = √Σσ_k² scales by
//      W / blurRefSide too (50 blurs, σ 1 → 0.3: σ_tot ≈ 4.78 px = 2.1 % of 227 px; unscaled on a
//      14-px image it would be 34 % of the side). The kernel is Lindeberg's discrete Gaussian
//      e^{−t}·I_n(t), t = σ² (modified Bessel I_n), whose variance is exactly σ² (up to the 5-tap
//      truncation, < 2 % below σ² for σ ≤ 0.5) also at sub-pixel σ, where sampled Gaussian taps
//      collapse to the identity. The mask radius is already a fraction of the half-width, so it
//      needs no scaling.
//   5. The same ascent from K uniform-noise images in [lo, hi] as the contrast.
// Figures: the final a_u of each facet and noise run, the 99th percentile of a_u over the context's
// real images, and the diversity = mean pairwise (1 − cos) between the K final images of each kind.
import * as tf from '@tensorflow/tfjs';
import { kMeans } from '../core/cluster/kmeans.ts';
import { pca } from '../core/linalg/pca.ts';
import { p } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { withInferenceFeeds } from './cluster-tool.ts';
import { type AnalysisContext, type AnalysisView, defineAnalysisTool } from './tool.ts';

/** Unit u of a [B, d] output (column) or of a [B, h, w, C] map (channel mean over space): [B]. */
export function unitOf(out: tf.Tensor, unit: number, node: string): tf.Tensor1D {
  const last = out.shape.at(-1) ?? 0;
  if (!Number.isInteger(unit) || unit < 0 || unit >= last)
    throw new Error(
      `analyse/params: activationMax param 'unit' is ${unit}, but node '${node}' has units 0 to ${last - 1}`,
    );
  if (out.rank === 2) return tf.gather(out, [unit], 1).reshape([-1]) as tf.Tensor1D;
  if (out.rank === 4) return tf.gather(out, [unit], 3).mean([1, 2, 3]) as tf.Tensor1D;
  throw new Error(
    `analyse/node: node '${node}' outputs rank ${out.rank}; activationMax targets units [d] or maps [h, w, C]`,
  );
}

/** e^{−t}·I_n(t) for n = 0, 1, 2 (I_n: modified Bessel function of the first kind, power series). */
function besselKernel(t: number): [number, number, number] {
  const out: [number, number, number] = [0, 0, 0];
  const h = t / 2;
  for (let n = 0; n <= 2; n++) {
    // Σ_m (t/2)^{2m+n} / (m!·(m+n)!), scaled by e^{−t} term by term (stays finite for t ≤ 100).
    let term = Math.exp(-t);
    for (let k = 1; k <= n; k++) term *= h / k;
    let s = term;
    for (let m = 1; m < 400 && term > 1e-300; m++) {
      term *= (h * h) / (m * (m + n));
      s += term;
    }
    out[n] = s;
  }
  return out;
}

/**
 * Normalised 1-D taps (5) of Lindeberg's discrete Gaussian for σ (variance t = σ²): T(n; t) =
 * e^{−t}·I_n(t), truncated to |n| ≤ 2 and renormalised; the separable factor of the 5×5 blur kernel.
 * Its variance Σ n²·T(n) is σ² up to the truncation (successive blurs then add their variances, as
 * continuous Gaussians do); σ ≤ 0 gives the identity.
 */
export function gaussianTaps(sigma: number): number[] {
  if (!(sigma > 0)) return [0, 0, 1, 0, 0];
  const [k0, k1, k2] = besselKernel(sigma * sigma);
  const t = [k2, k1, k0, k1, k2];
  const s = t.reduce((a, b) => a + b, 0);
  return t.map((v) => v / s);
}

/** Variance Σ n²·g_n of the normalised taps g (n = −2 … 2): the blur a kernel really applies. */
export function tapsVariance(g: readonly number[]): number {
  return g.reduce((s, v, i) => s + (i - 2) * (i - 2) * v, 0);
}

/** The σ of each blur of an ascent, in order: steps t with (t + 1) % blurEvery = 0, σ linear in t/(T − 1). */
export function blurSigmas(
  o: Pick<AscentOptions, 'steps' | 'blurEvery' | 'sigmaFrom' | 'sigmaTo'>,
): number[] {
  const out: number[] = [];
  if (o.blurEvery <= 0) return out;
  const denom = Math.max(1, o.steps - 1);
  for (let t = 0; t < o.steps; t++)
    if ((t + 1) % o.blurEvery === 0) out.push(o.sigmaFrom + (o.sigmaTo - o.sigmaFrom) * (t / denom));
  return out;
}

/** σ₀, σ₁ given for a `refSide`-px image, scaled to a `side`-px one (refSide 0: unscaled, σ in px). */
export function blurScale(side: number, refSide: number): number {
  return refSide > 0 ? side / refSide : 1;
}

/** 5×5 Gaussian blur of [B, H, W, C] per channel (depthwise conv2d, zero 'same' padding). */
export function blur(x: tf.Tensor4D, sigma: number): tf.Tensor4D {
  return tf.tidy(() => {
    const g = gaussianTaps(sigma);
    const c = x.shape[3];
    const k = new Float32Array(25 * c);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) for (let ch = 0; ch < c; ch++) k[(i * 5 + j) * c + ch] = g[i]! * g[j]!;
    return tf.depthwiseConv2d(x, tf.tensor4d(k, [5, 5, c, 1]), 1, 'same');
  });
}

/** Centre mask [1, H, W, 1]: 1 where the pixel centre lies within r·(W/2) of the image centre. */
export function centreMask(h: number, w: number, r: number): Float32Array {
  const m = new Float32Array(h * w);
  const ci = (h - 1) / 2;
  const cj = (w - 1) / 2;
  const rad = (r * w) / 2;
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) m[i * w + j] = Math.hypot(i - ci, j - cj) <= rad ? 1 : 0;
  return m;
}

/** Mean pairwise (1 − cosine) between the rows (each image flattened); 0 for fewer than 2. */
export function meanPairwiseCosineDistance(images: readonly Float32Array[]): number {
  let s = 0;
  let n = 0;
  for (let a = 0; a < images.length; a++)
    for (let b = a + 1; b < images.length; b++) {
      const x = images[a]!;
      const y = images[b]!;
      let xy = 0;
      let xx = 0;
      let yy = 0;
      for (let k = 0; k < x.length; k++) {
        xy += x[k]! * y[k]!;
        xx += x[k]! * x[k]!;
        yy += y[k]! * y[k]!;
      }
      s += 1 - xy / Math.max(1e-12, Math.sqrt(xx * yy));
      n++;
    }
  return n ? s / n : 0;
}

/** The q-quantile (linear interpolation between order statistics, as numpy's default). */
export function quantile(v: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(v).sort();
  if (s.length === 0) return Number.NaN;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (pos - lo) * (s[hi]! - s[lo]!);
}

export interface AscentOptions {
  readonly steps: number;
  readonly lr: number;
  readonly l2: number;
  /** Blur every this many steps (0: never). */
  readonly blurEvery: number;
  readonly sigmaFrom: number;
  readonly sigmaTo: number;
  /** Mask radius at step 0, as a fraction of the half-width (1: the whole inscribed disc at the end). */
  readonly radiusFrom: number;
  readonly lo: number;
  readonly hi: number;
}

/**
 * Gradient ascent on a batch of images x⁰ [B, H, W, C] for unit `unit` of `target`: returns the final
 * images (kept: caller disposes) and a_u of every image before each step and after the last, [T + 1][B].
 */
export function ascend(
  ctx: AnalysisContext,
  target: string,
  unit: number,
  x0: tf.Tensor4D,
  o: AscentOptions,
): { x: tf.Tensor4D; trace: Float32Array[] } {
  const [, h, w] = x0.shape;
  const act = (x: tf.Tensor) =>
    unitOf(
      ctx.compiled
        .run(withInferenceFeeds({ ...ctx, feeds: { [ctx.imageInput]: x } }, target), { training: false })
        .get(target)!,
      unit,
      target,
    );
  const objective = (x: tf.Tensor) => act(x).sum().sub(x.square().sum().mul(o.l2));
  const vg = tf.valueAndGrad(objective);
  let x = tf.clone(x0);
  const trace: Float32Array[] = [];
  const denom = Math.max(1, o.steps - 1);
  const sigmas = blurSigmas(o);
  let nBlur = 0;
  for (let t = 0; t < o.steps; t++) {
    const frac = t / denom;
    const next = tf.tidy(() => {
      const a = act(x);
      trace.push(a.dataSync() as Float32Array);
      const { grad } = vg(x);
      const m = tf.tensor4d(centreMask(h, w, o.radiusFrom + (1 - o.radiusFrom) * frac), [1, h, w, 1]);
      let y = x.add(grad.mul(m).mul(o.lr)).clipByValue(o.lo, o.hi) as tf.Tensor4D;
      if (o.blurEvery > 0 && (t + 1) % o.blurEvery === 0)
        y = blur(y, sigmas[nBlur++]!).clipByValue(o.lo, o.hi) as tf.Tensor4D;
      return y;
    });
    x.dispose();
    x = next;
  }
  trace.push(tf.tidy(() => act(x).dataSync() as Float32Array));
  return { x, trace };
}

const toUnit = (a: Float32Array, lo: number, hi: number) =>
  Float32Array.from(a, (v) => (hi > lo ? (v - lo) / (hi - lo) : 0));

export const activationMaxTool = defineAnalysisTool({
  id: 'activationMax',
  title: 'Multifaceted activation maximisation',
  doc:
    'Multifaceted feature visualisation (Nguyen, Yosinski & Clune 2016, arXiv 1602.03616): the top-N ' +
    'context images by a_u (unit u of the node: a column, or a channel averaged over space) are embedded ' +
    'by the features node (default: the node’s input), projected by PCA and clustered by k-means++ into ' +
    'K facets; each facet starts from the mean of its `initTop` best images and ascends ' +
    'x ← clip(x + η·M_t ⊙ ∇ₓ[a_u(x) − λ‖x‖²]) for T steps, with a 5×5 Gaussian blur (σ from σ₀ to σ₁, ' +
    'given for a `blurRefSide`-px image and scaled by W/blurRefSide, so the total blur √Σσ² is the same ' +
    'fraction of the image side as in the 227-px reference) every `blurEvery` steps and a centre mask M_t ' +
    'of radius r_t·W/2, r_t linear from `radiusFrom` to 1. ' +
    'K ascents from uniform noise are the contrast. Figures: final a_u per facet and noise run, the 99th ' +
    'percentile of a_u over the real images, and the mean pairwise (1 − cos) diversity of each set.',
  params: {
    unit: p.int({ default: 0, min: 0, max: 100_000, doc: 'The unit (column or channel) to maximise.' }),
    facets: p.int({ default: 4, min: 1, max: 16, doc: 'K: facets (k-means clusters of the top images).' }),
    topN: p.int({ default: 200, min: 2, max: 100_000, doc: 'N: top-activating context images clustered.' }),
    pcaDims: p.int({ default: 10, min: 1, max: 1000, doc: 'PCA dimensions of the features before k-means.' }),
    initTop: p.int({
      default: 15,
      min: 1,
      max: 1000,
      doc: 'Each facet starts from the mean of its best this-many images.',
    }),
    features: p.string({
      default: '',
      maxLength: 200,
      doc: "Node whose output embeds the top images (empty: the target node's input).",
    }),
    steps: p.int({ default: 200, min: 0, max: 10_000, doc: 'T: gradient-ascent steps.' }),
    lr: p.float({ default: 0.05, min: 0, max: 100, step: 0.01, doc: 'η: ascent step size.' }),
    l2: p.float({ default: 1e-3, min: 0, max: 10, step: 1e-4, doc: 'λ: L2 penalty on the image.' }),
    blurEvery: p.int({ default: 4, min: 0, max: 1000, doc: 'Blur every this many steps (0: no blur).' }),
    sigmaFrom: p.float({
      default: 1,
      min: 0.05,
      max: 10,
      step: 0.05,
      doc: 'σ of the first blur, in px of a blurRefSide-px image.',
    }),
    sigmaTo: p.float({
      default: 0.3,
      min: 0.05,
      max: 10,
      step: 0.05,
      doc: 'σ of the last blur, in px of a blurRefSide-px image.',
    }),
    blurRefSide: p.int({
      default: 227,
      min: 0,
      max: 4096,
      doc: 'Image side (px) that σ₀, σ₁ refer to; σ is scaled by W/blurRefSide (227: the AlexNet input the schedule was sized for; 0: σ in px of this image, unscaled).',
    }),
    radiusFrom: p.float({
      default: 0.4,
      min: 0,
      max: 1,
      step: 0.05,
      doc: 'Centre-mask radius at the first step, as a fraction of the half-width (grows to 1).',
    }),
    noise: p.bool({ default: true, doc: 'Also run K ascents from uniform noise (the contrast).' }),
    seed: p.int({ default: 0, min: 0, max: 2 ** 31 - 1, doc: 'Seed of k-means++ and the noise images.' }),
  },
  target: {
    doc: 'a unit: a node with outputs [d] (e.g. logits) or a conv map [h, w, channels]',
    ranks: [2, 4],
  },
  async run(ctx, target, params) {
    const t0 = performance.now();
    const x = ctx.feeds[ctx.imageInput];
    if (x?.rank !== 4)
      throw new Error(`analyse/input: input '${ctx.imageInput}' is not an image batch [B, H, W, C]`);
    const [rows, h, w, c] = x.shape as [number, number, number, number];
    const node = ctx.compiled.ir.nodes.find((n) => n.id === target);
    if (!node) throw new Error(`analyse/node: the model has no node '${target}'`);
    const featId =
      params.features || (node.inputs.find((r) => 'node' in r) as { node: string } | undefined)?.node;
    if (!featId || !ctx.compiled.ir.nodes.some((n) => n.id === featId))
      throw new Error(
        `analyse/params: activationMax param 'features' names no node ('${params.features}'); give a node id such as the penultimate layer`,
      );
    const n = Math.min(params.topN, rows);
    if (n <= params.facets)
      throw new Error(
        `analyse/rows: ${n} top images cannot make ${params.facets} facets; add --samples or lower 'facets'`,
      );

    // 1. a_u and the features of every row, in chunks.
    const acts = new Float32Array(rows);
    const feats: Float32Array[] = [];
    let fdim = 0;
    const chunk = 256;
    for (let s = 0; s < rows; s += chunk) {
      tf.tidy(() => {
        const xb = x.slice([s, 0, 0, 0], [Math.min(chunk, rows - s), h, w, c]);
        const vals = ctx.compiled.run(
          withInferenceFeeds({ ...ctx, feeds: { [ctx.imageInput]: xb } }, target),
          {
            training: false,
          },
        );
        acts.set(unitOf(vals.get(target)!, params.unit, target).dataSync(), s);
        const f = vals.get(featId);
        if (!f) throw new Error(`analyse/node: node '${featId}' has no output to embed`);
        fdim = f.size / f.shape[0]!;
        feats.push(Float32Array.from(f.dataSync()));
      });
    }
    const order = [...acts.keys()].sort((a, b) => acts[b]! - acts[a]!);
    const top = order.slice(0, n);
    const allFeat = new Float32Array(rows * fdim);
    let off = 0;
    for (const f of feats) {
      allFeat.set(f, off);
      off += f.length;
    }
    const z = new Float64Array(n * fdim);
    top.forEach((r, i) => {
      for (let k = 0; k < fdim; k++) z[i * fdim + k] = allFeat[r * fdim + k]!;
    });

    // 2. PCA + k-means++.
    const proj = pca({ data: z, rows: n, cols: fdim }, Math.min(params.pcaDims, fdim)).scores;
    const km = kMeans(proj, params.facets, { rng: createRng(params.seed), nInit: 10 });

    // 3. Facet initialisations: mean of each cluster's initTop best (top is sorted by a_u).
    const pix = x.dataSync() as Float32Array;
    const dim = h * w * c;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of pix) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const inits = new Float32Array(params.facets * dim);
    const sizes: number[] = [];
    for (let k = 0; k < params.facets; k++) {
      const members = top.filter((_, i) => km.labels[i] === k);
      sizes.push(members.length);
      const best = members.slice(0, params.initTop);
      for (const r of best)
        for (let q = 0; q < dim; q++)
          inits[k * dim + q] = inits[k * dim + q]! + pix[r * dim + q]! / best.length;
    }
    const rng = createRng(params.seed + 1);
    const noiseImgs = params.noise
      ? Float32Array.from({ length: params.facets * dim }, () => lo + (hi - lo) * rng.next())
      : new Float32Array(0);

    // 4./5. One batched ascent: facets first, then the noise starts.
    const batch = params.noise ? 2 * params.facets : params.facets;
    const start = new Float32Array(batch * dim);
    start.set(inits);
    start.set(noiseImgs, params.facets * dim);
    const x0 = tf.tensor4d(start, [batch, h, w, c]);
    const sigmaScale = blurScale(w, params.blurRefSide);
    const opts: AscentOptions = {
      steps: params.steps,
      lr: params.lr,
      l2: params.l2,
      blurEvery: params.blurEvery,
      sigmaFrom: params.sigmaFrom * sigmaScale,
      sigmaTo: params.sigmaTo * sigmaScale,
      radiusFrom: params.radiusFrom,
      lo,
      hi,
    };
    const { x: xf, trace } = ascend(ctx, target, params.unit, x0, opts);
    const finals = xf.dataSync() as Float32Array;
    x0.dispose();
    xf.dispose();
    const img = (k: number) => finals.slice(k * dim, (k + 1) * dim);
    const facetImgs = Array.from({ length: params.facets }, (_, k) => img(k));
    const noiseFinal = params.noise
      ? Array.from({ length: params.facets }, (_, k) => img(params.facets + k))
      : [];
    const last = trace.at(-1)!;
    const facetActs = Array.from(last.subarray(0, params.facets));
    const noiseActs = params.noise ? Array.from(last.subarray(params.facets, 2 * params.facets)) : [];
    const p99 = quantile(acts, 0.99);
    const facetDiv = meanPairwiseCosineDistance(facetImgs);
    const noiseDiv = meanPairwiseCosineDistance(noiseFinal);

    const figures: Record<string, number> = {
      unit: params.unit,
      'top images': n,
      facets: params.facets,
      'a_u p99 (real images)': p99,
      'a_u max (real images)': acts[order[0]!]!,
      'a_u facet min': Math.min(...facetActs),
      'a_u facet mean': facetActs.reduce((s, v) => s + v, 0) / facetActs.length,
      'facets ≥ p99': facetActs.filter((v) => v >= p99).length / facetActs.length,
      'facet diversity': facetDiv,
      'facet pixels at the clip bounds': (() => {
        let at = 0;
        for (const im of facetImgs) for (const v of im) if (v <= lo + 1e-6 || v >= hi - 1e-6) at++;
        return at / (params.facets * dim);
      })(),
      'blur σ scale (W / blurRefSide)': sigmaScale,
      'total blur σ (px, √Σσ² of the kernels)': Math.sqrt(
        blurSigmas(opts).reduce((s, v) => s + tapsVariance(gaussianTaps(v)), 0),
      ),
      'initialisation diversity': meanPairwiseCosineDistance(
        Array.from({ length: params.facets }, (_, k) => inits.slice(k * dim, (k + 1) * dim)),
      ),
    };
    if (params.noise) {
      figures['a_u noise mean'] = noiseActs.reduce((s, v) => s + v, 0) / noiseActs.length;
      figures['noise diversity'] = noiseDiv;
      figures['diversity ratio'] = noiseDiv > 0 ? facetDiv / noiseDiv : Number.POSITIVE_INFINITY;
    }
    const images = (
      title: string,
      list: Float32Array[],
      labels: string[],
      values?: number[],
    ): AnalysisView => ({
      kind: 'images',
      title,
      height: h,
      width: w,
      channels: c,
      images: list.map((a) => toUnit(a, lo, hi)),
      labels,
      ...(values ? { values } : {}),
    });
    const views: AnalysisView[] = [
      images(
        `facets of unit ${params.unit} (cluster-initialised AM, a_u)`,
        facetImgs,
        facetActs.map((v, k) => `facet ${k} (${sizes[k]} imgs): ${v.toFixed(2)}`),
        facetActs,
      ),
      images(
        'facet initialisations (cluster means)',
        Array.from({ length: params.facets }, (_, k) => inits.slice(k * dim, (k + 1) * dim)),
        sizes.map((s, k) => `facet ${k}: mean of ${Math.min(s, params.initTop)}`),
      ),
    ];
    if (params.noise)
      views.push(
        images(
          'AM from uniform noise (contrast)',
          noiseFinal,
          noiseActs.map((v, k) => `noise ${k}: ${v.toFixed(2)}`),
          noiseActs,
        ),
      );
    const shownTop = top.slice(0, Math.min(8, n));
    views.push(
      images(
        'top real images',
        shownTop.map((r) => pix.slice(r * dim, (r + 1) * dim) as Float32Array),
        shownTop.map((r) => `row ${r}: ${acts[r]!.toFixed(2)}`),
        shownTop.map((r) => acts[r]!),
      ),
    );
    views.push({
      kind: 'curve',
      title: 'mean a_u of the facets vs ascent step',
      x: trace.map((_, t) => t),
      y: trace.map((a) => {
        let s = 0;
        for (let k = 0; k < params.facets; k++) s += a[k]!;
        return s / params.facets;
      }),
    });
    figures.ms = performance.now() - t0;
    return { views, figures };
  },
});
