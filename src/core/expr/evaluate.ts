// Interpreters for the formula AST of ./parse.ts: over Ops (tfjs tensors, traced code — so a
// formula is differentiable and exportable) and over plain numbers (to draw the curve). Both walk
// the same AST with the same function table; nothing is ever evaluated as JavaScript text.
import type { Ops } from '../ops.ts';
import { type Expr, ExprError, parseExpr } from './parse.ts';

/** Protected variants of gplearn (paper 27): sqrt(|x| + 1e-6); log|x| for |x| > 1e-6, else 0. */
export type Semantics = 'plain' | 'protected';

interface FnSpec {
  readonly arity: number;
  readonly doc: string;
  num(args: readonly number[], sem: Semantics): number;
  ops<T>(o: Ops<T>, args: readonly T[], sem: Semantics): T;
}

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7): enough to draw a curve. */
export function erfNumber(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return s * y;
}
const softplusNumber = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));
const sigmoidNumber = (x: number) => 1 / (1 + Math.exp(-x));
const PROTECT = 1e-6;

const unary = (
  doc: string,
  num: (x: number, sem: Semantics) => number,
  ops: <T>(o: Ops<T>, x: T, sem: Semantics) => T,
): FnSpec => ({
  arity: 1,
  doc,
  num: ([x], sem) => num(x!, sem),
  ops: (o, [x], sem) => ops(o, x!, sem),
});
const binary = (
  doc: string,
  num: (a: number, b: number) => number,
  ops: <T>(o: Ops<T>, a: T, b: T) => T,
): FnSpec => ({
  arity: 2,
  doc,
  num: ([a, b]) => num(a!, b!),
  ops: (o, [a, b]) => ops(o, a!, b!),
});

/** Every function a formula may call. gplearn's prefix names (add, sub, mul, div, neg) included. */
export const FUNCTIONS: Readonly<Record<string, FnSpec>> = {
  neg: unary(
    '−x',
    (x) => -x,
    (o, x) => o.neg(x),
  ),
  abs: unary('|x|', Math.abs, (o, x) => o.abs(x)),
  exp: unary('eˣ', Math.exp, (o, x) => o.exp(x)),
  log: unary(
    'natural log (protected: log|x|, 0 near 0)',
    (x, sem) => (sem === 'protected' ? (Math.abs(x) > PROTECT ? Math.log(Math.abs(x)) : 0) : Math.log(x)),
    (o, x, sem) => {
      if (sem === 'plain') return o.log(x);
      // step() has a zero gradient; below the threshold the product is exactly 0.
      const ax = o.abs(x);
      return o.mul(o.step(o.sub(ax, o.scalar(PROTECT))), o.log(o.maximum(ax, o.scalar(PROTECT))));
    },
  ),
  sqrt: unary(
    '√x (protected: √(|x| + 1e-6))',
    (x, sem) => (sem === 'protected' ? Math.sqrt(Math.abs(x) + PROTECT) : Math.sqrt(x)),
    (o, x, sem) => (sem === 'protected' ? o.sqrt(o.add(o.abs(x), o.scalar(PROTECT))) : o.sqrt(x)),
  ),
  rsqrt: unary(
    '1/√x',
    (x) => 1 / Math.sqrt(x),
    (o, x) => o.rsqrt(x),
  ),
  square: unary(
    'x²',
    (x) => x * x,
    (o, x) => o.square(x),
  ),
  sin: unary('sine', Math.sin, (o, x) => o.sin(x)),
  cos: unary('cosine', Math.cos, (o, x) => o.cos(x)),
  tan: unary('tangent', Math.tan, (o, x) => o.div(o.sin(x), o.cos(x))),
  tanh: unary('hyperbolic tangent', Math.tanh, (o, x) => o.tanh(x)),
  sigmoid: unary('1/(1 + e⁻ˣ)', sigmoidNumber, (o, x) => o.sigmoid(x)),
  relu: unary(
    'max(0, x)',
    (x) => Math.max(0, x),
    (o, x) => o.relu(x),
  ),
  softplus: unary('ln(1 + eˣ)', softplusNumber, (o, x) => o.softplus(x)),
  erf: unary('error function', erfNumber, (o, x) => o.erf(x)),
  gelu: unary(
    'x·Φ(x)',
    (x) => 0.5 * x * (1 + erfNumber(x / Math.SQRT2)),
    (o, x) => o.mul(o.mul(o.scalar(0.5), x), o.add(o.scalar(1), o.erf(o.mul(x, o.scalar(Math.SQRT1_2))))),
  ),
  silu: unary(
    'x·σ(x)',
    (x) => x * sigmoidNumber(x),
    (o, x) => o.mul(x, o.sigmoid(x)),
  ),
  add: binary(
    'a + b',
    (a, b) => a + b,
    (o, a, b) => o.add(a, b),
  ),
  sub: binary(
    'a − b',
    (a, b) => a - b,
    (o, a, b) => o.sub(a, b),
  ),
  mul: binary(
    'a · b',
    (a, b) => a * b,
    (o, a, b) => o.mul(a, b),
  ),
  div: binary(
    'a / b',
    (a, b) => a / b,
    (o, a, b) => o.div(a, b),
  ),
  max: binary('larger of a, b', Math.max, (o, a, b) => o.maximum(a, b)),
  min: binary('smaller of a, b', Math.min, (o, a, b) => o.minimum(a, b)),
  pow: binary(
    'aᵇ',
    (a, b) => a ** b,
    (o, a, b) => o.pow(a, b),
  ),
};

