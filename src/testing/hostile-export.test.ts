// Hostile graph text in the TypeScript export. Every string-valued field of a graph that the
// analysis accepts as free text (titles, descriptions, paper fields, tags, labels, stage names and
// groups, dataset and string params) gets random text built from every character class that can
// break out of a literal or comment (line terminators incl. \r and U+2028/9, quotes, backslashes,
// `${`, `*/`, controls, bidi overrides, lone surrogates) plus payloads that call a sentinel. The
// export must parse (TypeScript compiler API: no syntactic diagnostic) and importing it must not
// run any graph text (the sentinel stays uncalled). The escaping rules themselves are checked
// against the TypeScript scanner, an independent reader of literals and comments.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transform } from 'esbuild';
import fc from 'fast-check';
import { createScanner } from 'typescript/unstable/ast/scanner';
import { API } from 'typescript/unstable/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../core/analysis/analyse.ts';
import {
  classNameFrom,
  identifierFrom,
  Namer,
  pyStringLiteral,
  safeCommentText,
  tsStringLiteral,
} from '../core/codegen/escape.ts';
import { generateTypeScript } from '../core/codegen/index.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import { lowerGraph } from '../core/lower.ts';
import type { ParamSpec } from '../core/params.ts';
import { loadRegistry } from '../node/discover-nodes.ts';
import { readTemplate } from '../node/templates.ts';
import { oneNodeGraph } from './harness.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const registry = await loadRegistry();

const SENTINEL = '__netwrightHostileRan';
const CALL = `globalThis.${SENTINEL}()`;
/** Pieces that end a literal or comment in some language, and payloads that call the sentinel. */
const PIECES = [
  '*/',
  '/*',
  '//',
  '\n',
  '\r',
  '\r\n',
  '\u2028',
  '\u2029',
  '\u0085',
  "'",
  '"',
  '`',
  '\\',
  '${',
  '}',
  '#',
  '"""',
  '\u0000',
  '\u001b[2J',
  '\u202e',
  '\u2066',
  '\ufeff',
  '\ud800',
  '\udc00',
  '😀',
  '__proto__',
  `*/ ${CALL}; /*`,
  `\n${CALL};//`,
  `\r${CALL};//`,
  `\u2028${CALL};//`,
  `'; ${CALL}; '`,
  `\\'; ${CALL}; //`,
  `\${${CALL}}`,
  `\`; ${CALL}; \``,
  `"""; ${CALL}; """`,
];
const hostileText = (maxLength: number) =>
  fc
    .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6, unit: 'binary' })), {
      maxLength: 8,
    })
    .map((parts) => parts.join('').slice(0, maxLength));

// ---- the escaping rules, against the TypeScript scanner -------------------------------------

/** Tokens of `text`; comments and whitespace are skipped (trivia). */
function scanAll(text: string): { kind: number; value: string; unterminated: boolean }[] {
  const s = createScanner(true);
  s.setText('');
  const endOfFile = s.scan();
  s.setText(text);
  const out: { kind: number; value: string; unterminated: boolean }[] = [];
  for (let k = s.scan(); k !== endOfFile; k = s.scan())
    out.push({ kind: k, value: s.getTokenValue(), unterminated: s.isUnterminated() });
  return out;
}

describe('escaping graph text (escape.ts)', () => {
  const any = fc.oneof(hostileText(200), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));

  it('tsStringLiteral: one terminated string token whose value is the text', () => {
    // The scanner's StringLiteral kind number, taken from a known literal rather than assumed.
    const kind = scanAll("'a'")[0]!.kind;
    fc.assert(
      fc.property(any, (text) => {
        const tokens = scanAll(tsStringLiteral(text));
        expect(tokens).toEqual([{ kind, value: text, unterminated: false }]);
      }),
      { numRuns: 500 },
    );
  });

  it('safeCommentText: inside //, /* */ and /** */ the whole line is comment', () => {
    fc.assert(
      fc.property(any, (text) => {
        const safe = safeCommentText(text);
        for (const wrapped of [`// ${safe}`, `/* ${safe} */`, `/** ${safe} */`])
          expect(scanAll(wrapped), wrapped).toEqual([]);
        // One line in every language's sense (Python's too: \n, \r; JS: also U+2028/9).
        expect(safe).not.toMatch(/[\n\r\u0085\u2028\u2029]/);
      }),
      { numRuns: 500 },
    );
  });

  it('pyStringLiteral: one line of printable text, quotes and backslashes escaped', () => {
    fc.assert(
      fc.property(any, (text) => {
        const lit = pyStringLiteral(text);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: no raw control character may remain
        expect(lit).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
        // Between the outer quotes, every quote and backslash is escaped.
        expect(lit.slice(1, -1).replace(/\\[\s\S]/g, '')).not.toMatch(/['\\]/);
      }),
      { numRuns: 300 },
    );
  });

  it('identifiers are derived: ASCII only, never reserved, unique in a scope', () => {
    const namer = new Namer();
    const seen = new Set<string>();
    fc.assert(
      fc.property(any, (text) => {
        expect(identifierFrom(text)).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
        expect(classNameFrom(`x.${text}`)).toMatch(/^[A-Z_][A-Za-z0-9_]*$/);
        const name = namer.fresh(text);
        expect(seen.has(name)).toBe(false);
        seen.add(name);
      }),
      { numRuns: 300 },
    );
    for (const word of ['class', 'tf', 'eval', 'globalThis', 'return'])
      expect(new Namer().fresh(word)).toBe(`${word}_`);
  });
});

// ---- whole exports ---------------------------------------------------------------------------

type Path = readonly (string | number)[];

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function setAt(doc: unknown, path: Path, value: unknown): void {
  let o = doc as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path.at(-1)!] = value;
}

