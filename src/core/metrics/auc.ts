// ROC AUC, exactly (no thresholds, no interpolation): the Mann–Whitney statistic with ties counted
// as one half, computed from midranks in O(n log n). Pure: plain arrays in, a number out.
//
//   AUC = P(score of a random positive > score of a random negative) + ½ P(equal)
//       = (Σ midrank of the positives − n₊(n₊ + 1)/2) / (n₊ · n₋)
//
// The multiclass form is the one-vs-rest macro average (scikit-learn's roc_auc_score with
// multi_class='ovr', average='macro'): class k's probability column scores "k vs the rest", and the
// K AUCs are averaged unweighted.

/** Binary ROC AUC of `scores` for `positive[i]` (true = positive). NaN when a class is empty. */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const n = scores.length;
  if (positive.length !== n) throw new Error(`rocAuc: ${n} scores but ${positive.length} labels`);
  for (let i = 0; i < n; i++) if (Number.isNaN(scores[i]!)) throw new Error('rocAuc: a score is NaN');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let nPos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    // A run of tied scores [i, j) shares the midrank of positions i+1 … j (1-based).
    let j = i + 1;
    while (j < n && scores[order[j]!] === scores[order[i]!]) j++;
    const midrank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++)
      if (positive[order[k]!]) {
        nPos++;
        rankSumPos += midrank;
      }
    i = j;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * One-vs-rest macro ROC AUC. `probs` is row-major `n × classes` (class scores per row), `labels`
 * the class index of each row. With 2 classes this equals the binary AUC of column 1. Classes
 * absent from `labels` (or present in every row) are skipped; NaN when none is left.
 */
export function macroAucOvR(probs: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  const n = labels.length;
  if (probs.length !== n * classes)
    throw new Error(`macroAucOvR: ${probs.length} scores for ${n} rows × ${classes} classes`);
  if (classes === 2) return rocAuc(column(probs, n, classes, 1), positives(labels, 1));
  let sum = 0;
  let counted = 0;
  for (let k = 0; k < classes; k++) {
    const a = rocAuc(column(probs, n, classes, k), positives(labels, k));
    if (Number.isNaN(a)) continue;
    sum += a;
    counted++;
  }
  return counted ? sum / counted : Number.NaN;
}

const column = (probs: ArrayLike<number>, n: number, classes: number, k: number): Float64Array => {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = probs[i * classes + k]!;
  return out;
};
const positives = (labels: ArrayLike<number>, k: number): boolean[] =>
  Array.from({ length: labels.length }, (_, i) => labels[i] === k);