/** Named constants a formula may use. */
export const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };

/** A checked formula: parsed, every name resolved, every call of the right arity. */
export interface CompiledExpr {
  readonly source: string;
  readonly ast: Expr;
  /** Scalar names the formula reads besides the input variable (in order of first use). */
  readonly names: readonly string[];
  /** Names that denote the input (the variable, plus aliases such as gplearn's X0, X1 …). */
  readonly inputs: readonly string[];
}

/**
 * Parses and checks a formula. `variable` is the input's name (`x`); `scalars` are the other
 * names allowed (learnable scalars). Throws ExprError pointing at the offending character.
 */
export function compileExpr(
  source: string,
  variable: string,
  scalars: readonly string[],
  opts: { inputAlias?: RegExp } = {},
): CompiledExpr {
  const ast = parseExpr(source);
  const allowed = new Set(scalars);
  const names: string[] = [];
  const inputs: string[] = [variable];
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'num':
        return;
      case 'var':
        if (e.name === variable || Object.hasOwn(CONSTANTS, e.name)) return;
        if (opts.inputAlias?.test(e.name)) {
          if (!inputs.includes(e.name)) inputs.push(e.name);
          return;
        }
        if (allowed.has(e.name)) {
          if (!names.includes(e.name)) names.push(e.name);
          return;
        }
        if (Object.hasOwn(FUNCTIONS, e.name))
          throw new ExprError(`'${e.name}' is a function: write ${e.name}(…)`, e.pos, source);
        throw new ExprError(
          `Unknown name '${e.name}' (use ${[variable, ...scalars, ...Object.keys(CONSTANTS)].join(', ')}${scalars.length ? '' : ', or declare it as a learnable scalar'})`,
          e.pos,
          source,
        );
      case 'neg':
        walk(e.arg);
        return;
      case 'bin':
        walk(e.left);
        walk(e.right);
        return;
      case 'call': {
        const f = Object.hasOwn(FUNCTIONS, e.fn) ? FUNCTIONS[e.fn] : undefined;
        if (!f) throw new ExprError(`Unknown function '${e.fn}'`, e.pos, source);
        if (e.args.length !== f.arity)
          throw new ExprError(
            `${e.fn}() takes ${f.arity} argument${f.arity === 1 ? '' : 's'}, got ${e.args.length}`,
            e.pos,
            source,
          );
        for (const a of e.args) walk(a);
      }
    }
  };
  walk(ast);
  return { source, ast, names, inputs };
}

const smallIntPower = (e: Expr): number | undefined =>
  e.kind === 'num' && Number.isInteger(e.value) && e.value >= 0 && e.value <= 4 ? e.value : undefined;

