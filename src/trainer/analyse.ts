// The Worker's `analyse` request: runs a registered analysis tool (src/explain) on the trained
// model with chosen validation rows, on whatever backend the Worker runs. Validates the request
// first (tool, node, params, samples) with messages that name the field and the fix; disposes every
// tensor it makes; returns the views with their typed arrays listed for transfer.
import * as tf from '@tensorflow/tfjs';
import { type CompiledModel, CompileError } from '../compiler/compile.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { scoresKey } from '../core/ir.ts';
import { resolveParams } from '../core/params.ts';
import type { AnalysisContext, AnalysisView, AnyAnalysisTool } from '../explain/tool.ts';
import { ANALYSIS_TOOLS } from '../explain/tools.ts';
import { eligibleAnalysisNodes, featureInput } from './analysis-targets.ts';
import type { AnalyseRequest, AnalysisReply, AnalysisReplyView, AnalysisToolInfo } from './protocol.ts';

/** Most validation rows one request may analyse (a Worker round trip stays short). */
export const MAX_ANALYSE_SAMPLES = 64;

/** A refused or failed analysis: the message names what is wrong and how to fix it. */
export class AnalyseError extends Error {
  constructor(
    message: string,
    readonly nodeId?: string,
  ) {
    super(message);
  }
}

/** The tools as plain data for the UI (which cannot import src/explain: it holds tfjs). */
export function analysisToolInfos(tools: readonly AnyAnalysisTool[] = ANALYSIS_TOOLS): AnalysisToolInfo[] {
  return tools.map((t) => ({
    id: t.id,
    title: t.title,
    doc: t.doc,
    target: { doc: t.target.doc, ranks: [...t.target.ranks] },
    params: Object.fromEntries(
      Object.entries(t.params as Record<string, { default: unknown; doc: string }>).map(([k, s]) => [
        k,
        { default: s.default, doc: s.doc },
      ]),
    ),
  }));
}

