// A fit phase (ir.ts IRPhase kind 'fit'): for each listed node in order, one pass over the phase's
// training rows in inference mode gathers the node's inputs (every connected port; flattened to [rows, features],
// Float64) and the dataset labels, the node's FitSpec.solve (pure TS) returns its weights, and they
// are written into the node's kernel weights. Every tensor is disposed (tf.tidy per chunk).

import * as tf from '@tensorflow/tfjs';
import { type CompiledModel, outputOf } from '../compiler/compile.ts';
import { KernelLayer } from '../compiler/kernel-layer.ts';
import type { FitData } from '../core/fits.ts';
import type { IRPhase } from '../core/ir.ts';
import { resolveParams } from '../core/params.ts';
import type { Registry } from '../core/registry.ts';
import type { Rng } from '../core/rng.ts';
import { type DataTensors, feedsFor, sliceRows } from './feeds.ts';

/** Gathers node `id`'s inputs (every connected port, in order) over every row of `data`, plus the labels as Float64. */
export async function collectFitRows(
  compiled: CompiledModel,
  id: string,
  data: DataTensors,
  chunk = 512,
): Promise<{ xs: { x: Float64Array; cols: number }[]; y: Float64Array; yCols: number }> {
  const node = compiled.ir.nodes.find((n) => n.id === id);
  const refs = (node?.inputs ?? []).filter((r) => r && 'node' in r);
  if (!node || !refs.length || !node.inputs[0] || !('node' in node.inputs[0]))
    throw new Error(`fit: node '${id}' is not a model node fed by another node's output`);
  const parts: Float32Array[][] = refs.map(() => []);
  const cols = refs.map(() => 0);
  const ys: Float32Array[] = [];
  let yCols = 1;
  for (let start = 0; start < data.count; start += chunk) {
    const size = Math.min(chunk, data.count - start);
    const out = tf.tidy(() => {
      const rows = sliceRows(data, start, size);
      const outs = compiled.run(feedsFor(compiled.ir, rows), { training: false });
      const xs = refs.map((ref) => {
        const t = outputOf(outs, ref!);
        if (!t) throw new Error(`fit: an input of node '${id}' was not computed`);
        return tf.reshape(tf.cast(t, 'float32'), [size, -1]);
      });
      return [...xs, tf.reshape(tf.cast(rows.y, 'float32'), [size, -1])];
    });
    for (let i = 0; i < refs.length; i++) {
      cols[i] = out[i]!.shape[1]!;
      parts[i]!.push((await out[i]!.data()) as Float32Array);
    }
    const y = out[refs.length]!;
    yCols = y.shape[1]!;
    ys.push((await y.data()) as Float32Array);
    tf.dispose(out);
  }
  const cat = (ps: Float32Array[], n: number) => {
    const res = new Float64Array(n);
    let o = 0;
    for (const p of ps) {
      res.set(p, o);
      o += p.length;
    }
    return res;
  };
  return {
    xs: parts.map((ps, i) => ({ x: cat(ps, data.count * cols[i]!), cols: cols[i]! })),
    y: cat(ys, data.count * yCols),
    yCols,
  };
}

/** Runs a fit phase on its training rows: each node's solve, written into its weights, in order. */
export async function runFitPhase(
  compiled: CompiledModel,
  registry: Registry,
  phase: IRPhase,
  data: DataTensors,
  rng: Rng,
): Promise<void> {
  for (const id of phase.fit ?? []) {
    const node = compiled.ir.nodes.find((n) => n.id === id);
    const def = node ? registry.get(node.type) : undefined;
    const layer = compiled.layers.get(id);
    if (!node || !def?.fit || !(layer instanceof KernelLayer))
      throw new Error(`Phase '${phase.name}': node '${id}' has no closed-form fit (train/fit-node).`);
    const rows = await collectFitRows(compiled, id, data);
    const weights: Record<string, Float64Array> = {};
    // Scoped names (`<node>/kernel`): the solve sees the kernel's own weight names.
    if (def.fit.readsWeights)
      for (const v of layer.weights)
        weights[v.originalName.split('/').at(-1)!] = Float64Array.from(await v.read().data());
    const inputs = rows.xs.map((m) => ({ data: m.x, rows: data.count, cols: m.cols }));
    const fitData: FitData = {
      x: inputs[0]!,
      inputs,
      ...(def.fit.readsWeights ? { weights } : {}),
      ...(def.fit.labels === 'none' ? {} : { y: rows.y, yCols: rows.yCols }),
      ...(data.numClasses !== undefined ? { numClasses: data.numClasses } : {}),
    };
    const params = resolveParams(def.params, layer.params).values;
    const solved = def.fit.solve(fitData, params as never, rng);
    for (const [name, values] of Object.entries(solved)) {
      const w = layer.weightNamed(name);
      if (!w) throw new Error(`fit: node '${id}' (${node.type}) has no weight '${name}'`);
      const t = tf.tensor(values, w.shape as number[]);
      w.write(t);
      t.dispose();
    }
  }
}
