// Journey: train the MgNO Poisson operator for one epoch and read the evaluation's field plots —
// predicted u, true u and the error for validation samples, drawn as canvas heat maps.
import { expect, test } from '@playwright/test';

test('mgno-poisson-operator: one epoch on wasm shows predicted, true and error fields', async ({ page }) => {
  test.setTimeout(420_000);
  await page.goto('/?template=mgno-poisson-operator&backend=wasm');
  await expect(page.getByTestId('backend-badge')).not.toHaveText(/starting/, { timeout: 60_000 });
  await page.getByTestId('train-epochs').fill('1');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 400_000 });
  await expect(page.getByTestId('field-plots')).toBeVisible();
  await expect(page.getByTestId('field-plots')).toContainText(/relative L2 of these samples \d\.\d{3}/);
  for (let k = 0; k < 3; k++)
    for (const kind of ['pred', 'true', 'error']) {
      const canvas = page.getByTestId(`field-plot-${kind}-${k}`);
      await expect(canvas).toBeVisible();
      await expect(canvas).toHaveAttribute('width', '32');
    }
  // The true field is drawn: a solution of −Δu = f with a random source is not blank (all white).
  const coloured = await page.getByTestId('field-plot-true-0').evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] !== 255 || px[i + 1] !== 255 || px[i + 2] !== 255) n++;
    return n / (px.length / 4);
  });
  expect(coloured).toBeGreaterThan(0.5);
  // The classifier-only views stay away for a regression run.
  await expect(page.getByTestId('confusion-matrix')).toHaveCount(0);
});
