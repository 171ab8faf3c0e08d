// Journey: build an MLP by hand on an empty canvas (palette + wires) and watch shapes and the
// parameter count follow every step.
import { expect, test } from '@playwright/test';
import { dropNode, fitView, openBlank, setField, wire } from './editor.ts';
import { totalParamsText } from './fixtures.ts';

test('build Input → Dense → Dense from the palette; shapes and params update', async ({ page }) => {
  await openBlank(page);
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(0));

  await dropNode(page, 'io.input', 140, 200);
  await dropNode(page, 'layers.dense', 420, 200);
  await expect(page.getByTestId('node-input')).toBeVisible();
  await expect(page.getByTestId('node-dense')).toBeVisible();
  // The unconnected Dense reports its open input on the node.
  await expect(page.getByTestId('diagnostics-dense')).toContainText("required input 'x' is not connected");

  await wire(page, { node: 'input', port: 'y' }, { node: 'dense', port: 'x' });
  await expect(page.locator('[data-testid^="edge-label-"]')).toHaveCount(1);
  await expect(page.getByTestId('edge-label-e1')).toHaveText('B×784');
  await expect(page.getByTestId('diagnostics-dense')).toHaveCount(0);
  // Dense defaults to 32 units: 784·32 + 32.
  await expect(page.getByTestId('node-params-dense')).toHaveText('25,120 params');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(25_120));

  // Second layer by keyboard: search + Enter adds the top hit at the centre of the view.
  await page.getByTestId('palette-search').fill('dense');
  await page.getByTestId('palette-search').press('Enter');
  await expect(page.getByTestId('node-dense2')).toBeVisible();
  // The new node is placed after the selected one, possibly outside the view.
  await fitView(page);
  await page
    .getByTestId('node-dense2')
    .locator('.card-node-head')
    .dragTo(page.getByTestId('canvas'), {
      targetPosition: { x: 700, y: 320 },
    });
  await wire(page, { node: 'dense', port: 'y' }, { node: 'dense2', port: 'x' });
  await expect(page.getByTestId('edge-label-e2')).toHaveText('B×32');

  await setField(page, 'dense', 'units', '128');
  await setField(page, 'dense2', 'units', '10');
  await expect(page.getByTestId('edge-label-e2')).toHaveText('B×128');
  await expect(page.getByTestId('node-params-dense')).toHaveText('100,480 params');
  await expect(page.getByTestId('node-params-dense2')).toHaveText('1,290 params');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(101_770));
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');

  // Double-click the canvas: search-to-add at that point.
  await page
    .getByTestId('canvas')
    .locator('.react-flow__pane')
    .dblclick({ position: { x: 300, y: 450 } });
  await page.getByTestId('quick-add-search').fill('softmax');
  await page.getByTestId('quick-add-search').press('Enter');
  await expect(page.getByTestId('node-softmax')).toBeVisible();
});
