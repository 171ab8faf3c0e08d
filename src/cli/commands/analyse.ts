// `netwright analyse`: trains a graph as `train` does, then runs an analysis tool (Grad-CAM,
// Eigen-CAM, …; src/explain) on validation samples and prints its figures; --out writes each heat
// map (and its input image) as a binary PGM.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CompileError, compileIR } from '../../compiler/compile.ts';
import { loadBinding } from '../../core/datasets/binding.ts';
import { loadDatasetSpec } from '../../core/datasets/load-spec.ts';
import { lowerGraph } from '../../core/lower.ts';
import { resolveParams } from '../../core/params.ts';
import { createRng } from '../../core/rng.ts';
import { analysisContext } from '../../explain/context.ts';
import { ANALYSIS_TOOLS, findAnalysisTool } from '../../explain/tools.ts';
import { nodeDatasetIO } from '../../node/dataset-io.ts';
import { selectNodeBackend } from '../../trainer/backend-node.ts';
import { train } from '../../trainer/loop.ts';
import { checkFlags, intFlag, type ParsedArgs, UsageError } from '../args.ts';
import type { CliContext } from '../context.ts';
import { analyseSource, CliError, isUnreadable, readGraphSource } from '../load-graph.ts';
import { formatDiagnostic } from '../summary.ts';

export const analyseHelp = `netwright analyse <graph.json|template-id> --tool ${ANALYSIS_TOOLS.map((t) => t.id).join('|')} [--node ID] [--class N] [--samples N] [--epochs N] [--seed S] [--out DIR] [--json]
  Trains the graph as \`train\` does, then runs the analysis tool on the first --samples (default 50)
  validation images and prints its figures (pointing game and energy in box when the dataset has a
  \`box\` field, average drop/increase, deletion AUC). --node: the target node (default: the graph's
  analyses entry for the tool, else the last node with a [h, w, channels] output). --class N explains
  class N (default: each sample's true class). --out DIR writes DIR/<i>-input.pgm and DIR/<i>-heat.pgm,
  and each image view v of a tool (activationMax) as DIR/images<v>-<i>.pgm (grey, channel mean).
  --tool cluster: k-means++ on the node's output for the validation rows of the analyses entry's
  'classes' (k given or silhouette-estimated), Hungarian accuracy, NMI, ARI vs the true classes.
  --tool activationMax: multifaceted activation maximisation of the analyses entry's 'unit' over the
  --samples validation images (top-N, PCA + k-means facets, blurred centre-masked ascent).`;

/** A binary PGM (P5) of an H × W map in [0, 1]. */
export function pgm(map: ArrayLike<number>, height: number, width: number): Uint8Array {
  const head = new TextEncoder().encode(`P5\n${width} ${height}\n255\n`);
  const out = new Uint8Array(head.length + height * width);
  out.set(head);
  for (let i = 0; i < height * width; i++)
    out[head.length + i] = Math.round(255 * Math.min(1, Math.max(0, map[i]!)));
  return out;
}

/** The channel mean of an H × W × C image (C = 1: itself). */
export function greyOf(img: Float32Array, channels: number): Float32Array {
  if (channels === 1) return img;
  const out = new Float32Array(img.length / channels);
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let k = 0; k < channels; k++) s += img[i * channels + k]!;
    out[i] = s / channels;
  }
  return out;
}

