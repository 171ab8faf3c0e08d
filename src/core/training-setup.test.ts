import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../node/discover-nodes.ts';
import { analyse } from './analysis/analyse.ts';
import type { GraphDoc } from './doc/schema.ts';
import { commit, createHistory, undo } from './history.ts';
import { importKerasJson } from './import/index.ts';
import { lowerGraph } from './lower.ts';
import type { Registry } from './registry.ts';
import { chooseDataset, describeDataset, fitDatasetParams, predictionNode } from './training-setup.ts';

let registry: Registry;
beforeAll(async () => {
  registry = await loadRegistry();
});

/** input → dense(units) [→ softmax], no loss and no training settings: what a user builds by hand. */
function handBuilt(units: number, softmax: boolean): GraphDoc {
  const nodes: GraphDoc['nodes'] = {
    input: { type: 'io.input', v: 1, params: { shape: [784] } },
    dense: { type: 'layers.dense', v: 1, params: { units } },
  };
  const edges: GraphDoc['edges'] = {
    e1: { from: { node: 'input', port: 'y' }, to: { node: 'dense', port: 'x' } },
  };
  if (softmax) {
    nodes.softmax = { type: 'activations.softmax', v: 1, params: {} };
    edges.e2 = { from: { node: 'dense', port: 'y' }, to: { node: 'softmax', port: 'x' } };
  }
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 'hand-built' },
    nodes,
    edges,
    layout: { input: { x: 0, y: 0 }, dense: { x: 240, y: 0 }, softmax: { x: 480, y: 0 } },
  };
}

const errors = (doc: GraphDoc) => analyse(doc, registry).diagnostics.filter((d) => d.severity === 'error');
const apply = (doc: GraphDoc, name: string, params: Record<string, unknown> = {}) =>
  commit(createHistory(doc), `Use ${name}`, chooseDataset({ name, params }, registry));

describe('describeDataset / fitDatasetParams', () => {
  it("gives the dataset's documented shapes with defaults filled in", () => {
    // MNIST: 28×28 images, 10 classes (LeCun et al. 1998); flat by default.
    expect(describeDataset({ name: 'mnist', params: {} })?.featureShape).toEqual([784]);
    expect(describeDataset({ name: 'mnist', params: { flat: false } })?.featureShape).toEqual([28, 28, 1]);
    // Fisher's iris: 4 measurements, 3 species.
    expect(describeDataset({ name: 'iris', params: {} })).toMatchObject({
      featureShape: [4],
      labels: { kind: 'class', numClasses: 3 },
    });
    expect(describeDataset({ name: 'no-such-dataset', params: {} })).toBeUndefined();
  });

  it('switches MNIST to images for a [28, 28, 1] input and keeps params that already fit', () => {
    expect(fitDatasetParams({ name: 'mnist', params: {} }, [28, 28, 1])).toEqual({ flat: false });
    expect(fitDatasetParams({ name: 'mnist', params: { trainSize: 50 } }, [784])).toEqual({ trainSize: 50 });
    // Nothing fits: the params are left as chosen (the Input's shape is changed instead).
    expect(fitDatasetParams({ name: 'iris', params: {} }, [784])).toEqual({});
  });
});

