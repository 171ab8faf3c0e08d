// Keras / tfjs import: hand-written model JSON in every supported form → GraphDoc. Parameter
// counts are checked against the Keras formulas written out below (not against our own node
// code), then the graph is compiled to tfjs and model.countParams() must agree. Malformed files
// give diagnostics naming the layer and field, never a throw; the CLI exits 2 and writes nothing.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateSize, needsLayout } from '../app/auto-layout.ts';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { parseGraphText } from '../core/doc/parse.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { importKerasJson, type KerasImport, layeredLayout, UNKNOWN_DIM } from '../core/import/index.ts';
import { lowerGraph } from '../core/lower.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { runCliCaptured } from './harness.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(ROOT, 'src/testing/fixtures/keras');
const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

// Keras's parameter formulas (keras/src/layers/*), written out independently of the node files.
const keras = {
  dense: (inFeatures: number, units: number, bias = true) => inFeatures * units + (bias ? units : 0),
  conv2d: (kh: number, kw: number, cin: number, filters: number, bias = true) =>
    kh * kw * cin * filters + (bias ? filters : 0),
  conv1d: (k: number, cin: number, filters: number) => k * cin * filters + filters,
  depthwise: (kh: number, kw: number, c: number, dm: number) => kh * kw * c * dm + c * dm,
  separable: (kh: number, kw: number, c: number, dm: number, filters: number) =>
    kh * kw * c * dm + c * dm * filters + filters,
  conv2dTranspose: (kh: number, kw: number, cin: number, filters: number) =>
    kh * kw * filters * cin + filters,
  /** γ, β (trainable) + moving mean, moving variance (not): Keras counts all four. */
  batchNorm: (c: number) => 4 * c,
  layerNorm: (c: number) => 2 * c,
  embedding: (vocab: number, dim: number) => vocab * dim,
  lstm: (f: number, u: number) => 4 * (f * u + u * u + u),
  gru: (f: number, u: number, resetAfter = false) => 3 * (f * u + u * u + (resetAfter ? 2 : 1) * u),
};

const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const importFixture = (name: string): KerasImport => importKerasJson(fixture(name), registry);
const errors = (r: KerasImport) => r.diagnostics.filter((d) => d.severity === 'error');

/** Analyses the doc (must be clean), compiles it, and returns per-node and tfjs parameter counts. */
function roundTrip(doc: GraphDoc) {
  const a = analyse(doc, registry);
  expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const lowered = lowerGraph(a, registry);
  expect(lowered.diagnostics).toEqual([]);
  const compiled = compileIR(lowered.ir!, registry);
  const tfjs = compiled.countParams();
  compiled.dispose();
  const per = Object.fromEntries([...a.nodes].map(([id, n]) => [id, n.paramCount]));
  return { analysis: a, per, total: a.totalParams, tfjs };
}

const inputsOf = (doc: GraphDoc, id: string): Record<string, string> =>
  Object.fromEntries(
    Object.values(doc.edges)
      .filter((e) => e.to.node === id)
      .map((e) => [e.to.port, e.from.node]),
  );

