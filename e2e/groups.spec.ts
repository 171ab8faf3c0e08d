// Journey: select nodes → Ctrl+G groups them; open the group, edit inside, close; undo; publish the
// group to My blocks, reload (blocks and the grouped graph persist), add the block from the palette.
import { expect, test } from '@playwright/test';
import { fitView, lastToast, nodes, setField, wire } from './editor.ts';
import { totalParamsText } from './fixtures.ts';

test('group, open and edit inside, close, undo, publish to My blocks and reuse it', async ({ page }) => {
  await page.goto('/?template=mlp-mnist');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(101_770));
  // Templates open zoomed on their input: show the whole graph before selecting by mouse.
  await fitView(page);

  // Select the two Dense layers and group them with the keyboard.
  await page.getByTestId('node-hidden').locator('.card-node-head').click();
  await page
    .getByTestId('node-logits')
    .locator('.card-node-head')
    .click({ modifiers: ['Control'] });
  await expect(page.getByTestId('inspector')).toContainText('2 nodes selected');
  await page.keyboard.press('Control+g');
  await expect(page.getByTestId('node-group')).toBeVisible();
  await expect(page.getByTestId('node-hidden')).toHaveCount(0);
  await expect(nodes(page)).toHaveCount(6);
  // Same model: same parameter count, no errors, shapes on the group's ports and edges.
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(101_770));
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await expect(page.getByTestId('node-params-group')).toHaveText('101,770 params');
  await expect(page.getByTestId('node-shape-group-y')).toHaveText('B×10');
  await expect(page.getByTestId('edge-label-e1')).toHaveText('B×784');

  // Name it, open it (the inner nodes and the port nodes show), edit a layer inside.
  await page.getByTestId('group-label').fill('Two dense');
  await page.getByTestId('open-group-group').click();
  await expect(page.getByTestId('group-breadcrumb')).toContainText('Graph › Two dense');
  await expect(page.getByTestId('node-hidden')).toBeVisible();
  await expect(page.getByTestId('node-logits')).toBeVisible();
  await expect(page.getByTestId('node-input')).toHaveAttribute('data-type', 'group.input');
  await expect(page.getByTestId('node-shape-input-y')).toHaveText('B×784');
  await setField(page, 'hidden', 'units', '64');
  await expect(page.getByTestId('node-params-hidden')).toHaveText('50,240 params');
  await page.getByTestId('group-close').click();
  await expect(page.getByTestId('group-breadcrumb')).toHaveCount(0);
  // 784·64 + 64 + 64·10 + 10, by hand.
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(50_890));

  // The edit inside was one undoable step.
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(101_770));
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(50_890));

  // Publish to My blocks.
  await page.getByTestId('node-group').locator('.card-node-head').click();
  await page.getByTestId('publish-block').click();
  await expect(lastToast(page)).toContainText("Published 'Two dense'");
  await expect(page.getByTestId('palette-block-Two dense')).toBeVisible();

  // Reload: the autosave restores the grouped graph, the block is still in the palette.
  // Wait for the debounced autosave to have written the latest document (state, not time).
  await expect(page.getByTestId('save-state')).toHaveText('Saved');
  await page.reload();
  await expect(page.getByTestId('node-group')).toBeVisible();
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(50_890));
  await expect(page.getByTestId('palette-block-Two dense')).toBeVisible();

  // Add the block: a second group with a copy of the inside (its own parameters).
  await page.getByTestId('palette-block-Two dense').click();
  await expect(page.getByTestId('node-group2')).toBeVisible();
  await expect(page.getByTestId('node-params-group2')).toHaveText('— params'); // input not wired yet
  await wire(page, { node: 'input', port: 'y' }, { node: 'group2', port: 'x' });
  await expect(page.getByTestId('node-params-group2')).toHaveText('50,890 params');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(2 * 50_890));

  // Ungroup the first one: its nodes come back, the model is unchanged.
  await page.getByTestId('node-group').locator('.card-node-head').click();
  await page.keyboard.press('Control+Shift+g');
  await expect(page.getByTestId('node-hidden')).toBeVisible();
  await expect(page.getByTestId('node-group')).toHaveCount(0);
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(2 * 50_890));
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await expect(page.getByTestId('node-shape-logits-y')).toHaveText('B×10');
});

test('a problem inside a group shows on the group and leads into it', async ({ page }) => {
  await page.goto('/?template=mlp-mnist');
  await page.getByTestId('node-hidden').locator('.card-node-head').click();
  await page.getByTestId('group-button').click();
  await page.getByTestId('node-group').dblclick();
  await expect(page.getByTestId('group-breadcrumb')).toBeVisible();
  // Delete the group's input port node: the layer inside loses its input.
  await page.getByTestId('node-input').locator('.card-node-head').click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('diagnostics-hidden')).toContainText('not connected');
  await page.getByTestId('breadcrumb-0').click();
  await expect(page.getByTestId('diagnostics-group')).toContainText("Inside group 'Group'");
  // From the graph's diagnostic list, the link opens the group at the failing node.
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.getByTestId('inspector').getByRole('button', { name: 'group › hidden' }).first().click();
  await expect(page.getByTestId('group-breadcrumb')).toBeVisible();
  await expect(page.getByTestId('inspector')).toContainText('hidden');
});