/** Runs `req` on the trained `compiled` model with rows of `data`'s validation split. */
export async function runAnalysis(
  compiled: CompiledModel,
  data: LoadedDataset,
  req: AnalyseRequest,
  tools: readonly AnyAnalysisTool[] = ANALYSIS_TOOLS,
  /** Streaming tools' intermediate views (copies: the caller may transfer their buffers). */
  onFrame?: (view: AnalysisReplyView) => void | Promise<void>,
): Promise<{ reply: AnalysisReply; transfer: ArrayBuffer[] }> {
  const ir = compiled.ir;
  const tool = tools.find((t) => t.id === req.tool);
  if (!tool)
    throw new AnalyseError(
      `analyse/tool: unknown analysis tool '${req.tool}'; pick one of ${tools.map((t) => t.id).join(', ')}`,
    );
  const eligible = eligibleAnalysisNodes(ir, tool.target.ranks);
  const node = ir.nodes.find((n) => n.id === req.node);
  if (!node || node.op.kind === 'input')
    throw new AnalyseError(
      `analyse/node: '${req.node}' is not a node of the trained model; ${tool.title} targets ${tool.target.doc}: pick one of ${eligible.join(', ') || '(none in this graph)'}`,
      req.node,
    );
  if (!eligible.includes(node.id))
    throw new AnalyseError(
      `analyse/node: node '${node.id}' outputs rank ${node.outputShape.length} (batch included); ${tool.title} targets ${tool.target.doc}: pick one of ${eligible.join(', ') || '(none in this graph)'}`,
      node.id,
    );
  const resolved = resolveParams(tool.params, req.params ?? {});
  if (resolved.problems.length)
    throw new AnalyseError(
      `analyse/params: ${tool.title}: ${resolved.problems.map((p) => `param '${p.field}' ${p.message}`).join('; ')}`,
    );
  const input = featureInput(ir);
  if (!input) throw new AnalyseError('analyse/input: the graph has no input node fed the dataset features');
  const split = data.val;
  if (split.count === 0)
    throw new AnalyseError(
      'analyse/samples: the dataset has no validation rows to analyse; give it a validation split',
    );
  const rows = [...req.samples];
  if (rows.length === 0 || rows.length > MAX_ANALYSE_SAMPLES)
    throw new AnalyseError(
      `analyse/samples: give 1 to ${MAX_ANALYSE_SAMPLES} validation rows (got ${rows.length})`,
    );
  const bad = rows.find((r) => !Number.isInteger(r) || r < 0 || r >= split.count);
  if (bad !== undefined)
    throw new AnalyseError(
      `analyse/samples: validation row ${bad} does not exist; rows are 0 to ${split.count - 1}`,
    );
  const scores = scoresKey(ir)!;
  const classCount = ir.nodes.find((n) => n.id === scores)?.outputShape.at(-1);
  const which = req.classes ?? 'predicted';
  if (
    typeof which === 'number' &&
    (!Number.isInteger(which) || which < 0 || (typeof classCount === 'number' && which >= classCount))
  )
    throw new AnalyseError(
      `analyse/classes: class ${which} does not exist; the model scores classes 0 to ${typeof classCount === 'number' ? classCount - 1 : '?'}`,
    );
  if (which === 'true' && !(split.y instanceof Int32Array))
    throw new AnalyseError(
      "analyse/classes: the dataset has no class labels; explain the 'predicted' class or a class index",
    );

  const shape = data.binding.featureShape;
  const dim = shape.reduce((a, b) => a * b, 1);
  const xs = new Float32Array(rows.length * dim);
  for (const [i, r] of rows.entries()) xs.set(split.x.subarray(r * dim, (r + 1) * dim), i * dim);
  const box = split.fields?.box;
  const boxes = box
    ? Float32Array.from(rows.flatMap((r) => Array.from(box.subarray(r * 4, r * 4 + 4))))
    : undefined;
  const x = tf.tensor(xs, [rows.length, ...shape]);
  const t0 = performance.now();
  try {
    const predicted = tf.tidy(() => {
      const s = compiled.run({ [input]: x }, { training: false }).get(scores);
      if (s?.rank !== 2)
        throw new AnalyseError(
          `analyse/scores: the model's output '${scores}' is not class scores [B, classes]; ${tool.title} explains a classifier`,
          scores,
        );
      return s.argMax(1).dataSync() as Int32Array;
    });
    const classes =
      which === 'predicted'
        ? predicted
        : which === 'true'
          ? Int32Array.from(rows.map((r) => (split.y as Int32Array)[r]!))
          : new Int32Array(rows.length).fill(which);
    const ctx: AnalysisContext = {
      compiled,
      feeds: { [input]: x },
      imageInput: input,
      scores,
      classes,
      ...(boxes ? { boxes } : {}),
      ...(split.y instanceof Float32Array && split.y.length === split.count
        ? { targets: Float32Array.from(rows, (r) => (split.y as Float32Array)[r]!) }
        : {}),
      ...(onFrame
        ? {
            onFrame: (v: AnalysisView) =>
              onFrame(
                v.kind === 'images'
                  ? { ...v, images: v.images.map((a) => a.slice()) }
                  : (v as AnalysisReplyView),
              ),
          }
        : {}),
    };
    let result: Awaited<ReturnType<AnyAnalysisTool['run']>>;
    try {
      result = await tool.run(ctx, node.id, resolved.values);
    } catch (e) {
      if (e instanceof CompileError) throw new AnalyseError(e.message, e.nodeId);
      throw e;
    }
    const transfer: ArrayBuffer[] = [];
    const own = (a: Float32Array) => {
      // A fresh buffer per array: a transferred buffer must not be shared by two views.
      const c = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
      if (!transfer.includes(c.buffer as ArrayBuffer)) transfer.push(c.buffer as ArrayBuffer);
      return c;
    };
    const views: AnalysisReplyView[] = result.views.map((v) =>
      v.kind === 'heatmaps'
        ? {
            ...v,
            items: v.items.map((it, i) => ({
              base: own(it.base),
              heat: own(it.heat),
              ...(it.box ? { box: it.box } : {}),
              label: it.label ?? `class ${classes[i]}`,
              sample: rows[i]!,
              explained: classes[i]!,
              predicted: predicted[i]!,
            })),
          }
        : v.kind === 'images'
          ? { ...v, images: v.images.map(own) }
          : v,
    );
    return {
      reply: {
        tool: tool.id,
        node: node.id,
        views,
        figures: result.figures,
        backend: tf.getBackend(),
        ms: Math.round(performance.now() - t0),
      },
      transfer,
    };
  } finally {
    x.dispose();
  }
}
