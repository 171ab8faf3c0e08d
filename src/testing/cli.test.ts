// The CLI contract (DESIGN §6): summaries, JSON shapes, exit codes, and clear messages (never a
// stack trace) for every kind of bad input. Most cases run in-process through runCli; a few spawn
// the real `bin/netwright.mjs` to prove the installed command behaves the same.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from './harness.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(ROOT, 'src/testing/fixtures');

const cli = runCliCaptured;

function spawnCli(...argv: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/netwright.mjs'), ...argv], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStackTrace = (s: string) => expect(s).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe('netwright check', () => {
  it('prints a Keras-style summary ending with the total for lenet-5', async () => {
    const r = await cli('check', 'lenet-5');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('Total params: 61,706');
    expect(r.stdout).toMatch(/c1 \(layers\.conv2d\)\s+\(None, 28, 28, 6\)\s+156/);
  });

  it('--json gives ok, params, nodes and diagnostics', async () => {
    const r = await cli('check', 'lenet-5', '--json');
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(true);
    expect(j.params).toBe(61706);
    expect(j.nodes.map((n: { id: string }) => n.id)).toContain('f5');
    expect(j.diagnostics).toEqual([]);
  });

  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.graph.json') && !f.startsWith('valid-'));
  it.each(fixtures)('%s: exit 1 or 2, the diagnostic code, node named, no stack trace', async (file) => {
    const path = join(FIXTURES, file);
    // File names carry the code (`edge-missing-port` → edge/missing-port), plus an optional case
    // suffix (`param-invalid-range` → param/invalid).
    const named = file.replace('.graph.json', '').replace('-', '/');
    const j = await cli('check', path, '--json');
    const parsed = JSON.parse(j.stdout);
    expect(parsed.ok).toBe(false);
    const d = parsed.diagnostics.find(
      (x: { code: string }) => named === x.code || named.startsWith(`${x.code}-`),
    );
    expect(d, `diagnostic for ${named}`).toBeDefined();
    const code: string = d.code;
    expect(j.code).toBe(code.startsWith('doc/') ? 2 : 1);
    const text = await cli('check', path);
    expect(text.code).toBe(j.code);
    const all = text.stdout + text.stderr;
    expect(all).toContain(file.startsWith('doc-') ? path : (d.nodeId ?? d.message));
    noStackTrace(all);
  });

  it('names the file for a missing path and exits 2', async () => {
    const r = await cli('check', 'no/such/file.graph.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no/such/file.graph.json');
    expect(r.stderr).toContain('no such file');
  });
});

describe('the installed command', () => {
  it('check lenet-5 --json, and a bad file exits 2 with one clear line', () => {
    const ok = spawnCli('check', 'lenet-5', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).params).toBe(61706);
    const bad = spawnCli('check', join(FIXTURES, 'doc-unreadable-json.graph.json'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not valid JSON at line \d+, column \d+/);
    noStackTrace(bad.stderr);
  });

  it('unknown command and bad option are usage errors (exit 2)', () => {
    expect(spawnCli('frobnicate').code).toBe(2);
    const r = spawnCli('train', 'mlp-mnist', '--epochs', 'many');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--epochs must be a whole number');
  });
});

describe('netwright train', () => {
  it('mlp-mnist: 2 epochs on wasm, seed 1, reaches ≥ 0.90 validation accuracy; JSON final line', async () => {
    const r = await cli('train', 'mlp-mnist', '--epochs', '2', '--backend', 'wasm', '--seed', '1', '--json');
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const final = lines.at(-1).final;
    expect(final).toMatchObject({ status: 'done', backend: 'wasm', epochs: 2 });
    expect(final.valAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(final.accuracy).toBeGreaterThan(0.85);
    expect(final.loss).toBeLessThan(lines[0].loss);
    expect(final.tensors).toBe(0);
  });

  it('zloss-classifier: every other metric per epoch in the JSON lines (top-3 ≥ top-1, train and val)', async () => {
    const r = await cli('train', 'zloss-classifier', '--epochs', '1', '--backend', 'wasm', '--json');
    expect(r.code).toBe(0);
    const epoch = JSON.parse(r.stdout.trim().split('\n')[0]!);
    expect(Object.keys(epoch.metrics)).toEqual(['top3']);
    expect(epoch.metrics.top3).toBeGreaterThanOrEqual(epoch.accuracy);
    expect(epoch.valMetrics.top3).toBeGreaterThanOrEqual(epoch.valAccuracy);
  });

  it('the same seed gives the same run; another seed a different one', async () => {
    const run = async (seed: string) =>
      JSON.parse(
        (
          await cli('train', 'mlp-mnist', '--epochs', '1', '--max-batches', '20', '--seed', seed, '--json')
        ).stdout
          .trim()
          .split('\n')
          .at(-1)!,
      ).final;
    const a = await run('3');
    const b = await run('3');
    const c = await run('4');
    expect(a.loss).toBe(b.loss);
    expect(a.valAccuracy).toBe(b.valAccuracy);
    expect(c.loss).not.toBe(a.loss);
  });

  it('a graph with errors is refused with the diagnostics (exit 1)', async () => {
    const r = await cli('train', join(FIXTURES, 'shape-loss-target-mismatch.graph.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('shape/loss-target-mismatch');
    expect(r.stderr).toContain('Flatten');
  });
});

describe('netwright templates / verify / export / import', () => {
  it('templates --json lists the classics with status ok', async () => {
    const r = await cli('templates', '--json');
    const rows = JSON.parse(r.stdout) as { id: string; status: string }[];
    for (const id of ['mlp-mnist', 'lenet-5', 'residual-cnn-mnist'])
      expect(rows.find((x) => x.id === id)?.status).toBe('ok');
  });

  it('verify on a template without an experiment says so (exit 1); unknown template exit 2', async () => {
    const r = await cli('verify', 'lenet-5');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('has no miniature experiment');
    expect((await cli('verify', 'nope')).code).toBe(2);
  });

  it('verify --budget: a bad value is a usage error (exit 2); full on an experiment without one names those with one', async () => {
    const bad = await cli('verify', 'ntk-depth-taxonomy', '--budget', 'huge');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--budget must be 'default' or 'full'");
    const r = await cli('verify', 'ntk-depth-taxonomy', '--budget', 'full');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('has no full-size budget');
    expect(r.stderr).toContain('evonorm-resnet');
  });

  it('export prints TypeScript with buildModel (exit 0); import of a missing file exits 2', async () => {
    const exported = await cli('export', 'lenet-5');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('export function buildModel(): tf.LayersModel');
    expect((await cli('import', 'model.json')).code).toBe(2); // no such file (import: src/testing/import.test.ts)
  });
});
