// Rules Biome cannot see: no HTML/code injection sinks anywhere, and the UI ring never reaches
// tfjs, not even through a chain of relative imports (tfjs belongs in the training Worker).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SELF = fileURLToPath(import.meta.url);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|tsx|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

const SINKS =
  /\b(innerHTML|outerHTML|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write)\b|\beval\s*\(|\bnew\s+Function\s*\(/;

describe('hygiene', () => {
  it('no innerHTML / eval / new Function / dangerouslySetInnerHTML in the sources', () => {
    const files = ['src', 'nodes', 'bin', 'e2e', 'bench', 'scripts']
      .flatMap((d) => {
        try {
          return walk(join(ROOT, d));
        } catch {
          return [];
        }
      })
      // Unit tests are not shipped, and the ones that guard against sinks must spell them out;
      // so must the e2e spec that checks the Content-Security-Policy refuses eval.
      .filter((f) => f !== SELF && !/\.test\.tsx?$/.test(f) && relative(ROOT, f) !== 'e2e/csp.spec.ts');
    const hits = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => [line, i] as const)
        .filter(([line]) => SINKS.test(line))
        .map(([line, i]) => `${relative(ROOT, f)}:${i + 1}: ${line.trim()}`),
    );
    expect(hits).toEqual([]);
  });

  it('the app entry never imports @tensorflow/*, directly or transitively', () => {
    // Static imports start a line (Biome formats them so), which keeps import-like text inside
    // string literals (codegen prints `import * as tf from '@tensorflow/tfjs'`) out of the walk.
    const IMPORT =
      /^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/gm;
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (file: string, chain: string[]) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2]!;
        if (spec.startsWith('@tensorflow/'))
          offenders.push([...chain, relative(ROOT, file), spec].join(' → '));
        else if (spec.startsWith('.') && /\.(ts|tsx)$/.test(spec))
          visit(resolve(dirname(file), spec), [...chain, relative(ROOT, file)]);
      }
    };
    visit(join(ROOT, 'src/app/main.tsx'), []);
    // The node files are bundled through import.meta.glob, which this walk cannot follow.
    for (const f of walk(join(ROOT, 'nodes'))) if (!f.endsWith('.test.ts')) visit(f, ['import.meta.glob']);
    expect(seen.size).toBeGreaterThan(5);
    expect(offenders).toEqual([]);
  });
});