describe('importKerasJson: functional models', () => {
  it('Keras 2 functional: residual Add + BatchNormalization + DepthwiseConv2D, exact Keras counts', () => {
    const r = importFixture('functional-residual-keras2.json');
    expect(r.diagnostics).toEqual([]);
    expect(r.missing).toEqual([]);
    const doc = r.doc!;
    expect(doc.meta.title).toBe('tiny_mobile_res');
    const types = Object.fromEntries(Object.entries(doc.nodes).map(([id, n]) => [id, n.type]));
    expect(types).toEqual({
      image: 'io.input',
      stem: 'layers.conv2d',
      stem_bn: 'layers.batchNormalization',
      dw: 'layers.depthwiseConv2d',
      dw_bn: 'layers.batchNormalization',
      project: 'layers.conv2d',
      residual: 'layers.add',
      re_lu: 'activations.relu',
      gap: 'layers.globalAveragePooling2d',
      drop: 'layers.dropout',
      logits: 'layers.dense',
      output: 'io.output',
    });
    expect(doc.nodes.image!.params).toEqual({ shape: [16, 16, 3] });
    expect(doc.nodes.stem!.params).toMatchObject({
      filters: 8,
      kernelSize: [3, 3],
      padding: 'same',
      activation: 'relu',
    });
    // tf.keras stores a built BN's axis as a list.
    expect(doc.nodes.stem_bn!.params).toMatchObject({ axis: 3, momentum: 0.99, epsilon: 0.001 });
    expect(doc.nodes.dw_bn!.params).toMatchObject({ axis: -1, momentum: 0.9, epsilon: 1e-5 });
    expect(doc.nodes.dw!.params).toMatchObject({ depthMultiplier: 2, useBias: true });
    expect(doc.nodes.project!.params).toMatchObject({ useBias: false });
    expect(inputsOf(doc, 'residual')).toEqual({ x1: 'stem_bn', x2: 'project' });
    expect(inputsOf(doc, 'output')).toEqual({ x: 'logits' });

    const { per, total, tfjs } = roundTrip(doc);
    const expected = {
      stem: keras.conv2d(3, 3, 3, 8),
      stem_bn: keras.batchNorm(8),
      dw: keras.depthwise(3, 3, 8, 2),
      dw_bn: keras.batchNorm(16),
      project: keras.conv2d(1, 1, 16, 8, false),
      logits: keras.dense(8, 10),
    };
    expect(per).toMatchObject(expected);
    const sum = Object.values(expected).reduce((s, n) => s + n, 0);
    expect(sum).toBe(698);
    expect(total).toBe(sum);
    expect(tfjs).toBe(sum);
  });

  it('Keras 3 functional (args / keras_history): Subtract, Multiply, Concatenate wired in order', () => {
    const r = importFixture('functional-merges-keras3.json');
    expect(r.diagnostics).toEqual([]);
    const doc = r.doc!;
    expect(doc.nodes.proj_a!.params).toMatchObject({ units: 6, activation: 'tanh' }); // {class_name: 'function'}
    expect(doc.nodes.proj_b!.params).toMatchObject({ activation: 'gelu' });
    expect(inputsOf(doc, 'diff')).toEqual({ x1: 'proj_a', x2: 'proj_b' });
    expect(inputsOf(doc, 'gate')).toEqual({ x1: 'diff', x2: 'proj_a' });
    expect(doc.nodes.joined!.params).toEqual({ n: 3, axis: -1 });
    expect(inputsOf(doc, 'joined')).toEqual({ x1: 'gate', x2: 'proj_b', x3: 'seq' });
    expect(doc.nodes.gru!.params).toMatchObject({ units: 5, returnSequences: false });

    const { per, total, tfjs } = roundTrip(doc);
    const concat = 6 + 6 + 4;
    const expected = {
      proj_a: keras.dense(4, 6),
      proj_b: keras.dense(4, 6),
      norm: keras.layerNorm(concat),
      gru: keras.gru(concat, 5),
      head: keras.dense(5, 3),
    };
    expect(per).toMatchObject(expected);
    const sum = Object.values(expected).reduce((s, n) => s + n, 0);
    expect(total).toBe(sum);
    expect(tfjs).toBe(sum);
  });
});

describe('importKerasJson: Keras 3 call forms', () => {
  it('reads tensors passed as kwargs.inputs when args has none', () => {
    const kt = (name: string) => ({
      class_name: '__keras_tensor__',
      config: { keras_history: [name, 0, 0] },
    });
    const text = JSON.stringify({
      module: 'keras',
      class_name: 'Functional',
      config: {
        name: 'kw',
        layers: [
          {
            class_name: 'InputLayer',
            name: 'x',
            config: { batch_shape: [null, 3], name: 'x' },
            inbound_nodes: [],
          },
          {
            class_name: 'Dense',
            name: 'd',
            config: { name: 'd', units: 2 },
            inbound_nodes: [{ args: [], kwargs: { inputs: kt('x') } }],
          },
        ],
        input_layers: [['x', 0, 0]],
        output_layers: [['d', 0, 0]],
      },
    });
    const r = importKerasJson(text, registry);
    expect(r.diagnostics).toEqual([]);
    expect(inputsOf(r.doc!, 'd')).toEqual({ x: 'x' });
  });
});

