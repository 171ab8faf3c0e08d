// PyTorch export, run for real with Debian's python3-torch (/usr/bin/python3; .ci/run installs
// it): for every template, the exported model's parameter count (params + state buffers, as
// Keras counts) is `netwright check`'s, and with the app's weights (exported with --weights from a
// saved tfjs model) its forward equals the tfjs model's (cpu backend) on the same input within
// 1e-4. `python3 model.py` prints the summary ending in check's total; train.py trains mlp-mnist
// with DistributedDataParallel over 2 gloo processes and loki-frechet-mean feeding its second model
// input from a dataset field; every node example exports and matches tfjs, except multi-output
// nodes, which both exporters refuse by name; an untranslatable layer or a whole-split metric is a
// clear error naming the node.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerWeights } from '../cli/commands/export-pytorch.ts';
import { compileIR } from '../compiler/compile.ts';
import { analyse, analyseText } from '../core/analysis/analyse.ts';
import { type NpyArray, npz } from '../core/archive/npy.ts';
import { generateTypeScript } from '../core/codegen/generate.ts';
import { CodegenError } from '../core/codegen/print.ts';
import { generatePyTorch } from '../core/codegen/pytorch.ts';
import { pytorchStateDict } from '../core/codegen/pytorch-weights.ts';
import type { ModelIR } from '../core/ir.ts';
import { lowerGraph } from '../core/lower.ts';
import { createRng } from '../core/rng.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { saveModel } from '../node/model-io.ts';
import { listTemplateIds, readTemplate } from '../node/templates.ts';
import { EXPORT_REFUSALS, exportable, NODE_TS_REFUSALS, refusedBy } from './export-refusals.ts';
import { oneNodeGraph, randomInput, runCliCaptured } from './harness.ts';
import { maskedData, maskedGraph, maskedMean } from './masked-ce-fixture.ts';

const PYTHON = '/usr/bin/python3';
const registry = await loadRegistry();
const allTemplates = listTemplateIds();
/** Templates the exporter prints; the refused ones are asserted below (export-refusals.ts). */
const templates = exportable(allTemplates, 'pytorch');

const cli = runCliCaptured;

