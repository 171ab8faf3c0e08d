// Train panel section for graphs with fit phases (closed-form weights, no gradient, e.g. P39's
// Hebbian couplings): "Fit" runs only the fit phases in the Worker ('fitViews'), then shows the
// Mattis overlaps per pattern as bars and each fitted square weight (the coupling matrix J) as a
// block-mean heat map, with its size, symmetry and zero diagonal checked on the full matrix in the
// Worker. Drawing: SVG bars and canvas pixels only.
import { useMemo, useState } from 'react';
import type { TrainerClient } from '../app/trainer-client.ts';
import type { ModelIR } from '../core/ir.ts';
import type { FitViews, TrainSettings } from '../trainer/protocol.ts';
import { PixelCanvas } from './pixel-canvas.tsx';

const fmt = (v: number) =>
  Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(3);

/** Diverging blue–white–red colours for values in [−m, m]. */
export function divergingRgba(values: readonly number[]): Uint8ClampedArray {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  const out = new Uint8ClampedArray(values.length * 4);
  values.forEach((v, i) => {
    const t = m > 0 ? v / m : 0;
    const r = t < 0 ? 255 * (1 + t) : 255;
    const b = t > 0 ? 255 * (1 - t) : 255;
    const g = 255 * (1 - Math.abs(t));
    out.set([r, g, b, 255], i * 4);
  });
  return out;
}

function OverlapBars({ o }: { o: NonNullable<FitViews['overlaps']> }) {
  const W = 240;
  const H = 80;
  const bw = W / o.meanAbs.length;
  return (
    <figure className="fit-overlaps">
      <svg
        width={W}
        height={H + 14}
        role="img"
        aria-label="Mattis overlaps per pattern"
        data-testid="overlap-bars"
        data-rows={o.rows}
      >
        {o.meanAbs.map((m, i) => (
          <g
            // biome-ignore lint/suspicious/noArrayIndexKey: patterns are positional
            key={i}
          >
            <rect
              data-testid={`overlap-bar-${i}`}
              data-value={m.toFixed(4)}
              data-signed={o.mean[i]!.toFixed(4)}
              x={i * bw + 2}
              y={H - H * Math.min(1, m)}
              width={Math.max(1, bw - 4)}
              height={H * Math.min(1, m)}
              fill="#5b8def"
            >
              <title>{`pattern ${i + 1}: mean |m| ${fmt(m)}, mean m ${fmt(o.mean[i]!)}`}</title>
            </rect>
            <text x={i * bw + bw / 2} y={H + 12} fontSize={10} textAnchor="middle">
              {`|m${i + 1}| ${m.toFixed(2)}`}
            </text>
          </g>
        ))}
      </svg>
      <figcaption className="muted">
        Mean |Mattis overlap| per pattern over {o.rows} validation starts (metric {o.metric}).
      </figcaption>
    </figure>
  );
}

function CouplingHeatmap({ c }: { c: FitViews['couplings'][number] }) {
  const s = c.summary;
  const rgba = useMemo(() => divergingRgba(s.heat), [s.heat]);
  return (
    <figure className="fit-coupling">
      <PixelCanvas
        size={[s.cells, s.cells]}
        rgba={rgba}
        className="coupling-heatmap"
        data-testid="coupling-heatmap"
        data-node={c.nodeId}
        data-n={String(s.n)}
        data-symmetric={String(s.symmetric)}
        data-diag-zero={String(s.diagZero)}
        title={`${c.nodeId}/${c.weight}: ${s.n}×${s.n}, ${s.cells}×${s.cells} block means`}
      />
      <figcaption className="muted" data-testid="coupling-caption">
        {c.nodeId}/{c.weight}: {s.n}×{s.n} ({s.cells}×{s.cells} block means), range {fmt(s.min)} …{' '}
        {fmt(s.max)}; {s.symmetric ? 'symmetric' : `not symmetric (max |J−Jᵀ| ${fmt(s.maxAsymmetry)})`},{' '}
        {s.diagZero ? 'zero diagonal' : `diagonal up to ${fmt(s.maxDiagonal)}`}
      </figcaption>
    </figure>
  );
}

export function FitViewsPanel({
  client,
  ir,
  settings,
  disabled,
}: {
  client: TrainerClient;
  ir: ModelIR;
  settings: TrainSettings;
  disabled: boolean;
}) {
  const [views, setViews] = useState<FitViews | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const runFit = async () => {
    setBusy(true);
    setError('');
    try {
      setViews(await client.fitViews(ir, settings));
    } catch (e) {
      setViews(undefined);
      setError((e as Error)?.message ?? String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="fit-views" aria-label="Fit views" data-testid="fit-views">
      <div className="button-row">
        <button type="button" data-testid="fit-run" disabled={disabled || busy} onClick={() => void runFit()}>
          Fit
        </button>
        <span className="muted" data-testid="fit-status">
          {busy
            ? 'fitting…'
            : views
              ? `fitted in ${(views.ms / 1000).toFixed(1)} s`
              : 'runs the fit phases only'}
        </span>
      </div>
      {error && (
        <p className="muted" role="alert" data-testid="fit-error">
          {error}
        </p>
      )}
      {views && !views.overlaps && views.couplings.length === 0 && (
        <p className="muted" data-testid="fit-nothing">
          Fitted. The fitted nodes have no square weight matrix to draw and the graph no Mattis overlap
          metric; Train runs the whole procedure.
        </p>
      )}
      {views?.overlaps && <OverlapBars o={views.overlaps} />}
      {views?.couplings.map((c) => (
        <CouplingHeatmap key={`${c.nodeId}/${c.weight}`} c={c} />
      ))}
    </section>
  );
}
