// Line layout for generated code: a small Wadler/Prettier-style document printer, with the rules
// Biome (the repo's formatter) applies to what the generator emits — calls, arrays, objects — so
// the exported module is formatted as a person (or Biome) would format it, without a formatter
// dependency. Call arguments stay on one line when they fit, else a last object/array argument
// hugs the parentheses, else every argument gets its own line (trailing comma); arrays of numbers
// fill lines. Pure.

/** A printable expression: an atom (already printed, never broken) or a structure the layout may break. */
export type Expr =
  | string
  | { readonly call: string; readonly args: readonly Expr[] }
  | { readonly array: readonly Expr[] }
  | { readonly object: readonly (readonly [string, Expr])[] }
  | { readonly seq: readonly Expr[] };

export const call = (callee: string, ...args: Expr[]): Expr => ({ call: callee, args });
export const array = (items: readonly Expr[]): Expr => ({ array: items });
export const object = (props: readonly (readonly [string, Expr])[]): Expr => ({ object: props });
export const seq = (...parts: Expr[]): Expr => ({ seq: parts });

const isNumberAtom = (e: Expr) => typeof e === 'string' && /^-?(\d[\d.e+-]*|Infinity)$|^NaN$/.test(e);

/** The expression on one line. */
export function flat(e: Expr): string {
  if (typeof e === 'string') return e;
  if ('call' in e) return `${e.call}(${e.args.map(flat).join(', ')})`;
  if ('array' in e) return `[${e.array.map(flat).join(', ')}]`;
  if ('object' in e) return e.object.length ? `{ ${e.object.map(prop).map(flat).join(', ')} }` : '{}';
  return e.seq.map(flat).join('');
}

/** Whether Biome breaks the expression over lines whatever the width (nested object/array lists). */
export function willBreak(e: Expr): boolean {
  if (typeof e === 'string') return false;
  if ('call' in e) return e.args.some(willBreak);
  if ('seq' in e) return e.seq.some(willBreak);
  if ('object' in e) return e.object.some(([, v]) => willBreak(v));
  return forcedBreak(e.array) || e.array.some(willBreak);
}

/** Two or more objects (or arrays) of two or more entries each: one per line, as Biome does. */
function forcedBreak(items: readonly Expr[]): boolean {
  const kind =
    typeof items[0] !== 'string' && items[0] !== undefined && 'array' in items[0] ? 'array' : 'object';
  return items.length > 1 && items.every((x) => isStructure(x, kind, 2));
}

const prop = ([k, v]: readonly [string, Expr]): Expr => (k === v ? k : seq(`${k}: `, v));

// ---- documents ----------------------------------------------------------------------------------

type Doc =
  | string
  | readonly Doc[]
  | { readonly t: 'group'; readonly c: Doc; brk: boolean; readonly states?: readonly Doc[] }
  | { readonly t: 'indent'; readonly c: Doc }
  | { readonly t: 'line'; readonly soft: boolean }
  | { readonly t: 'ifBreak'; readonly b: Doc; readonly f: Doc }
  | { readonly t: 'fill'; readonly parts: readonly Doc[] };

const line: Doc = { t: 'line', soft: false };
const softline: Doc = { t: 'line', soft: true };
const group = (c: Doc, brk = false): Doc => ({ t: 'group', c, brk });
const indent = (c: Doc): Doc => ({ t: 'indent', c });
const ifBreak = (b: Doc, f: Doc = ''): Doc => ({ t: 'ifBreak', b, f });
const join = (sep: Doc, docs: readonly Doc[]): Doc[] => docs.flatMap((d, i) => (i ? [sep, d] : [d]));

/** An object or array literal with at least `min` entries. */
const isStructure = (e: Expr, kind: 'object' | 'array', min = 1) =>
  typeof e !== 'string' &&
  kind in e &&
  ((e as { object?: unknown[]; array?: unknown[] })[kind]?.length ?? 0) >= min;

