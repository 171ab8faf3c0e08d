// Opening a large document (issue 19): a 10,000-node Dense chain (refused for training by the
// depth limit, but opened and shown) in Debian's Chromium, production build. Measures the main
// thread from choosing the file until the analysis shows and a frame is painted: the longest task
// (PerformanceObserver 'longtask'), the time blocked in tasks over 50 ms, and how long a pointer
// event on the Auto-layout button waits to be handled once the document is open.
// Usage: npx tsx bench/open-large-bench.ts [--nodes 10000] [--dist DIR (reuse a build)]
import { arg, buildApp, gridChain, launchChromium, report, startPreview } from './preview.ts';

const N = Number(arg('nodes', '10000'));
const port = 5191;

async function main() {
  const out = arg('dist', '') || buildApp('open-bench');
  const server = await startPreview(out, port);
  const browser = await launchChromium();
  try {
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
    const text = JSON.stringify(gridChain(N, 8, () => 8));
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
    report('open-large', result);
  } finally {
    await browser.close();
    server.kill();
  }
}

await main();