/** Paths of every string leaf (object keys are ids, held to an identifier pattern by the schema). */
function stringPaths(x: unknown, path: Path = []): Path[] {
  if (typeof x === 'string') return [path];
  if (Array.isArray(x)) return x.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (x && typeof x === 'object') return Object.entries(x).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

const PROBE = `probe */ \r\n\u2028 \${x} ' " \\ ${CALL}`;
const exportable = (doc: GraphDoc) => {
  const a = analyse(doc, registry);
  return a.ok ? lowerGraph(a, registry).ir : undefined;
};

/** The string fields the analysis takes as free text: a probe there still exports. */
function freeTextPaths(doc: GraphDoc): Path[] {
  return stringPaths(doc).filter((p) => {
    const probed = clone(doc);
    setAt(probed, p, PROBE);
    return exportable(probed) !== undefined;
  });
}

/** Every optional free-text field of the schema filled in, so each one is exercised. */
function withEveryTextField(doc: GraphDoc, dataset?: GraphDoc['training']): GraphDoc {
  const d = clone(doc);
  d.meta = {
    ...d.meta,
    title: 't',
    description: 'd',
    claim: 'c',
    experiment: 'e',
    pass: 'p',
    measured: 'm',
    departures: 'x',
    tags: ['a', 'b'],
    paper: { title: 'p', authors: 'a', year: 2020, arxiv: '1', url: 'u' },
  };
  for (const n of Object.values(d.nodes)) n.label = 'l';
  if (dataset) d.training = dataset;
  return d;
}

const template = (id: string) => JSON.parse(readTemplate(id)) as GraphDoc;
const mlp = template('mlp-mnist');
const hermite = registry.get('activations.hermite')!;
const BASES: Record<string, GraphDoc> = {
  // Groups, two stages (one naming groups), and the CSV dataset with its free-text file name.
  mlpCsvStages: withEveryTextField(
    {
      ...mlp,
      nodes: { ...mlp.nodes, logits: { ...mlp.nodes.logits!, group: 'head' } },
    },
    {
      ...mlp.training!,
      dataset: { name: 'csv', params: { features: 784, classes: 10, file: 'f.csv' } },
      phases: [
        { name: 's1', kind: 'gradient', epochs: 1, groups: ['head'] },
        { name: 's2', kind: 'gradient', epochs: 1 },
      ],
    },
  ),
  attention: withEveryTextField(template('random-feature-attention')),
  // A kernel node (traced into an exported class) with a free-text string param.
  hermiteKernel: withEveryTextField(oneNodeGraph(hermite, hermite.examples![0]!)),
  // Groups (group.input / group.output names are string params), flattened on export.
  grouped: withEveryTextField(template('evonorm-s0-primitives')),
  // Every other node type with a string param (formulas, pools), as its first example.
  ...Object.fromEntries(
    registry
      .all()
      .filter(
        (d) =>
          d !== hermite &&
          d.examples?.length &&
          Object.values(d.params as Record<string, ParamSpec>).some((ps) => ps.kind === 'string'),
      )
      .map((d) => [d.type, withEveryTextField(oneNodeGraph(d, d.examples![0]!))]),
  ),
};

/**
 * Phase names are free text but must differ from each other (`train/phase-duplicate`): a later
 * name equal to an earlier one gets its index appended, the way a user would rename it.
 */
function distinctPhaseNames(doc: GraphDoc): void {
  const seen = new Set<string>();
  for (const [i, phase] of (doc.training?.phases ?? []).entries()) {
    let name = phase.name;
    while (seen.has(name)) name = `${name} ${i + 1}`;
    (phase as { name: string }).name = name;
    seen.add(name);
  }
}

let tmp = '';
const written: { file: string; doc: GraphDoc }[] = [];
let ran = 0;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'netwright-hostile-'));
  mkdirSync(join(tmp, 'node_modules'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules/@tensorflow'), join(tmp, 'node_modules/@tensorflow'), 'dir');
  (globalThis as Record<string, unknown>)[SENTINEL] = () => {
    ran++;
  };
});

