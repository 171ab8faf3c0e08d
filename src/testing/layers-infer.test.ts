// Shape inference, parameter counts and rejections of the `layers` family, against numbers worked
// out by hand (the arithmetic is in the comments; Keras's model.summary() gives the same counts).
// The conformance suite separately compares every node with the real tfjs layers.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { analyse } from '../core/analysis/analyse.ts';
import { NodeProblem } from '../core/diagnostics.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import type { AnyNodeDef } from '../core/node-def.ts';
import { portsOf } from '../core/node-def.ts';
import type { Ops } from '../core/ops.ts';
import { resolveParams } from '../core/params.ts';
import {
  broadcastMerge,
  convOutputLength,
  deconvLength,
  expandTuple,
  isPermutation,
  normalizeAxis,
} from '../core/shape-math.ts';
import { type Dim, tensor } from '../core/tensor-type.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

const registry = await loadRegistry();

const LAYER_TYPES = [
  'conv1d',
  'conv2d',
  'depthwiseConv2d',
  'separableConv2d',
  'conv2dTranspose',
  'maxPooling1d',
  'averagePooling1d',
  'maxPooling2d',
  'averagePooling2d',
  'globalMaxPooling1d',
  'globalAveragePooling1d',
  'globalMaxPooling2d',
  'globalAveragePooling2d',
  'upSampling2d',
  'zeroPadding2d',
  'flatten',
  'reshape',
  'permute',
  'add',
  'subtract',
  'multiply',
  'concatenate',
  'dropout',
  'batchNormalization',
  'layerNormalization',
  'embedding',
  'lstm',
  'gru',
].map((t) => `layers.${t}`);

function def(type: string): AnyNodeDef {
  const d = registry.get(type);
  if (!d) throw new Error(`no node type ${type}`);
  return d;
}

type Shapes = Record<string, readonly Dim[]>;

function setup(type: string, shapes: Shapes, raw: Record<string, unknown>) {
  const d = def(type);
  const { values: params, problems } = resolveParams(d.params, raw);
  expect(problems).toEqual([]);
  const inputs = Object.fromEntries(Object.entries(shapes).map(([port, s]) => [port, tensor(s)]));
  return { d, params, inputs };
}

/** Output shape and parameter count; `x` is the usual single port. */
function run(type: string, shapes: Shapes | readonly Dim[], raw: Record<string, unknown> = {}) {
  const { d, params, inputs } = setup(type, Array.isArray(shapes) ? { x: shapes } : (shapes as Shapes), raw);
  const outputs = d.infer({ nodeId: 'n', params, inputs, data: undefined });
  const count = d.paramCount?.({ nodeId: 'n', params, inputs, outputs }) ?? 0;
  const op = d.lower!({ nodeId: 'n', params, inputs, outputs });
  return { shape: outputs.y!.shape, count, op };
}

/** The NodeProblem code `infer` throws, or 'ok'. */
function code(type: string, shapes: Shapes | readonly Dim[], raw: Record<string, unknown> = {}): string {
  const { d, params, inputs } = setup(type, Array.isArray(shapes) ? { x: shapes } : (shapes as Shapes), raw);
  try {
    d.infer({ nodeId: 'n', params, inputs, data: undefined });
    return 'ok';
  } catch (e) {
    if (e instanceof NodeProblem) return e.code;
    throw e;
  }
}

function message(type: string, shapes: Shapes | readonly Dim[], raw: Record<string, unknown> = {}): string {
  const { d, params, inputs } = setup(type, Array.isArray(shapes) ? { x: shapes } : (shapes as Shapes), raw);
  try {
    d.infer({ nodeId: 'n', params, inputs, data: undefined });
  } catch (e) {
    if (e instanceof NodeProblem) return e.message;
  }
  return '';
}

