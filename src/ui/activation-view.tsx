// Inspector section: what flows out of the selected node for one validation sample — mean, std,
// fraction of zeros, range, a histogram and (for a feature map) the first channels as thumbnails.
// The Worker computes it (inspect 'activations') from the model as it is now: while a run trains,
// "Live" refreshes it about once a second. Drawing: SVG bars and canvas pixels only.
import { useEffect, useId, useRef, useState } from 'react';
import { useEditor } from '../app/editor-context.ts';
import { irIdOf } from '../core/groups.ts';
import type { ActivationStats } from '../trainer/protocol.ts';
import { PixelCanvas } from './pixel-canvas.tsx';

const REFRESH_MS = 1000;
const fmt = (v: number) =>
  Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(4);

function Histogram({ h }: { h: ActivationStats['histogram'] }) {
  const W = 240;
  const H = 60;
  const top = Math.max(1, ...h.counts);
  const bw = W / h.counts.length;
  return (
    <svg
      width={W}
      height={H + 14}
      role="img"
      aria-label="Histogram of the activations"
      data-testid="activation-histogram"
    >
      {h.counts.map((c, i) => (
        <rect
          // biome-ignore lint/suspicious/noArrayIndexKey: bins are positional
          key={i}
          x={i * bw + 0.5}
          y={H - (H * c) / top}
          width={Math.max(1, bw - 1)}
          height={(H * c) / top}
          fill="#5b8def"
        />
      ))}
      <text x={0} y={H + 12} fontSize={10}>
        {fmt(h.lo)}
      </text>
      <text x={W} y={H + 12} fontSize={10} textAnchor="end">
        {fmt(h.hi)}
      </text>
    </svg>
  );
}

function greyRgba(values: readonly number[]): Uint8ClampedArray {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo > 1e-12 ? hi - lo : 1;
  const out = new Uint8ClampedArray(values.length * 4);
  values.forEach((v, i) => {
    const g = (255 * (v - lo)) / span;
    out.set([g, g, g, 255], i * 4);
  });
  return out;
}

/** `port`: one output of a multi-output node (a selected edge's source port). */
export function ActivationView({ nodeId, port }: { nodeId: string; port?: string }) {
  const trainer = useEditor((s) => s.trainer);
  const irId = useEditor((s) => irIdOf(s.path, nodeId));
  const [sample, setSample] = useState(0);
  const [live, setLive] = useState(false);
  const [stats, setStats] = useState<ActivationStats | undefined>();
  const [error, setError] = useState('');
  const sampleId = useId();
  const liveId = useId();
  const busy = useRef(false);

  const fetchOnce = async () => {
    if (!trainer || busy.current) return;
    busy.current = true;
    try {
      setStats((await trainer.inspect(irId, 'activations', sample, port)) as ActivationStats);
      setError('');
    } catch (e) {
      setError((e as Error)?.message ?? String(e));
    } finally {
      busy.current = false;
    }
  };
  const fetchRef = useRef(fetchOnce);
  fetchRef.current = fetchOnce;
  useEffect(() => {
    if (!live) return;
    void fetchRef.current();
    const t = window.setInterval(() => void fetchRef.current(), REFRESH_MS);
    return () => window.clearInterval(t);
  }, [live]);
  // A different node: the old figures do not describe it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the node changes
  useEffect(() => {
    setStats(undefined);
    setError('');
  }, [irId, port]);

  if (!trainer) return null;
  return (
    <section className="activation-view" aria-label="Activations">
      <div className="button-row">
        <label htmlFor={sampleId}>Validation sample</label>
        <input
          id={sampleId}
          data-testid="activation-sample"
          type="number"
          min={0}
          step={1}
          value={sample}
          onChange={(e) => setSample(Math.max(0, Math.floor(Number(e.currentTarget.value) || 0)))}
        />
        <button type="button" data-testid="show-activations" onClick={() => void fetchOnce()}>
          Show activations
        </button>
        <input
          id={liveId}
          type="checkbox"
          data-testid="activation-live"
          checked={live}
          onChange={(e) => setLive(e.currentTarget.checked)}
        />
        <label htmlFor={liveId}>Live (1/s)</label>
      </div>
      {error && (
        <p className="muted" role="alert" data-testid="activation-error">
          {error}
        </p>
      )}
      {stats && (
        <>
          <dl className="activation-stats" data-testid="activation-stats">
            <dt>shape</dt>
            <dd>{stats.shape.join('×')}</dd>
            <dt>mean</dt>
            <dd data-testid="activation-mean">{fmt(stats.mean)}</dd>
            <dt>std</dt>
            <dd data-testid="activation-std">{fmt(stats.std)}</dd>
            <dt>zero</dt>
            <dd data-testid="activation-zero">{(100 * stats.fractionZero).toFixed(1)} %</dd>
            <dt>range</dt>
            <dd>
              {fmt(stats.min)} … {fmt(stats.max)}
            </dd>
          </dl>
          <Histogram h={stats.histogram} />
          {stats.channels && (
            <div className="activation-channels" data-testid="activation-channels">
              {stats.channels.maps.map((m, i) => (
                <PixelCanvas
                  // biome-ignore lint/suspicious/noArrayIndexKey: channels are positional
                  key={i}
                  size={[stats.channels!.height, stats.channels!.width]}
                  rgba={greyRgba(m)}
                  title={`channel ${i}`}
                  className="activation-channel"
                />
              ))}
              {stats.channels.count > stats.channels.maps.length && (
                <span className="muted">
                  {' '}
                  first {stats.channels.maps.length} of {stats.channels.count} channels
                </span>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}
