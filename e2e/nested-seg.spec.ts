// Journey (P1, nested segmentation): open the template from the gallery, train one epoch, and read
// the evaluation: Dice per nested region (numbers in [0, 1]) and the mask overlay of validation
// images, redrawn for another region when it is picked.
import { expect, test } from '@playwright/test';

const ID = 'nested-seg-multilevel-unet';

test('nested-seg: gallery → train one epoch → mask overlay and Dice per level', async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await page.getByTestId(`gallery-item-${ID}`).getByRole('link').click();
  await expect(page.getByTestId('canvas')).toBeVisible();
  await expect(page.getByTestId('node-levels')).toHaveCount(1);
  await expect(page.getByTestId('backend-badge')).not.toHaveText(/starting/, { timeout: 60_000 });
  await page.getByTestId('train-epochs').fill('1');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 240_000 });

  const overlay = page.getByTestId('mask-overlay');
  await expect(overlay).toBeVisible({ timeout: 60_000 });
  await expect(overlay.locator('canvas')).toHaveCount(6);
  for (const k of [1, 2, 3]) {
    const text = (await page.getByTestId(`dice-level-${k}`).textContent()) ?? '';
    const dice = Number(text);
    expect(text).toMatch(/^\d\.\d{3}$/);
    expect(dice).toBeGreaterThanOrEqual(0);
    expect(dice).toBeLessThanOrEqual(1);
  }
  // One epoch already finds the whole region (the outermost, largest one).
  expect(Number(await page.getByTestId('dice-level-1').textContent())).toBeGreaterThan(0.5);
  // The overlay shows region 1 first; picking region 3 redraws every image for it.
  await expect(page.getByTestId('mask-sample-0')).toHaveAttribute('data-level', '1');
  await page.getByTestId('mask-level-3').check();
  await expect(page.getByTestId('mask-sample-0')).toHaveAttribute('data-level', '3');
  // The third channel (T1ce-like) is where the enhancing region is bright.
  await page.getByTestId('mask-channel').selectOption({ label: '3' });
  await expect(page.getByTestId('mask-sample-0')).toHaveAttribute('data-channel', '2');
  // The canvas holds the drawing: the true outline's green is on it (read back from the pixels).
  const green = await page.getByTestId('mask-sample-0').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 1]! > 150 && d[i]! < 100 && d[i + 2]! < 130) n++;
    return n;
  });
  expect(green).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
