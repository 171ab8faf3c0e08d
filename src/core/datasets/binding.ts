// The graph's dataset binding (`training.dataset`): which dataset, its params, and what the
// document declares on top — seeded transforms, per-batch augmentations, named row subsets of the
// validation split and extra evaluation splits. Everything that loads data goes through here, so
// CLI train/verify, the app and the exporters see the same rows.
import { z } from 'zod';
import type { DataBinding } from '../node-def.ts';
import { resolveParams } from '../params.ts';
import type { Rng } from '../rng.ts';
import { AugmentSchema, checkAugment } from './augment.ts';
import type { DatasetIO, LoadedDataset, Split } from './dataset-def.ts';
import { findDataset } from './index.ts';
import {
  applyTransforms,
  describeTransforms,
  parseTransform,
  type TransformDecl,
} from './transforms/index.ts';
import { takeSplitRows } from './transforms/transform-def.ts';

const Name = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'a name of letters, digits, _ or -');
const TransformDeclSchema = z.object({ type: z.string() }).catchall(z.unknown());

/**
 * A named row subset: of the listed classes, whose field equals a value, or the index range
 * `rows: [from, to)` of the training split. A classes/field subset is also evaluated on the
 * validation split (an extra evaluation split of that name); a `rows` subset is a part of the
 * training rows (e.g. unlabeled rows, then labeled rows) and is not. A phase trains on a subset of
 * either kind with `data.subset` (its training rows only).
 */
export const SubsetSchema = z
  .object({
    name: Name,
    classes: z.array(z.number().int().min(0)).optional(),
    field: z.string().optional(),
    equals: z.number().optional(),
    rows: z.tuple([z.number().int().min(0), z.number().int().min(1)]).optional(),
  })
  .strict();

/** The validation split with further transforms (e.g. rotated digits), evaluated on its own. */
export const EvalSplitSchema = z
  .object({ name: Name, transforms: z.array(TransformDeclSchema).min(1) })
  .strict();

export const DatasetBindingSchema = z
  .object({
    name: z.string(),
    params: z.record(z.string(), z.unknown()).default({}),
    transforms: z.array(TransformDeclSchema).optional(),
    augment: AugmentSchema.optional(),
    subsets: z.array(SubsetSchema).optional(),
    evalSplits: z.array(EvalSplitSchema).optional(),
  })
  .strict();

export type DatasetBindingDecl = z.infer<typeof DatasetBindingSchema>;
/** A binding from the document or the IR (validated again here: a file may be hand-written). */
export type AnyBinding = {
  readonly name: string;
  readonly params?: unknown;
  readonly transforms?: unknown;
  readonly augment?: unknown;
  readonly subsets?: unknown;
  readonly evalSplits?: unknown;
};

function parseBinding(input: AnyBinding): DatasetBindingDecl {
  const r = DatasetBindingSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new Error(`training.dataset.${issue.path.join('.')}: ${issue.message}`);
}
type Subset = z.infer<typeof SubsetSchema>;
type EvalSplit = z.infer<typeof EvalSplitSchema>;

