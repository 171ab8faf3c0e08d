// A group whose inside is all kernels (primitives, kernel activations, fused norm-acts) compiles to
// ONE kernel: the steps run the inner kernels in topological order inside one layer, so the model
// has one layer for the group and the exported code one class. Weights are named
// `<inner id>.<weight>`. The step list is plain JSON in the IR config, so a saved model rebuilds it.

import type { JsonObject } from './ir.ts';
import type { AnyNodeDef, Kernel } from './node-def.ts';
import type { WeightSpec } from './ops.ts';
import { restoreEnumParams } from './params.ts';
import type { Dim } from './tensor-type.ts';

export type StepInput = { readonly port: number } | { readonly step: number };

export interface CompositeStep {
  /** Inner node id with only letters and digits (tfjs camel-cases strings of a loaded config). */
  readonly id: string;
  readonly type: string;
  readonly params: JsonObject;
  readonly inputs: readonly StepInput[];
  /** Input shapes (batch null), as the inner kernel's weights() needs them. */
  readonly shapes: readonly (readonly Dim[])[];
}

export interface CompositeConfig {
  readonly steps: readonly CompositeStep[];
  /** The step whose result is the group's output. */
  readonly output: number;
  /** The group's input port names, in the layer's input order. */
  readonly ports: readonly string[];
  readonly outputShape: readonly Dim[];
}

/** Where composite kernels find the inner node types (set by every Registry it is built from). */
let lookup: ((type: string) => AnyNodeDef | undefined) | undefined;
export function setCompositeLookup(fn: (type: string) => AnyNodeDef | undefined): void {
  lookup = fn;
}

export const isCompositeConfig = (p: Readonly<Record<string, unknown>>): boolean =>
  Array.isArray(p.steps) && typeof p.output === 'number';

function stepsOf(params: Readonly<Record<string, unknown>>): { config: CompositeConfig; defs: AnyNodeDef[] } {
  const config = params as unknown as CompositeConfig;
  const defs = config.steps.map((s) => {
    const def = lookup?.(s.type);
    if (!def?.kernel) throw new Error(`group step '${s.id}': node type '${s.type}' has no kernel`);
    return def;
  });
  return { config, defs };
}

const restoreEnums = (def: AnyNodeDef, params: JsonObject) => restoreEnumParams(def.params, params);

// biome-ignore lint/suspicious/noExplicitAny: the composite kernel takes the group's JSON config
export const compositeKernel: Kernel<any> = {
  weights(params) {
    const { config, defs } = stepsOf(params);
    return config.steps.flatMap((s, i): WeightSpec[] =>
      (defs[i]!.kernel!.weights?.(restoreEnums(defs[i]!, s.params), s.shapes) ?? []).map((w) => ({
        ...w,
        name: `${s.id}.${w.name}`,
      })),
    );
  },
  call(ops, inputs, weights, params, ctx) {
    const { config, defs } = stepsOf(params);
    const values: (typeof inputs)[number][] = [];
    config.steps.forEach((s, i) => {
      const prefix = `${s.id}.`;
      const own = Object.fromEntries(
        Object.entries(weights)
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, v]) => [k.slice(prefix.length), v]),
      );
      const assign = ctx.assign;
      const xs = s.inputs.map((r) => ('port' in r ? inputs[r.port]! : values[r.step]!));
      const probe = ctx.probe;
      values[i] = defs[i]!.kernel!.call(ops, xs, own, restoreEnums(defs[i]!, s.params), {
        training: ctx.training,
        ...(assign ? { assign: (name: string, v: (typeof inputs)[number]) => assign(prefix + name, v) } : {}),
        ...(probe ? { probe: (name: string, v: (typeof inputs)[number]) => probe(prefix + name, v) } : {}),
      });
    });
    return values[config.output]!;
  },
};

/** A step id from an inner node id: letters and digits only, unique among `taken`. */
export function stepId(nodeId: string, taken: Set<string>): string {
  const base = nodeId.replace(/[^A-Za-z0-9]/g, '') || 'n';
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}${i}`;
  taken.add(id);
  return id;
}
