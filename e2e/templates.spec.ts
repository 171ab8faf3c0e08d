// Journey: open the gallery, open a template by URL, read its parameter count.
import { expect, test } from '@playwright/test';
import { templatesOnDisk, totalParamsText } from './fixtures.ts';

const templates = templatesOnDisk();

test('the gallery shows a card for every template on disk', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Templates' })).toBeVisible();
  const cards = page.locator('[data-testid^="gallery-item-"]');
  if (templates.length === 0) {
    await expect(page.getByTestId('gallery-empty')).toBeVisible();
    await expect(cards).toHaveCount(0);
    return;
  }
  await expect(cards).toHaveCount(templates.length);
  for (const t of templates) {
    const card = page.getByTestId(`gallery-item-${t.id}`);
    await expect(card).toBeVisible();
    if (t.title) await expect(card).toContainText(t.title);
    await expect(card).toContainText(/Total params: [\d,]+/);
  }
});

test('gallery cards show the last recorded verify verdict and its key figure', async ({ page }) => {
  const judged = templates.filter((t) => t.verdict);
  expect(judged.length, 'templates with a recorded verdict').toBeGreaterThan(0);
  await page.goto('/');
  for (const t of judged) {
    const verdict = page.getByTestId(`gallery-verdict-${t.id}`);
    await expect(verdict).toContainText(t.verdict!.result === 'pass' ? 'PASS' : 'FAIL');
    await expect(verdict).toContainText(t.verdict!.figure);
  }
});

test('an unknown ?template= says so and falls back to the gallery', async ({ page }) => {
  await page.goto('/?template=no-such-template');
  await expect(page.getByTestId('toast')).toContainText('no-such-template');
  await expect(page.getByRole('heading', { name: 'Templates' })).toBeVisible();
});

test('a gallery card opens its template on the canvas, undoably', async ({ page }) => {
  const t = templates.find((x) => x.nodeCount > 0);
  expect(t, 'at least one template on disk').toBeDefined();
  await page.goto('/');
  await page.getByTestId(`gallery-item-${t!.id}`).getByRole('link').click();
  await expect(page.getByTestId('canvas')).toBeVisible();
  await expect(page.locator('[data-testid^="node-"][data-type]')).toHaveCount(t!.nodeCount);
  await page.getByTestId('undo').click();
  await expect(page.locator('[data-testid^="node-"][data-type]')).toHaveCount(0);
});

for (const t of templates) {
  test(`?template=${t.id} opens on the canvas with the expected parameter count and no diagnostics`, async ({
    page,
  }) => {
    await page.goto(`/?template=${encodeURIComponent(t.id)}`);
    const total = page.getByTestId('total-params');
    if (t.expectedParams === undefined) await expect(total).toHaveText(/^Total params: [\d,]+$/);
    else await expect(total).toHaveText(totalParamsText(t.expectedParams));
    await expect(page.getByRole('table')).toBeVisible();
    await expect(page.locator('[data-testid^="node-"][data-type]')).toHaveCount(t.nodeCount);
    await expect(page.locator('[data-testid^="edge-label-"]')).toHaveCount(t.edgeCount);
    await expect(page.locator('[data-testid^="diagnostics-"]')).toHaveCount(0);
    await expect(page.getByTestId('error-count')).toHaveText('0 errors');
    await expect(page.locator('[data-testid^="edge-label-"]').filter({ hasText: '?' })).toHaveCount(0);
  });
}
