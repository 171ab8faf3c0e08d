import { describe, expect, it } from 'vitest';
import { compileExpr, evalNumber } from '../core/expr/index.ts';
import {
  evalProgram,
  GPLEARN_DEFAULTS,
  hasXCosXTerm,
  type Program,
  programToExpr,
  programToString,
  randomProgram,
  sigmoidLogLoss,
  subtreeEnd,
  symbolicClassifier,
} from '../core/expr/search.ts';
import { createRng } from '../core/rng.ts';

const X = (index: number) => ({ kind: 'var', index }) as const;
const F = (name: 'add' | 'sub' | 'mul' | 'sin' | 'cos' | 'abs') => ({ kind: 'fn', name }) as const;

describe('GP symbolic classifier (gplearn-style)', () => {
  it('prints programs in gplearn prefix form and reads them back with the formula parser', () => {
    const p: Program = [F('mul'), F('cos'), X(3), X(7)];
    expect(programToString(p)).toBe('mul(cos(X3), X7)');
    const c = compileExpr(programToString(p), 'x', [], { inputAlias: /^X[0-9]+$/ });
    expect(evalNumber(c, 2)).toBeCloseTo(2 * Math.cos(2), 12);
    expect(programToString([F('add'), { kind: 'const', value: -0.25 }, X(0)])).toBe('add(-0.250, X0)');
    expect(hasXCosXTerm(c.ast)).toBe(true);
    expect(hasXCosXTerm(compileExpr('add(cos(X1), X0)', 'x', [], { inputAlias: /^X[0-9]+$/ }).ast)).toBe(
      false,
    );
  });

  it('evaluates column-wise exactly as the formula interpreter does (all X<i> = x)', () => {
    const rng = createRng(3);
    const xs = Float64Array.from({ length: 9 }, (_, i) => -2 + 0.5 * i);
    const cols = Array.from({ length: 4 }, () => xs);
    for (let t = 0; t < 30; t++) {
      const p = randomProgram(4, GPLEARN_DEFAULTS, rng);
      expect(subtreeEnd(p, 0)).toBe(p.length);
      const c = { source: '', ast: programToExpr(p), names: [], inputs: ['x', 'X0', 'X1', 'X2', 'X3'] };
      const got = evalProgram(p, cols, xs.length);
      xs.forEach((x, i) => {
        expect(got[i]).toBeCloseTo(evalNumber(c, x), 9);
      });
    }
  });

  it('computes the log-loss of σ(raw) by hand', () => {
    expect(sigmoidLogLoss(Float64Array.of(0, 0), [1, 0])).toBeCloseTo(Math.LN2, 12);
    // σ(2) = 0.8808 for a positive, σ(−1) = 0.2689 → −ln(1 − 0.2689) for a negative
    const want = (-Math.log(1 / (1 + Math.exp(-2))) - Math.log(1 - 1 / (1 + Math.exp(1)))) / 2;
    expect(sigmoidLogLoss(Float64Array.of(2, -1), [1, 0])).toBeCloseTo(want, 12);
  });

  it('is deterministic per seed and finds a program far better than chance', () => {
    const data = createRng(11);
    const n = 400;
    const cols = Array.from({ length: 4 }, () => new Float64Array(n));
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      for (const c of cols) c[i] = data.normal();
      y[i] = 3 * cols[0]![i]! * Math.cos(cols[1]![i]!) > 0 ? 1 : 0;
    }
    const opts = { populationSize: 100, generations: 4 };
    const a = symbolicClassifier(cols, y, createRng(5), opts);
    const b = symbolicClassifier(cols, y, createRng(5), opts);
    expect(a.formula).toBe(b.formula);
    expect(a.loss).toBe(b.loss);
    expect(a.generations).toHaveLength(4);
    expect(a.loss).toBeLessThan(0.5); // chance is ln 2 ≈ 0.693
    // the best loss never gets worse than the first generation's best by much (elitism is not guaranteed)
    expect(a.generations.at(-1)!.bestLoss).toBeLessThanOrEqual(a.generations[0]!.bestLoss + 0.05);
  });
});