describe('chooseDataset', () => {
  it('gives a hand-built MLP training settings, its input shape and a loss + accuracy, in one undo step', () => {
    const doc = handBuilt(3, true);
    expect(doc.training).toBeUndefined();
    const h = apply(doc, 'iris');
    const next = h.present;
    expect(next.training).toMatchObject({
      dataset: { name: 'iris', params: {} },
      optimizer: { type: 'optimizers.adam' },
      batchSize: 32,
      epochs: 1,
    });
    expect(next.nodes.input!.params.shape).toEqual([4]);
    const byType = (t: string) => Object.entries(next.nodes).filter(([, r]) => r.type === t);
    const [[lossId, loss]] = byType('losses.categoricalCrossentropy') as [
      [string, GraphDoc['nodes'][string]],
    ];
    // The prediction is already softmax probabilities: no fromLogits.
    expect(loss.params.fromLogits).toBeUndefined();
    expect(byType('metrics.accuracy')).toHaveLength(1);
    const fed = Object.values(next.edges)
      .filter((e) => e.from.node === 'softmax')
      .map((e) => e.to.node);
    expect(fed).toContain(lossId);
    expect(errors(next)).toEqual([]);
    // Lowered: the loss reads the dataset's one-hot labels, so the graph trains as is.
    const ir = lowerGraph(analyse(next, registry), registry).ir!;
    expect(ir.training?.dataset.name).toBe('iris');
    expect(ir.losses[0]!.inputs[1]).toEqual({ labels: 'onehot' });
    // One step back is the graph as it was.
    expect(undo(h).present).toEqual(doc);
    expect(h.past).toHaveLength(1);
  });

  it('marks raw logits as such, and uses MSE for a regression dataset', () => {
    const logits = apply(handBuilt(10, false), 'mnist').present;
    const loss = Object.values(logits.nodes).find((r) => r.type === 'losses.categoricalCrossentropy')!;
    expect(loss.params.fromLogits).toBe(true);
    expect(errors(logits)).toEqual([]);

    const fit = apply(handBuilt(1, false), 'functionFit').present;
    const types = Object.values(fit.nodes).map((r) => r.type);
    expect(types).toContain('losses.meanSquaredError');
    expect(types).not.toContain('metrics.accuracy');
    expect(errors(fit)).toEqual([]);
  });

  it('keeps an existing loss and the other training settings when the dataset changes', () => {
    const first = apply(handBuilt(3, true), 'iris').present;
    const tuned = { ...first, training: { ...first.training!, batchSize: 8, epochs: 5 } };
    const next = apply(tuned, 'mnist').present;
    expect(next.training).toMatchObject({ dataset: { name: 'mnist' }, batchSize: 8, epochs: 5 });
    expect(Object.values(next.nodes).filter((r) => r.type.startsWith('losses.'))).toHaveLength(1);
    expect(next.nodes.input!.params.shape).toEqual([784]);
  });

  it('makes an imported Keras model trainable: images kept as [28, 28, 1], no errors', () => {
    const text = readFileSync(
      new URL('../testing/fixtures/keras/tfjs-layers-model.json', import.meta.url),
      'utf8',
    );
    const imported = importKerasJson(text, registry).doc!;
    expect(imported.training).toBeUndefined();
    const next = apply(imported, 'mnist').present;
    expect(next.training?.dataset).toEqual({ name: 'mnist', params: { flat: false } });
    expect(next.nodes.input!.params.shape).toEqual([28, 28, 1]);
    expect(errors(next)).toEqual([]);
    expect(lowerGraph(analyse(next, registry), registry).ir?.losses).toHaveLength(1);
  });

  it('adds no head when the prediction is ambiguous (two open outputs)', () => {
    const doc = handBuilt(3, false);
    doc.nodes.dense2 = { type: 'layers.dense', v: 1, params: { units: 3 } };
    doc.edges.e9 = { from: { node: 'input', port: 'y' }, to: { node: 'dense2', port: 'x' } };
    expect(predictionNode(doc, registry)).toBeUndefined();
    const next = apply(doc, 'iris').present;
    expect(Object.keys(next.nodes).sort()).toEqual(['dense', 'dense2', 'input']);
    expect(next.training?.dataset.name).toBe('iris');
  });
});

describe('chooseDataset with multi-label labels', () => {
  it('adds binary cross-entropy on the logits and gives the Dense one unit per label', () => {
    const doc = apply(handBuilt(10, false), 'mlText').present;
    const loss = Object.values(doc.nodes).find((r) => r.type === 'losses.binaryCrossentropy');
    expect(loss?.params.fromLogits).toBe(true);
    expect(doc.nodes.dense!.params.units).toBe(11);
    expect(Object.values(doc.nodes).map((r) => r.type)).not.toContain('metrics.accuracy');
    expect(errors(doc)).toEqual([]);
  });
});

describe('chooseDataset with a param the user set', () => {
  it('follows the param (fit: false) and reshapes the Input instead', () => {
    const first = apply(handBuilt(10, true), 'mnist').present;
    const h = commit(
      createHistory(first),
      'Set flat',
      chooseDataset({ name: 'mnist', params: { flat: false } }, registry, { fit: false }),
    );
    expect(h.present.training?.dataset.params).toEqual({ flat: false });
    expect(h.present.nodes.input!.params.shape).toEqual([28, 28, 1]);
  });
});

describe('chooseDataset and the class count', () => {
  it("sets the units of the Dense feeding the loss (through softmax) to the dataset's classes", () => {
    // iris has 3 species: a 10-unit head becomes 3 units, and the graph has no errors.
    const next = apply(handBuilt(10, true), 'iris').present;
    expect(next.nodes.dense!.params.units).toBe(3);
    expect(errors(next)).toEqual([]);
    // A Dense that already fits is left alone (no param written).
    const fits = apply(handBuilt(3, true), 'iris').present;
    expect(fits.nodes.dense!.params).toEqual({ units: 3 });
  });
});
