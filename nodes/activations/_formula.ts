// Shared by the formula-driven activations (expression, symbolic): turns a formula and a scalar
// list into a checked CompiledExpr, or a `param/invalid` diagnostic that points at the character.
import { CURVE_XS } from '../../src/core/activations.ts';
import { reject } from '../../src/core/diagnostics.ts';
import {
  type CompiledExpr,
  compileExpr,
  ExprError,
  evalNumber,
  parseScalarList,
  type Semantics,
} from '../../src/core/expr/index.ts';

export interface CheckedFormula {
  readonly expr: CompiledExpr;
  readonly scalars: readonly { name: string; init: number }[];
}

const fail = (field: string, what: string, e: ExprError): never =>
  reject('param/invalid', `${what}: ${e.reason} at column ${e.column}.\n${e.pointer()}`, { field });

/** Cache: infer runs on every edit; formulas repeat. */
const cache = new Map<string, CheckedFormula | ExprError>();

export function checkFormula(
  formula: string,
  scalarList: string,
  opts: { inputAlias?: RegExp; sem?: Semantics } = {},
): CheckedFormula {
  const key = `${formula}\u0000${scalarList}\u0000${opts.inputAlias ?? ''}\u0000${opts.sem ?? 'plain'}`;
  let hit = cache.get(key);
  if (!hit) {
    try {
      let scalars: { name: string; init: number }[];
      try {
        scalars = parseScalarList(scalarList);
      } catch (e) {
        if (e instanceof ExprError) return fail('scalars', 'Learnable scalars', e);
        throw e;
      }
      const expr = compileExpr(
        formula,
        'x',
        scalars.map((s) => s.name),
        opts.inputAlias ? { inputAlias: opts.inputAlias } : {},
      );
      hit = { expr, scalars };
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      hit = e;
    }
    if (cache.size > 200) cache.clear();
    cache.set(key, hit);
  }
  if (hit instanceof ExprError) return fail('formula', 'Formula', hit);
  // The activation sees any real input: the formula must be finite on a probe grid at init.
  const init = Object.fromEntries(hit.scalars.map((s) => [s.name, s.init]));
  for (let i = 0; i <= 16; i++) {
    const x = -4 + i * 0.5;
    const y = evalNumber(hit.expr, x, init, opts.sem ?? 'plain');
    if (!Number.isFinite(y))
      reject(
        'param/invalid',
        `Formula: f(${x}) = ${y} with the initial scalars; an activation must be finite for every input (e.g. use log(1 + x^2) or sqrt(abs(x) + 1e-6)).`,
        { field: 'formula' },
      );
  }
  return hit;
}

/** A checked formula's curve with its initial scalars (the canvas draws it before training). */
export function formulaCurve(checked: CheckedFormula, sem: Semantics = 'plain') {
  const init = Object.fromEntries(checked.scalars.map((s) => [s.name, s.init]));
  return { x: CURVE_XS, y: CURVE_XS.map((x) => evalNumber(checked.expr, x, init, sem)) };
}
