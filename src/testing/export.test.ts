// TypeScript export: for every template and a one-node graph of every node example, the generated
// module type-checks on its own (tsc --strict, only @tensorflow/tfjs installed), and its
// buildModel() is the compiled model — layer names, parameter count, seeded initial weights, and
// outputs once the weights are copied over. Models the app saves load through the exported
// kernel classes; train() follows the app's trainer step for step; templates have golden files
// (UPDATE_GOLDEN=1 rewrites them).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { transform } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse, analyseText } from '../core/analysis/analyse.ts';
import { CodegenError, generateTypeScript } from '../core/codegen/index.ts';
import { kernelClassName } from '../core/codegen/tfjs-config.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { fieldName, type IRRef, inputSource, type ModelIR } from '../core/ir.ts';
import { lowerGraph } from '../core/lower.ts';
import type { ExampleInput, FieldSpec, LabelSpec } from '../core/node-def.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { listTemplateIds, readTemplate } from '../node/templates.ts';
import { sourceTensor } from '../trainer/feeds.ts';
import { train as appTrain, toTensors } from '../trainer/loop.ts';
import { EXPORT_REFUSALS, exportable, NODE_TS_REFUSALS, refusedBy } from './export-refusals.ts';
import { oneNodeGraph, randomInput, runCliCaptured } from './harness.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GOLDEN = join(ROOT, 'src/testing/golden');
const registry = await loadRegistry();

interface Case {
  readonly name: string;
  readonly file: string;
  readonly ir: ModelIR;
  /** Input specs (batch included) by input node id. */
  readonly feeds: Readonly<Record<string, ExampleInput>>;
  readonly template?: string;
}

interface Generated {
  buildModel(): tf.LayersModel;
  train?(
    model: tf.LayersModel,
    data: { x: tf.Tensor | tf.Tensor[]; y: tf.Tensor },
    opts?: {
      epochs?: number;
      batchSize?: number;
      phaseData?: Record<string, { x: tf.Tensor | tf.Tensor[]; y: tf.Tensor }>;
    },
  ): Promise<{ loss: number; values: Record<string, number> }[]>;
  [key: string]: unknown;
}

const lower = (doc: GraphDoc | string, what: string): ModelIR => {
  const a = typeof doc === 'string' ? analyseText(doc, registry) : analyse(doc, registry);
  const ir = lowerGraph(a, registry).ir;
  if (!ir) throw new Error(`${what} does not lower: ${a.diagnostics.map((d) => d.message).join(' ')}`);
  return ir;
};

/** Batch of 2 over each model input; int inputs get small indices (embeddings). */
const inputSpecs = (ir: ModelIR): Record<string, ExampleInput> =>
  Object.fromEntries(
    ir.nodes.flatMap((n) =>
      n.op.kind === 'input'
        ? [
            [
              n.id,
              {
                shape: [2, ...n.op.shape.slice(1).map((d) => d ?? 4)],
                dtype: n.op.dtype === 'int32' ? 'int32' : 'float32',
                ...(n.op.dtype === 'int32' ? { range: [0, 2] as [number, number] } : {}),
              },
            ],
          ]
        : [],
    ),
  );

/**
 * Two phases over variable groups: 'head' trains the head alone (the body, with its BatchNorm,
 * frozen and in inference mode) with its own optimizer group, then 'all' trains everything.
 */
function twoPhaseGraph(): GraphDoc {
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'two phases' },
    nodes: {
      x: { type: 'io.input', v: 1, params: { shape: [4] } },
      hidden: { type: 'layers.dense', v: 1, params: { units: 5, activation: 'tanh' }, group: 'body' },
      bn: { type: 'layers.batchNormalization', v: 1, params: { momentum: 0.5 }, group: 'body' },
      logits: { type: 'layers.dense', v: 1, params: { units: 3, activation: 'softmax' }, group: 'head' },
      ce: { type: 'losses.categoricalCrossentropy', v: 1, params: {} },
      acc: { type: 'metrics.accuracy', v: 1, params: {} },
    },
    edges: {
      e1: { from: { node: 'x', port: 'y' }, to: { node: 'hidden', port: 'x' } },
      e2: { from: { node: 'hidden', port: 'y' }, to: { node: 'bn', port: 'x' } },
      e3: { from: { node: 'bn', port: 'y' }, to: { node: 'logits', port: 'x' } },
      e4: { from: { node: 'logits', port: 'y' }, to: { node: 'ce', port: 'pred' } },
      e5: { from: { node: 'logits', port: 'y' }, to: { node: 'acc', port: 'pred' } },
    },
    training: {
      dataset: { name: 'iris', params: {} },
      optimizer: { type: 'optimizers.adam', params: { learningRate: 0.01 } },
      batchSize: 4,
      epochs: 1,
      seed: 3,
      phases: [
        {
          name: 'head',
          kind: 'gradient',
          epochs: 1,
          groups: ['head'],
          optimizers: [{ id: 'head', params: { learningRate: 0.05 } }],
        },
        { name: 'all', kind: 'gradient', epochs: 1 },
      ],
    },
    layout: {},
  };
}
const twoPhaseIR = lower(twoPhaseGraph(), 'two-phase graph');
const twoPhase: Case = {
  name: 'two-phase graph',
  file: 'two_phase',
  ir: twoPhaseIR,
  feeds: inputSpecs(twoPhaseIR),
};

/**
 * Full phases: two heads switched by phase, a loss-weight schedule, two optimizer groups (one
 * clipped, one scaled by the accuracy metric) kept by id across phases, its own batch size, a
 * phase on its own dataset, and re-initialisation of a layer.
 */
