// What a phase changes in a compiled model and its optimizers: optimizer groups kept across phases
// by id, gradient clipping by global norm and learning-rate scaling per group, runtime-param
// overrides, and re-initialisation. The loop (loop.ts) calls these at phase starts and per batch.

import * as tf from '@tensorflow/tfjs';
import type { CompiledModel } from '../compiler/compile.ts';
import type { IROptimizerGroup, IRPhase } from '../core/ir.ts';
import { frozenGroupsOf } from '../core/phase-states.ts';
import type { Registry } from '../core/registry.ts';
import { learningRateOf, makeOptimizer, type Stepper } from './optimizers.ts';

/** Optimizers by group id: the same id in a later phase continues with the same state. */
export class OptimizerPool {
  private readonly byId = new Map<string, { type: string; stepper: Stepper }>();

  constructor(private readonly registry: Registry) {}

  /**
   * The group's optimizer: the existing one for a known id and type (its rate set to this phase's),
   * else a fresh one (an id reused with another type starts fresh too).
   */
  get(g: IROptimizerGroup): Stepper {
    const have = this.byId.get(g.id);
    if (have && have.type === g.type) {
      have.stepper.setLearningRate(learningRateOf(g.config));
      return have.stepper;
    }
    have?.stepper.dispose();
    const stepper = makeOptimizer(g, this.registry);
    this.byId.set(g.id, { type: g.type, stepper });
    return stepper;
  }

  dispose(): void {
    for (const { stepper } of this.byId.values()) stepper.dispose();
    this.byId.clear();
  }
}

/** One optimizer group of a phase, bound to its variables. */
export interface BoundGroup {
  readonly group: IROptimizerGroup;
  readonly stepper: Stepper;
  readonly vars: tf.Variable[];
  readonly baseRate: number;
}

/** The phase's optimizer groups with their variables (a group's own groups, else the phase's). */
export function bindGroups(compiled: CompiledModel, phase: IRPhase, pool: OptimizerPool): BoundGroup[] {
  return phase.optimizers.map((group) => ({
    group,
    stepper: pool.get(group),
    vars: compiled.variables(group.groups.length ? group.groups : phase.groups),
    baseRate: learningRateOf(group.config),
  }));
}

/** Variable groups of the model that a phase does not train (none when it trains all). */
export const frozenGroups = (compiled: CompiledModel, phase: IRPhase): ReadonlySet<string> =>
  frozenGroupsOf(compiled.ir.nodes, phase);

/**
 * Gradients scaled by clipNorm / max(‖g‖, clipNorm), ‖g‖ = √(Σ over the tensors of Σ g²) — the
 * global norm of tf.clip_by_global_norm. Returns new tensors; the caller disposes both maps.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const list = Object.values(grads);
    if (!list.length) return {};
    const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g)))));
    const factor = tf.div(clipNorm, tf.maximum(norm, clipNorm));
    return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, factor)]));
  });
}

/** This group's learning-rate multiplier on a batch (1 without lrScale). */
export function rateScale(group: IROptimizerGroup, metricValue: (id: string) => number | undefined): number {
  const s = group.lrScale;
  if (s === undefined) return 1;
  if (typeof s === 'number') return s;
  const v = metricValue(s.metric);
  if (v === undefined || !Number.isFinite(v))
    throw new Error(
      `optimizer group '${group.id}': lrScale reads metric '${s.metric}', which has no value on this batch (is it active in the phase?)`,
    );
  return Math.min(s.max, Math.max(s.min, v));
}

/**
 * Applies a phase's runtime-param overrides, after putting back the graph's values on nodes an
 * earlier phase overrode. Returns the nodes now overridden.
 */
export function applyOverrides(
  compiled: CompiledModel,
  phase: IRPhase,
  previous: ReadonlySet<string>,
): Set<string> {
  for (const id of previous) compiled.resetRuntimeParams(id);
  const now = phase.overrides ?? {};
  for (const [id, values] of Object.entries(now)) compiled.setRuntimeParams(id, values);
  return new Set(Object.keys(now));
}

/** Copies of the weights of `nodeIds` (kept), to put back with restoreWeights. */
export function snapshotWeights(compiled: CompiledModel, nodeIds: readonly string[]): Map<string, tf.Tensor> {
  const snap = new Map<string, tf.Tensor>();
  for (const id of nodeIds)
    for (const [i, w] of compiled.weights([id]).entries()) snap.set(`${id}#${i}`, tf.keep(w.read().clone()));
  return snap;
}

/** Puts the snapshot values back into the weights of `nodeIds`. */
export function restoreWeights(
  compiled: CompiledModel,
  nodeIds: readonly string[],
  snap: ReadonlyMap<string, tf.Tensor>,
): void {
  for (const id of nodeIds)
    for (const [i, w] of compiled.weights([id]).entries()) {
      const v = snap.get(`${id}#${i}`);
      if (v) w.write(v); // assign shares the data; the snapshot is disposed after training
    }
}
