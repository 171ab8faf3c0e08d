// What the browser benchmarks share: a production build served by `vite preview`, a wait until a
// local server answers, and Debian's Chromium launched headless (never a downloaded one).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from '@playwright/test';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');

/** The value after `--name` on the command line, or `dflt`. */
export const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};

/** Prints a result and writes it to bench/results/<name>.json. */
export function report(name: string, result: unknown): void {
  const text = `${JSON.stringify(result, null, 2)}\n`;
  process.stdout.write(text);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, `bench/results/${name}.json`), text);
}

/** Builds the app into a fresh temporary folder; returns the folder. */
export function buildApp(label: string): string {
  const out = mkdtempSync(join(tmpdir(), `netwright-${label}-`));
  const build = spawnSync(
    process.execPath,
    [VITE, 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  if (build.status !== 0) throw new Error('vite build failed');
  return out;
}

/** Resolves once http://127.0.0.1:port/ answers (or after ~30 s, for the caller to fail on). */
export async function waitForServer(port: number, intervalMs = 250): Promise<void> {
  for (let waited = 0; waited < 30_000; waited += intervalMs) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** `vite preview` of a built folder on `port`, answering. Kill the process when done. */
export async function startPreview(outDir: string, port: number): Promise<ChildProcess> {
  const server = spawn(
    process.execPath,
    [VITE, 'preview', '--outDir', outDir, '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
    { cwd: ROOT, stdio: 'ignore' },
  );
  await waitForServer(port);
  return server;
}

/** Debian's Chromium, headless, with the flags every benchmark uses plus `extraArgs`. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      ...extraArgs,
    ],
  });
}

/** Input [width] → Dense × (n−1) with `units(i)`, laid out in rows of 25: a big but valid graph file. */
export function gridChain(n: number, width: number, units: (i: number) => number) {
  const nodes: Record<string, unknown> = { d0: { type: 'io.input', v: 1, params: { shape: [width] } } };
  const edges: Record<string, unknown> = {};
  const layout: Record<string, { x: number; y: number }> = { d0: { x: 0, y: 0 } };
  for (let i = 1; i < n; i++) {
    nodes[`d${i}`] = { type: 'layers.dense', v: 1, params: { units: units(i) } };
    edges[`e${i}`] = { from: { node: `d${i - 1}`, port: 'y' }, to: { node: `d${i}`, port: 'x' } };
    layout[`d${i}`] = { x: (i % 25) * 260, y: Math.floor(i / 25) * 180 };
  }
  return { format: 'netwright.graph', formatVersion: 2, meta: { title: `${n} nodes` }, nodes, edges, layout };
}