describe('shape-math', () => {
  it('convOutputLength follows tfjs: valid ceil((n−k_d+1)/s), same ceil(n/s)', () => {
    expect(convOutputLength(28, 3, 'valid', 1)).toBe(26); // 28 − 3 + 1
    expect(convOutputLength(28, 5, 'same', 1)).toBe(28);
    expect(convOutputLength(7, 3, 'same', 2)).toBe(4); // ceil(7/2)
    expect(convOutputLength(7, 3, 'valid', 2)).toBe(3); // ceil(5/2)
    expect(convOutputLength(9, 3, 'valid', 1, 2)).toBe(5); // dilated kernel 3 + 2·1 = 5 → 9 − 5 + 1
    expect(convOutputLength(4, 5, 'valid', 1)).toBe(0);
    expect(convOutputLength(null, 3, 'valid', 1)).toBeNull();
  });
  it('deconvLength: valid n·s + max(k − s, 0), same n·s', () => {
    expect(deconvLength(4, 1, 3, 'valid')).toBe(6); // 4 + 2
    expect(deconvLength(3, 2, 3, 'valid')).toBe(7); // 6 + 1
    expect(deconvLength(3, 2, 3, 'same')).toBe(6);
    expect(deconvLength(3, 3, 2, 'valid')).toBe(9); // 9 + max(−1, 0)
  });
  it('expandTuple, normalizeAxis, isPermutation, broadcastMerge', () => {
    expect(expandTuple([3], 2)).toEqual([3, 3]);
    expect(expandTuple([3, 2], 2)).toEqual([3, 2]);
    expect(expandTuple([1, 2, 3], 2)).toBeNull();
    expect(normalizeAxis(-1, 4)).toBe(3);
    expect(normalizeAxis(-5, 4)).toBeNull();
    expect(normalizeAxis(4, 4)).toBeNull();
    expect(isPermutation([2, 3, 1])).toBe(true);
    expect(isPermutation([1, 1])).toBe(false);
    expect(isPermutation([0, 1])).toBe(false);
    expect(broadcastMerge([3, 1], [3, 4])).toEqual([3, 4]);
    expect(broadcastMerge([4], [3, 4])).toEqual([3, 4]);
    expect(broadcastMerge([3], [4])).toBeNull();
  });
});

describe('registry: the layers family', () => {
  it.each(LAYER_TYPES)('%s is registered with docs, examples and version 1', (type) => {
    const d = def(type);
    expect(d.kind).toBe('layer');
    expect(d.version).toBe(1);
    expect(d.docs.summary.length).toBeGreaterThan(10);
    expect(d.docs.formula ?? '').not.toBe('');
    expect(d.examples?.length ?? 0).toBeGreaterThanOrEqual(1);
    expect(d.examples?.length ?? 0).toBeLessThanOrEqual(2);
    expect(resolveParams(d.params, {}).problems).toEqual([]);
  });

  it('paper references where the layer comes from a paper', () => {
    expect(def('layers.batchNormalization').docs.paper?.arxiv).toBe('1502.03167');
    expect(def('layers.layerNormalization').docs.paper?.arxiv).toBe('1607.06450');
    expect(def('layers.gru').docs.paper?.arxiv).toBe('1406.1078');
    expect(def('layers.separableConv2d').docs.paper?.arxiv).toBe('1610.02357');
    expect(def('layers.lstm').docs.paper?.year).toBe(1997);
    expect(def('layers.dropout').docs.paper?.year).toBe(2014);
  });

  it.each(LAYER_TYPES)(
    '%s: every example infers, and lowers to a tf.layers factory with plain-JSON config',
    (type) => {
      const d = def(type);
      for (const ex of d.examples ?? []) {
        const { values: params, problems } = resolveParams(d.params, ex.params ?? {});
        expect(problems).toEqual([]);
        const ports = Object.keys(portsOf(d, params));
        expect(Object.keys(ex.inputs).sort()).toEqual([...ports].sort());
        const inputs = Object.fromEntries(
          ports.map((p) => [
            p,
            tensor([null, ...ex.inputs[p]!.shape.slice(1)], ex.inputs[p]!.dtype ?? 'float32'),
          ]),
        );
        const outputs = d.infer({ nodeId: 'n', params, inputs, data: undefined });
        expect(outputs.y!.shape[0]).toBeNull();
        const op = d.lower!({ nodeId: 'n', params, inputs, outputs });
        if (op.kind === 'layer') {
          const factories = tf.layers as unknown as Record<string, unknown>;
          expect(typeof factories[op.layer], `tf.layers.${op.layer}`).toBe('function');
          expect(JSON.parse(JSON.stringify(op.config))).toEqual(op.config);
          for (const key of Object.keys(op.config)) {
            expect(key).not.toMatch(/Initializer$|^inputShape$|^name$|^seed$/);
          }
        } else {
          expect(op.kind).toBe('kernel');
          expect(d.kernel).toBeDefined();
        }
      }
    },
  );
});

