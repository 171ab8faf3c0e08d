// Trained models on disk in Node, in tfjs's own layers format: `model.json` (topology + weights
// manifest) and `weights.bin`. No tfjs-node (it downloads a binary): artifacts are captured with
// tf.io.withSaveHandler and written with fs; loading reads them back through tf.io.fromMemory. A
// browser loads the same two files with tf.loadLayersModel('.../model.json').

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
// Importing the compiler registers Netwright's kernel layer classes with tfjs serialization, so a
// model with kernel nodes (ELU with α, Subtract, …) deserializes.
import '../compiler/compile.ts';
import { setKernelRegistry } from '../compiler/kernel-layer.ts';
import type { Registry } from '../core/registry.ts';
import { loadRegistry } from './discover-nodes.ts';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

export interface SavedModelInfo {
  readonly modelPath: string;
  readonly weightsPath: string;
  readonly weightBytes: number;
}

/** Writes `model.json` + `weights.bin` into `dir` (created if needed). */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<SavedModelInfo> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  if (!artifacts) throw new Error('tfjs produced no model artifacts');
  const weights = artifacts.weightData
    ? tf.io.CompositeArrayBuffer.join(artifacts.weightData)
    : new ArrayBuffer(0);
  const modelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
  };
  mkdirSync(dir, { recursive: true });
  const modelPath = join(dir, MODEL_FILE);
  const weightsPath = join(dir, WEIGHTS_FILE);
  writeFileSync(weightsPath, new Uint8Array(weights));
  writeFileSync(modelPath, `${JSON.stringify(modelJson)}\n`);
  return { modelPath, weightsPath, weightBytes: weights.byteLength };
}

/**
 * Loads `dir/model.json` and its weight files. Kernel layers need the node registry; it is loaded
 * from nodes/ unless given.
 */
export async function loadModel(dir: string, registry?: Registry): Promise<tf.LayersModel> {
  const modelPath = join(dir, MODEL_FILE);
  if (!existsSync(modelPath) || !statSync(modelPath).isFile())
    throw new Error(`${dir}: no ${MODEL_FILE} (save one with 'netwright train … --save ${dir}')`);
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(readFileSync(modelPath, 'utf8')) as tf.io.ModelJSON;
  } catch (e) {
    throw new Error(`${modelPath}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || !json.modelTopology)
    throw new Error(`${modelPath}: not a tfjs layers model (no modelTopology)`);
  const root = resolve(dir);
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const parts = manifest.flatMap((group) =>
      group.paths.map((p) => {
        const file = resolve(root, p);
        if (relative(root, file).startsWith('..'))
          throw new Error(`${modelPath}: weight path '${p}' leaves the model folder`);
        const buf = readFileSync(file);
        return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
      }),
    );
    return [specs, tf.io.CompositeArrayBuffer.join(parts)];
  });
  setKernelRegistry(registry ?? (await loadRegistry()));
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
