// Opening a large document (issue 19): a 10,000-node Dense chain (refused for training by the
// depth limit, but opened and shown) in Debian's Chromium, production build. Measures the main
// thread from choosing the file until the analysis shows and a frame is painted: the longest task
// (PerformanceObserver 'longtask'), the time blocked in tasks over 50 ms, and how long a click on
// the Undo button waits to be handled right after the file is chosen.
// Usage: npx tsx bench/open-large-bench.ts [--nodes 10000] [--dist DIR (reuse a build)]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const N = Number(arg('nodes', '10000'));
const port = 5191;

/** Input → Dense × (n−1) in rows of 25, as a user's big file would be laid out. */
function chain(n: number) {
  const nodes: Record<string, unknown> = { d0: { type: 'io.input', v: 1, params: { shape: [8] } } };
  const edges: Record<string, unknown> = {};
  const layout: Record<string, { x: number; y: number }> = { d0: { x: 0, y: 0 } };
  for (let i = 1; i < n; i++) {
    nodes[`d${i}`] = { type: 'layers.dense', v: 1, params: { units: 8 } };
    edges[`e${i}`] = { from: { node: `d${i - 1}`, port: 'y' }, to: { node: `d${i}`, port: 'x' } };
    layout[`d${i}`] = { x: (i % 25) * 260, y: Math.floor(i / 25) * 180 };
  }
  return { format: 'netwright.graph', formatVersion: 1, meta: { title: `${n} nodes` }, nodes, edges, layout };
}

async function main() {
  let out = arg('dist', '');
  const vite = join(ROOT, 'node_modules/vite/bin/vite.js');
  if (!out) {
    out = mkdtempSync(join(tmpdir(), 'netwright-open-bench-'));
    const build = spawnSync(
      process.execPath,
      [vite, 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'],
      { cwd: ROOT, stdio: 'inherit' },
    );
    if (build.status !== 0) throw new Error('vite build failed');
  }
  const server = spawn(
    process.execPath,
    [vite, 'preview', '--outDir', out, '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
    { cwd: ROOT, stdio: 'ignore' },
  );
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking'],
  });
  try {
    for (let i = 0; i < 60; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/`).then(
        () => true,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`http://127.0.0.1:${port}/?backend=cpu`);
    await page.getByTestId('open-file-input').waitFor({ state: 'attached' });
    // A string, not a function: tsx would wrap a named closure in a helper the page lacks.
    await page.evaluate(`(() => {
      window.__tasks = [];
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) window.__tasks.push(e.duration);
      }).observe({ type: 'longtask' });
    })()`);
    const text = JSON.stringify(chain(N));
    const t0 = Date.now();
    await page.getByTestId('open-file-input').setInputFiles({
      name: 'big.graph.json',
      mimeType: 'application/json',
      buffer: Buffer.from(text),
    });
    // The analysis is shown (the depth limit names the chain), then one frame is painted.
    await page
      .getByTestId('error-count')
      .and(page.locator('[title*="layers in a chain"]'))
      .waitFor({ timeout: 600_000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    const openMs = Date.now() - t0;
    const tasks = (await page.evaluate('window.__tasks')) as number[];
    // Responsiveness once open: how long a click waits to be handled.
    const clickMs = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const start = performance.now();
          const button = document.querySelector<HTMLButtonElement>('[data-testid="layout-button"]')!;
          button.addEventListener('pointerdown', () => resolve(performance.now() - start), { once: true });
          button.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
        }),
    );
    const domNodes = await page.locator('.react-flow__node').count();
    const result = {
      bench: 'open-large',
      nodes: N,
      fileMB: Number((text.length / 2 ** 20).toFixed(1)),
      openMs,
      longestTaskMs: Math.round(Math.max(0, ...tasks)),
      blockedMs: Math.round(tasks.reduce((a, d) => a + d - 50, 0)),
      longTasks: tasks.length,
      clickAfterOpenMs: Number(clickMs.toFixed(1)),
      renderedNodes: domNodes,
    };
    console.log(JSON.stringify(result, null, 2));
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/open-large.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await browser.close();
    server.kill();
  }
}

await main();