describe('convolutions', () => {
  it('Conv2D 3×3, 1→32 on 28×28×1: 26×26×32, 3·3·1·32 + 32 = 320 params', () => {
    const r = run('layers.conv2d', [null, 28, 28, 1], { filters: 32, kernelSize: [3, 3] });
    expect(r.shape).toEqual([null, 26, 26, 32]);
    expect(r.count).toBe(320);
  });
  it("LeNet C1 5×5 1→6 'same': 28×28×6, 5·5·1·6 + 6 = 156; C3 5×5 6→16 valid on 14×14: 10×10×16, 5·5·6·16 + 16 = 2416", () => {
    const c1 = run('layers.conv2d', [null, 28, 28, 1], { filters: 6, kernelSize: [5, 5], padding: 'same' });
    expect(c1.shape).toEqual([null, 28, 28, 6]);
    expect(c1.count).toBe(156);
    const c3 = run('layers.conv2d', [null, 14, 14, 6], { filters: 16, kernelSize: [5, 5] });
    expect(c3.shape).toEqual([null, 10, 10, 16]);
    expect(c3.count).toBe(2416);
  });
  it("Conv2D strides 2 'same' on 7×7: ceil(7/2) = 4; no bias: 3·3·2·3 = 54", () => {
    const r = run('layers.conv2d', [null, 7, 7, 2], {
      filters: 3,
      strides: [2, 2],
      padding: 'same',
      useBias: false,
    });
    expect(r.shape).toEqual([null, 4, 4, 3]);
    expect(r.count).toBe(54);
  });
  it('Conv2D dilation 2, 3×3 on 9×9 valid: dilated extent 5 → 5×5; one-entry lists expand to [k, k]', () => {
    const r = run('layers.conv2d', [null, 9, 9, 1], { filters: 2, kernelSize: [3], dilationRate: [2] });
    expect(r.shape).toEqual([null, 5, 5, 2]);
    expect(r.count).toBe(3 * 3 * 1 * 2 + 2); // 20
    expect(r.op).toEqual({
      kind: 'layer',
      layer: 'conv2d',
      config: {
        filters: 2,
        kernelSize: [3, 3],
        strides: [1, 1],
        padding: 'valid',
        dilationRate: [2, 2],
        activation: 'linear',
        useBias: true,
      },
    });
  });
  it('Conv2D keeps an unknown spatial size unknown', () => {
    expect(run('layers.conv2d', [null, null, 10, 1], { filters: 2 }).shape).toEqual([null, null, 8, 2]);
  });
  it('Conv1D k=3 on 8 steps, 3→4 channels: 6 steps, 3·3·4 + 4 = 40 params', () => {
    const r = run('layers.conv1d', [null, 8, 3], { filters: 4, kernelSize: [3] });
    expect(r.shape).toEqual([null, 6, 4]);
    expect(r.count).toBe(40);
  });
  it('DepthwiseConv2D 3×3, C=3, depthMultiplier 2: 4×4×6, 3·3·3·2 + 3·2 = 60 params', () => {
    const r = run('layers.depthwiseConv2d', [null, 6, 6, 3], { kernelSize: [3, 3], depthMultiplier: 2 });
    expect(r.shape).toEqual([null, 4, 4, 6]);
    expect(r.count).toBe(60);
  });
  it('SeparableConv2D 3×3, 3→4: 3·3·3 + 3·4 + 4 = 43; Xception-style 64→128 no bias: 3·3·64 + 64·128 = 8768', () => {
    const a = run('layers.separableConv2d', [null, 6, 6, 3], { filters: 4 });
    expect(a.shape).toEqual([null, 4, 4, 4]);
    expect(a.count).toBe(43);
    const b = run('layers.separableConv2d', [null, 19, 19, 64], {
      filters: 128,
      padding: 'same',
      useBias: false,
    });
    expect(b.shape).toEqual([null, 19, 19, 128]);
    expect(b.count).toBe(8768);
  });
  it('SeparableConv2D depthMultiplier 2, 3→5: 3·3·3·2 + 3·2·5 + 5 = 89', () => {
    expect(run('layers.separableConv2d', [null, 5, 5, 3], { filters: 5, depthMultiplier: 2 }).count).toBe(89);
  });
  it('Conv2DTranspose 3×3, 3→2: valid s1 on 4×4 → 6×6 (4 + 3 − 1), 3·3·2·3 + 2 = 56 params', () => {
    const r = run('layers.conv2dTranspose', [null, 4, 4, 3], { filters: 2 });
    expect(r.shape).toEqual([null, 6, 6, 2]);
    expect(r.count).toBe(56);
  });
  it("Conv2DTranspose stride 2: 'same' 3×3 → 6×6; 'valid' 3×3 k3 → 7×7 (3·2 + 1)", () => {
    const base = { filters: 8, kernelSize: [3, 3], strides: [2, 2] };
    expect(run('layers.conv2dTranspose', [null, 3, 3, 4], { ...base, padding: 'same' }).shape).toEqual([
      null,
      6,
      6,
      8,
    ]);
    expect(run('layers.conv2dTranspose', [null, 3, 3, 4], base).shape).toEqual([null, 7, 7, 8]);
  });

  it('rejects a kernel larger than the input with shape/too-small, suggesting the fix', () => {
    expect(code('layers.conv2d', [null, 4, 4, 3], { kernelSize: [5, 5] })).toBe('shape/too-small');
    expect(message('layers.conv2d', [null, 4, 4, 3], { kernelSize: [5, 5] })).toContain("padding 'same'");
    expect(code('layers.conv2d', [null, 4, 4, 3], { kernelSize: [5, 5], padding: 'same' })).toBe('ok');
    expect(code('layers.conv1d', [null, 2, 3], { kernelSize: [3] })).toBe('shape/too-small');
    expect(code('layers.depthwiseConv2d', [null, 2, 8, 3], {})).toBe('shape/too-small');
    expect(code('layers.separableConv2d', [null, 5, 5, 3], { dilationRate: [3, 3] })).toBe('shape/too-small'); // 3 + 2·2 = 7 > 5
  });
  it('rejects wrong ranks with shape/rank-mismatch', () => {
    expect(code('layers.conv2d', [null, 28, 28])).toBe('shape/rank-mismatch');
    expect(message('layers.conv2d', [null, 28, 28])).toContain('Reshape');
    expect(code('layers.conv1d', [null, 8, 8, 1])).toBe('shape/rank-mismatch');
    expect(code('layers.depthwiseConv2d', [null, 8])).toBe('shape/rank-mismatch');
    expect(code('layers.separableConv2d', [null, 8, 8])).toBe('shape/rank-mismatch');
    expect(code('layers.conv2dTranspose', [null, 8, 8])).toBe('shape/rank-mismatch');
  });
  it('rejects strides > 1 together with dilation > 1 (tfjs cannot) with param/invalid', () => {
    expect(code('layers.conv2d', [null, 9, 9, 1], { strides: [2, 2], dilationRate: [2, 2] })).toBe(
      'param/invalid',
    );
    expect(code('layers.conv1d', [null, 9, 1], { strides: [2], dilationRate: [2] })).toBe('param/invalid');
  });
  it('rejects an unknown channel count with shape/unknown-dim', () => {
    expect(code('layers.conv2d', [null, 8, 8, null])).toBe('shape/unknown-dim');
  });
});

