// A small dependency-free SVG line chart for live training curves (several series, shared axes).
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
}

export function LineChart({
  series,
  width = 320,
  height = 140,
  yLabel,
  testId,
}: {
  series: readonly Series[];
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
      width={width}
      height={height}
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
      {series.map((s) =>
        s.points.length ? (
          <polyline
            key={s.name}
            fill="none"
            stroke={s.color}
            strokeWidth={1.5}
            points={s.points
              .filter((p) => Number.isFinite(p[1]))
              .map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`)
              .join(' ')}
          >
            <title>{s.name}</title>
          </polyline>
        ) : null,
      )}
      {series.map((s, i) => (
        <text key={`${s.name}-legend`} x={pad.l + 6 + i * 80} y={pad.t + 10} fontSize={10} fill={s.color}>
          {s.name}
        </text>
      ))}
    </svg>
  );
}
