// Journeys: drop a KAN layer into an MLP, train it, look at its learned edge functions; train the
// tiny ViT and look at its attention maps per head for a chosen validation sample.
import { expect, type Page, test } from '@playwright/test';
import { dropNode, fitView, selectNode, setField, wire } from './editor.ts';

async function trainOneEpoch(page: Page) {
  await expect(page.getByTestId('backend-badge')).not.toHaveText(/starting/, { timeout: 60_000 });
  await page.getByTestId('train-epochs').fill('1');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 150_000 });
}

test('a KAN layer dropped into an MLP trains and shows its learned edge functions', async ({ page }) => {
  test.setTimeout(200_000);
  await page.goto('/?template=mlp-mnist&backend=wasm');
  await expect(page.getByTestId('node-logits')).toBeVisible();
  // Templates open zoomed on their input: show the whole graph before wiring by mouse.
  await fitView(page);
  // Replace the output Dense by a KAN layer with 10 outputs.
  await selectNode(page, 'logits');
  await page.keyboard.press('Delete');
  await dropNode(page, 'kan.kanLayer', 520, 420);
  await setField(page, 'kanLayer', 'units', '10');
  await fitView(page);
  await wire(page, { node: 'hidden', port: 'y' }, { node: 'kanLayer', port: 'x' });
  await wire(page, { node: 'kanLayer', port: 'y' }, { node: 'probs', port: 'x' });
  await wire(page, { node: 'kanLayer', port: 'y' }, { node: 'loss', port: 'pred' });
  await wire(page, { node: 'kanLayer', port: 'y' }, { node: 'accuracy', port: 'pred' });
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await selectNode(page, 'kanLayer');
  await expect(page.getByTestId('insight-hint')).toContainText('Train the graph');
  await trainOneEpoch(page);
  expect(Number(await page.getByTestId('metric-val-accuracy').textContent())).toBeGreaterThan(0.8);
  await selectNode(page, 'kanLayer');
  await page.getByTestId('show-edge-functions').click();
  await expect(page.getByTestId('edge-functions')).toBeVisible();
  await expect(page.getByTestId('edge-functions')).toContainText('of 128 × 10');
  // 8 × 8 plots, each a curve with 41 points.
  await expect(page.locator('[data-testid^="edge-fn-"]')).toHaveCount(64);
  const d = await page.getByTestId('edge-fn-0-0').locator('path').getAttribute('d');
  expect(d?.split('L')).toHaveLength(41);
});

test('the tiny ViT shows attention maps per head for a chosen sample', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?template=vit-fourier-karat&backend=wasm');
  await expect(page.getByTestId('node-encoder')).toBeVisible();
  await fitView(page);
  await trainOneEpoch(page);
  await selectNode(page, 'encoder');
  await page.getByTestId('attention-sample').fill('7');
  await page.getByTestId('show-attention').click();
  await expect(page.getByTestId('attention-maps')).toContainText('Sample 7');
  // Each head: an N × N map (N = 16 patches + the class token).
  const first = page.getByTestId('attention-map-0-0');
  await expect(first).toBeVisible();
  await expect(first.locator('rect')).toHaveCount(17 * 17);
});
