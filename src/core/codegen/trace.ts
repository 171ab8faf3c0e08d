// Tracing a kernel, loss or metric function into straight-line tfjs code. The recording Ops is a
// Proxy: every op the function calls becomes a node of an expression graph, printed as
// `tf.<op>(…)` unless PRINT says otherwise — so an op added to src/core/ops.ts later prints with
// no change here whenever tfjs has a function of that name taking the same arguments.
//
// Dims unknown before run time (the batch) cannot be JS numbers the function computes with, so
// the function is traced several times with different stand-in sizes: numbers that change with
// them are printed as `x.shape[0]! * 36`-style expressions (found by fitting c + Σ aᵢ·dimᵢ and
// checked on one more trace); everything else must trace identically. Pure: no tfjs.

import type { Ops } from '../ops.ts';
import { array, call, type Expr, flat, layout } from './layout.ts';
import { CodegenError, type Namer, printNumber, printValue } from './print.ts';
import { opShape } from './shapes.ts';
import { DRAW_SEED_EXPR } from './tfjs-config.ts';

/** A traced value: an opaque handle into the trace. */
export interface Traced {
  readonly traceId: number;
}

/** An input of a traced function: a variable of the printed code. */
export interface Leaf {
  readonly name: string;
  /** Static shape; null = known only at run time. */
  readonly shape?: readonly (number | null)[];
  /** Statement declaring the variable, printed before its first use (e.g. a weight read). */
  readonly declare?: string;
}

export interface PrintOptions {
  /** Spaces before each statement, and the line width statements must fit. */
  readonly indent: number;
  readonly width: number;
  /** Hands out names for the consts the printer introduces. */
  readonly namer: Namer;
  /** Appended to the returned expression (` as tf.Scalar`). */
  readonly returnSuffix?: string;
}

export interface TraceResult {
  readonly lines: string[];
  /** Module-level helpers (keys of HELPERS) the lines call. */
  readonly helpers: string[];
}

type Arg = Traced | number | string | boolean | null | undefined | readonly Arg[];
/** A merged argument: as recorded, or an expression of run-time dims. */
export type Printed =
  | Traced
  | number
  | string
  | boolean
  | null
  | undefined
  | { readonly expr: string }
  | readonly Printed[];

type RunNode =
  | { readonly kind: 'leaf'; readonly leaf: number; readonly shape: readonly number[] | undefined }
  | {
      readonly kind: 'op';
      readonly op: string;
      readonly args: readonly Arg[];
      readonly shape: readonly number[] | undefined;
    };

export type Node =
  | { readonly kind: 'leaf'; readonly leaf: Leaf }
  | { readonly kind: 'op'; readonly op: string; readonly args: readonly Printed[] };

/**
 * How an op prints when `tf.<op>(args)` is not what src/compiler/tf-ops.ts does; `helper` names the
 * module-level function (a key of HELPERS) the printed code calls.
 */
const PRINT: Readonly<Record<string, { print: (a: Expr[]) => Expr; helper?: string }>> = {
  greater: { print: ([a, b]) => call('tf.cast', call('tf.greater', a!, b!), "'float32'") },
  equal: { print: ([a, b]) => call('tf.cast', call('tf.equal', a!, b!), "'float32'") },
  clip: { print: ([x, lo, hi]) => call('tf.clipByValue', x!, lo!, hi!) },
  constant: { print: ([values, shape]) => call('tf.tensor', values!, shape!, "'float32'") },
  randomUniform: {
    print: ([shape]) => call('tf.randomUniform', shape!, '0', '1', "'float32'", DRAW_SEED_EXPR),
  },
  oneHot: { print: (a) => call('oneHot', ...a), helper: 'oneHot' },
  inTopK: { print: (a) => call('inTopK', ...a), helper: 'inTopK' },
  step: { print: (a) => call('step', ...a), helper: 'step' },
  stopGradient: { print: (a) => call('stopGradient', ...a), helper: 'stopGradient' },
  randomNormal: {
    print: ([shape]) => call('tf.randomNormal', shape!, '0', '1', "'float32'", DRAW_SEED_EXPR),
  },
  gather: { print: ([x, i, axis]) => call('tf.gather', x!, call('tf.cast', i!, "'int32'"), axis!) },
  topK: { print: (a) => call('topK', ...a), helper: 'topK' },
  topKIndices: { print: (a) => call('topKIndices', ...a), helper: 'topKIndices' },
};

