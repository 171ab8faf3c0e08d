// What an Input node's Source reads from a dataset, by shape and dtype (no data loaded). Analysis
// checks the Input against it; the trainer feeds the matching array (src/trainer/feeds.ts).
import { fieldName } from '../ir.ts';
import type { DataBinding } from '../node-def.ts';

export interface SourceType {
  /** Per-sample shape (no batch axis). */
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  /** How a diagnostic names it: "features", "labels", "field 'mask'". */
  readonly label: string;
}

/** The type a source delivers, or an error message naming the source and the fix. */
export function sourceType(source: string, data: DataBinding): SourceType | { error: string } {
  if (source === 'features') return { shape: data.featureShape, dtype: 'float32', label: 'features' };
  if (source === 'labels') {
    const { labels } = data;
    if (labels.kind === 'class') return { shape: [1], dtype: 'int32', label: 'class labels' };
    if (labels.kind === 'classMap')
      return {
        shape: labels.shape,
        dtype: 'int32',
        label: `class-map labels (${labels.numClasses} classes)`,
      };
    if (labels.kind === 'multiLabel')
      return { shape: [labels.numLabels], dtype: 'float32', label: 'multi-label labels' };
    return { shape: labels.shape, dtype: 'float32', label: 'labels' };
  }
  const name = fieldName(source);
  if (name === undefined)
    return {
      error: `Source '${source}' is not one of 'features', 'labels' or 'field:<name>'.`,
    };
  const field = data.fields?.[name];
  if (!field) {
    const names = Object.keys(data.fields ?? {});
    return {
      error: `Dataset '${data.name}' has no field '${name}'. ${
        names.length ? `Its fields: ${names.join(', ')}.` : 'It has no fields; use features or labels.'
      }`,
    };
  }
  return { shape: field.shape, dtype: field.dtype, label: `field '${name}'` };
}
