// Journey (issue 11): a dataset's fields on the canvas. The LOKI template's data panel lists the
// gridCells field `cell` with its shape and dtype; the field is dragged out onto the canvas (an
// Input reading it, shaped like it) and added with its Add button into the selected metric (wired
// there); the inspector's Source dropdown shows the field; a wrong shape gets a diagnostic naming
// the field and its one-click fix. Loss/metric cards show one named handle per port. Then whole-
// split metrics (F1, ECE) added to it train one epoch and appear in the epoch table, with F1 per
// label (the 10 classes, one-hot).
import { expect, test } from '@playwright/test';
import { dropNode, fitView, selectNode, wire } from './editor.ts';

test('fields: listed with shape/dtype, dragged out, added by keyboard into a node, diagnosed and fixed', async ({
  page,
}) => {
  await page.goto('/?template=loki-frechet-mean');
  await expect(page.getByTestId('node-loki')).toBeVisible();
  await fitView(page);

  // The data panel lists the field with its shape and dtype.
  const field = page.getByTestId('dataset-field-cell');
  await expect(field).toBeVisible();
  await expect(page.getByTestId('dataset-field-shape-cell')).toHaveText('B×1 int32');

  // Cards show one handle per named port (a metric's pred and target, each with its name).
  for (const port of ['pred', 'target'])
    await expect(page.getByTestId(`handle-d2Loki-in-${port}`)).toHaveCount(1);
  await expect(page.getByTestId('node-d2Loki').locator('.port-in .port-name')).toHaveText(['pred', 'target']);

  // Drag the field onto the empty canvas: an Input `cell2` reading it, shaped [1] int32.
  const canvas = page.getByTestId('canvas');
  const box = (await canvas.boundingBox())!;
  await field.dragTo(canvas, { targetPosition: { x: 60, y: box.height - 60 } });
  await expect(page.getByTestId('node-cell2')).toHaveAttribute('data-type', 'io.input');
  await expect(page.getByTestId('node-shape-cell2-y')).toHaveText('B×1');
  await fitView(page);
  await selectNode(page, 'cell2');
  await expect(page.getByTestId('inspector-field-source')).toHaveValue('field:cell');

  // The wrong shape for the field: a diagnostic on the node naming the field and the fix.
  const shape = page.getByTestId('inspector-field-shape');
  await shape.fill('3');
  await shape.blur();
  const diagnostics = page.getByTestId('diagnostics-cell2');
  await expect(diagnostics).toContainText("field 'cell'");
  await expect(diagnostics).toContainText('Set the input');
  await page.getByTestId('fix-cell2').click();
  await expect(page.getByTestId('diagnostics-cell2')).toHaveCount(0);
  await expect(page.getByTestId('node-shape-cell2-y')).toHaveText('B×1');

  // The Source dropdown switches it to the features: the shape follows ([2] float32).
  await page.getByTestId('inspector-field-source').selectOption('features');
  await expect(page.getByTestId('node-shape-cell2-y')).toHaveText('B×2');
  await expect(page.getByTestId('diagnostics-cell2')).toHaveCount(0);

  // Keyboard path: select the accuracy metric, Tab to the field's Add button, Enter: a new Input
  // reading `cell`, wired into the metric's free target port.
  await selectNode(page, 'accuracy');
  await page.getByTestId('dataset-field-add-cell').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('node-cell3')).toHaveAttribute('data-type', 'io.input');
  await expect(page.locator('.react-flow__edge[data-id]')).toHaveCount(16);
  await fitView(page);
  await expect(page.getByTestId('node-accuracy').locator('.port-in .handle-optional')).toHaveCount(0);
});

test('whole-split metrics per epoch in the epoch table, and F1 per label', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?template=loki-frechet-mean&backend=wasm');
  await expect(page.getByTestId('backend-badge')).not.toHaveText(/starting/, { timeout: 60_000 });
  await expect(page.getByTestId('node-loki')).toBeVisible();
  await fitView(page);
  const box = (await page.getByTestId('canvas').boundingBox())!;
  await dropNode(page, 'metrics.f1', 80, box.height - 200);
  await dropNode(page, 'metrics.expectedCalibrationError', 360, box.height - 200);
  await fitView(page);
  await wire(page, { node: 'probs', port: 'y' }, { node: 'f1', port: 'pred' });
  await wire(page, { node: 'probs', port: 'y' }, { node: 'expectedCalibrationError', port: 'pred' });
  await expect(page.getByTestId('diagnostics-f1')).toHaveCount(0);
  await page.getByTestId('train-epochs').fill('1');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 200_000 });
  const table = page.getByTestId('epoch-table');
  await expect(table).toBeVisible();
  for (const id of ['f1', 'expectedCalibrationError', 'accuracy']) {
    await expect(page.getByTestId(`epoch-1-${id}`)).toHaveText(/^\d\.\d{4}$/);
    await expect(page.getByTestId(`epoch-1-val-${id}`)).toHaveText(/^\d\.\d{4}$/);
  }
  // One F1 per class (gridCells' 10 observed cells, one-hot), each in [0, 1].
  await expect(page.getByTestId('per-label-f1').locator('td')).toHaveCount(10);
  const scores = (await page.getByTestId('per-label-f1').locator('td').allTextContents()).map(Number);
  for (const v of scores) {
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
  }
});
