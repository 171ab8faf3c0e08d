// Browser training benchmark: starts a Vite dev server, opens bench/browser/train-bench.html in
// Debian's Chromium (WebGPU enabled), and reports ms/step per backend as ratios to wasm, plus
// main-thread long tasks during training. On a machine with a real GPU the same script gives the
// real webgpu ÷ wasm ratio (the adapter field says which adapter ran).
// Usage: npx tsx bench/browser-bench.ts [--backends wasm,webgpu] [--steps 20]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const port = 5188;

export async function browserBench(
  backends = arg('backends', 'wasm,webgl,cpu,webgpu'),
  steps = arg('steps', '20'),
) {
  const server = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules/vite/bin/vite.js'),
      '--port',
      String(port),
      '--strictPort',
      '--host',
      '127.0.0.1',
    ],
    {
      cwd: ROOT,
      stdio: 'ignore',
    },
  );
  try {
    for (let i = 0; i < 60; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/`).then(
        () => true,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--enable-unsafe-webgpu',
      ],
    });
    const page = await browser.newPage();
    await page.goto(
      `http://127.0.0.1:${port}/bench/browser/train-bench.html?backends=${backends}&steps=${steps}`,
    );
    await page.waitForFunction(() => (window as unknown as { benchResult?: unknown }).benchResult, null, {
      timeout: 600_000,
    });
    const result = (await page.evaluate(
      () => (window as unknown as { benchResult: unknown }).benchResult,
    )) as {
      rows: { template: string; backend: string; msPerStep?: number }[];
    };
    await browser.close();
    const wasm = new Map(
      result.rows.filter((r) => r.backend === 'wasm').map((r) => [r.template, r.msPerStep]),
    );
    const rows = result.rows.map((r) => ({
      ...r,
      ratioToWasm: r.msPerStep && wasm.get(r.template) ? r.msPerStep / wasm.get(r.template)! : undefined,
    }));
    return { goal: 'longTasks = 0 during training', ...result, rows };
  } finally {
    server.kill();
  }
}

if (process.argv[1]?.endsWith('browser-bench.ts')) {
  const r = await browserBench();
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/browser-training.json'), `${JSON.stringify(r, null, 2)}\n`);
  console.log(JSON.stringify(r, null, 2));
}
