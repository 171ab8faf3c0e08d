// The DDPM noise schedule shared by the diffusion nodes (Ho, Jain & Abbeel 2020, arXiv 2006.11239;
// the P37 template follows guided-diffusion's `get_named_beta_schedule('linear', T)`, which scales
// the T = 1000 endpoints 1e-4 → 0.02 by 1000/T). Plain numbers (no tensors): the nodes bake them in.
import type { PaperRef } from '../../src/core/node-def.ts';

export const DIFFUSION_FEATURES_PAPER: PaperRef = {
  title: 'Diffusion Models Beat GANs on Image Classification',
  authors: 'Mukhopadhyay, Gwilliam, Agarwal, Padmanabhan, Swaminathan, Hegde, Zhou, Shrivastava',
  year: 2023,
  arxiv: '2307.08702',
};

/** β_1 … β_T, linear from betaStart to betaEnd (T = 1: betaStart alone). */
export function linearBetas(steps: number, betaStart: number, betaEnd: number): number[] {
  if (steps === 1) return [betaStart];
  return Array.from({ length: steps }, (_, i) => betaStart + ((betaEnd - betaStart) * i) / (steps - 1));
}

/** [ᾱ_0 = 1, ᾱ_1, …, ᾱ_T], ᾱ_t = Π_{s ≤ t} (1 − β_s): the table q(x_t | x_0) reads by t. */
export function alphaBarTable(steps: number, betaStart: number, betaEnd: number): number[] {
  const table = [1];
  for (const b of linearBetas(steps, betaStart, betaEnd)) table.push(table.at(-1)! * (1 - b));
  return table;
}