describe('pooling, resizing, padding', () => {
  it('MaxPooling2D 2×2 on 28×28×6 → 14×14×6 (strides default to poolSize), 0 params', () => {
    const r = run('layers.maxPooling2d', [null, 28, 28, 6]);
    expect(r.shape).toEqual([null, 14, 14, 6]);
    expect(r.count).toBe(0);
    expect(r.op).toEqual({
      kind: 'layer',
      layer: 'maxPooling2d',
      config: { poolSize: [2, 2], strides: [2, 2], padding: 'valid' },
    });
  });
  it("MaxPooling2D 3×3 stride 2 on 7×7: valid ceil(5/2) = 3, 'same' ceil(7/2) = 4", () => {
    expect(run('layers.maxPooling2d', [null, 7, 7, 1], { poolSize: [3, 3], strides: [2, 2] }).shape).toEqual([
      null,
      3,
      3,
      1,
    ]);
    expect(
      run('layers.maxPooling2d', [null, 7, 7, 1], { poolSize: [3], strides: [2], padding: 'same' }).shape,
    ).toEqual([null, 4, 4, 1]);
  });
  it('AveragePooling2D 2×2 on 28×28×6 → 14×14×6 (LeNet S2)', () => {
    expect(run('layers.averagePooling2d', [null, 28, 28, 6]).shape).toEqual([null, 14, 14, 6]);
  });
  it('1-D pooling: 8 steps, pool 2 → 4; pool 3 stride 1 → 6', () => {
    expect(run('layers.maxPooling1d', [null, 8, 3]).shape).toEqual([null, 4, 3]);
    expect(run('layers.averagePooling1d', [null, 8, 3], { poolSize: [3], strides: [1] }).shape).toEqual([
      null,
      6,
      3,
    ]);
  });
  it('rejects pooling to an empty output with shape/too-small', () => {
    expect(code('layers.maxPooling2d', [null, 3, 3, 1], { poolSize: [4, 4] })).toBe('shape/too-small');
    expect(message('layers.maxPooling2d', [null, 3, 3, 1], { poolSize: [4, 4] })).toContain(
      'smaller poolSize',
    );
    expect(code('layers.maxPooling1d', [null, 1, 3])).toBe('shape/too-small');
    expect(code('layers.maxPooling2d', [null, 3, 3, 1], { poolSize: [4, 4], padding: 'same' })).toBe('ok');
  });
  it("rejects average pooling with padding 'same' (tfjs gets its gradient wrong) with param/invalid", () => {
    expect(code('layers.averagePooling2d', [null, 7, 7, 1], { padding: 'same' })).toBe('param/invalid');
    expect(code('layers.averagePooling1d', [null, 7, 1], { padding: 'same' })).toBe('param/invalid');
  });
  it('pooling strides: empty = poolSize (Keras strides=None); one entry applies to both axes', () => {
    // pool 3, stride 3 on 9 → 3;  pool 3, stride 1 on 9 → 7
    expect(run('layers.maxPooling2d', [null, 9, 9, 1], { poolSize: [3, 3], strides: [] }).shape).toEqual([
      null,
      3,
      3,
      1,
    ]);
    expect(run('layers.maxPooling2d', [null, 9, 9, 1], { poolSize: [3, 3], strides: [1] }).shape).toEqual([
      null,
      7,
      7,
      1,
    ]);
  });
  it('global pooling: [B, 4, 4, 3] → [B, 3]; [B, 5, 3] → [B, 3]; wrong rank rejected', () => {
    for (const t of ['layers.globalMaxPooling2d', 'layers.globalAveragePooling2d']) {
      expect(run(t, [null, 4, 4, 3]).shape).toEqual([null, 3]);
      expect(code(t, [null, 4, 3])).toBe('shape/rank-mismatch');
    }
    for (const t of ['layers.globalMaxPooling1d', 'layers.globalAveragePooling1d']) {
      expect(run(t, [null, 5, 3]).shape).toEqual([null, 3]);
      expect(code(t, [null, 4, 4, 3])).toBe('shape/rank-mismatch');
    }
  });
  it('UpSampling2D size [2, 3] on 3×3×2 → 6×9×2', () => {
    expect(run('layers.upSampling2d', [null, 3, 3, 2], { size: [2, 3] }).shape).toEqual([null, 6, 9, 2]);
    expect(code('layers.upSampling2d', [null, 3, 2])).toBe('shape/rank-mismatch');
  });
  it('ZeroPadding2D: [1, 1] on 3×3 → 5×5; [1, 0, 2, 1] on 3×4 → 4×7; lowered as [[t, b], [l, r]]', () => {
    expect(run('layers.zeroPadding2d', [null, 3, 3, 2]).shape).toEqual([null, 5, 5, 2]);
    const r = run('layers.zeroPadding2d', [null, 3, 4, 2], { padding: [1, 0, 2, 1] });
    expect(r.shape).toEqual([null, 4, 7, 2]);
    expect(r.op).toEqual({
      kind: 'layer',
      layer: 'zeroPadding2d',
      config: {
        padding: [
          [1, 0],
          [2, 1],
        ],
      },
    });
    expect(code('layers.zeroPadding2d', [null, 3, 3, 2], { padding: [1, 2, 3] })).toBe('param/invalid');
  });
});