/** Module-level helpers the printed code may call: the tfjs code of src/compiler/tf-ops.ts. */
export const HELPERS: Readonly<Record<string, readonly string[]>> = {
  segmentedInitializer: [
    '/** Segment-wise initialiser: each segment of the last axis drawn by its own initialiser, fans from its fanShape. */',
    'function segmentedInitializer(',
    '  segments: [number, number[] | null, ReturnType<typeof tf.initializers.zeros>][],',
    '): ReturnType<typeof tf.initializers.zeros> {',
    '  const apply = (shape: number[], dtype?: tf.DataType): tf.Tensor =>',
    '    tf.tidy(() => {',
    '      const lead = shape.slice(0, -1);',
    '      const parts = segments.map(([size, fan, init]) =>',
    '        tf.reshape(init.apply(fan ?? [...lead, size], dtype), [...lead, size]),',
    '      );',
    '      return tf.concat(parts, -1);',
    '    });',
    '  return { apply } as unknown as ReturnType<typeof tf.initializers.zeros>;',
    '}',
  ],
  oneHot: [
    '/** One-hot of int labels along a new last axis, as float32. */',
    'function oneHot(indices: tf.Tensor, depth: number): tf.Tensor {',
    "  const flat = tf.cast(tf.reshape(indices, [-1]), 'int32') as tf.Tensor1D;",
    "  return tf.cast(tf.oneHot(flat, depth), 'float32');",
    '}',
  ],
  inTopK: [
    '/** 1 per row where the label scores among the k highest (ties count as hits), else 0. */',
    'function inTopK(pred: tf.Tensor, labels: tf.Tensor, k: number): tf.Tensor {',
    "  const idx = tf.cast(tf.reshape(labels, [-1]), 'int32') as tf.Tensor1D;",
    '  const labelScore = tf.sum(tf.mul(pred, tf.oneHot(idx, pred.shape[pred.shape.length - 1]!)), -1, true);',
    "  const higher = tf.sum(tf.cast(tf.greater(pred, labelScore), 'float32'), -1);",
    "  return tf.cast(tf.less(higher, k), 'float32');",
    '}',
  ],
  step: [
    '/** 1 where x > 0 else 0, as float32, with a zero gradient (tfjs has no gradient for Greater). */',
    'const step = tf.customGrad((...args) => {',
    '  const x = args[0] as tf.Tensor;',
    "  return { value: tf.cast(tf.greater(x, 0), 'float32'), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };",
    '});',
  ],
  stopGradient: [
    '/** x unchanged, with a zero gradient (tfjs has no stopGradient op). */',
    'const stopGradient = tf.customGrad((...args) => {',
    '  const x = args[0] as tf.Tensor;',
    '  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };',
    '});',
  ],
  topK: [
    '/** The k largest values on the last axis, descending (tfjs has no TopK gradient: scattered back by one-hot). */',
    'function topK(x: tf.Tensor, k: number): tf.Tensor {',
    '  const n = x.shape[x.shape.length - 1]!;',
    '  const f = tf.customGrad((...args) => {',
    '    const save = args[args.length - 1] as (ts: tf.Tensor[]) => void;',
    '    const { values, indices } = tf.topk(args[0] as tf.Tensor, k);',
    '    save([indices]);',
    '    return {',
    '      value: values,',
    '      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>',
    "        tf.sum(tf.mul(tf.cast(tf.oneHot(saved[0] as tf.Tensor1D, n), 'float32'), tf.expandDims(dy, -1)), -2),",
    '    };',
    '  });',
    '  return f(x);',
    '}',
  ],
  topKIndices: [
    '/** Indices (as float32) of the k largest values on the last axis, descending; zero gradient. */',
    'function topKIndices(x: tf.Tensor, k: number): tf.Tensor {',
    '  const f = tf.customGrad((...args) => {',
    '    const v = args[0] as tf.Tensor;',
    "    return { value: tf.cast(tf.topk(v, k).indices, 'float32'), gradFunc: () => tf.zerosLike(v) };",
    '  });',
    '  return f(x);',
    '}',
  ],
};

/** Ops whose results are cheap constants: printed inline at every use, never given a name. */
const INLINE_ALWAYS = new Set(['scalar']);

export const isTraced = (a: unknown): a is Traced =>
  typeof a === 'object' && a !== null && !Array.isArray(a) && 'traceId' in a;
export const isExpr = (a: unknown): a is { expr: string } =>
  typeof a === 'object' && a !== null && !Array.isArray(a) && 'expr' in a;

/** The trace ids a node reads (its traced arguments, nested arrays included); none for a leaf. */
export function nodeDeps(n: Node): number[] {
  if (n.kind === 'leaf') return [];
  const out: number[] = [];
  const walk = (a: Printed) => {
    if (isTraced(a)) out.push(a.traceId);
    else if (Array.isArray(a)) for (const x of a) walk(x);
  };
  for (const a of n.args) walk(a);
  return out;
}

