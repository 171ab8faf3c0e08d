import { overlapMetric } from './_overlap.ts';

export default overlapMetric({
  type: 'metrics.dice',
  title: 'Dice coefficient (whole split)',
  score: 'dice',
  docs: {
    summary:
      'Dice overlap of thresholded masks with binary target masks, counted over every pixel of the whole split (per channel for macro). The same formula as F1, named as segmentation papers name it.',
    formula: 'Dice = 2·|P ∩ T| / (|P| + |T|) = 2·TP / (2·TP + FP + FN),  P = {p > θ}',
  },
});