describe('importKerasJson: Sequential models', () => {
  it('Keras 2.0 (config is a plain list): Embedding + LSTM + Dense, input from batch_input_shape', () => {
    const r = importFixture('sequential-lstm-keras2.0.json');
    expect(r.diagnostics).toEqual([]);
    const doc = r.doc!;
    expect(doc.nodes.input).toMatchObject({ type: 'io.input', params: { shape: [20], dtype: 'int32' } });
    expect(doc.nodes.embedding_1!.params).toEqual({ inputDim: 1000, outputDim: 16 });
    expect(doc.nodes.lstm_1!.params).toMatchObject({
      units: 32,
      recurrentActivation: 'hardSigmoid', // Keras 2.0's default, the same slope-0.2 function in tfjs
      unitForgetBias: true,
      returnSequences: false,
    });
    const { per, total, tfjs } = roundTrip(doc);
    const expected = {
      embedding_1: keras.embedding(1000, 16),
      lstm_1: keras.lstm(16, 32),
      dense_1: keras.dense(32, 1),
    };
    expect(per).toMatchObject(expected);
    expect(total).toBe(22_305);
    expect(Object.values(expected).reduce((s, n) => s + n, 0)).toBe(22_305);
    expect(tfjs).toBe(22_305);
  });

  it('Keras 3 ({layers} with InputLayer batch_shape, DTypePolicy objects): stacked LSTMs', () => {
    const r = importFixture('sequential-lstm-keras3.json');
    expect(r.diagnostics).toEqual([]);
    const doc = r.doc!;
    expect(doc.meta.title).toBe('sentiment');
    expect(doc.nodes.tokens).toMatchObject({ type: 'io.input', params: { shape: [12], dtype: 'int32' } });
    expect(doc.nodes.lstm_seq!.params).toMatchObject({ returnSequences: true, goBackwards: false });
    expect(doc.nodes.lstm_last!.params).toMatchObject({ returnSequences: false, goBackwards: true });
    const { per, total, tfjs } = roundTrip(doc);
    const expected = {
      embed: keras.embedding(500, 8),
      lstm_seq: keras.lstm(8, 10),
      lstm_last: keras.lstm(10, 6),
      out: keras.dense(6, 2),
    };
    expect(per).toMatchObject(expected);
    const sum = Object.values(expected).reduce((s, n) => s + n, 0);
    expect(total).toBe(sum);
    expect(tfjs).toBe(sum);
  });

  it('an open sequence length (None) becomes UNKNOWN_DIM with a warning naming the field', () => {
    const text = JSON.stringify({
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          {
            class_name: 'InputLayer',
            config: { name: 'ids', batch_input_shape: [null, null], dtype: 'int32' },
          },
          { class_name: 'Embedding', config: { name: 'emb', input_dim: 50, output_dim: 4 } },
          { class_name: 'GRU', config: { name: 'gru', units: 3, reset_after: true } },
        ],
      },
    });
    const r = importKerasJson(text, registry);
    expect(errors(r)).toEqual([]);
    expect(r.doc!.nodes.ids!.params).toEqual({ shape: [UNKNOWN_DIM], dtype: 'int32' });
    const open = r.diagnostics.find((d) => d.code === 'import/unknown-size')!;
    expect(open).toMatchObject({ severity: 'warning', nodeId: 'ids', field: 'batch_input_shape' });
    // reset_after: tfjs has one bias per gate; the warning gives the difference from Keras's count.
    const gru = r.diagnostics.find((d) => d.field === 'reset_after')!;
    expect(gru).toMatchObject({ severity: 'warning', nodeId: 'gru' });
    const { per } = roundTrip(r.doc!);
    expect(per.gru).toBe(keras.gru(4, 3, true) - 3 * 3);
    expect(gru.message).toContain(`${3 * 3} fewer parameters`);
  });
});

