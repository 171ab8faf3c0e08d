// Shared test helpers: one-node graphs from a node's example, random inputs, finite differences.
import * as tf from '@tensorflow/tfjs';
import type { GraphDoc } from '../core/doc/schema.ts';
import type { AnyNodeDef, ExampleInput, NodeExample } from '../core/node-def.ts';
import { portsOf } from '../core/node-def.ts';
import { resolveParams } from '../core/params.ts';
import type { Rng } from '../core/rng.ts';

/** A graph: one io.input per port of the example, feeding the node under test. */
export function oneNodeGraph(def: AnyNodeDef, ex: NodeExample): GraphDoc {
  const params = { ...(ex.params ?? {}) };
  const ports = Object.keys(portsOf(def, resolveParams(def.params, params).values));
  const nodes: GraphDoc['nodes'] = { node: { type: def.type, v: def.version, params } };
  const edges: GraphDoc['edges'] = {};
  for (const port of ports) {
    const input = ex.inputs[port];
    if (!input) continue;
    nodes[`in_${port}`] = {
      type: 'io.input',
      v: 1,
      params: { shape: input.shape.slice(1), dtype: input.dtype ?? 'float32' },
    };
    edges[`e_${port}`] = { from: { node: `in_${port}`, port: 'y' }, to: { node: 'node', port } };
  }
  return {
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: `one ${def.type}` },
    nodes,
    edges,
    layout: {},
  };
}

export function randomInput(spec: ExampleInput, rng: Rng): tf.Tensor {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const [lo, hi] = spec.range ?? [-1, 1];
  if (spec.dtype === 'int32') {
    return tf.tensor(
      Int32Array.from({ length: n }, () => lo + rng.int(hi - lo)),
      [...spec.shape],
      'int32',
    );
  }
  return tf.tensor(
    Float32Array.from({ length: n }, () => lo + rng.next() * (hi - lo)),
    [...spec.shape],
    'float32',
  );
}

/**
 * Compares tf.grad of `f` at `x` with central differences on a few coordinates. Returns the worst
 * relative error. `f` must return a scalar and be deterministic.
 */
export function gradientError(
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  rng: Rng,
  coords = 6,
  eps = 1e-2,
): number {
  const analytic = tf.tidy(() => tf.grad(f)(x).dataSync().slice());
  const base = x.dataSync().slice();
  let worst = 0;
  for (let k = 0; k < Math.min(coords, base.length); k++) {
    const i = rng.int(base.length);
    const at = (delta: number) =>
      tf.tidy(() => {
        const v = base.slice();
        v[i] = v[i]! + delta;
        return f(tf.tensor(v, x.shape, 'float32')).dataSync()[0]!;
      });
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    const a = analytic[i]!;
    const err = Math.abs(a - numeric) / Math.max(1e-2, Math.abs(a) + Math.abs(numeric));
    worst = Math.max(worst, err);
  }
  return worst;
}

/** Like gradientError, for a variable that `f` reads (tf.variableGrads vs perturbing the variable). */
export function variableGradientError(
  f: () => tf.Scalar,
  v: tf.Variable,
  rng: Rng,
  coords = 4,
  eps = 1e-2,
): number {
  const analytic = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(f, [v]);
    value.dispose();
    return grads[v.name]!.dataSync().slice();
  });
  const original = v.clone();
  const base = original.dataSync().slice();
  let worst = 0;
  for (let k = 0; k < Math.min(coords, base.length); k++) {
    const i = rng.int(base.length);
    const at = (delta: number) =>
      tf.tidy(() => {
        const w = base.slice();
        w[i] = w[i]! + delta;
        v.assign(tf.tensor(w, v.shape, 'float32'));
        return f().dataSync()[0]!;
      });
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    const a = analytic[i]!;
    worst = Math.max(worst, Math.abs(a - numeric) / Math.max(1e-2, Math.abs(a) + Math.abs(numeric)));
  }
  v.assign(original);
  original.dispose();
  return worst;
}

/** What `netwright …` printed and returned, run in-process. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout then stderr, for assertions that do not care which stream. */
  readonly text: string;
}

/** Runs the CLI in-process with its output captured (no TTY; nodes discovered from nodes/). */
export async function runCliCaptured(...argv: string[]): Promise<CliRun> {
  // Imported when needed, so tests that only build graphs do not load the whole CLI.
  const [{ runCli }, { loadRegistry }] = await Promise.all([
    import('../cli/main.ts'),
    import('../node/discover-nodes.ts'),
  ]);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    isTTY: false,
    registry: loadRegistry,
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), text: [...out, ...err].join('\n') };
}
