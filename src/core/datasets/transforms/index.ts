// Every dataset transform, and how a declaration list `[{ type, ...params }]` applies to a dataset
// (in order, each with its own seeded stream) or to its binding (shapes only). Add a transform by
// writing its file and listing it here.
import type { DataBinding } from '../../node-def.ts';
import type { Rng } from '../../rng.ts';
import type { LoadedDataset } from '../dataset-def.ts';
import { classes } from './classes.ts';
import { corrupt } from './corrupt.ts';
import { hideClasses } from './hide-classes.ts';
import { imbalance } from './imbalance.ts';
import { labelNoise } from './label-noise.ts';
import { longTail } from './long-tail.ts';
import { perClass } from './per-class.ts';
import { pool } from './pool.ts';
import { rotate } from './rotate.ts';
import { standardize } from './standardize.ts';
import type { TransformDef } from './transform-def.ts';

export const TRANSFORMS: readonly TransformDef[] = [
  labelNoise,
  longTail,
  imbalance,
  hideClasses,
  classes,
  perClass,
  rotate,
  pool,
  standardize,
  corrupt,
];

/** A transform as the document declares it. */
export type TransformDecl = { readonly type: string } & Readonly<Record<string, unknown>>;

interface Parsed {
  readonly def: TransformDef;
  readonly params: unknown;
}

/** The declaration's transform and validated params, or an error naming it and the fix. */
export function parseTransform(decl: TransformDecl, at: string): Parsed {
  const def = TRANSFORMS.find((t) => t.type === decl.type);
  if (!def)
    throw new Error(
      `${at}: unknown transform '${decl.type}'. Known: ${TRANSFORMS.map((t) => t.type).join(', ')}.`,
    );
  const { type: _type, ...rest } = decl;
  const r = def.schema.safeParse(rest);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(
      `${at} (${decl.type}): ${issue.path.length ? `'${issue.path.join('.')}' ` : ''}${issue.message}.`,
    );
  }
  return { def, params: r.data };
}

/** The binding after the transforms (shapes, classes, fields), without loading anything. */
export function describeTransforms(binding: DataBinding, decls: readonly TransformDecl[]): DataBinding {
  return decls.reduce((b, decl, i) => {
    const { def, params } = parseTransform(decl, `transforms[${i}]`);
    return def.describe ? def.describe(b, params) : b;
  }, binding);
}

/** Applies the transforms in order; each draws from its own stream forked from `rng`. */
export function applyTransforms(ds: LoadedDataset, decls: readonly TransformDecl[], rng: Rng): LoadedDataset {
  return decls.reduce((d, decl, i) => {
    const { def, params } = parseTransform(decl, `transforms[${i}]`);
    return def.apply(d, params, rng.fork());
  }, ds);
}
