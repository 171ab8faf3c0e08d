import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIR } from '../compiler/compile.ts';
import { analyseText } from '../core/analysis/analyse.ts';
import { lowerGraph } from '../core/lower.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { readTemplate } from '../node/templates.ts';
import { loadWeightsInto, saveArtifacts } from '../trainer/model-artifacts.ts';

const registry = await loadRegistry();
/** The model's last output (mlp-mnist returns [logits, probabilities]). */
const predict = (m: tf.LayersModel, x: tf.Tensor): tf.Tensor => {
  const r = m.predict(x);
  return Array.isArray(r) ? r.at(-1)! : r;
};
const compileTemplate = (id: string, seed: number) =>
  compileIR(lowerGraph(analyseText(readTemplate(id), registry), registry).ir!, registry, { seed });

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
});

describe('model artifacts', () => {
  it('saved weights load back into a fresh compile of the same graph: identical predictions', async () => {
    const a = compileTemplate('mlp-mnist', 1);
    const b = compileTemplate('mlp-mnist', 2); // different initial weights
    const x = tf.randomUniform([5, 784], 0, 1, 'float32', 3);
    const art = await saveArtifacts(a);
    expect(art.weightData.byteLength).toBe(101_770 * 4);
    expect(art.modelJson.weightsManifest[0]!.paths).toEqual(['./weights.bin']);
    const before = predict(b.model, x);
    const want = predict(a.model, x);
    expect(tf.max(tf.abs(tf.sub(before, want))).dataSync()[0]).toBeGreaterThan(1e-3);
    loadWeightsInto(b, art);
    const after = predict(b.model, x);
    expect(tf.max(tf.abs(tf.sub(after, want))).dataSync()[0]).toBe(0);
    // tfjs's own loader reads the same artifacts.
    const reloaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: art.modelJson.modelTopology as object,
        weightSpecs: art.modelJson.weightsManifest[0]!.weights as tf.io.WeightsManifestEntry[],
        weightData: art.weightData,
      }),
    );
    expect(tf.max(tf.abs(tf.sub(predict(reloaded, x), want))).dataSync()[0]).toBe(0);
    a.dispose();
    b.dispose();
    reloaded.dispose();
  });

  it('refuses weights from another graph, naming the weights, and a weights file of the wrong size', async () => {
    const lenet = compileTemplate('lenet-5', 1);
    const mlp = compileTemplate('mlp-mnist', 1);
    const art = await saveArtifacts(lenet);
    expect(() => loadWeightsInto(mlp, art)).toThrow(/do not fit this graph: 'hidden\/kernel' is missing/);
    expect(() => loadWeightsInto(lenet, { ...art, weightData: art.weightData.slice(0, 100) })).toThrow(
      /do not belong together/,
    );
    lenet.dispose();
    mlp.dispose();
  });
});