/**
 * A traced function's side effects: `write(target, value)` records `<target>.write(<value>);` (a
 * kernel updating a state weight while training), printed before the return.
 */
export type TraceWrite = (target: string, value: Traced) => void;
export type TracedFn = (ops: Ops<Traced>, leaves: readonly Traced[], write: TraceWrite) => Traced;

export interface Effect {
  readonly target: string;
  readonly id: number;
}

/** One run of the function with concrete stand-ins for the run-time dims. */
function record(
  context: string,
  leafShapes: readonly (readonly number[] | undefined)[],
  fn: TracedFn,
): { nodes: RunNode[]; root: number; effects: Effect[] } {
  const nodes: RunNode[] = [];
  const add = (n: RunNode): Traced => {
    nodes.push(n);
    return { traceId: nodes.length - 1 };
  };
  const node = (v: unknown): RunNode => {
    const n = isTraced(v) ? nodes[v.traceId] : undefined;
    if (!n)
      throw new CodegenError(`${context}: a traced function used or returned a value that is not a tensor.`);
    return n;
  };
  const shapeOf = (v: unknown) => (isTraced(v) ? nodes[v.traceId]?.shape : undefined);
  const ops = new Proxy({} as Ops<Traced>, {
    get: (_target, prop) => {
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      if (prop === 'shape')
        return (x: Traced): number[] => {
          const n = node(x);
          if (!n.shape)
            throw new CodegenError(
              `${context}: the code generator does not know the shape of a '${n.kind === 'op' ? n.op : 'leaf'}' result, which the function reads with ops.shape.`,
            );
          return [...n.shape];
        };
      return (...args: Arg[]) => add({ kind: 'op', op: prop, args, shape: opShape(prop, args, shapeOf) });
    },
  });
  const leaves = leafShapes.map((shape, leaf) => add({ kind: 'leaf', leaf, shape }));
  const effects: Effect[] = [];
  const write: TraceWrite = (target, value) => {
    node(value);
    effects.push({ target, id: value.traceId });
  };
  const result = fn(ops, leaves, write);
  node(result);
  return { nodes, root: result.traceId, effects };
}

/**
 * Traces `fn` over `leaves` and prints it as statements ending in `return <result>;`. A value used
 * more than once gets a `const`; so does a subexpression that would push a line past the width.
 */
export function traceFunction(
  context: string,
  leaves: readonly Leaf[],
  fn: TracedFn,
  print: PrintOptions,
): TraceResult {
  const { nodes, root, effects } = traceGraph(context, leaves, fn);
  return printGraph(nodes, root, print, effects);
}

/** The traced graph of `fn`, language-neutral: what a printer (TypeScript, Python) prints. */
export interface TracedGraph {
  readonly nodes: readonly Node[];
  readonly root: number;
  readonly effects: readonly Effect[];
}

/**
 * Traces `fn` over `leaves` (several runs with stand-in sizes for the run-time dims) and merges
 * the runs into one graph whose numbers are constants or `{ expr }`s of the run-time dims, each
 * dim printed by `dimExpr(leaf name, axis)` (TypeScript's `x.shape[0]!` by default).
 */
