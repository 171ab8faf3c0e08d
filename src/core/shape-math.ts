// Shape arithmetic shared by the layer nodes (conv, pooling, padding, merge, reshape). Pure: no
// tfjs. The formulas follow tfjs-layers exactly (utils/conv_utils.ts, layers/merge.ts, core.ts), so
// inferred shapes agree with what the compiled model produces. Helpers named `require*`/`*OrReject`
// throw a NodeProblem (via `reject`) with a stable code and a message that says how to fix it.

import { reject } from './diagnostics.ts';
import { type Dim, dimsCompatible, formatShape, type TensorType } from './tensor-type.ts';

export type Padding = 'valid' | 'same';

/** Kernel extent once dilated: k + (k − 1)(d − 1). */
export const dilatedSize = (kernel: number, dilation = 1): number => kernel + (kernel - 1) * (dilation - 1);

/**
 * Output length of a convolution or pooling window along one axis (tfjs `convOutputLength`):
 * 'same' → ceil(n / s); 'valid' → ceil((n − k_dilated + 1) / s). Unknown stays unknown. The result
 * can be ≤ 0 for 'valid' when the window is larger than the input; callers reject that.
 */
export function convOutputLength(
  input: Dim,
  kernel: number,
  padding: Padding,
  stride: number,
  dilation = 1,
): Dim {
  if (input === null) return null;
  const len = padding === 'same' ? input : input - dilatedSize(kernel, dilation) + 1;
  return Math.floor((len + stride - 1) / stride);
}

/**
 * Output length of a transposed convolution (tfjs `deconvLength`):
 * 'valid' → n·s + max(k − s, 0); 'same' → n·s.
 */
export function deconvLength(input: Dim, stride: number, kernel: number, padding: Padding): Dim {
  if (input === null) return null;
  return padding === 'valid' ? input * stride + Math.max(kernel - stride, 0) : input * stride;
}

/** Expands a list param to `n` entries: one entry is repeated (`[3]` → `[3, 3]`); `n` entries pass; else null. */
export function expandTuple(values: readonly number[], n: number): number[] | null {
  if (values.length === n) return [...values];
  if (values.length === 1) return Array.from({ length: n }, () => values[0]!);
  return null;
}

/** `expandTuple`, rejecting a list of the wrong length as `param/invalid` on that field. */
export function tupleOrReject(
  values: readonly number[],
  n: number,
  field: string,
  example: string,
): number[] {
  const out = expandTuple(values, n);
  if (out === null)
    reject(
      'param/invalid',
      `'${field}' needs 1 or ${n} entries (e.g. ${example}), got ${values.length}: [${values.join(', ')}].`,
      { field },
    );
  return out!;
}

/** Resolves a possibly negative axis against a rank; null when out of range. */
export function normalizeAxis(axis: number, rank: number): number | null {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : null;
}

/** Rejects unless the input has exactly `rank` axes (batch included). `layout` reads like `[B, H, W, C]`. */
export function requireRank(x: TensorType, rank: number, layer: string, layout: string, port = 'x'): void {
  if (x.shape.length !== rank)
    reject(
      'shape/rank-mismatch',
      `${layer} needs a rank-${rank} input ${layout}, got rank ${x.shape.length} (${formatShape(x.shape)}).${rankHint(x.shape.length, rank)}`,
      { port },
    );
}

/** Rejects unless the input has at least `rank` axes. */
export function requireMinRank(x: TensorType, rank: number, layer: string, layout: string, port = 'x'): void {
  if (x.shape.length < rank)
    reject(
      'shape/rank-mismatch',
      `${layer} needs an input of rank ≥ ${rank} ${layout}, got rank ${x.shape.length} (${formatShape(x.shape)}).${rankHint(x.shape.length, rank)}`,
      { port },
    );
}

function rankHint(got: number, want: number): string {
  if (got > want) return ' Insert a Flatten or Reshape before it, or use the layer for that rank.';
  if (got < want) return ' Insert a Reshape before it to add the missing axes (e.g. a channel axis of 1).';
  return '';
}

