// Journey: undo/redo across a drag, a param edit, a delete and a paste; copy/paste by keyboard.
import { expect, test } from '@playwright/test';
import { inputDense, nodePosition, nodes, selectNode, setField } from './editor.ts';
import { totalParamsText } from './fixtures.ts';

test('undo/redo: drag, edit, delete, paste — each one step, by button and keyboard', async ({ page }) => {
  await inputDense(page);
  const undo = page.getByTestId('undo');
  const redo = page.getByTestId('redo');

  // Drag: many pointer moves, one step.
  const before = await nodePosition(page, 'dense');
  const head = page.getByTestId('node-dense').locator('.card-node-head');
  const box = (await head.boundingBox())!;
  await page.mouse.move(box.x + 20, box.y + 8);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + 20 + i * 10, box.y + 8 + i * 8);
  await page.mouse.up();
  const moved = await nodePosition(page, 'dense');
  expect(moved.x).toBeGreaterThan(before.x + 50);
  await undo.click();
  expect(await nodePosition(page, 'dense')).toEqual(before);
  await redo.click();
  expect(await nodePosition(page, 'dense')).toEqual(moved);

  // Edit.
  await setField(page, 'dense', 'units', '10');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(7_850));
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(25_120));
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(7_850));

  // Copy / paste by keyboard (graph JSON through the clipboard, new ids).
  await selectNode(page, 'dense');
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Control+c');
  await page.mouse.move(600, 550);
  await page.keyboard.press('Control+v');
  await expect(nodes(page)).toHaveCount(4);
  await expect(page.getByTestId('node-input2')).toBeVisible();
  await expect(page.getByTestId('node-dense2')).toBeVisible();
  await expect(page.getByTestId('edge-label-e2')).toHaveText('B×784');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(2 * 7_850));
  await page.keyboard.press('Control+z');
  await expect(nodes(page)).toHaveCount(2);
  await page.keyboard.press('Control+y');
  await expect(nodes(page)).toHaveCount(4);

  // Duplicate and delete.
  await selectNode(page, 'dense2');
  await page.keyboard.press('Control+d');
  await expect(page.getByTestId('node-dense3')).toBeVisible();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('node-dense3')).toHaveCount(0);
  await selectNode(page, 'input2');
  await page.keyboard.press('Backspace');
  await expect(page.getByTestId('node-input2')).toHaveCount(0);
  await expect(page.getByTestId('diagnostics-dense2')).toContainText('not connected');
  await undo.click();
  await expect(page.getByTestId('node-input2')).toBeVisible();
  await expect(page.getByTestId('edge-label-e2')).toHaveText('B×784');
  await redo.click();
  await expect(page.getByTestId('node-input2')).toHaveCount(0);

  // Undo everything: back to the empty canvas, and redo is available.
  while (await undo.isEnabled()) await undo.click();
  await expect(nodes(page)).toHaveCount(0);
  await expect(redo).toBeEnabled();
});