function fullPhasesGraph(): GraphDoc {
  const doc = twoPhaseGraph();
  doc.meta.title = 'full phases';
  doc.nodes.aux = { type: 'layers.dense', v: 1, params: { units: 3, activation: 'softmax' }, group: 'aux' };
  doc.nodes.ce2 = { type: 'losses.categoricalCrossentropy', v: 1, params: { weight: 0.5 } };
  doc.edges.e6 = { from: { node: 'bn', port: 'y' }, to: { node: 'aux', port: 'x' } };
  doc.edges.e7 = { from: { node: 'aux', port: 'y' }, to: { node: 'ce2', port: 'pred' } };
  doc.training!.phases = [
    {
      name: 'warm',
      kind: 'gradient',
      epochs: 1,
      groups: ['body', 'head'],
      heads: ['ce', 'acc'],
      data: { batchSize: 3 },
      optimizers: [
        { id: 'body', groups: ['body'], params: { learningRate: 0.02 }, clipNorm: 0.05 },
        {
          id: 'head',
          groups: ['head'],
          params: { learningRate: 0.05 },
          lrScale: { metric: 'acc', min: 0.5, max: 2 },
        },
      ],
      lossWeights: { ce: { from: 1, to: 0.5 } },
    },
    {
      name: 'aux',
      kind: 'gradient',
      epochs: 1,
      groups: ['aux'],
      heads: ['ce2'],
      data: { dataset: { name: 'iris', params: {} } },
      reinit: ['logits'],
    },
    {
      name: 'all',
      kind: 'gradient',
      epochs: 1,
      optimizers: [{ id: 'head', params: { learningRate: 0.01 }, clipNorm: 1 }],
    },
  ];
  return doc;
}
const fullPhasesIR = lower(fullPhasesGraph(), 'full-phase graph');
const fullPhases: Case = {
  name: 'full-phase graph',
  file: 'full_phases',
  ir: fullPhasesIR,
  feeds: inputSpecs(fullPhasesIR),
};

/** S-KAN trained soft, then with its `selection` runtime param overridden to 'hard' (and back). */
function overriddenGraph(): GraphDoc {
  const doc = parseGraphText(readTemplate('s-kan-function-fitting')).doc!;
  doc.meta.title = 'runtime overrides';
  doc.training!.phases = [
    { name: 'soft', kind: 'gradient', epochs: 1 },
    { name: 'hard', kind: 'gradient', epochs: 1, overrides: { skan1: { selection: 'hard' } } },
    { name: 'soft again', kind: 'gradient', epochs: 1 },
  ];
  return doc;
}
const overriddenIR = lower(overriddenGraph(), 'overridden graph');
const overridden: Case = {
  name: 'runtime-override graph',
  file: 'runtime_overrides',
  ir: overriddenIR,
  feeds: inputSpecs(overriddenIR),
};

/**
 * P15's template with its row subsets shrunk to the 12 synthetic rows training checks use: the
 * pretraining phase on rows [0, 8), the probe on rows [8, 12) capped at 3 (data.subset, data.sizes).
 */
function rowViewGraph(): GraphDoc {
  const doc = parseGraphText(readTemplate('unsup-pretrain-then-probe')).doc!;
  doc.meta.title = 'row views';
  const t = doc.training!;
  t.dataset = {
    ...t.dataset,
    subsets: [
      { name: 'unlabeled', rows: [0, 8] },
      { name: 'labeled', rows: [8, 12] },
    ],
  };
  t.phases = t.phases!.map((p) =>
    p.name === 'probe' ? { ...p, epochs: 2, data: { ...p.data, sizes: [3] } } : { ...p, epochs: 1 },
  );
  return doc;
}
const rowViewIR = lower(rowViewGraph(), 'row-view graph');
const rowViews: Case = {
  name: 'row-view graph',
  file: 'row_views',
  ir: rowViewIR,
  feeds: inputSpecs(rowViewIR),
};

const allTemplates = listTemplateIds();
/** Templates the exporter prints; the refused ones are asserted below (export-refusals.ts). */
const templates = exportable(allTemplates, 'typescript');
/**
 * Known gap: the exported train() does not print a dataset's per-batch augmentations (it keeps the
 * shuffle in step with the app, which forks a stream for them), so an augmented template trains on
 * other pixels there. EfficientNet's run is compared to 1 % (as unseeded noise below); ncd-crkd's
 * logits / τ 0.1 magnify the pixel difference (first-epoch loss 1.76 vs 2.44), so it is trained only
 * as its twin. Every augmented template's twin without augmentation is compared exactly.
 */
const AUGMENTED = 'efficientnet-lite-cost-sensitive';
const AUGMENTED_TWIN_ONLY = ['ncd-crkd'];
function withoutAugment(text: string): string {
  const doc = JSON.parse(text) as GraphDoc;
  const t = doc.training!;
  delete t.dataset.augment;
  for (const ph of t.phases ?? []) if (ph.data?.dataset) delete ph.data.dataset.augment;
  return JSON.stringify(doc);
}
const unaugmentedCases = [AUGMENTED, ...AUGMENTED_TWIN_ONLY].map((id): Case => {
  const ir = lower(withoutAugment(readTemplate(id)), `${id} without augmentation`);
  return {
    name: `template ${id} without augmentation`,
    file: `${id.replaceAll('-', '_')}_unaugmented`,
    ir,
    feeds: inputSpecs(ir),
    template: id,
  };
});
const cases: Case[] = [
  twoPhase,
  fullPhases,
  overridden,
  rowViews,
  ...unaugmentedCases,
  ...templates.map((id): Case => {
    const ir = lower(readTemplate(id), `template ${id}`);
    return { name: `template ${id}`, file: id, ir, feeds: inputSpecs(ir), template: id };
  }),
  // Multi-output kernels included: their exported class returns every port.
  ...registry
    .all()
    .filter((def) => !NODE_TS_REFUSALS[def.type])
    .flatMap((def) =>
      (def.examples ?? []).map((ex, i): Case => {
        const ir = lower(oneNodeGraph(def, ex), `${def.type} example ${i + 1}`);
        const feeds = Object.fromEntries(
          Object.entries(ex.inputs).map(([port, spec]) => [`in_${port}`, spec]),
        );
        return {
          name: `${def.type} example ${i + 1}`,
          file: `${def.type.replace('.', '_')}_${i + 1}`,
          ir,
          feeds,
        };
      }),
    ),
];

