// Saving a trained model as tfjs artifacts and loading weights back into the same graph, with a
// clear refusal when the saved weights do not fit (different graph, shapes or names).
import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import type { SavedArtifacts } from './protocol.ts';

export async function saveArtifacts(compiled: CompiledModel): Promise<SavedArtifacts> {
  let out: SavedArtifacts | undefined;
  await compiled.model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = a.weightData;
      const weightData =
        data instanceof ArrayBuffer ? data : tf.io.concatenateArrayBuffers(data as ArrayBuffer[]);
      out = {
        modelJson: {
          modelTopology: a.modelTopology,
          weightsManifest: [{ paths: ['./weights.bin'], weights: (a.weightSpecs ?? []) as never }],
          format: a.format ?? 'layers-model',
          generatedBy: 'Netwright',
          convertedBy: null,
        },
        weightData,
      };
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weightData.byteLength,
        },
      };
    }),
  );
  return out!;
}

/**
 * Copies saved weights into a compiled model of the same graph. Weights are matched by name
 * (`<nodeId>/<weight>`): every model weight needs a saved one of the same shape.
 */
export function loadWeightsInto(compiled: CompiledModel, artifacts: SavedArtifacts): void {
  const specs = artifacts.modelJson.weightsManifest.flatMap((g) => g.weights);
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (artifacts.weightData.byteLength !== expected)
    throw new Error(
      `weights.bin has ${artifacts.weightData.byteLength} bytes but model.json describes ${expected}; the two files do not belong together`,
    );
  const saved = tf.io.decodeWeights(artifacts.weightData, specs as tf.io.WeightsManifestEntry[]);
  try {
    const problems: string[] = [];
    const values = compiled.model.weights.map((w) => {
      const t = saved[w.originalName] ?? saved[w.name];
      if (!t) problems.push(`'${w.originalName}' is missing`);
      else if (t.shape.join('×') !== w.shape.join('×'))
        problems.push(
          `'${w.originalName}' has shape ${t.shape.join('×')} in the file but ${w.shape.join('×')} in the graph`,
        );
      return t;
    });
    if (problems.length)
      throw new Error(
        `these weights do not fit this graph: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}. Load them into the graph they were saved from.`,
      );
    compiled.model.setWeights(values as tf.Tensor[]);
  } finally {
    tf.dispose(Object.values(saved));
  }
}
