// CETT (cumulative errors of tail truncation; Luo, Song et al., "Sparsing Law", ICML 2025, arXiv
// 2411.02335; official code thunlp/SparsingLaw src/calc_cett.py): performance-aware activation
// sparsity of gated FFNs (layers.gatedFfn).
//
// Neuron i of a gated FFN outputs n_i = a_i · W_down[i, :]; it is inactive at threshold ε when
// ‖n_i‖ = |a_i|·‖W_down[i, :]‖ < ε. Per token, CETT(ε) = ‖Σ_{i inactive} n_i‖ / ‖Σ_i n_i‖.
// Inner search: for a target c, each layer's ε_l is the largest ε whose mean token CETT (on the dense
// forward's activations) is ≤ c (bisection). Outer search: the largest c whose masked forward (every
// layer's `threshold` runtime param set to its ε_l) keeps PPL(sparse)/PPL(dense) = exp(CE_s − CE_d)
// ≤ 1 + p/100 (bisection on c ∈ [0, 1]). Sparsity = mean over layers and tokens of the inactive
// fraction; activation ratio = 1 − sparsity ("PPL-p% sparsity").
import * as tf from '@tensorflow/tfjs';
import { downRowNorms, gatedFfnActivations } from '../../nodes/layers/gated-ffn.ts';
import { type CompiledModel, outputOf } from '../compiler/compile.ts';
import { KernelLayer } from '../compiler/kernel-layer.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { p } from '../core/params.ts';
import { type AnalysisResult, type AnalysisView, defineAnalysisTool } from './tool.ts';

export const GATED_FFN_TYPE = 'layers.gatedFfn';

/** One gated FFN's dense-forward activations on the probe rows (tensors kept until dispose()). */
export interface FfnProbe {
  readonly id: string;
  /** Intermediate activations a [rows, d_ff]. */
  readonly a: tf.Tensor2D;
  /** ‖n_i‖ = |a_i|·‖W_down[i, :]‖ [rows, d_ff]. */
  readonly norms: tf.Tensor2D;
  readonly wDown: tf.Tensor2D;
  /** ‖y‖ per row [rows]. */
  readonly yNorm: tf.Tensor1D;
  /** The largest ‖n_i‖ (every neuron is inactive above it). */
  readonly maxNorm: number;
  /** Fraction of exactly-zero activations (ReLU's own sparsity). */
  readonly zeroFraction: number;
  dispose(): void;
}

function kernelLayer(compiled: CompiledModel, id: string): KernelLayer {
  const layer = compiled.layers.get(id);
  if (!(layer instanceof KernelLayer) || layer.kernelType !== GATED_FFN_TYPE)
    throw new Error(`analyse/node: CETT needs gated FFN nodes (${GATED_FFN_TYPE}); '${id}' is not one`);
  return layer;
}

/** The gated FFN node ids of a compiled graph, in graph order. */
export function gatedFfnNodes(compiled: CompiledModel): string[] {
  return compiled.ir.nodes.filter((n) => n.type === GATED_FFN_TYPE).map((n) => n.id);
}