const python = (args: string[], cwd: string, timeout = 300_000) => {
  const r = spawnSync(PYTHON, args, { cwd, encoding: 'utf8', timeout });
  if (r.status !== 0) throw new Error(`python3 ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
};

/** Compares each exported model, with the app's weights, against the tfjs outputs. */
const CHECK_PY = `
import importlib.util, json, sys
import numpy as np
import torch
torch.set_num_threads(1)
def check(d):
    spec = importlib.util.spec_from_file_location("m_" + str(abs(hash(d))), d + "/model.py")
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    cls = [v for k, v in vars(m).items() if isinstance(v, type) and issubclass(v, torch.nn.Module) and v.__module__ == m.__name__][-1]
    model = m.load_weights(cls(), d + "/weights.npz").eval()
    inputs = np.load(d + "/inputs.npz")
    feeds = [torch.from_numpy(inputs[k]) for k in sorted(inputs.files)]
    with torch.no_grad():
        out = model(*[f.long() if f.dtype == torch.int32 else f for f in feeds])
    out = out if isinstance(out, tuple) else (out,)
    expected = np.load(d + "/expected.npz")
    diffs = [float(np.max(np.abs(o.numpy() - expected["o%d" % i]))) if o.numel() else 0.0 for i, o in enumerate(out)]
    shapes_ok = len(out) == len(expected.files) and all(tuple(o.shape) == expected["o%d" % i].shape for i, o in enumerate(out))
    return {"params": m.count_params(model), "diffs": diffs, "shapes": shapes_ok, "outputs": len(out)}
for d in sys.argv[1:]:
    try:
        r = check(d)
    except Exception as e:
        r = {"error": repr(e)[:600], "params": -1, "diffs": [], "shapes": False, "outputs": 0}
    r["dir"] = d
    print(json.dumps(r))
`;

let tmp = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = mkdtempSync(join(tmpdir(), 'netwright-pytorch-'));
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0)
    throw new Error(`${PYTHON} cannot import torch (apt install python3-torch): ${probe.stderr}`);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const lower = (text: string): { ir: ModelIR; params: number } => {
  const a = analyseText(text, registry);
  const ir = lowerGraph(a, registry).ir;
  if (!ir) throw new Error(a.diagnostics.map((d) => d.message).join(' '));
  return { ir, params: a.totalParams };
};

/** Moves every weight off its initial value (BatchNorm statistics included), keeping signs of stats. */
function perturb(model: tf.LayersModel, seed: number): void {
  const rng = createRng(seed);
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (!ws.length) continue;
    const trainable = new Set(layer.trainableWeights.map((w) => w.name));
    const next = ws.map((w, i) => {
      const data = w.dataSync() as Float32Array;
      const stat = !trainable.has(layer.weights[i]!.name);
      const out = data.map((v) =>
        stat ? v * (1 + 0.2 * (rng.next() - 0.5)) + 0.05 * rng.next() : v + 0.1 * (rng.next() - 0.5),
      );
      return tf.tensor(out, w.shape);
    });
    layer.setWeights(next);
    tf.dispose(next);
  }
}

describe('PyTorch export of every template (python3-torch)', () => {
  const results = new Map<
    string,
    { params: number; diffs: number[]; shapes: boolean; outputs: number; error?: string }
  >();
  const expected = new Map<string, { params: number; outputs: number }>();

  beforeAll(async () => {
    const dirs: string[] = [];
    for (const [t, id] of templates.entries()) {
      const { ir, params } = lower(readTemplate(id));
      const dir = join(tmp, id);
      const saved = join(dir, 'saved');
      const compiled = compileIR(ir, registry, { seed: 1 });
      perturb(compiled.model, 7 + t);
      await saveModel(compiled.model, saved);
      const r = await cli('export', id, '--target', 'pytorch', '-o', dir, '--weights', saved);
      if (r.code !== 0) throw new Error(`export ${id}: ${r.stderr}`);
      // A batch of 3 random inputs; the tfjs outputs in inference mode.
      const rng = createRng(100 + t);
      const feeds: Record<string, tf.Tensor> = {};
      const inputs: Record<string, NpyArray> = {};
      for (const [k, inputId] of ir.inputs.entries()) {
        const node = ir.nodes.find((n) => n.id === inputId)!;
        const shape = [3, ...node.outputShape.slice(1).map((d) => d ?? 4)];
        const size = shape.reduce((a, b) => a * b, 1);
        const int = node.outputDtype === 'int32';
        const data = int
          ? Int32Array.from({ length: size }, () => Math.floor(rng.next() * 2))
          : Float32Array.from({ length: size }, () => rng.next() * 2 - 1);
        feeds[inputId] = tf.tensor(data, shape, int ? 'int32' : 'float32');
        inputs[`in${String(k).padStart(3, '0')}`] = { data, shape };
      }
      const outs = tf.tidy(() => {
        const all = compiled.run(feeds, { training: false });
        // What the exported forward() returns: the model outputs, else the last node.
        const ids = ir.outputs.length ? ir.outputs : [ir.nodes.at(-1)!.id];
        return ids.map((o) => tf.keep(all.get(o)!.clone()));
      });
      writeFileSync(join(dir, 'inputs.npz'), npz(inputs));
      const outArrays = outs.map((o): [string, NpyArray] => [
        `o${outs.indexOf(o)}`,
        { data: Float32Array.from(o.dataSync()), shape: o.shape },
      ]);
      writeFileSync(join(dir, 'expected.npz'), npz(Object.fromEntries(outArrays)));
      tf.dispose([...outs, ...Object.values(feeds)]);
      compiled.dispose();
      expected.set(dir, { params, outputs: ir.outputs.length });
      dirs.push(dir);
    }
    for (const line of python(['-c', CHECK_PY, ...dirs], tmp)
      .trim()
      .split('\n')) {
      const r = JSON.parse(line) as {
        dir: string;
        params: number;
        diffs: number[];
        shapes: boolean;
        outputs: number;
      };
      results.set(r.dir, r);
    }
  }, 600_000);

  it.each(templates)(
    '%s: parameter count = netwright check; forward with the app weights = tfjs within 1e-4',
    (id) => {
      const dir = join(tmp, id);
      const r = results.get(dir);
      const e = expected.get(dir)!;
      expect(r, `no result for ${id}`).toBeDefined();
      expect(r!.error).toBeUndefined();
      expect(r!.params).toBe(e.params);
      expect(r!.outputs).toBe(e.outputs);
      expect(r!.shapes).toBe(true);
      for (const d of r!.diffs) expect(d).toBeLessThan(1e-4);
    },
  );

  it('python3 model.py prints a Keras-style summary ending in check\'s "Total params: N"', async () => {
    const out = python(['model.py'], join(tmp, 'lenet-5'));
    const check = await cli('check', 'lenet-5');
    const total = check.stdout.trim().split('\n').at(-1)!;
    expect(total).toMatch(/^Total params: [\d,]+$/);
    expect(out.trim().split('\n').at(-1)).toBe(total);
    // One row per node attribute, named after the node id.
    for (const node of ['c1', 'c3', 'f5']) expect(out).toContain(`${node} (`);
  });
});

describe('templates the PyTorch exporter refuses (export-refusals.ts)', () => {
  it.each(refusedBy('pytorch'))('%s: export/unsupported naming the node; the CLI exits 1', async (id) => {
    expect(allTemplates).toContain(id);
    const a = analyseText(readTemplate(id), registry);
    const ir = lowerGraph(a, registry).ir!;
    let err: unknown;
    try {
      generatePyTorch(ir, registry);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CodegenError);
    expect((err as CodegenError).nodeId).toBe(EXPORT_REFUSALS[id]!.nodeId);
    expect((err as CodegenError).message).toMatch(EXPORT_REFUSALS[id]!.pytorch!);
    const r = await cli('export', id, '--target', 'pytorch', '-o', join(tmp, `refused-${id}`));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot export to PyTorch (node '${EXPORT_REFUSALS[id]!.nodeId}')`);
  });
});

