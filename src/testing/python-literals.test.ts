// Python escaping (src/core/codegen/python-literals.ts) against hostile graph text, checked by
// Python itself (/usr/bin/python3): every string literal evaluates back to exactly the original
// text, comments and docstrings never let text out, identifiers are always plain identifiers; and a
// whole export of a graph whose title and stage name are hostile parses to code with no
// statement the text put there. Also: numpy reads our .npy/.npz (stored zip, CRC-checked).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyse } from '../core/analysis/analyse.ts';
import { npz } from '../core/archive/npy.ts';
import {
  npzFieldKey,
  pyClassName,
  pyComment,
  pyDocstring,
  pyIdentifier,
  pyString,
} from '../core/codegen/python-literals.ts';
import { generatePyTorch } from '../core/codegen/pytorch.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { readTemplate } from '../node/templates.ts';

const PYTHON = '/usr/bin/python3';
const tmp = mkdtempSync(join(tmpdir(), 'netwright-pylit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const python = (script: string, ...args: string[]): string => {
  const file = join(tmp, `s${Math.random().toString(36).slice(2)}.py`);
  writeFileSync(file, script);
  const r = spawnSync(PYTHON, [file, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
};

const HOSTILE = [
  '',
  'plain',
  '"; import os; os.system("echo pwned") #',
  "' + __import__('os').system('id') + '",
  '"""\nimport os\n"""',
  "'''\nimport os\n'''",
  'back\\slash\\',
  '\\"',
  'line\nbreak',
  'carriage\rreturn',
  'tab\tvertical\u000bform\u000cfeed',
  'nul\u0000byte',
  'esc\u001b[31mred',
  'del\u007f and c1 \u0085 next-line',
  'line sep \u2028 para sep \u2029',
  'bidi \u202e override \u2066 isolate',
  'zero\u200bwidth joiner\u200d',
  'nbsp\u00a0ideographic\u3000space',
  'lone surrogate \ud800 end',
  'low \udc00 alone',
  'emoji 😀 and σ·β ≤ ∞',
  '{braces} %s %(x)s',
  '\\N{BULLET} \\x41 \\u0041',
  'end with backslash \\',
];

describe('python-literals', () => {
  it('string literals evaluate back to exactly the original text (ast.literal_eval)', () => {
    const literals = HOSTILE.map(pyString);
    for (const l of literals) {
      // One physical line, ASCII quotes only at the ends.
      expect(l).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
      expect(l.startsWith('"') && l.endsWith('"')).toBe(true);
    }
    const out = python(
      [
        'import ast, json, sys',
        'lits = json.load(open(sys.argv[1]))',
        'vals = [ast.literal_eval(l) for l in lits]',
        // Code points, so lone surrogates survive the trip back.
        'print(json.dumps([[ord(c) for c in v] for v in vals]))',
      ].join('\n'),
      (() => {
        const f = join(tmp, 'lits.json');
        writeFileSync(f, JSON.stringify(literals));
        return f;
      })(),
    );
    const codes = JSON.parse(out) as number[][];
    HOSTILE.forEach((s, i) => {
      const expected: number[] = [];
      for (const ch of s) expected.push(ch.codePointAt(0)!);
      expect(codes[i]).toEqual(expected);
    });
  });

  it('comments and docstrings hold hostile text without letting any of it become code', () => {
    const lines = [
      ...HOSTILE.map((s) => pyComment(s, 4)),
      ...pyDocstring(HOSTILE, 4),
      `    x = ${pyString(HOSTILE.join(''))}`,
    ];
    const src = ['def f():', ...lines, '    return x', ''].join('\n');
    expect(src.split('\n')).toHaveLength(lines.length + 3);
    // The module is one function whose body is a docstring, an assignment and a return.
    const out = python(
      [
        'import ast, sys',
        'tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())',
        'f = tree.body[0]',
        'print(len(tree.body), [type(s).__name__ for s in f.body])',
      ].join('\n'),
      (() => {
        const f = join(tmp, 'c.py');
        writeFileSync(f, src);
        return f;
      })(),
    );
    expect(out.trim()).toBe("1 ['Expr', 'Assign', 'Return']");
  });

  it('identifiers and class names are always plain ASCII identifiers, never keywords', () => {
    const names = [...HOSTILE, 'class', 'None', 'lambda', '1abc', '__init__', 'ünïcode', '___'];
    for (const n of names) {
      expect(pyIdentifier(n)).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(pyClassName(n)).toMatch(/^[A-Z][A-Za-z0-9]*$/);
    }
    const out = python(
      [
        'import json, keyword, sys',
        'names = json.load(open(sys.argv[1]))',
        'print(all(n.isidentifier() and not keyword.iskeyword(n) for n in names))',
      ].join('\n'),
      (() => {
        const f = join(tmp, 'ids.json');
        writeFileSync(f, JSON.stringify(names.flatMap((n) => [pyIdentifier(n), pyClassName(n)])));
        return f;
      })(),
    );
    expect(out.trim()).toBe('True');
  });

  it('data.npz field keys are plain [A-Za-z0-9_] names, distinct for distinct field names', () => {
    const names = [...HOSTILE, 'cell', 'cell_', 'cell_5f_', 'a.b', 'a_2e_b', 'é', '_'];
    const keys = names.map(npzFieldKey);
    for (const k of keys) expect(k).toMatch(/^field_[A-Za-z0-9_]*$/);
    expect(new Set(keys).size).toBe(new Set(names).size);
    expect(npzFieldKey('cell')).toBe('field_cell');
  });

  it('an exported graph with a hostile title and stage name parses to no injected code', async () => {
    const registry = await loadRegistry();
    const doc = JSON.parse(readTemplate('mlp-mnist')) as GraphDoc & {
      meta: { title: string };
      training: { stages?: unknown[]; epochs: number };
    };
    const evil = '"""\nimport os; os.system("pwned")\n# \u2028 \\';
    doc.meta.title = evil;
    doc.training.stages = [{ name: evil, epochs: 1 }];
    const ir = lowerGraph(analyse(doc, registry), registry).ir!;
    expect(ir).toBeDefined();
    const { files } = generatePyTorch(ir, registry);
    for (const name of ['model.py', 'train.py']) {
      const f = join(tmp, name);
      writeFileSync(f, files[name]!);
      const out = python(
        [
          'import ast, sys',
          'tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())',
          'calls = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "system"]',
          'imports = [a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names]',
          'print(len(calls), sorted(set(imports)))',
        ].join('\n'),
        f,
      );
      expect(out.trim().startsWith('0 ')).toBe(true);
      expect(out.includes("'os'")).toBe(name === 'train.py');
    }
    expect(files['README.md']).not.toContain('\nimport os');
  });
});

describe('npy / npz writer', () => {
  it('numpy reads float32 and int32 arrays back exactly; the zip passes its CRC check', () => {
    const f = Float32Array.from([0, -1.5, 3.25, 1e-7, -0, 65504, Number.NaN, Number.POSITIVE_INFINITY]);
    const i = Int32Array.from([0, -1, 2147483647, -2147483648, 5, 6]);
    const file = join(tmp, 'a.npz');
    writeFileSync(
      file,
      npz({
        f: { data: f, shape: [2, 4] },
        i: { data: i, shape: [6] },
        e: { data: new Float32Array(0), shape: [0, 3] },
      }),
    );
    const out = python(
      [
        'import json, sys, zipfile',
        'import numpy as np',
        'assert zipfile.ZipFile(sys.argv[1]).testzip() is None',
        'd = np.load(sys.argv[1])',
        'print(json.dumps({k: [str(d[k].dtype), list(d[k].shape), [repr(x) for x in d[k].ravel().tolist()]] for k in sorted(d.files)}))',
      ].join('\n'),
      file,
    );
    const r = JSON.parse(out) as Record<string, [string, number[], string[]]>;
    expect(r.f![0]).toBe('float32');
    expect(r.f![1]).toEqual([2, 4]);
    expect(r.f![2]).toEqual(['0.0', '-1.5', '3.25', repr32(1e-7), '-0.0', '65504.0', 'nan', 'inf']);
    expect(r.i).toEqual(['int32', [6], ['0', '-1', '2147483647', '-2147483648', '5', '6']]);
    expect(r.e![1]).toEqual([0, 3]);
  });
});

/** Python's repr of a float32 value widened to double (what tolist() gives). */
function repr32(v: number): string {
  return String(Math.fround(v)).replace(/e-(\d)$/, 'e-0$1');
}
