// The inspector: widgets generated from the selected node's param specs (range, step and doc from
// the spec), its docs, formula and paper, and its diagnostics. With nothing selected: the graph's
// Keras-style summary and every diagnostic (click one to zoom to its node).
import { useEffect, useId, useState } from 'react';
import { applyFix, editParam, ungroupSelected } from '../app/actions.ts';
import { publishGroup } from '../app/blocks.ts';
import { resetParam, setLabel, setShareWeights, setTitle } from '../app/commands.ts';
import { useEditor, useEditorStore } from '../app/editor-context.ts';
import { scopeAnalysisOf, scopeOf } from '../app/store.ts';
import type { Diagnostic } from '../core/diagnostics.ts';
import { describeFix } from '../core/fixes.ts';
import { isGroup } from '../core/groups.ts';
import { type AnyNodeDef, familyOf } from '../core/node-def.ts';
import { checkParam, type ParamSpec, type ParamSpecs } from '../core/params.ts';
import { ActivationView } from './activation-view.tsx';
import { SourceField } from './dataset-fields.tsx';
import { diagnosticsByNode, formatParamValue, showShape } from './flow-model.ts';
import { formatCount, plural } from './format.ts';
import { TrainedInsight } from './insight.tsx';
import { ModelSummary } from './model-summary.tsx';
import { StoreViews } from './store-view.tsx';

export function Inspector() {
  const selection = useEditor((s) => s.selection);
  const only = selection.nodes.length === 1 ? selection.nodes[0] : undefined;
  return (
    <aside className="inspector" aria-label="Inspector" data-testid="inspector">
      {only !== undefined ? (
        <NodeInspector nodeId={only} />
      ) : selection.nodes.length === 0 && selection.edges.length === 1 ? (
        <EdgeInspector edgeId={selection.edges[0]!} />
      ) : selection.nodes.length > 1 ? (
        <p className="muted">
          {plural(selection.nodes.length, 'node')} selected. Delete, copy or duplicate them together.
        </p>
      ) : (
        <GraphInspector />
      )}
    </aside>
  );
}

/**
 * A selected edge: where it runs, the static shape it carries, and (from a trained model, or the one
 * training now) what flows along it for one validation sample — the source port's activations.
 */
function EdgeInspector({ edgeId }: { edgeId: string }) {
  const edge = useEditor((s) => {
    const scope = scopeOf(s);
    return Object.hasOwn(scope.edges, edgeId) ? scope.edges[edgeId] : undefined;
  });
  const shape = useEditor((s) =>
    edge ? scopeAnalysisOf(s).nodes.get(edge.from.node)?.outputs[edge.from.port] : undefined,
  );
  const sourceType = useEditor((s) =>
    edge && Object.hasOwn(scopeOf(s).nodes, edge.from.node) ? scopeOf(s).nodes[edge.from.node]!.type : '',
  );
  if (!edge) return null;
  return (
    <section data-testid="edge-activations" aria-label="Edge">
      <h2>
        Edge <code className="muted">{edgeId}</code>
      </h2>
      <dl className="facts">
        <div>
          <dt>From</dt>
          <dd>
            <code>
              {edge.from.node}.{edge.from.port}
            </code>
          </dd>
        </div>
        <div>
          <dt>To</dt>
          <dd>
            <code>
              {edge.to.node}.{edge.to.port}
            </code>
          </dd>
        </div>
        <div>
          <dt>Shape</dt>
          <dd data-testid="edge-shape">{shape ? showShape(shape) : '—'}</dd>
        </div>
      </dl>
      {/^(io|group)\./.test(sourceType) ? (
        <p className="muted">
          This edge carries the data fed to the model; select an edge out of a layer to see its activations.
        </p>
      ) : (
        <ActivationView nodeId={edge.from.node} port={edge.from.port} />
      )}
    </section>
  );
}

function GraphInspector() {
  const store = useEditorStore();
  const analysis = useEditor((s) => s.analysis);
  const doc = useEditor((s) => s.history.present);
  const inGroup = useEditor((s) => s.path.length > 0);
  const scopeAnalysis = useEditor(scopeAnalysisOf);
  const titleId = useId();
  if (inGroup)
    return (
      <section>
        <h2>Inside a group</h2>
        <p className="muted">
          Edit the nodes of this group; Group input / Group output nodes are its ports. Close the group (above
          the canvas) to go back.
        </p>
        <DiagnosticList items={scopeAnalysis.diagnostics} />
        <ModelSummary analysis={scopeAnalysis} />
      </section>
    );
  return (
    <section>
      <label htmlFor={titleId} className="field-label">
        Graph title
      </label>
      <input
        id={titleId}
        data-testid="graph-title"
        value={doc.meta.title}
        maxLength={200}
        onChange={(e) => store.run('Rename graph', setTitle(e.currentTarget.value), { coalesce: 'title' })}
        onBlur={() => store.seal()}
      />
      {doc.meta.paper && (
        <p className="card-paper">
          {doc.meta.paper.title} ({doc.meta.paper.year})
          {doc.meta.paper.arxiv && <span className="muted"> · arXiv {doc.meta.paper.arxiv}</span>}
        </p>
      )}
      {doc.meta.claim && <p className="claim">{doc.meta.claim}</p>}
      <DiagnosticList items={analysis.diagnostics} />
      {doc.training?.stores?.length ? <StoreViews names={doc.training.stores.map((s) => s.name)} /> : null}
      <ModelSummary analysis={analysis} />
    </section>
  );
}

