// PolyCom weights shared by PolyReLU and PolyNorm (not a node file): w_0 … w_{r−1} init 1/r, b init 0.
import type { WeightSpec } from '../../src/core/ops.ts';

export const polyWeights = (order: number): WeightSpec[] => [
  ...Array.from({ length: order }, (_, i) => ({ name: `w${i}`, shape: [1], init: { constant: 1 / order } })),
  { name: 'b', shape: [1], init: 'zeros' },
];

export const POLYCOM_PAPER = {
  title: 'Polynomial Composition Activations: Unleashing the Dynamics of Large Language Models',
  authors: 'Zhijian Zhuo, Ya Wang, Yutao Zeng, Xiaoqing Li, Xun Zhou, Jinwen Ma',
  year: 2025,
  arxiv: '2411.03884',
} as const;
