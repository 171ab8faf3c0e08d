// Train panel: settings, Train / Stop, backend badge, progress with ETA, live curves and metric
// read-outs. Talks to the training Worker through TrainerClient (no tfjs here).

import { type ReactNode, useEffect, useRef, useState } from 'react';
import type { RunEvent, TrainerClient } from '../app/trainer-client.ts';
import { browserRegistry } from '../browser/registry.ts';
import type { ModelIR } from '../core/ir.ts';
import type { DatasetChoice } from '../core/training-setup.ts';
import type {
  ActivationCurve,
  BackendInfo,
  EpochMetrics,
  Evaluation,
  FieldEvaluation,
  SavedArtifacts,
  TrainSettings,
} from '../trainer/protocol.ts';
import { type CsvChoice, CsvUpload } from './csv-upload.tsx';
import { EpochTable } from './epoch-table.tsx';
import { EvaluationView } from './evaluation-view.tsx';
import { FieldPlots } from './field-plot.tsx';
import { FitViewsPanel } from './fit-views.tsx';
import { ImageFolderUpload } from './image-folder-upload.tsx';
import { LineChart } from './line-chart.tsx';
import { LrTrace, phaseSeparators } from './phase-curves.tsx';
import { PhaseTimeline } from './phase-timeline.tsx';
import { loadedUpload, type Uploads } from './uploads.ts';

type Status = 'idle' | 'loading' | 'training' | 'done' | 'stopped' | 'non-finite' | 'diverged' | 'error';

export interface TrainPanelProps {
  readonly client: TrainerClient;
  /** The lowered graph; undefined while it has errors. */
  readonly ir: ModelIR | undefined;
  readonly blockedReason?: string;
  readonly onNonFinite?: (nodeId: string, message: string) => void;
  /** Activation nodes' current functions (sampled by the Worker while training). */
  readonly onCurves?: (curves: Readonly<Record<string, ActivationCurve>>) => void;
  /** A run finished (or weights loaded): the node ids of the model that now holds trained weights. */
  readonly onTrained?: (nodeIds: readonly string[]) => void;
  /** Data was uploaded (CSV, image folder): the parent makes it the graph's dataset (its shapes only). */
  readonly onUpload?: (dataset: DatasetChoice) => void;
  /** The dataset picker, shown above the run settings. */
  /** The dataset picker, shown above the run settings; `uploads` is what this page has loaded. */
  readonly dataControls?: (running: boolean, uploads: Uploads) => ReactNode;
  /** The phase the timeline shows on the canvas, and its change (the parent keeps it: view state). */
  readonly selectedPhase?: string | undefined;
  readonly onSelectPhase?: (phase: string | undefined) => void;
}

interface Progress {
  readonly done: number;
  readonly total: number;
  /** Seconds left; undefined until the Worker has timed a few batches. */
  readonly eta: number | undefined;
  readonly validating: boolean;
  readonly loss: number;
  readonly tensors: number;
}

const NO_PROGRESS: Progress = {
  done: 0,
  total: 0,
  eta: undefined,
  validating: false,
  loss: Number.NaN,
  tensors: 0,
};

/** What the progress line says: validating, the time left, or that it is still being measured. */
function etaText(p: Progress): string {
  if (p.validating) return p.eta === undefined ? 'validating…' : `validating… ETA ${Math.ceil(p.eta)} s`;
  if (p.done === 0) return '';
  return p.eta === undefined ? 'ETA …' : `ETA ${Math.ceil(p.eta)} s`;
}

const fileStem = (title: string | undefined) =>
  (title ?? 'model').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';

