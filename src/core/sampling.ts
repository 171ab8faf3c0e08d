// Per-epoch row sampling for gradient phases (W3, P38 Cyclical Curriculum Learning): an epoch trains
// on ⌊N·f⌋ rows drawn WITHOUT replacement, uniformly or with probability ∝ a score read from a
// per-sample store. Pure TypeScript with the project's seeded rng (no tfjs), so the trainer and the
// tests draw the same rows from the same seed.
//
// Weighted draws use the Gumbel-top-k trick (Vieira 2014; Kool, van Hoof & Welling, ICML 2019):
// keys k_i = log s_i + G_i with G_i ~ Gumbel(0, 1) i.i.d.; the n largest keys are a sample of
// successive sampling without replacement (pick i with probability s_i / Σ_remaining s, remove it,
// repeat n times). P38 (Kesgin & Amasyali, IEEE TNNLS 2023) vectorises its `sampleByScore` this way.

import type { Rng } from './rng.ts';

export type ScoreOrder = 'easy' | 'hard' | 'random';

/**
 * Scores from a store's per-row losses ℓ (P38 `ChangeDatasize.py`): 'easy' s = 1/ℓ (easy first,
 * the default), 'hard' s = ℓ, 'random' s = 1. Non-finite or non-positive scores are replaced by
 * the smallest positive finite score (all 1 when there is none), so every row can still be drawn.
 */
export function scoresFrom(losses: ArrayLike<number>, order: ScoreOrder): Float64Array {
  const n = losses.length;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const l = losses[i]!;
    s[i] = order === 'random' ? 1 : order === 'hard' ? l : 1 / l;
  }
  let min = Number.POSITIVE_INFINITY;
  for (const v of s) if (v > 0 && Number.isFinite(v) && v < min) min = v;
  const fill = Number.isFinite(min) ? min : 1;
  for (let i = 0; i < n; i++) if (!(s[i]! > 0 && Number.isFinite(s[i]!))) s[i] = fill;
  return s;
}

/** A standard Gumbel draw −log(−log u), u uniform in (0, 1). */
function gumbel(rng: Rng): number {
  let u = rng.next();
  while (u === 0) u = rng.next();
  return -Math.log(-Math.log(u));
}

/**
 * n distinct indices of 0…N−1 drawn without replacement with probability ∝ scores (all > 0), by
 * Gumbel-top-k: keys log s_i + Gumbel, the n largest, in decreasing key order (which is itself the
 * order successive sampling would have drawn them in).
 */
export function gumbelTopK(scores: ArrayLike<number>, n: number, rng: Rng): Int32Array {
  const count = scores.length;
  if (!Number.isInteger(n) || n < 0 || n > count)
    throw new Error(`gumbelTopK: cannot draw ${n} of ${count} rows without replacement`);
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) keys[i] = Math.log(scores[i]!) + gumbel(rng);
  const idx = Array.from({ length: count }, (_, i) => i);
  idx.sort((a, b) => keys[b]! - keys[a]! || a - b);
  return Int32Array.from(idx.slice(0, n));
}

/** Rows an epoch trains on: ⌊N·f⌋, at least 1 (and N when f is 1). */
export const epochRowCount = (total: number, fraction: number): number =>
  Math.min(total, Math.max(1, Math.floor(total * fraction)));

/**
 * The rows of one epoch, in the order the batches take them: every row shuffled (no fraction, no
 * weights: the plain epoch), or ⌊N·f⌋ rows drawn without replacement — uniformly, or by score
 * (Gumbel-top-k) — then shuffled so batches do not run from high to low score.
 */
export function epochRows(total: number, rng: Rng, fraction = 1, scores?: ArrayLike<number>): Int32Array {
  const n = epochRowCount(total, fraction);
  if (!scores) {
    const all = rng.shuffle(Array.from({ length: total }, (_, i) => i));
    return Int32Array.from(n === total ? all : all.slice(0, n));
  }
  if (scores.length !== total) throw new Error(`epochRows: ${scores.length} scores for ${total} rows`);
  return Int32Array.from(rng.shuffle(Array.from(gumbelTopK(scores, n, rng))));
}

/**
 * P38's data-size cycle `get_cycle_sizes(sp, ep, α, T)` (official `ChangeDatasize.py`): start at
 * n = sp; next n = min(n/α, ep) when n = sp or the sizes are rising and n ≠ ep, else
 * n = max(n·α, sp); append until Σ sizes ≥ T. sp 0.25, ep 1, α 0.5 gives 0.25, 0.5, 1, 0.5, 0.25,
 * 0.5, 1, … (one epoch per entry).
 */
export function cycleSizes(sp: number, ep: number, alpha: number, total: number): number[] {
  if (!(sp > 0 && sp <= ep && ep <= 1 && alpha > 0 && alpha < 1 && total > 0))
    throw new Error(
      `cycleSizes: need 0 < sp ≤ ep ≤ 1, 0 < α < 1, T > 0 (got ${sp}, ${ep}, ${alpha}, ${total})`,
    );
  const sizes = [sp];
  let sum = sp;
  let prev = sp;
  let n = sp;
  while (sum < total) {
    const next = n === sp || (prev < n && n !== ep) ? Math.min(n / alpha, ep) : Math.max(n * alpha, sp);
    prev = n;
    n = next;
    sizes.push(n);
    sum += n;
  }
  return sizes;
}

/**
 * The monotone control of P38 ('lower_to_bigger'): sizes grow from sp by 1/α up to ep and stay
 * there, until Σ sizes ≥ T.
 */
export function monotoneSizes(sp: number, ep: number, alpha: number, total: number): number[] {
  if (!(sp > 0 && sp <= ep && ep <= 1 && alpha > 0 && alpha < 1 && total > 0))
    throw new Error(
      `monotoneSizes: need 0 < sp ≤ ep ≤ 1, 0 < α < 1, T > 0 (got ${sp}, ${ep}, ${alpha}, ${total})`,
    );
  const sizes = [sp];
  let sum = sp;
  let n = sp;
  while (sum < total) {
    n = Math.min(n / alpha, ep);
    sizes.push(n);
    sum += n;
  }
  return sizes;
}
