// Journey: edit params in the inspector; shapes and totals follow, invalid values are refused inline.
import { expect, test } from '@playwright/test';
import { inputDense, selectNode } from './editor.ts';
import { totalParamsText } from './fixtures.ts';

test('param edits update shapes and totals; invalid values show inline and are not applied', async ({
  page,
}) => {
  await inputDense(page);
  await selectNode(page, 'input');
  const shape = page.getByTestId('inspector-field-shape');
  await shape.fill('28, 28, 1');
  await expect(page.getByTestId('edge-label-e1')).toHaveText('B×28×28×1');
  await expect(page.getByTestId('node-shape-dense-y')).toHaveText('B×28×28×32');
  await shape.fill('28, 28, 0');
  await expect(page.getByTestId('inspector-error-shape')).toContainText('positive');
  await expect(page.getByTestId('edge-label-e1')).toHaveText('B×28×28×1');
  await shape.fill('64');
  await expect(page.getByTestId('inspector-error-shape')).toHaveCount(0);
  await expect(page.getByTestId('edge-label-e1')).toHaveText('B×64');

  await selectNode(page, 'dense');
  await expect(page.getByTestId('inspector')).toContainText('y = activation(x · W + b)');
  const units = page.getByTestId('inspector-field-units');
  await units.fill('0');
  await expect(page.getByTestId('inspector-error-units')).toContainText('between 1 and');
  await expect(page.getByTestId('node-params-dense')).toHaveText('2,080 params');
  await units.fill('abc');
  await expect(page.getByTestId('inspector-error-units')).toContainText('not a number');
  await units.fill('100');
  await expect(page.getByTestId('node-params-dense')).toHaveText('6,500 params');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(6_500));
  await page.getByTestId('inspector-field-useBias').uncheck();
  await expect(page.getByTestId('node-params-dense')).toHaveText('6,400 params');
  await page.getByTestId('inspector-field-activation').selectOption('relu');
  await expect(page.getByTestId('node-config-dense')).toContainText('relu');
  // Typing 1, 10, 100 above was one undo step; the checkbox and the select one each.
  await page.getByTestId('undo').click();
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('node-params-dense')).toHaveText('6,500 params');
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('node-params-dense')).toHaveText('2,080 params');
});
