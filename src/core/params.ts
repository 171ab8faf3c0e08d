// Typed parameter specs. One spec drives validation, TypeScript types, defaults and (later) the
// Inspector widgets — ComfyUI-style declarative schema, rendered by generic code.

export interface ParamBase<K extends string, V> {
  readonly kind: K;
  readonly default: V;
  readonly doc: string;
  /**
   * Settable while the model exists (a phase override, `KernelLayer.setParams`) without a
   * rebuild: only for kernel params the kernel reads on each call, never for ones that shape weights.
   */
  readonly runtime?: boolean;
}
export interface IntParam extends ParamBase<'int', number> {
  readonly min?: number;
  readonly max?: number;
}
export interface FloatParam extends ParamBase<'float', number> {
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  /** min is exclusive (e.g. a learning rate must be > 0). */
  readonly exclusiveMin?: boolean;
}
export interface BoolParam extends ParamBase<'bool', boolean> {}
export interface EnumParam<O extends string = string> extends ParamBase<'enum', O> {
  readonly options: readonly O[];
}
/** A list of positive ints (a kernel size, a target shape); `-1` allowed where `allowInferred`. */
export interface ShapeParam extends ParamBase<'shape', readonly number[]> {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly allowInferred?: boolean;
  readonly allowZero?: boolean;
}
export interface StringParam extends ParamBase<'string', string> {
  readonly maxLength?: number;
}

export type ParamSpec = IntParam | FloatParam | BoolParam | EnumParam | ShapeParam | StringParam;
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

export type ParamValue<S extends ParamSpec> = S['default'];
export type ParamValues<P extends ParamSpecs> = { readonly [K in keyof P]: ParamValue<P[K]> };

type Opts<S> = Omit<S, 'kind'>;

/** Builders keep literal enum types: `p.enum(['same', 'valid'], 'valid', '…')` has type 'same'|'valid'. */
export const p = {
  int: (o: Opts<IntParam>): IntParam => ({ kind: 'int', ...o }),
  float: (o: Opts<FloatParam>): FloatParam => ({ kind: 'float', ...o }),
  bool: (o: Opts<BoolParam>): BoolParam => ({ kind: 'bool', ...o }),
  enum: <const O extends string>(
    options: readonly O[],
    dflt: NoInfer<O>,
    doc: string,
    extra: { runtime?: boolean } = {},
  ): EnumParam<O> => ({
    kind: 'enum',
    options,
    default: dflt,
    doc,
    ...extra,
  }),
  shape: (o: Opts<ShapeParam>): ShapeParam => ({ kind: 'shape', ...o }),
  string: (o: Opts<StringParam>): StringParam => ({ kind: 'string', ...o }),
};

const camelCase = (s: string) => s.replace(/_+(\w|$)/g, (_m, c: string) => c.toUpperCase());

/**
 * tfjs camel-cases every string of a saved model's config when it loads it ('l2mm_sample' comes
 * back as 'l2mmSample'): gives enum params their option back.
 */
export function restoreEnumParams(
  specs: ParamSpecs,
  params: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  for (const [k, v] of Object.entries(params)) {
    const spec = Object.hasOwn(specs, k) ? specs[k] : undefined;
    if (typeof v !== 'string' || spec?.kind !== 'enum' || spec.options.includes(v)) continue;
    const option = spec.options.find((o) => camelCase(o) === v);
    if (option !== undefined) out[k] = option;
  }
  return out;
}

/** The params of a node type settable at run time, quoted and comma-separated ('' when none). */
export const runtimeParamNames = (def: { readonly params: ParamSpecs }): string =>
  Object.entries(def.params)
    .filter(([, s]) => s.runtime)
    .map(([k]) => `'${k}'`)
    .join(', ');

export interface ParamProblem {
  readonly field: string;
  readonly message: string;
}