describe('reshaping', () => {
  it('Flatten [B, 5, 5, 16] → [B, 400]; a rank-2 input is rejected (already flat)', () => {
    expect(run('layers.flatten', [null, 5, 5, 16]).shape).toEqual([null, 400]);
    expect(code('layers.flatten', [null, 10])).toBe('shape/rank-mismatch');
    expect(code('layers.flatten', [null, null, 3])).toBe('shape/unknown-dim');
  });
  it('Reshape [B, 12] → [3, 4]; [3, -1] infers 4 and lowers the resolved shape', () => {
    expect(run('layers.reshape', [null, 12], { targetShape: [3, 4] }).shape).toEqual([null, 3, 4]);
    const r = run('layers.reshape', [null, 12], { targetShape: [3, -1] });
    expect(r.shape).toEqual([null, 3, 4]);
    expect(r.op).toEqual({ kind: 'layer', layer: 'reshape', config: { targetShape: [3, 4] } });
    expect(run('layers.reshape', [null, 4, 3, 2], { targetShape: [-1] }).shape).toEqual([null, 24]);
  });
  it('Reshape rejects a size mismatch with shape/reshape-size', () => {
    expect(code('layers.reshape', [null, 12], { targetShape: [5, 2] })).toBe('shape/reshape-size');
    expect(code('layers.reshape', [null, 12], { targetShape: [5, -1] })).toBe('shape/reshape-size');
    expect(message('layers.reshape', [null, 12], { targetShape: [5, 2] })).toContain('equal 12');
  });
  it('Permute dims [2, 1]: [B, 3, 4] → [B, 4, 3]; [3, 1, 2]: [B, 2, 3, 4] → [B, 4, 2, 3]', () => {
    expect(run('layers.permute', [null, 3, 4], { dims: [2, 1] }).shape).toEqual([null, 4, 3]);
    expect(run('layers.permute', [null, 2, 3, 4], { dims: [3, 1, 2] }).shape).toEqual([null, 4, 2, 3]);
  });
  it('Permute rejects a non-permutation (param/invalid) and the wrong rank (shape/rank-mismatch)', () => {
    expect(code('layers.permute', [null, 3, 4], { dims: [1, 1] })).toBe('param/invalid');
    // axis 0 (the batch) is refused by the param spec itself (entries must be positive)
    expect(
      resolveParams(def('layers.permute').params, { dims: [0, 1] }).problems.map((p) => p.field),
    ).toEqual(['dims']);
    expect(code('layers.permute', [null, 3, 4], { dims: [2, 1, 3] })).toBe('shape/rank-mismatch');
  });
  it('Dropout keeps the shape and has no params; rate 1 is rejected', () => {
    const r = run('layers.dropout', [null, 3, 4], { rate: 0.25 });
    expect(r.shape).toEqual([null, 3, 4]);
    expect(r.count).toBe(0);
    expect(r.op).toEqual({ kind: 'kernel', config: { rate: 0.25 } });
    expect(code('layers.dropout', [null, 3], { rate: 1 })).toBe('param/invalid');
  });
});

