// Canvas benchmark: a 500-node graph in Debian's Chromium (production build). Measures the frame
// rate while dragging a node, and the latency from a param edit in the inspector to the updated
// parameter badge on the next node. Prints JSON (and writes bench/results/canvas.json).
// Usage: npx tsx bench/canvas-bench.ts [--nodes 500]
import { arg, buildApp, gridChain, launchChromium, report, startPreview } from './preview.ts';

const N = Number(arg('nodes', '500'));
const port = 5189;

async function main() {
  const out = buildApp('canvas-bench');
  const server = await startPreview(out, port);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    const t0 = Date.now();
    await page.getByTestId('open-file-input').setInputFiles({
      name: 'big.graph.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(gridChain(N, 64, (i) => 16 + (i % 7)))),
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
    report('canvas', result);
  } finally {
    await browser.close();
    server.kill();
  }
}

await main();
