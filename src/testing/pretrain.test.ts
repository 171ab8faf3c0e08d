// P15 (Ge, Tang, Fan, Jin, ICLR 2024): the factor-model data against its formulas, binary accuracy
// by hand, and the phase data view on the shipped template — a phase with `subset` and `sizes`
// trains exactly as a phase given those rows literally, a frozen group stays bit-identical, each
// phase sees the rows it names, and an unknown subset is an error naming the phase and the subsets.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CompiledModel, compileIR } from '../compiler/compile.ts';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { generateTypeScript } from '../core/codegen/generate.ts';
import { generatePyTorch } from '../core/codegen/pytorch.ts';
import { describeBinding, loadBinding, phaseView } from '../core/datasets/binding.ts';
import type { LoadedDataset, Split } from '../core/datasets/dataset-def.ts';
import { drawFactorModel, factorModel } from '../core/datasets/factor-model.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import type { IRPhase, IRTraining } from '../core/ir.ts';
import { lowerGraph } from '../core/lower.ts';
import { resolveParams } from '../core/params.ts';
import { createRng } from '../core/rng.ts';
import { nodeDatasetIO } from '../node/dataset-io.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { bayesAccuracy, supervisedVariant } from '../trainer/experiments/unsup-pretrain-then-probe.ts';
import { type PhaseStart, train } from '../trainer/loop.ts';

const registry = await loadRegistry();
const TEMPLATE = readFileSync(
  new URL('../../templates/unsup-pretrain-then-probe.graph.json', import.meta.url),
  'utf8',
);

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

/** The template on a small factor model: 300 unlabeled, 100 labeled, 50 test rows; short phases. */
function smallDoc(): GraphDoc {
  const doc = JSON.parse(TEMPLATE) as GraphDoc;
  const t = doc.training!;
  t.dataset = {
    ...t.dataset,
    params: { ...t.dataset.params, unlabeled: 300, labeled: 100, test: 50 },
    subsets: [
      { name: 'unlabeled', rows: [0, 300] },
      { name: 'labeled', rows: [300, 400] },
    ],
  };
  t.phases = t.phases!.map((p) => ({ ...p, epochs: p.name === 'pretrain' ? 2 : 5 }));
  return doc;
}

function build(doc: GraphDoc): { compiled: CompiledModel; training: IRTraining } {
  const a = analyse(doc, registry);
  expect(a.diagnostics).toEqual([]);
  const { ir } = lowerGraph(a, registry);
  return { compiled: compileIR(ir!, registry, { seed: 3 }), training: ir!.training! };
}

const weightsOf = (c: CompiledModel, id: string) =>
  c.weights([id]).map((w) => Array.from(w.read().dataSync()));
const phase = (t: IRTraining, name: string): IRPhase => t.phases.find((p) => p.name === name)!;

/** Rows [from, to) of a split, copied by hand (x 50 wide, y 1 wide). */
const rowsOf = (s: Split, from: number, to: number, dim: number): Split => ({
  x: s.x.slice(from * dim, to * dim),
  y: s.y.slice(from, to),
  count: to - from,
});

describe('factorModel dataset', () => {
  const v = { dim: 12, factors: 3, noise: 0.5 };

  it('x − A·z is noise of scale σ, y = 1[βᵀz > 0], rows in the documented order', async () => {
    const count = 4000;
    const d = drawFactorModel(v, count, createRng(4));
    let sum = 0;
    let sq = 0;
    for (let r = 0; r < count; r++)
      for (let i = 0; i < v.dim; i++) {
        let s = 0;
        for (let j = 0; j < v.factors; j++) s += d.A[i * v.factors + j]! * d.z[r * v.factors + j]!;
        const e = d.x[r * v.dim + i]! - s;
        sum += e;
        sq += e * e;
      }
    const n = count * v.dim;
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.sqrt(sq / n - (sum / n) ** 2)).toBeCloseTo(v.noise, 2);
    for (let r = 0; r < count; r++) {
      let s = 0;
      for (let j = 0; j < v.factors; j++) s += d.beta[j]! * d.z[r * v.factors + j]!;
      expect(d.y[r]).toBe(s > 0 ? 1 : 0);
    }
    const frac = d.y.reduce((a, b) => a + b, 0) / count;
    expect(frac).toBeGreaterThan(0.45);
    expect(frac).toBeLessThan(0.55);
    // load(): the unlabeled rows, the labeled rows, then the test rows of one draw; seeded.
    const params = resolveParams(factorModel.params, { ...v, unlabeled: 30, labeled: 20, test: 10 })
      .values as Parameters<typeof factorModel.load>[0];
    const ds = await factorModel.load(params, createRng(9), nodeDatasetIO);
    const again = await factorModel.load(params, createRng(9), nodeDatasetIO);
    const draw = drawFactorModel(v, 60, createRng(9));
    expect([ds.train.count, ds.val.count]).toEqual([50, 10]);
    expect(Array.from(ds.train.x)).toEqual(Array.from(draw.x.slice(0, 50 * v.dim)));
    expect(Array.from(ds.val.y)).toEqual(Array.from(draw.y.slice(50)));
    expect(Array.from(again.train.x)).toEqual(Array.from(ds.train.x));
    expect(ds.binding).toEqual(factorModel.describe(params));
    expect(ds.binding.labels).toEqual({ kind: 'values', shape: [1] });
  });

  it('Bayes accuracy: 1 without noise (z is recoverable from x), near ½ when noise swamps A', () => {
    const p = { unlabeled: 10, labeled: 10, test: 2000, dim: 20, factors: 3 };
    expect(bayesAccuracy({ ...p, noise: 0 }, 2)).toBeGreaterThanOrEqual(0.999);
    expect(bayesAccuracy({ ...p, noise: 1000 }, 2)).toBeLessThan(0.6);
  });
});

