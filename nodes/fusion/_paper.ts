import type { PaperRef } from '../../src/core/node-def.ts';

/** P42: the inverse-effectiveness-driven multisensory fusion (IEMF) paper. */
export const IEMF_PAPER: PaperRef = {
  title: 'Incorporating brain-inspired mechanisms for multimodal learning in artificial intelligence',
  authors: 'He, Zhao, Li, Kong, Yang, Zeng',
  year: 2025,
  arxiv: '2505.10176',
};

/** FiLM (Perez et al., AAAI 2018). */
export const FILM_PAPER: PaperRef = {
  title: 'FiLM: Visual Reasoning with a General Conditioning Layer',
  authors: 'Perez, Strub, de Vries, Dumoulin, Courville',
  year: 2018,
  arxiv: '1709.07871',
};