describe('importKerasJson: tfjs model.json', () => {
  it('tfjs layers model ({modelTopology: {class_name, config}}): counts match its weightsManifest', () => {
    const text = fixture('tfjs-layers-model.json');
    const r = importKerasJson(text, registry);
    expect(r.diagnostics).toEqual([]);
    const doc = r.doc!;
    expect(doc.nodes.input!.params).toEqual({ shape: [28, 28, 1] });
    expect(doc.nodes.max_pooling2d_MaxPooling2D1!.params).toEqual({
      poolSize: [2, 2],
      strides: [2, 2],
      padding: 'valid',
    });
    const { per, total, tfjs } = roundTrip(doc);
    // The file's own weight manifest is an independent count: the sum of its weight sizes.
    const manifest = JSON.parse(text).weightsManifest[0].weights as { shape: number[] }[];
    const fromManifest = manifest.reduce((s, w) => s + w.shape.reduce((p, d) => p * d, 1), 0);
    expect(per.conv2d_Conv2D1).toBe(keras.conv2d(3, 3, 1, 4));
    expect(per.dense_Dense1).toBe(keras.dense(13 * 13 * 4, 10));
    expect(total).toBe(fromManifest);
    expect(tfjs).toBe(fromManifest);
  });

  it('converted Keras model ({modelTopology: {model_config}}): padding, separable, transposed, 1-D, activations', () => {
    const r = importFixture('tfjs-converted-keras.json');
    expect(r.diagnostics).toEqual([]);
    const doc = r.doc!;
    expect(doc.meta.description).toContain('2.15.0');
    expect(doc.nodes.pad!.params).toEqual({ padding: [1, 1, 1, 1] });
    expect(doc.nodes.up!.params).toEqual({ size: [2, 2], interpolation: 'nearest' });
    expect(doc.nodes.rows!.params).toEqual({ targetShape: [256, 3] });
    expect(doc.nodes.swap!.params).toEqual({ dims: [2, 1] });
    expect(doc.nodes.leaky).toMatchObject({ type: 'activations.leakyRelu', params: { alpha: 0.1 } });
    expect(doc.nodes.elu).toMatchObject({ type: 'activations.elu', params: { alpha: 0.5 } });
    const { per, total, tfjs } = roundTrip(doc);
    const expected = {
      sep: keras.separable(3, 3, 2, 2, 4),
      deconv: keras.conv2dTranspose(3, 3, 4, 3),
      mix: keras.conv1d(1, 256, 2),
      score: keras.dense(2, 1),
    };
    expect(per).toMatchObject(expected);
    const sum = Object.values(expected).reduce((s, n) => s + n, 0);
    expect(total).toBe(sum);
    expect(tfjs).toBe(sum);
  });
});

