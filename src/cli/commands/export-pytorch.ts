// `netwright export <graph> --target pytorch -o DIR [--with-data] [--weights SAVED]`: the graph as a
// PyTorch project (model.py, train.py, README.md; src/core/codegen/pytorch.ts), with the graph's
// dataset as DIR/data.npz and a trained model's weights (from `netwright train --save SAVED`) as
// DIR/weights.npz in model.py's state_dict layout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { type NpyArray, npz } from '../../core/archive/npy.ts';
import { CodegenError } from '../../core/codegen/print.ts';
import { npzFieldKey } from '../../core/codegen/python-literals.ts';
import { generatePyTorch } from '../../core/codegen/pytorch.ts';
import { pytorchStateDict, type TfWeight } from '../../core/codegen/pytorch-weights.ts';
import { loadBinding } from '../../core/datasets/binding.ts';
import type { LoadedDataset } from '../../core/datasets/dataset-def.ts';
import { findDataset } from '../../core/datasets/index.ts';
import type { ModelIR } from '../../core/ir.ts';
import { labelRowShape } from '../../core/label-stats.ts';
import { indexLabelShape } from '../../core/node-def.ts';
import type { Registry } from '../../core/registry.ts';
import { createRng } from '../../core/rng.ts';
import { nodeDatasetIO } from '../../node/dataset-io.ts';
import { loadModel } from '../../node/model-io.ts';
import { CliError } from '../load-graph.ts';

export interface PyTorchExportOptions {
  readonly dir: string;
  readonly withData: boolean;
  /** A folder with model.json + weights.bin. */
  readonly weights?: string;
}

/**
 * The dataset's splits as .npz arrays: x_train, y_train, x_val, y_val, and each field as
 * <npzFieldKey(name)>_train / _val (what train.py's DATA_KEYS read).
 */
export function datasetArrays(data: LoadedDataset): Record<string, NpyArray> {
  const { featureShape, labels } = data.binding;
  const out: Record<string, NpyArray> = {};
  for (const split of ['train', 'val'] as const) {
    const s = data[split];
    out[`x_${split}`] = { data: s.x, shape: [s.count, ...featureShape] };
    out[`y_${split}`] =
      labels.kind === 'class' || labels.kind === 'classMap'
        ? { data: Int32Array.from(s.y), shape: [s.count, ...indexLabelShape(labels)] }
        : { data: Float32Array.from(s.y), shape: [s.count, ...labelRowShape(labels)] };
    for (const [name, spec] of Object.entries(data.binding.fields ?? {})) {
      const values = s.fields?.[name];
      if (!values)
        throw new Error(
          `dataset '${data.binding.name}' declares field '${name}' but its ${split} split lacks it`,
        );
      out[`${npzFieldKey(name)}_${split}`] = { data: values, shape: [s.count, ...spec.shape] };
    }
  }
  return out;
}

/** A trained tfjs model's weights by layer name (= node id). */
export function layerWeights(model: tf.LayersModel): (nodeId: string) => TfWeight[] | undefined {
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  return (id) =>
    byName.get(id)?.weights.map((w) => {
      const value = w.read();
      return { name: w.originalName, shape: value.shape, data: value.dataSync() as Float32Array };
    });
}

export async function exportPyTorch(
  ir: ModelIR,
  registry: Registry,
  source: string,
  opts: PyTorchExportOptions,
): Promise<{ written: string[]; trainRefused?: string }> {
  let project: ReturnType<typeof generatePyTorch>;
  try {
    project = generatePyTorch(ir, registry);
  } catch (e) {
    if (e instanceof CodegenError)
      throw new CliError(
        `${source}: cannot export to PyTorch${e.nodeId ? ` (node '${e.nodeId}')` : ''}: ${e.message}`,
        1,
      );
    throw e;
  }
  const files: Record<string, string | Uint8Array> = { ...project.files };
  if (opts.withData) {
    if (!ir.training)
      throw new CliError(`${source}: --with-data needs the graph's training settings (a dataset).`, 1);
    if (!findDataset(ir.training.dataset.name))
      throw new CliError(`${source}: unknown dataset '${ir.training.dataset.name}'.`, 1);
    // The binding's transforms apply, so data.npz holds the rows Netwright trains on.
    const data = await loadBinding(ir.training.dataset, createRng(ir.training.seed), nodeDatasetIO);
    files['data.npz'] = npz(datasetArrays(data));
  }
  if (opts.weights !== undefined) {
    let model: tf.LayersModel;
    try {
      model = await loadModel(opts.weights, registry);
    } catch (e) {
      throw new CliError(`--weights ${opts.weights}: ${(e as Error).message}`, 1);
    }
    try {
      files['weights.npz'] = npz(pytorchStateDict(project.weights, layerWeights(model)));
    } catch (e) {
      if (e instanceof CodegenError)
        throw new CliError(`--weights ${opts.weights}: node '${e.nodeId}': ${e.message}`, 1);
      throw e;
    } finally {
      model.dispose();
    }
  }
  try {
    mkdirSync(opts.dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(opts.dir, name), content);
  } catch (e) {
    throw new CliError(
      `${opts.dir}: cannot write the project (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
      2,
    );
  }
  return {
    written: Object.keys(files),
    ...(project.trainRefused ? { trainRefused: project.trainRefused } : {}),
  };
}
