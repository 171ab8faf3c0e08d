// The typed message protocol between the UI and the training Worker (which owns tfjs). Pure types:
// the UI ring imports this file, never tfjs. Every message carries the run id it belongs to, so the
// UI drops stale messages from a run it has replaced.
import type { CouplingSummary, ValueSummary } from '../core/array-summary.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import type { ModelIR } from '../core/ir.ts';
import type { AnalysisView, HeatmapItem } from '../explain/views.ts';

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

export interface BackendInfo {
  readonly backend: BackendName;
  /** e.g. "google swiftshader (software)" for a WebGPU adapter; '' when not WebGPU. */
  readonly adapter: string;
  /** Why this backend: "forced by ?backend=cpu", "WebGPU adapter is software; wasm is faster here", … */
  readonly reason: string;
}

export interface TrainSettings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Overrides the graph's optimizer (a node type like 'optimizers.sgd'; its defaults apply). */
  readonly optimizer?: string;
  /** Overrides the optimizer's learning rate. */
  readonly learningRate?: number;
  readonly maxBatchesPerEpoch?: number;
  /** Skip the validation pass after each epoch (benchmarks). Default true. */
  readonly validate?: boolean;
}

export type ToWorker =
  | { readonly type: 'init'; readonly backend?: BackendName }
  | {
      readonly type: 'train';
      readonly runId: number;
      readonly ir: ModelIR;
      readonly settings: TrainSettings;
      /** Data uploaded by the user (CSV): used instead of the graph's named dataset. */
      readonly data?: LoadedDataset;
    }
  | { readonly type: 'evaluate'; readonly runId: number }
  /** Save the last run's model: artifacts back to the page (download), or to IndexedDB. */
  | {
      readonly type: 'save';
      readonly runId: number;
      readonly target: 'artifacts' | 'indexeddb';
      readonly name: string;
    }
  /** Load saved weights into the graph they came from (refused when names or shapes differ). */
  | {
      readonly type: 'loadWeights';
      readonly runId: number;
      readonly ir: ModelIR;
      readonly settings: TrainSettings;
      readonly artifacts: SavedArtifacts;
    }
  | { readonly type: 'stop'; readonly runId: number }
  /** Run a paper template's miniature experiment (answered by 'verifyLog' lines, then 'verified'). */
  | { readonly type: 'verify'; readonly requestId: number; readonly templateId: string }
  /** Look inside the last trained model (answered by an 'inspection' with the same request id). */
  | {
      readonly type: 'inspect';
      readonly requestId: number;
      readonly nodeId: string;
      readonly what: 'edges' | 'attention' | 'activations';
      readonly sample?: number;
      /** Activations: which output of a multi-output node (an edge's source port). */
      readonly port?: string;
    }
  /** Run only the graph's fit phases and summarise the fitted weights (answered by 'fitViewsResult'). */
  | {
      readonly type: 'fitViews';
      readonly requestId: number;
      readonly ir: ModelIR;
      readonly settings: TrainSettings;
    }
  /** The last run's per-sample stores, summarised (answered by 'storeViews'). */
  | { readonly type: 'stores'; readonly requestId: number }
  /** Run a registered analysis tool on the last trained model (answered by an 'analysis'). */
  | ({ readonly type: 'analyse'; readonly requestId: number } & AnalyseRequest);

export interface EpochMetrics {
  readonly epoch: number;
  readonly stage: string;
  readonly loss: number;
  readonly accuracy?: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
  /** Every metric node on the training split, by node id (whole-split metrics finalised once). */
  readonly metrics?: Readonly<Record<string, number>>;
  /** The same on the validation split. */
  readonly valMetrics?: Readonly<Record<string, number>>;
  /** Multi-label metrics' score per label, on the validation split (else the training split). */
  readonly perLabel?: Readonly<Record<string, readonly number[]>>;
  /** Each optimizer group's effective learning rate over the epoch (base × lrScale, mean), by group id. */
  readonly lr?: Readonly<Record<string, number>>;
  readonly ms: number;
}

