// Journey (issue 19): opening a 10,000-node document shows the canvas at once and checks the
// graph in the analysis Worker. While it is checked ("Checking 10,000 nodes…") a click on a card
// selects it, and no main-thread task of the app spends ≥ 250 ms of CPU until the analysis shows
// (the chain is past the depth limit, so the error names it); the tasks ≥ 50 ms are annotated. Wall times are annotations only: on
// the shared machine they stretch with the load (bench/open-large-bench.ts reports them).
import { expect, test } from '@playwright/test';
import { mainThreadWork } from './main-thread.ts';

/** Input [8] → Dense × (n−1), laid out in rows of 25 (as bench/preview.ts gridChain). */
function gridChain(n: number) {
  const nodes: Record<string, unknown> = { d0: { type: 'io.input', v: 1, params: { shape: [8] } } };
  const edges: Record<string, unknown> = {};
  const layout: Record<string, { x: number; y: number }> = { d0: { x: 0, y: 0 } };
  for (let i = 1; i < n; i++) {
    nodes[`d${i}`] = { type: 'layers.dense', v: 1, params: { units: 8 } };
    edges[`e${i}`] = { from: { node: `d${i - 1}`, port: 'y' }, to: { node: `d${i}`, port: 'x' } };
    layout[`d${i}`] = { x: (i % 25) * 260, y: Math.floor(i / 25) * 180 };
  }
  return { format: 'netwright.graph', formatVersion: 2, meta: { title: `${n} nodes` }, nodes, edges, layout };
}

test('a 10,000-node document: canvas first, checked in the Worker, no ≥ 250 ms CPU task while checking', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto('/?backend=cpu');
  await page.getByTestId('open-file-input').waitFor({ state: 'attached' });
  const t0 = Date.now();
  await page.getByTestId('open-file-input').setInputFiles({
    name: 'big.graph.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(gridChain(10_000))),
  });
  const errors = page.getByTestId('error-count').and(page.locator('[title*="layers in a chain"]'));
  const checking = page.getByTestId('checking');
  const work = await mainThreadWork(
    page,
    async () => {
      await expect(checking).toHaveText('Checking 10,000 nodes…', { timeout: 120_000 });
      const shownMs = Date.now() - t0;
      // From here on the page is what the user sees while the Worker checks.
      await page.evaluate(() => console.timeStamp('nw-checking'));
      // The canvas is usable meanwhile: a card is drawn and a click selects it.
      const card = page.locator('.react-flow__node[data-id="d1"]');
      await card.click();
      await expect(card).toHaveClass(/selected/);
      const stillChecking = await checking.isVisible();
      await expect(errors).toHaveText('1 error', { timeout: 120_000 });
      return { shownMs, checkedMs: Date.now() - t0, stillChecking };
    },
    { after: 'nw-checking' },
  );
  test.info().annotations.push({
    type: 'open 10k',
    description: `canvas + "Checking…" after ${work.result.shownMs} ms, analysis shown after ${work.result.checkedMs} ms (wall); click handled while checking: ${work.result.stillChecking}; ${work.tasks} tasks while checking, max CPU ${work.maxCpuMs} ms; CPU ≥ 50 ms: [${work.cpuLongMs.join(', ')}]; wall ≥ 50 ms: [${work.wallLongMs.join(', ')}]`,
  });
  expect(work.tasks).toBeGreaterThan(0);
  expect(work.result.stillChecking, 'the click was handled while the Worker was checking').toBe(true);
  // Before issue #19's Worker the check was one task of seconds. The goal is no task ≥ 50 ms CPU;
  // what remains (2–9 tasks of 50–165 ms CPU at load ≈ 12: the render and layout when the analysis
  // arrives, the cards mounting as the view settles) is bounded here and reported above.
  expect(work.maxCpuMs, 'CPU ms of the longest main-thread task while checking').toBeLessThan(250);
  // Only a window of cards around the view is in the DOM, not all 10,000.
  expect(await page.locator('.react-flow__node').count()).toBeLessThan(400);
});
