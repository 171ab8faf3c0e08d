// Journey (issue #13): a graph with a per-sample store (P38 cyclical curriculum: the store 'loss' holds
// each training row's cross-entropy, written by the refresh phase 'score'). Before a run the graph
// inspector says the store has no values; after a (shrunk) run it shows the store's histogram and
// statistics over every training row. Cross-entropy is ≥ 0 and the histogram counts every row.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

test('Store histogram in the inspector after training cyclical-curriculum (shrunk)', async ({ page }) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1600, height: 900 });
  const doc = JSON.parse(
    readFileSync(new URL('../templates/cyclical-curriculum.graph.json', import.meta.url), 'utf8'),
  );
  doc.training.dataset.params = { trainSize: 512, valSize: 100, flat: true };
  for (const ph of doc.training.phases) if (ph.kind !== 'refresh') ph.epochs = 1;
  await page.goto('/?backend=wasm');
  await page.getByTestId('open-file-input').setInputFiles({
    name: 'cyclical.graph.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(doc)),
  });
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await expect(page.getByTestId('backend-badge')).toContainText('wasm', { timeout: 60_000 });
  // No run yet: the store has no values, and the view says why.
  await expect(page.getByTestId('store-view-loss')).toBeVisible();
  await expect(page.getByTestId('store-error-loss')).toContainText('train the model first');
  await expect(page.getByTestId('store-histogram-loss')).toHaveCount(0);

  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 240_000 });
  await expect(page.getByTestId('store-stats-loss')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('store-error-loss')).toHaveCount(0);
  await expect(page.getByTestId('store-rows-loss')).toHaveText('512');
  const hist = page.getByTestId('store-histogram-loss');
  await expect(hist.locator('rect')).toHaveCount(24);
  await expect(hist).toHaveAttribute('data-total', '512');
  const mean = Number(await page.getByTestId('store-mean-loss').textContent());
  const [lo, hi] = (await page.getByTestId('store-range-loss').textContent())!.split('…').map(Number);
  test.info().annotations.push({ type: 'loss store', description: `mean ${mean}, range ${lo} … ${hi}` });
  // Per-row cross-entropy: non-negative, spread out, the mean inside the range; after one epoch on
  // 20 % noisy labels it is well above 0 and below a uniform guess's ln 10 × a few.
  expect(lo).toBeGreaterThanOrEqual(0);
  expect(hi).toBeGreaterThan(lo!);
  expect(mean).toBeGreaterThan(lo!);
  expect(mean).toBeLessThan(hi!);
  expect(mean).toBeGreaterThan(0.1);
  expect(mean).toBeLessThan(3 * Math.log(10));
});