function describeRange(s: { min?: number; max?: number }): string {
  if (s.min !== undefined && s.max !== undefined) return `between ${s.min} and ${s.max}`;
  if (s.min !== undefined) return `at least ${s.min}`;
  if (s.max !== undefined) return `at most ${s.max}`;
  return 'a number';
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

/** Largest entry of a shape param (tfjs sizes are int32); keeps inferred shapes and counts finite. */
export const MAX_DIM = 2 ** 31 - 1;

/** Checks one value against its spec; returns a message or null. Never throws. */
export function checkParam(spec: ParamSpec, v: unknown): string | null {
  switch (spec.kind) {
    case 'int':
    case 'float': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return `must be a finite number, got ${show(v)}`;
      if (spec.kind === 'int' && !Number.isSafeInteger(v)) return `must be a whole number, got ${v}`;
      const tooLow =
        spec.min !== undefined && (spec.kind === 'float' && spec.exclusiveMin ? v <= spec.min : v < spec.min);
      if (tooLow || (spec.max !== undefined && v > spec.max))
        return `must be ${spec.kind === 'float' && spec.exclusiveMin ? `greater than ${spec.min}${spec.max !== undefined ? ` and at most ${spec.max}` : ''}` : describeRange(spec)}, got ${v}`;
      return null;
    }
    case 'bool':
      return typeof v === 'boolean' ? null : `must be true or false, got ${show(v)}`;
    case 'enum':
      return typeof v === 'string' && spec.options.includes(v)
        ? null
        : `must be one of ${spec.options.map((o) => `'${o}'`).join(', ')}, got ${show(v)}`;
    case 'string':
      if (typeof v !== 'string') return `must be text, got ${show(v)}`;
      return spec.maxLength !== undefined && v.length > spec.maxLength
        ? `must be at most ${spec.maxLength} characters`
        : null;
    case 'shape': {
      if (!Array.isArray(v)) return `must be a list of whole numbers like [3, 3], got ${show(v)}`;
      if (spec.minLength !== undefined && v.length < spec.minLength)
        return `needs at least ${spec.minLength} entries, got ${v.length}`;
      if (spec.maxLength !== undefined && v.length > spec.maxLength)
        return `takes at most ${spec.maxLength} entries, got ${v.length}`;
      let inferred = 0;
      for (const d of v) {
        if (typeof d !== 'number' || !Number.isInteger(d))
          return `entries must be whole numbers, got ${show(d)}`;
        if (d > MAX_DIM) return `entries must be at most ${MAX_DIM}, got ${d}`;
        if (d === -1 && spec.allowInferred) {
          inferred++;
          continue;
        }
        if (d < 0 || (d === 0 && !spec.allowZero))
          return `entries must be ${spec.allowZero ? '≥ 0' : 'positive'}${spec.allowInferred ? ' (or one -1 to infer)' : ''}, got ${d}`;
      }
      return inferred > 1 ? 'at most one entry may be -1' : null;
    }
  }
}

/**
 * Fills defaults and checks every value. Unknown keys are reported (a typo like `unit` for
 * `units` should not be silently ignored).
 */
export function resolveParams(
  specs: ParamSpecs,
  raw: Readonly<Record<string, unknown>>,
): { values: Record<string, unknown>; problems: ParamProblem[] } {
  const values: Record<string, unknown> = {};
  const problems: ParamProblem[] = [];
  for (const [field, spec] of Object.entries(specs)) {
    const given = Object.hasOwn(raw, field) ? raw[field] : undefined;
    const v = given === undefined ? spec.default : given;
    const msg = checkParam(spec, v);
    if (msg) problems.push({ field, message: msg });
    values[field] = msg ? spec.default : v;
  }
  for (const field of Object.keys(raw)) {
    if (!Object.hasOwn(specs, field)) {
      const known = Object.keys(specs);
      problems.push({
        field,
        message: `is not a parameter of this node${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      });
    }
  }
  return { values, problems };
}
