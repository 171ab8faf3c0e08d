// Journey (issue #14): click an edge on the canvas — the inspector shows the edge (from, to, the shape
// it carries) and, while the graph trains, what flows along it for a chosen validation sample: mean,
// std, fraction zero, a histogram and channel thumbnails, refreshed about once a second. After the
// run, the edge's figures equal its source node's own activation view for the same sample.
import { expect, test } from '@playwright/test';

test('Edge activation view: click conv1 → pool1 while training, figures move; equal to the node view after', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto('/?template=grad-cam-explainer&backend=wasm');
  await expect(page.getByTestId('backend-badge')).toContainText('wasm', { timeout: 60_000 });
  // The shape label sits on the edge's midpoint and lets clicks through to the edge.
  const selectEdge = async () => {
    const box = (await page.getByTestId('edge-label-e2').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  };
  await selectEdge();
  const view = page.getByTestId('edge-activations');
  await expect(view).toBeVisible();
  await expect(view).toContainText('conv1.y');
  await expect(view).toContainText('pool1.x');
  await expect(page.getByTestId('edge-shape')).toHaveText(
    (await page.getByTestId('edge-label-e2').textContent())!,
  );
  // No model yet: the view says so.
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
  await expect(mean).not.toHaveText(first!, { timeout: 120_000 });
  await expect(page.getByTestId('stop-button')).toBeEnabled();
  await expect(page.getByTestId('activation-stats')).toContainText('28×28×8');
  await expect(page.getByTestId('activation-histogram').locator('rect')).toHaveCount(24);
  await expect(page.getByTestId('activation-channels').locator('canvas')).toHaveCount(8);
  const zero = Number((await page.getByTestId('activation-zero').textContent())!.replace('%', ''));
  expect(zero).toBeGreaterThan(0);
  expect(zero).toBeLessThan(100);
  await page.getByTestId('activation-live').uncheck();

  // After the run: the edge's figures are its source node's.
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 300_000 });
  await page.getByTestId('show-activations').click();
  await expect(page.getByTestId('activation-sample')).toHaveValue('2');
  await expect(mean).toHaveText(/\d/);
  const edgeFigures = [
    await mean.textContent(),
    await page.getByTestId('activation-std').textContent(),
    await page.getByTestId('activation-zero').textContent(),
  ];
  // The same edge reads again the same figures (the model no longer moves).
  await page.getByTestId('show-activations').click();
  await expect(mean).toHaveText(edgeFigures[0]!);
  await page.getByTestId('node-conv1').locator('.card-node-title').click();
  await expect(view).toHaveCount(0);
  await page.getByTestId('activation-sample').fill('2');
  await page.getByTestId('show-activations').click();
  await expect(mean).toHaveText(edgeFigures[0]!);
  await expect(page.getByTestId('activation-std')).toHaveText(edgeFigures[1]!);
  await expect(page.getByTestId('activation-zero')).toHaveText(edgeFigures[2]!);
});