/** Evaluates over Ops at input x; `scalars` maps every scalar name to a value (tensor). */
export function evalOps<T>(
  ops: Ops<T>,
  c: CompiledExpr,
  x: T,
  scalars: Readonly<Record<string, T>>,
  sem: Semantics = 'plain',
): T {
  const go = (e: Expr): T => {
    switch (e.kind) {
      case 'num':
        return ops.scalar(e.value);
      case 'var':
        if (c.inputs.includes(e.name)) return x;
        return Object.hasOwn(scalars, e.name) ? scalars[e.name]! : ops.scalar(CONSTANTS[e.name]!);
      case 'neg':
        return ops.neg(go(e.arg));
      case 'bin': {
        const a = go(e.left);
        if (e.op === '^') {
          // Small whole powers as products: exact gradients for negative bases, and cheaper.
          const k = smallIntPower(e.right);
          if (k === 0) return ops.add(ops.mul(a, ops.scalar(0)), ops.scalar(1));
          if (k === 1) return a;
          if (k === 2) return ops.square(a);
          if (k === 3) return ops.mul(ops.square(a), a);
          if (k === 4) return ops.square(ops.square(a));
          return ops.pow(a, go(e.right));
        }
        const b = go(e.right);
        return e.op === '+'
          ? ops.add(a, b)
          : e.op === '-'
            ? ops.sub(a, b)
            : e.op === '*'
              ? ops.mul(a, b)
              : ops.div(a, b);
      }
      case 'call':
        return FUNCTIONS[e.fn]!.ops(ops, e.args.map(go), sem);
    }
  };
  return go(c.ast);
}

/** Evaluates on plain numbers (for drawing the activation curve). */
export function evalNumber(
  c: CompiledExpr,
  x: number,
  scalars: Readonly<Record<string, number>> = {},
  sem: Semantics = 'plain',
): number {
  const go = (e: Expr): number => {
    switch (e.kind) {
      case 'num':
        return e.value;
      case 'var':
        if (c.inputs.includes(e.name)) return x;
        return Object.hasOwn(scalars, e.name) ? scalars[e.name]! : CONSTANTS[e.name]!;
      case 'neg':
        return -go(e.arg);
      case 'bin': {
        const a = go(e.left);
        const b = go(e.right);
        return e.op === '+'
          ? a + b
          : e.op === '-'
            ? a - b
            : e.op === '*'
              ? a * b
              : e.op === '/'
                ? a / b
                : a ** b;
      }
      case 'call':
        return FUNCTIONS[e.fn]!.num(e.args.map(go), sem);
    }
  };
  return go(c.ast);
}

/** Samples y = f(x) on [lo, hi] (n points) — the curve the canvas draws. */
export function sampleCurve(
  c: CompiledExpr,
  scalars: Readonly<Record<string, number>>,
  lo = -4,
  hi = 4,
  n = 101,
  sem: Semantics = 'plain',
): { x: number[]; y: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = lo + ((hi - lo) * i) / Math.max(1, n - 1);
    xs.push(x);
    ys.push(evalNumber(c, x, scalars, sem));
  }
  return { x: xs, y: ys };
}

/**
 * Parses a list of learnable scalars `eps = 0.01, a = 1` (name = initial value; `=` optional value
 * defaults to 0). Throws ExprError pointing at the problem.
 */
export function parseScalarList(src: string): { name: string; init: number }[] {
  const out: { name: string; init: number }[] = [];
  const re =
    /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?))?\s*(,|$)/y;
  let i = 0;
  if (src.trim() === '') return out;
  while (i < src.length) {
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) {
      const pos = i + (src.slice(i).length - src.slice(i).trimStart().length);
      throw new ExprError("Expected 'name = number' (names separated by commas)", pos, src);
    }
    const name = m[1]!;
    const namePos = src.indexOf(name, i);
    if (name === 'x' || Object.hasOwn(CONSTANTS, name) || Object.hasOwn(FUNCTIONS, name))
      throw new ExprError(`'${name}' is reserved and cannot name a scalar`, namePos, src);
    if (out.some((s) => s.name === name)) throw new ExprError(`'${name}' is declared twice`, namePos, src);
    out.push({ name, init: m[2] === undefined ? 0 : Number(m[2]) });
    i = re.lastIndex;
    if (m[3] === '') break;
  }
  return out;
}