export function traceGraph(
  context: string,
  leaves: readonly Leaf[],
  fn: TracedFn,
  dimExpr: (leaf: string, axis: number) => string = (leaf, axis) => `${leaf}.shape[${axis}]!`,
): TracedGraph {
  // Run-time dims: the unknown batch dim of every leaf is one (the batch); any other unknown dim
  // is one of its own. Each is printed as the leaf's run-time shape entry.
  const dims: { expr: string }[] = [];
  const dimAt = new Map<string, number>();
  let batch = -1;
  for (const [li, l] of leaves.entries()) {
    for (const [axis, d] of (l.shape ?? []).entries()) {
      if (d !== null) continue;
      if (axis === 0 && batch >= 0) {
        dimAt.set(`${li}:0`, batch);
        continue;
      }
      if (axis === 0) batch = dims.length;
      dimAt.set(`${li}:${axis}`, dims.length);
      dims.push({ expr: dimExpr(l.name, axis) });
    }
  }
  const base = dims.map((_s, k) => 10007 + 13 * k);
  const alt = dims.map((_s, k) => 11003 + 17 * k);
  const check = dims.map((_s, k) => 12011 + 19 * k);
  const assignments = [base, ...dims.map((_s, k) => base.map((b, j) => (j === k ? alt[k]! : b))), check];
  const runs = assignments.map((values) =>
    record(
      context,
      leaves.map((l, li) => l.shape?.map((d, axis) => d ?? values[dimAt.get(`${li}:${axis}`)!]!)),
      fn,
    ),
  );

  // Merge the runs: same graph, numbers either constant or affine in the run-time dims.
  const differs = () =>
    new CodegenError(
      `export/unsupported: ${context}: the function computes differently for different batch sizes, so the TypeScript exporter cannot print it as one piece of code.`,
    );
  const first = runs[0]!;
  const sameEffects = (r: (typeof runs)[number]) =>
    r.effects.length === first.effects.length &&
    r.effects.every((e, i) => e.target === first.effects[i]!.target && e.id === first.effects[i]!.id);
  if (runs.some((r) => r.nodes.length !== first.nodes.length || r.root !== first.root || !sameEffects(r)))
    throw differs();
  const fitAffine = (values: number[]): Printed => {
    const v0 = values[0]!;
    if (values.every((v) => v === v0)) return v0;
    const a = dims.map((_s, k) => (values[k + 1]! - v0) / (alt[k]! - base[k]!));
    const c = v0 - a.reduce((t, ak, k) => t + ak * base[k]!, 0);
    const predicted = c + a.reduce((t, ak, k) => t + ak * check[k]!, 0);
    const last = values.at(-1)!;
    // Tight: a quantity only nearly affine at the large stand-in sizes (n/(n − 1)) must not pass.
    if (Math.abs(predicted - last) > 1e-12 * Math.max(1, Math.abs(last)))
      throw new CodegenError(
        `${context}: a number the function computes depends on the batch size in a way the code generator cannot print (only c + a·size).`,
      );
    const round = (x: number) => (Math.abs(x - Math.round(x)) < 1e-9 ? Math.round(x) : x);
    const terms = dims
      .map((s, k) => ({ s, ak: round(a[k]!) }))
      .filter((t) => t.ak !== 0)
      .map(({ s, ak }) => (ak === 1 ? s.expr : `${s.expr} * ${printNumber(ak)}`));
    const c0 = round(c);
    const expr =
      terms.join(' + ') + (c0 > 0 ? ` + ${printNumber(c0)}` : c0 < 0 ? ` - ${printNumber(-c0)}` : '');
    return { expr: expr || '0' };
  };
  const merge = (values: readonly Arg[]): Printed => {
    const v0 = values[0];
    if (typeof v0 === 'number') {
      if (values.some((v) => typeof v !== 'number')) throw differs();
      return fitAffine(values as number[]);
    }
    if (Array.isArray(v0)) {
      if (values.some((v) => !Array.isArray(v) || v.length !== v0.length)) throw differs();
      return v0.map((_x, i) => merge(values.map((v) => (v as readonly Arg[])[i])));
    }
    if (isTraced(v0)) {
      if (values.some((v) => !isTraced(v) || v.traceId !== v0.traceId)) throw differs();
      return v0;
    }
    if (values.some((v) => v !== v0)) throw differs();
    return v0;
  };
  // Only what the result and the writes depend on is merged and printed.
  const reachable = new Set<number>();
  const visit = (a: Arg) => {
    if (isTraced(a)) {
      if (reachable.has(a.traceId)) return;
      reachable.add(a.traceId);
      const n = first.nodes[a.traceId]!;
      if (n.kind === 'op') for (const x of n.args) visit(x);
    } else if (Array.isArray(a)) for (const x of a) visit(x);
  };
  visit({ traceId: first.root });
  for (const e of first.effects) visit({ traceId: e.id });
  const nodes: Node[] = first.nodes.map((n, id) => {
    if (n.kind === 'leaf') return { kind: 'leaf', leaf: leaves[n.leaf]! };
    if (!reachable.has(id)) return { kind: 'op', op: n.op, args: [] };
    const all = runs.map((r) => r.nodes[id]!);
    if (all.some((m) => m.kind !== 'op' || m.op !== n.op || m.args.length !== n.args.length)) throw differs();
    const args = n.args.map((_a, i) => merge(all.map((m) => (m as { args: readonly Arg[] }).args[i])));
    return { kind: 'op', op: n.op, args };
  });
  return { nodes, root: first.root, effects: first.effects };
}

