import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

/** Presets of paper 3 (Radhakrishnan, Belkin, Uhler): which classical rule the infinitely deep NTK becomes. */
export const HERMITE_PRESETS = {
  /** φ = x/√2 + (x² − 1)/2: the infinite-depth NTK classifier becomes 1-nearest-neighbour. */
  '1nn': [0, Math.SQRT1_2, Math.SQRT1_2],
  /** φ = 1/√2 + x/√2: it becomes a majority vote. */
  majority: [Math.SQRT1_2, Math.SQRT1_2],
} as const;

/** Parses "0, 0.7071, 0.7071" into coefficients; throws a message on a bad list. */
export function parseCoefficients(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const out = parts.map(Number);
  if (!text.trim() || out.some((v, i) => parts[i] === '' || !Number.isFinite(v)))
    throw new Error(
      `coefficients must be numbers separated by commas, got ${JSON.stringify(text.slice(0, 60))}`,
    );
  return out;
}

/** Coefficients a_0 … a_K the node uses (preset or custom), normalized to Σ a_i² = 1 if asked. */
export function hermiteCoefficients(params: {
  preset: string;
  coefficients: string;
  normalize: boolean;
}): number[] {
  const a =
    params.preset === 'custom'
      ? parseCoefficients(params.coefficients)
      : [...HERMITE_PRESETS[params.preset as keyof typeof HERMITE_PRESETS]];
  if (!params.normalize) return a;
  const n = Math.sqrt(a.reduce((s, v) => s + v * v, 0));
  return n > 0 ? a.map((v) => v / n) : a;
}

/** Dual activation ψ(ξ) = Σ a_i² ξ^i and its derivative (for the NTK recursion). */
export const hermiteDual = (a: readonly number[], xi: number): { psi: number; dpsi: number } => {
  let psi = 0;
  let dpsi = 0;
  a.forEach((c, i) => {
    psi += c * c * xi ** i;
    if (i > 0) dpsi += i * c * c * xi ** (i - 1);
  });
  return { psi, dpsi };
};

/**
 * The NTK Θ^(L)(ξ) of a depth-L bias-free network with this activation, for inputs on the unit
 * sphere with inner product ξ: the exact (affine) recursion Σ^(0) = Θ^(0) = ξ,
 * Θ^(l+1) = Θ^(l)·ψ′(Σ^(l)) + ψ(Σ^(l)), Σ^(l+1) = ψ(Σ^(l)) — no per-layer rescaling, which would
 * change the kernel's shape (the added ψ term does not scale with Θ). The coefficients are taken
 * normalised (Σ a_i² = 1, as the node's default), so Σ^(l)(1) = 1 and |Σ^(l)| ≤ 1
 * (Cauchy–Schwarz); Σ is clamped to [−1, 1] because where ψ′(1) > 1 the fixed point 1 is unstable
 * and float rounding (a² = 0.5000000000000001) would otherwise grow like ψ′(1)^L and overflow.
 */
export function hermiteNtk(a: readonly number[], xi: number, depth: number): number {
  const norm = a.reduce((s, c) => s + c * c, 0);
  const unit = a.map((c) => c / Math.sqrt(norm));
  let sigma = xi;
  let theta = xi;
  for (let l = 0; l < depth; l++) {
    const s = hermiteDual(unit, sigma);
    theta = theta * s.dpsi + s.psi;
    sigma = Math.max(-1, Math.min(1, s.psi));
  }
  return theta;
}

export default defineNode({
  type: 'activations.hermite',
  version: 1,
  kind: 'layer',
  title: 'Hermite activation',
  docs: {
    summary:
      'An activation written in the normalized probabilists’ Hermite basis. Its coefficients fix the dual activation, and with it what an infinitely wide and deep network (its NTK) classifies like: presets give the 1-nearest-neighbour and majority-vote regimes.',
    formula:
      'φ(x) = Σ_i a_i·h_i(x),  h_0 = 1, h_1 = x, h_{i+1} = (x·h_i − √i·h_{i−1}) / √(i+1);  Σ a_i² = 1;  dual ψ(ξ) = Σ a_i² ξ^i.  Presets: 1nn a = (0, 1/√2, 1/√2), majority a = (1/√2, 1/√2)',
    paper: {
      title: 'Wide and Deep Neural Networks Achieve Consistency for Classification',
      authors: 'Adityanarayanan Radhakrishnan, Mikhail Belkin, Caroline Uhler',
      year: 2023,
      arxiv: '2208.05036',
    },
  },
  params: {
    preset: p.enum(['1nn', 'majority', 'custom'], '1nn', 'Coefficient preset (custom: use coefficients).'),
    coefficients: p.string({
      default: '0, 0.7071, 0.7071',
      maxLength: 200,
      doc: 'a_0, a_1, … (custom preset; up to 9).',
    }),
    normalize: p.bool({
      default: true,
      doc: 'Rescale so Σ a_i² = 1 (unit-variance output on N(0, 1) input).',
    }),
  },
  inputs: { x: { doc: 'Any tensor.' } },
  outputs: { y: { doc: 'Same shape as x.' } },
  infer({ inputs, params }) {
    // Checked whatever the preset: an unused value still travels in files and exported code.
    let a: number[] = [];
    try {
      a = parseCoefficients(params.coefficients);
    } catch (e) {
      reject('param/invalid', (e as Error).message, { field: 'coefficients' });
    }
    if (a.length > 9) reject('param/invalid', 'at most 9 coefficients (degree 8)', { field: 'coefficients' });
    return { y: tensor(inputs.x!.shape) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({
    kind: 'kernel',
    config: { preset: params.preset, coefficients: params.coefficients, normalize: params.normalize },
  }),
  kernel: {
    call: (ops, [x], _w, params) => {
      const a = hermiteCoefficients(params);
      let prev = ops.add(ops.mul(x!, ops.scalar(0)), ops.scalar(1)); // h_0 = 1 (shaped like x)
      let cur: typeof prev = x!; // h_1
      let y = ops.mul(prev, ops.scalar(a[0] ?? 0));
      if (a.length > 1) y = ops.add(y, ops.mul(cur, ops.scalar(a[1]!)));
      for (let i = 1; i + 1 < a.length; i++) {
        const next = ops.div(
          ops.sub(ops.mul(x!, cur), ops.mul(prev, ops.scalar(Math.sqrt(i)))),
          ops.scalar(Math.sqrt(i + 1)),
        );
        prev = cur;
        cur = next;
        y = ops.add(y, ops.mul(cur, ops.scalar(a[i + 1]!)));
      }
      return y;
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 5] } } },
    {
      inputs: { x: { shape: [2, 4] } },
      params: { preset: 'custom', coefficients: '0.1, 0.5, 0.3, 0.2, 0.1' },
    },
  ],
});