/** Runs the model (every threshold as it is set) and reads each listed gated FFN's activations. */
export function probeFfns(
  compiled: CompiledModel,
  feeds: Readonly<Record<string, tf.Tensor>>,
  ids: readonly string[],
): FfnProbe[] {
  let out: FfnProbe[] = [];
  tf.tidy(() => {
    const values = compiled.run(feeds, { training: false });
    out = ids.map((id) => {
      const layer = kernelLayer(compiled, id);
      const node = compiled.ir.nodes.find((n) => n.id === id)!;
      const ref = node.inputs[0];
      const x = ref && 'node' in ref ? outputOf(values, ref) : undefined;
      if (!x) throw new Error(`analyse/node: gated FFN '${id}' has no input value`);
      const d = x.shape[x.shape.length - 1]!;
      const x2 = x.reshape([-1, d]);
      const w = (name: string) => layer.weightNamed(name)!.read();
      const a = gatedFfnActivations(
        tfOps,
        x2,
        w('wGate'),
        w('wUp'),
        String(layer.params.activation),
      ) as tf.Tensor2D;
      const wDown = w('wDown') as tf.Tensor2D;
      const norms = tf.mul(tf.abs(a), downRowNorms(tfOps, wDown)) as tf.Tensor2D;
      const yNorm = tf.norm(tf.matMul(a, wDown), 'euclidean', 1) as tf.Tensor1D;
      const maxNorm = norms.max().dataSync()[0]!;
      const zeroFraction = tf.equal(a, 0).cast('float32').mean().dataSync()[0]!;
      const kept = [tf.keep(a), tf.keep(norms), tf.keep(wDown.clone()), tf.keep(yNorm)] as const;
      return {
        id,
        a: kept[0],
        norms: kept[1],
        wDown: kept[2] as tf.Tensor2D,
        yNorm: kept[3],
        maxNorm,
        zeroFraction,
        dispose: () => {
          for (const t of kept) t.dispose();
        },
      };
    });
  });
  return out;
}

/**
 * At threshold ε: mean over rows of ‖(a ⊙ 1[N < ε]) W_down‖ / ‖y‖ (a row with ‖y‖ = 0 counts 0), and
 * the inactive fraction mean(1[N < ε]).
 */
export function cettAt(probe: FfnProbe, eps: number): { cett: number; sparsity: number } {
  return tf.tidy(() => {
    const mask = tf.less(probe.norms, eps).cast('float32');
    const tail = tf.norm(tf.matMul(tf.mul(probe.a, mask), probe.wDown), 'euclidean', 1);
    const safe = tf.where(tf.greater(probe.yNorm, 0), probe.yNorm, tf.onesLike(probe.yNorm));
    const ratio = tf.where(tf.greater(probe.yNorm, 0), tf.div(tail, safe), tf.zerosLike(tail));
    return { cett: ratio.mean().dataSync()[0]!, sparsity: mask.mean().dataSync()[0]! };
  });
}

export interface LayerThreshold {
  readonly id: string;
  readonly eps: number;
  readonly cett: number;
  readonly sparsity: number;
}

/** The largest ε (bisection, `iterations` halvings of [0, max‖n_i‖]) whose mean CETT ≤ c. */
export function thresholdForCett(probe: FfnProbe, c: number, iterations = 24): LayerThreshold {
  let lo = 0;
  let hi = probe.maxNorm * (1 + 1e-6) + 1e-30;
  let at = cettAt(probe, lo);
  const top = cettAt(probe, hi);
  if (top.cett <= c) return { id: probe.id, eps: hi, ...top };
  for (let k = 0; k < iterations; k++) {
    const mid = 0.5 * (lo + hi);
    const m = cettAt(probe, mid);
    if (m.cett <= c) {
      lo = mid;
      at = m;
    } else hi = mid;
  }
  return { id: probe.id, eps: lo, ...at };
}

/** Mean cross-entropy of the scores node against `labels` (logits, or probabilities). */
function crossEntropy(
  compiled: CompiledModel,
  feeds: Readonly<Record<string, tf.Tensor>>,
  scores: string,
  labels: Int32Array,
  from: 'logits' | 'probabilities',
): number {
  return tf.tidy(() => {
    const s = compiled.run(feeds, { training: false }).get(scores);
    if (!s) throw new Error(`analyse/node: no scores node '${scores}'`);
    const logP = from === 'logits' ? tf.logSoftmax(s) : tf.log(tf.clipByValue(s, 1e-7, 1));
    const picked = tf.sum(tf.mul(logP, tf.oneHot(tf.tensor1d(labels, 'int32'), s.shape[1]!)), 1);
    return -picked.mean().dataSync()[0]!;
  });
}

