// Segmentation results: Dice per nested region and, for a few validation images, the input
// (one chosen channel, grey) with the chosen region's predicted pixels tinted and its true outline drawn.
// Drawing uses the canvas 2D API only; data comes from the Worker's SegmentationEvaluation.
import { useEffect, useRef, useState } from 'react';
import type { SegmentationEvaluation } from '../trainer/protocol.ts';

/** Screen pixels per map pixel. */
const SCALE = 6;
const TINT = 'rgba(230, 126, 34, 0.5)';
const OUTLINE = '#27ae60';

type Sample = SegmentationEvaluation['samples'][number];

function drawOverlay(
  ctx: CanvasRenderingContext2D,
  sample: Sample,
  [h, w]: readonly [number, number],
  channels: number,
  channel: number,
  level: number,
) {
  const grey = Array.from({ length: h * w }, (_, i) => sample.image[i * channels + channel]!);
  const lo = Math.min(...grey);
  const span = Math.max(1e-6, Math.max(...grey) - lo);
  for (let i = 0; i < h * w; i++) {
    const g = Math.round((255 * (grey[i]! - lo)) / span);
    ctx.fillStyle = `rgb(${g}, ${g}, ${g})`;
    ctx.fillRect((i % w) * SCALE, Math.floor(i / w) * SCALE, SCALE, SCALE);
  }
  ctx.fillStyle = TINT;
  for (let i = 0; i < h * w; i++)
    if (sample.predicted[i]! >= level) ctx.fillRect((i % w) * SCALE, Math.floor(i / w) * SCALE, SCALE, SCALE);
  // The true region's boundary: every pixel edge between inside and outside (or the border).
  const inside = (r: number, c: number) =>
    r >= 0 && r < h && c >= 0 && c < w && sample.truth[r * w + c]! >= level;
  ctx.strokeStyle = OUTLINE;
  ctx.lineWidth = 2;
  const edge = (x0: number, y0: number, x1: number, y1: number) => {
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
  };
  ctx.beginPath();
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      if (!inside(r, c)) continue;
      const [x, y, s] = [c * SCALE, r * SCALE, SCALE];
      if (!inside(r - 1, c)) edge(x, y, x + s, y);
      if (!inside(r + 1, c)) edge(x, y + s, x + s, y + s);
      if (!inside(r, c - 1)) edge(x, y, x, y + s);
      if (!inside(r, c + 1)) edge(x + s, y, x + s, y + s);
    }
  ctx.stroke();
}

function OverlayCanvas(props: {
  sample: Sample;
  size: readonly [number, number];
  channels: number;
  channel: number;
  level: number;
  index: number;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { sample, size, channels, channel, level } = props;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) drawOverlay(ctx, sample, size, channels, channel, level);
  }, [sample, size, channels, channel, level]);
  return (
    <canvas
      ref={ref}
      width={size[1] * SCALE}
      height={size[0] * SCALE}
      className="mask-canvas"
      data-testid={`mask-sample-${props.index}`}
      data-level={level}
      data-channel={channel}
    />
  );
}

export function SegmentationView({ segmentation }: { segmentation: SegmentationEvaluation }) {
  const { levelNames, dice, samples, size, channels } = segmentation;
  const [level, setLevel] = useState(1);
  const [channel, setChannel] = useState(0);
  const view = { size, channels, channel, level };
  const channelNames = Array.from({ length: channels }, (_, c) => String(c + 1));
  return (
    <div className="segmentation">
      <p className="level-dice-title">
        Dice per nested region (validation, every pixel); nesting violations{' '}
        <span data-testid="nesting-violation">{(segmentation.violationRate * 100).toFixed(2)}%</span>
      </p>
      <table className="level-dice" data-testid="level-dice">
        <tbody>
          {levelNames.map((name, k) => (
            <tr key={name}>
              <th scope="row">
                {k + 1}. {name}
              </th>
              <td data-testid={`dice-level-${k + 1}`}>{dice[k]!.toFixed(3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <fieldset className="mask-levels">
        <legend>Region shown</legend>
        {levelNames.map((name, k) => (
          <label key={name}>
            <input
              type="radio"
              name="mask-level"
              data-testid={`mask-level-${k + 1}`}
              checked={level === k + 1}
              onChange={() => setLevel(k + 1)}
            />
            {name}
          </label>
        ))}
      </fieldset>
      {channels > 1 ? (
        <label className="mask-channel">
          Image channel{' '}
          <select
            data-testid="mask-channel"
            value={channel}
            onChange={(e) => setChannel(Number(e.target.value))}
          >
            {channelNames.map((name, c) => (
              <option key={name} value={c}>
                {name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <div className="mask-overlay" data-testid="mask-overlay">
        {samples.map((s, i) => (
          // Samples are a fixed, ordered list per evaluation: the position is their identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <OverlayCanvas key={i} sample={s} index={i} {...view} />
        ))}
      </div>
      <p className="mask-legend">
        <span style={{ color: '#e67e22' }}>■</span> predicted <span style={{ color: OUTLINE }}>□</span> true
      </p>
    </div>
  );
}