describe('merge layers', () => {
  it('Add/Multiply have n ports x1..xn; equal shapes pass through', () => {
    expect(Object.keys(portsOf(def('layers.add'), { n: 3 }))).toEqual(['x1', 'x2', 'x3']);
    expect(Object.keys(portsOf(def('layers.multiply'), { n: 2 }))).toEqual(['x1', 'x2']);
    expect(Object.keys(portsOf(def('layers.subtract'), {}))).toEqual(['x1', 'x2']);
    const r = run(
      'layers.add',
      { x1: [null, 8, 8, 16], x2: [null, 8, 8, 16], x3: [null, 8, 8, 16] },
      { n: 3 },
    );
    expect(r.shape).toEqual([null, 8, 8, 16]);
    expect(r.count).toBe(0);
    expect(run('layers.multiply', { x1: [null, 4], x2: [null, 4] }).shape).toEqual([null, 4]);
  });
  it('sizes of 1 broadcast as in Keras: [B, 3, 1] + [B, 3, 4] → [B, 3, 4]', () => {
    expect(run('layers.add', { x1: [null, 3, 1], x2: [null, 3, 4] }).shape).toEqual([null, 3, 4]);
  });
  it('rejects differing shapes with shape/mismatch', () => {
    expect(code('layers.add', { x1: [null, 3], x2: [null, 4] })).toBe('shape/mismatch');
    expect(code('layers.multiply', { x1: [null, 8, 8, 16], x2: [null, 8, 8, 32] })).toBe('shape/mismatch');
    expect(code('layers.subtract', { x1: [null, 5], x2: [null, 6] })).toBe('shape/mismatch');
  });
  it('Subtract is a kernel computing x1 − x2 (tfjs has no Subtract layer)', () => {
    const r = run('layers.subtract', { x1: [null, 5], x2: [null, 5] });
    expect(r.shape).toEqual([null, 5]);
    expect(r.op.kind).toBe('kernel');
    const recorder = { sub: (a: string, b: string) => `(${a} - ${b})` } as unknown as Ops<string>;
    expect(def('layers.subtract').kernel!.call(recorder, ['a', 'b'], {}, {}, { training: false })).toBe(
      '(a - b)',
    );
  });
  it('Concatenate on the last axis: [B, 3, 4] ‖ [B, 3, 5] → [B, 3, 9]; axis 1: [B, 2, 4] ‖ [B, 3, 4] → [B, 5, 4]', () => {
    expect(run('layers.concatenate', { x1: [null, 3, 4], x2: [null, 3, 5] }).shape).toEqual([null, 3, 9]);
    expect(run('layers.concatenate', { x1: [null, 2, 4], x2: [null, 3, 4] }, { axis: 1 }).shape).toEqual([
      null,
      5,
      4,
    ]);
  });
  it('Concatenate lowers a non-negative axis (tfjs treats every negative axis as the last)', () => {
    const r = run('layers.concatenate', { x1: [null, 2, 4], x2: [null, 3, 4] }, { axis: -2 });
    expect(r.shape).toEqual([null, 5, 4]);
    expect(r.op).toEqual({ kind: 'layer', layer: 'concatenate', config: { axis: 1 } });
  });
  it('Concatenate rejects mismatches, a batch axis, and mixed ranks', () => {
    expect(code('layers.concatenate', { x1: [null, 3, 4], x2: [null, 5, 4] })).toBe('shape/mismatch');
    expect(code('layers.concatenate', { x1: [null, 3], x2: [null, 3] }, { axis: 0 })).toBe('param/invalid');
    expect(code('layers.concatenate', { x1: [null, 3], x2: [null, 3] }, { axis: 2 })).toBe('param/invalid');
    expect(code('layers.concatenate', { x1: [null, 3, 4], x2: [null, 12] })).toBe('shape/rank-mismatch');
  });
});