/** Sets (or, with undefined, resets) every listed gated FFN's threshold. */
function setThresholds(
  compiled: CompiledModel,
  t: readonly LayerThreshold[] | undefined,
  ids: readonly string[],
) {
  for (const [i, id] of ids.entries()) {
    if (t) compiled.setRuntimeParams(id, { threshold: t[i]!.eps });
    else compiled.resetRuntimeParams(id);
  }
}

export interface CettPoint {
  readonly c: number;
  readonly thresholds: readonly LayerThreshold[];
  /** Mean over layers of the inactive fraction. */
  readonly sparsity: number;
  readonly ce: number;
  /** PPL(sparse) / PPL(dense) = exp(CE_sparse − CE_dense). */
  readonly pplRatio: number;
}

export interface CettReport {
  readonly layers: readonly string[];
  readonly denseCe: number;
  /** The chosen point: the fixed c, or the largest c within the PPL tolerance. */
  readonly chosen: CettPoint;
  /** Every c evaluated (outer search), in evaluation order. */
  readonly points: readonly CettPoint[];
  readonly zeroFraction: number;
}

export interface CettOptions {
  /** Target CETT c; when absent, the outer search finds the largest c with PPL ratio ≤ 1 + p/100. */
  readonly cett?: number;
  /** PPL tolerance p in percent (outer search). */
  readonly p?: number;
  readonly outerIterations?: number;
  readonly innerIterations?: number;
  readonly scoresAre?: 'logits' | 'probabilities';
}

/**
 * CETT sparsity of the listed gated FFNs on the given rows (labels: the true next classes of the
 * rows, for the PPL ratio). Thresholds are reset afterwards. Synchronous (tfjs sync reads).
 */
export function cettSparsity(
  compiled: CompiledModel,
  feeds: Readonly<Record<string, tf.Tensor>>,
  scores: string,
  labels: Int32Array,
  ids: readonly string[],
  opts: CettOptions = {},
): CettReport {
  if (ids.length === 0) throw new Error(`analyse/node: the graph has no gated FFN (${GATED_FFN_TYPE}) node`);
  const from = opts.scoresAre ?? 'logits';
  setThresholds(compiled, undefined, ids);
  const probes = probeFfns(compiled, feeds, ids);
  try {
    const denseCe = crossEntropy(compiled, feeds, scores, labels, from);
    const points: CettPoint[] = [];
    const evaluate = (c: number): CettPoint => {
      const thresholds = probes.map((pr) => thresholdForCett(pr, c, opts.innerIterations ?? 24));
      setThresholds(compiled, thresholds, ids);
      let ce: number;
      try {
        ce = crossEntropy(compiled, feeds, scores, labels, from);
      } finally {
        setThresholds(compiled, undefined, ids);
      }
      const sparsity = thresholds.reduce((s, t) => s + t.sparsity, 0) / thresholds.length;
      const point = { c, thresholds, sparsity, ce, pplRatio: Math.exp(ce - denseCe) };
      points.push(point);
      return point;
    };
    let chosen: CettPoint;
    if (opts.cett !== undefined) chosen = evaluate(opts.cett);
    else {
      const limit = 1 + (opts.p ?? 1) / 100;
      let lo = evaluate(0);
      let hi = 1;
      for (let k = 0; k < (opts.outerIterations ?? 10); k++) {
        const mid = evaluate(0.5 * (lo.c + hi));
        if (mid.pplRatio <= limit) lo = mid;
        else hi = mid.c;
      }
      chosen = lo;
    }
    const zeroFraction = probes.reduce((s, pr) => s + pr.zeroFraction, 0) / probes.length;
    return { layers: [...ids], denseCe, chosen, points, zeroFraction };
  } finally {
    for (const pr of probes) pr.dispose();
  }
}

