// NoProp-DT's noise schedule (Li, Teh & Pascanu 2025, arXiv 2503.24322), shared by the latent
// node and the nopropKL loss. Flipped cosine schedule: t = 0 is pure noise, t = T the clean label
// embedding. Plain numbers (no tensors): the nodes bake them in as constants.
import type { PaperRef } from '../../src/core/node-def.ts';

export const NOPROP_PAPER: PaperRef = {
  title: 'NoProp: Training Neural Networks without Back-propagation or Forward-propagation',
  authors: 'Li, Teh, Pascanu',
  year: 2025,
  arxiv: '2503.24322',
};

/** Cosine-schedule offset s (Nichol & Dhariwal's 0.008, as in the NoProp reference code). */
const S = 0.008;
const CLAMP = 1e-5;
/** SNR is clamped here (ᾱ_T = 1 − 1e-5 would otherwise give 1e5). */
export const MAX_SNR = 100;

/** ᾱ_t = 1 − f(t)/f(0), f(t) = cos²(((t/T + s)/(1 + s))·π/2), clamped to [1e-5, 1 − 1e-5]. */
export function alphaBar(t: number, steps: number): number {
  const f = (u: number) => Math.cos(((u / steps + S) / (1 + S)) * (Math.PI / 2)) ** 2;
  return Math.min(1 - CLAMP, Math.max(CLAMP, 1 - f(t) / f(0)));
}

/** SNR(t) = ᾱ_t / (1 − ᾱ_t), clamped to ≤ 100. */
export function snr(t: number, steps: number): number {
  const a = alphaBar(t, steps);
  return Math.min(MAX_SNR, a / (1 - a));
}

/** Block t's denoising weight ½·T·η·(SNR(t) − SNR(t−1)) (the paper's Eq. 8 with t drawn uniformly). */
export const denoiseWeight = (t: number, steps: number, eta: number): number =>
  0.5 * steps * eta * (snr(t, steps) - snr(t - 1, steps));

/**
 * The inference step z_t = a·û_t + b·z_{t−1} + √c·ε (the paper's Eq. 3): the Gaussian posterior
 * q(z_t | z_{t−1}, u_y) with u_y replaced by block t's prediction û_t. α_{t−1} = ᾱ_{t−1}/ᾱ_t.
 */
export function chainStep(t: number, steps: number): { a: number; b: number; c: number } {
  const ab = alphaBar(t, steps);
  const abPrev = alphaBar(t - 1, steps);
  const alphaPrev = abPrev / ab;
  return {
    a: (Math.sqrt(ab) * (1 - alphaPrev)) / (1 - abPrev),
    b: (Math.sqrt(alphaPrev) * (1 - ab)) / (1 - abPrev),
    c: ((1 - ab) * (1 - alphaPrev)) / (1 - abPrev),
  };
}
