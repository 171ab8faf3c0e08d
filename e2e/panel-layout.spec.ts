// Journey: the right panel is readable at common window sizes — the Train button is always on
// screen (training has its own scrolling area), charts and the Summary table fit the panel, and a
// trained model's confusion matrix shows every column.
import { expect, type Page, test } from '@playwright/test';

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
] as const;

async function inViewport(page: Page, testId: string) {
  const box = await page.getByTestId(testId).boundingBox();
  const vp = page.viewportSize()!;
  expect(box, testId).not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(vp.width);
  expect(box!.y + box!.height).toBeLessThanOrEqual(vp.height);
}

/** Horizontal extent of the element inside the training area's box. */
async function insideTrainArea(page: Page, testId: string) {
  const area = (await page.locator('.app-train').boundingBox())!;
  const box = (await page.getByTestId(testId).boundingBox())!;
  expect(box.x, `${testId} left`).toBeGreaterThanOrEqual(area.x);
  expect(box.x + box.width, `${testId} right`).toBeLessThanOrEqual(area.x + area.width);
}

for (const size of SIZES) {
  test(`${size.width}×${size.height}: Train on screen, charts and Summary fit the panel`, async ({
    page,
  }) => {
    await page.setViewportSize(size);
    // The SELU template has 36 nodes: a long inspector Summary above training.
    await page.goto('/?template=selu-snn-deep-mlp');
    await expect(page.getByTestId('total-params')).toBeVisible();
    await inViewport(page, 'train-button');
    await insideTrainArea(page, 'chart-batch-loss');
    await insideTrainArea(page, 'chart-epochs');
    // The Summary table is not cut: no column runs past its section.
    const cut = await page.locator('.summary').evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(cut).toBeLessThanOrEqual(1);
  });
}

test('1280×720: after training, every confusion-matrix column is in the panel and Train stays on screen', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize(SIZES[0]);
  await page.goto('/?template=mlp-mnist&backend=wasm');
  await expect(page.getByTestId('backend-badge')).toContainText('wasm', { timeout: 60_000 });
  await page.getByTestId('train-epochs').fill('1');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 200_000 });
  await page.getByTestId('confusion-9-9').scrollIntoViewIfNeeded();
  await insideTrainArea(page, 'confusion-matrix');
  await insideTrainArea(page, 'confusion-9-9');
  await inViewport(page, 'confusion-9-9');
  await inViewport(page, 'train-button');
});
