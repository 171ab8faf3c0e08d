// Journey: the per-node activation view. Select a conv node while its graph trains, turn on Live:
// mean, std, fraction zero, a histogram and channel thumbnails of its output for a validation
// sample appear and move as the weights change (about once a second, from the Worker's model in
// training); a loss node offers no view.
import { expect, test } from '@playwright/test';

test('Inspector activation view refreshes while training (grad-cam-explainer, conv1)', async ({ page }) => {
  test.setTimeout(420_000);
  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto('/?template=grad-cam-explainer&backend=wasm');
  await expect(page.getByTestId('backend-badge')).toContainText('wasm', { timeout: 60_000 });
  await page.getByTestId('node-loss').locator('.card-node-title').click();
  await expect(page.getByTestId('show-activations')).toHaveCount(0);
  await page.getByTestId('node-conv1').locator('.card-node-title').click();
  // Before any run there is no model: the view says so.
  await page.getByTestId('show-activations').click();
  await expect(page.getByTestId('activation-error')).toContainText('train the model first');

  await page.getByTestId('train-epochs').fill('3');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('progress')).toBeVisible();
  await page.getByTestId('activation-sample').fill('2');
  await page.getByTestId('activation-live').check();
  const mean = page.getByTestId('activation-mean');
  await expect(mean).toHaveText(/\d/, { timeout: 60_000 });
  const first = await mean.textContent();
  // The weights move: a later refresh shows another mean, while the run is still going.
  await expect(mean).not.toHaveText(first!, { timeout: 120_000 });
  await expect(page.getByTestId('stop-button')).toBeEnabled();
  await expect(page.getByTestId('activation-stats')).toContainText('28×28×8');
  await expect(page.getByTestId('activation-histogram').locator('rect')).toHaveCount(24);
  await expect(page.getByTestId('activation-channels').locator('canvas')).toHaveCount(8);
  // conv1 ends in a ReLU: some of its outputs are exactly 0.
  const zero = Number((await page.getByTestId('activation-zero').textContent())!.replace('%', ''));
  expect(zero).toBeGreaterThan(0);
  expect(zero).toBeLessThan(100);
  await page.getByTestId('activation-live').uncheck();
});
