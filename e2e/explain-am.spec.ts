// Journey: train multifaceted-am, open Explain (the template's analyses entry pre-selects
// activationMax on the logits, unit 7, K 4), run it in the Worker on 64 validation rows and see the
// facet images, the noise-initialised contrast and the top real images drawn as image grids, with
// the tool's figures.
import { expect, test } from '@playwright/test';

test('Explain: activationMax on the trained multifaceted-am shows facet image grids', async ({ page }) => {
  test.setTimeout(600_000);
  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto('/?template=multifaceted-am&backend=wasm');
  await expect(page.getByTestId('backend-badge')).toContainText('wasm', { timeout: 60_000 });
  await expect(page.getByTestId('explain-open')).toHaveCount(0);
  await expect(page.getByTestId('train-epochs')).toHaveValue('3');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('explain-open')).toBeVisible({ timeout: 540_000 });

  await page.getByTestId('explain-open').click();
  await expect(page.getByTestId('explain-drawer')).toBeVisible();
  await expect(page.getByTestId('explain-tool')).toHaveValue('activationMax');
  await expect(page.getByTestId('node-logits')).toHaveAttribute('data-explain', 'target');
  await page.getByTestId('explain-sample').fill('0');
  await page.getByTestId('explain-count').fill('64');
  await page.getByTestId('explain-run').click();
  const grids = page.getByTestId('explain-images');
  await expect(grids.first()).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('explain-status')).toContainText('activationMax on logits');
  // facets, their initialisations, the noise contrast, the top real images
  await expect(grids).toHaveCount(4);
  await expect(grids.nth(0)).toHaveAttribute('data-count', '4');
  await expect(grids.nth(0)).toContainText('facets of unit 7');
  await expect(grids.nth(3)).toHaveAttribute('data-count', '8');
  await expect(page.getByTestId('explain-image')).toHaveCount(4 + 4 + 4 + 8);
  await expect(page.getByTestId('explain-figures')).toContainText('facet diversity');
  // The first facet is really drawn: its canvas holds non-uniform grey pixels.
  const spread = await grids
    .nth(0)
    .getByTestId('explain-image')
    .first()
    .evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < d.length; i += 4) {
        lo = Math.min(lo, d[i]!);
        hi = Math.max(hi, d[i]!);
      }
      return { w: c.width, h: c.height, range: hi - lo };
    });
  expect([spread.w, spread.h]).toEqual([14, 14]);
  expect(spread.range).toBeGreaterThan(50);
});
