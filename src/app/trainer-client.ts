// Main-thread handle on the training Worker: typed messages, run ids (stale messages from a
// replaced run are dropped), and the backend report. Imports no tfjs: the Worker owns it.
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import type { ModelIR } from '../core/ir.ts';
import type {
  ActivationStats,
  AnalyseRequest,
  AnalysisReply,
  AnalysisReplyView,
  AnalysisToolInfo,
  AttentionMaps,
  BackendInfo,
  BackendName,
  EdgeFunctions,
  FitViews,
  FromWorker,
  SavedArtifacts,
  StoreView,
  ToWorker,
  TrainSettings,
  VerifyResult,
} from '../trainer/protocol.ts';

export type RunEvent = Extract<FromWorker, { runId: number }> | Extract<FromWorker, { type: 'error' }>;

export interface TrainerClient {
  readonly backend: Promise<BackendInfo>;
  /** Starts a run (on `data` when given, e.g. an uploaded CSV); older runs' events stop arriving. */
  train(ir: ModelIR, settings: TrainSettings, onEvent: (e: RunEvent) => void, data?: LoadedDataset): number;
  stop(): void;
  /** Asks for the last run's evaluation again (it arrives as an 'evaluation' event). */
  evaluate(): void;
  /** Saves the last trained model: a 'saved' event follows (with artifacts for a download). */
  save(target: 'artifacts' | 'indexeddb', name: string): void;
  /** Loads saved weights into the graph (a new run id; events go to `onEvent`). */
  loadWeights(
    ir: ModelIR,
    settings: TrainSettings,
    artifacts: SavedArtifacts,
    onEvent: (e: RunEvent) => void,
  ): number;
  /** Looks inside the last trained model (edge functions of a KAN layer, attention maps). */
  inspect(
    nodeId: string,
    what: 'edges' | 'attention' | 'activations',
    sample?: number,
    port?: string,
  ): Promise<EdgeFunctions | AttentionMaps | ActivationStats>;
  /** Runs only the graph's fit phases in the Worker and summarises the fitted weights and overlaps. */
  fitViews(ir: ModelIR, settings: TrainSettings): Promise<FitViews>;
  /** The last run's per-sample stores, summarised (histogram and statistics per store). */
  stores(): Promise<readonly StoreView[]>;
  /** Runs an analysis tool (Grad-CAM, Eigen-CAM…) on the last trained model, in the Worker. */
  /** `onFrame` receives a streaming tool's intermediate views (ppgnSampler's grids) before the reply. */
  analyse(request: AnalyseRequest, onFrame?: (view: AnalysisReplyView) => void): Promise<AnalysisReply>;
  /** The registered analysis tools (from the Worker's bundle). */
  readonly analysisTools: Promise<readonly AnalysisToolInfo[]>;
  /** Template ids with a miniature experiment (from the Worker's bundle). */
  readonly experiments: Promise<readonly string[]>;
  /** Runs a template's miniature experiment in the Worker; `onLog` receives its progress lines. */
  verify(templateId: string, onLog: (line: string) => void): Promise<VerifyResult>;
  onNotice(f: (message: string) => void): void;
  /** Called when the Worker switches backend after a run-time failure. */
  onBackendChange(f: (info: BackendInfo) => void): void;
  dispose(): void;
}