function toDoc(e: Expr): Doc {
  if (typeof e === 'string') return e;
  if ('seq' in e) return e.seq.map(toDoc);
  if ('object' in e) {
    if (!e.object.length) return '{}';
    return group([
      '{',
      indent([line, join([',', line], e.object.map(prop).map(toDoc))]),
      ifBreak(','),
      line,
      '}',
    ]);
  }
  if ('array' in e) {
    if (!e.array.length) return '[]';
    if (e.array.every(isNumberAtom)) {
      // Numbers fill the lines (Biome's concise arrays).
      const parts = e.array.flatMap((x, i): Doc[] =>
        i === e.array.length - 1 ? [toDoc(x)] : [[toDoc(x), ','], line],
      );
      return group(['[', indent([softline, { t: 'fill', parts }, ifBreak(',')]), softline, ']']);
    }
    const nested = forcedBreak(e.array);
    return group(
      ['[', indent([softline, join([',', line], e.array.map(toDoc))]), ifBreak(','), softline, ']'],
      nested,
    );
  }
  return [e.call, args(e.args)];
}

function args(list: readonly Expr[]): Doc {
  if (!list.length) return '()';
  const printed = list.map(toDoc);
  const broken = group(['(', indent([line, join([',', line], printed)]), ifBreak(','), line, ')'], true);
  const last = list.at(-1)!;
  const penultimate = list.at(-2);
  const conciseLast = typeof last !== 'string' && 'array' in last && last.array.every(isNumberAtom);
  const hug =
    (isStructure(last, 'object') || isStructure(last, 'array')) &&
    !(
      penultimate !== undefined &&
      (isStructure(penultimate, 'object') || isStructure(penultimate, 'array'))
    ) &&
    !(list.length > 1 && conciseLast);
  if (!hug) return group(['(', indent([softline, join([',', line], printed)]), ifBreak(','), softline, ')']);
  const allFlat: Doc = ['(', join(', ', printed), ')'];
  const hugged: Doc = ['(', join(', ', [...printed.slice(0, -1), group(printed.at(-1)!, true)]), ')'];
  return { t: 'group', c: allFlat, brk: false, states: [allFlat, hugged, broken] };
}

// ---- printing (Prettier's algorithm, trimmed to the documents above) ------------------------------

type Mode = 'flat' | 'break';
interface Cmd {
  readonly ind: number;
  readonly mode: Mode;
  readonly doc: Doc;
}

function fits(next: Cmd, rest: readonly Cmd[], width: number, mustBeFlat: boolean): boolean {
  let restIdx = rest.length;
  const cmds: Cmd[] = [next];
  while (width >= 0) {
    if (!cmds.length) {
      if (restIdx === 0) return true;
      cmds.push(rest[--restIdx]!);
      continue;
    }
    const { ind, mode, doc } = cmds.pop()!;
    if (typeof doc === 'string') width -= doc.length;
    else if (Array.isArray(doc))
      for (let i = doc.length - 1; i >= 0; i--) cmds.push({ ind, mode, doc: doc[i]! });
    else {
      const d = doc as Exclude<Doc, string | readonly Doc[]>;
      switch (d.t) {
        case 'group': {
          if (mustBeFlat && d.brk) return false;
          const m: Mode = d.brk ? 'break' : mode;
          cmds.push({ ind, mode: m, doc: d.states && m === 'break' ? d.states.at(-1)! : d.c });
          break;
        }
        case 'indent':
          cmds.push({ ind, mode, doc: d.c });
          break;
        case 'ifBreak':
          cmds.push({ ind, mode, doc: mode === 'break' ? d.b : d.f });
          break;
        case 'line':
          if (mode === 'break') return true;
          if (!d.soft) width -= 1;
          break;
        case 'fill':
          for (let i = d.parts.length - 1; i >= 0; i--) cmds.push({ ind, mode, doc: d.parts[i]! });
          break;
      }
    }
  }
  return false;
}

/** Marks every group that contains a broken group as broken (Prettier's propagateBreaks). */
function propagate(doc: Doc): boolean {
  if (typeof doc === 'string') return false;
  if (Array.isArray(doc)) return doc.map(propagate).some(Boolean);
  const d = doc as Exclude<Doc, string | readonly Doc[]>;
  switch (d.t) {
    case 'group': {
      const inner = propagate(d.c);
      for (const s of d.states ?? []) propagate(s);
      if (inner && !d.states) d.brk = true;
      return d.brk;
    }
    case 'indent':
      return propagate(d.c);
    case 'ifBreak':
      return propagate(d.b) || propagate(d.f);
    case 'fill':
      return d.parts.map(propagate).some(Boolean);
    case 'line':
      return false;
  }
}