describe('importKerasJson: layers we lack, and approximations', () => {
  it('an unknown layer is kept as a missing node of its Keras type with its config, and listed', () => {
    const r = importFixture('unknown-layer.json');
    expect(errors(r)).toEqual([]);
    expect(r.missing).toEqual(['GaussianNoise', 'Activation(exponential)']);
    const doc = r.doc!;
    expect(doc.nodes.noise).toMatchObject({
      type: 'keras.GaussianNoise',
      params: { stddev: 0.1, name: 'noise' },
    });
    expect(doc.nodes.expo).toMatchObject({ type: 'keras.Activation', params: { activation: 'exponential' } });
    expect(inputsOf(doc, 'noise')).toEqual({ x: 'hidden' });
    expect(inputsOf(doc, 'out')).toEqual({ x: 'expo' });
    for (const id of ['noise', 'expo'])
      expect(r.diagnostics.find((d) => d.nodeId === id)).toMatchObject({
        code: 'import/missing-layer',
        severity: 'warning',
      });
    // The analysis keeps them as "missing node"s; what precedes them is still counted.
    const a = analyse(doc, registry);
    expect(a.diagnostics.filter((d) => d.code === 'node/unknown-type').map((d) => d.nodeId)).toEqual([
      'noise',
      'expo',
    ]);
    expect(a.nodes.get('hidden')!.paramCount).toBe(keras.dense(4, 8));
  });

  it('a config Netwright cannot represent keeps the layer as a missing node and says why', () => {
    const text = JSON.stringify({
      class_name: 'Sequential',
      config: {
        layers: [
          { class_name: 'InputLayer', config: { name: 'img', batch_input_shape: [null, 3, 8, 8] } },
          {
            class_name: 'Conv2D',
            config: { name: 'cf', filters: 2, kernel_size: 3, data_format: 'channels_first' },
          },
          { class_name: 'ReLU', config: { name: 'relu6', max_value: 6 } },
        ],
      },
    });
    const r = importKerasJson(text, registry);
    expect(errors(r)).toEqual([]);
    expect(r.doc!.nodes.cf!.type).toBe('keras.Conv2D');
    expect(r.doc!.nodes.relu6!.type).toBe('keras.ReLU');
    expect(r.missing).toEqual(['Conv2D', 'ReLU']);
    expect(r.diagnostics.find((d) => d.nodeId === 'cf')!.message).toContain('channels_first');
    expect(r.diagnostics.find((d) => d.nodeId === 'relu6')!.message).toContain('max_value');
  });

  it('fused activations tfjs layers lack become a chained node; causal padding is approximated', () => {
    const text = JSON.stringify({
      class_name: 'Sequential',
      config: {
        layers: [
          {
            class_name: 'Conv1D',
            config: {
              name: 'c',
              batch_input_shape: [null, 10, 3],
              filters: 4,
              kernel_size: 3,
              padding: 'causal',
              activation: 'gelu_new',
            },
          },
          { class_name: 'Dense', config: { name: 'd', units: 2, activation: 'leaky_relu' } },
          { class_name: 'LeakyReLU', config: { name: 'l3', negative_slope: 0.05 } },
          { class_name: 'LeakyReLU', config: { name: 'l2' } },
        ],
      },
    });
    const r = importKerasJson(text, registry);
    expect(errors(r)).toEqual([]);
    const doc = r.doc!;
    expect(doc.nodes.c!.params).toMatchObject({ padding: 'same', activation: 'linear', kernelSize: [3] });
    expect(doc.nodes.c_activation).toEqual({ type: 'activations.gelu', v: 1, params: { approximate: true } });
    expect(inputsOf(doc, 'c_activation')).toEqual({ x: 'c' });
    expect(inputsOf(doc, 'd')).toEqual({ x: 'c_activation' });
    expect(doc.nodes.d_activation).toMatchObject({ type: 'activations.leakyRelu', params: { alpha: 0.2 } });
    expect(doc.nodes.l3!.params).toEqual({ alpha: 0.05 }); // Keras 3 name
    expect(doc.nodes.l2!.params).toEqual({ alpha: 0.3 }); // Keras's default, not ours (0.01)
    expect(r.diagnostics.find((d) => d.field === 'padding')).toMatchObject({
      severity: 'warning',
      nodeId: 'c',
    });
    const { per, tfjs } = roundTrip(doc);
    expect(per.c).toBe(keras.conv1d(3, 3, 4));
    expect(tfjs).toBe(keras.conv1d(3, 3, 4) + keras.dense(4, 2));
  });

  it('a shared layer (called twice) becomes one node per call, with a warning', () => {
    const t = (name: string) => [[[name, 0, 0, {}]]];
    const text = JSON.stringify({
      class_name: 'Model',
      config: {
        layers: [
          {
            class_name: 'InputLayer',
            config: { batch_input_shape: [null, 3], name: 'a' },
            name: 'a',
            inbound_nodes: [],
          },
          {
            class_name: 'InputLayer',
            config: { batch_input_shape: [null, 3], name: 'b' },
            name: 'b',
            inbound_nodes: [],
          },
          {
            class_name: 'Dense',
            config: { name: 'shared', units: 2 },
            name: 'shared',
            inbound_nodes: [[['a', 0, 0, {}]], [['b', 0, 0, {}]]],
          },
          {
            class_name: 'Subtract',
            config: { name: 'sub' },
            name: 'sub',
            inbound_nodes: [
              [
                ['shared', 0, 0, {}],
                ['shared', 1, 0, {}],
              ],
            ],
          },
          {
            class_name: 'Activation',
            config: { name: 'act', activation: 'sigmoid' },
            name: 'act',
            inbound_nodes: t('sub'),
          },
        ],
        input_layers: [
          ['a', 0, 0],
          ['b', 0, 0],
        ],
        output_layers: [['act', 0, 0]],
      },
    });
    const r = importKerasJson(text, registry);
    expect(errors(r)).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['import/shared-layer']);
    expect(inputsOf(r.doc!, 'shared')).toEqual({ x: 'a' });
    expect(inputsOf(r.doc!, 'shared_2')).toEqual({ x: 'b' });
    expect(inputsOf(r.doc!, 'sub')).toEqual({ x1: 'shared', x2: 'shared_2' });
    expect(r.doc!.nodes.act!.type).toBe('activations.sigmoid');
    const { tfjs } = roundTrip(r.doc!);
    expect(tfjs).toBe(2 * keras.dense(3, 2));
  });

  it('layer names that are not valid ids are made safe and kept as labels', () => {
    const text = JSON.stringify({
      class_name: 'Sequential',
      config: {
        layers: [
          { class_name: 'Dense', config: { name: 'block1/dense.0', batch_input_shape: [null, 2], units: 2 } },
          { class_name: 'Dense', config: { name: '1st', units: 1 } },
        ],
      },
    });
    const doc = importKerasJson(text, registry).doc!;
    expect(Object.keys(doc.nodes)).toEqual(['input', 'block1_dense_0', '_1st', 'output']);
    expect(doc.nodes.block1_dense_0!.label).toBe('block1/dense.0');
  });
});

