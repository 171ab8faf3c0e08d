// The formula language: a table of formulas it must accept (with their value at a point, computed
// by hand) or reject (with the column of the offending character); numbers vs Ops agree; the parser
// never evaluates anything but its own AST; bad formulas surface as `param/invalid` diagnostics.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfOps } from '../compiler/tf-ops.ts';
import { analyse } from '../core/analysis/analyse.ts';
import {
  compileExpr,
  ExprError,
  evalNumber,
  evalOps,
  parseExpr,
  parseScalarList,
  sampleCurve,
} from '../core/expr/index.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { oneNodeGraph } from './harness.ts';

const registry = await loadRegistry();
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const x0 = 0.7;
const ACCEPT: [string, number][] = [
  ['x', x0],
  ['x * cos(x)', x0 * Math.cos(x0)],
  ['relu(x) + eps * x * exp(-x^2 / 2)', x0 + 0.01 * x0 * Math.exp(-(x0 ** 2) / 2)],
  ['-x^2', -(x0 ** 2)],
  ['(-x)^2', x0 ** 2],
  ['2^3^2', 512],
  ['x ** 3', x0 ** 3],
  ['1 - 2 - 3', -4],
  ['8 / 4 / 2', 1],
  ['2 * pi', 2 * Math.PI],
  ['e', Math.E],
  ['1e-3 * x', 1e-3 * x0],
  ['.5 + x', 0.5 + x0],
  ['mul(cos(x), x)', x0 * Math.cos(x0)],
  ['max(x, 0.1) + min(x, -1)', x0 - 1],
  ['pow(2, x)', 2 ** x0],
  ['sigmoid(x) * tanh(softplus(x))', (1 / (1 + Math.exp(-x0))) * Math.tanh(Math.log1p(Math.exp(x0)))],
  ['sqrt(abs(x)) + rsqrt(4) + square(3)', Math.sqrt(x0) + 0.5 + 9],
  ['  x\t+\n1  ', x0 + 1],
  ['--x', x0],
  ['+x', x0],
];

// [formula, column (1-based) of the reported problem, message fragment]
const REJECT: [string, number, string][] = [
  ['', 1, 'Expected a number'],
  ['x +', 4, 'end of formula'],
  ['x * cos(x))', 11, "Unexpected ')'"],
  ['(x', 3, "Expected ')'"],
  ['x y', 3, 'Expected an operator'],
  ['2x', 2, 'after number'],
  ['x $ 1', 3, "Unexpected character '$'"],
  ['x.constructor', 2, "Unexpected character '.'"],
  ['foo(x)', 1, "Unknown function 'foo'"],
  ['constructor(x)', 1, "Unknown function 'constructor'"],
  ['__proto__', 1, "Unknown name '__proto__'"],
  ['x + y', 5, "Unknown name 'y'"],
  ['cos', 1, 'is a function'],
  ['max(x)', 1, 'takes 2 arguments'],
  ['sin(x, x)', 1, 'takes 1 argument'],
  ['x = 1', 3, "Unexpected character '='"],
  ['alert`1`', 6, 'Unexpected character'],
  ['x;1', 2, "Unexpected character ';'"],
  ['[x]', 1, "Unexpected character '['"],
  ['x ^ ^ 2', 5, 'Expected a number'],
];