/**
 * x → Dense(sigmoid) → Top-1: values feed an MSE loss, F1 (whole split) and Hamming loss (whole
 * split); indices feed a second, weighted MSE — a multi-output node and whole-split metrics.
 */
function topKSplitGraph(): GraphDoc {
  const edge = (from: string, fromPort: string, to: string, port: string) => ({
    from: { node: from, port: fromPort },
    to: { node: to, port },
  });
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'top-k split' },
    nodes: {
      x: { type: 'io.input', v: 1, params: { shape: [4] } },
      d: { type: 'layers.dense', v: 1, params: { units: 5, activation: 'sigmoid' } },
      top: { type: 'primitives.topK', v: 1, params: { k: 1 } },
      mse: { type: 'losses.meanSquaredError', v: 1, params: {} },
      onIdx: { type: 'losses.meanSquaredError', v: 1, params: { weight: 0.01 } },
      f1: { type: 'metrics.f1', v: 1, params: {} },
      f1macro: { type: 'metrics.f1', v: 1, params: { average: 'macro' } },
      ham: { type: 'metrics.hammingLoss', v: 1, params: {} },
    },
    edges: {
      e1: edge('x', 'y', 'd', 'x'),
      e2: edge('d', 'y', 'top', 'x'),
      e3: edge('top', 'values', 'mse', 'pred'),
      e4: edge('top', 'indices', 'onIdx', 'pred'),
      e5: edge('top', 'values', 'f1', 'pred'),
      e6: edge('top', 'values', 'f1macro', 'pred'),
      e7: edge('top', 'values', 'ham', 'pred'),
    },
    training: {
      dataset: { name: 'pairedSum', params: {} },
      optimizer: { type: 'optimizers.adam', params: { learningRate: 0.05 } },
      batchSize: 4,
      epochs: 1,
      seed: 3,
    },
    layout: {},
  };
}
const topKSplit: Case = (() => {
  const ir = lower(topKSplitGraph(), 'top-k split graph');
  return { name: 'top-k split graph', file: 'topk_split', ir, feeds: inputSpecs(ir) };
})();
cases.push(topKSplit);

/**
 * Siamese weight sharing (shareWeights): both views a (features) and b (field 'other') go through
 * ONE Dense encoder (encB applies encA's layer), then a − b → Dense(1) regresses sum(a) − sum(b).
 */
function sharedEncoderGraph(): GraphDoc {
  const edge = (from: string, to: string, port: string) => ({
    from: { node: from, port: 'y' },
    to: { node: to, port },
  });
  const enc = { type: 'layers.dense', v: 1, params: { units: 3, activation: 'tanh' } };
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'shared encoder' },
    nodes: {
      a: { type: 'io.input', v: 1, params: { shape: [4] } },
      b: { type: 'io.input', v: 1, params: { shape: [4], source: 'field:other' } },
      encA: enc,
      encB: { ...enc, shareWeights: 'encA' },
      diff: { type: 'layers.subtract', v: 1, params: {} },
      head: { type: 'layers.dense', v: 1, params: { units: 1 } },
      mse: { type: 'losses.meanSquaredError', v: 1, params: {} },
    },
    edges: {
      e1: edge('a', 'encA', 'x'),
      e2: edge('b', 'encB', 'x'),
      e3: edge('encA', 'diff', 'x1'),
      e4: edge('encB', 'diff', 'x2'),
      e5: edge('diff', 'head', 'x'),
      e6: edge('head', 'mse', 'pred'),
    },
    training: {
      dataset: { name: 'pairedSum', params: {} },
      optimizer: { type: 'optimizers.adam', params: { learningRate: 0.05 } },
      batchSize: 4,
      epochs: 1,
      seed: 3,
    },
    layout: {},
  };
}
const sharedEncoder: Case = (() => {
  const ir = lower(sharedEncoderGraph(), 'shared-encoder graph');
  return { name: 'shared-encoder graph', file: 'shared_encoder', ir, feeds: inputSpecs(ir) };
})();
cases.push(sharedEncoder);

const sources = new Map(cases.map((c) => [c.file, generateTypeScript(c.ir, registry)]));