export type FromWorker =
  | { readonly type: 'ready'; readonly info: BackendInfo }
  | { readonly type: 'notice'; readonly message: string }
  | {
      readonly type: 'started';
      readonly runId: number;
      readonly params: number;
      readonly trainSamples: number;
    }
  | {
      readonly type: 'batch';
      readonly runId: number;
      readonly epoch: number;
      readonly batch: number;
      readonly batches: number;
      /** Batches done in the whole run, and the run's total (phases may differ in batches per epoch). */
      readonly done: number;
      readonly total: number;
      readonly loss: number;
      /** Estimated seconds left in the run; absent until the first batches have been timed. */
      readonly eta?: number;
      /** The epoch's last batch is done and its validation pass is running. */
      readonly validating: boolean;
      readonly tensors: number;
    }
  /** A phase starts training: its own training sample count (a phase with its own dataset changes it). */
  | {
      readonly type: 'phase';
      readonly runId: number;
      readonly phase: string;
      readonly trainSamples: number;
      readonly batches: number;
    }
  | {
      readonly type: 'epoch';
      readonly runId: number;
      readonly metrics: EpochMetrics;
      readonly tensors: number;
    }
  | {
      readonly type: 'done';
      readonly runId: number;
      readonly status: 'done' | 'stopped' | 'non-finite' | 'diverged';
      readonly epochs: number;
      readonly ms: number;
      readonly nodeId?: string;
      readonly message?: string;
    }
  | { readonly type: 'evaluation'; readonly runId: number; readonly evaluation: Evaluation }
  /** Image-valued regression (an operator f ↦ u): predicted and true fields of a few val samples. */
  | { readonly type: 'fieldEvaluation'; readonly runId: number; readonly evaluation: FieldEvaluation }
  /** Activation nodes' functions with the current weights (at the start, then while training). */
  | {
      readonly type: 'curves';
      readonly runId: number;
      readonly curves: Readonly<Record<string, ActivationCurve>>;
    }
  | {
      readonly type: 'saved';
      readonly runId: number;
      readonly location: string;
      readonly artifacts?: SavedArtifacts;
    }
  | { readonly type: 'weightsLoaded'; readonly runId: number; readonly params: number }
  /** Template ids that have a miniature experiment (posted once at start). */
  | { readonly type: 'experiments'; readonly ids: readonly string[] }
  | { readonly type: 'verifyLog'; readonly requestId: number; readonly line: string }
  | {
      readonly type: 'verified';
      readonly requestId: number;
      readonly result?: VerifyResult;
      readonly error?: string;
    }
  | {
      readonly type: 'inspection';
      readonly requestId: number;
      readonly result?: EdgeFunctions | AttentionMaps | ActivationStats;
      readonly error?: string;
    }
  | {
      readonly type: 'fitViewsResult';
      readonly requestId: number;
      readonly result?: FitViews;
      readonly error?: string;
    }
  | {
      readonly type: 'storeViews';
      readonly requestId: number;
      readonly result?: readonly StoreView[];
      readonly error?: string;
    }
  /** The registered analysis tools (posted once at start: the UI ring cannot import them). */
  | { readonly type: 'analysisTools'; readonly tools: readonly AnalysisToolInfo[] }
  | {
      readonly type: 'analysis';
      readonly requestId: number;
      readonly result?: AnalysisReply;
      /** Why the request was refused or failed: names the node / tool / field and the fix. */
      readonly error?: string;
      readonly nodeId?: string;
    }
  | { readonly type: 'error'; readonly runId?: number; readonly message: string; readonly nodeId?: string }
  /** An intermediate view of a streaming analysis (ppgnSampler's image grid), before its 'analysis'. */
  | { readonly type: 'analysisFrame'; readonly requestId: number; readonly view: AnalysisReplyView };

/**
 * An analysis of the trained model (src/explain's AnalysisTool `tool` aimed at model node `node`)
 * on validation rows `samples` (indices into the validation split, ≤ 64). `classes`: explain the
 * true class, the predicted one, or a fixed class index.
 */
export interface AnalyseRequest {
  readonly tool: string;
  readonly node: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly samples: readonly number[];
  readonly classes?: 'true' | 'predicted' | number;
}

/** What the UI needs to offer a tool: its target ranks pick the eligible (glowing) nodes. */
export interface AnalysisToolInfo {
  readonly id: string;
  readonly title: string;
  readonly doc: string;
  readonly target: { readonly doc: string; readonly ranks: readonly number[] };
  /** Param name → default and doc (the tool's ParamSpecs, plain data). */
  readonly params: Readonly<Record<string, { readonly default: unknown; readonly doc: string }>>;
}

/** One heat map over one input image (H × W row-major, the image's first channel); box is
 * [row0, col0, row1, col1], inclusive, in input pixels. */
export interface AnalysisHeatmap extends HeatmapItem {
  /** The validation row it explains. */
  readonly sample: number;
  /** The class the map explains, and the model's prediction. */
  readonly explained: number;
  readonly predicted: number;
}

/** The views an analysis returns (typed arrays are transferred, not copied). */
export type AnalysisReplyView = AnalysisView<AnalysisHeatmap>;

export interface AnalysisReply {
  readonly tool: string;
  readonly node: string;
  readonly views: readonly AnalysisReplyView[];
  readonly figures: Readonly<Record<string, number | string>>;
  /** Backend it ran on and its time in the Worker. */
  readonly backend: string;
  readonly ms: number;
}

/** An activation function sampled at x (its derivative is taken numerically where drawn). */
export interface ActivationCurve {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** What a template's Verify run measured (the CLI's `netwright verify --json` line). */
export interface VerifyResult {
  readonly templateId: string;
  readonly claim: string;
  readonly criterion: string;
  readonly pass: boolean;
  readonly figures: Readonly<Record<string, number | string>>;
  readonly seconds: number;
  readonly backend: string;
}

