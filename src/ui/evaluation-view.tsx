// Confusion matrix and a grid of validation predictions (images drawn on <canvas>, tabular rows
// as text). Data comes from the Worker's Evaluation message; nothing here touches tfjs.
import { useMemo } from 'react';
import type { Evaluation } from '../trainer/protocol.ts';
import { SegmentationView } from './mask-overlay.tsx';
import { PixelCanvas } from './pixel-canvas.tsx';

/** Square grayscale images: [H, W, 1] or a flat vector whose length is a perfect square. */
function imageSide(shape: readonly number[]): [number, number] | undefined {
  if (shape.length === 3 && shape[2] === 1) return [shape[0]!, shape[1]!];
  if (shape.length === 1) {
    const s = Math.round(Math.sqrt(shape[0]!));
    if (s * s === shape[0] && s >= 8) return [s, s];
  }
  return undefined;
}

/** Grey levels scaled to the sample's maximum. */
function greyPixels(features: readonly number[]): Uint8ClampedArray {
  const out = new Uint8ClampedArray(features.length * 4);
  const max = Math.max(1e-6, ...features);
  features.forEach((v, i) => {
    const g = Math.round(255 * Math.max(0, Math.min(1, v / max)));
    out.set([g, g, g, 255], i * 4);
  });
  return out;
}

function SampleImage({ features, size }: { features: readonly number[]; size: [number, number] }) {
  const rgba = useMemo(() => greyPixels(features), [features]);
  return <PixelCanvas size={size} rgba={rgba} className="sample-image" />;
}

export function EvaluationView({
  evaluation,
  onRefresh,
}: {
  evaluation: Evaluation;
  onRefresh?: () => void;
}) {
  const { classNames, confusion } = evaluation;
  const max = Math.max(1, ...confusion.flat());
  const side = imageSide(evaluation.featureShape);
  return (
    <section className="evaluation" aria-label="Evaluation">
      <h3>
        Validation {evaluation.segmentation ? 'pixel accuracy' : 'accuracy'}{' '}
        {(evaluation.accuracy * 100).toFixed(1)}%{' '}
        {onRefresh ? (
          <button type="button" data-testid="evaluate-button" onClick={onRefresh}>
            Re-evaluate
          </button>
        ) : null}
      </h3>
      <table className="confusion-matrix" data-testid="confusion-matrix">
        <caption>Confusion matrix (rows: actual, columns: predicted)</caption>
        <thead>
          <tr>
            <th />
            {classNames.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {confusion.map((row, i) => (
            <tr key={classNames[i]}>
              <th scope="row">{classNames[i]}</th>
              {row.map((n, j) => (
                <td
                  key={classNames[j]}
                  data-testid={`confusion-${i}-${j}`}
                  style={{ background: `rgba(${i === j ? '39,174,96' : '192,57,43'}, ${n / max})` }}
                >
                  {n}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {evaluation.segmentation ? <SegmentationView segmentation={evaluation.segmentation} /> : null}
      <div className="predictions" data-testid="predictions">
        {evaluation.samples.map((s, k) => (
          // Samples are a fixed, ordered list per evaluation: the position is their identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <figure key={k} className={s.label === s.predicted ? 'correct' : 'wrong'}>
            {side ? (
              <SampleImage features={s.features} size={side} />
            ) : (
              <code>{s.features.map((v) => v.toFixed(2)).join(', ')}</code>
            )}
            <figcaption>
              {classNames[s.predicted]} ({(s.confidence * 100).toFixed(0)}%)
              {s.label !== s.predicted ? ` ≠ ${classNames[s.label]}` : ''}
            </figcaption>
          </figure>
        ))}
      </div>
    </section>
  );
}
