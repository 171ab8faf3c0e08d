// Analysis tool `cluster` (W4): runs the graph to a chosen node on the context's rows, keeps the rows
// of a class subset (e.g. the novel classes of a novel-class-discovery split), clusters the node's
// output with k-means++ (k given, or the silhouette argmax over a range) and scores the clusters
// against the true classes: Hungarian accuracy, NMI, ARI. Optionally the same for the model input
// (standardised) as the baseline. Pure clustering maths in src/core/cluster (Float64, no tfjs).
import * as tf from '@tensorflow/tfjs';
import { kMeans } from '../core/cluster/kmeans.ts';
import {
  ari,
  clusteringAccuracy,
  contingency,
  estimateK,
  nmi,
  silhouette,
  standardize,
} from '../core/cluster/metrics.ts';
import type { Matrix } from '../core/linalg/ridge.ts';
import { p } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { type AnalysisContext, type AnalysisResult, type AnalysisView, defineAnalysisTool } from './tool.ts';

/** Parses '5,6,7' (empty: every class) or throws an analyse/params message naming the field. */
export function parseClassList(s: string): number[] | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  const parts = t.split(',').map((x) => x.trim());
  const out = parts.map(Number);
  if (out.some((v, i) => parts[i] === '' || !Number.isInteger(v) || v < 0))
    throw new Error(
      `analyse/params: cluster param 'classes' must be comma-separated class ids such as '5,6,7,8,9' (got '${s}')`,
    );
  return out;
}

/** A node's output (or a feed) for every context row, flattened to [rows, features]. */
function rowsOf(t: tf.Tensor): Matrix {
  const rows = t.shape[0] ?? 0;
  const cols = rows > 0 ? t.size / rows : 0;
  return { data: Float64Array.from(t.dataSync()), rows, cols };
}

function pick(x: Matrix, idx: readonly number[]): Matrix {
  const out = new Float64Array(idx.length * x.cols);
  idx.forEach((r, i) => {
    out.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols);
  });
  return { data: out, rows: idx.length, cols: x.cols };
}

/** The ids of the nodes `target` reads, directly or not (itself included). */
function ancestors(ir: AnalysisContext['compiled']['ir'], target: string): Set<string> {
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const stack = [target];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const r of byId.get(id)?.inputs ?? []) if ('node' in r) stack.push(r.node);
  }
  return seen;
}

/**
 * The context's feeds plus zeros for training-only inputs (labels or masks that only losses read):
 * run() executes every model node, but those inputs cannot change the target, which is checked.
 * Call inside tf.tidy.
 */
export function withInferenceFeeds(ctx: AnalysisContext, target: string): Record<string, tf.Tensor> {
  const feeds: Record<string, tf.Tensor> = { ...ctx.feeds };
  const rows = Object.values(ctx.feeds)[0]?.shape[0] ?? 0;
  const needed = ancestors(ctx.compiled.ir, target);
  for (const n of ctx.compiled.ir.nodes) {
    if (n.op.kind !== 'input' || n.id in feeds) continue;
    if (!n.op.trainingOnly || needed.has(n.id))
      throw new Error(
        `analyse/input: node '${target}' reads input '${n.id}', which the analysis context does not feed`,
      );
    feeds[n.id] = tf.zeros(
      [rows, ...n.op.shape.map((d) => d ?? 1)],
      n.op.dtype === 'int32' ? 'int32' : 'float32',
    );
  }
  return feeds;
}

interface Scored {
  readonly k: number;
  readonly clusters: Int32Array;
  readonly accuracy: number;
  readonly nmi: number;
  readonly ari: number;
  readonly silhouette: number;
  readonly estimate?: ReturnType<typeof estimateK>;
}

function clusterAndScore(
  x: Matrix,
  labels: Int32Array,
  k: number,
  range: readonly number[],
  opts: { seed: number; nInit: number },
): Scored {
  const estimate =
    k === 0 ? estimateK(x, range, { rng: createRng(opts.seed), nInit: opts.nInit }) : undefined;
  const kk = estimate?.k ?? k;
  if (x.rows <= kk)
    throw new Error(`analyse/rows: ${x.rows} rows cannot make ${kk} clusters; lower k or add --samples`);
  const r = kMeans(x, kk, { rng: createRng(opts.seed + 1), nInit: opts.nInit });
  return {
    k: kk,
    clusters: r.labels,
    accuracy: clusteringAccuracy(labels, r.labels).accuracy,
    nmi: nmi(labels, r.labels),
    ari: ari(labels, r.labels),
    silhouette: kk >= 2 ? silhouette(x, r.labels) : 0,
    ...(estimate ? { estimate } : {}),
  };
}