function downloadFile(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** tfjs's browser layout: model.json naming ./weights.bin, and the weights file. */
function downloadArtifacts(art: SavedArtifacts, stem: string): void {
  downloadFile(
    `${stem}.model.json`,
    JSON.stringify({
      ...art.modelJson,
      weightsManifest: art.modelJson.weightsManifest.map((g) => ({ ...g, paths: [`./${stem}.weights.bin`] })),
    }),
    'application/json',
  );
  downloadFile(`${stem}.weights.bin`, art.weightData, 'application/octet-stream');
}

const fmt = (v: number | undefined, d = 4) => (v === undefined ? '—' : v.toFixed(d));

export function TrainPanel({
  client,
  ir,
  blockedReason,
  onNonFinite,
  onCurves,
  onTrained,
  onUpload,
  dataControls,
  selectedPhase,
  onSelectPhase,
}: TrainPanelProps) {
  const [backend, setBackend] = useState<BackendInfo | string>('starting…');
  const [settings, setSettings] = useState<TrainSettings>({ epochs: 1, batchSize: 32, seed: 1 });
  const [status, setStatus] = useState<Status>('idle');
  const [message, setMessage] = useState('');
  const [progress, setProgress] = useState<Progress>(NO_PROGRESS);
  const [epochs, setEpochs] = useState<EpochMetrics[]>([]);
  const [batchLoss, setBatchLoss] = useState<[number, number][]>([]);
  /** The graph's own training defaults last applied, so an unrelated edit keeps the user's settings. */
  const lastDefaults = useRef('');
  const [evaluation, setEvaluation] = useState<Evaluation | undefined>();
  const [fieldEvaluation, setFieldEvaluation] = useState<FieldEvaluation | undefined>();
  /** Uploaded data by dataset name ('csv', 'images'): it stays in this page, the graph keeps its shapes. */
  const [uploads, setUploads] = useState<Uploads>({});
  const [tensorsPerEpoch, setTensorsPerEpoch] = useState<number[]>([]);
  /** Training samples per phase, reported by the Worker as each phase starts. */
  const [phaseSamples, setPhaseSamples] = useState<Record<string, number>>({});

  useEffect(() => {
    client.backend.then(setBackend, (e: Error) => setBackend(`unavailable: ${e.message}`));
    client.onBackendChange(setBackend);
  }, [client]);

  useEffect(() => {
    const t = ir?.training;
    if (!t) return;
    const epochs = t.phases.length === 1 ? t.phases[0]!.epochs : undefined;
    const key = JSON.stringify([t.batchSize, t.seed, epochs]);
    if (key === lastDefaults.current) return;
    lastDefaults.current = key;
    setSettings((s) => ({ ...s, batchSize: t.batchSize, seed: t.seed, epochs: epochs ?? s.epochs }));
  }, [ir]);

  const start = () => {
    if (!ir) return;
    setStatus('loading');
    setMessage('');
    setEpochs([]);
    setBatchLoss([]);
    setEvaluation(undefined);
    setFieldEvaluation(undefined);
    setTensorsPerEpoch([]);
    setPhaseSamples({});
    setProgress(NO_PROGRESS);
    client.train(ir, settings, onEvent, loadedUpload(uploads, ir.training?.dataset));
  };

  const onEvent = (e: RunEvent) => {
    switch (e.type) {
      case 'started':
        setStatus('training');
        break;
      case 'batch': {
        const done = e.done;
        setProgress({
          done,
          total: e.total,
          eta: e.eta,
          validating: e.validating,
          loss: e.loss,
          tensors: e.tensors,
        });
        setBatchLoss((b) => [...b, [done, e.loss]]);
        break;
      }
      case 'phase':
        setPhaseSamples((s) => ({ ...s, [e.phase]: e.trainSamples }));
        break;
      case 'epoch':
        setEpochs((xs) => [...xs, e.metrics]);
        setTensorsPerEpoch((xs) => [...xs, e.tensors]);
        setProgress((p) => ({ ...p, tensors: e.tensors }));
        break;
      case 'done':
        setStatus(e.status);
        if ((e.status === 'done' || e.status === 'stopped') && ir) onTrained?.(ir.nodes.map((n) => n.id));
        if ((e.status === 'non-finite' || e.status === 'diverged') && e.nodeId) {
          setMessage(e.message ?? `Loss became non-finite at node '${e.nodeId}'.`);
          onNonFinite?.(e.nodeId, e.message ?? '');
        }
        break;
      case 'evaluation':
        setEvaluation(e.evaluation);
        break;
      case 'fieldEvaluation':
        setFieldEvaluation(e.evaluation);
        break;
      case 'curves':
        onCurves?.(e.curves);
        break;
      case 'saved':
        if (e.artifacts) downloadArtifacts(e.artifacts, fileStem(ir?.title));
        setMessage(
          e.location === 'download'
            ? 'Model downloaded: model.json + weights.bin.'
            : `Model saved to ${e.location}.`,
        );
        break;
      case 'weightsLoaded':
        setStatus('done');
        if (ir) onTrained?.(ir.nodes.map((n) => n.id));
        setMessage(`Loaded saved weights (${e.params.toLocaleString('en-US')} parameters).`);
        break;
      case 'error':
        setStatus('error');
        setMessage(e.nodeId ? `Node '${e.nodeId}': ${e.message}` : e.message);
        break;
    }
  };

  const loadWeights = async (files: FileList) => {
    if (!ir) return;
    const list = [...files];
    const json = list.find((f) => f.name.endsWith('.json'));
    const bin = list.find((f) => f.name.endsWith('.bin'));
    if (!json || !bin) {
      setMessage('Choose both files: model.json and weights.bin.');
      return;
    }
    try {
      const modelJson = JSON.parse(await json.text()) as SavedArtifacts['modelJson'];
      if (!Array.isArray(modelJson?.weightsManifest))
        throw new Error(`${json.name} is not a tfjs model.json (no weightsManifest)`);
      setStatus('loading');
      setMessage('');
      setEvaluation(undefined);
      setFieldEvaluation(undefined);
      client.loadWeights(ir, settings, { modelJson, weightData: await bin.arrayBuffer() }, onEvent);
    } catch (e) {
      setStatus('error');
      setMessage((e as Error).message);
    }
  };

  const last = epochs.at(-1);
  const running = status === 'loading' || status === 'training';
  const badge =
    typeof backend === 'string'
      ? backend
      : `${backend.backend}${backend.adapter ? ` (${backend.adapter})` : ''} — ${backend.reason}`;
  const num = (
    key: 'epochs' | 'batchSize' | 'learningRate' | 'seed',
    label: string,
    min: number,
    step: number,
  ) => (
    <label>
      {label}
      <input
        type="number"
        data-testid={`train-${key}`}
        min={min}
        step={step}
        value={settings[key] ?? ''}
        placeholder={key === 'learningRate' ? 'graph default' : undefined}
        disabled={running}
        onChange={(ev) => {
          const v = ev.target.value === '' ? undefined : Number(ev.target.value);
          setSettings((s) => {
            const next = { ...s } as Record<string, unknown>;
            if (v === undefined || !Number.isFinite(v) || v < min) delete next[key];
            else next[key] = v;
            return next as unknown as TrainSettings;
          });
        }}
      />
    </label>
  );

  return (
    <section className="train-panel" aria-label="Train">
      <div className="backend-badge" data-testid="backend-badge" title="tfjs backend in use">
        {badge}
      </div>
      {dataControls?.(running, uploads)}
      <div className="train-settings">
        {num('epochs', 'Epochs', 1, 1)}
        {num('batchSize', 'Batch', 1, 1)}
        {num('learningRate', 'Learning rate', 0, 0.0001)}
        {num('seed', 'Seed', 0, 1)}
      </div>
      <label>
        Optimizer
        <select
          data-testid="train-optimizer"
          disabled={running}
          value={settings.optimizer ?? ir?.training?.optimizer.type ?? ''}
          onChange={(ev) => setSettings((st) => ({ ...st, optimizer: ev.target.value }))}
        >
          {browserRegistry()
            .all()
            .filter((d) => d.kind === 'optimizer')
            .map((d) => (
              <option key={d.type} value={d.type}>
                {d.title}
              </option>
            ))}
        </select>
      </label>
      <div className="train-buttons">
        <button
          type="button"
          data-testid="train-button"
          disabled={!ir || running}
          onClick={start}
          title={blockedReason}
        >
          Train
        </button>
        <button type="button" data-testid="stop-button" disabled={!running} onClick={() => client.stop()}>
          Stop
        </button>
        <span data-testid="train-status">{status}</span>
      </div>
      {!ir && blockedReason ? <p className="train-blocked">{blockedReason}</p> : null}
      {ir?.training?.phases.some((p) => p.kind === 'fit') ? (
        <FitViewsPanel client={client} ir={ir} settings={settings} disabled={running} />
      ) : null}
      {ir?.training && ir.training.phases.length > 1 ? (
        <PhaseTimeline
          phases={ir.training.phases}
          done={Object.fromEntries(
            ir.training.phases.map((p) => [p.name, epochs.filter((e) => e.stage === p.name).length]),
          )}
          current={epochs.at(-1)?.stage}
          samples={phaseSamples}
          selected={selectedPhase}
          {...(onSelectPhase ? { onSelect: onSelectPhase } : {})}
        />
      ) : null}
      <progress data-testid="progress" max={progress.total || 1} value={progress.done} />
      <span className="eta" data-testid="eta">
        {running ? etaText(progress) : ''}
      </span>
      <dl className="metrics">
        <dt>loss</dt>
        <dd data-testid="metric-loss">
          {fmt(last?.loss ?? (Number.isNaN(progress.loss) ? undefined : progress.loss))}
        </dd>
        <dt>accuracy</dt>
        <dd data-testid="metric-accuracy">{fmt(last?.accuracy)}</dd>
        <dt>val accuracy</dt>
        <dd data-testid="metric-val-accuracy">{fmt(last?.valAccuracy)}</dd>
      </dl>
      {message ? (
        <p className="train-message" data-testid="train-message" role="alert">
          {message}
        </p>
      ) : null}
      <LineChart
        yLabel="loss per batch"
        testId="chart-batch-loss"
        series={[{ name: 'batch loss', color: '#c0392b', points: batchLoss }]}
      />
      <LineChart
        yLabel="per epoch"
        testId="chart-epochs"
        separators={phaseSeparators(epochs)}
        series={[
          { name: 'loss', color: '#c0392b', points: epochs.map((e) => [e.epoch, e.loss]) },
          {
            name: 'val loss',
            color: '#e67e22',
            points: epochs.flatMap((e) => (e.valLoss === undefined ? [] : [[e.epoch, e.valLoss]])),
          },
          {
            name: 'acc',
            color: '#2471a3',
            points: epochs.flatMap((e) => (e.accuracy === undefined ? [] : [[e.epoch, e.accuracy]])),
          },
          {
            name: 'val acc',
            color: '#27ae60',
            points: epochs.flatMap((e) => (e.valAccuracy === undefined ? [] : [[e.epoch, e.valAccuracy]])),
          },
        ]}
      />
      {ir?.training &&
      (ir.training.phases.length > 1 || ir.training.phases.some((p) => p.optimizers.length > 1)) ? (
        <LrTrace epochs={epochs} />
      ) : null}
      <EpochTable epochs={epochs} ir={ir} />
      <div className="model-io">
        <button
          type="button"
          data-testid="save-model-button"
          disabled={running || status === 'idle'}
          onClick={() => client.save('artifacts', fileStem(ir?.title))}
        >
          Download model
        </button>
        <button
          type="button"
          data-testid="save-model-idb"
          disabled={running || status === 'idle'}
          onClick={() => client.save('indexeddb', fileStem(ir?.title))}
        >
          Save in browser
        </button>
        <label>
          Load weights
          <input
            type="file"
            multiple
            accept=".json,.bin"
            data-testid="load-weights-input"
            disabled={!ir || running}
            onChange={(e) => {
              if (e.target.files?.length) void loadWeights(e.target.files);
              e.target.value = '';
            }}
          />
        </label>
      </div>
      {evaluation ? <EvaluationView evaluation={evaluation} onRefresh={() => client.evaluate()} /> : null}
      {fieldEvaluation ? <FieldPlots evaluation={fieldEvaluation} /> : null}
      <CsvUpload
        seed={settings.seed}
        onDataset={(c: CsvChoice) => {
          setUploads((u) => ({ ...u, csv: { source: c.file, dataset: c.dataset } }));
          const labels = c.dataset.binding.labels;
          onUpload?.({
            name: 'csv',
            params: {
              features: c.dataset.featureNames.length,
              classes: labels.kind === 'class' ? labels.numClasses : 0,
              file: c.file,
            },
          });
        }}
      />
      <ImageFolderUpload
        seed={settings.seed}
        onDataset={(c) => {
          setUploads((u) => ({ ...u, images: { source: c.folder, dataset: c.dataset } }));
          const labels = c.dataset.binding.labels;
          onUpload?.({
            name: 'images',
            params: {
              ...c.shape,
              classes: labels.kind === 'class' ? labels.numClasses : 2,
              folder: c.folder,
            },
          });
        }}
      />
      <p className="debug-line" data-testid="tensor-count">
        tensors in use: {progress.tensors}
        {tensorsPerEpoch.length ? (
          <span data-testid="tensors-per-epoch"> (after each epoch: {tensorsPerEpoch.join(', ')})</span>
        ) : null}
      </p>
    </section>
  );
}
