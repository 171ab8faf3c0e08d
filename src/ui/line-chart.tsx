// A small dependency-free SVG line chart for live training curves (several series, shared axes).
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
}

/**
 * At most ~2 points per pixel column: the first, min, max and last of each column's points, in x
 * order, so a long run's batch-loss curve keeps its spikes but its SVG stays small (a polyline of
 * thousands of points re-rendered ten times a second was main-thread work at every progress tick).
 */
export function decimate(
  points: readonly (readonly [number, number])[],
  columns: number,
): (readonly [number, number])[] {
  const finite = points.filter((p) => Number.isFinite(p[1]));
  if (finite.length <= 2 * columns) return finite;
  const x0 = finite[0]![0];
  const span = finite.at(-1)![0] - x0 || 1;
  const out: (readonly [number, number])[] = [];
  let bucket: (readonly [number, number])[] = [];
  let col = 0;
  const flush = () => {
    if (!bucket.length) return;
    let lo = bucket[0]!;
    let hi = bucket[0]!;
    for (const p of bucket) {
      if (p[1] < lo[1]) lo = p;
      if (p[1] > hi[1]) hi = p;
    }
    const keep = new Set([bucket[0]!, lo, hi, bucket.at(-1)!]);
    out.push(...bucket.filter((p) => keep.has(p)));
    bucket = [];
  };
  for (const p of finite) {
    const c = Math.min(columns - 1, Math.floor(((p[0] - x0) / span) * columns));
    if (c !== col) {
      flush();
      col = c;
    }
    bucket.push(p);
  }
  flush();
  return out;
}

export function LineChart({
  series,
  width = 320,
  height = 140,
  yLabel,
  testId,
  separators = [],
}: {
  series: readonly Series[];
  /** Dashed vertical lines (phase boundaries), each at an x with a label. */
  separators?: readonly { readonly x: number; readonly label: string }[];
  width?: number;
  height?: number;
  yLabel: string;
  testId?: string;
}) {
  const all = series.flatMap((s) => s.points);
  const pad = { l: 40, r: 8, t: 8, b: 20 };
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]).filter(Number.isFinite);
  const [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const [y0, y1] = ys.length ? [Math.min(0, ...ys), Math.max(...ys)] : [0, 1];
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (width - pad.l - pad.r);
  const sy = (y: number) => height - pad.b - ((y - y0) / (y1 - y0 || 1)) * (height - pad.t - pad.b);
  return (
    <svg
      // Scales to its panel's width (the panel may be narrower than `width`), keeping proportions.
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      style={{ maxWidth: width }}
      role="img"
      aria-label={yLabel}
      data-testid={testId}
      className="line-chart"
    >
      <line x1={pad.l} y1={height - pad.b} x2={width - pad.r} y2={height - pad.b} stroke="#999" />
      <line x1={pad.l} y1={pad.t} x2={pad.l} y2={height - pad.b} stroke="#999" />
      <text x={4} y={pad.t + 8} fontSize={10}>
        {y1.toPrecision(3)}
      </text>
      <text x={4} y={height - pad.b} fontSize={10}>
        {y0.toPrecision(3)}
      </text>
      <text x={width - pad.r} y={height - 4} fontSize={10} textAnchor="end">
        {yLabel}
      </text>
      {separators.map((m) => (
        <line
          key={`sep-${m.label}`}
          data-testid={`separator-${m.label}`}
          x1={sx(m.x)}
          x2={sx(m.x)}
          y1={pad.t}
          y2={height - pad.b}
          stroke="#888"
          strokeDasharray="3 3"
        >
          <title>{m.label}</title>
        </line>
      ))}
      {series.map((s) =>
        s.points.length ? (
          <polyline
            key={s.name}
            data-series={s.name}
            fill="none"
            stroke={s.color}
            strokeWidth={1.5}
            points={decimate(s.points, width - pad.l - pad.r)
              .map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`)
              .join(' ')}
          >
            <title>{s.name}</title>
          </polyline>
        ) : null,
      )}
      {/* A few points (a 1- or 2-epoch run) get dots: a polyline through one point draws nothing. */}
      {series.map((s) =>
        s.points.length > 0 && s.points.length <= 12
          ? s.points
              .filter((p) => Number.isFinite(p[1]))
              .map((p) => (
                <circle key={`${s.name}-${p[0]}`} cx={sx(p[0])} cy={sy(p[1])} r={2.5} fill={s.color} />
              ))
          : null,
      )}
      {series.map((s, i) => (
        <text key={`${s.name}-legend`} x={pad.l + 6 + i * 80} y={pad.t + 10} fontSize={10} fill={s.color}>
          {s.name}
        </text>
      ))}
    </svg>
  );
}
