// Browser training benchmark: starts a Vite dev server, opens bench/browser/train-bench.html in
// Debian's Chromium (WebGPU enabled), and reports ms/step per backend as ratios to wasm, plus
// main-thread long tasks during training, and the app's whole run from pressing Train (appRun:
// wall-clock long tasks and tasks of >= 50 ms main-thread CPU). On a machine with a real GPU the
// same script gives the real webgpu ÷ wasm ratio (the adapter field says which adapter ran).
// Usage: npx tsx bench/browser-bench.ts [--backends wasm,webgpu] [--steps 20]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Browser } from '@playwright/test';
import { mainThreadWork } from '../e2e/main-thread.ts';
import { arg, launchChromium, ROOT, waitForServer } from './preview.ts';

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
    await waitForServer(port, 500);
    const browser = await launchChromium([
      '--disable-component-update',
      '--disable-sync',
      '--enable-unsafe-webgpu',
    ]);
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
    const appRun = await appWholeRun(browser);
    await browser.close();
    const wasm = new Map(
      result.rows.filter((r) => r.backend === 'wasm').map((r) => [r.template, r.msPerStep]),
    );
    const rows = result.rows.map((r) => ({
      ...r,
      ratioToWasm: r.msPerStep && wasm.get(r.template) ? r.msPerStep / wasm.get(r.template)! : undefined,
    }));
    return { goal: 'longTasks = 0 during training', ...result, rows, appRun };
  } finally {
    server.kill();
  }
}

/**
 * The app itself, Train pressed on mlp-mnist (wasm, 1 epoch) until the run is done: main-thread
 * tasks from a Chromium trace — wall-clock long tasks (≥ 50 ms, as PerformanceObserver reports
 * them, inflated by other processes on a shared machine) and tasks that spent ≥ 50 ms of the main
 * thread's CPU (the app's own work). Served by the Vite dev server: React's development build,
 * so the CPU figures are an upper bound for the production build.
 */
async function appWholeRun(browser: Browser) {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  try {
    await page.goto(`http://127.0.0.1:${port}/?template=mlp-mnist&backend=wasm`);
    await page.getByTestId('backend-badge').filter({ hasText: 'wasm' }).waitFor({ timeout: 120_000 });
    await page.getByTestId('train-epochs').fill('1');
    await page.getByTestId('train-status').filter({ hasText: 'idle' }).waitFor();
    let firstValMs = 0;
    const work = await mainThreadWork(page, async () => {
      const t0 = Date.now();
      await page.getByTestId('train-button').click();
      await page.waitForFunction(
        () => document.querySelector('[data-testid="metric-val-accuracy"]')?.textContent !== '—',
        null,
        { timeout: 600_000, polling: 250 },
      );
      firstValMs = Date.now() - t0;
      await page.getByTestId('train-status').filter({ hasText: 'done' }).waitFor({ timeout: 600_000 });
    });
    return {
      template: 'mlp-mnist',
      backend: 'wasm',
      epochs: 1,
      firstValAccuracyMs: firstValMs,
      mainThreadTasks: work.tasks,
      wallLongTasks: work.wallLongMs.length,
      wallLongTaskMs: Math.round(work.wallLongMs.reduce((a, b) => a + b, 0)),
      cpuLongTasks: work.cpuLongMs.length,
      maxTaskCpuMs: work.maxCpuMs,
      loadAverage: loadavg()[0],
    };
  } catch (e) {
    return { template: 'mlp-mnist', backend: 'wasm', error: (e as Error).message };
  } finally {
    await page.close();
  }
}

if (process.argv[1]?.endsWith('browser-bench.ts')) {
  const r = await browserBench();
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/browser-training.json'), `${JSON.stringify(r, null, 2)}\n`);
  console.log(JSON.stringify(r, null, 2));
}
