// A learnable activation's function f (solid) and its derivative f′ (dashed, central differences)
// on [-4, 4], drawn on its node card from the Worker's samples; it moves while training.
import type { ActivationCurve } from '../trainer/protocol.ts';

const W = 150;
const H = 56;

/** Central differences (one-sided at the ends). */
export function derivative(x: readonly number[], y: readonly number[]): number[] {
  return y.map((_, i) => {
    const a = Math.max(0, i - 1);
    const b = Math.min(y.length - 1, i + 1);
    return (y[b]! - y[a]!) / (x[b]! - x[a]!);
  });
}

function path(x: readonly number[], y: readonly number[], lo: number, hi: number): string {
  const x0 = x[0]!;
  const x1 = x.at(-1)!;
  const sx = (v: number) => ((v - x0) / (x1 - x0)) * W;
  const sy = (v: number) => H - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo || 1)) * H;
  return x.map((v, i) => `${i ? 'L' : 'M'}${sx(v).toFixed(1)},${sy(y[i]!).toFixed(1)}`).join('');
}

export function ActivationCurveView({ nodeId, curve }: { nodeId: string; curve: ActivationCurve }) {
  const dy = derivative(curve.x, curve.y);
  const all = [...curve.y, ...dy].filter(Number.isFinite);
  const lo = Math.min(-1, ...all);
  const hi = Math.max(1, ...all);
  const zeroY = H - ((0 - lo) / (hi - lo)) * H;
  return (
    <svg
      className="activation-curve"
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      data-testid={`curve-${nodeId}`}
      role="img"
      aria-label={`f(x) and f′(x) on [${curve.x[0]}, ${curve.x.at(-1)}]`}
    >
      <title>f (solid) and f′ (dashed) on [−4, 4], with the current weights</title>
      <line x1={0} x2={W} y1={zeroY} y2={zeroY} className="axis" />
      <line x1={W / 2} x2={W / 2} y1={0} y2={H} className="axis" />
      <path d={path(curve.x, dy, lo, hi)} className="curve-d" />
      <path d={path(curve.x, curve.y, lo, hi)} className="curve-f" data-testid={`curve-f-${nodeId}`} />
    </svg>
  );
}