describe('importKerasJson: malformed files', () => {
  it.each([
    ['malformed-truncated.json', 'import/unreadable-json', undefined, undefined],
    ['malformed-not-a-model.json', 'import/not-a-model', undefined, 'class_name'],
    ['malformed-kernel-size.json', 'import/invalid-field', 'conv', 'kernel_size'],
    ['malformed-missing-units.json', 'import/invalid-field', 'dense_Dense1', 'units'],
    ['malformed-bad-reference.json', 'import/bad-reference', 'sum', 'inbound_nodes'],
  ])('%s → %s naming the layer and field, no graph', (file, code, nodeId, field) => {
    const r = importFixture(file);
    expect(r.doc).toBeUndefined();
    const d = errors(r).find((x) => x.code === code);
    expect(d, JSON.stringify(r.diagnostics)).toBeDefined();
    if (nodeId) {
      expect(d!.nodeId).toBe(nodeId);
      expect(d!.message).toContain(`'${nodeId}'`);
    }
    if (field) {
      expect(d!.field).toBe(field);
      expect(d!.message).toContain(field);
    }
    if (code === 'import/unreadable-json') expect(d!.message).toMatch(/line 1, column \d+/);
  });

  it('never throws, on any shape of bad input', () => {
    const bad: unknown[] = [
      null,
      42,
      'text',
      [],
      {},
      { class_name: 'Sequential' },
      { class_name: 'Sequential', config: { layers: [] } },
      { class_name: 'Sequential', config: { layers: [null, 5, 'x'] } },
      { class_name: 'Sequential', config: [{ class_name: 'Dense', config: { units: 3 } }] },
      { class_name: 'Sequential', config: [{ class_name: 'Dense', config: 'nope' }] },
      { class_name: 'Sequential', config: [{ config: { batch_input_shape: [null, 2] } }] },
      {
        class_name: 'Sequential',
        config: [{ class_name: 'Dense', config: { batch_input_shape: 'x', units: 1 } }],
      },
      {
        class_name: 'Sequential',
        config: [{ class_name: 'Dense', config: { batch_input_shape: [null, -3], units: 1 } }],
      },
      {
        class_name: 'Sequential',
        config: [
          {
            class_name: 'Conv2D',
            config: { batch_input_shape: [null, 4, 4, 1], filters: 'a', kernel_size: [1, 2, 3], strides: {} },
          },
        ],
      },
      { class_name: 'Sequential', config: [{ class_name: 'Add', config: { batch_input_shape: [null, 2] } }] },
      {
        class_name: 'Model',
        config: { layers: [{ class_name: 'Dense', config: { units: 1 }, inbound_nodes: 'x' }] },
      },
      { class_name: 'Model', config: { layers: 'x', input_layers: [], output_layers: [] } },
      {
        class_name: 'Functional',
        config: {
          layers: [
            { class_name: 'InputLayer', name: 'i', config: { batch_shape: [null, 2] }, inbound_nodes: [] },
            {
              class_name: 'Dense',
              name: 'd',
              config: { units: 1 },
              inbound_nodes: [{ args: [{ class_name: '__keras_tensor__', config: {} }] }],
            },
          ],
          input_layers: ['i', 0, 0],
          output_layers: ['d', 0, 0],
        },
      },
      {
        class_name: 'Model',
        config: {
          layers: [
            {
              class_name: 'InputLayer',
              name: 'i',
              config: { batch_input_shape: [null, 2] },
              inbound_nodes: [],
            },
            { class_name: 'Dense', name: 'i', config: { units: 1 }, inbound_nodes: [[['i', 0, 0, {}]]] },
          ],
          input_layers: [['i', 0, 0]],
          output_layers: [['i', 3, 0]],
        },
      },
      {
        class_name: 'Model',
        config: { layers: [], input_layers: [['ghost', 0, 0]], output_layers: [['ghost', 0, 0]] },
      },
      { modelTopology: null },
      { format: 'graph-model', modelTopology: { node: [], library: {} } },
      { format: 'netwright.graph', formatVersion: 1, nodes: {} },
      { class_name: 'MyCustomModel', config: {} },
    ];
    for (const value of bad) {
      let r: KerasImport | undefined;
      expect(() => {
        r = importKerasJson(JSON.stringify(value), registry);
      }).not.toThrow();
      expect(r!.doc, JSON.stringify(value)).toBeUndefined();
      expect(errors(r!).length, JSON.stringify(value)).toBeGreaterThan(0);
      for (const d of r!.diagnostics) expect(d.message.length).toBeGreaterThan(10);
    }
  });

  it('names the layer and field for wrong types deep in a config', () => {
    const r = importKerasJson(
      JSON.stringify({
        class_name: 'Sequential',
        config: [
          {
            class_name: 'Conv2D',
            config: {
              name: 'c1',
              batch_input_shape: [null, 4, 4, 1],
              filters: 'a',
              kernel_size: [1, 2, 3],
              use_bias: 'yes',
            },
          },
        ],
      }),
      registry,
    );
    expect(errors(r).map((d) => [d.nodeId, d.field])).toEqual([
      ['c1', 'filters'],
      ['c1', 'kernel_size'],
      ['c1', 'use_bias'],
    ]);
    expect(errors(r)[0]!.message).toBe(`Layer 'c1' (Conv2D): 'filters' must be a whole number ≥ 1, got "a".`);
  });
});