export async function analyseCommand(args: ParsedArgs, ctx: CliContext): Promise<number> {
  checkFlags(args, ['tool', 'node', 'class', 'samples', 'epochs', 'seed', 'out', 'json']);
  const toolId = args.flags.get('tool');
  if (toolId === undefined || toolId === true)
    throw new UsageError(`--tool is required (${ANALYSIS_TOOLS.map((t) => t.id).join(', ')})`);
  const tool = findAnalysisTool(toolId);
  if (!tool)
    throw new UsageError(`unknown tool '${toolId}' (tools: ${ANALYSIS_TOOLS.map((t) => t.id).join(', ')})`);
  const cls = intFlag(args, 'class', 0, 1e6);
  const samples = intFlag(args, 'samples', 1, 100_000) ?? 50;
  const epochs = intFlag(args, 'epochs', 1, 10_000);
  const seed = intFlag(args, 'seed', 0, 2 ** 31);
  const out = args.flags.get('out');
  if (out === true || out === '') throw new UsageError('--out needs a folder');
  const nodeFlag = args.flags.get('node');
  if (nodeFlag === true) throw new UsageError('--node needs a node id');

  const src = readGraphSource(args.positionals[0]);
  const registry = await ctx.registry();
  const a = analyseSource(src, registry);
  if (!a.ok) {
    for (const d of a.diagnostics) ctx.err(`${src.source}: ${formatDiagnostic(d)}`);
    throw new CliError(
      `${src.source}: the graph has errors; fix them (see above) first.`,
      isUnreadable(a) ? 2 : 1,
    );
  }
  const lowered = lowerGraph(a, registry);
  if (!lowered.ir) throw new CliError(lowered.diagnostics.map((d) => d.message).join('\n'), 1);
  const ir = lowered.ir;
  if (!ir.training)
    throw new CliError(
      `${src.source}: the graph has no "training" section; add one to train and analyse it.`,
      1,
    );
  const backend = await selectNodeBackend('cpu').catch(() => 'cpu');
  const runSeed = seed ?? ir.training.seed;
  const data = await loadBinding(ir.training.dataset, createRng(runSeed), nodeDatasetIO);
  let compiled: ReturnType<typeof compileIR>;
  try {
    compiled = compileIR(ir, registry, { seed: runSeed });
  } catch (e) {
    if (e instanceof CompileError) throw new CliError(`node '${e.nodeId}': ${e.message}`, 1);
    throw e;
  }
  try {
    const t0 = performance.now();
    const r = await train(compiled, registry, data, ir.training, {
      loadDataset: (spec) => loadDatasetSpec(spec, runSeed, nodeDatasetIO),
      ...(epochs !== undefined ? { epochs } : {}),
      seed: runSeed,
      validate: false,
    });
    if (!args.flags.has('json'))
      ctx.out(
        `trained ${r.epochs.length} epochs on ${backend} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    const c = analysisContext(compiled, data, { samples, classes: cls ?? 'true' });
    try {
      const planned = a.doc?.analyses?.find((x) => x.tool === tool.id);
      const target =
        typeof nodeFlag === 'string'
          ? nodeFlag
          : (planned?.node ?? lastNodeOfRank(compiled, c.feeds, tool.target.ranks));
      if (!target) throw new CliError(`no node fits the tool (${tool.target.doc}); give --node`, 1);
      if (!ir.nodes.some((n) => n.id === target))
        throw new CliError(
          `--node '${target}' is not a model node (nodes: ${ir.nodes.map((n) => n.id).join(', ')})`,
          2,
        );
      const resolved = resolveParams(tool.params, planned?.params ?? {});
      if (resolved.problems.length)
        throw new CliError(
          `analyses '${tool.id}': ${resolved.problems.map((p) => `param '${p.field}' ${p.message}`).join('; ')}`,
          1,
        );
      let res: Awaited<ReturnType<typeof tool.run>>;
      try {
        res = await tool.run(c, target, resolved.values);
      } catch (e) {
        if (e instanceof CompileError) throw new CliError(e.message, 1);
        // tools report bad params, rows or labels as 'analyse/<code>: message' (no stack trace)
        if (e instanceof Error && e.message.startsWith('analyse/')) throw new CliError(e.message, 1);
        throw e;
      }
      if (args.flags.has('json'))
        // Non-finite figures (inductiveBias: ∞ bits below the error floor) as strings, not JSON's null.
        ctx.out(
          JSON.stringify({ tool: tool.id, node: target, figures: res.figures }, (_k, v) =>
            typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
          ),
        );
      else {
        ctx.out(`${tool.title} on node '${target}':`);
        for (const [k, v] of Object.entries(res.figures))
          ctx.out(`  ${k}: ${typeof v === 'number' ? Number(v.toFixed(4)) : v}`);
      }
      if (typeof out === 'string') {
        mkdirSync(out, { recursive: true });
        let imageViews = 0;
        for (const view of res.views) {
          if (view.kind === 'images') {
            const v = imageViews++;
            for (const [i, img] of view.images.entries())
              writeFileSync(
                join(out, `images${v}-${i}.pgm`),
                pgm(greyOf(img, view.channels), view.height, view.width),
              );
            if (!args.flags.has('json'))
              ctx.out(`wrote ${view.images.length} images (${view.title}) to ${out}/images${v}-*.pgm`);
            continue;
          }
          if (view.kind !== 'heatmaps') continue;
          for (const [i, item] of view.items.entries()) {
            writeFileSync(join(out, `${i}-input.pgm`), pgm(item.base, view.height, view.width));
            writeFileSync(join(out, `${i}-heat.pgm`), pgm(item.heat, view.height, view.width));
          }
          if (!args.flags.has('json')) ctx.out(`wrote ${view.items.length} heat maps to ${out}`);
        }
      }
    } finally {
      c.dispose();
    }
  } finally {
    compiled.dispose();
  }
  return 0;
}

/** The last model node whose output has one of the tool's ranks (CAM tools: a [B, h, w, C] map). */
function lastNodeOfRank(
  compiled: ReturnType<typeof compileIR>,
  feeds: Readonly<Record<string, tf.Tensor>>,
  ranks: readonly number[],
): string | undefined {
  return tf.tidy(() => {
    const values = compiled.run(feeds, { training: false });
    let last: string | undefined;
    for (const n of compiled.ir.nodes) {
      const r = values.get(n.id)?.rank;
      if (n.op.kind !== 'input' && r !== undefined && ranks.includes(r)) last = n.id;
    }
    return last;
  });
}
