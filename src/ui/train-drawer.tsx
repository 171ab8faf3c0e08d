// Connects the Train panel to the editor: the graph's IR (when it has no errors), the forced
// backend from `?backend=`, marking the node a run stopped on, the dataset picker, and uploaded
// data's shape → graph (training settings created on first use, one undo step).
import { useEffect, useMemo, useState } from 'react';
import { useEditor, useEditorStore } from '../app/editor-context.ts';
import { createTrainerClient, type TrainerClient } from '../app/trainer-client.ts';
import { locateIrId } from '../core/groups.ts';
import { lowerGraph } from '../core/lower.ts';
import { phaseNodeStates } from '../core/phase-states.ts';
import { chooseDataset } from '../core/training-setup.ts';
import { BACKENDS, type BackendName } from '../trainer/protocol.ts';
import { DatasetPicker } from './dataset-picker.tsx';
import { ExplainDrawer } from './explain-drawer.tsx';
import { TrainPanel } from './train-panel.tsx';

function forcedBackend(search: string): BackendName | undefined {
  const b = new URLSearchParams(search).get('backend');
  return b && (BACKENDS as readonly string[]).includes(b) ? (b as BackendName) : undefined;
}

export function TrainDrawer({ search }: { search: string }) {
  const store = useEditorStore();
  const analysis = useEditor((s) => s.analysis);
  const checking = useEditor((s) => s.checking);
  const registry = useEditor((s) => s.registry);
  const [client, setClient] = useState<TrainerClient | undefined>();
  const [selectedPhase, setSelectedPhase] = useState<string | undefined>();
  // The Explain drawer: offered once a run has trained the model; closed by any edit (the model
  // it reads no longer matches the graph).
  const trained = useEditor((s) => s.trained !== null);
  const [explaining, setExplaining] = useState(false);
  useEffect(() => {
    if (!trained) setExplaining(false);
  }, [trained]);
  useEffect(() => {
    const c = createTrainerClient(forcedBackend(search));
    c.onNotice((m) => store.toast('info', m));
    setClient(c);
    store.setTrainer(c);
    return () => {
      store.setTrainer(null);
      c.dispose();
    };
  }, [search, store]);

  const { ir, blocked } = useMemo(() => {
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
    if (checking)
      return { ir: undefined, blocked: 'Checking the graph… (a large graph is checked in the background)' };
    if (!analysis.doc || Object.keys(analysis.doc.nodes).length === 0)
      return { ir: undefined, blocked: 'Open a template or build a graph to train it.' };
    if (!analysis.doc.training)
      return { ir: undefined, blocked: 'Choose a dataset (above) or upload data to train this graph.' };
    if (errors)
      return { ir: undefined, blocked: `Fix the graph's ${errors} error(s) first (see the marked nodes).` };
    const lowered = lowerGraph(analysis, registry);
    return lowered.ir
      ? { ir: lowered.ir, blocked: undefined }
      : { ir: undefined, blocked: lowered.diagnostics[0]?.message };
  }, [analysis, checking, registry]);

  // The picked phase, shown on the canvas; recomputed on every graph change, cleared when it is gone
  // or when the timeline is (a graph of one phase has none to unpick it from).
  const phases = ir?.training?.phases ?? [];
  const phase = phases.length > 1 ? phases.find((p) => p.name === selectedPhase) : undefined;
  useEffect(() => {
    store.setPhaseView(ir && phase ? { phase: phase.name, states: phaseNodeStates(ir, phase) } : null);
  }, [store, ir, phase]);
  useEffect(() => () => store.setPhaseView(null), [store]);

  if (!client) return null;
  return (
    <aside className="app-train" aria-label="Training">
      <TrainPanel
        client={client}
        ir={ir}
        {...(blocked ? { blockedReason: blocked } : {})}
        onCurves={(curves) => store.setCurves(curves)}
        onTrained={(ids) => store.setTrained(new Set(ids))}
        onNonFinite={(nodeId, message) => {
          store.markRuntime({ nodeId, kind: /diverged/.test(message) ? 'diverged' : 'non-finite', message });
          // The IR id may name a node inside a group: show that group's inside at the node.
          const where = locateIrId(store.doc(), nodeId);
          if (where) store.showPath(where.path, where.nodeId);
        }}
        selectedPhase={phase?.name}
        onSelectPhase={setSelectedPhase}
        dataControls={(running, uploads) => <DatasetPicker disabled={running} uploads={uploads} />}
        onUpload={(dataset) =>
          store.run(
            `Use ${dataset.name === 'csv' ? 'uploaded CSV' : 'image folder'}`,
            chooseDataset(dataset, registry, { fit: false }),
          )
        }
      />
      {trained && ir && (
        <div className="explain-open-row">
          <button
            type="button"
            data-testid="explain-open"
            aria-expanded={explaining}
            onClick={() => setExplaining((v) => !v)}
          >
            {explaining ? 'Close Explain' : 'Explain…'}
          </button>
          <span className="muted"> heat maps (Grad-CAM, Eigen-CAM) of the trained model</span>
        </div>
      )}
      {explaining && trained && ir && (
        <ExplainDrawer
          client={client}
          ir={ir}
          {...(analysis.doc?.analyses ? { planned: analysis.doc.analyses } : {})}
          onClose={() => setExplaining(false)}
        />
      )}
    </aside>
  );
}