export const clusterTool = defineAnalysisTool({
  id: 'cluster',
  title: 'Cluster (k-means++, Hungarian accuracy)',
  doc:
    'Clusters a node’s output (flattened per row) on the context’s rows of the chosen classes with k-means++ ' +
    '(Arthur & Vassilvitskii 2007; nInit restarts, lowest inertia), k given or the argmax of the mean silhouette ' +
    's = (b − a)/max(a, b) over kMin..kMax (Rousseeuw 1987), and scores the clusters against the true classes: ' +
    'accuracy under the best one-to-one cluster→class map (Hungarian), NMI (arithmetic) and ARI. The baseline ' +
    'clusters the standardised model input the same way. As in PBN novel class discovery (Troisemaine et al., ' +
    'DMKD 2024, arXiv 2311.05440), the latent is clustered unnormalised unless `standardize` is set.',
  params: {
    k: p.int({ default: 0, min: 0, max: 100, doc: 'Clusters; 0: estimate by silhouette over kMin..kMax.' }),
    kMin: p.int({ default: 2, min: 2, max: 100, doc: 'Smallest k tried when estimating.' }),
    kMax: p.int({ default: 10, min: 2, max: 100, doc: 'Largest k tried when estimating.' }),
    classes: p.string({
      default: '',
      maxLength: 400,
      doc: "Comma-separated class ids whose rows are clustered (e.g. the novel classes '5,6,7,8,9'); empty: all rows.",
    }),
    nInit: p.int({ default: 10, min: 1, max: 100, doc: 'k-means++ restarts (the lowest inertia wins).' }),
    standardize: p.bool({
      default: false,
      doc: 'Standardise the node output per feature before clustering.',
    }),
    baseline: p.bool({ default: true, doc: 'Also cluster the standardised model input with the same k.' }),
    seed: p.int({ default: 0, min: 0, max: 2 ** 31 - 1, doc: 'Seed of the k-means++ draws.' }),
  },
  target: {
    doc: 'any node with one output per row (features [d], or a map flattened per row)',
    ranks: [2, 3, 4],
  },
  async run(ctx, target, params) {
    const t0 = performance.now();
    if (!ctx.classes)
      throw new Error(
        'analyse/labels: the cluster tool scores clusters against the true classes; run it with true labels',
      );
    if (params.kMax < params.kMin)
      throw new Error(`analyse/params: cluster kMax (${params.kMax}) is below kMin (${params.kMin})`);
    const wanted = parseClassList(params.classes);
    let z: Matrix = { data: new Float64Array(0), rows: 0, cols: 0 };
    tf.tidy(() => {
      const out = ctx.compiled.run(withInferenceFeeds(ctx, target), { training: false }).get(target);
      if (!out) throw new Error(`analyse/node: node '${target}' has no output to cluster`);
      z = rowsOf(out);
    });
    const inp = ctx.feeds[ctx.imageInput];
    const input = inp ? rowsOf(inp) : undefined;
    const labels = ctx.classes;
    const idx = [...labels.keys()].filter((i) => !wanted || wanted.includes(labels[i]!));
    if (idx.length < 3)
      throw new Error(
        `analyse/rows: only ${idx.length} rows of classes [${wanted?.join(', ') ?? 'all'}]; add --samples or change 'classes'`,
      );
    const y = Int32Array.from(idx, (i) => labels[i]!);
    const zSel = pick(z, idx);
    const x = params.standardize ? standardize(zSel) : zSel;
    const range: number[] = [];
    for (let k = params.kMin; k <= Math.min(params.kMax, x.rows - 1); k++) range.push(k);
    const opts = { seed: params.seed, nInit: params.nInit };
    const main = clusterAndScore(x, y, params.k, range, opts);
    const base =
      params.baseline && input
        ? clusterAndScore(standardize(pick(input, idx)), y, main.k, range, opts)
        : undefined;

    const figures: Record<string, number> = {
      rows: idx.length,
      k: main.k,
      accuracy: main.accuracy,
      NMI: main.nmi,
      ARI: main.ari,
      silhouette: main.silhouette,
    };
    if (base) {
      figures['input accuracy'] = base.accuracy;
      figures['input NMI'] = base.nmi;
      figures['input ARI'] = base.ari;
    }
    const views: AnalysisView[] = [];
    if (main.estimate) {
      figures['estimated k'] = main.estimate.k;
      views.push({
        kind: 'curve',
        title: 'mean silhouette vs k (k-means++)',
        x: main.estimate.scores.map((s) => s.k),
        y: main.estimate.scores.map((s) => s.silhouette),
      });
      views.push({
        kind: 'table',
        columns: ['k', 'silhouette', 'inertia'],
        rows: main.estimate.scores.map((s) => [
          s.k,
          Number(s.silhouette.toFixed(4)),
          Number(s.inertia.toFixed(2)),
        ]),
      });
    }
    const c = contingency(y, main.clusters);
    const matched = clusteringAccuracy(y, main.clusters).mapping;
    const classOrder = [...c.labelValues].sort((a, b) => a - b);
    views.push({
      kind: 'table',
      columns: ['cluster', 'rows', 'matched class', ...classOrder.map((v) => `class ${v}`)],
      rows: c.clusterValues
        .map((cv, v) => ({ cv, v }))
        .sort((a, b) => a.cv - b.cv)
        .map(({ cv, v }) => [
          cv,
          c.counts.reduce((s, row) => s + row[v]!, 0),
          matched.get(cv) ?? '—',
          ...classOrder.map((lv) => c.counts[c.labelValues.indexOf(lv)]![v]!),
        ]),
    });
    figures.ms = performance.now() - t0;
    return { views, figures } satisfies AnalysisResult;
  },
});
