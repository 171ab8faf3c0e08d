// Field plots of image-valued regression: the Worker's field evaluation (predicted vs true fields
// and their relative L2) against closed forms, and the heat map's colour scale.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyse } from '../core/analysis/analyse.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import { lowerGraph } from '../core/lower.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { evaluateFields, relativeError } from '../trainer/field-evaluation.ts';
import { divergingColor, fieldPixels, symmetricRange } from '../ui/field-colors.ts';

const registry = await loadRegistry();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A model that returns its input field unchanged, and data whose true field is 2·x. */
function identityModel() {
  const doc = {
    format: 'netwright.graph' as const,
    formatVersion: 2 as const,
    meta: { title: 'identity field' },
    nodes: {
      x: { type: 'io.input', v: 1, params: { shape: [4, 5, 1] } },
      out: { type: 'io.output', v: 1, params: {} },
    },
    edges: { e: { from: { node: 'x', port: 'y' }, to: { node: 'out', port: 'x' } } },
    layout: {},
  };
  return compileIR(lowerGraph(analyse(doc, registry), registry).ir!, registry);
}

function doubledData(count: number): LoadedDataset {
  const x = Float32Array.from({ length: count * 20 }, (_v, i) => Math.sin(i) + 0.1);
  const split = { x, y: x.map((v) => 2 * v), count };
  return {
    binding: { name: 'fields', featureShape: [4, 5, 1], labels: { kind: 'values', shape: [4, 5, 1] } },
    train: split,
    val: split,
  };
}

describe('field evaluation (Worker side)', () => {
  it('returns the first samples’ predicted and true fields with relative L2 = ‖x − 2x‖/‖2x‖ = 0.5', async () => {
    const compiled = identityModel();
    const data = doubledData(5);
    const before = tf.memory().numTensors;
    const ev = (await evaluateFields(compiled, data, { samples: 3 }))!;
    expect(tf.memory().numTensors).toBe(before);
    expect(ev.size).toEqual([4, 5]);
    expect(ev.samples).toHaveLength(3);
    ev.samples.forEach((s, k) => {
      expect(s.predicted).toEqual(Array.from(data.val.x.subarray(k * 20, (k + 1) * 20)));
      expect(s.truth).toEqual(Array.from(data.val.y.subarray(k * 20, (k + 1) * 20)));
      expect(s.relativeL2).toBeCloseTo(0.5, 6);
    });
    compiled.dispose();
  });

  it('is absent for class labels and for targets that are not one field per sample', async () => {
    const compiled = identityModel();
    const cls: LoadedDataset = {
      ...doubledData(2),
      binding: { name: 'c', featureShape: [4, 5, 1], labels: { kind: 'class', numClasses: 2 } },
    };
    expect(await evaluateFields(compiled, cls)).toBeUndefined();
    const vec: LoadedDataset = {
      ...doubledData(2),
      binding: { name: 'v', featureShape: [4, 5, 1], labels: { kind: 'values', shape: [20] } },
    };
    expect(await evaluateFields(compiled, vec)).toBeUndefined();
    compiled.dispose();
  });

  it('relative error: 0 for an exact field, 1 for predicting zeros, |c − 1| for c·truth', () => {
    const t = [1, -2, 3, 0.5];
    expect(relativeError(t, t)).toBe(0);
    expect(relativeError([0, 0, 0, 0], t)).toBeCloseTo(1, 12);
    expect(
      relativeError(
        t.map((v) => 1.3 * v),
        t,
      ),
    ).toBeCloseTo(0.3, 12);
  });
});

describe('field heat map colours', () => {
  it('maps −range → blue, 0 → white, +range → red, clips beyond and greys non-finite values', () => {
    expect(divergingColor(0, 2)).toEqual([255, 255, 255]);
    expect(divergingColor(2, 2)).toEqual([255, 0, 0]);
    expect(divergingColor(-2, 2)).toEqual([0, 0, 255]);
    expect(divergingColor(1, 2)).toEqual([255, 128, 128]);
    expect(divergingColor(-9, 2)).toEqual([0, 0, 255]);
    expect(divergingColor(Number.NaN, 2)).toEqual([128, 128, 128]);
  });

  it('shares one symmetric range across fields and writes opaque RGBA pixels', () => {
    expect(symmetricRange([1, -3], [2.5])).toBe(3);
    expect(symmetricRange([0, 0])).toBe(1);
    const px = fieldPixels([0, -3, 3], 3);
    expect([...px]).toEqual([255, 255, 255, 255, 0, 0, 255, 255, 255, 0, 0, 255]);
  });
});
