// A kernel, loss or metric function traced with the recording Ops (trace.ts, shared with the
// TypeScript exporter) and printed as plain torch code. Tensors keep tfjs's layout (channels
// last), so every op means what it means in tfjs. Scalars stay Python numbers (folded when all
// their inputs are numbers), so `x * 0.5` prints instead of a tensor constant. Pure.

import { type PyNamer, pyNumber } from './python-literals.ts';
import {
  type Effect,
  isExpr,
  isTraced,
  type Leaf,
  type Node,
  nodeDeps,
  type Printed,
  type TracedFn,
  traceGraph,
} from './trace.ts';

/** Module-level helpers the printed code may call (defined once in model.py). */
export const PY_HELPERS: Readonly<Record<string, readonly string[]>> = {
  one_hot: [
    'def one_hot(indices, depth):',
    '    """One-hot of int labels along a new last axis, as float32; an index outside [0, depth) gives a zero row, as tf.oneHot does."""',
    '    idx = indices.reshape(-1).long()',
    '    inside = (idx >= 0) & (idx < depth)',
    '    return F.one_hot(torch.where(inside, idx, torch.zeros_like(idx)), depth).float() * inside.unsqueeze(-1).float()',
  ],
  in_top_k: [
    'def in_top_k(pred, labels, k):',
    '    """1 per row where the label scores among the k highest (ties count as hits), else 0."""',
    '    idx = labels.reshape(-1).long()',
    '    label_score = pred.gather(-1, idx.unsqueeze(-1))',
    '    higher = (pred > label_score).float().sum(-1)',
    '    return (higher < k).float()',
  ],
  gather: [
    'def gather(x, indices, axis):',
    '    """tf.gather: entries of x along `axis` at integer-valued indices; shape x[:axis] + indices + x[axis+1:]."""',
    '    axis = axis % x.dim()',
    '    return x[(slice(None),) * axis + (indices.long(),)]',
  ],
};

export interface PyTraceResult {
  readonly lines: string[];
  readonly helpers: string[];
}

export interface PyPrintOptions {
  readonly indent: number;
  readonly namer: PyNamer;
  /** Python target of a traced state write (`self.moving_mean`), by the kernel's weight name. */
  readonly writeTarget?: (name: string) => string;
}

/** A value as printed: a tensor expression, or a Python number (literal or dim expression). */
type Value = { readonly tensor: string } | { readonly num: number } | { readonly scalar: string };

const FOLD: Readonly<Record<string, (...a: number[]) => number>> = {
  add: (a, b) => a! + b!,
  sub: (a, b) => a! - b!,
  mul: (a, b) => a! * b!,
  div: (a, b) => a! / b!,
  pow: (a, b) => a! ** b!,
  maximum: (a, b) => Math.max(a!, b!),
  minimum: (a, b) => Math.min(a!, b!),
  neg: (a) => -a!,
  abs: (a) => Math.abs(a!),
  exp: (a) => Math.exp(a!),
  log: (a) => Math.log(a!),
  sqrt: (a) => Math.sqrt(a!),
  rsqrt: (a) => 1 / Math.sqrt(a!),
  square: (a) => a! * a!,
  sin: (a) => Math.sin(a!),
  cos: (a) => Math.cos(a!),
  tanh: (a) => Math.tanh(a!),
  floor: (a) => Math.floor(a!),
};

const OPERATORS: Readonly<Record<string, string>> = { add: '+', sub: '-', mul: '*', div: '/' };

const UNARY_TORCH = new Set([
  'abs',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'square',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'relu',
  'erf',
  'floor',
]);

/**
 * Traces `fn` over `leaves` and prints it as Python statements ending in `return <result>`.
 * Unknown dims print as `<leaf>.shape[axis]`.
 */
export function tracePython(
  context: string,
  leaves: readonly Leaf[],
  fn: TracedFn,
  opts: PyPrintOptions,
): PyTraceResult {
  const graph = traceGraph(context, leaves, fn, (leaf, axis) => `${leaf}.shape[${axis}]`);
  return printPython(context, graph.nodes, graph.root, graph.effects, leaves, opts);
}

