// Symbolic tensor types: what analysis infers on every port. `null` is an unknown dimension
// (in practice the batch). Pure: no tfjs.

export type Dim = number | null;
export type DType = 'float32' | 'int32';

export interface TensorType {
  readonly shape: readonly Dim[];
  readonly dtype: DType;
}

export const tensor = (shape: readonly Dim[], dtype: DType = 'float32'): TensorType => ({ shape, dtype });

/** `B×28×28×1` — how the canvas labels edges and the CLI prints shapes. */
export function formatShape(shape: readonly Dim[]): string {
  return shape.map((d, i) => (d === null ? (i === 0 ? 'B' : '?') : String(d))).join('×');
}

/** Keras-style `(None, 28, 28, 1)`. */
export function formatShapeKeras(shape: readonly Dim[]): string {
  const parts = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
}

export const sameShape = (a: readonly Dim[], b: readonly Dim[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Two dims agree unless both are known and differ. */
export const dimsCompatible = (a: Dim, b: Dim): boolean => a === null || b === null || a === b;

export const shapesCompatible = (a: readonly Dim[], b: readonly Dim[]): boolean =>
  a.length === b.length && a.every((d, i) => dimsCompatible(d, b[i] ?? null));

/** Product of known dims; null when any is unknown. */
export function product(dims: readonly Dim[]): number | null {
  let n = 1;
  for (const d of dims) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}
