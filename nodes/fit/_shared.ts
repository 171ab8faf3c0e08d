import { reject } from '../../src/core/diagnostics.ts';
import type { TensorType } from '../../src/core/tensor-type.ts';

/** Features of a flat [B, d] input, or a user-facing rejection naming the node. */
export function flatFeatures(x: TensorType, title: string): number {
  const d = x.shape[1];
  if (x.shape.length !== 2 || d === null || d === undefined)
    reject(
      'shape/rank-mismatch',
      `${title} reads flat features [B, d] with d known; got [${x.shape.map((s) => s ?? '?').join(', ')}]. Add a Flatten before it.`,
      { port: 'x' },
    );
  return d as number;
}

export const P39_PAPER = {
  title: 'Parallel Learning by Multitasking Neural Networks',
  authors: 'Elena Agliari, Andrea Alessandrelli, Adriano Barra, Federico Ricci-Tersenghi',
  year: 2023,
  arxiv: '2308.04106',
} as const;

export const P7_PAPER = {
  title: 'Revisiting Discriminative vs. Generative Classifiers: Theory and Implications',
  authors: 'Chenyu Zheng, Guoqiang Wu, Fan Bao, Yue Cao, Chongxuan Li, Jun Zhu',
  year: 2023,
  arxiv: '2302.02334',
} as const;

export const P16_PAPER = {
  title: 'Learning Hierarchical Polynomials with Three-Layer Neural Networks',
  authors: 'Zihao Wang, Eshaan Nichani, Jason D. Lee',
  year: 2024,
  arxiv: '2311.13774',
} as const;

export const P24_PAPER = {
  title: 'When Noisy Labels Meet Long Tail Dilemmas: A Representation Calibration Method',
  authors: 'Manyi Zhang, Xuyang Zhao, Jun Yao, Chun Yuan, Weiran Huang',
  year: 2023,
  arxiv: '2211.10955',
} as const;
