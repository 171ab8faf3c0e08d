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

/** Rows of the validation split: of the listed classes, or whose field equals a value. */
export const SubsetSchema = z
  .object({
    name: Name,
    classes: z.array(z.number().int().min(0)).optional(),
    field: z.string().optional(),
    equals: z.number().optional(),
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
    for (const s of decl.subsets ?? [])
      if (!s.classes && !(s.field !== undefined && binding.fields?.[s.field] && s.equals !== undefined))
        out.push(`subset '${s.name}': give classes: [...], or a field of the dataset and equals.`);
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
  const hasExtras = decl.transforms?.length || decl.subsets?.length || decl.evalSplits?.length;
  if (!hasExtras) return raw;
  // Forked only when the binding declares something, so plain bindings load exactly as before.
  const ds = applyTransforms(raw, (decl.transforms ?? []) as TransformDecl[], rng.fork());
  const extra: Record<string, Split> = {};
  for (const s of (decl.subsets ?? []) as Subset[])
    extra[s.name] = takeSplitRows(ds.binding, ds.val, subsetRows(ds.binding, ds.val, s));
  for (const e of (decl.evalSplits ?? []) as EvalSplit[]) {
    const decls = e.transforms.map((t) => onValidation(t as TransformDecl));
    extra[e.name] = applyTransforms({ ...ds, train: ds.val }, decls, rng.fork()).val;
  }
  return Object.keys(extra).length ? { ...ds, extraSplits: extra } : ds;
}
