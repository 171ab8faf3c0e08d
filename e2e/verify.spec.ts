// Journey: Verify on a gallery card runs the paper's miniature experiment in the training Worker
// and shows the claim's criterion, the measured figures and PASS/FAIL (as `netwright verify`).
import { expect, test } from '@playwright/test';

test('Verify runs a template experiment in the browser and shows PASS/FAIL with figures', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=wasm');
  const card = page.getByTestId('gallery-item-ntk-depth-taxonomy');
  await expect(card.getByTestId('verify-button')).toBeEnabled({ timeout: 60_000 });
  // Templates without an experiment have no Verify button.
  await expect(page.getByTestId('gallery-item-lenet-5').getByTestId('verify-button')).toHaveCount(0);
  await card.getByTestId('verify-button').click();
  const result = card.getByTestId('verify-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  await expect(card.getByTestId('verify-verdict')).toHaveText('PASS');
  await expect(result).toContainText('mean 1nn agreement');
  await expect(result).toContainText('Criterion');

  // An experiment that trains models (tfjs in the Worker, a synthetic dataset).
  const rfa = page.getByTestId('gallery-item-random-feature-attention');
  await rfa.getByTestId('verify-button').click();
  await expect(rfa.getByTestId('verify-log')).toBeVisible();
  await expect(rfa.getByTestId('verify-result')).toBeVisible({ timeout: 150_000 });
  await expect(rfa.getByTestId('verify-verdict')).toHaveText(/^(PASS|FAIL)$/);
  await expect(rfa.getByTestId('verify-result')).toContainText('wasm');
});