/** Rejects when a dimension the layer's weights depend on is unknown. */
export function requireKnown(d: Dim, what: string, layer: string, port = 'x'): number {
  if (d === null)
    reject('shape/unknown-dim', `${layer} needs a known ${what}; set it on the Input node's shape.`, {
      port,
    });
  return d as number;
}

export interface WindowSpec {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly padding: Padding;
  readonly dilation?: readonly number[];
}

/**
 * Output spatial dims of a sliding window (conv or pooling), rejecting `shape/too-small` when a
 * 'valid' window does not fit. `what` names the window in messages ('kernel', 'pool').
 */
export function windowOutput(
  spatial: readonly Dim[],
  spec: WindowSpec,
  layer: string,
  what: 'kernel' | 'pool',
  port = 'x',
): Dim[] {
  return spatial.map((n, i) => {
    const k = spec.kernel[i]!;
    const d = spec.dilation?.[i] ?? 1;
    const out = convOutputLength(n, k, spec.padding, spec.strides[i]!, d);
    if (out !== null && out <= 0) {
      const ext = dilatedSize(k, d);
      const extent = d > 1 ? `${k} dilated by ${d} = ${ext}` : `${k}`;
      const fix =
        what === 'kernel'
          ? "use padding 'same' or a smaller kernel (or dilation)"
          : "use padding 'same' or a smaller poolSize";
      reject(
        'shape/too-small',
        `${layer}: the ${what} (${extent}) is larger than the input (${n}) on spatial axis ${i + 1} with padding 'valid', so the output would be empty; ${fix}.`,
        { port },
      );
    }
    return out;
  });
}

/**
 * Keras/tfjs elementwise-merge broadcasting of two shapes without the batch axis (Merge
 * `computeElementwiseOpOutputShape`): trailing axes aligned; a 1 stretches to the other size;
 * unknown dims stay unknown. Returns null when two known sizes (neither 1) differ.
 */
export function broadcastMerge(a: readonly Dim[], b: readonly Dim[]): Dim[] | null {
  if (a.length < b.length) return broadcastMerge(b, a);
  const out: Dim[] = a.slice(0, a.length - b.length);
  for (let k = 0; k < b.length; k++) {
    const i = a[a.length - b.length + k]!;
    const j = b[k]!;
    if (i === null || j === null) out.push(null);
    else if (i === 1) out.push(j);
    else if (j === 1) out.push(i);
    else if (i !== j) return null;
    else out.push(i);
  }
  return out;
}

/** Output type of an elementwise merge (add, subtract, multiply) over its inputs, in port order. */
export function mergeElementwise(inputs: readonly [string, TensorType][], layer: string): TensorType {
  const [firstPort, first] = inputs[0]!;
  let shape: Dim[] = first.shape.slice(1);
  for (const [port, t] of inputs.slice(1)) {
    const next = broadcastMerge(shape, t.shape.slice(1));
    if (next === null)
      reject(
        'shape/mismatch',
        `${layer} inputs must have the same shape (or sizes of 1 that broadcast): '${firstPort}' is ${formatShape(first.shape)} but '${port}' is ${formatShape(t.shape)}. Make the branches produce the same shape (match units/filters, or add a Dense/Conv 1×1 on one branch).`,
        { port },
      );
    shape = next!;
  }
  return { shape: [null, ...shape], dtype: first.dtype };
}