describe('metrics.binaryAccuracy', () => {
  const fn = registry.get('metrics.binaryAccuracy')!.metric!.fn;
  it('thresholds predictions and compares with the 0/1 targets (by hand)', () => {
    const before = tf.memory().numTensors;
    const pred = tf.tensor2d([[0.9], [0.2], [0.6], [0.4], [0.5]]);
    const target = tf.tensor2d([[1], [0], [0], [1], [0]]);
    // decisions [1, 0, 1, 0, 0] (0.5 is not > 0.5) against [1, 0, 0, 1, 0]: 3 of 5 right.
    const acc = tf.tidy(() => fn(tfOps, pred, target, { threshold: 0.5 }).dataSync()[0]);
    expect(acc).toBeCloseTo(0.6, 6);
    const logits = tf.tensor2d([[2], [-1], [0.1], [-3], [0]]);
    const acc0 = tf.tidy(() => fn(tfOps, logits, target, { threshold: 0 }).dataSync()[0]);
    expect(acc0).toBeCloseTo(0.6, 6);
    tf.dispose([pred, target, logits]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('unsup-pretrain-then-probe template', () => {
  it('parameter counts are Keras’s dense formula: (50·5+5) + (5·50+50) + (5·1+1); baseline 50·1+1', () => {
    const a = analyse(JSON.parse(TEMPLATE), registry);
    expect(a.diagnostics).toEqual([]);
    expect(a.totalParams).toBe(50 * 5 + 5 + (5 * 50 + 50) + (5 + 1));
    const b = analyse(supervisedVariant(JSON.parse(TEMPLATE)), registry);
    expect(b.diagnostics).toEqual([]);
    expect(b.totalParams).toBe(50 + 1);
  });

  it('a phase with subset and sizes trains exactly as that phase given its rows literally', async () => {
    const doc = smallDoc();
    const data = await loadBinding(doc.training!.dataset, createRng(1), nodeDatasetIO);
    expect(data.extraSplits).toBeUndefined(); // rows subsets are training parts, not eval splits
    const before = tf.memory().numTensors;
    const viaView = build(doc);
    const probe = phase(viaView.training, 'probe');
    expect(probe.data?.sizes).toEqual([40]);
    await train(viaView.compiled, registry, data, { ...viaView.training, phases: [probe] }, { seed: 5 });

    const literal = build(doc);
    const { subset: _s, sizes: _n, ...rest } = probe.data!;
    const rows: LoadedDataset = { ...data, train: rowsOf(data.train, 300, 340, 50) };
    await train(
      literal.compiled,
      registry,
      rows,
      { ...literal.training, phases: [{ ...probe, data: rest }] },
      { seed: 5 },
    );
    expect(weightsOf(viaView.compiled, 'head')).toEqual(weightsOf(literal.compiled, 'head'));
    viaView.compiled.dispose();
    literal.compiled.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('each phase sees its rows; the probe leaves the frozen encoder and decoder bit-identical', async () => {
    const doc = smallDoc();
    const data = await loadBinding(doc.training!.dataset, createRng(1), nodeDatasetIO);
    const before = tf.memory().numTensors;
    const b = build(doc);
    const starts: PhaseStart[] = [];
    const pre = phase(b.training, 'pretrain');
    const init = { encoder: weightsOf(b.compiled, 'encoder'), head: weightsOf(b.compiled, 'head') };
    await train(
      b.compiled,
      registry,
      data,
      { ...b.training, phases: [pre] },
      {
        seed: 2,
        onPhase: (s) => void starts.push(s),
      },
    );
    expect(weightsOf(b.compiled, 'encoder')).not.toEqual(init.encoder);
    expect(weightsOf(b.compiled, 'head')).toEqual(init.head);
    const pretrained = {
      encoder: weightsOf(b.compiled, 'encoder'),
      decoder: weightsOf(b.compiled, 'decoder'),
    };
    await train(
      b.compiled,
      registry,
      data,
      { ...b.training, phases: [phase(b.training, 'probe')] },
      {
        seed: 2,
        onPhase: (s) => void starts.push(s),
      },
    );
    expect(weightsOf(b.compiled, 'encoder')).toEqual(pretrained.encoder);
    expect(weightsOf(b.compiled, 'decoder')).toEqual(pretrained.decoder);
    expect(weightsOf(b.compiled, 'head')).not.toEqual(init.head);
    expect(starts.map((s) => [s.phase, s.trainSamples, s.batches])).toEqual([
      ['pretrain', 300, Math.ceil(300 / 128)],
      ['probe', 40, 1], // full batch: batchSize 2000 ≥ 40 rows
    ]);
    b.compiled.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('phaseView: the subset’s training rows in order, then the first sizes[0] train and sizes[1] val rows', async () => {
    const doc = smallDoc();
    const binding = doc.training!.dataset;
    const data = await loadBinding(binding, createRng(1), nodeDatasetIO);
    const v = phaseView(binding, data, 'p', { subset: 'labeled', sizes: [7, 3] });
    expect(v.train).toEqual(rowsOf(data.train, 300, 307, 50));
    expect(v.val).toEqual(rowsOf(data.val, 0, 3, 50));
    // sizes alone caps the whole split; a cap above the count keeps every row.
    expect(phaseView(binding, data, 'p', { sizes: [5] }).train).toEqual(rowsOf(data.train, 0, 5, 50));
    expect(phaseView(binding, data, 'p', { subset: 'labeled', sizes: [1000] }).train.count).toBe(100);
    expect(phaseView(binding, data, 'p', {})).toBe(data);
  });

  it('an unknown subset is train/unknown-subset naming the phase and the subsets (analysis and trainer)', async () => {
    const doc = smallDoc();
    doc.training!.phases![1]!.data = { ...doc.training!.phases![1]!.data, subset: 'labelled' };
    const a = analyse(doc, registry);
    const d = a.diagnostics.find((x) => x.code === 'train/unknown-subset');
    expect(d?.field).toBe('training.phases.1.data.subset');
    expect(d?.message).toMatch(/Phase 'probe'.*'labelled'.*'unlabeled', 'labeled'/);

    const ok = build(smallDoc());
    const data = await loadBinding(smallDoc().training!.dataset, createRng(1), nodeDatasetIO);
    const bad = { ...phase(ok.training, 'probe'), data: { subset: 'labelled' } };
    await expect(train(ok.compiled, registry, data, { ...ok.training, phases: [bad] })).rejects.toThrow(
      /^train\/unknown-subset: Phase 'probe': data\.subset 'labelled' .*'unlabeled', 'labeled'/,
    );
    ok.compiled.dispose();
  });

  it('rows subsets are checked: one selector, non-empty, within the training rows', async () => {
    const base = { name: 'factorModel', params: { unlabeled: 10, labeled: 10, test: 5 } };
    expect(describeBinding({ ...base, subsets: [{ name: 'a', rows: [4, 4] }] }).problems[0]).toMatch(
      /subset 'a': rows \[4, 4\) is empty/,
    );
    expect(
      describeBinding({ ...base, subsets: [{ name: 'a', rows: [0, 4], classes: [1] }] }).problems[0],
    ).toMatch(/subset 'a': give one of/);
    expect(describeBinding({ ...base, subsets: [{ name: 'a', rows: [0, 20] }] }).problems).toEqual([]);
    const wide = { ...base, subsets: [{ name: 'a', rows: [0, 25] }] };
    const data = await loadBinding(wide, createRng(1), nodeDatasetIO);
    expect(() => phaseView(wide, data, 'p', { subset: 'a' })).toThrow(
      /subset 'a': rows \[0, 25\) reach beyond the 20 training rows of dataset 'factorModel'/,
    );
  });

  it('exporters: TypeScript prints the row views; PyTorch writes model.py and refuses train.py by name', () => {
    const { ir } = lowerGraph(analyse(JSON.parse(TEMPLATE), registry), registry);
    const ts = generateTypeScript(ir!, registry);
    expect(ts).toMatch(/name: 'pretrain',[^}]*rows: \[0, 5000\],/);
    expect(ts).toMatch(/name: 'probe',[^}]*rows: \[5000, 7000\],\s+take: 40,/);
    const py = generatePyTorch(ir!, registry);
    expect(py.files['model.py']).toContain('class ');
    expect(py.files['train.py']).toBeUndefined();
    expect(py.trainRefused).toMatch(/^export\/unsupported: phase 'pretrain' uses active heads/);
  });
});
