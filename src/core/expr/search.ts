// A small genetic-programming symbolic classifier in the manner of gplearn's SymbolicClassifier
// (paper 27, Hajbi 2026: the formula that is later injected as an activation is found this way).
// Programs are flat prefix lists (gplearn's representation); the operators — ramped half-and-half
// initialisation, tournament selection, crossover, subtree / hoist / point mutation, parsimony
// pressure — follow gplearn's `_Program` and `_parallel_evolve`. Fitness is the binary log-loss of
// σ(program(X)). Pure: plain Float64Array columns, the seeded Rng passed in, and the result is a
// gplearn-style prefix string (`mul(cos(X3), X7)`) that the expression parser reads back — no
// text is ever evaluated.
import type { Rng } from '../rng.ts';
import type { Expr } from './parse.ts';

/** The functions a program may use (gplearn's names and arities; all plain, no protection needed). */
export const GP_FUNCTIONS = {
  add: 2,
  sub: 2,
  mul: 2,
  sin: 1,
  cos: 1,
  abs: 1,
} as const;
export type GpFunction = keyof typeof GP_FUNCTIONS;

export type GpNode =
  | { readonly kind: 'fn'; readonly name: GpFunction }
  | { readonly kind: 'var'; readonly index: number }
  | { readonly kind: 'const'; readonly value: number };
/** A program in prefix order, as gplearn stores it. */
export type Program = readonly GpNode[];

export interface GpOptions {
  readonly populationSize: number;
  /** Generations in all, the random initial one included (gplearn's `generations`). */
  readonly generations: number;
  readonly tournamentSize: number;
  readonly pCrossover: number;
  readonly pSubtreeMutation: number;
  readonly pHoistMutation: number;
  readonly pPointMutation: number;
  /** Per-node replacement probability of a point mutation. */
  readonly pPointReplace: number;
  /** Penalty per program node added to the log-loss during selection. */
  readonly parsimonyCoefficient: number;
  /**
   * Each initial program draws its maximum depth uniformly from this range, both ends included
   * (gplearn's numpy randint leaves the upper end out).
   */
  readonly initDepth: readonly [number, number];
  readonly functionSet: readonly GpFunction[];
  /** Range of random constants; null: variables only. */
  readonly constRange: readonly [number, number] | null;
}

/** gplearn's defaults with the paper's function set (population 500, 5 generations). */
export const GPLEARN_DEFAULTS: GpOptions = {
  populationSize: 500,
  generations: 5,
  tournamentSize: 20,
  pCrossover: 0.9,
  pSubtreeMutation: 0.01,
  pHoistMutation: 0.01,
  pPointMutation: 0.01,
  pPointReplace: 0.05,
  parsimonyCoefficient: 0.001,
  initDepth: [2, 6],
  functionSet: ['add', 'sub', 'mul', 'sin', 'cos', 'abs'],
  constRange: [-1, 1],
};

const arity = (n: GpNode): number => (n.kind === 'fn' ? GP_FUNCTIONS[n.name] : 0);

/** Evaluates a program on every row at once: `columns[i]` is feature X<i> (n rows each). */
export function evalProgram(program: Program, columns: readonly Float64Array[], n: number): Float64Array {
  let k = 0;
  const go = (): Float64Array => {
    const node = program[k++];
    if (!node) throw new Error('evalProgram: program ends early');
    if (node.kind === 'var') {
      const c = columns[node.index];
      if (!c) throw new Error(`evalProgram: no feature X${node.index}`);
      return c;
    }
    const out = new Float64Array(n);
    if (node.kind === 'const') return out.fill(node.value);
    const a = go();
    switch (node.name) {
      case 'sin':
        for (let i = 0; i < n; i++) out[i] = Math.sin(a[i]!);
        return out;
      case 'cos':
        for (let i = 0; i < n; i++) out[i] = Math.cos(a[i]!);
        return out;
      case 'abs':
        for (let i = 0; i < n; i++) out[i] = Math.abs(a[i]!);
        return out;
    }
    const b = go();
    switch (node.name) {
      case 'add':
        for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
        return out;
      case 'sub':
        for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!;
        return out;
      case 'mul':
        for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
        return out;
    }
  };
  const out = go();
  if (k !== program.length) throw new Error('evalProgram: trailing nodes');
  return out;
}

