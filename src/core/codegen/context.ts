// What the parts of the code generator share: the IR and registry, module-level names, the
// helpers the printed code calls, and small printing conveniences. Pure.

import type { IRNode, IRRef, Json, JsonObject, ModelIR } from '../ir.ts';
import { type AnyNodeDef, portsOf } from '../node-def.ts';
import type { Registry } from '../registry.ts';
import type { Dim } from '../tensor-type.ts';
import { call, type Expr, object } from './layout.ts';
import { CodegenError, citation, identifier, Namer, printKey, printString, printValue } from './print.ts';
import type { InitializerSpec } from './tfjs-config.ts';
import { HELPERS, type Leaf, type PrintOptions, type TracedFn, traceFunction } from './trace.ts';

export type Shape = readonly Dim[];

/** Module-level names the generated code may define (node-derived names never take them). */
export const MODULE_NAMES = [
  'tf',
  'buildModel',
  'train',
  'TrainData',
  'TrainOptions',
  'EpochReport',
  'Stage',
  'STAGES',
  'GROUPS',
  'Batch',
  'objective',
  'makeOptimizer',
  'trainableVariables',
  'createShuffler',
  'toList',
  'variantOf',
  'KernelLayerArgs',
  ...Object.keys(HELPERS),
];

export class Context {
  readonly nodes: ReadonlyMap<string, IRNode>;
  /** Module-level names: exported classes, loss and metric functions. */
  readonly moduleNames = new Namer(MODULE_NAMES);
  /** Helpers (toList, variantOf, keys of HELPERS) the printed code calls. */
  readonly helpers = new Set<string>();
  /** Kernel node type → exported class name. */
  readonly kernelClasses = new Map<string, string>();
  /** Loss/metric node id → function name. */
  readonly headFunctions = new Map<string, string>();
  /** Whole-split metric node id → its finalize function's name. */
  readonly splitFinalize = new Map<string, string>();

  constructor(
    readonly ir: ModelIR,
    readonly registry: Registry,
    readonly seed: number,
  ) {
    this.nodes = new Map(ir.nodes.map((n) => [n.id, n]));
  }

  def(node: IRNode): AnyNodeDef {
    const def = this.registry.get(node.type);
    if (!def) throw new CodegenError(`unknown node type '${node.type}'`, node.id);
    return def;
  }

  /** Static shape of what a ref reads (a model node's output). */
  shapeOf(ref: IRRef): Shape {
    if (!('node' in ref)) return [null];
    const n = this.nodes.get(ref.node);
    if (!n) throw new CodegenError(`node '${ref.node}' is not part of the model`);
    return n.outputShape;
  }

  /** Names for a node's inputs: its port names when every port is connected, else x0, x1, …. */
  inputNames(node: IRNode, def: AnyNodeDef, params: JsonObject): string[] {
    const ports = node.ports ?? Object.keys(portsOf(def, params));
    return ports.length === node.inputs.length ? ports.map(identifier) : node.inputs.map((_r, i) => `x${i}`);
  }

  /** A namer for locals of one function: module-level names are taken. */
  localNamer(): Namer {
    return new Namer([
      ...MODULE_NAMES,
      ...this.kernelClasses.values(),
      ...this.headFunctions.values(),
      ...this.splitFinalize.values(),
    ]);
  }

  /** traceFunction for one node; errors name the node; records the helpers the code calls. */
  trace(node: IRNode, leaves: readonly Leaf[], print: PrintOptions, fn: TracedFn): string[] {
    const context = `node '${node.id}' (${node.type})`;
    try {
      const traced = traceFunction(context, leaves, fn, print);
      for (const h of traced.helpers) this.helpers.add(h);
      return traced.lines;
    } catch (e) {
      if (e instanceof CodegenError) throw new CodegenError(e.message, node.id);
      throw new CodegenError(`tracing ${context} failed: ${(e as Error).message}`, node.id);
    }
  }
}

export const printShape = (s: Shape): string => printValue(s as Json);

/** `tf.initializers.<name>({ … })`; `seed` may be an expression such as `this.seed + 1`. */
export function initializerExpr(s: InitializerSpec, seedExpr?: string): Expr {
  if (s.segments)
    return call('segmentedInitializer', {
      array: s.segments.map(
        (g): Expr => ({
          array: [
            String(g.size),
            g.fanShape ? printShape(g.fanShape) : 'null',
            initializerExpr(g.spec, seedExpr ? `${seedExpr} + ${g.seedOffset}` : undefined),
          ],
        }),
      ),
    });
  const entries = Object.entries(s.args ?? {}).map(([k, v]): [string, Expr] => [
    printKey(k),
    k === 'seed' && seedExpr ? seedExpr : printValue(v),
  ]);
  return entries.length
    ? call(`tf.initializers.${s.initializer}`, object(entries))
    : call(`tf.initializers.${s.initializer}`);
}

/** A JSON value as an Expr (objects and arrays stay breakable). */
export function jsonExpr(v: Json): Expr {
  if (Array.isArray(v)) return { array: v.map(jsonExpr) };
  if (v !== null && typeof v === 'object')
    return object(
      Object.entries(v as JsonObject).map(([k, x]): [string, Expr] => [printKey(k), jsonExpr(x)]),
    );
  return printValue(v as Json);
}

export function paperNote(def: AnyNodeDef | undefined): string[] {
  return def?.docs.paper ? [`Paper: ${citation(def.docs.paper)}`] : [];
}

/** `Title (type): formula` for a doc comment. */
export function nodeTitle(def: AnyNodeDef): string {
  return `${def.title} (${def.type})${def.docs.formula ? `: ${def.docs.formula}` : ''}`;
}

/** `.name`, or `['name']` for a name that is not an identifier. */
export function memberAccess(name: string): string {
  return printKey(name) === name ? `.${name}` : `[${printString(name)}]`;
}
