// A small, safe formula language for expression activations: tokenizer + Pratt parser → AST.
// Nothing here evaluates text: the AST is interpreted by ./evaluate.ts over numbers or over Ops
// (so a formula is differentiable in tfjs and traceable by the code generator). Pure: no tfjs.
//
// Grammar (precedence low → high):  a + b, a − b  <  a * b, a / b  <  unary −/+  <  a ^ b (right-assoc)
// <  calls f(a, …), numbers (1, 0.5, 1e-3), names (x, learnable scalars, pi, e), parentheses.
// So −x^2 = −(x^2), 2^3^2 = 2^(3^2), and gplearn-style prefix forms like mul(cos(x), x) parse too.

export type Expr =
  | { readonly kind: 'num'; readonly value: number; readonly pos: number }
  | { readonly kind: 'var'; readonly name: string; readonly pos: number }
  | { readonly kind: 'neg'; readonly arg: Expr; readonly pos: number }
  | {
      readonly kind: 'bin';
      readonly op: '+' | '-' | '*' | '/' | '^';
      readonly left: Expr;
      readonly right: Expr;
      readonly pos: number;
    }
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly Expr[]; readonly pos: number };

type Token =
  | { readonly t: 'num'; readonly value: number; readonly pos: number; readonly text: string }
  | { readonly t: 'name'; readonly name: string; readonly pos: number; readonly text: string }
  | { readonly t: 'op'; readonly op: string; readonly pos: number; readonly text: string }
  | { readonly t: 'end'; readonly pos: number; readonly text: string };

/** A parse problem at a 0-based character offset (`column` is 1-based for people). */
export class ExprError extends Error {
  readonly column: number;
  constructor(
    readonly reason: string,
    readonly pos: number,
    readonly source: string,
  ) {
    super(`${reason} at column ${pos + 1}`);
    this.column = pos + 1;
  }
  /** The formula with a caret under the offending character, for diagnostics. */
  pointer(): string {
    return `${this.source}\n${' '.repeat(this.pos)}^`;
  }
}

/** Longest accepted formula (keeps diagnostics and traced code small). */
export const MAX_FORMULA_LENGTH = 500;
const MAX_DEPTH = 64;

const OPS = new Set(['+', '-', '*', '/', '^', '(', ')', ',']);

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if ((c >= '0' && c <= '9') || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i))!;
      const text = m[0];
      i += text.length;
      if (/[A-Za-z_]/.test(src[i] ?? '')) throw new ExprError(`Unexpected '${src[i]}' after number`, i, src);
      out.push({ t: 'num', value: Number(text), pos: start, text });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const text = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))![0];
      i += text.length;
      out.push({ t: 'name', name: text, pos: start, text });
      continue;
    }
    if (c === '*' && src[i + 1] === '*') {
      // Python-style power, as users type it.
      out.push({ t: 'op', op: '^', pos: start, text: '**' });
      i += 2;
      continue;
    }
    if (OPS.has(c)) {
      out.push({ t: 'op', op: c, pos: start, text: c });
      i++;
      continue;
    }
    throw new ExprError(`Unexpected character '${c}'`, i, src);
  }
  out.push({ t: 'end', pos: src.length, text: 'end of formula' });
  return out;
}

const INFIX: Record<string, { bp: number; right: boolean }> = {
  '+': { bp: 10, right: false },
  '-': { bp: 10, right: false },
  '*': { bp: 20, right: false },
  '/': { bp: 20, right: false },
  '^': { bp: 40, right: true },
};
const PREFIX_BP = 30;

/** Parses a formula into an AST. Throws ExprError (with the character position) when it is not valid. */
export function parseExpr(src: string): Expr {
  if (src.length > MAX_FORMULA_LENGTH)
    throw new ExprError(`Formula is longer than ${MAX_FORMULA_LENGTH} characters`, MAX_FORMULA_LENGTH, src);
  const toks = tokenize(src);
  let k = 0;
  const peek = () => toks[k]!;
  const next = () => toks[k++]!;
  const showToken = (t: Token) => (t.t === 'end' ? 'end of formula' : `'${t.text}'`);
  const expectOp = (op: string) => {
    const t = next();
    if (t.t !== 'op' || t.op !== op)
      throw new ExprError(`Expected '${op}' but found ${showToken(t)}`, t.pos, src);
  };

  const parse = (minBp: number, depth: number): Expr => {
    if (depth > MAX_DEPTH) throw new ExprError('Formula is nested too deeply', peek().pos, src);
    const t = next();
    let left: Expr;
    if (t.t === 'num') left = { kind: 'num', value: t.value, pos: t.pos };
    else if (t.t === 'name') {
      const after = peek();
      if (after.t === 'op' && after.op === '(') {
        next();
        const args: Expr[] = [];
        const close = peek();
        if (!(close.t === 'op' && close.op === ')')) {
          for (;;) {
            args.push(parse(0, depth + 1));
            const sep = peek();
            if (sep.t === 'op' && sep.op === ',') {
              next();
              continue;
            }
            break;
          }
        }
        expectOp(')');
        left = { kind: 'call', fn: t.name, args, pos: t.pos };
      } else left = { kind: 'var', name: t.name, pos: t.pos };
    } else if (t.t === 'op' && t.op === '(') {
      left = parse(0, depth + 1);
      expectOp(')');
    } else if (t.t === 'op' && (t.op === '-' || t.op === '+')) {
      const arg = parse(PREFIX_BP, depth + 1);
      left = t.op === '-' ? { kind: 'neg', arg, pos: t.pos } : arg;
    } else throw new ExprError(`Expected a number, a name or '(' but found ${showToken(t)}`, t.pos, src);

    for (;;) {
      const op = peek();
      if (op.t === 'end') break;
      if (op.t !== 'op' || op.op === ',' || op.op === ')') {
        if (op.t === 'op') break;
        throw new ExprError(`Expected an operator (+ − * / ^) but found ${showToken(op)}`, op.pos, src);
      }
      const info = INFIX[op.op];
      if (!info) throw new ExprError(`Unexpected ${showToken(op)}`, op.pos, src);
      if (info.bp < minBp || (info.bp === minBp && !info.right)) break;
      next();
      const right = parse(info.right ? info.bp : info.bp + 1, depth + 1);
      left = { kind: 'bin', op: op.op as '+' | '-' | '*' | '/' | '^', left, right, pos: op.pos };
    }
    return left;
  };

  const ast = parse(0, 0);
  const rest = peek();
  if (rest.t !== 'end') throw new ExprError(`Unexpected ${showToken(rest)}`, rest.pos, src);
  return ast;
}
