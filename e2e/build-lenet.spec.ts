// Journey (issue #3's "done when"): build LeNet-5 from an empty canvas with the mouse and keyboard
// alone — palette, wires, inspector — and see 61,706 total params.
import { expect, test } from '@playwright/test';
import { dropNode, openBlank, selectNode, setField, wire } from './editor.ts';
import { totalParamsText } from './fixtures.ts';

test('LeNet-5 by hand: 61,706 params', async ({ page }) => {
  test.setTimeout(120_000);
  await openBlank(page);
  // Zoom out so nine cards fit side by side.
  await page.locator('.react-flow__controls-zoomout').click();
  await page.locator('.react-flow__controls-zoomout').click();
  const layout: [string, number, number][] = [
    ['io.input', 90, 90],
    ['layers.conv2d', 330, 90],
    ['layers.averagePooling2d', 570, 90],
    ['layers.conv2d', 90, 300],
    ['layers.averagePooling2d', 330, 300],
    ['layers.flatten', 570, 300],
    ['layers.dense', 90, 500],
    ['layers.dense', 330, 500],
    ['layers.dense', 570, 500],
  ];
  for (const [type, x, y] of layout) await dropNode(page, type, x, y);
  const chain = [
    'input',
    'conv2d',
    'averagePooling2d',
    'conv2d2',
    'averagePooling2d2',
    'flatten',
    'dense',
    'dense2',
    'dense3',
  ];
  for (const id of chain) await expect(page.getByTestId(`node-${id}`)).toBeVisible();
  // Images first: a flat [784] input into a Conv2D would be refused (with the reason).
  await setField(page, 'input', 'shape', '28, 28, 1');
  for (let i = 0; i + 1 < chain.length; i++) {
    await wire(page, { node: chain[i]!, port: 'y' }, { node: chain[i + 1]!, port: 'x' });
    await expect(page.locator('[data-testid^="edge-label-"]')).toHaveCount(i + 1);
  }
  await setField(page, 'conv2d', 'filters', '6');
  await setField(page, 'conv2d', 'kernelSize', '5, 5');
  await selectNode(page, 'conv2d');
  await page.getByTestId('inspector-field-padding').selectOption('same');
  await page.getByTestId('inspector-field-activation').selectOption('tanh');
  await setField(page, 'conv2d2', 'filters', '16');
  await setField(page, 'conv2d2', 'kernelSize', '5, 5');
  await setField(page, 'dense', 'units', '120');
  await setField(page, 'dense2', 'units', '84');
  await setField(page, 'dense3', 'units', '10');
  await selectNode(page, 'dense3');
  await page.getByTestId('inspector-field-activation').selectOption('softmax');

  // The shapes follow the paper: 28×28×6 → 14×14×6 → 10×10×16 → 5×5×16 → 400 → 120 → 84 → 10.
  await expect(page.getByTestId('node-shape-conv2d-y')).toHaveText('B×28×28×6');
  await expect(page.getByTestId('node-shape-conv2d2-y')).toHaveText('B×10×10×16');
  await expect(page.getByTestId('node-shape-flatten-y')).toHaveText('B×400');
  await expect(page.getByTestId('node-shape-dense3-y')).toHaveText('B×10');
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(61_706));
});
