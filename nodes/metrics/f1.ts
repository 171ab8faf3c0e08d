import { overlapMetric } from './_overlap.ts';

export default overlapMetric({
  type: 'metrics.f1',
  title: 'F1 score (whole split)',
  score: 'dice',
  docs: {
    summary:
      'F1 of thresholded predictions against binary (multi-label) targets, from the true/false positive and false negative counts of the whole split (not a mean of batch values). micro pools every label; macro averages per-label F1.',
    formula: 'F1 = 2·TP / (2·TP + FP + FN),  TP = Σ [p > θ]·[t = 1] over the split (per label for macro)',
  },
});
