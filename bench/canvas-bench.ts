// Canvas benchmark: a 500-node graph in Debian's Chromium (production build). Measures the frame
// rate while dragging a node, and the latency from a param edit in the inspector to the updated
// parameter badge on the next node. Prints JSON (and writes bench/results/canvas.json).
// Usage: npx tsx bench/canvas-bench.ts [--nodes 500]
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
const N = Number(arg('nodes', '500'));
const port = 5189;

/** Input → Dense × (n−1), in a grid: a big but valid graph. */
function bigGraph(n: number) {
  const nodes: Record<string, unknown> = { d0: { type: 'io.input', v: 1, params: { shape: [64] } } };
  const edges: Record<string, unknown> = {};
  const layout: Record<string, { x: number; y: number }> = { d0: { x: 0, y: 0 } };
  for (let i = 1; i < n; i++) {
    nodes[`d${i}`] = { type: 'layers.dense', v: 1, params: { units: 16 + (i % 7) } };
    edges[`e${i}`] = { from: { node: `d${i - 1}`, port: 'y' }, to: { node: `d${i}`, port: 'x' } };
    layout[`d${i}`] = { x: (i % 25) * 260, y: Math.floor(i / 25) * 180 };
  }
  return { format: 'netwright.graph', formatVersion: 2, meta: { title: `${n} nodes` }, nodes, edges, layout };
}

async function main() {
  const out = mkdtempSync(join(tmpdir(), 'netwright-canvas-bench-'));
  const vite = join(ROOT, 'node_modules/vite/bin/vite.js');
  const build = spawnSync(
    process.execPath,
    [vite, 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  if (build.status !== 0) throw new Error('vite build failed');
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
    await page.goto(`http://127.0.0.1:${port}/`);
    const t0 = Date.now();
    await page.getByTestId('open-file-input').setInputFiles({
      name: 'big.graph.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(bigGraph(N))),
    });
    await page.locator(`[data-testid="node-d${N - 1}"]`).waitFor({ state: 'attached' });
    await page.getByTestId('error-count').filter({ hasText: '0 errors' }).waitFor();
    const openMs = Date.now() - t0;

    // Drag: count animation frames while the pointer moves a node for ~2 s.
    const head = page.locator('.react-flow__node .card-node-head').first();
    await page.getByTestId('fit-button').click();
    await page.waitForTimeout(400);
    const box = (await page.locator('.react-flow__node').nth(30).boundingBox())!;
    // A string, not a function: tsx would wrap a named closure in a helper the page lacks.
    await page.evaluate(`(() => {
      window.__frames = [];
      window.__stop = false;
      const tick = (t) => {
        window.__frames.push(t);
        if (!window.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    await page.mouse.move(box.x + 10, box.y + 5);
    await page.mouse.down();
    const moves = 120;
    const dragStart = Date.now();
    for (let i = 1; i <= moves; i++) await page.mouse.move(box.x + 10 + i * 3, box.y + 5 + (i % 20) * 2);
    const dragMs = Date.now() - dragStart;
    await page.mouse.up();
    const frames = await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __stop: boolean };
      w.__stop = true;
      return w.__frames;
    });
    const gaps = frames.slice(1).map((t, i) => t - frames[i]!);
    gaps.sort((a, b) => a - b);
    const span = frames.length > 1 ? frames.at(-1)! - frames[0]! : 1;
    void head;

    // Param edit → the next node's parameter badge.
    await page.locator('[data-testid="node-d1"]').dispatchEvent('click');
    await page.getByTestId('inspector-field-units').waitFor();
    const latencies: number[] = [];
    const domLatencies: number[] = [];
    for (let i = 0; i < 15; i++) {
      const [dom, ms] = await page.evaluate(async (units) => {
        const input = document.querySelector<HTMLInputElement>('[data-testid="inspector-field-units"]')!;
        const badge = document.querySelector('[data-testid="node-params-d2"]')!;
        const before = badge.textContent;
        const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
        const start = performance.now();
        setter.call(input, String(units));
        input.dispatchEvent(new Event('input', { bubbles: true }));
        await new Promise<void>((resolve) => {
          if (badge.textContent !== before) return resolve();
          new MutationObserver((_, obs) => {
            if (badge.textContent !== before) {
              obs.disconnect();
              resolve();
            }
          }).observe(badge, { childList: true, characterData: true, subtree: true });
        });
        const dom = performance.now() - start;
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        return [dom, performance.now() - start];
      }, 40 + i);
      latencies.push(ms);
      domLatencies.push(dom);
    }
    latencies.sort((a, b) => a - b);
    domLatencies.sort((a, b) => a - b);
    const result = {
      bench: 'canvas',
      nodes: N,
      openMs,
      drag: {
        pointerMoves: moves,
        ms: dragMs,
        frames: frames.length,
        fps: Math.round((1000 * (frames.length - 1)) / span),
        medianFrameMs: gaps[Math.floor(gaps.length / 2)] ?? null,
        p95FrameMs: gaps[Math.floor(gaps.length * 0.95)] ?? null,
      },
      paramEditToBadgeMs: {
        median: Number(latencies[Math.floor(latencies.length / 2)]!.toFixed(1)),
        max: Number(latencies.at(-1)!.toFixed(1)),
        // The same edits up to the badge's text changing in the DOM, before the next frame paints.
        domMedian: Number(domLatencies[Math.floor(domLatencies.length / 2)]!.toFixed(1)),
      },
    };
    console.log(JSON.stringify(result, null, 2));
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/canvas.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await browser.close();
    server.kill();
  }
}

await main();