let tmp = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
  // A project with nothing but tfjs installed: @tensorflow/* and @webgpu/types, the one type
  // package tfjs's declarations reference (`/// <reference types="@webgpu/types/dist" />`, found
  // with tsc --traceResolution; tfjs's other @types dependencies are never referenced).
  // preserveSymlinks keeps resolution inside this folder; skipLibCheck as in any tfjs project,
  // since tfjs's own .d.ts files fail strict checks (`Long` in hash_util.d.ts, training.d.ts).
  tmp = mkdtempSync(join(tmpdir(), 'netwright-export-'));
  mkdirSync(join(tmp, 'node_modules/@webgpu'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules/@tensorflow'), join(tmp, 'node_modules/@tensorflow'), 'dir');
  symlinkSync(join(ROOT, 'node_modules/@webgpu/types'), join(tmp, 'node_modules/@webgpu/types'), 'dir');
  mkdirSync(join(tmp, 'src'));
  mkdirSync(join(tmp, 'js'));
  for (const [file, code] of sources) writeFileSync(join(tmp, 'src', `${file}.ts`), code);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The generated module, transpiled by esbuild and imported (resolving tfjs from the temp project). */
async function load(c: Case): Promise<Generated> {
  const { code } = await transform(sources.get(c.file)!, { loader: 'ts', format: 'esm', target: 'es2022' });
  const file = join(tmp, 'js', `${c.file}.mjs`);
  writeFileSync(file, code);
  return (await import(pathToFileURL(file).href)) as Generated;
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a.toFloat(), b.toFloat()))).dataSync()[0]!);

const list = (t: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(t) ? t : [t]);

describe('generated TypeScript', () => {
  it('type-checks standalone with tsc --strict (all modules in one project)', () => {
    writeFileSync(
      join(tmp, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'bundler',
          lib: ['ES2022'],
          types: [],
          skipLibCheck: true,
          preserveSymlinks: true,
          // The repo's own extra strictness (golden files are checked by it too).
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          noImplicitOverride: true,
        },
        include: ['src/*.ts'],
      }),
    );
    const r = spawnSync(
      join(ROOT, 'node_modules/.bin/tsc'),
      ['-p', join(tmp, 'tsconfig.json'), '--strict', '--noEmit'],
      { encoding: 'utf8' },
    );
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
    // The header tells users the flags this compile needed (skipLibCheck: tfjs's own .d.ts files).
    for (const source of sources.values())
      expect(source.split('\n').slice(0, 4).join('\n')).toContain('tsc --strict --skipLibCheck');
  });
});

describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  it('buildModel() = the compiled model: names, params, initial weights, outputs; app saves load', async () => {
    // Compile first: the app registers its kernel classes on its first compile; importing the
    // exported module afterwards registers its own under the same names.
    const compiled = compileIR(c.ir, registry);
    const mod = await load(c);
    const exported = mod.buildModel();
    expect(exported).toBeInstanceOf(tf.LayersModel);
    expect(exported.name).toBe(compiled.model.name);
    expect(exported.layers.map((l) => [l.name, l.getClassName()])).toEqual(
      compiled.model.layers.map((l) => [l.name, l.getClassName()]),
    );
    expect(exported.countParams()).toBe(compiled.countParams());
    // Same seeds → same initial weights, weight by weight (names too: loading matches by name).
    expect(exported.weights.map((w) => w.originalName)).toEqual(
      compiled.model.weights.map((w) => w.originalName),
    );
    const before = exported.getWeights();
    compiled.model.getWeights().forEach((w, i) => {
      expect(maxDiff(w, before[i]!), compiled.model.weights[i]!.originalName).toBeLessThanOrEqual(1e-6);
    });

    // Outputs on a fixed input, after copying the compiled model's weights over.
    exported.setWeights(compiled.model.getWeights());
    const rng = createRng(5);
    const inputs = c.ir.inputs.map((id) => randomInput(c.feeds[id]!, rng));
    // apply, not predict: predict splits batches and needs every input's batch to be equal.
    const run = (m: tf.LayersModel) => list(m.apply(inputs, { training: false }) as tf.Tensor | tf.Tensor[]);
    const want = run(compiled.model);
    const got = run(exported);
    expect(got.map((t) => t.shape)).toEqual(want.map((t) => t.shape));
    for (const [i, w] of want.entries()) expect(maxDiff(w, got[i]!)).toBeLessThanOrEqual(1e-5);

    // A model the app saves loads through the exported kernel classes (imported above).
    const kernels = c.ir.nodes.filter((n) => n.op.kind === 'kernel');
    if (kernels.length) {
      let artifacts: tf.io.ModelArtifacts | undefined;
      await compiled.model.save(
        tf.io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      const reloaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
      const classes = Object.values(mod).filter((v) => typeof v === 'function');
      for (const n of kernels) {
        const layer = reloaded.getLayer(n.id);
        expect(layer.getClassName()).toBe(kernelClassName(n.type));
        expect(classes).toContain(layer.constructor);
      }
      const again = run(reloaded);
      for (const [i, w] of want.entries()) expect(maxDiff(w, again[i]!)).toBeLessThanOrEqual(1e-5);
      tf.dispose(again);
      reloaded.dispose();
    }
    // getWeights() hands out the variables themselves: never dispose those.
    tf.dispose([...inputs, ...want, ...got]);
    exported.dispose();
    compiled.dispose();
  });
});

describe('templates the TypeScript exporter refuses (export-refusals.ts)', () => {
  it.each(refusedBy('typescript'))('%s: export/unsupported naming the node', (id) => {
    expect(allTemplates).toContain(id);
    const ir = lower(readTemplate(id), `template ${id}`);
    let err: unknown;
    try {
      generateTypeScript(ir, registry);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CodegenError);
    expect((err as CodegenError).nodeId).toBe(EXPORT_REFUSALS[id]!.nodeId);
    expect((err as CodegenError).message).toMatch(EXPORT_REFUSALS[id]!.typescript!);
  });
});

