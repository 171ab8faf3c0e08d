// Shared by the hypernetwork nodes (not a node file: the registry skips names starting with _).
import type { PaperRef } from '../../src/core/node-def.ts';
import type { WeightSegment } from '../../src/core/ops.ts';

export const MIP_PAPER: PaperRef = {
  title: 'Magnitude Invariant Parametrizations Improve Hypernetwork Learning',
  authors: 'Jose Javier Gonzalez Ortiz, John Guttag, Adrian V. Dalca',
  year: 2023,
  arxiv: '2304.07645',
};

/** Parameter count of a primary MLP with these widths ([in, h1, …, out]): Σ (in·out + out). */
export const primaryParamCount = (widths: readonly number[]): number =>
  widths.slice(1).reduce((n, out, i) => n + widths[i]! * out + out, 0);

/**
 * θ₀, the "independent" primary weights MIP puts in the hypernetwork's output bias: per primary
 * layer its kernel [in, out] Kaiming-normal (Var = 2 / in, as hyperlight's initialize_weight for
 * LeakyReLU) and its bias zeros, in the order hyperDense reads them (kernel, then bias).
 */
export const theta0Segments = (widths: readonly number[]): WeightSegment[] =>
  widths.slice(1).flatMap((out, i): WeightSegment[] => {
    const fanIn = widths[i]!;
    return [
      { size: fanIn * out, init: 'heNormal', fanShape: [fanIn, out] },
      { size: out, init: 'zeros' },
    ];
  });