describe('normalization', () => {
  it('BatchNormalization counts 4·C (γ, β, moving mean, moving variance): C = 32 → 128, C = 10 → 40', () => {
    expect(run('layers.batchNormalization', [null, 4, 4, 32]).count).toBe(128);
    const r = run('layers.batchNormalization', [null, 10]);
    expect(r.shape).toEqual([null, 10]);
    expect(r.count).toBe(40);
  });
  it('BatchNormalization axis 1 on [B, 3, 4] normalizes C = 3 → 12 params', () => {
    expect(run('layers.batchNormalization', [null, 3, 4], { axis: 1 }).count).toBe(12);
  });
  it('BatchNormalization rejects rank 5, the batch axis, and center/scale off (tfjs cannot train that)', () => {
    expect(code('layers.batchNormalization', [null, 2, 2, 2, 2])).toBe('shape/rank-mismatch');
    expect(code('layers.batchNormalization', [null, 4], { axis: 0 })).toBe('param/invalid');
    expect(code('layers.batchNormalization', [null, 4], { center: false })).toBe('param/invalid');
    expect(code('layers.batchNormalization', [null, null])).toBe('shape/unknown-dim');
  });
  it('LayerNormalization counts 2·C: [B, T, 64] → 128', () => {
    const r = run('layers.layerNormalization', [null, 7, 64]);
    expect(r.shape).toEqual([null, 7, 64]);
    expect(r.count).toBe(128);
    expect(code('layers.layerNormalization', [null, 4], { scale: false })).toBe('param/invalid');
    expect(code('layers.layerNormalization', [null, 2, 2, 2, 2])).toBe('shape/rank-mismatch');
  });
});