/** An eval split's transforms act on the validation rows, whatever split they default to. */
function onValidation(decl: TransformDecl): TransformDecl {
  const { def } = parseTransform(decl, 'evalSplits');
  const shape = (def.schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape && 'split' in shape ? { ...decl, split: 'val' } : decl;
}

function subsetRows(binding: DataBinding, split: Split, s: Subset): number[] {
  if (s.rows) {
    const [from, to] = s.rows;
    if (to > split.count)
      throw new Error(
        `subset '${s.name}': rows [${from}, ${to}) reach beyond the ${split.count} training rows of dataset '${binding.name}'; lower 'to' or load more rows.`,
      );
    return Array.from({ length: to - from }, (_, i) => from + i);
  }
  const rows = [...Array(split.count).keys()];
  if (s.classes) return rows.filter((i) => s.classes!.includes(split.y[i]!));
  const values = s.field === undefined ? undefined : split.fields?.[s.field];
  if (!values || s.equals === undefined)
    throw new Error(
      `subset '${s.name}': give classes: [...], or field and equals (fields: ${Object.keys(binding.fields ?? {}).join(', ') || 'none'}).`,
    );
  return rows.filter((i) => values[i] === s.equals);
}

/** The shapes the binding gives (transforms applied) and every problem with it, for analysis. */
export function describeBinding(input: AnyBinding): { binding?: DataBinding; problems: string[] } {
  let decl: DatasetBindingDecl;
  try {
    decl = parseBinding(input);
  } catch (e) {
    return { problems: [(e as Error).message] };
  }
  const def = findDataset(decl.name);
  if (!def) return { problems: [`Unknown dataset '${decl.name}'.`] };
  const { values, problems } = resolveParams(def.params, decl.params ?? {});
  const out = problems.map((pr) => `Dataset '${def.name}': '${pr.field}' ${pr.message}.`);
  try {
    const binding = describeTransforms(def.describe(values), (decl.transforms ?? []) as TransformDecl[]);
    if (decl.augment) checkAugment(decl.augment, binding.featureShape);
    for (const s of decl.subsets ?? []) {
      const ways = [s.classes, s.field ?? s.equals, s.rows].filter((w) => w !== undefined).length;
      if (ways > 1)
        out.push(`subset '${s.name}': give one of classes: [...], field and equals, or rows: [from, to].`);
      else if (s.rows && s.rows[0] >= s.rows[1])
        out.push(
          `subset '${s.name}': rows [${s.rows[0]}, ${s.rows[1]}) is empty; give rows: [from, to] with from < to.`,
        );
      else if (
        !s.classes &&
        !s.rows &&
        !(s.field !== undefined && binding.fields?.[s.field] && s.equals !== undefined)
      )
        out.push(
          `subset '${s.name}': give classes: [...], a field of the dataset and equals, or rows: [from, to].`,
        );
    }
    for (const e of decl.evalSplits ?? []) for (const t of e.transforms) onValidation(t as TransformDecl);
    const names = [...(decl.subsets ?? []), ...(decl.evalSplits ?? [])].map((s) => s.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) out.push(`split name '${twice}' is used twice; subsets and evalSplits need distinct names.`);
    return { binding, problems: out };
  } catch (e) {
    return { problems: [...out, (e as Error).message] };
  }
}

/** Loads the dataset and applies the binding: transforms, then subsets and extra eval splits. */
export async function loadBinding(input: AnyBinding, rng: Rng, io: DatasetIO): Promise<LoadedDataset> {
  const decl = parseBinding(input);
  const def = findDataset(decl.name);
  if (!def) throw new Error(`unknown dataset '${decl.name}'`);
  const raw = await def.load(resolveParams(def.params, decl.params ?? {}).values, rng, io);
  const hasExtras = decl.transforms?.length || decl.subsets?.some((s) => !s.rows) || decl.evalSplits?.length;
  if (!hasExtras) return raw;
  // Forked only when the binding declares something, so plain bindings load exactly as before.
  const ds = applyTransforms(raw, (decl.transforms ?? []) as TransformDecl[], rng.fork());
  const extra: Record<string, Split> = {};
  for (const s of (decl.subsets ?? []) as Subset[])
    if (!s.rows) extra[s.name] = takeSplitRows(ds.binding, ds.val, subsetRows(ds.binding, ds.val, s));
  for (const e of (decl.evalSplits ?? []) as EvalSplit[]) {
    const decls = e.transforms.map((t) => onValidation(t as TransformDecl));
    extra[e.name] = applyTransforms({ ...ds, train: ds.val }, decls, rng.fork()).val;
  }
  return Object.keys(extra).length ? { ...ds, extraSplits: extra } : ds;
}

/** The names of a binding's subsets (those a phase's `data.subset` may name). */
export function subsetNames(input: AnyBinding): string[] {
  const r = DatasetBindingSchema.safeParse(input);
  return r.success ? (r.data.subsets ?? []).map((s) => s.name) : [];
}

/**
 * A phase's data view (`data.subset`, `data.sizes`) of the dataset its binding loaded: the training
 * rows of the named subset (in row order), then at most `sizes[0]` of them (the first ones) and at
 * most `sizes[1]` validation rows. Throws `train/unknown-subset` naming the phase and the binding's
 * subsets for a name the binding does not declare.
 */
export function phaseView(
  input: AnyBinding,
  ds: LoadedDataset,
  phase: string,
  view: { readonly subset?: string | undefined; readonly sizes?: readonly number[] | undefined },
): LoadedDataset {
  if (view.subset === undefined && view.sizes === undefined) return ds;
  let train = ds.train;
  if (view.subset !== undefined) {
    const decl = parseBinding(input);
    const s = (decl.subsets ?? []).find((x) => x.name === view.subset);
    if (!s) {
      const known = (decl.subsets ?? []).map((x) => `'${x.name}'`).join(', ') || 'none';
      throw new Error(
        `train/unknown-subset: Phase '${phase}': data.subset '${view.subset}' is not a subset of dataset '${decl.name}' (its subsets: ${known}). Declare it in the dataset binding's subsets, or name one of those.`,
      );
    }
    train = takeSplitRows(ds.binding, train, subsetRows(ds.binding, train, s));
  }
  const first = (split: Split, n: number | undefined) =>
    n === undefined || n >= split.count
      ? split
      : takeSplitRows(
          ds.binding,
          split,
          Array.from({ length: n }, (_, i) => i),
        );
  const [trainSize, valSize] = view.sizes ?? [];
  return { ...ds, train: first(train, trainSize), val: first(ds.val, valSize) };
}