describe('node examples the TypeScript exporter refuses (NODE_TS_REFUSALS)', () => {
  it.each(Object.keys(NODE_TS_REFUSALS))('%s: export/unsupported naming the node', (type) => {
    const def = registry.get(type)!;
    expect(def.examples?.length).toBeGreaterThan(0);
    for (const [i, ex] of (def.examples ?? []).entries()) {
      const ir = lower(oneNodeGraph(def, ex), `${type} example ${i + 1}`);
      let err: unknown;
      try {
        generateTypeScript(ir, registry);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CodegenError);
      expect((err as CodegenError).message).toMatch(NODE_TS_REFUSALS[type]!);
    }
  });
});

describe('golden files (src/testing/golden/<template>.ts; UPDATE_GOLDEN=1 rewrites them)', () => {
  it.each(templates)('%s', (id) => {
    const file = join(GOLDEN, `${id}.ts`);
    const code = sources.get(id)!;
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, code);
    }
    expect(existsSync(file), `${file} is missing: run UPDATE_GOLDEN=1 npx vitest run export`).toBe(true);
    expect(code).toBe(readFileSync(file, 'utf8'));
  });

  it('has no golden file without a template', () => {
    const stale = readdirSync(GOLDEN).filter((f) => !templates.includes(f.replace(/\.ts$/, '')));
    expect(stale).toEqual([]);
  });
});

// ---- train() against the app's trainer -----------------------------------------------------------

/**
 * Random data shaped as the graph's training reads it (classes from the prediction's width); a
 * field an Input reads gets int32 values below the width of the prediction its head compares.
 */
function syntheticData(ir: ModelIR, count: number, active?: readonly string[]): LoadedDataset {
  const input = ir.nodes.find((n) => n.op.kind === 'input' && inputSource(n.op) === 'features')!;
  const featureShape = input.outputShape.slice(1) as number[];
  // A phase's heads only (its own dataset's labels: a 2-class head after a 10-class one).
  const heads = [...ir.losses, ...ir.metrics].filter((h) => !active || active.includes(h.id));
  const refs = heads.flatMap((h) => h.inputs);
  // Class labels: a head reads them, or an int32 model input is fed the labels (a masked CE's target).
  const labelInput = ir.nodes.some(
    (n) => n.op.kind === 'input' && inputSource(n.op) === 'labels' && n.op.dtype === 'int32',
  );
  const classes = labelInput || refs.some((r) => 'labels' in r && r.labels !== 'values');
  // Each head's prediction: its `pred` port when it names ports (NoProp's KL names none: it reads a
  // table), else its first model input.
  const pred = heads
    .flatMap((h) =>
      h.ports ? (h.ports.includes('pred') ? [h.inputs[h.ports.indexOf('pred')]!] : []) : h.inputs,
    )
    .find((r): r is Extract<IRRef, { node: string }> => 'node' in r);
  const predShape = (ir.nodes.find((n) => n.id === pred?.node)?.outputShape.slice(1) ?? [1]) as number[];
  const rng = createRng(9);
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const numClasses = predShape.at(-1) ?? 2;
  // A prediction with positions ([H, W, C]) reads a class per position: a class map.
  const positions = predShape.slice(0, -1);
  const x = Float32Array.from({ length: count * size(featureShape) }, () => rng.next());
  // Heads reading label statistics train on multi-label rows (0/1).
  const multiLabel = heads.some((h) => {
    const loss = registry.get(h.type)?.loss;
    return loss?.stats && loss.labels === 'multiLabel';
  });
  const y = classes
    ? Int32Array.from({ length: count * size(positions) }, () => rng.int(numClasses))
    : Float32Array.from({ length: count * size(predShape) }, () =>
        multiLabel ? Number(rng.next() < 0.4) : rng.next(),
      );
  const labels: LabelSpec = !classes
    ? multiLabel
      ? { kind: 'multiLabel', numLabels: numClasses }
      : { kind: 'values', shape: predShape }
    : positions.length
      ? { kind: 'classMap', shape: positions, numClasses }
      : { kind: 'class', numClasses };
  const fieldSpecs: Record<string, FieldSpec> = {};
  const fields: Record<string, Float32Array | Int32Array> = {};
  for (const n of ir.nodes) {
    const name = n.op.kind === 'input' ? fieldName(inputSource(n.op)) : undefined;
    if (name === undefined || n.op.kind !== 'input') continue;
    const shape = n.outputShape.slice(1) as number[];
    const dtype = n.op.dtype === 'int32' ? 'int32' : 'float32';
    // The head reading this input: its prediction's width bounds an index field.
    const head = [...ir.losses, ...ir.metrics].find((h) =>
      h.inputs.some((r) => 'node' in r && r.node === n.id),
    );
    const pred = head?.inputs.find(
      (r): r is Extract<IRRef, { node: string }> => 'node' in r && r.node !== n.id,
    );
    const width = (ir.nodes.find((m) => m.id === pred?.node)?.outputShape.at(-1) as number | undefined) ?? 2;
    fieldSpecs[name] = { shape, dtype };
    fields[name] =
      dtype === 'int32'
        ? Int32Array.from({ length: count * size(shape) }, () => rng.int(width))
        : Float32Array.from({ length: count * size(shape) }, () => rng.next());
  }
  return {
    binding: {
      name: 'synthetic',
      featureShape,
      labels,
      ...(Object.keys(fieldSpecs).length ? { fields: fieldSpecs } : {}),
    },
    train: { x, y, count, ...(Object.keys(fields).length ? { fields } : {}) },
    val: { x: new Float32Array(0), y: classes ? new Int32Array(0) : new Float32Array(0), count: 0 },
  };
}

/** Runs `f` with Math.random replaced by a seeded stream (dropout noise: same draws on both sides). */
async function withSeededRandom<T>(f: () => Promise<T>): Promise<T> {
  const original = Math.random;
  const rng = createRng(123);
  Math.random = () => rng.next();
  try {
    return await f();
  } finally {
    Math.random = original;
  }
}