/** gplearn's log-loss of σ(raw) against 0/1 labels (probabilities clipped to [1e-15, 1 − 1e-15]). */
export function sigmoidLogLoss(raw: Float64Array, y: ArrayLike<number>): number {
  const eps = 1e-15;
  let s = 0;
  for (let i = 0; i < raw.length; i++) {
    const p = 1 / (1 + Math.exp(-raw[i]!));
    const pc = Math.min(Math.max(p, eps), 1 - eps);
    const qc = Math.min(Math.max(1 - p, eps), 1 - eps);
    s -= y[i]! ? Math.log(pc) : Math.log(qc);
  }
  const v = s / raw.length;
  return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
}

/** gplearn's printed form: `mul(cos(X3), X7)`, constants with 3 decimals. */
export function programToString(program: Program): string {
  let k = 0;
  const go = (): string => {
    const node = program[k++]!;
    if (node.kind === 'var') return `X${node.index}`;
    if (node.kind === 'const') return node.value.toFixed(3);
    const args = Array.from({ length: arity(node) }, go);
    return `${node.name}(${args.join(', ')})`;
  };
  return go();
}

/** The program as the formula language's AST (calls of add/sub/mul/sin/cos/abs, X<i>, numbers). */
export function programToExpr(program: Program): Expr {
  let k = 0;
  const go = (): Expr => {
    const node = program[k++]!;
    if (node.kind === 'var') return { kind: 'var', name: `X${node.index}`, pos: 0 };
    if (node.kind === 'const') return { kind: 'num', value: node.value, pos: 0 };
    return { kind: 'call', fn: node.name, args: Array.from({ length: arity(node) }, go), pos: 0 };
  };
  return go();
}

/** Index one past the subtree that starts at `start`. */
export function subtreeEnd(program: Program, start: number): number {
  let stack = 1;
  let end = start;
  while (stack > end - start) {
    stack += arity(program[end]!);
    end++;
  }
  return end;
}

/** gplearn's get_subtree: a random subtree, functions weighted 0.9 and terminals 0.1 (Koza). */
function randomSubtree(program: Program, rng: Rng): [number, number] {
  const w = program.map((n) => (n.kind === 'fn' ? 0.9 : 0.1));
  const total = w.reduce((a, b) => a + b, 0);
  const u = rng.next() * total;
  let acc = 0;
  let start = program.length - 1;
  for (let i = 0; i < program.length; i++) {
    acc += w[i]!;
    if (u < acc) {
      start = i;
      break;
    }
  }
  return [start, subtreeEnd(program, start)];
}

function randomTerminal(nFeatures: number, o: GpOptions, rng: Rng): GpNode {
  const t = rng.int(o.constRange ? nFeatures + 1 : nFeatures);
  if (t === nFeatures && o.constRange) {
    const [lo, hi] = o.constRange;
    return { kind: 'const', value: lo + (hi - lo) * rng.next() };
  }
  return { kind: 'var', index: t };
}

const randomFunction = (o: GpOptions, rng: Rng): GpNode => ({
  kind: 'fn',
  name: o.functionSet[rng.int(o.functionSet.length)]!,
});

/** gplearn's build_program: 'full' or 'grow' (half and half), starting with a function. */
export function randomProgram(nFeatures: number, o: GpOptions, rng: Rng): GpNode[] {
  const full = rng.int(2) === 1;
  const [d0, d1] = o.initDepth;
  const maxDepth = d0 + rng.int(d1 - d0 + 1);
  const first = randomFunction(o, rng);
  const program: GpNode[] = [first];
  const stack = [arity(first)];
  while (stack.length) {
    const depth = stack.length;
    const choice = rng.int(nFeatures + o.functionSet.length);
    if (depth < maxDepth && (full || choice <= o.functionSet.length)) {
      const f = randomFunction(o, rng);
      program.push(f);
      stack.push(arity(f));
    } else {
      program.push(randomTerminal(nFeatures, o, rng));
      stack[stack.length - 1]!--;
      while (stack[stack.length - 1] === 0) {
        stack.pop();
        if (!stack.length) return program;
        stack[stack.length - 1]!--;
      }
    }
  }
  return program;
}

function crossover(program: Program, donor: Program, rng: Rng): GpNode[] {
  const [s, e] = randomSubtree(program, rng);
  const [ds, de] = randomSubtree(donor, rng);
  return [...program.slice(0, s), ...donor.slice(ds, de), ...program.slice(e)];
}

function hoist(program: Program, rng: Rng): GpNode[] {
  const [s, e] = randomSubtree(program, rng);
  const sub = program.slice(s, e);
  const [hs, he] = randomSubtree(sub, rng);
  return [...program.slice(0, s), ...sub.slice(hs, he), ...program.slice(e)];
}

