// Analysis tools (W4): post-training instruments that read a trained graph — registered once, like
// node defs, and run by `netwright analyse`, by verify experiments and (later) the app's Worker.
// A tool targets one model node (e.g. a conv feature map) and returns views (heat maps, curves,
// tables) plus named figures. tfjs lives here, never in src/core.
import type * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import type { ParamSpecs, ParamValues } from '../core/params.ts';
import type { AnalysisView } from './views.ts';

export interface AnalysisContext {
  readonly compiled: CompiledModel;
  /** Batch fed to the model's inputs, by input node id. */
  readonly feeds: Readonly<Record<string, tf.Tensor>>;
  /** The image input node [B, H, W, C] whose size the maps are upsampled to and that metrics mask. */
  readonly imageInput: string;
  /** The node whose output is the class scores (pre-softmax logits) [B, classes]. */
  readonly scores: string;
  /** Target class per sample; the predicted class where absent. */
  readonly classes?: Int32Array;
  /** Ground-truth boxes [row0, col0, row1, col1] per sample (inclusive, input pixels), row-major B × 4. */
  readonly boxes?: Float32Array;
  /** Value targets per sample (row-major B × target size) where the split has value labels (regression). */
  readonly targets?: Float32Array;
  /** Streaming tools (ppgnSampler) report intermediate views here while they run. */
  readonly onFrame?: (view: AnalysisView) => void | Promise<void>;
}

/** One heat map over one input image, both H × W row-major (the image's first channel). */
export type { AnalysisView, HeatmapItem } from './views.ts';

export interface AnalysisResult {
  readonly views: readonly AnalysisView[];
  readonly figures: Readonly<Record<string, number | string>>;
}

export interface AnalysisTool<P extends ParamSpecs = ParamSpecs> {
  readonly id: string;
  readonly title: string;
  /** What the tool computes (formula, paper). */
  readonly doc: string;
  readonly params: P;
  /** Which nodes it can target: a description and the allowed ranks of their output (batch axis included). */
  readonly target: { readonly doc: string; readonly ranks: readonly number[] };
  run(ctx: AnalysisContext, targetNodeId: string, params: ParamValues<P>): Promise<AnalysisResult>;
}

export const defineAnalysisTool = <const P extends ParamSpecs>(t: AnalysisTool<P>): AnalysisTool<P> => t;

// biome-ignore lint/suspicious/noExplicitAny: registry of heterogenous param specs
export type AnyAnalysisTool = AnalysisTool<any>;