describe('PyTorch export of a one-node graph of every node example', () => {
  const examples = registry.all().flatMap((def) =>
    (def.examples ?? []).map((ex, i) => ({
      def,
      ex,
      name: `${def.type} example ${i + 1}`,
      key: `${def.type}#${i + 1}`,
    })),
  );
  const results = new Map<string, { diffs: number[]; shapes: boolean; params: number; error?: string }>();
  const expectedParams = new Map<string, number>();
  const errors = new Map<string, unknown>();
  /** Examples whose node has several output ports: the TypeScript exporter's refusal, by key. */
  const multiOutput = new Map<string, { nodeId: string; tsError: unknown }>();

  beforeAll(async () => {
    const dirs: string[] = [];
    for (const [n, { def, ex, key }] of examples.entries()) {
      const doc = oneNodeGraph(def, ex);
      const a = analyse(doc, registry);
      const ir = lowerGraph(a, registry).ir!;
      const multi = ir.nodes.find((node) => node.outputPorts);
      if (multi) {
        let tsError: unknown;
        try {
          generateTypeScript(ir, registry);
        } catch (e) {
          tsError = e;
        }
        multiOutput.set(key, { nodeId: multi.id, tsError });
      }
      let project: ReturnType<typeof generatePyTorch>;
      try {
        project = generatePyTorch(ir, registry);
      } catch (e) {
        errors.set(key, e);
        continue;
      }
      const dir = join(tmp, 'nodes', `n${n}`);
      mkdirSync(dir, { recursive: true });
      const compiled = compileIR(ir, registry, { seed: 3 });
      perturb(compiled.model, 11 + n);
      writeFileSync(join(dir, 'model.py'), project.files['model.py']!);
      writeFileSync(
        join(dir, 'weights.npz'),
        npz(pytorchStateDict(project.weights, layerWeights(compiled.model))),
      );
      const rng = createRng(200 + n);
      const feeds: Record<string, tf.Tensor> = {};
      const inputs: Record<string, NpyArray> = {};
      for (const [k, id] of ir.inputs.entries()) {
        const spec = ex.inputs[id.replace(/^in_/, '')]!;
        const t = randomInput(spec, rng);
        feeds[id] = t;
        const data = t.dtype === 'int32' ? Int32Array.from(t.dataSync()) : Float32Array.from(t.dataSync());
        inputs[`in${String(k).padStart(3, '0')}`] = { data, shape: t.shape };
      }
      const outs = tf.tidy(() => {
        const all = compiled.run(feeds, { training: false });
        // What the exported forward() returns: the model outputs, else the last node.
        const ids = ir.outputs.length ? ir.outputs : [ir.nodes.at(-1)!.id];
        return ids.map((o) => tf.keep(all.get(o)!.clone()));
      });
      writeFileSync(join(dir, 'inputs.npz'), npz(inputs));
      const arrays = outs.map((o, i): [string, NpyArray] => [
        `o${i}`,
        { data: Float32Array.from(o.dataSync()), shape: o.shape },
      ]);
      writeFileSync(join(dir, 'expected.npz'), npz(Object.fromEntries(arrays)));
      tf.dispose([...outs, ...Object.values(feeds)]);
      compiled.dispose();
      expectedParams.set(dir, a.totalParams);
      results.set(key, { diffs: [], shapes: false, params: -1 });
      dirs.push(dir);
      (examples[n] as { dir?: string }).dir = dir;
    }
    const byDir = new Map<string, { diffs: number[]; shapes: boolean; params: number; error?: string }>();
    for (const line of python(['-c', CHECK_PY, ...dirs], tmp)
      .trim()
      .split('\n')) {
      const r = JSON.parse(line) as {
        dir: string;
        diffs: number[];
        shapes: boolean;
        params: number;
        error?: string;
      };
      byDir.set(r.dir, r);
    }
    for (const e of examples) {
      const dir = (e as { dir?: string }).dir;
      if (dir) results.set(e.key, byDir.get(dir)!);
    }
  }, 600_000);

  it.each(examples.map((e) => [e.name, e] as const))('%s', (_name, e) => {
    const multi = multiOutput.get(e.key);
    if (multi) {
      // Refused by name: export/unsupported, naming the node.
      const err = errors.get(e.key);
      expect(err).toBeInstanceOf(CodegenError);
      expect((err as CodegenError).nodeId).toBe(multi.nodeId);
      expect((err as CodegenError).message).toMatch(/^export\/unsupported: node '/);
      expect((err as CodegenError).message).toContain(
        'the PyTorch exporter prints single-output layers only',
      );
      // The TypeScript exporter prints it, unless it refuses this node by name (export-refusals.ts).
      const tsRefusal = NODE_TS_REFUSALS[e.def.type];
      if (tsRefusal) expect((multi.tsError as Error).message).toMatch(tsRefusal);
      else expect(multi.tsError).toBeUndefined();
      return;
    }
    expect(errors.get(e.key)).toBeUndefined();
    const r = results.get(e.key)!;
    const dir = (e as { dir?: string }).dir!;
    expect(r.error).toBeUndefined();
    expect(r.params).toBe(expectedParams.get(dir));
    expect(r.shapes).toBe(true);
    for (const d of r.diffs) expect(d).toBeLessThan(1e-4);
  });
});

describe('train.py', () => {
  it('trains mlp-mnist to ≥ 0.85 validation accuracy in 1 epoch with DDP over 2 processes (gloo)', async () => {
    const dir = join(tmp, 'train-mlp');
    const r = await cli('export', 'mlp-mnist', '--target', 'pytorch', '-o', dir, '--with-data');
    expect(r.code).toBe(0);
    const lines = python(['train.py', '--epochs', '1', '--nproc', '2'], dir, 400_000).trim().split('\n');
    const reports = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatchObject({ epoch: 1, stage: 'train' });
    const final = reports[1]!.final as Record<string, number | string>;
    expect(final.status).toBe('done');
    expect(final.worldSize).toBe(2);
    expect(final.epochs).toBe(1);
    expect(final.valAccuracy as number).toBeGreaterThanOrEqual(0.85);
  }, 420_000);
});

/** Python that imports an exported train.py (in the cwd) and loads data.npz's val split as train.py does. */
const VAL_SPLIT_PY = [
  'import json, sys',
  'import numpy as np, torch',
  'sys.path.insert(0, ".")',
  'import train',
  'with np.load("data.npz") as d:',
  '    split = {k: (lambda a: a.astype(np.int64) if a.dtype == np.int32 else a)(d[k + "_val"]) for k in train.DATA_KEYS}',
  '    files = sorted(d.files)',
];

describe('train.py with a model input fed from a dataset field (loki-frechet-mean)', () => {
  it('feeds every input from its source with the same rows, and trains', async () => {
    const dir = join(tmp, 'train-loki');
    const r = await cli('export', 'loki-frechet-mean', '--target', 'pytorch', '-o', dir, '--with-data');
    expect(r.code).toBe(0);
    // The field `cell` is the grid cell of each point (row, col) = ⌊x⌋: the second input, taken
    // with shuffled rows, must be the cell of the first input's points.
    const probe = [
      ...VAL_SPLIT_PY,
      'idx = np.random.RandomState(0).permutation(len(split["y"]))[:500]',
      'x, cell = train.model_inputs(split, idx, torch.device("cpu"))',
      'side = int(np.ceil(split["x"][:, 0].max()))',
      'expected = np.floor(x[:, 0].numpy()) * side + np.floor(x[:, 1].numpy())',
      'print(json.dumps({"keys": files, "shape": list(cell.shape), "side": side,',
      '    "same": bool((cell[:, 0].numpy() == expected).all())}))',
    ].join('\n');
    const fed = JSON.parse(python(['-c', probe], dir)) as {
      keys: string[];
      shape: number[];
      side: number;
      same: boolean;
    };
    expect(fed.keys).toEqual(['field_cell_train', 'field_cell_val', 'x_train', 'x_val', 'y_train', 'y_val']);
    expect(fed.shape).toEqual([500, 1]);
    expect(fed.side).toBeGreaterThan(1);
    expect(fed.same).toBe(true);
    const lines = python(['train.py', '--epochs', '2'], dir).trim().split('\n');
    const reports = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(reports).toHaveLength(3);
    expect((reports[2]!.final as Record<string, unknown>).status).toBe('done');
    expect(reports[1]!.loss as number).toBeLessThan(reports[0]!.loss as number);
  }, 120_000);
});

describe('train.py with an n-ary head fed by labels and a field', () => {
  it('masked cross-entropy (pred, target ← labels, mask ← field) = the brute-force masked mean', () => {
    const d = maskedData();
    const ir: ModelIR = {
      ...lowerGraph(analyse(maskedGraph(d.c), registry), registry).ir!,
      training: {
        dataset: { name: 'masked', params: {} },
        optimizer: { type: 'optimizers.adam', config: {} },
        batchSize: 8,
        seed: 1,
        phases: [
          {
            name: 'train',
            kind: 'gradient',
            epochs: 1,
            groups: [],
            optimizers: [{ id: '#1', groups: [], type: 'optimizers.adam', config: {} }],
          },
        ],
      },
    };
    const project = generatePyTorch(ir, registry);
    const dir = join(tmp, 'masked');
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(project.files)) writeFileSync(join(dir, name), text);
    const arrays: Record<string, NpyArray> = {};
    for (const split of ['train', 'val']) {
      arrays[`x_${split}`] = { data: d.x, shape: [d.n, d.c] };
      arrays[`y_${split}`] = { data: d.y, shape: [d.n] };
      arrays[`field_mask_${split}`] = { data: d.mask, shape: [d.n, 1] };
    }
    writeFileSync(join(dir, 'data.npz'), npz(arrays));
    // Rows in a shuffled order: the head must still pair each row's logits, label and mask.
    const probe = [
      ...VAL_SPLIT_PY,
      'idx = np.random.RandomState(1).permutation(len(split["y"]))',
      `model = train.${project.className}()`,
      'outputs = model(*train.model_inputs(split, idx, torch.device("cpu")))',
      'total, values = train.objective(outputs if isinstance(outputs, tuple) else (outputs,), train.take(split, "y", idx, torch.device("cpu")))',
      'print(json.dumps({"total": float(total), "ce": float(values["ce"])}))',
    ].join('\n');
    const out = JSON.parse(python(['-c', probe], dir)) as { total: number; ce: number };
    expect(out.ce).toBeCloseTo(maskedMean(d), 5);
    expect(out.total).toBeCloseTo(maskedMean(d), 5);
  });
});