function pointMutation(program: Program, nFeatures: number, o: GpOptions, rng: Rng): GpNode[] {
  return program.map((node) => {
    if (rng.next() >= o.pPointReplace) return node;
    if (node.kind !== 'fn') return randomTerminal(nFeatures, o, rng);
    const same = o.functionSet.filter((f) => GP_FUNCTIONS[f] === arity(node));
    return { kind: 'fn', name: same[rng.int(same.length)]! };
  });
}

export interface GpGeneration {
  /** Lowest raw log-loss in the generation. */
  readonly bestLoss: number;
  readonly bestProgram: string;
  readonly meanLength: number;
}

export interface GpResult {
  /** The final generation's program of lowest raw log-loss (gplearn's `_program`). */
  readonly program: Program;
  readonly formula: string;
  readonly loss: number;
  readonly generations: readonly GpGeneration[];
}

/**
 * Evolves programs whose σ(program(X)) predicts the 0/1 labels `y`. `columns[i]` holds feature
 * X<i> over the n rows. Deterministic for a given `rng` state.
 */
export function symbolicClassifier(
  columns: readonly Float64Array[],
  y: ArrayLike<number>,
  rng: Rng,
  options: Partial<GpOptions> = {},
): GpResult {
  const o: GpOptions = { ...GPLEARN_DEFAULTS, ...options };
  const n = y.length;
  const nFeatures = columns.length;
  const score = (p: Program) => {
    const raw = sigmoidLogLoss(evalProgram(p, columns, n), y);
    return { p, raw, fit: raw + o.parsimonyCoefficient * p.length };
  };
  type Scored = ReturnType<typeof score>;
  const tournament = (pop: readonly Scored[]): Scored => {
    let best = pop[rng.int(pop.length)]!;
    for (let i = 1; i < o.tournamentSize; i++) {
      const c = pop[rng.int(pop.length)]!;
      if (c.fit < best.fit) best = c;
    }
    return best;
  };
  const cut1 = o.pCrossover;
  const cut2 = cut1 + o.pSubtreeMutation;
  const cut3 = cut2 + o.pHoistMutation;
  const cut4 = cut3 + o.pPointMutation;
  let pop: Scored[] = Array.from({ length: o.populationSize }, () => score(randomProgram(nFeatures, o, rng)));
  const history: GpGeneration[] = [];
  const record = () => {
    const best = pop.reduce((a, b) => (b.raw < a.raw ? b : a));
    history.push({
      bestLoss: best.raw,
      bestProgram: programToString(best.p),
      meanLength: pop.reduce((s, q) => s + q.p.length, 0) / pop.length,
    });
    return best;
  };
  let best = record();
  for (let g = 1; g < o.generations; g++) {
    const parents = pop;
    pop = Array.from({ length: o.populationSize }, () => {
      const u = rng.next();
      const parent = tournament(parents).p;
      if (u < cut1) return score(crossover(parent, tournament(parents).p, rng));
      if (u < cut2) return score(crossover(parent, randomProgram(nFeatures, o, rng), rng));
      if (u < cut3) return score(hoist(parent, rng));
      if (u < cut4) return score(pointMutation(parent, nFeatures, o, rng));
      return score(parent);
    });
    best = record();
  }
  return { program: best.p, formula: programToString(best.p), loss: best.raw, generations: history };
}

/**
 * Whether the expression contains a product one of whose factors is cos(…) of the input and the
 * other factor depends on the input: an x·cos(x)-type term once every X<i> becomes x.
 */
export function hasXCosXTerm(e: Expr): boolean {
  const usesVar = (t: Expr): boolean =>
    t.kind === 'var'
      ? true
      : t.kind === 'num'
        ? false
        : t.kind === 'neg'
          ? usesVar(t.arg)
          : t.kind === 'bin'
            ? usesVar(t.left) || usesVar(t.right)
            : t.args.some(usesVar);
  const isCos = (t: Expr): boolean => t.kind === 'call' && t.fn === 'cos' && usesVar(t.args[0]!);
  const walk = (t: Expr): boolean => {
    if (t.kind === 'num' || t.kind === 'var') return false;
    if (t.kind === 'neg') return walk(t.arg);
    const [a, b] = t.kind === 'bin' ? [t.left, t.right] : [t.args[0], t.args[1]];
    const isMul = (t.kind === 'bin' && t.op === '*') || (t.kind === 'call' && t.fn === 'mul');
    if (isMul && a && b && ((isCos(a) && usesVar(b)) || (isCos(b) && usesVar(a)))) return true;
    return (t.kind === 'bin' ? [t.left, t.right] : t.args).some(walk);
  };
  return walk(e);
}
