// Templates the exporters refuse by name (export/unsupported, naming the node) instead of printing
// code that would train differently from the app. src/testing/export.test.ts and
// export-pytorch.test.ts assert each refusal here and export every other template.
export type ExportTarget = 'typescript' | 'pytorch';

/** The node a refusal names, and the message of each exporter that refuses (absent: it exports). */
export interface ExportRefusal {
  readonly nodeId: string;
  readonly typescript?: RegExp;
  readonly pytorch?: RegExp;
}

export const EXPORT_REFUSALS: Readonly<Record<string, ExportRefusal>> = {
  // qSample draws t and ε and hands both to the network and to the loss through three outputs;
  // the TypeScript exporter traces each output of a multi-output kernel on its own (each would
  // draw its own noise), and the PyTorch exporter prints single-output layers only.
  'diffusion-features-classifier': {
    nodeId: 'q',
    typescript:
      /^export\/unsupported: node 'q' \(Diffusion q-sample x_t\) has several outputs and .*; the TypeScript exporter prints such a node only when it is used one way, without random draws or state updates\.$/,
    pytorch:
      /^export\/unsupported: node 'q' \(Diffusion q-sample x_t\) has several outputs \(xt, eps, t\); the PyTorch exporter prints single-output layers only\.$/,
  },
  // Modality drop stacks the batch three times and hands each copy on through its own output; the
  // TypeScript exporter prints it (no random draws), the PyTorch exporter does not print multi-output layers.
  'iemf-audiovisual-fusion': {
    nodeId: 'drop',
    pytorch:
      /^export\/unsupported: node 'drop' \(.*\) has several outputs \(.*\); the PyTorch exporter prints single-output layers only\.$/,
  },
  // Fit phases (closed-form weights) are not printed: the TypeScript exporter refuses, naming the
  // phase and its fit nodes; the PyTorch exporter writes model.py and says why train.py is missing
  // (trainRefused, src/testing/fits.test.ts), so it is not listed as refusing.
  'multitasking-hebbian-network': {
    nodeId: 'hopfield',
    typescript:
      /^export\/unsupported: phase 'hebbian' uses a closed-form fit of 'hopfield' \(phase kind 'fit'\)/,
  },
  'hierarchical-poly-layerwise': {
    nodeId: 'feat',
    typescript:
      /^export\/unsupported: phase 'centre features' uses a closed-form fit of 'feat' \(phase kind 'fit'\)/,
  },
  // RCAL's sampler draws row i from class i mod K (labels built from the batch size) and has two
  // outputs (samples, labels): the TypeScript tracer refuses a kernel whose code depends on the
  // batch size, the PyTorch exporter prints single-output layers only.
  'rcal-noisy-longtail': {
    nodeId: 'rec',
    typescript:
      /^export\/unsupported: node 'rec' \(fit\.gaussianRecovery\): the function computes differently for different batch sizes/,
    pytorch:
      /^export\/unsupported: node 'rec' \(Gaussian recovery \+ sampler \(RCAL, fit\)\) has several outputs \(y, labels\); the PyTorch exporter prints single-output layers only\.$/,
  },
  'nb-vs-lr-probe': {
    nodeId: 'nb',
    typescript: /^export\/unsupported: phase 'fit-nb' uses a closed-form fit of 'nb' \(phase kind 'fit'\)/,
  },
  // Refresh phases (a per-sample store written by an inference pass) and score-weighted epochs are
  // not printed: the TypeScript exporter refuses, naming the phase, the store and the node; the
  // PyTorch exporter writes model.py and says why train.py is missing (src/testing/stores.test.ts).
  'cyclical-curriculum': {
    nodeId: 'perSample',
    typescript:
      /^export\/unsupported: phase 'score' uses a per-sample store refresh \(store 'loss' from node 'perSample'\)/,
  },
  // DEC-style clustering: the k-means fit phase comes first (its 'cluster' phase's store refreshes
  // are refused as well, src/testing/store-refreshes.test.ts).
  'dceac-clustering': {
    nodeId: 'q',
    typescript: /^export\/unsupported: phase 'kmeans' uses a closed-form fit of 'q' \(phase kind 'fit'\)/,
  },
  // SDM: the exemplar index hands q and d on through two outputs, which the TypeScript tracer
  // prints only for a node used one way (its refits and store refreshes would be refused next);
  // the PyTorch exporter prints single-output layers only.
  'sdm-verified-classifier': {
    nodeId: 'sdm',
    typescript:
      /^export\/unsupported: node 'sdm' \(SDM exemplar index \(fit\): similarity q, distance quantile d\) has several outputs and is used with different params or shapes; the TypeScript exporter prints such a node only when it is used one way/,
    pytorch:
      /^export\/unsupported: node 'sdm' \(SDM exemplar index \(fit\): similarity q, distance quantile d\) has several outputs \(q, d\); the PyTorch exporter prints single-output layers only\.$/,
  },
};

/** Template ids `target` prints (every template it does not refuse above). */
export const exportable = (ids: readonly string[], target: ExportTarget): string[] =>
  ids.filter((id) => !EXPORT_REFUSALS[id]?.[target]);

/** Template ids `target` refuses. */
export const refusedBy = (target: ExportTarget): string[] =>
  Object.keys(EXPORT_REFUSALS).filter((id) => EXPORT_REFUSALS[id]![target]);

/**
 * Node types whose one-node example the TypeScript exporter refuses, with its message
 * (export.test.ts asserts the refusal; export-pytorch.test.ts expects it for multi-output nodes).
 */
export const NODE_TS_REFUSALS: Readonly<Record<string, RegExp>> = {
  // RCAL's sampler: row i is a draw from class i mod K, so its code depends on the batch size.
  'fit.gaussianRecovery':
    /^export\/unsupported: node 'node' \(fit\.gaussianRecovery\): the function computes differently for different batch sizes/,
};
