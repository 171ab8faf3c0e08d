// Output shapes of Ops, so a traced function can read `ops.shape(v)` of any value it computed (a
// kernel sizing a reshape from an intermediate, say). Only the tracer uses this; an op without a
// rule still traces and prints — reading its shape is what fails, with a message naming the op.
// Pure.

type Shape = readonly number[];
type ShapeOf = (v: unknown) => Shape | undefined;
type Rule = (args: readonly unknown[], shapeOf: ShapeOf) => Shape | undefined;

const nums = (a: unknown): number[] | undefined =>
  Array.isArray(a) && a.every((x) => typeof x === 'number') ? (a as number[]) : undefined;

export function broadcast(a: Shape | undefined, b: Shape | undefined): Shape | undefined {
  if (!a || !b) return undefined;
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

const same: Rule = ([x], s) => s(x);
const binary: Rule = ([a, b], s) => broadcast(s(a), s(b));

const reduce: Rule = ([x, axes, keepDims], s) => {
  const shape = s(x);
  if (!shape) return undefined;
  const list = axes === undefined ? shape.map((_d, i) => i) : nums(axes);
  if (!list) return undefined;
  const drop = new Set(list.map((a) => (a < 0 ? a + shape.length : a)));
  return keepDims === true
    ? shape.map((d, i) => (drop.has(i) ? 1 : d))
    : shape.filter((_d, i) => !drop.has(i));
};

const size = (s: Shape) => s.reduce((a, b) => a * b, 1);

const RULES: Readonly<Record<string, Rule>> = {
  scalar: () => [],
  add: binary,
  sub: binary,
  mul: binary,
  div: binary,
  pow: binary,
  maximum: binary,
  minimum: binary,
  greater: binary,
  equal: binary,
  neg: same,
  abs: same,
  exp: same,
  log: same,
  sqrt: same,
  rsqrt: same,
  square: same,
  sin: same,
  cos: same,
  tanh: same,
  sigmoid: same,
  relu: same,
  softplus: same,
  erf: same,
  clip: same,
  step: same,
  softmax: same,
  logSoftmax: same,
  cast: same,
  sum: reduce,
  mean: reduce,
  max: reduce,
  matMul([a, b, ta, tb], s) {
    const x = s(a);
    const y = s(b);
    if (!x || !y || x.length < 2 || y.length < 2) return undefined;
    const m = ta === true ? x.at(-1)! : x.at(-2)!;
    const n = tb === true ? y.at(-2)! : y.at(-1)!;
    const batch = broadcast(x.slice(0, -2), y.slice(0, -2));
    return batch ? [...batch, m, n] : undefined;
  },
  reshape([x, shape], s) {
    const from = s(x);
    const to = nums(shape);
    if (!from || !to) return undefined;
    const known = to.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    return to.map((d) => (d === -1 ? size(from) / known : d));
  },
  transpose([x, perm], s) {
    const shape = s(x);
    const p = perm === undefined ? shape?.map((_d, i) => shape.length - 1 - i) : nums(perm);
    return shape && p ? p.map((i) => shape[i]!) : undefined;
  },
  oneHot([i, depth], s) {
    const shape = s(i);
    return shape && typeof depth === 'number' ? [size(shape), depth] : undefined;
  },
  inTopK([_pred, labels], s) {
    const shape = s(labels);
    return shape ? [size(shape)] : undefined;
  },
  argMax([x, axis], s) {
    const shape = s(x);
    if (!shape || typeof axis !== 'number') return undefined;
    const a = axis < 0 ? axis + shape.length : axis;
    return shape.filter((_d, i) => i !== a);
  },
  constant: ([_values, shape]) => nums(shape),
  slice([x, begin, sz], s) {
    const shape = s(x);
    const b = nums(begin);
    const z = nums(sz);
    if (!shape || !b || !z) return undefined;
    return z.map((d, i) => (d === -1 ? shape[i]! - b[i]! : d));
  },
  concat([xs, axis], s) {
    if (!Array.isArray(xs) || typeof axis !== 'number' || !xs.length) return undefined;
    const shapes = xs.map(s);
    if (shapes.some((x) => !x)) return undefined;
    const first = shapes[0]!;
    const a = axis < 0 ? axis + first.length : axis;
    return first.map((d, i) => (i === a ? shapes.reduce((t, x) => t + x![i]!, 0) : d));
  },
  randomUniform: ([shape]) => nums(shape),
  stopGradient: same,
  floor: same,
  randomNormal: ([shape]) => nums(shape),
  gather([x, indices, axis], s) {
    const shape = s(x);
    const idx = s(indices);
    if (!shape || !idx || typeof axis !== 'number') return undefined;
    const a = axis < 0 ? axis + shape.length : axis;
    return [...shape.slice(0, a), ...idx, ...shape.slice(a + 1)];
  },
  topK: ([x, k], s) => lastAxisK(s(x), k),
  topKIndices: ([x, k], s) => lastAxisK(s(x), k),
};

function lastAxisK(shape: Shape | undefined, k: unknown): Shape | undefined {
  return shape && typeof k === 'number' ? [...shape.slice(0, -1), k] : undefined;
}

/** The output shape of `op` on these arguments, or undefined when no rule knows it. */
export function opShape(op: string, args: readonly unknown[], shapeOf: ShapeOf): Shape | undefined {
  return RULES[op]?.(args, shapeOf);
}
