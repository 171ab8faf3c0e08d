import { overlapMetric } from './_overlap.ts';

export default overlapMetric({
  type: 'metrics.jaccard',
  title: 'Jaccard index / IoU (whole split)',
  score: 'jaccard',
  docs: {
    summary:
      'Intersection over union of thresholded predictions and binary targets (multi-label Jaccard, or IoU of masks), counted over the whole split; micro pools every label, macro averages per label.',
    formula: 'J = |P ∩ T| / |P ∪ T| = TP / (TP + FP + FN),  P = {p > θ}',
  },
});