describe('train.py with a head reading label statistics (multilabel-hybrid-loss)', () => {
  it('label_stats of the training split = brute-force counts; trains one epoch', async () => {
    const dir = join(tmp, 'train-multilabel');
    const r = await cli('export', 'multilabel-hybrid-loss', '--target', 'pytorch', '-o', dir, '--with-data');
    expect(r.code).toBe(0);
    const probe = [
      'import json, sys',
      'import numpy as np, torch',
      'sys.path.insert(0, ".")',
      'import train',
      'with np.load("data.npz") as d:',
      '    y = d["y_train"]',
      's = train.label_stats(torch.as_tensor(y))',
      'counts = [int(sum(row[l] == 1 for row in y)) for l in range(y.shape[1])]',
      'pairs = [[int(sum(row[a] == 1 and row[b] == 1 for row in y)) for b in range(y.shape[1])] for a in range(y.shape[1])]',
      'print(json.dumps({"count": float(s["count"]), "n": len(y), "counts": s["labelCounts"].tolist(), "want": counts,',
      '    "pairs": s["labelPairs"].tolist(), "wantPairs": pairs}))',
    ].join('\n');
    const out = JSON.parse(python(['-c', probe], dir)) as Record<string, number | number[] | number[][]>;
    expect(out.count).toBe(out.n);
    expect(out.counts).toEqual(out.want);
    expect(out.pairs).toEqual(out.wantPairs);
    const lines = python(['train.py', '--epochs', '1'], dir).trim().split('\n');
    const reports = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const final = reports.at(-1)!.final as Record<string, unknown>;
    expect(final.status).toBe('done');
    expect(Number.isFinite(reports[0]!.loss as number)).toBe(true);
  }, 180_000);
});