describe('embedding and recurrent layers', () => {
  it('Embedding 1000×64 on [B, 10] → [B, 10, 64], 1000·64 = 64000 params', () => {
    const r = run('layers.embedding', [null, 10], { inputDim: 1000, outputDim: 64 });
    expect(r.shape).toEqual([null, 10, 64]);
    expect(r.count).toBe(64000);
  });
  it('LSTM F=8, u=16: 4·(8·16 + 16·16 + 16) = 1600; last step [B, 16], returnSequences [B, T, 16]', () => {
    const r = run('layers.lstm', [null, 5, 8], { units: 16 });
    expect(r.shape).toEqual([null, 16]);
    expect(r.count).toBe(1600);
    expect(run('layers.lstm', [null, 5, 8], { units: 16, returnSequences: true }).shape).toEqual([
      null,
      5,
      16,
    ]);
  });
  it('GRU F=8, u=16 (no reset_after in tfjs): 3·(8·16 + 16·16 + 16) = 1200', () => {
    const r = run('layers.gru', [null, null, 8], { units: 16, returnSequences: true });
    expect(r.shape).toEqual([null, null, 16]);
    expect(r.count).toBe(1200);
  });
  it('recurrent layers reject non-sequence inputs and unknown feature counts', () => {
    expect(code('layers.lstm', [null, 8])).toBe('shape/rank-mismatch');
    expect(code('layers.gru', [null, 4, 4, 1])).toBe('shape/rank-mismatch');
    expect(code('layers.lstm', [null, 5, null])).toBe('shape/unknown-dim');
  });
});

describe('in a graph', () => {
  const node = (type: string, params: Record<string, unknown> = {}) => ({ type, v: 1, params });
  const chain = (ids: string[]): GraphDoc['edges'] =>
    Object.fromEntries(
      ids
        .slice(1)
        .map((id, i) => [`e${i}`, { from: { node: ids[i]!, port: 'y' }, to: { node: id, port: 'x' } }]),
    );

  it('LeNet-5 totals 156 + 2416 + 400·120+120 + 120·84+84 + 84·10+10 = 61706 params', () => {
    const doc: GraphDoc = {
      format: 'netwright.graph',
      formatVersion: 2,
      meta: { title: 'LeNet-5' },
      nodes: {
        in: node('io.input', { shape: [28, 28, 1] }),
        c1: node('layers.conv2d', { filters: 6, kernelSize: [5, 5], padding: 'same', activation: 'tanh' }),
        s2: node('layers.averagePooling2d'),
        c3: node('layers.conv2d', { filters: 16, kernelSize: [5, 5], activation: 'tanh' }),
        s4: node('layers.averagePooling2d'),
        f: node('layers.flatten'),
        d5: node('layers.dense', { units: 120, activation: 'tanh' }),
        d6: node('layers.dense', { units: 84, activation: 'tanh' }),
        d7: node('layers.dense', { units: 10, activation: 'softmax' }),
      },
      edges: chain(['in', 'c1', 's2', 'c3', 's4', 'f', 'd5', 'd6', 'd7']),
      layout: {},
    };
    const a = analyse(doc, registry);
    expect(a.diagnostics).toEqual([]);
    expect(a.nodes.get('s4')!.outputs.y!.shape).toEqual([null, 5, 5, 16]);
    expect(a.nodes.get('f')!.outputs.y!.shape).toEqual([null, 400]);
    expect(a.totalParams).toBe(61706);
  });

  it('a rejection becomes a diagnostic with its code on the failing node', () => {
    const doc: GraphDoc = {
      format: 'netwright.graph',
      formatVersion: 2,
      meta: { title: 'too small' },
      nodes: {
        in: node('io.input', { shape: [4, 4, 1] }),
        c: node('layers.conv2d', { filters: 2, kernelSize: [5, 5] }),
      },
      edges: chain(['in', 'c']),
      layout: {},
    };
    const a = analyse(doc, registry);
    expect(a.diagnostics.map((d) => [d.code, d.nodeId, d.port])).toEqual([['shape/too-small', 'c', 'x']]);
  });

  it('a residual Add with a second input port wired', () => {
    const doc: GraphDoc = {
      format: 'netwright.graph',
      formatVersion: 2,
      meta: { title: 'residual' },
      nodes: {
        in: node('io.input', { shape: [8, 8, 4] }),
        c: node('layers.conv2d', { filters: 4, padding: 'same' }),
        add: node('layers.add'),
      },
      edges: {
        a: { from: { node: 'in', port: 'y' }, to: { node: 'c', port: 'x' } },
        b: { from: { node: 'c', port: 'y' }, to: { node: 'add', port: 'x1' } },
        r: { from: { node: 'in', port: 'y' }, to: { node: 'add', port: 'x2' } },
      },
      layout: {},
    };
    const a = analyse(doc, registry);
    expect(a.diagnostics).toEqual([]);
    expect(a.nodes.get('add')!.outputs.y!.shape).toEqual([null, 8, 8, 4]);
    expect(a.totalParams).toBe(3 * 3 * 4 * 4 + 4); // 148
  });
});