describe('the imported graph file', () => {
  it('is a valid graph document that re-parses, with a position for every node', () => {
    for (const f of [
      'functional-residual-keras2.json',
      'functional-merges-keras3.json',
      'unknown-layer.json',
    ]) {
      const doc = importFixture(f).doc!;
      const again = parseGraphText(JSON.stringify(doc));
      expect(again.diagnostics).toEqual([]);
      expect(Object.keys(doc.layout).sort()).toEqual(Object.keys(doc.nodes).sort());
    }
  });

  it('layeredLayout: longest-path columns left to right, distinct rows within a column', () => {
    const doc = importFixture('functional-residual-keras2.json').doc!;
    const pos = doc.layout;
    for (const e of Object.values(doc.edges)) expect(pos[e.to.node]!.x).toBeGreaterThan(pos[e.from.node]!.x);
    // The skip edge does not pull the Add left: it sits right of the longer branch.
    expect(pos.residual!.x).toBeGreaterThan(pos.project!.x);
    const seen = new Set(Object.values(pos).map((p) => `${p.x},${p.y}`));
    expect(seen.size).toBe(Object.keys(pos).length);

    const l = layeredLayout(
      ['a', 'b', 'c', 'd'],
      [
        { from: 'a', to: 'b' },
        { from: 'a', to: 'c' },
        { from: 'b', to: 'd' },
        { from: 'c', to: 'd' },
        { from: 'x', to: 'a' },
      ],
    );
    expect(l.a!.x).toBeLessThan(l.b!.x);
    expect(l.b!.x).toBe(l.c!.x);
    expect(l.b!.y).not.toBe(l.c!.y);
    expect(l.d!.x).toBeGreaterThan(l.b!.x);
    // A cycle does not throw: its nodes go to a column after the rest.
    const cyc = layeredLayout(
      ['p', 'q', 'r'],
      [
        { from: 'q', to: 'r' },
        { from: 'r', to: 'q' },
      ],
    );
    expect(Object.keys(cyc)).toEqual(['p', 'q', 'r']);
  });

  it('lays out every importable fixture without overlapping cards (the canvas would not re-layout them)', () => {
    for (const name of readdirSync(new URL('./fixtures/keras/', import.meta.url))) {
      const doc = importFixture(name).doc;
      if (!doc) continue;
      const analysis = analyse(doc, registry);
      const sizeOf = (id: string) => {
        const n = analysis.nodes.get(id);
        return estimateSize(
          Object.keys(n?.inputPorts ?? {}).length,
          Object.keys(n?.def?.outputs ?? {}).length,
        );
      };
      expect(needsLayout(doc, sizeOf), name).toBe(false);
    }
  });
});

