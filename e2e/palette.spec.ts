// Journey: open the app, find a node type in the palette.
import { expect, test } from '@playwright/test';

test('the palette lists the registered node types and search filters them', async ({ page }) => {
  await page.goto('/');
  const search = page.getByTestId('palette-search');
  await expect(search).toBeVisible();
  const items = page.locator('[data-testid^="palette-item-"]');
  await expect(items.first()).toBeVisible();
  const total = await items.count();
  expect(total).toBeGreaterThanOrEqual(5);
  await expect(page.getByTestId('palette-item-io.input')).toBeVisible();
  await expect(page.getByTestId('palette-item-layers.dense')).toBeVisible();

  await search.fill('layers.dense');
  await expect(page.getByTestId('palette-item-layers.dense')).toBeVisible();
  await expect(page.getByTestId('palette-item-io.input')).toHaveCount(0);
  const filtered = await items.count();
  expect(filtered).toBeGreaterThanOrEqual(1);
  expect(filtered).toBeLessThan(total);

  await search.fill('zzz-no-such-node');
  await expect(items).toHaveCount(0);
  await expect(page.getByText('No node type matches')).toBeVisible();

  await search.fill('');
  await expect(items).toHaveCount(total);
});