function printDoc(doc: Doc, indentation: number, width: number): string[] {
  propagate(doc);
  const out: string[] = [' '.repeat(indentation)];
  let pos = indentation;
  const cmds: Cmd[] = [{ ind: indentation, mode: 'break', doc }];
  while (cmds.length) {
    const { ind, mode, doc: d0 } = cmds.pop()!;
    if (typeof d0 === 'string') {
      out.push(d0);
      pos += d0.length;
      continue;
    }
    if (Array.isArray(d0)) {
      for (let i = d0.length - 1; i >= 0; i--) cmds.push({ ind, mode, doc: d0[i]! });
      continue;
    }
    const d = d0 as Exclude<Doc, string | readonly Doc[]>;
    switch (d.t) {
      case 'indent':
        cmds.push({ ind: ind + 2, mode, doc: d.c });
        break;
      case 'ifBreak':
        cmds.push({ ind, mode, doc: mode === 'break' ? d.b : d.f });
        break;
      case 'line':
        if (mode === 'flat') {
          if (!d.soft) {
            out.push(' ');
            pos += 1;
          }
        } else {
          while (out.length && out.at(-1)!.endsWith(' ')) out.push(out.pop()!.replace(/ +$/, ''));
          out.push(`\n${' '.repeat(ind)}`);
          pos = ind;
        }
        break;
      case 'group': {
        if (mode === 'flat') {
          cmds.push({ ind, mode: d.brk ? 'break' : 'flat', doc: d.c });
          break;
        }
        const next: Cmd = { ind, mode: 'flat', doc: d.c };
        if (!d.brk && fits(next, cmds, width - pos, false)) {
          cmds.push(next);
          break;
        }
        if (!d.states) {
          cmds.push({ ind, mode: 'break', doc: d.c });
          break;
        }
        const most = d.states.at(-1)!;
        if (d.brk) {
          cmds.push({ ind, mode: 'break', doc: most });
          break;
        }
        let chosen: Cmd = { ind, mode: 'break', doc: most };
        for (let i = 1; i < d.states.length; i++) {
          const cmd: Cmd = { ind, mode: 'flat', doc: d.states[i]! };
          if (fits(cmd, cmds, width - pos, false)) {
            chosen = cmd;
            break;
          }
        }
        cmds.push(chosen);
        break;
      }
      case 'fill': {
        const parts = d.parts;
        if (!parts.length) break;
        const rem = width - pos;
        const content = parts[0]!;
        const contentFlat: Cmd = { ind, mode: 'flat', doc: content };
        const contentFits = fits(contentFlat, [], rem, true);
        if (parts.length === 1) {
          cmds.push(contentFits ? contentFlat : { ind, mode: 'break', doc: content });
          break;
        }
        const sep = parts[1]!;
        const sepFlat: Cmd = { ind, mode: 'flat', doc: sep };
        const sepBreak: Cmd = { ind, mode: 'break', doc: sep };
        if (parts.length === 2) {
          if (contentFits) cmds.push(sepFlat, contentFlat);
          else cmds.push(sepBreak, { ind, mode: 'break', doc: content });
          break;
        }
        const remaining: Cmd = { ind, mode, doc: { t: 'fill', parts: parts.slice(2) } };
        const bothFit = fits({ ind, mode: 'flat', doc: [content, sep, parts[2]!] }, [], rem, true);
        if (bothFit) cmds.push(remaining, sepFlat, contentFlat);
        else if (contentFits) cmds.push(remaining, sepBreak, contentFlat);
        else cmds.push(remaining, sepBreak, { ind, mode: 'break', doc: content });
        break;
      }
    }
  }
  return out.join('').split('\n');
}

/**
 * Lines of `prefix + expr + suffix` at `indentation` spaces, broken as Biome breaks them when the
 * whole does not fit `width` columns.
 */
export function layout(
  prefix: string,
  e: Expr,
  suffix: string,
  indentation: number,
  width: number,
): string[] {
  return printDoc([prefix, toDoc(e), suffix], indentation, width);
}

/** An object literal, expanded one property per line (the first line is `prefix{`). */
export function expandedObject(
  prefix: string,
  props: readonly (readonly [string, Expr])[],
  suffix: string,
  indentation: number,
  width: number,
): string[] {
  if (!props.length) return [`${' '.repeat(indentation)}${prefix}{}${suffix}`];
  const doc = group(
    ['{', indent([line, join([',', line], props.map(prop).map(toDoc))]), ',', line, '}'],
    true,
  );
  return printDoc([prefix, doc, suffix], indentation, width);
}
