// Field plots for image-valued regression (an operator f ↦ u): per validation sample the predicted
// field, the true field (one shared colour range) and their difference, drawn as heat maps on
// <canvas> from the Worker's FieldEvaluation message (pixels via ImageData; no tfjs, no raw HTML).
import { useMemo } from 'react';
import type { FieldEvaluation } from '../trainer/protocol.ts';
import { fieldPixels, symmetricRange } from './field-colors.ts';
import { PixelCanvas } from './pixel-canvas.tsx';

/** One heat map, scaled up without smoothing; `range` maps ±range to full blue / red. */
export function FieldPlot({
  values,
  size,
  range,
  label,
  testId,
}: {
  values: readonly number[];
  size: readonly [number, number];
  range: number;
  label: string;
  testId: string;
}) {
  const rgba = useMemo(() => fieldPixels(values, range), [values, range]);
  return (
    <figure className="field-plot">
      <PixelCanvas
        size={size}
        rgba={rgba}
        data-testid={testId}
        aria-label={`${label}, colour range ±${range.toPrecision(3)}`}
      />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

export function FieldPlots({ evaluation }: { evaluation: FieldEvaluation }) {
  const { size, samples } = evaluation;
  const mean = samples.reduce((a, s) => a + s.relativeL2, 0) / Math.max(1, samples.length);
  return (
    <section className="field-plots" data-testid="field-plots" aria-label="Field plots">
      <h3>
        Predicted vs true fields (relative L2 of these samples {mean.toFixed(3)}; blue −, white 0, red +)
      </h3>
      {samples.map((s, k) => {
        const range = symmetricRange(s.predicted, s.truth);
        const error = s.predicted.map((v, i) => v - s.truth[i]!);
        return (
          // Samples are a fixed, ordered list per evaluation: the position is their identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <div key={k} className="field-plot-row" data-testid={`field-plot-row-${k}`}>
            <FieldPlot
              values={s.predicted}
              size={size}
              range={range}
              label="predicted u"
              testId={`field-plot-pred-${k}`}
            />
            <FieldPlot
              values={s.truth}
              size={size}
              range={range}
              label="true u"
              testId={`field-plot-true-${k}`}
            />
            <FieldPlot
              values={error}
              size={size}
              range={symmetricRange(error)}
              label={`error (rel. L2 ${s.relativeL2.toFixed(3)})`}
              testId={`field-plot-error-${k}`}
            />
          </div>
        );
      })}
    </section>
  );
}