/** Every model input as the app feeds it (features, labels as [N, 1], a field): TrainData.x, and y. */
function trainTensors(ir: ModelIR, data: LoadedDataset) {
  const all = toTensors(data, 'train');
  const xs = ir.nodes.flatMap((n) => (n.op.kind === 'input' ? [sourceTensor(n.op, all).clone()] : []));
  const y = all.y.clone();
  all.dispose();
  return { x: xs.length === 1 ? xs[0]! : xs, y, xs };
}

/** Trains a few small batches both ways from the same initial weights; losses and weights agree. */
async function expectSameTraining(c: Case, relativeTolerance?: number): Promise<void> {
  const training = c.ir.training!;
  // Phases with their own dataset train on a second synthetic set (8 rows: the size changes too),
  // labelled for those phases' heads; the graph's set for the first phase's heads.
  const ownData = training.phases.filter((p) => p.data?.dataset);
  const data = syntheticData(c.ir, 12, ownData.length ? training.phases[0]!.heads : undefined);
  const compiled = compileIR(c.ir, registry);
  const mod = await load(c);
  const exported = mod.buildModel();
  exported.setWeights(compiled.model.getWeights());
  const phaseSet = syntheticData(c.ir, 8, ownData[0]?.heads);
  const app = await withSeededRandom(() =>
    appTrain(compiled, registry, data, training, {
      epochs: 1,
      batchSize: 4,
      validate: false,
      loadDataset: async () => phaseSet,
    }),
  );
  expect(app.status).toBe('done');
  const { x, y, xs } = trainTensors(c.ir, data);
  const phaseTensors = ownData.map((p) => [p.name, trainTensors(c.ir, phaseSet)] as const);
  const phaseData = Object.fromEntries(phaseTensors.map(([name, t]) => [name, { x: t.x, y: t.y }]));
  const reports = await withSeededRandom(() =>
    mod.train!(exported, { x, y }, { epochs: 1, batchSize: 4, ...(ownData.length ? { phaseData } : {}) }),
  );
  for (const [, t] of phaseTensors) tf.dispose([...t.xs, t.y]);
  expect(reports.length).toBe(app.epochs.length);
  if (relativeTolerance !== undefined) {
    reports.forEach((r, i) => {
      const a = app.epochs[i]!.train.loss;
      expect(Math.abs(r.loss - a) / Math.abs(a)).toBeLessThan(relativeTolerance);
    });
    tf.dispose([...xs, y]);
    exported.dispose();
    compiled.dispose();
    return;
  }
  reports.forEach((r, i) => {
    const a = app.epochs[i]!.train;
    expect(r.loss).toBeCloseTo(a.loss, 4);
    for (const [k, v] of Object.entries({ ...a.terms, ...a.metrics })) expect(r.values[k]).toBeCloseTo(v, 4);
  });
  const want = compiled.model.getWeights();
  const got = exported.getWeights();
  for (const [i, w] of want.entries())
    expect(maxDiff(w, got[i]!), compiled.model.weights[i]!.originalName).toBeLessThan(1e-4);
  tf.dispose([...xs, y]);
  exported.dispose();
  compiled.dispose();
}