afterAll(() => {
  delete (globalThis as Record<string, unknown>)[SENTINEL];
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('hostile text in every free-text field of a graph', () => {
  const paths = Object.fromEntries(Object.entries(BASES).map(([k, d]) => [k, freeTextPaths(d)]));

  it('reaches the fields an attacker would use', () => {
    const all = Object.values(paths).flatMap((ps) => ps.map((p) => p.join('.')));
    for (const field of [
      'meta.title',
      'meta.description',
      'meta.paper.title',
      'meta.tags.0',
      'nodes.hidden.label',
      'training.phases.0.name',
      'training.phases.0.groups.0',
      'training.dataset.params.file',
    ])
      expect(all).toContain(field);
    expect(Object.keys(BASES).length).toBeGreaterThan(4);
  });

  it('exports code that parses and never runs the text', async () => {
    const base = fc.constantFrom(...Object.keys(BASES));
    const scenario = base.chain((name) =>
      fc.tuple(
        fc.constant(name),
        fc.array(hostileText(200), { minLength: paths[name]!.length, maxLength: paths[name]!.length }),
      ),
    );
    let i = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ([name, texts]) => {
        const doc = clone(BASES[name]!);
        for (const [k, p] of paths[name]!.entries()) setAt(doc, p, texts[k]);
        distinctPhaseNames(doc);
        const ir = exportable(doc);
        // Fields are free text one at a time; together they still are (phase names aside, no field
        // checks another).
        expect(ir, JSON.stringify(texts)).toBeDefined();
        const code = generateTypeScript(ir!, registry);
        const file = join(tmp, `case${i++}.ts`);
        writeFileSync(file, code);
        written.push({ file, doc });
        const js = (await transform(code, { loader: 'ts', format: 'esm', target: 'es2022' })).code;
        writeFileSync(`${file}.mjs`, js);
        await import(pathToFileURL(`${file}.mjs`).href);
        expect(ran, `graph text ran when importing ${file}`).toBe(0);
      }),
      // Every field empty once: both phases then share the name '' (CI's counterexample).
      { numRuns: 40, examples: [[['mlpCsvStages', paths.mlpCsvStages!.map(() => '')]]] },
    );

    // One TypeScript project over every export: no syntactic diagnostic in any of them.
    writeFileSync(
      join(tmp, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { noEmit: true, types: [] }, files: written.map((w) => w.file) }),
    );
    const api = new API({ cwd: tmp });
    try {
      const project = api
        .updateSnapshot({ openProject: join(tmp, 'tsconfig.json') })
        .getProject(join(tmp, 'tsconfig.json'))!;
      for (const w of written) {
        const diags = project.program.getSyntacticDiagnostics(w.file);
        expect(
          diags.map((d) => d.text),
          JSON.stringify(w.doc),
        ).toEqual([]);
      }
    } finally {
      api.close();
    }
  }, 120_000);
});

describe('hostile corpus (the attacks of issue 19)', () => {
  const base = BASES.mlpCsvStages!;
  const variant = (edit: (d: GraphDoc) => void): GraphDoc => {
    const d = clone(base);
    edit(d);
    return d;
  };
  const cases: Record<string, GraphDoc> = {
    'a stage group that closes the JSDoc comment': variant((d) => {
      d.training!.phases![0]!.groups = ['head', `*/ ${CALL}; /*`];
    }),
    'a CSV file name that closes the comment': variant((d) => {
      d.training!.dataset.params.file = `x */ ${CALL}; /* y`;
    }),
    'a stage name with a raw carriage return': variant((d) => {
      d.training!.phases![0]!.name = `a\r${CALL};//`;
    }),
    'a group named __proto__': variant((d) => {
      d.nodes.logits!.group = '__proto__';
      d.training!.phases![0]!.groups = ['__proto__'];
    }),
  };

  it.each(Object.entries(cases))('%s: exports, parses, runs nothing', async (name, doc) => {
    const ir = exportable(doc);
    expect(ir).toBeDefined();
    const code = generateTypeScript(ir!, registry);
    const js = (await transform(code, { loader: 'ts', format: 'esm', target: 'es2022' })).code;
    const file = join(tmp, `corpus-${name.replace(/\W+/g, '-')}.mjs`);
    writeFileSync(file, js);
    await import(pathToFileURL(file).href);
    expect(ran).toBe(0);
  });

  it('a group named __proto__ is a real entry of GROUPS, not the prototype', () => {
    const code = generateTypeScript(exportable(cases['a group named __proto__']!)!, registry);
    expect(code).toContain("['__proto__']: ['logits']");
  });

  it('an unused Hermite coefficients string is still checked, naming the field', () => {
    const doc = clone(BASES.hermiteKernel!);
    doc.nodes.node!.params = { preset: '1nn', coefficients: `0 */ ${CALL}; /*\n` };
    const a = analyse(doc, registry);
    expect(a.ok).toBe(false);
    expect(a.diagnostics.some((d) => d.nodeId === 'node' && d.field === 'coefficients')).toBe(true);
  });
});