/** A layer's learned edge functions φ_ij(t) − φ_ij(0) on the grid range (capped at 8 × 8 edges). */
export interface EdgeFunctions {
  readonly nodeId: string;
  readonly x: readonly number[];
  /** phi[i][j]: input i → output j, sampled at x. */
  readonly phi: readonly (readonly (readonly number[])[])[];
  readonly inputs: number;
  readonly outputs: number;
  /** What each sampled input is (x3, or a Conv-KAN kernel entry "(u,v) c"). */
  readonly inputLabels: readonly string[];
}

/** A node's output for one validation sample: statistics, histogram, and channel thumbnails of a map. */
export interface ActivationStats {
  readonly nodeId: string;
  readonly sample: number;
  /** Per-sample output shape (no batch axis). */
  readonly shape: readonly number[];
  readonly mean: number;
  /** Population standard deviation over every element. */
  readonly std: number;
  /** Fraction of elements exactly 0 (dead ReLU units, sparsity). */
  readonly fractionZero: number;
  readonly min: number;
  readonly max: number;
  /** Equal-width bins over [lo, hi] (the last bin includes hi). */
  readonly histogram: { readonly lo: number; readonly hi: number; readonly counts: readonly number[] };
  /** A [h, w, C] map's first channels, each h × w row-major. */
  readonly channels?: {
    readonly height: number;
    readonly width: number;
    readonly count: number;
    readonly maps: readonly (readonly number[])[];
  };
}

/** What a fit-only run produced: each fitted square weight's structure and the Mattis overlaps. */
export interface FitViews {
  /** Fitted nodes' square 2-D weights (a Hebbian J): symmetry, diagonal, a block-mean heat map. */
  readonly couplings: readonly {
    readonly nodeId: string;
    readonly weight: string;
    readonly summary: CouplingSummary;
  }[];
  /**
   * Mattis overlaps of the fitted model's output states with each validation row's patterns (the
   * first metrics.mattisOverlap node's pred and target), averaged over the validation rows.
   */
  readonly overlaps?: {
    readonly metric: string;
    readonly rows: number;
    readonly mean: readonly number[];
    readonly meanAbs: readonly number[];
  };
  readonly ms: number;
}

/** One per-sample store of the last run: its values' statistics, or why there are none. */
export interface StoreView {
  readonly name: string;
  readonly width: number;
  /** Training rows it holds values for (absent when not refreshed). */
  readonly rows?: number;
  readonly summary?: ValueSummary;
  /** Why there is no summary (no refresh phase ran, no run yet). */
  readonly error?: string;
}

/** Attention probabilities of one validation sample, per block and head: [head][query][key]. */
export interface AttentionMaps {
  readonly nodeId: string;
  readonly sample: number;
  readonly label?: number;
  readonly blocks: readonly {
    readonly name: string;
    readonly heads: readonly (readonly (readonly number[])[])[];
  }[];
}

/** Validation-set evaluation of a classifier: confusion matrix and a sample of predictions. */
export interface Evaluation {
  readonly classNames: readonly string[];
  /** confusion[actual][predicted] counts. */
  readonly confusion: readonly (readonly number[])[];
  readonly accuracy: number;
  /** Feature shape of one sample (for drawing images). */
  readonly featureShape: readonly number[];
  readonly samples: readonly {
    readonly label: number;
    readonly predicted: number;
    readonly confidence: number;
    readonly features: readonly number[];
  }[];
  /** Class-map datasets: Dice per nested level and predicted vs true masks of a few images. */
  readonly segmentation?: SegmentationEvaluation;
}

/**
 * Segmentation with nested classes (class ≥ k is region k): whole-split Dice per level, the rate of
 * pixels whose predicted levels do not nest, and a few validation images with both class maps.
 */
export interface SegmentationEvaluation {
  /** Names of the regions k = 1..K (the dataset's class names above 0). */
  readonly levelNames: readonly string[];
  /** Dice of region k over every validation pixel (index k − 1). */
  readonly dice: readonly number[];
  /** Fraction of validation pixels whose thresholded levels do not nest (0 for class scores). */
  readonly violationRate: number;
  /** [H, W] of the maps; images have `channels` channels, channels last. */
  readonly size: readonly [number, number];
  readonly channels: number;
  readonly samples: readonly {
    readonly image: readonly number[];
    readonly truth: readonly number[];
    readonly predicted: readonly number[];
  }[];
}

/** Predicted vs true fields ([H, W], row-major) of the first validation samples. */
export interface FieldEvaluation {
  readonly size: readonly [number, number];
  readonly samples: readonly {
    readonly predicted: readonly number[];
    readonly truth: readonly number[];
    /** ‖predicted − truth‖₂ / ‖truth‖₂. */
    readonly relativeL2: number;
  }[];
}

/** tfjs LayersModel artifacts in the model.json + weights.bin layout. */
export interface SavedArtifacts {
  /** The model.json content: { modelTopology, weightsManifest, format, generatedBy, convertedBy }. */
  readonly modelJson: {
    readonly modelTopology: unknown;
    readonly weightsManifest: readonly {
      paths: string[];
      weights: { name: string; shape: number[]; dtype: string }[];
    }[];
    readonly format?: string;
    readonly generatedBy?: string;
    readonly convertedBy?: string | null;
  };
  readonly weightData: ArrayBuffer;
}