/** Output type of Concatenate along `axis` (batch included, may be negative). */
export function mergeConcat(inputs: readonly [string, TensorType][], axis: number): TensorType {
  const [firstPort, first] = inputs[0]!;
  const rank = first.shape.length;
  for (const [port, t] of inputs.slice(1)) {
    if (t.shape.length !== rank)
      reject(
        'shape/rank-mismatch',
        `Concatenate inputs must have the same rank: '${firstPort}' is ${formatShape(first.shape)} (rank ${rank}) but '${port}' is ${formatShape(t.shape)} (rank ${t.shape.length}). Flatten or Reshape one branch first.`,
        { port },
      );
  }
  const a = normalizeAxis(axis, rank);
  if (a === null || a === 0)
    reject(
      'param/invalid',
      `Concatenate axis ${axis} is not a feature axis of rank-${rank} inputs (${formatShape(first.shape)}); use an axis from 1 to ${rank - 1} or from -1 to -${rank - 1} (-1 = last axis, the usual choice).`,
      { field: 'axis' },
    );
  const out: Dim[] = [...first.shape];
  for (const [port, t] of inputs.slice(1)) {
    for (let i = 1; i < rank; i++) {
      if (i === a) continue;
      if (!dimsCompatible(out[i] ?? null, t.shape[i] ?? null))
        reject(
          'shape/mismatch',
          `Concatenate inputs must agree on every axis except the concat axis ${a}: '${firstPort}' is ${formatShape(first.shape)} but '${port}' is ${formatShape(t.shape)} (axis ${i} differs). Resize one branch (pooling, padding, Reshape) or concatenate on axis ${i}.`,
          { port },
        );
      if (out[i] === null) out[i] = t.shape[i] ?? null;
    }
    const sum = out[a!];
    const add = t.shape[a!];
    out[a!] = sum === null || sum === undefined || add === null || add === undefined ? null : sum + add;
  }
  return { shape: out, dtype: first.dtype };
}

/**
 * Resolves a Reshape target (without batch; at most one −1) against the input dims (without
 * batch). Rejects `shape/reshape-size` when element counts differ. With an unknown input dim the
 * −1 stays unknown (as tfjs does).
 */
export function resolveReshape(input: readonly Dim[], target: readonly number[]): Dim[] {
  const inferred = target.filter((d) => d === -1).length;
  if (inferred > 1)
    reject(
      'param/invalid',
      `targetShape may contain at most one -1 (the inferred axis), got [${target.join(', ')}].`,
      {
        field: 'targetShape',
      },
    );
  if (input.some((d) => d === null)) return target.map((d) => (d === -1 ? null : d));
  const total = input.reduce<number>((n, d) => n * (d as number), 1);
  const known = target.reduce((n, d) => (d === -1 ? n : n * d), 1);
  const shown = `[${target.join(', ')}]`;
  if (inferred === 1) {
    if (known === 0 || total % known !== 0)
      reject(
        'shape/reshape-size',
        `Cannot reshape ${total} elements per example (${formatShape([null, ...input])}) into ${shown}: ${total} is not divisible by ${known}. Choose a targetShape whose known sizes divide ${total}.`,
        { field: 'targetShape' },
      );
    return target.map((d) => (d === -1 ? total / known : d));
  }
  if (known !== total)
    reject(
      'shape/reshape-size',
      `Cannot reshape ${total} elements per example (${formatShape([null, ...input])}) into ${shown} (${known} elements). Make the product of targetShape equal ${total}, or use -1 for one axis to infer it.`,
      { field: 'targetShape' },
    );
  return [...target];
}

/** True when `dims` is a permutation of 1..dims.length (Keras Permute: batch axis excluded). */
export function isPermutation(dims: readonly number[]): boolean {
  const sorted = [...dims].sort((a, b) => a - b);
  return sorted.every((d, i) => d === i + 1);
}

/** tfjs convolutions cannot combine a stride > 1 with a dilation > 1 on the same layer. */
export function requireStrideOrDilation(
  strides: readonly number[],
  dilation: readonly number[],
  layer: string,
): void {
  if (strides.some((s) => s > 1) && dilation.some((d) => d > 1))
    reject(
      'param/invalid',
      `${layer} cannot use strides > 1 together with dilationRate > 1 (strides [${strides.join(', ')}], dilationRate [${dilation.join(', ')}]); set one of them to 1, e.g. downsample with a following pooling layer.`,
      { field: 'dilationRate' },
    );
}

/** Pooling strides: an empty list means "same as poolSize" (the Keras default, strides=None). */
export function poolStrides(
  strides: readonly number[],
  pool: readonly number[],
  n: number,
  example: string,
): number[] {
  return strides.length === 0 ? [...pool] : tupleOrReject(strides, n, 'strides', example);
}
