// The registered analysis tools: Grad-CAM, Eigen-CAM and cluster (cluster-tool.ts). Add a tool by defining it here (or in its
// own file) and listing it in ANALYSIS_TOOLS.
import * as tf from '@tensorflow/tfjs';
import { p } from '../core/params.ts';
import { eigenCam, featureMap, gradCam, upsampleMaps } from './cam.ts';
import { averageDropIncrease, boxAt, deletionCurve, energyInBox, pointingGame } from './cam-metrics.ts';
import { clusterTool } from './cluster-tool.ts';
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
    'normalised. Class = the given class or the predicted one.',
  params: metricParams,
  target: CONV_TARGET,
  async run(ctx, target, params) {
    const [h, w] = imageSize(ctx);
    const t0 = performance.now();
    const g = gradCam(ctx.compiled, ctx.feeds, target, ctx.scores, ctx.classes);
    const maps = upsampleMaps(g.cams, h, w, 'minmax');
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

export const ANALYSIS_TOOLS: readonly AnyAnalysisTool[] = [gradCamTool, eigenCamTool, clusterTool];

export const findAnalysisTool = (id: string): AnyAnalysisTool | undefined =>
  ANALYSIS_TOOLS.find((t) => t.id === id);