describe('netwright import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netwright-import-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = runCliCaptured;

  it('prints the graph JSON on stdout (notes and Total params on stderr); exit 0', async () => {
    const r = await cli('import', join(FIXTURES, 'sequential-lstm-keras2.0.json'));
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as GraphDoc;
    expect(doc.format).toBe('netwright.graph');
    expect(doc.nodes.lstm_1!.type).toBe('layers.lstm');
    expect(r.stderr.trim().split('\n').at(-1)).toBe('Total params: 22,305');
  });

  it('-o writes the file and prints what is missing and Total params', async () => {
    const out = join(dir, 'noisy.graph.json');
    const r = await cli('import', join(FIXTURES, 'unknown-layer.json'), '-o', out);
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(parseGraphText(readFileSync(out, 'utf8')).doc?.nodes.noise?.type).toBe('keras.GaussianNoise');
    expect(r.stdout).toContain('missing: GaussianNoise, Activation(exponential)');
    expect(r.stdout.trim().split('\n').at(-1)).toBe(`Total params: ${keras.dense(4, 8)}`);
    expect(r.stderr).toContain('import/missing-layer');
  });

  it.each([
    'malformed-truncated.json',
    'malformed-kernel-size.json',
    'malformed-bad-reference.json',
    'malformed-not-a-model.json',
  ])('%s: exit 2, diagnostics on stderr, nothing written', async (file) => {
    const out = join(dir, `${file}.graph.json`);
    const r = await cli('import', join(FIXTURES, file), '-o', out);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('nothing written');
    expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });

  it('a missing file or argument exits 2', async () => {
    expect((await cli('import', join(dir, 'nope.json'))).code).toBe(2);
    expect((await cli('import')).code).toBe(2);
    expect((await cli('import', FIXTURES)).code).toBe(2);
  });
});
