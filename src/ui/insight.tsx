// Inspector section for a trained model: a KAN-family layer's learned edge functions (a grid of
// small plots, input i → output j) and an attention node's maps per head for a chosen validation
// sample (heat maps, query rows × key columns). Data comes from the Worker (src/trainer/inspect.ts).
import { useId, useState } from 'react';
import { useEditor } from '../app/editor-context.ts';
import type { AttentionMaps, EdgeFunctions } from '../trainer/protocol.ts';

const EDGE_TYPES = /^kan\.|^layers\.dense$/;
const ATTENTION_TYPES = new Set(['attention.multiHeadAttention', 'attention.transformerEncoder']);

export function TrainedInsight({ nodeId, type }: { nodeId: string; type: string }) {
  const trained = useEditor((s) => s.trained?.has(nodeId) === true);
  const trainer = useEditor((s) => s.trainer);
  const [edges, setEdges] = useState<EdgeFunctions | undefined>();
  const [maps, setMaps] = useState<AttentionMaps | undefined>();
  const [sample, setSample] = useState(0);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const sampleId = useId();
  const wantsEdges = EDGE_TYPES.test(type);
  const wantsMaps = ATTENTION_TYPES.has(type);
  if (!wantsEdges && !wantsMaps) return null;
  // A Dense layer learns weights, not functions: each of its "edges" is the straight line w_ij·x.
  const edgeWords = type === 'layers.dense' ? 'weights (each edge is the line w·x)' : 'edge functions';
  if (!trained || !trainer)
    return (
      <p className="muted" data-testid="insight-hint">
        Train the graph to see this node's learned {wantsEdges ? edgeWords : 'attention maps'}.
      </p>
    );
  const run = async (what: 'edges' | 'attention') => {
    setBusy(true);
    setError('');
    try {
      const r = await trainer.inspect(nodeId, what, sample);
      if (what === 'edges') setEdges(r as EdgeFunctions);
      else setMaps(r as AttentionMaps);
    } catch (e) {
      setError((e as Error)?.message ?? String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="insight" aria-label="Learned">
      {wantsEdges && (
        <>
          <button
            type="button"
            data-testid="show-edge-functions"
            disabled={busy}
            onClick={() => void run('edges')}
          >
            Show learned {edgeWords}
          </button>
          {edges && <EdgeGrid data={edges} />}
        </>
      )}
      {wantsMaps && (
        <div className="button-row">
          <label htmlFor={sampleId}>Validation sample</label>
          <input
            id={sampleId}
            data-testid="attention-sample"
            type="number"
            min={0}
            step={1}
            value={sample}
            onChange={(e) => setSample(Math.max(0, Math.floor(Number(e.currentTarget.value) || 0)))}
          />
          <button
            type="button"
            data-testid="show-attention"
            disabled={busy}
            onClick={() => void run('attention')}
          >
            Show attention maps
          </button>
        </div>
      )}
      {maps && <AttentionView data={maps} />}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

const PW = 64;
const PH = 40;

function EdgeGrid({ data }: { data: EdgeFunctions }) {
  const all = data.phi.flat(2).filter(Number.isFinite);
  const lo = Math.min(0, ...all);
  const hi = Math.max(0, ...all);
  const x0 = data.x[0]!;
  const x1 = data.x.at(-1)!;
  const sx = (v: number) => ((v - x0) / (x1 - x0 || 1)) * PW;
  const sy = (v: number) => PH - ((v - lo) / (hi - lo || 1)) * PH;
  const clipped = data.inputs > data.phi.length || data.outputs > (data.phi[0]?.length ?? 0);
  return (
    <figure className="edge-grid" data-testid="edge-functions">
      <figcaption className="muted">
        φ<sub>ij</sub>(t) − φ<sub>ij</sub>(0) for t in [{x0}, {x1}]: rows are inputs i, columns outputs j
        {clipped
          ? ` (first ${data.phi.length} × ${data.phi[0]?.length ?? 0} of ${data.inputs} × ${data.outputs})`
          : ''}
        ; one scale for all.
      </figcaption>
      <table>
        <tbody>
          {data.phi.map((row, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: inputs are positional
            <tr key={i}>
              {row.map((ys, j) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: outputs are positional
                <td key={j}>
                  <svg viewBox={`0 0 ${PW} ${PH}`} width={PW} height={PH} data-testid={`edge-fn-${i}-${j}`}>
                    <title>{`${data.inputLabels[i] ?? `input ${i}`} → output ${j}`}</title>
                    <line x1={0} x2={PW} y1={sy(0)} y2={sy(0)} className="axis" />
                    <path
                      className="curve-f"
                      d={ys
                        .map((y, k) => `${k ? 'L' : 'M'}${sx(data.x[k]!).toFixed(1)},${sy(y).toFixed(1)}`)
                        .join('')}
                    />
                  </svg>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function AttentionView({ data }: { data: AttentionMaps }) {
  return (
    <figure className="attention-maps" data-testid="attention-maps">
      <figcaption className="muted">
        Sample {data.sample}
        {data.label !== undefined ? ` (label ${data.label})` : ''}: attention probabilities, query rows × key
        columns, darker = more.
      </figcaption>
      {data.blocks.map((b, bi) => (
        <div key={b.name} className="attention-block">
          {data.blocks.length > 1 && (
            <div className="muted">{b.name.replace(/_?attention$/, '') || 'block'}</div>
          )}
          {b.heads.map((rows, h) => {
            const n = rows.length;
            const cell = Math.max(2, Math.floor(120 / Math.max(1, n)));
            return (
              <svg
                // biome-ignore lint/suspicious/noArrayIndexKey: heads are positional
                key={h}
                width={cell * n}
                height={cell * n}
                data-testid={`attention-map-${bi}-${h}`}
                className="attention-map"
              >
                <title>{`head ${h}`}</title>
                {rows.flatMap((row, q) =>
                  row.map((p, k) => (
                    <rect
                      // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                      key={`${q}-${k}`}
                      x={k * cell}
                      y={q * cell}
                      width={cell}
                      height={cell}
                      fillOpacity={Math.max(0, Math.min(1, p))}
                      fill="#3b2a8a"
                    />
                  )),
                )}
              </svg>
            );
          })}
        </div>
      ))}
    </figure>
  );
}