describe('unsupported input', () => {
  it('a whole-split metric is refused by name (the TypeScript exporter prints it)', () => {
    const { ir } = lower(readTemplate('mlp-mnist'));
    // F1 reads its target one-hot (a same-shape head).
    const metrics = ir.metrics.map((m) => ({
      ...m,
      type: 'metrics.f1',
      op: { kind: 'metric' as const, config: { threshold: 0.5, average: 'micro' } },
      inputs: m.inputs.map((r) => ('labels' in r ? { labels: 'onehot' as const } : r)),
    }));
    let py: unknown;
    try {
      generatePyTorch({ ...ir, metrics }, registry);
    } catch (e) {
      py = e;
    }
    expect(py).toBeInstanceOf(CodegenError);
    expect((py as CodegenError).nodeId).toBe(metrics[0]!.id);
    expect((py as CodegenError).message).toMatch(
      /^export\/unsupported: metric '.*whole-split metric.*train\.py reports batch means only/,
    );
    expect(generateTypeScript({ ...ir, metrics }, registry)).toContain('finalizeSplit');
  });

  it('a procedure train.py cannot print (phases with their own data and heads) leaves model.py and says why', () => {
    // P9's transfer procedure: per-phase datasets and heads, and whole-split metrics on the target.
    const { ir } = lower(readTemplate('efficientnet-lite-cost-sensitive'));
    const project = generatePyTorch(ir, registry);
    expect(Object.keys(project.files).sort()).toEqual(['README.md', 'model.py']);
    expect(project.trainRefused).toMatch(/^export\/unsupported: phase 'source' uses active heads;/);
    expect(project.files['README.md']).toContain('There is no `train.py`');
    // Without the procedure the whole-split metrics are what train.py refuses, by node.
    const { phases } = ir.training!;
    const plain = {
      ...ir.training!,
      phases: [{ ...phases[0]!, heads: undefined, optimizers: phases[0]!.optimizers }],
    };
    let err: unknown;
    try {
      generatePyTorch({ ...ir, training: plain as never }, registry);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CodegenError);
    expect((err as CodegenError).nodeId).toBe('balancedAcc');
  });

  it('a layer the export cannot translate is an error naming the node', () => {
    const { ir } = lower(readTemplate('mlp-mnist'));
    // Every standard node translates; an IR layer tfjs has but the export does not know stands in.
    const nodes = ir.nodes.map((n) =>
      n.id === 'hidden'
        ? { ...n, op: { kind: 'layer' as const, layer: 'gaussianNoise', config: { stddev: 0.1 } } }
        : n,
    );
    let err: unknown;
    try {
      generatePyTorch({ ...ir, nodes }, registry);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CodegenError);
    expect((err as CodegenError).nodeId).toBe('hidden');
    expect((err as CodegenError).message).toContain("'gaussianNoise'");
  });

  it('--target pytorch needs -o DIR; --with-data needs --target pytorch', async () => {
    const u = await cli('export', 'mlp-mnist', '--target', 'pytorch');
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('-o DIR');
    const w = await cli('export', 'mlp-mnist', '--with-data');
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('--target pytorch');
  });
});
