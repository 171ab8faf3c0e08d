// The one generic node component: everything it shows comes from the node definition and the
// analysis (title, typed ports as handles named after the ports, key params, output shape,
// parameter count, diagnostics with their one-click fixes). No per-node-type components.
import { Handle, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import { applyFix } from '../app/actions.ts';
import { useEditor, useEditorStore } from '../app/editor-context.ts';
import { irIdOf } from '../core/groups.ts';
import { cardPhaseState } from '../core/phase-states.ts';
import { ActivationCurveView } from './activation-curve.tsx';
import type { CardNode } from './flow-model.ts';
import { formatCount } from './format.ts';

function NodeCardImpl({ data, selected }: NodeProps<CardNode>) {
  const store = useEditorStore();
  const { nodeId, title, type, family, missing, group, inputs, outputs, keyParams, paramCount, diagnostics } =
    data;
  const errors = diagnostics.filter((d) => d.severity === 'error');
  // Run-time marks and curves are keyed by IR id (`group__inner` inside a group); a mark on a node
  // inside a group also shows on the group.
  // (These selectors run for every card on every store change: no allocation at the top level.)
  const runtime = useEditor((s) => {
    const mark = s.runtimeMark;
    if (!mark) return null;
    const id = s.path.length ? irIdOf(s.path, nodeId) : nodeId;
    return mark.nodeId === id || mark.nodeId.startsWith(`${id}__`) ? mark : null;
  });
  const trained = useEditor((s) => s.curves[s.path.length ? irIdOf(s.path, nodeId) : nodeId]);
  // The phase picked in the timeline: frozen groups and inactive heads are dimmed (no phase: none).
  const phaseState = useEditor((s) =>
    s.phaseView
      ? cardPhaseState(s.phaseView.states, s.path.length ? irIdOf(s.path, nodeId) : nodeId)
      : undefined,
  );
  // The open Explain drawer: nodes its tool can target glow; the chosen one is marked.
  const explain = useEditor((s) => {
    const v = s.explainView;
    if (!v) return undefined;
    const id = s.path.length ? irIdOf(s.path, nodeId) : nodeId;
    return v.target === id ? 'target' : v.eligible.has(id) ? 'eligible' : undefined;
  });
  const curve = trained ?? data.preview;
  const cls = [
    runtime ? `runtime-${runtime.kind}` : '',
    'card-node',
    `family-${family}`,
    selected ? 'selected' : '',
    errors.length ? 'has-error' : diagnostics.length ? 'has-warning' : '',
    missing ? 'missing' : '',
    group ? 'card-group' : '',
    phaseState && phaseState !== 'trained' ? `phase-${phaseState}` : '',
    explain ? `explain-${explain}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const rows = Math.max(inputs.length, outputs.length);
  return (
    <div
      className={cls}
      data-testid={`node-${nodeId}`}
      data-type={type}
      data-phase-state={phaseState}
      data-explain={explain}
    >
      <header className="card-node-head">
        <span className="card-node-title">{title}</span>
        <code className="card-node-id">{nodeId}</code>
      </header>
      {data.copies && (
        <p
          className="card-node-copy"
          data-testid={`copy-chip-${nodeId}`}
          title="Weight copies onto this node's variable group (training phases)"
        >
          {data.copies.join(' · ')}
        </p>
      )}
      {data.sharesWith !== undefined && (
        <p
          className="card-node-copy card-node-share"
          data-testid={`share-chip-${nodeId}`}
          title={`This node applies the layer of '${data.sharesWith}': one set of weights, trained by both uses`}
        >
          shares weights with {data.sharesWith}
        </p>
      )}
      {missing && <p className="card-node-missing">Missing node type “{type}”</p>}
      {runtime && (
        <p className="card-node-runtime" data-testid={`runtime-${nodeId}`} role="alert">
          {runtime.message}
        </p>
      )}
      <div className="card-node-ports">
        {Array.from({ length: rows }, (_, i) => {
          const inp = inputs[i];
          const out = outputs[i];
          return (
            <div className="port-row" key={`${inp?.name ?? ''}|${out?.name ?? ''}`}>
              {inp ? (
                <span className="port port-in" title={`${inp.name}: ${inp.doc}`}>
                  <Handle
                    type="target"
                    position={Position.Left}
                    id={inp.name}
                    data-testid={`handle-${nodeId}-in-${inp.name}`}
                    className={`handle-in${inp.connected ? '' : inp.optional ? ' handle-optional' : ' handle-open'}`}
                  />
                  <span className="port-name">{inp.name}</span>
                  {inp.shape && <span className="port-shape">{inp.shape}</span>}
                </span>
              ) : (
                <span />
              )}
              {out ? (
                <span className="port port-out" title={`${out.name}: ${out.doc}`}>
                  <span className="port-shape" data-testid={`node-shape-${nodeId}-${out.name}`}>
                    {out.shape ?? '?'}
                  </span>
                  <span className="port-name">{out.name}</span>
                  <Handle
                    type="source"
                    position={Position.Right}
                    id={out.name}
                    data-testid={`handle-${nodeId}-out-${out.name}`}
                    className="handle-out"
                  />
                </span>
              ) : (
                <span />
              )}
            </div>
          );
        })}
      </div>
      {keyParams.length > 0 && (
        <dl className="card-node-config" data-testid={`node-config-${nodeId}`}>
          {keyParams.map((p) => (
            <div key={p.name}>
              <dt>{p.name}</dt>
              <dd>{p.value}</dd>
            </div>
          ))}
        </dl>
      )}
      {curve && <ActivationCurveView nodeId={nodeId} curve={curve} />}
      <footer className="card-node-foot">
        <span className="card-node-params" data-testid={`node-params-${nodeId}`}>
          {paramCount === null ? '— params' : `${formatCount(paramCount)} params`}
        </span>
        {group && (
          <button
            type="button"
            className="open-group nodrag"
            data-testid={`open-group-${nodeId}`}
            title="Open the group to edit inside (or double-click the node)"
            onClick={(e) => {
              e.stopPropagation();
              store.openGroup(nodeId);
            }}
          >
            Open ▸
          </button>
        )}
        {diagnostics.length > 0 && (
          <span
            className={`badge ${errors.length ? 'badge-error' : 'badge-warning'}`}
            title={diagnostics.map((d) => d.message).join('\n')}
          >
            {diagnostics.length} {errors.length ? 'error' : 'warning'}
            {diagnostics.length === 1 ? '' : 's'}
          </span>
        )}
      </footer>
      {diagnostics.length > 0 && (
        <ul className="card-node-diagnostics nodrag" data-testid={`diagnostics-${nodeId}`}>
          {diagnostics.map((d, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: diagnostics have no id; order is stable per analysis
            <li key={i} className={d.severity} data-code={d.code}>
              <span className="diag-text">{d.message}</span>
              {d.fix && d.fixLabel && (
                <button
                  type="button"
                  className="fix-button nodrag"
                  data-testid={`fix-${nodeId}`}
                  onClick={(e) => {
                    e.stopPropagation();
                    if (d.fix) applyFix(store, d.fix, `Fix: ${d.fixLabel}`);
                  }}
                >
                  {d.fixLabel}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export const NodeCard = memo(NodeCardImpl);