export const cettTool = defineAnalysisTool({
  id: 'cett',
  title: 'CETT activation sparsity (gated FFN)',
  doc:
    'CETT (Luo, Song et al., "Sparsing Law: Towards Large Language Models with Greater Activation Sparsity", ICML 2025, ' +
    'arXiv 2411.02335): neuron i of a gated FFN is inactive when ‖n_i‖ = |a_i|·‖W_down[i,:]‖ < ε; per token ' +
    'CETT(ε) = ‖Σ_{inactive} n_i‖ / ‖y‖. Each layer’s ε_l is bisected so its mean CETT on the rows is the target c; ' +
    'with `cett` 0 an outer bisection on c finds the largest c whose masked forward keeps PPL(sparse)/PPL(dense) ≤ ' +
    '1 + p/100 (PPL-p% sparsity). Reports sparsity = mean inactive fraction over layers and tokens, activation ratio ' +
    '= 1 − sparsity, ε_l, and the sparsity-vs-PPL-ratio points of the search.',
  params: {
    cett: p.float({
      default: 0,
      min: 0,
      max: 1,
      doc: 'Target CETT c for every layer; 0: search the largest c within the PPL tolerance p.',
    }),
    p: p.float({ default: 1, min: 0, max: 100, doc: 'PPL tolerance in percent (PPL-p% sparsity).' }),
    layers: p.enum(
      ['all', 'target'] as const,
      'all',
      'all: every gated FFN of the graph; target: the chosen node only.',
    ),
    scoresAre: p.enum(
      ['logits', 'probabilities'] as const,
      'logits',
      'Whether the scores node outputs logits or probabilities (for the cross-entropy).',
    ),
    outerIterations: p.int({ default: 10, min: 1, max: 40, doc: 'Bisection steps on c.' }),
    innerIterations: p.int({ default: 24, min: 1, max: 60, doc: 'Bisection steps on each layer’s ε.' }),
  },
  target: { doc: `a gated FFN node (${GATED_FFN_TYPE})`, ranks: [2, 3] },
  async run(ctx, target, params) {
    const t0 = performance.now();
    if (!ctx.classes)
      throw new Error(
        'analyse/labels: CETT measures the PPL ratio against the true classes; run it with true labels',
      );
    kernelLayer(ctx.compiled, target);
    const ids = params.layers === 'target' ? [target] : gatedFfnNodes(ctx.compiled);
    const r = cettSparsity(ctx.compiled, ctx.feeds, ctx.scores, ctx.classes, ids, {
      ...(params.cett > 0 ? { cett: params.cett } : { p: params.p }),
      outerIterations: params.outerIterations,
      innerIterations: params.innerIterations,
      scoresAre: params.scoresAre,
    });
    const c = r.chosen;
    const figures: Record<string, number> = {
      CETT: c.c,
      sparsity: c.sparsity,
      'activation ratio': 1 - c.sparsity,
      'PPL ratio': c.pplRatio,
      'dense CE': r.denseCe,
      'sparse CE': c.ce,
      'exact-zero fraction': r.zeroFraction,
    };
    for (const t of c.thresholds) {
      figures[`ε ${t.id}`] = t.eps;
      figures[`sparsity ${t.id}`] = t.sparsity;
    }
    const sorted = [...r.points].sort((a, b) => a.c - b.c);
    const views: AnalysisView[] = [
      {
        kind: 'curve',
        title: 'PPL(sparse)/PPL(dense) vs sparsity (CETT search points)',
        x: sorted.map((q) => q.sparsity),
        y: sorted.map((q) => q.pplRatio),
      },
      {
        kind: 'table',
        columns: ['layer', 'ε', 'CETT', 'sparsity'],
        rows: c.thresholds.map((t) => [
          t.id,
          Number(t.eps.toPrecision(4)),
          Number(t.cett.toFixed(4)),
          Number(t.sparsity.toFixed(4)),
        ]),
      },
    ];
    figures.ms = performance.now() - t0;
    return { views, figures } satisfies AnalysisResult;
  },
});
