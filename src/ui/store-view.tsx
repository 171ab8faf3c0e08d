// Graph inspector section for per-sample stores (W3, training.stores: e.g. P38's per-row loss): after a
// run, each store's values over the training rows as a histogram with mean, std, range and the share
// of zeros, or why it has none (no refresh phase wrote it, no run yet). The Worker computes the
// summaries ('stores'); they refresh when a run finishes. Drawing: SVG bars only.
import { useEffect, useState } from 'react';
import { useEditor } from '../app/editor-context.ts';
import type { StoreView } from '../trainer/protocol.ts';

const fmt = (v: number) =>
  Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(4);

function StoreHistogram({ name, h }: { name: string; h: NonNullable<StoreView['summary']>['histogram'] }) {
  const W = 240;
  const H = 60;
  const top = Math.max(1, ...h.counts);
  const bw = W / h.counts.length;
  return (
    <svg
      width={W}
      height={H + 14}
      role="img"
      aria-label={`Histogram of store ${name}`}
      data-testid={`store-histogram-${name}`}
      data-total={h.counts.reduce((a, b) => a + b, 0)}
    >
      {h.counts.map((c, i) => (
        <rect
          // biome-ignore lint/suspicious/noArrayIndexKey: bins are positional
          key={i}
          x={i * bw + 0.5}
          y={H - (H * c) / top}
          width={Math.max(1, bw - 1)}
          height={(H * c) / top}
          fill="#8e44ad"
        >
          <title>{`${c} values`}</title>
        </rect>
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

export function StoreViews({ names }: { names: readonly string[] }) {
  const trainer = useEditor((s) => s.trainer);
  const trained = useEditor((s) => s.trained);
  const [views, setViews] = useState<readonly StoreView[] | undefined>();
  const [error, setError] = useState('');
  const refresh = async () => {
    if (!trainer) return;
    try {
      setViews(await trainer.stores());
      setError('');
    } catch (e) {
      setViews(undefined);
      setError((e as Error)?.message ?? String(e));
    }
  };
  // A finished run (trained changes): its stores are what to show.
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetch when a run finishes
  useEffect(() => {
    void refresh();
  }, [trainer, trained]);
  if (!trainer) return null;
  return (
    <section aria-label="Per-sample stores" className="store-views">
      <h3>Per-sample stores</h3>
      <button type="button" data-testid="show-stores" onClick={() => void refresh()}>
        Refresh stores
      </button>
      {names.map((name) => {
        const v = views?.find((x) => x.name === name);
        const why = v?.error ?? (views ? `store '${name}' is not in the last run` : error);
        return (
          <div key={name} className="store-view" data-testid={`store-view-${name}`}>
            <h4>
              <code>{name}</code>
              {v ? <span className="muted"> · width {v.width}</span> : null}
            </h4>
            {v?.summary ? (
              <>
                <dl className="activation-stats" data-testid={`store-stats-${name}`}>
                  <dt>rows</dt>
                  <dd data-testid={`store-rows-${name}`}>{v.rows}</dd>
                  <dt>mean</dt>
                  <dd data-testid={`store-mean-${name}`}>{fmt(v.summary.mean)}</dd>
                  <dt>std</dt>
                  <dd data-testid={`store-std-${name}`}>{fmt(v.summary.std)}</dd>
                  <dt>range</dt>
                  <dd data-testid={`store-range-${name}`}>
                    {fmt(v.summary.min)} … {fmt(v.summary.max)}
                  </dd>
                  <dt>zero</dt>
                  <dd>{(100 * v.summary.fractionZero).toFixed(1)} %</dd>
                </dl>
                <StoreHistogram name={name} h={v.summary.histogram} />
              </>
            ) : why ? (
              <p className="muted" role="alert" data-testid={`store-error-${name}`}>
                {why}
              </p>
            ) : null}
          </div>
        );
      })}
    </section>
  );
}