describe('train() follows the app trainer (same batches, optimizer, stages, loss terms)', () => {
  // Templates with several inputs (a field, labels as an input) too, and the top-k split graph.
  // A template whose phases train on row ranges beyond the 12 synthetic rows is trained through
  // a twin with its ranges shrunk (unsup-pretrain-then-probe → the row-view graph, checked below).
  const rowsBeyond = (c: Case) =>
    (c.ir.training?.dataset.subsets ?? []).some((x) => Array.isArray(x.rows) && Number(x.rows[1]) > 12);
  const twinOnly = new Set(AUGMENTED_TWIN_ONLY.map((id) => `template ${id}`));
  const trainable = cases.filter(
    (c) => (c.template && c.ir.training && !rowsBeyond(c) && !twinOnly.has(c.name)) || c === topKSplit,
  );
  it('only unsup-pretrain-then-probe is trained through its shrunk twin (myow-ssl: not trained here)', () => {
    expect(cases.filter((c) => c.template && rowsBeyond(c)).map((c) => c.template)).toEqual([
      'myow-ssl',
      'unsup-pretrain-then-probe',
    ]);
  });

  it('row views: each phase trains on its row range, the probe on its first rows (rows, take)', async () => {
    const code = sources.get(rowViews.file)!;
    expect(code).toContain('rows: [0, 8],');
    expect(code).toMatch(/rows: \[8, 12\],\s+take: 3,/);
    expect(code).toContain('const d = rowView(whole, phase);');
    await expectSameTraining(rowViews);
  });

  it('a phase on a subset of classes or a field value is refused by name (export/unsupported)', () => {
    const t = rowViewIR.training!;
    const training = {
      ...t,
      dataset: { ...t.dataset, subsets: [...(t.dataset.subsets ?? []), { name: 'ones', classes: [1] }] },
      phases: t.phases.map((p) => (p.name === 'probe' ? { ...p, data: { ...p.data, subset: 'ones' } } : p)),
    };
    expect(() => generateTypeScript({ ...rowViewIR, training }, registry)).toThrow(
      /export\/unsupported: phase 'probe' uses data subset 'ones', which selects rows by class or field value/,
    );
  });
  it('the top-k split graph prints its multi-output class and finalises whole-split metrics once per epoch', () => {
    const code = sources.get(topKSplit.file)!;
    expect(code).toContain('override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {');
    expect(code).toMatch(/private port1\(/);
    expect(code).toContain('const FINALIZE: Record<string, (sums: tf.Tensor) => tf.Scalar> = {');
    // micro and macro F1 share their stats function but not their finalize.
    expect(code).toMatch(/f1: (\w+),\s+f1macro: (?!\1\b)\w+,/);
  });

  // Known gap: the app's seeded layers draw randomNormal from a per-layer seed stream (tf-ops.ts),
  // the exported code from tf.randomNormal without a seed, so NoProp's latent noise differs and only
  // agreement to 1 % is checked for it (measured 0.27 %). Printing the seed stream is the fix.
  const unseededNoise = new Set(['template noprop-dt-digits', `template ${AUGMENTED}`]);
  it.each(trainable.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    await expectSameTraining(c, unseededNoise.has(name) ? 0.01 : undefined);
  });

  it('shared weights: one encoder layer applied to both views trains as the app trains it', async () => {
    const code = sources.get(sharedEncoder.file)!;
    expect(code.match(/\.dense\(/g)?.length).toBe(2); // the encoder once, the head
    expect(code).toMatch(/const encB = encA_layer\.apply\(b\) as tf\.SymbolicTensor;/);
    await expectSameTraining(sharedEncoder);
  });

  it('two phases: the frozen BatchNorm body runs in inference mode in both (first-epoch loss, weights ≤ 1e-4)', async () => {
    expect(sources.get(twoPhase.file)).toContain('freezeOthers(model, stage.groups)');
    await expectSameTraining(twoPhase);
  });

  it('full phases: heads, schedules, optimizer groups (clipped, lr-scaled, kept by id), own data, reinit', async () => {
    const code = sources.get(fullPhases.file)!;
    expect(code).toContain('const PHASES: Phase[] = [');
    expect(code).toContain("lrScale: { metric: 'acc', min: 0.5, max: 2 }");
    expect(code).toContain("const REINIT = ['logits'];");
    await expectSameTraining(fullPhases);
  });

  it("runtime overrides: a phase switches S-KAN's selection to 'hard' without a rebuild, the next one back", async () => {
    const code = sources.get(overridden.file)!;
    expect(code).toContain('setRuntimeParams(values: tf.serialization.ConfigDict): void {');
    expect(code).toContain("overrides: { skan1: { selection: 'hard' } }");
    await expectSameTraining(overridden);
  });

  it('a phase the exporter cannot print is refused by name (export/unsupported)', () => {
    const doc = twoPhaseGraph();
    doc.training!.phases![0]!.optimizers![0]!.type = 'optimizers.sgd';
    expect(() => generateTypeScript(lower(doc, 'other optimizer'), registry)).toThrow(
      /export\/unsupported: phase 'head' uses an optimizer other than the graph’s \(group 'head'\)/,
    );
  });

  // Every optimizer, stages over variable groups, and a weighted sum of two loss terms.
  const graph = (optimizer: string, params: Record<string, unknown>): GraphDoc => ({
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: `mlp ${optimizer}` },
    nodes: {
      x: { type: 'io.input', v: 1, params: { shape: [4] } },
      hidden: { type: 'layers.dense', v: 1, params: { units: 5, activation: 'tanh' }, group: 'body' },
      act: { type: 'activations.elu', v: 1, params: { alpha: 0.5 }, group: 'body' },
      logits: { type: 'layers.dense', v: 1, params: { units: 3, activation: 'softmax' }, group: 'head' },
      ce: { type: 'losses.categoricalCrossentropy', v: 1, params: {} },
      mse: { type: 'losses.meanSquaredError', v: 1, params: { weight: 0.5 } },
      acc: { type: 'metrics.accuracy', v: 1, params: {} },
    },
    edges: {
      e1: { from: { node: 'x', port: 'y' }, to: { node: 'hidden', port: 'x' } },
      e2: { from: { node: 'hidden', port: 'y' }, to: { node: 'act', port: 'x' } },
      e3: { from: { node: 'act', port: 'y' }, to: { node: 'logits', port: 'x' } },
      e4: { from: { node: 'logits', port: 'y' }, to: { node: 'ce', port: 'pred' } },
      e5: { from: { node: 'logits', port: 'y' }, to: { node: 'mse', port: 'pred' } },
      e6: { from: { node: 'logits', port: 'y' }, to: { node: 'acc', port: 'pred' } },
    },
    training: {
      dataset: { name: 'iris', params: {} },
      optimizer: { type: optimizer, params },
      batchSize: 4,
      epochs: 1,
      seed: 3,
      phases: [
        {
          name: 'head',
          kind: 'gradient',
          epochs: 1,
          groups: ['head'],
          optimizers: [{ id: 'head', params: { ...params, learningRate: 0.05 } }],
        },
        { name: 'all', kind: 'gradient', epochs: 1 },
      ],
    },
    layout: {},
  });
  const optimizers: [string, Record<string, unknown>][] = [
    ['optimizers.sgd', { learningRate: 0.1 }],
    ['optimizers.sgd', { learningRate: 0.1, momentum: 0.9, nesterov: true }],
    ['optimizers.adam', { learningRate: 0.01 }],
    ['optimizers.adamw', { learningRate: 0.01, weightDecay: 0.1 }],
    ['optimizers.rmsprop', { learningRate: 0.01 }],
  ];
  it.each(optimizers)('%s %j, two stages over groups, weighted losses', async (type, params) => {
    const ir = lower(graph(type, params), type);
    const file = `train_${type.replace('.', '_')}_${Object.keys(params).length}`;
    const c: Case = { name: file, file, ir, feeds: inputSpecs(ir) };
    sources.set(file, generateTypeScript(ir, registry));
    expect(sources.get(file)).toContain(
      type === 'optimizers.adamw' ? 'decoupled weight decay' : 'makeOptimizer',
    );
    await expectSameTraining(c);
  });

  it('class-map labels: per-pixel cross-entropy, soft Dice and categorical CE on the one-hot map', async () => {
    const doc: GraphDoc = {
      format: 'netwright.graph',
      formatVersion: 2,
      meta: { title: 'segmentation head' },
      nodes: {
        x: { type: 'io.input', v: 1, params: { shape: [8, 8, 4] } },
        conv: { type: 'layers.conv2d', v: 1, params: { filters: 4, kernelSize: [3, 3], padding: 'same' } },
        probs: { type: 'activations.softmax', v: 1, params: {} },
        ce: { type: 'losses.sparseCategoricalCrossentropy', v: 1, params: {} },
        dice: { type: 'losses.softDice', v: 1, params: { weight: 0.5 } },
        // Reads the one-hot map without flattening it: [B, 8, 8, 4] on both sides.
        cce: { type: 'losses.categoricalCrossentropy', v: 1, params: { weight: 0.25 } },
      },
      edges: {
        e1: { from: { node: 'x', port: 'y' }, to: { node: 'conv', port: 'x' } },
        e2: { from: { node: 'conv', port: 'y' }, to: { node: 'probs', port: 'x' } },
        e3: { from: { node: 'probs', port: 'y' }, to: { node: 'ce', port: 'pred' } },
        e4: { from: { node: 'probs', port: 'y' }, to: { node: 'dice', port: 'pred' } },
        e5: { from: { node: 'probs', port: 'y' }, to: { node: 'cce', port: 'pred' } },
      },
      training: {
        dataset: { name: 'nested', params: { size: 8, trainSamples: 12, valSamples: 4 } },
        optimizer: { type: 'optimizers.adam', params: { learningRate: 0.01 } },
        batchSize: 4,
        epochs: 1,
        seed: 3,
      },
      layout: {},
    };
    const ir = lower(doc, 'segmentation head');
    const file = 'train_class_map';
    sources.set(file, generateTypeScript(ir, registry));
    expect(sources.get(file)).toContain('class indices [N, 8, 8] (int32, a class per position)');
    await expectSameTraining({ name: file, file, ir, feeds: inputSpecs(ir) });
  });
});