function printPython(
  context: string,
  nodes: readonly Node[],
  root: number,
  effects: readonly Effect[],
  leaves: readonly Leaf[],
  opts: PyPrintOptions,
): PyTraceResult {
  const helpers = new Set<string>();
  const pad = ' '.repeat(opts.indent);
  const device = leaves.length ? `${leaves[0]!.name}.device` : undefined;
  const deviceArg = device ? `, device=${device}` : '';

  // Use counts of what the result and the writes reach.
  const uses = new Map<number, number>();
  const seen = new Set<number>();
  const stack = [root, ...effects.map((e) => e.id)];
  for (const e of effects) uses.set(e.id, (uses.get(e.id) ?? 0) + 1);
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const d of nodeDeps(nodes[id]!)) {
      uses.set(d, (uses.get(d) ?? 0) + 1);
      stack.push(d);
    }
  }

  const values = new Map<number, Value>();
  const lines: string[] = [];
  const tensorOf = (v: Value): string =>
    'tensor' in v
      ? v.tensor
      : `torch.tensor(${'num' in v ? pyNumber(v.num) : v.scalar}, dtype=torch.float32${deviceArg})`;
  const scalarText = (v: Value): string | undefined =>
    'num' in v ? pyNumber(v.num) : 'scalar' in v ? v.scalar : undefined;
  const operand = (v: Value): string => {
    const s = scalarText(v);
    if (s !== undefined) return 'num' in v && v.num < 0 ? `(${s})` : s;
    return (v as { tensor: string }).tensor;
  };
  const plain = (a: Printed): string => {
    if (isTraced(a)) return operand(values.get(a.traceId)!);
    if (isExpr(a)) return a.expr;
    if (Array.isArray(a)) return `[${a.map(plain).join(', ')}]`;
    if (typeof a === 'number') return pyNumber(a);
    if (typeof a === 'boolean') return a ? 'True' : 'False';
    if (a === null || a === undefined) return 'None';
    return JSON.stringify(a);
  };
  const val = (a: Printed): Value => {
    if (isTraced(a)) return values.get(a.traceId)!;
    if (typeof a === 'number') return { num: a };
    return { scalar: plain(a) };
  };
  const tensorArg = (a: Printed): string => tensorOf(val(a));
  const axesArg = (axes: Printed, keep: Printed): string => {
    const kd = keep === true ? ', keepdim=True' : '';
    return axes === undefined || axes === null ? (kd ? `, dim=None${kd}` : '') : `, dim=${plain(axes)}${kd}`;
  };
  const slices = (begin: readonly Printed[], size: readonly Printed[]): string => {
    const parts = begin.map((b, i) => {
      const s = size[i];
      const bt = plain(b);
      const from = bt === '0' ? '' : bt;
      if (s === -1) return `${from}:`;
      const to =
        typeof b === 'number' && typeof s === 'number'
          ? String(b + s)
          : bt === '0'
            ? plain(s!)
            : `${bt} + ${plain(s!)}`;
      return `${from}:${to}`;
    });
    while (parts.length && parts.at(-1) === ':') parts.pop();
    return parts.length ? `[${parts.join(', ')}]` : '';
  };

  const print = (n: Extract<Node, { kind: 'op' }>): Value => {
    const [a, b, c, d] = n.args;
    const fold = FOLD[n.op];
    if (fold && n.args.every((x) => (isTraced(x) ? 'num' in values.get(x.traceId)! : typeof x === 'number')))
      return {
        num: fold(
          ...n.args.map((x) =>
            isTraced(x) ? (values.get(x.traceId) as { num: number }).num : (x as number),
          ),
        ),
      };
    const scalarOnly =
      n.args.length > 0 && n.args.every((x) => !isTraced(x) || !('tensor' in values.get(x.traceId)!));
    const op = OPERATORS[n.op];
    if (op) {
      const text = `(${operand(val(a!))} ${op} ${operand(val(b!))})`;
      return scalarOnly ? { scalar: text } : { tensor: text };
    }
    const t = (s: string): Value => ({ tensor: s });
    switch (n.op) {
      case 'scalar':
        return val(a!);
      case 'pow':
        return t(`torch.pow(${'tensor' in val(a!) ? tensorArg(a!) : operand(val(a!))}, ${operand(val(b!))})`);
      case 'maximum':
      case 'minimum': {
        const bound = n.op === 'maximum' ? 'min' : 'max';
        const va = val(a!);
        const vb = val(b!);
        if (!('tensor' in vb)) return t(`torch.clamp(${tensorOf(va)}, ${bound}=${operand(vb)})`);
        if (!('tensor' in va)) return t(`torch.clamp(${tensorOf(vb)}, ${bound}=${operand(va)})`);
        return t(`torch.${n.op}(${va.tensor}, ${vb.tensor})`);
      }
      case 'greater':
        return t(`(${tensorArg(a!)} > ${operand(val(b!))}).float()`);
      case 'equal':
        return t(`(${tensorArg(a!)} == ${operand(val(b!))}).float()`);
      case 'step':
        return t(`(${tensorArg(a!)} > 0).float()`);
      case 'neg':
        return t(`(-${tensorArg(a!)})`);
      case 'softplus':
        return t(`F.softplus(${tensorArg(a!)})`);
      case 'clip':
        return t(`torch.clamp(${tensorArg(a!)}, ${plain(b!)}, ${plain(c!)})`);
      case 'sum':
      case 'mean':
        return t(`torch.${n.op}(${tensorArg(a!)}${axesArg(b, c)})`);
      case 'max':
        return b === undefined
          ? t(`torch.max(${tensorArg(a!)})`)
          : t(`torch.amax(${tensorArg(a!)}${axesArg(b, c)})`);
      case 'matMul': {
        const x = `${tensorArg(a!)}${c === true ? '.transpose(-2, -1)' : ''}`;
        const y = `${tensorArg(b!)}${d === true ? '.transpose(-2, -1)' : ''}`;
        return t(`torch.matmul(${x}, ${y})`);
      }
      case 'reshape':
        return t(`torch.reshape(${tensorArg(a!)}, ${plain(b!)})`);
      case 'transpose':
        return b === undefined
          ? t(`${tensorArg(a!)}.permute(*reversed(range(${tensorArg(a!)}.dim())))`)
          : t(`${tensorArg(a!)}.permute(${plain(b)})`);
      case 'softmax':
        return t(`torch.softmax(${tensorArg(a!)}, -1)`);
      case 'logSoftmax':
        return t(`torch.log_softmax(${tensorArg(a!)}, -1)`);
      case 'oneHot':
        helpers.add('one_hot');
        return t(`one_hot(${tensorArg(a!)}, ${plain(b!)})`);
      case 'inTopK':
        helpers.add('in_top_k');
        return t(`in_top_k(${tensorArg(a!)}, ${tensorArg(b!)}, ${plain(c!)})`);
      case 'argMax':
        return t(`torch.argmax(${tensorArg(a!)}, ${plain(b!)})`);
      case 'cast':
        return t(`${tensorArg(a!)}.${b === 'int32' ? 'long' : 'float'}()`);
      case 'constant':
        return t(`torch.tensor(${plain(a!)}, dtype=torch.float32${deviceArg}).reshape(${plain(b!)})`);
      case 'slice':
        return t(`${tensorArg(a!)}${slices(a === undefined ? [] : (b as Printed[]), c as Printed[])}`);
      case 'concat':
        return t(`torch.cat([${(a as Printed[]).map(tensorArg).join(', ')}], ${plain(b!)})`);
      case 'randomUniform':
        return t(`torch.rand(${plain(a!)}${deviceArg})`);
      // Drawn from torch's global generator, which train.py seeds (torch.manual_seed).
      case 'randomNormal':
        return t(`torch.randn(${plain(a!)}${deviceArg})`);
      case 'stopGradient':
        return t(`${tensorArg(a!)}.detach()`);
      case 'gather':
        helpers.add('gather');
        return t(`gather(${tensorArg(a!)}, ${tensorArg(b!)}, ${plain(c!)})`);
      // torch.topk sorts descending like tf.topk; the Ops contract returns indices as float32.
      case 'topK':
        return t(`torch.topk(${tensorArg(a!)}, ${plain(b!)}, dim=-1).values`);
      case 'topKIndices':
        return t(`torch.topk(${tensorArg(a!)}, ${plain(b!)}, dim=-1).indices.float()`);
      default:
        if (UNARY_TORCH.has(n.op)) return t(`torch.${n.op}(${tensorArg(a!)})`);
        throw new Error(`${context}: the PyTorch export has no translation for the op '${n.op}'.`);
    }
  };

  const order = [...seen].sort((x, y) => x - y);
  for (const id of order) {
    const n = nodes[id]!;
    if (n.kind === 'leaf') {
      values.set(id, { tensor: n.leaf.name });
      continue;
    }
    const v = print(n);
    const name = () => opts.namer.fresh(n.op);
    // Named: a tensor used more than once, or a long expression (keeps lines readable).
    if (id !== root && 'tensor' in v && ((uses.get(id) ?? 0) > 1 || v.tensor.length > 72)) {
      const k = name();
      lines.push(`${pad}${k} = ${v.tensor}`);
      values.set(id, { tensor: k });
    } else values.set(id, v);
  }
  for (const e of effects) {
    const target = opts.writeTarget ? opts.writeTarget(e.target) : e.target;
    lines.push(`${pad}with torch.no_grad():`, `${pad}    ${target}.copy_(${tensorOf(values.get(e.id)!)})`);
  }
  lines.push(`${pad}return ${tensorOf(values.get(root)!)}`);
  return { lines, helpers: [...helpers] };
}