export function DiagnosticList({ items }: { items: readonly Diagnostic[] }) {
  const store = useEditorStore();
  const registry = useEditor((s) => s.registry);
  if (items.length === 0) return <p className="ok">No diagnostics.</p>;
  return (
    <section aria-label="Diagnostics">
      <h3>{plural(items.length, 'diagnostic')}</h3>
      <ul className="diagnostics">
        {items.map((d, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: diagnostics have no id; order is stable per analysis
          <li key={i} className={d.severity} data-testid="diagnostic-item">
            {d.nodeId !== undefined ? (
              <button
                type="button"
                className="link"
                onClick={() =>
                  d.within?.nodeId !== undefined
                    ? store.showPath([...store.getState().path, ...d.within.path], d.within.nodeId)
                    : store.focusNode(d.nodeId!)
                }
              >
                {d.within?.nodeId !== undefined ? [...d.within.path, d.within.nodeId].join(' › ') : d.nodeId}
              </button>
            ) : (
              <code>graph</code>
            )}{' '}
            <span>{d.message}</span>
            {d.fix && (
              <button
                type="button"
                className="fix-button"
                onClick={() => applyFix(store, d.fix!, `Fix: ${describeFix(d.fix!, registry)}`)}
              >
                {describeFix(d.fix, registry)}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function NodeInspector({ nodeId }: { nodeId: string }) {
  const store = useEditorStore();
  const registry = useEditor((s) => s.registry);
  const rec = useEditor((s) => {
    const scope = scopeOf(s);
    return Object.hasOwn(scope.nodes, nodeId) ? scope.nodes[nodeId] : undefined;
  });
  const info = useEditor((s) => scopeAnalysisOf(s).nodes.get(nodeId));
  const diags = useEditor((s) => diagnosticsByNode(scopeAnalysisOf(s)).get(nodeId));
  if (!rec) return null;
  const def = registry.get(rec.type);
  if (!def)
    return (
      <section>
        <h2>Missing node type</h2>
        <p>
          <code>{nodeId}</code> has type <code>{rec.type}</code>, which this Netwright does not know. It is
          kept as is; replace it with a known node.
        </p>
        <DiagnosticList items={diags ?? []} />
      </section>
    );
  return (
    <section>
      <h2>
        {def.title} <code className="muted">{nodeId}</code>
      </h2>
      <p className="muted">
        <code>{def.type}</code> · {familyOf(def.type)}
      </p>
      <p>{def.docs.summary}</p>
      {def.docs.formula && <pre className="formula">{def.docs.formula}</pre>}
      <PaperRef def={def} />
      {isGroup(rec) && <GroupTools nodeId={nodeId} label={rec.label ?? ''} />}
      {def.kind === 'layer' && !isGroup(rec) && (
        <ShareWeightsField nodeId={nodeId} type={rec.type} value={rec.shareWeights} />
      )}
      <dl className="facts">
        {info &&
          Object.entries(info.outputs).map(([port, t]) => (
            <div key={port}>
              <dt>Output {port}</dt>
              <dd>{showShape(t)}</dd>
            </div>
          ))}
        <div>
          <dt>Parameters</dt>
          <dd data-testid="inspector-param-count">{info?.ok ? formatCount(info.paramCount) : '—'}</dd>
        </div>
      </dl>
      <form className="params" onSubmit={(e) => e.preventDefault()}>
        {Object.entries(def.params as ParamSpecs).map(([name, spec]) => {
          const field = (
            <ParamField
              key={`${nodeId}:${name}`}
              name={name}
              spec={spec}
              value={info?.params[name] ?? spec.default}
              explicit={Object.hasOwn(rec.params, name)}
              onChange={(v) => editParam(store, nodeId, name, v)}
              onReset={() => store.edit(`Reset ${name} of ${nodeId}`, resetParam(nodeId, name))}
              onDone={() => store.seal()}
            />
          );
          // An Input's Source is a dropdown of what the dataset offers (free text without one).
          return def.type === 'io.input' && name === 'source' ? (
            <SourceField
              key={`${nodeId}:${name}`}
              nodeId={nodeId}
              value={String(info?.params[name] ?? spec.default)}
              fallback={field}
            />
          ) : (
            field
          );
        })}
        {Object.keys(def.params).length === 0 && <p className="muted">This node has no parameters.</p>}
      </form>
      <TrainedInsight nodeId={nodeId} type={def.type} />
      {!/^(io|losses|metrics|optimizers|group)\./.test(def.type) && <ActivationView nodeId={nodeId} />}
      <DiagnosticList items={diags ?? []} />
    </section>
  );
}

/** At most this many owners are offered in the select (document order). */
const SHARE_OPTIONS_MAX = 50;

/**
 * Weight sharing (issue #13): a select of the other nodes of the same type in this scope that own
 * their weights; choosing one makes this node apply that node's layer (one set of weights).
 */
function ShareWeightsField({
  nodeId,
  type,
  value,
}: {
  nodeId: string;
  type: string;
  value: string | undefined;
}) {
  const store = useEditorStore();
  const id = useId();
  // The first SHARE_OPTIONS_MAX candidates and how many there are: a 10,000-layer chain must not
  // render 10,000 options on the main thread when one of its cards is clicked.
  const candidates = useEditor((s) => {
    const nodes = scopeOf(s).nodes;
    const shown: string[] = [];
    let count = 0;
    for (const k of Object.keys(nodes)) {
      if (k === nodeId || nodes[k]!.type !== type || nodes[k]!.shareWeights !== undefined) continue;
      count++;
      if (shown.length < SHARE_OPTIONS_MAX) shown.push(k);
    }
    return [String(count), ...shown].join('\n');
  });
  const [countText, ...owners] = candidates.split('\n');
  const total = Number(countText);
  // Keep a current owner listed even when it is no longer a candidate (analysis reports why).
  if (value !== undefined && !owners.includes(value)) owners.unshift(value);
  if (owners.length === 0 && value === undefined) return null;
  return (
    <div className="share-weights">
      <label htmlFor={id} className="field-label">
        Shares weights with
      </label>
      <select
        id={id}
        data-testid="share-weights"
        value={value ?? ''}
        onChange={(e) => {
          const owner = e.currentTarget.value || undefined;
          store.edit(
            owner ? `Share weights of ${nodeId} with ${owner}` : `Unshare weights of ${nodeId}`,
            setShareWeights(nodeId, owner),
          );
          store.seal();
        }}
      >
        <option value="">— own weights —</option>
        {owners.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
      {total > SHARE_OPTIONS_MAX && (
        <p className="muted" data-testid="share-weights-more">
          the first {SHARE_OPTIONS_MAX} of {total} nodes of this type are listed
        </p>
      )}
      {value !== undefined && (
        <p className="muted" data-testid="share-weights-note">
          shares weights with {value}: one set of weights, trained by both uses and counted once.
        </p>
      )}
    </div>
  );
}

/** A group's name, and what can be done with it: open, ungroup, publish to My blocks. */
function GroupTools({ nodeId, label }: { nodeId: string; label: string }) {
  const store = useEditorStore();
  const labelId = useId();
  return (
    <div className="group-tools">
      <label htmlFor={labelId} className="field-label">
        Group name
      </label>
      <input
        id={labelId}
        data-testid="group-label"
        value={label}
        maxLength={80}
        onChange={(e) =>
          store.edit(`Rename group ${nodeId}`, setLabel(nodeId, e.currentTarget.value), {
            coalesce: `label:${nodeId}`,
          })
        }
        onBlur={() => store.seal()}
      />
      <div className="button-row">
        <button type="button" data-testid="inspector-open-group" onClick={() => store.openGroup(nodeId)}>
          Open
        </button>
        <button type="button" data-testid="ungroup-button" onClick={() => ungroupSelected(store)}>
          Ungroup
        </button>
        <button type="button" data-testid="publish-block" onClick={() => void publishGroup(store, nodeId)}>
          Publish to My blocks
        </button>
      </div>
    </div>
  );
}

function PaperRef({ def }: { def: AnyNodeDef }) {
  const paper = def.docs.paper;
  if (!paper) return null;
  const href = paper.arxiv ? `https://arxiv.org/abs/${encodeURIComponent(paper.arxiv)}` : paper.url;
  return (
    <p className="card-paper">
      {paper.authors ? `${paper.authors}, ` : ''}
      {href && /^https:\/\//.test(href) ? (
        <a href={href} target="_blank" rel="noreferrer noopener">
          {paper.title}
        </a>
      ) : (
        paper.title
      )}{' '}
      ({paper.year})
    </p>
  );
}

/** Text the user typed → a value for `spec`, or an error message. */
export function parseField(spec: ParamSpec, text: string): { value: unknown } | { error: string } {
  let value: unknown;
  switch (spec.kind) {
    case 'int':
    case 'float': {
      const t = text.trim();
      if (t === '') return { error: 'enter a number' };
      value = Number(t);
      if (!Number.isFinite(value)) return { error: `“${t.slice(0, 20)}” is not a number` };
      break;
    }
    case 'shape': {
      const parts = text
        .replace(/[[\]()]/g, '')
        .split(/[\s,×x]+/)
        .filter(Boolean);
      if (parts.some((p) => !/^-?\d+$/.test(p)))
        return { error: 'enter whole numbers separated by commas, like 28, 28, 1' };
      value = parts.map(Number);
      break;
    }
    default:
      value = text;
  }
  const problem = checkParam(spec, value);
  return problem ? { error: problem } : { value };
}

const textOf = (spec: ParamSpec, v: unknown): string =>
  spec.kind === 'shape' && Array.isArray(v) ? v.join(', ') : v === undefined ? '' : String(v);

export function ParamField({
  name,
  spec,
  value,
  explicit,
  onChange,
  onReset,
  onDone,
  testIdPrefix = 'inspector',
}: {
  /** Test ids are `<prefix>-field-<name>` (the Train panel's dataset params use another prefix). */
  testIdPrefix?: string;
  name: string;
  spec: ParamSpec;
  value: unknown;
  explicit: boolean;
  onChange: (v: unknown) => void;
  onReset: () => void;
  onDone: () => void;
}) {
  const id = useId();
  const [text, setText] = useState(() => textOf(spec, value));
  const [error, setError] = useState<string | null>(null);
  // Follow outside changes (undo, a fix) unless the field holds the same value already.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only an outside value change resets the text
  useEffect(() => {
    const parsed = parseField(spec, text);
    if (!('value' in parsed) || JSON.stringify(parsed.value) !== JSON.stringify(value)) {
      setText(textOf(spec, value));
      setError(null);
    }
  }, [value, spec]);

  const commitText = (t: string) => {
    setText(t);
    const parsed = parseField(spec, t);
    if ('error' in parsed) setError(parsed.error);
    else {
      setError(null);
      onChange(parsed.value);
    }
  };
  const range =
    (spec.kind === 'int' || spec.kind === 'float') &&
    spec.min !== undefined &&
    spec.max !== undefined &&
    spec.max - spec.min <= (spec.kind === 'int' ? 4096 : 1e6);
  const errId = `${id}-err`;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id} className="field-label">
        {name}
        {explicit && (
          <button type="button" className="link reset" title="Back to the default" onClick={onReset}>
            reset
          </button>
        )}
      </label>
      {spec.kind === 'bool' ? (
        <input
          id={id}
          type="checkbox"
          data-testid={`${testIdPrefix}-field-${name}`}
          checked={value === true}
          onChange={(e) => {
            onChange(e.currentTarget.checked);
            onDone();
          }}
        />
      ) : spec.kind === 'enum' ? (
        <select
          id={id}
          data-testid={`${testIdPrefix}-field-${name}`}
          value={String(value)}
          onChange={(e) => {
            onChange(e.currentTarget.value);
            onDone();
          }}
        >
          {spec.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          data-testid={`${testIdPrefix}-field-${name}`}
          type="text"
          inputMode={spec.kind === 'int' || spec.kind === 'float' ? 'decimal' : 'text'}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errId : undefined}
          value={text}
          onChange={(e) => commitText(e.currentTarget.value)}
          onBlur={onDone}
          onKeyDown={(e) => {
            if (e.key === 'Enter') onDone();
          }}
        />
      )}
      {range && (spec.kind === 'int' || spec.kind === 'float') && (
        <input
          type="range"
          aria-label={`${name} slider`}
          data-testid={`${testIdPrefix}-slider-${name}`}
          min={spec.min}
          max={spec.max}
          step={spec.kind === 'int' ? 1 : (spec.step ?? (spec.max! - spec.min!) / 100)}
          value={typeof value === 'number' ? value : spec.default}
          onChange={(e) => commitText(e.currentTarget.value)}
          onPointerUp={onDone}
          onKeyUp={onDone}
        />
      )}
      {error && (
        <p className="field-error" id={errId} role="alert" data-testid={`${testIdPrefix}-error-${name}`}>
          {error} — not applied (still {formatParamValue(value)}).
        </p>
      )}
      <p className="field-doc">
        {spec.doc}
        {(spec.kind === 'int' || spec.kind === 'float') &&
          (spec.min !== undefined || spec.max !== undefined) && (
            <span className="muted">
              {' '}
              ({spec.min ?? '−∞'} … {spec.max ?? '∞'}
              {spec.kind === 'float' && spec.step !== undefined ? `, step ${spec.step}` : ''})
            </span>
          )}
      </p>
    </div>
  );
}
