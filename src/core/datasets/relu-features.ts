// The P7 template's synthetic features (Zheng et al., ICML 2023, "Revisiting Discriminative vs.
// Generative Classifiers", arXiv 2302.02334; spec P7's CI fallback "Gaussian latent → ReLU features,
// d = 64, 10 classes"): a stand-in for a frozen pre-trained encoder. Per seed: class centres
// μ_c ~ N(0, s²·I_k) in a k-dim latent space, a random ReLU layer W ~ N(0, 1/k) (d × k), b ~ N(0, 0.25).
// A sample of class c: z = μ_c + N(0, I_k), features h = ReLU(W·z + b), then standardised per feature
// with the training split's mean and sd. Training rows cycle through the classes (row i has class
// i mod K), so the first K·m rows hold exactly m per class (a phase's data.sizes [K·m]).
import type { DataBinding } from '../node-def.ts';
import { type ParamValues, p } from '../params.ts';
import { defineDataset } from './dataset-def.ts';

const params = {
  classes: p.int({ default: 10, min: 2, max: 100, doc: 'K classes.' }),
  latent: p.int({ default: 16, min: 1, max: 512, doc: 'Latent dimension k.' }),
  dim: p.int({ default: 64, min: 1, max: 4096, doc: 'Feature dimension d (ReLU units).' }),
  perClass: p.int({ default: 300, min: 1, max: 10_000, doc: 'Training rows per class.' }),
  test: p.int({ default: 2000, min: 1, max: 100_000, doc: 'Test rows (validation split).' }),
  separation: p.float({
    default: 1,
    min: 0,
    max: 100,
    doc: 'Scale s of the class centres μ_c ~ N(0, s²·I).',
  }),
};

type V = ParamValues<typeof params>;

const bindingOf = (v: V): DataBinding => ({
  name: 'reluFeatures',
  featureShape: [v.dim],
  labels: { kind: 'class', numClasses: v.classes },
});

export const reluFeatures = defineDataset({
  name: 'reluFeatures',
  title: 'ReLU features of a Gaussian latent (frozen-encoder stand-in)',
  doc:
    'Class centres μ_c ~ N(0, s²I) in k dims; z = μ_c + N(0, I); features ReLU(W·z + b) with a random W (d × k) per seed, standardised with the training split’s statistics. ' +
    'Training rows cycle through the classes (row i: class i mod K), so the first K·m rows hold m per class. P7’s synthetic probe features.',
  params,
  describe: bindingOf,
  async load(v, rng) {
    const { classes: K, latent: k, dim: d } = v;
    const mu = Float64Array.from({ length: K * k }, () => v.separation * rng.normal());
    const w = Float64Array.from({ length: d * k }, () => rng.normal() / Math.sqrt(k));
    const b = Float64Array.from({ length: d }, () => 0.5 * rng.normal());
    const draw = (count: number, classOf: (i: number) => number) => {
      const x = new Float32Array(count * d);
      const y = new Int32Array(count);
      const z = new Float64Array(k);
      for (let i = 0; i < count; i++) {
        const c = classOf(i);
        y[i] = c;
        for (let j = 0; j < k; j++) z[j] = mu[c * k + j]! + rng.normal();
        for (let u = 0; u < d; u++) {
          let s = b[u]!;
          for (let j = 0; j < k; j++) s += w[u * k + j]! * z[j]!;
          x[i * d + u] = Math.max(0, s);
        }
      }
      return { x, y, count };
    };
    const train = draw(K * v.perClass, (i) => i % K);
    const val = draw(v.test, () => rng.int(K));
    // Standardise with the training split's per-feature mean and sd.
    for (let u = 0; u < d; u++) {
      let m = 0;
      let q = 0;
      for (let i = 0; i < train.count; i++) m += train.x[i * d + u]! / train.count;
      for (let i = 0; i < train.count; i++) q += (train.x[i * d + u]! - m) ** 2 / train.count;
      const sd = Math.sqrt(q) || 1;
      for (const s of [train, val])
        for (let i = 0; i < s.count; i++) s.x[i * d + u] = (s.x[i * d + u]! - m) / sd;
    }
    return {
      binding: bindingOf(v),
      train,
      val,
      classNames: Array.from({ length: K }, (_, c) => `class ${c}`),
    };
  },
});