function printGraph(
  nodes: readonly Node[],
  root: number,
  opts: PrintOptions,
  effects: readonly Effect[] = [],
): TraceResult {
  const helpers = new Set<string>();
  const deps = (id: number): number[] => nodeDeps(nodes[id]!);
  // Reachable nodes and their use counts.
  const uses = new Map<number, number>();
  const seen = new Set<number>();
  const stack = [root, ...effects.map((e) => e.id)];
  // A written value counts as one use, so a value both written and used elsewhere gets a const.
  for (const e of effects) uses.set(e.id, (uses.get(e.id) ?? 0) + 1);
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const d of deps(id)) {
      uses.set(d, (uses.get(d) ?? 0) + 1);
      stack.push(d);
    }
  }
  const isOp = (id: number) => nodes[id]!.kind === 'op';
  const inlineOnly = (id: number) => {
    const n = nodes[id]!;
    return n.kind === 'op' && INLINE_ALWAYS.has(n.op) && deps(id).length === 0;
  };
  // Names go out in statement order (`sum`, then `sum2`, …), renumbered whenever a name is added.
  const named = new Map<number, string>();
  const rename = () => {
    const namer = opts.namer.child();
    for (const id of [...named.keys()].sort((a, b) => a - b)) {
      const n = nodes[id]!;
      named.set(id, n.kind === 'leaf' ? n.leaf.name : namer.fresh(n.op));
    }
  };
  for (const id of [...seen].sort((a, b) => a - b))
    if (isOp(id) && id !== root && (uses.get(id) ?? 0) > 1 && !inlineOnly(id)) named.set(id, '');
  rename();

  const printArg = (a: Printed): Expr => {
    if (isTraced(a)) return expr(a.traceId, false);
    if (isExpr(a)) return a.expr;
    if (Array.isArray(a)) return array(a.map(printArg));
    if (typeof a === 'number') return printNumber(a);
    return printValue(a as string | boolean | null | undefined);
  };
  const expr = (id: number, top: boolean): Expr => {
    const n = nodes[id]!;
    if (n.kind === 'leaf') return n.leaf.name;
    if (!top && named.has(id)) return named.get(id)!;
    const args = n.args.map(printArg);
    while (args.length && args.at(-1) === 'undefined') args.pop();
    const special = PRINT[n.op];
    if (special?.helper) helpers.add(special.helper);
    return special ? special.print(args) : call(`tf.${n.op}`, ...args);
  };
  const text = (id: number, top: boolean): string => flat(expr(id, top));
  /** Op nodes printed inline inside the statement of `id`. */
  const inlined = (id: number): number[] => {
    const out: number[] = [];
    for (const d of deps(id)) {
      if (named.has(d) || !isOp(d) || inlineOnly(d)) continue;
      out.push(d, ...inlined(d));
    }
    return out;
  };
  const pad = ' '.repeat(opts.indent);
  const parts = (id: number): [string, Expr, string] =>
    id === root
      ? ['return ', expr(id, true), `${opts.returnSuffix ?? ''};`]
      : [`const ${named.get(id)} = `, expr(id, true), ';'];
  const statement = (id: number): string => {
    const [prefix, e, suffix] = parts(id);
    return `${pad}${prefix}${flat(e)}${suffix}`;
  };

  // Split long statements: name the longest inlined subexpression whose own statement fits (else
  // the longest one), until every statement fits or nothing is left to name.
  const budget = opts.width - opts.indent - 'const  = ;'.length - 8;
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of [...named.keys(), root]) {
      if (statement(id).length <= opts.width) continue;
      const candidates = inlined(id).map((c) => ({ c, len: text(c, true).length }));
      if (!candidates.length) continue;
      const fitting = candidates.filter((x) => x.len <= budget);
      const pick = (fitting.length ? fitting : candidates).reduce((a, b) => (b.len > a.len ? b : a));
      named.set(pick.c, '');
      rename();
      changed = true;
      break;
    }
  }

  // Declared leaves (weight reads) the statements use, first, in leaf order.
  const lines = [...seen]
    .sort((a, b) => a - b)
    .flatMap((id) => {
      const n = nodes[id]!;
      return n.kind === 'leaf' && n.leaf.declare ? [`${pad}${n.leaf.declare}`] : [];
    });
  for (const id of [...named.keys()].sort((a, b) => a - b)) {
    const [prefix, e, suffix] = parts(id);
    lines.push(...layout(prefix, e, suffix, opts.indent, opts.width));
  }
  for (const w of effects)
    lines.push(
      ...layout('', call(`${w.target}.write`, expr(w.id, !named.has(w.id))), ';', opts.indent, opts.width),
    );
  {
    const [prefix, e, suffix] = parts(root);
    lines.push(...layout(prefix, e, suffix, opts.indent, opts.width));
  }
  return { lines, helpers: [...helpers] };
}