describe('train() of a head reading label statistics (hybrid multi-label loss)', () => {
  it('prints labelStats once per run and trains as the app does', async () => {
    const doc: GraphDoc = {
      format: 'netwright.graph',
      formatVersion: 2,
      meta: { title: 'multi-label mlp' },
      nodes: {
        x: { type: 'io.input', v: 1, params: { shape: [4] } },
        hidden: { type: 'layers.dense', v: 1, params: { units: 6, activation: 'tanh' } },
        logits: { type: 'layers.dense', v: 1, params: { units: 11 } },
        hybrid: { type: 'losses.hybridMultiLabel', v: 1, params: { lambdaCon: 0.5, lambdaCorr: 0.2 } },
        matrix: {
          type: 'losses.hybridMultiLabel',
          v: 1,
          params: { correlation: 'matrix', lambdaCon: 0, weight: 0.5 },
        },
      },
      edges: {
        e1: { from: { node: 'x', port: 'y' }, to: { node: 'hidden', port: 'x' } },
        e2: { from: { node: 'hidden', port: 'y' }, to: { node: 'logits', port: 'x' } },
        e3: { from: { node: 'logits', port: 'y' }, to: { node: 'hybrid', port: 'pred' } },
        e4: { from: { node: 'hidden', port: 'y' }, to: { node: 'hybrid', port: 'embedding' } },
        e5: { from: { node: 'logits', port: 'y' }, to: { node: 'matrix', port: 'pred' } },
      },
      training: {
        dataset: { name: 'mlText', params: { seqLen: 4 } },
        optimizer: { type: 'optimizers.adam', params: { learningRate: 0.01 } },
        batchSize: 4,
        epochs: 1,
        seed: 2,
      },
      layout: {},
    };
    const ir = lower(doc, 'hybrid mlp');
    const file = 'train_hybrid_multilabel';
    sources.set(file, generateTypeScript(ir, registry));
    expect(sources.get(file)!.match(/labelStats\(data\.y\)/g)).toHaveLength(1);
    await expectSameTraining({ name: file, file, ir, feeds: inputSpecs(ir) });
  });
});

describe('netwright export', () => {
  const cli = runCliCaptured;

  it('prints the module (exit 0), or writes it with -o, creating folders', async () => {
    const r = await cli('export', 'lenet-5');
    expect(r.code).toBe(0);
    expect(`${r.stdout}\n`).toBe(sources.get('lenet-5'));
    const file = join(tmp, 'cli/nested/lenet.ts');
    const w = await cli('export', 'lenet-5', '-o', file);
    expect(w.code).toBe(0);
    expect(w.stdout).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe(sources.get('lenet-5'));
  });

  it('a graph with errors exits 1 with its diagnostics; a missing one exits 2', async () => {
    const file = join(tmp, 'broken.graph.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 'netwright.graph',
        formatVersion: 2,
        meta: { title: 'broken' },
        nodes: { d: { type: 'layers.dense', v: 1, params: { units: 3 } } },
        edges: {},
      }),
    );
    const r = await cli('export', file, '-o', join(tmp, 'never.ts'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('port/unconnected');
    expect(existsSync(join(tmp, 'never.ts'))).toBe(false);
    expect((await cli('export', 'no-such-template')).code).toBe(2);
  });
});