export function createTrainerClient(forced?: BackendName): TrainerClient {
  const worker = new Worker(new URL('../trainer/worker.ts', import.meta.url), { type: 'module' });
  const send = (m: ToWorker) => worker.postMessage(m);
  let runId = 0;
  let listener: ((e: RunEvent) => void) | undefined;
  const notices: ((m: string) => void)[] = [];
  const backendChanges: ((b: BackendInfo) => void)[] = [];
  let firstReady = true;
  let requestSeq = 0;
  let resolveExperiments: (ids: readonly string[]) => void = () => {};
  const experiments = new Promise<readonly string[]>((res) => {
    resolveExperiments = res;
  });
  let resolveTools: (tools: readonly AnalysisToolInfo[]) => void = () => {};
  const analysisTools = new Promise<readonly AnalysisToolInfo[]>((res) => {
    resolveTools = res;
  });
  /** Requests answered by request id (Verify, inspection): settled by the Worker's answer. */
  const pending = new Map<
    number,
    {
      resolve: (r: never) => void;
      reject: (e: Error) => void;
      log?: (l: string) => void;
      frame?: (v: AnalysisReplyView) => void;
    }
  >();
  const settle = (requestId: number, result: unknown, error: string | undefined, what: string) => {
    const r = pending.get(requestId);
    pending.delete(requestId);
    if (result !== undefined) r?.resolve(result as never);
    else r?.reject(new Error(error ?? `${what} failed`));
  };
  /** Sends a request and returns the promise of its answer. */
  const ask = <R>(
    msg: (requestId: number) => ToWorker,
    log?: (l: string) => void,
    frame?: (v: AnalysisReplyView) => void,
  ): Promise<R> => {
    const requestId = ++requestSeq;
    return new Promise<R>((resolve, reject) => {
      pending.set(requestId, {
        resolve: resolve as (r: never) => void,
        reject,
        ...(log ? { log } : {}),
        ...(frame ? { frame } : {}),
      });
      send(msg(requestId));
    });
  };
  let resolveBackend: (b: BackendInfo) => void = () => {};
  let rejectBackend: (e: Error) => void = () => {};
  const backend = new Promise<BackendInfo>((res, rej) => {
    resolveBackend = res;
    rejectBackend = rej;
  });
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if (m.type === 'ready') {
      if (firstReady) resolveBackend(m.info);
      else for (const f of backendChanges) f(m.info);
      firstReady = false;
    } else if (m.type === 'notice') for (const f of notices) f(m.message);
    else if (m.type === 'experiments') resolveExperiments(m.ids);
    else if (m.type === 'verifyLog') pending.get(m.requestId)?.log?.(m.line);
    else if (m.type === 'verified') settle(m.requestId, m.result, m.error, 'verify');
    else if (m.type === 'inspection') settle(m.requestId, m.result, m.error, 'inspection');
    else if (m.type === 'fitViewsResult') settle(m.requestId, m.result, m.error, 'fit');
    else if (m.type === 'storeViews') settle(m.requestId, m.result, m.error, 'stores');
    else if (m.type === 'analysisTools') resolveTools(m.tools);
    else if (m.type === 'analysis') settle(m.requestId, m.result, m.error, 'analysis');
    else if (m.type === 'analysisFrame') pending.get(m.requestId)?.frame?.(m.view);
    else if (m.type === 'error' && m.runId === undefined) rejectBackend(new Error(m.message));
    else if ('runId' in m && m.runId === runId) listener?.(m as RunEvent);
  };
  worker.onerror = (e) => rejectBackend(new Error(e.message || 'the training worker failed to start'));
  send(forced ? { type: 'init', backend: forced } : { type: 'init' });
  return {
    backend,
    train(ir, settings, onEvent, data) {
      runId++;
      listener = onEvent;
      send(data ? { type: 'train', runId, ir, settings, data } : { type: 'train', runId, ir, settings });
      return runId;
    },
    stop: () => send({ type: 'stop', runId }),
    evaluate: () => send({ type: 'evaluate', runId }),
    save: (target, name) => send({ type: 'save', runId, target, name }),
    loadWeights(ir, settings, artifacts, onEvent) {
      runId++;
      listener = onEvent;
      send({ type: 'loadWeights', runId, ir, settings, artifacts });
      return runId;
    },
    experiments,
    analysisTools,
    analyse: (request, onFrame) =>
      ask<AnalysisReply>((requestId) => ({ type: 'analyse', requestId, ...request }), undefined, onFrame),
    verify: (templateId, onLog) =>
      ask<VerifyResult>((requestId) => ({ type: 'verify', requestId, templateId }), onLog),
    inspect: (nodeId, what, sample, port) =>
      ask<EdgeFunctions | AttentionMaps | ActivationStats>((requestId) => ({
        type: 'inspect',
        requestId,
        nodeId,
        what,
        ...(sample !== undefined ? { sample } : {}),
        ...(port !== undefined ? { port } : {}),
      })),
    fitViews: (ir, settings) => ask<FitViews>((requestId) => ({ type: 'fitViews', requestId, ir, settings })),
    stores: () => ask<readonly StoreView[]>((requestId) => ({ type: 'stores', requestId })),
    onNotice: (f) => {
      notices.push(f);
    },
    onBackendChange: (f) => {
      backendChanges.push(f);
    },
    dispose: () => worker.terminate(),
  };
}
