// The registered analysis tools: Grad-CAM, Eigen-CAM, CF-CAM (cf-cam.ts), cluster (cluster-tool.ts), inductiveBias (inductive-bias-tool.ts), activationMax (activation-max.ts), cett (cett.ts), ppgnSampler (ppgn.ts). Add a tool by defining it here (or in its
// own file) and listing it in ANALYSIS_TOOLS.
import * as tf from '@tensorflow/tfjs';
import { p } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { stdOf } from '../core/stats.ts';
import { activationMaxTool } from './activation-max.ts';
import { eigenCam, featureMap, gradCam, guidedBackprop, guidedGradCam, upsampleMaps } from './cam.ts';
import { averageDropIncrease, boxAt, deletionCurve, energyInBox, pointingGame } from './cam-metrics.ts';
import { cettTool } from './cett.ts';
import { camGradients, cfCamImage } from './cf-cam.ts';
import { clusterTool } from './cluster-tool.ts';
import { inductiveBiasTool } from './inductive-bias-tool.ts';
import { ppgnSamplerTool } from './ppgn.ts';
import {
  type AnalysisContext,
  type AnalysisResult,
  type AnyAnalysisTool,
  defineAnalysisTool,
} from './tool.ts';

const CONV_TARGET = {
  doc: 'a conv feature map [h, w, channels] (e.g. the last conv layer before pooling)',
  ranks: [4],
};

const metricParams = {
  dilate: p.int({ default: 0, min: 0, max: 16, doc: 'Pixels the box is grown by for the pointing game.' }),
  deletionSteps: p.int({ default: 10, min: 0, max: 100, doc: 'Deletion-curve steps (0: skip the curve).' }),
};

/** Heat-map views and the CAM metrics (those the context's boxes allow) for normalised maps. */
function camResult(
  ctx: AnalysisContext,
  maps: Float32Array[],
  classes: Int32Array,
  opts: { dilate: number; deletionSteps: number },
  ms: number,
): AnalysisResult {
  const x = ctx.feeds[ctx.imageInput] as tf.Tensor4D;
  const [, h, w, ch] = x.shape;
  const pixels = x.dataSync();
  const items = maps.map((heat, i) => {
    const base = new Float32Array(h * w);
    for (let k = 0; k < h * w; k++) base[k] = pixels[(i * h * w + k) * ch]!;
    return { base, heat, label: `class ${classes[i]}`, ...(ctx.boxes ? { box: boxAt(ctx.boxes, i) } : {}) };
  });
  const figures: Record<string, number> = { samples: maps.length, 'ms/image': ms / Math.max(1, maps.length) };
  if (ctx.boxes) {
    figures['pointing game'] = pointingGame(maps, w, ctx.boxes, opts.dilate);
    figures['energy in box'] =
      maps.reduce((s, m, i) => s + energyInBox(m, w, boxAt(ctx.boxes!, i)), 0) / maps.length;
  }
  const ad = averageDropIncrease(ctx.compiled, ctx.feeds, ctx.imageInput, ctx.scores, classes, maps);
  figures['average drop'] = ad.drop;
  figures['average increase'] = ad.increase;
  const views: AnalysisResult['views'][number][] = [{ kind: 'heatmaps', height: h, width: w, items }];
  if (opts.deletionSteps > 0) {
    const d = deletionCurve(
      ctx.compiled,
      ctx.feeds,
      ctx.imageInput,
      ctx.scores,
      classes,
      maps,
      opts.deletionSteps,
    );
    figures['deletion AUC'] = d.auc;
    views.push({
      kind: 'curve',
      title: 'deletion: p(class) vs fraction of pixels zeroed',
      x: d.fractions,
      y: d.probs,
    });
  }
  return { views, figures };
}

const imageSize = (ctx: AnalysisContext) => {
  const x = ctx.feeds[ctx.imageInput];
  if (x?.rank !== 4)
    throw new Error(`analyse/input: input '${ctx.imageInput}' is not an image batch [B, H, W, C]`);
  return [x.shape[1]!, x.shape[2]!] as const;
};

export const gradCamTool = defineAnalysisTool({
  id: 'gradCam',
  title: 'Grad-CAM',
  doc:
    'Grad-CAM (Selvaraju et al., ICCV 2017, arXiv 1610.02391): α_k = (1/hw) Σ_ij ∂y_c/∂A_ij^k for the ' +
    'pre-softmax score y_c, map = ReLU(Σ_k α_k A^k), bilinearly upsampled to the input and min-max ' +
    'normalised. Class = the given class or the predicted one. `guided`: guided Grad-CAM — guided ' +
    'backpropagation (every ReLU passes dy·[x > 0]·[dy > 0] back to the image) times the upsampled map, ' +
    'shown as its magnitude divided by the max.',
  params: {
    ...metricParams,
    guided: p.bool({
      default: false,
      doc: 'Guided Grad-CAM: guided backprop to the image ⊙ the upsampled map (pixel-level detail).',
    }),
  },
  target: CONV_TARGET,
  async run(ctx, target, params) {
    const [h, w] = imageSize(ctx);
    const t0 = performance.now();
    const g = gradCam(ctx.compiled, ctx.feeds, target, ctx.scores, ctx.classes);
    let maps: Float32Array[];
    if (params.guided) {
      const gb = guidedBackprop(ctx.compiled, ctx.feeds, ctx.imageInput, ctx.scores, g.classes);
      const gg = guidedGradCam(gb, g.cams);
      const mag = gg.abs() as tf.Tensor3D;
      maps = upsampleMaps(mag, h, w, 'max');
      tf.dispose([gb, gg, mag]);
    } else maps = upsampleMaps(g.cams, h, w, 'minmax');
    const ms = performance.now() - t0;
    g.cams.dispose();
    g.alpha.dispose();
    return camResult(ctx, maps, g.classes, params, ms);
  },
});

