// Opening a large document (issue 19): a 10,000-node Dense chain (refused for training by the
// depth limit, but opened and shown) in Debian's Chromium, production build. Measures the main
// thread from choosing the file until the canvas shows while the analysis Worker checks the graph
// (canvasMs) and until the analysis shows and a frame is painted (openMs): the longest task
// (PerformanceObserver 'longtask'; also only those after the canvas showed), the time blocked in
// tasks over 50 ms, and how long a pointer event on the Auto-layout button waits to be handled
// while the graph is checked and once it is open. Wall times: they stretch with the machine's load.
// `--link`: a share link (#g=…) with a 60,000-node chain instead, which the app must refuse (over
// 20,000 nodes) before parsing it: time from setting the hash to the refusal toast, long tasks, and
// the click latency afterwards.
// Usage: npx tsx bench/open-large-bench.ts [--nodes 10000] [--link] [--dist DIR (reuse a build)]
import { deflateRawSync } from 'node:zlib';
import type { Page } from '@playwright/test';
import { arg, buildApp, gridChain, launchChromium, report, startPreview } from './preview.ts';

const link = process.argv.includes('--link');
const N = Number(arg('nodes', link ? '60000' : '10000'));
const port = Number(arg('port', '5191'));

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
        for (const e of l.getEntries()) window.__tasks.push([e.startTime, e.duration]);
      }).observe({ type: 'longtask' });
    })()`);
    const text = JSON.stringify(gridChain(N, 8, () => 8));
    if (link) {
      await refuseLink(page, text);
      return;
    }
    const t0 = Date.now();
    await page.getByTestId('open-file-input').setInputFiles({
      name: 'big.graph.json',
      mimeType: 'application/json',
      buffer: Buffer.from(text),
    });
    // The canvas is usable while the analysis Worker checks the graph ("Checking 10,000 nodes…").
    await page.getByTestId('checking').waitFor({ timeout: 600_000 });
    const canvasMs = Date.now() - t0;
    const checkingAt = (await page.evaluate('performance.now()')) as number;
    const clickWhileCheckingMs = await clickLatency(page);
    const stillChecking = await page.getByTestId('checking').isVisible();
    // The analysis is shown (the depth limit names the chain), then one frame is painted.
    await page
      .getByTestId('error-count')
      .and(page.locator('[title*="layers in a chain"]'))
      .waitFor({ timeout: 600_000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    const openMs = Date.now() - t0;
    const entries = (await page.evaluate('window.__tasks')) as [number, number][];
    const tasks = entries.map(([, d]) => d);
    const whileChecking = entries.filter(([t]) => t >= checkingAt).map(([, d]) => d);
    // Responsiveness once open: how long a click waits to be handled.
    const clickMs = await clickLatency(page);
    const domNodes = await page.locator('.react-flow__node').count();
    const result = {
      bench: 'open-large',
      nodes: N,
      fileMB: Number((text.length / 2 ** 20).toFixed(1)),
      canvasMs,
      openMs,
      longestTaskMs: Math.round(Math.max(0, ...tasks)),
      longestTaskWhileCheckingMs: Math.round(Math.max(0, ...whileChecking)),
      longTasksWhileChecking: whileChecking.length,
      clickWhileCheckingMs: Number(clickWhileCheckingMs.toFixed(1)),
      clickLandedWhileChecking: stillChecking,
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

/** How long a pointer event on the Auto-layout button waits to be handled. */
function clickLatency(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const start = performance.now();
        const button = document.querySelector<HTMLButtonElement>('[data-testid="layout-button"]')!;
        button.addEventListener('pointerdown', () => resolve(performance.now() - start), { once: true });
        button.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
      }),
  );
}

/**
 * Opens `text` as a share link (#g=<deflate-raw, base64url>) and times the refusal in the page's own
 * clock: Playwright's transfer of a 1 MB argument and its navigation events are not the app's time.
 */
async function refuseLink(page: Page, text: string): Promise<void> {
  const hash = `#g=${deflateRawSync(Buffer.from(text)).toString('base64url')}`;
  await page.evaluate((h) => {
    (window as unknown as { __hash: string }).__hash = h;
  }, hash);
  // A string, not a function: tsx would wrap a named closure in a helper the page lacks.
  const timing = (await page.evaluate(`new Promise((resolve) => {
    const start = performance.now();
    let hashSetMs = 0;
    const seen = () =>
      [...document.querySelectorAll('[data-testid="toast"]')].some((t) => t.textContent.includes('more than 20,000 nodes'));
    new MutationObserver((_m, observer) => {
      if (!seen()) return;
      observer.disconnect();
      resolve({ hashSetMs, refuseMs: performance.now() - start });
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
    window.location.hash = window.__hash;
    hashSetMs = performance.now() - start;
  })`)) as { hashSetMs: number; refuseMs: number };
  const tasks = (await page.evaluate('window.__tasks')) as number[];
  report('open-large-link', {
    bench: 'open-large-link',
    nodes: N,
    fileMB: Number((text.length / 2 ** 20).toFixed(1)),
    linkKB: Math.round(hash.length / 1024),
    hashSetMs: Math.round(timing.hashSetMs),
    refuseMs: Math.round(timing.refuseMs),
    longestTaskMs: Math.round(Math.max(0, ...tasks)),
    longTasks: tasks.length,
    clickAfterRefusalMs: Number((await clickLatency(page)).toFixed(1)),
  });
}

await main();