describe('formula parser', () => {
  it.each(ACCEPT)('accepts %j', (src, expected) => {
    const c = compileExpr(src, 'x', ['eps']);
    expect(evalNumber(c, x0, { eps: 0.01 })).toBeCloseTo(expected, 10);
  });

  it.each(REJECT)('rejects %j at column %i', (src, column, fragment) => {
    let err: unknown;
    try {
      compileExpr(src, 'x', []);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExprError);
    const e = err as ExprError;
    expect(e.column).toBe(column);
    expect(e.reason).toContain(fragment);
    expect(e.pointer().split('\n')[1]).toBe(`${' '.repeat(column - 1)}^`);
  });

  it('builds the AST with the usual precedence', () => {
    expect(parseExpr('1 + 2 * x ^ 2')).toMatchObject({
      kind: 'bin',
      op: '+',
      right: { kind: 'bin', op: '*', right: { kind: 'bin', op: '^' } },
    });
    expect(parseExpr('-x ^ 2')).toMatchObject({ kind: 'neg', arg: { kind: 'bin', op: '^' } });
  });

  it('limits length and depth', () => {
    expect(() => parseExpr(`${'x+'.repeat(300)}x`)).toThrow(ExprError);
    expect(() => parseExpr(`${'('.repeat(100)}x${')'.repeat(100)}`)).toThrow(/nested too deeply/);
  });

  it('parses learnable scalar lists', () => {
    expect(parseScalarList('eps = 0.01, a=1,b = -2e-1, c')).toEqual([
      { name: 'eps', init: 0.01 },
      { name: 'a', init: 1 },
      { name: 'b', init: -0.2 },
      { name: 'c', init: 0 },
    ]);
    expect(parseScalarList('  ')).toEqual([]);
    expect(() => parseScalarList('a = 1, a = 2')).toThrow(/declared twice/);
    expect(() => parseScalarList('x = 1')).toThrow(/reserved/);
    expect(() => parseScalarList('a = 1; b')).toThrow(ExprError);
  });

  it('gplearn protected log/sqrt and X<i> aliases (paper 27)', () => {
    const c = compileExpr('add(log(X0), sqrt(X3))', 'x', [], { inputAlias: /^X[0-9]+$/ });
    expect(evalNumber(c, -2, {}, 'protected')).toBeCloseTo(Math.log(2) + Math.sqrt(2 + 1e-6), 10);
    expect(evalNumber(c, 0, {}, 'protected')).toBeCloseTo(Math.sqrt(1e-6), 10);
  });

  it('evaluates the same over numbers and over tfjs Ops (values and curve)', () => {
    const src = 'relu(x) + eps * x * exp(-x^2 / 2) + erf(x) * sin(x) - gelu(x) / (1 + x^2)';
    const c = compileExpr(src, 'x', ['eps']);
    const curve = sampleCurve(c, { eps: 0.3 }, -3, 3, 13);
    const y = tf.tidy(() =>
      (evalOps(tfOps, c, tf.tensor1d(curve.x), { eps: tf.scalar(0.3) }) as tf.Tensor).dataSync(),
    );
    curve.y.forEach((v, i) => {
      expect(y[i]).toBeCloseTo(v, 5);
    });
  });

  it('never evaluates text: no eval, Function or dynamic import in src/core/expr', () => {
    const dir = join(import.meta.dirname, '../core/expr');
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text).not.toMatch(/\beval\s*\(|new\s+Function|\bFunction\s*\(|import\s*\(|innerHTML/);
    }
  });
});

describe('expression activation diagnostics', () => {
  const def = registry.get('activations.expression')!;
  const diag = (params: Record<string, unknown>) =>
    analyse(oneNodeGraph(def, { inputs: { x: { shape: [2, 3] } }, params }), registry).diagnostics;

  it('accepts a valid formula with scalars and counts one param per scalar', () => {
    const g = oneNodeGraph(def, {
      inputs: { x: { shape: [2, 3] } },
      params: { formula: 'relu(x) + eps * x * exp(-x^2 / 2)', scalars: 'eps = 0.01' },
    });
    const a = analyse(g, registry);
    expect(a.diagnostics).toEqual([]);
    expect(a.totalParams).toBe(1);
  });

  it('points at the bad character', () => {
    const [d] = diag({ formula: 'x * cos(x))' });
    expect(d).toMatchObject({ code: 'param/invalid', field: 'formula', nodeId: 'node' });
    expect(d!.message).toContain('column 11');
    expect(d!.message).toContain('x * cos(x))\n          ^');
  });

  it('names an undeclared scalar, and a bad scalar list', () => {
    expect(diag({ formula: 'x * k' })[0]).toMatchObject({ field: 'formula' });
    expect(diag({ formula: 'x * k' })[0]!.message).toContain("Unknown name 'k'");
    expect(diag({ formula: 'x', scalars: 'k == 2' })[0]).toMatchObject({ field: 'scalars' });
  });

  it('rejects formulas that are not finite on real inputs', () => {
    expect(diag({ formula: 'log(x)' })[0]).toMatchObject({ code: 'param/invalid', field: 'formula' });
    expect(diag({ formula: '1 / x' })[0]!.message).toContain('f(0)');
  });
});