export const eigenCamTool = defineAnalysisTool({
  id: 'eigenCam',
  title: 'Eigen-CAM',
  doc:
    'Eigen-CAM (Bany Muhammad & Yeasin 2020): the target activations reshaped to M [hw, K] with centred ' +
    'columns are projected on their first principal direction v₁ (power iteration on MᵀM from 1/√K), ' +
    'the sign fixed so the map correlates positively with the channel mean, then ReLU, bilinear ' +
    'upsampling and division by the max. Forward only and class-agnostic (metrics use the predicted or given class).',
  params: {
    ...metricParams,
    iterations: p.int({ default: 30, min: 1, max: 1000, doc: 'Power-iteration steps.' }),
  },
  target: CONV_TARGET,
  async run(ctx, target, params) {
    const [h, w] = imageSize(ctx);
    const t0 = performance.now();
    const e = (() => {
      const { a, values } = featureMap(ctx.compiled, ctx.feeds, target);
      const out = eigenCam(a, params.iterations);
      const s = values.get(ctx.scores);
      const classes =
        ctx.classes ?? (s ? tf.tidy(() => s.argMax(1).dataSync() as Int32Array) : new Int32Array(a.shape[0]));
      for (const [k, v] of values) if (!(k in ctx.feeds)) v.dispose();
      return { ...out, classes };
    })();
    const maps = upsampleMaps(e.cams, h, w, 'max');
    const ms = performance.now() - t0;
    e.cams.dispose();
    e.v.dispose();
    return camResult(ctx, maps, e.classes, params, ms);
  },
});

/** Adds N(0, (level·std(G))²) to each image's gradients (seeded), in place: the robustness probe. */
export function perturbGradients(g: Float32Array[], level: number, seed: number): void {
  if (level <= 0) return;
  const rng = createRng(seed);
  for (const gi of g) {
    const s = level * stdOf(gi);
    for (let k = 0; k < gi.length; k++) gi[k] = gi[k]! + s * rng.normal();
  }
}

export const cfCamTool = defineAnalysisTool({
  id: 'cfCam',
  title: 'CF-CAM',
  doc:
    'CF-CAM (Cluster Filter CAM, He, Pan & Yao 2025, arXiv 2504.00060; official code jerryp-hfut/CF-CAM): channels with ' +
    '‖A_c‖₂ ≥ the 75th percentile keep w_c = mean(∂y_c/∂A_c); the rest are clustered by DBSCAN on their ' +
    'activation maps (eps = 25th percentile of their pairwise distances, minPts = max(2, ⌊5 %⌋)), noise ' +
    'channels are dropped, and each cluster shares w = mean(Filter(mean gradient of the cluster)) ' +
    '(bilateral as the official code, or the paper’s 5×5 Gaussian σ 1); map = ReLU(Σ softmax(w)_c A_c), ' +
    'bilinearly upsampled and divided by its max. `noiseLevel` adds N(0, (level·std G)²) to the gradients ' +
    'first (robustness probe).',
  params: {
    ...metricParams,
    filter: p.enum(
      ['bilateral', 'gaussian'],
      'bilateral',
      'Cluster-gradient filter: bilateral (official code) or 5×5 Gaussian σ 1 px (paper).',
    ),
    noiseLevel: p.float({
      default: 0,
      min: 0,
      max: 10,
      step: 0.05,
      doc: 'Gradient noise σ as a multiple of std(G) per image (0: none).',
    }),
    noiseSeed: p.int({ default: 1, min: 0, max: 1_000_000, doc: 'Seed of the gradient noise.' }),
  },
  target: CONV_TARGET,
  async run(ctx, target, params) {
    const [h, w] = imageSize(ctx);
    const t0 = performance.now();
    const ag = camGradients(ctx.compiled, ctx.feeds, target, ctx.scores, ctx.classes);
    perturbGradients(ag.g, params.noiseLevel, params.noiseSeed);
    const hw = ag.h * ag.w;
    const flat = new Float32Array(ag.a.length * hw);
    let clusters = 0;
    let discarded = 0;
    for (const [i, a] of ag.a.entries()) {
      const r = cfCamImage(a, ag.g[i]!, ag.h, ag.w, ag.channels, params.filter);
      flat.set(r.cam, i * hw);
      clusters += r.clusters;
      discarded += r.labels.filter((l) => l === -1).length;
    }
    const cams = tf.tensor3d(flat, [ag.a.length, ag.h, ag.w]);
    const maps = upsampleMaps(cams, h, w, 'max');
    cams.dispose();
    const ms = performance.now() - t0;
    const res = camResult(ctx, maps, ag.classes, params, ms);
    const n = Math.max(1, ag.a.length);
    return {
      ...res,
      figures: { ...res.figures, 'clusters/image': clusters / n, 'noise channels/image': discarded / n },
    };
  },
});

export const ANALYSIS_TOOLS: readonly AnyAnalysisTool[] = [
  gradCamTool,
  eigenCamTool,
  cfCamTool,
  clusterTool,
  inductiveBiasTool,
  activationMaxTool,
  cettTool,
  ppgnSamplerTool,
];

export const findAnalysisTool = (id: string): AnyAnalysisTool | undefined =>
  ANALYSIS_TOOLS.find((t) => t.id === id);
