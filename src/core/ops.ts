// The small typed op set that kernels are written against. The compiler implements it with tfjs;
// the code generator implements it with a recorder that prints TypeScript. A kernel is a
// straight-line function over Ops, so both see exactly the same math. Pure: no tfjs here.

export interface Ops<T> {
  // constants
  scalar(v: number): T;
  // elementwise binary (broadcasting)
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  pow(a: T, b: T): T;
  maximum(a: T, b: T): T;
  minimum(a: T, b: T): T;
  /** 1 where a > b else 0, as float32. */
  greater(a: T, b: T): T;
  // elementwise unary
  neg(x: T): T;
  abs(x: T): T;
  exp(x: T): T;
  log(x: T): T;
  sqrt(x: T): T;
  rsqrt(x: T): T;
  square(x: T): T;
  sin(x: T): T;
  cos(x: T): T;
  tanh(x: T): T;
  sigmoid(x: T): T;
  relu(x: T): T;
  softplus(x: T): T;
  erf(x: T): T;
  clip(x: T, lo: number, hi: number): T;
  // reductions
  sum(x: T, axes?: number[], keepDims?: boolean): T;
  mean(x: T, axes?: number[], keepDims?: boolean): T;
  max(x: T, axes?: number[], keepDims?: boolean): T;
  // linear algebra and shape
  matMul(a: T, b: T, transposeA?: boolean, transposeB?: boolean): T;
  reshape(x: T, shape: number[]): T;
  transpose(x: T, perm: number[]): T;
  softmax(x: T): T;
  logSoftmax(x: T): T;
  /** One-hot of int labels along a new last axis. */
  oneHot(indices: T, depth: number): T;
  /** Top-k hit (1/0 per row): is the label among the k largest logits? */
  inTopK(pred: T, labels: T, k: number): T;
  argMax(x: T, axis: number): T;
  /** 1 where a == b else 0, as float32. */
  equal(a: T, b: T): T;
  cast(x: T, dtype: 'float32' | 'int32'): T;
  /** Runtime shape of a tensor (batch included). */
  shape(x: T): number[];
  // — appended for KAN and attention kernels —
  /** A constant tensor from row-major values (no gradient). */
  constant(values: readonly number[], shape: readonly number[]): T;
  /** Slice of x: `size` entries from `begin` on each axis (-1 = to the end). */
  slice(x: T, begin: number[], size: number[]): T;
  /** Joins tensors along an axis. */
  concat(xs: T[], axis: number): T;
  /** 1 where x > 0 else 0, as float32, with a zero gradient (an indicator usable inside a kernel). */
  step(x: T): T;
  // — appended for primitives / alpha dropout —
  /** Uniform random values in [0, 1) of the given shape (no gradient; training-time noise). */
  randomUniform(shape: number[]): T;
  // — appended for data and heads v2 —
  /** x unchanged forward; zero gradient backward (a target the loss must not move). */
  stopGradient(x: T): T;
  /** Standard-normal random values of the given shape (no gradient; training-time noise). */
  randomNormal(shape: number[]): T;
  /** Entries of x along `axis` at integer-valued `indices` (float or int32); the gradient flows to x. */
  gather(x: T, indices: T, axis: number): T;
  /** The k largest values along the last axis, descending; the gradient flows to those entries. */
  topK(x: T, k: number): T;
  /** Indices (as float32) of the k largest values along the last axis, descending; no gradient. */
  topKIndices(x: T, k: number): T;
  /** Elementwise floor (zero gradient). */
  floor(x: T): T;
}

/** Initialisers of one whole tensor; names match tfjs initializer identifiers. */
export type PlainWeightInit =
  | 'zeros'
  | 'ones'
  | 'glorotUniform'
  | 'glorotNormal'
  | 'heNormal'
  | 'leCunNormal'
  | { constant: number }
  | { uniform: [number, number] }
  /** Normal with Var(w) = scale / fan exactly (fans from the last two axes, as tfjs counts them). */
  | { varianceScaling: { scale: number; mode: 'fanIn' | 'fanOut' | 'fanAvg' } };

/**
 * One segment of a segment-wise initialised weight: `size` entries of its last axis, drawn by
 * `init` as if they were a tensor of `fanShape` (the weight they stand for — a hypernetwork's θ₀
 * bias holds every primary kernel and bias), reshaped to [...leading axes, size].
 */
export interface WeightSegment {
  readonly size: number;
  readonly init: PlainWeightInit;
  /** Shape the fans are computed from; product = size × the leading axes' product. Default [...leading, size]. */
  readonly fanShape?: readonly number[];
}

/**
 * Initialisers a kernel's weights may use: a plain one, or `segments` — the last axis cut into
 * consecutive segments (sizes summing to its length), each initialised on its own.
 */
export type WeightInit = PlainWeightInit | { segments: readonly WeightSegment[] };

export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: WeightInit;
  readonly trainable?: boolean;
}
