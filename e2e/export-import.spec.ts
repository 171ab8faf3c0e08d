// Journeys: export the graph as TypeScript (highlighted panel, Copy, Download, errors naming the
// nodes) and import a Keras model.to_json() file (one undoable step; a malformed file keeps the graph).
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { dropNode, lastToast, nodes, openBlank } from './editor.ts';
import { totalParamsText } from './fixtures.ts';

test('export: LeNet-5 as highlighted TypeScript; Download saves exactly the panel text', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/?template=lenet-5');
  await expect(page.getByTestId('node-c1')).toBeVisible();
  await page.getByTestId('export-button').click();
  const panel = page.getByTestId('code-panel');
  await expect(panel).toBeVisible();
  const code = page.getByTestId('code-text');
  await expect(code).toContainText('export function buildModel');
  // The printer breaks long chains: `tf.layers\n    .conv2d({`.
  await expect(code).toContainText(/tf\.layers\s*\.conv2d\(/);
  await expect(code).not.toContainText('Total');
  for (const id of ['c1', 's2', 'c3', 's4', 'f5', 'f6']) await expect(code).toContainText(`name: '${id}'`);
  // Highlighted by spans, not markup from the code itself.
  await expect(code.locator('.tok-keyword').first()).toHaveText('import');
  expect(await code.locator('.tok-string').count()).toBeGreaterThan(10);
  expect(await code.locator('.tok-number').count()).toBeGreaterThan(10);
  expect(await code.locator('.tok-comment').count()).toBeGreaterThan(3);

  const text = (await code.textContent()) ?? '';
  expect(text.startsWith('// LeNet-5')).toBe(true);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('code-download').click(),
  ]);
  expect(download.suggestedFilename()).toBe('LeNet-5.ts');
  expect(readFileSync(await download.path(), 'utf8')).toBe(text);

  await page.getByTestId('code-copy').click();
  await expect(page.getByTestId('code-copy')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text);

  await page.getByTestId('code-close').click();
  await expect(panel).toBeHidden();
  // Escape closes it too.
  await page.getByTestId('export-button').click();
  await expect(panel).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
});

test('export: a graph with errors lists them, naming the nodes', async ({ page }) => {
  await openBlank(page);
  await dropNode(page, 'layers.dense', 300, 200);
  await page.getByTestId('export-button').click();
  await expect(page.getByTestId('code-panel')).toContainText('Cannot export');
  await expect(page.getByTestId('code-problems')).toContainText('dense');
  await expect(page.getByTestId('code-download')).toBeDisabled();
  await expect(page.getByTestId('code-text')).toHaveCount(0);
});

// Keras 2 `model.to_json()` of Sequential([Dense(32, relu, input 784), Dense(10, softmax)]).
const KERAS_MLP = JSON.stringify({
  class_name: 'Sequential',
  config: {
    name: 'mlp',
    layers: [
      {
        class_name: 'Dense',
        config: {
          name: 'dense_1',
          units: 32,
          activation: 'relu',
          use_bias: true,
          batch_input_shape: [null, 784],
        },
      },
      { class_name: 'Dense', config: { name: 'dense_2', units: 10, activation: 'softmax', use_bias: true } },
    ],
  },
  keras_version: '2.4.0',
  backend: 'tensorflow',
});
// 784·32 + 32 (dense_1) + 32·10 + 10 (dense_2) = 25,088 + 32 + 320 + 10 = 25,450.
const MLP_PARAMS = 25_450;

test('import: a Keras model.to_json() opens as one undoable step; a malformed file keeps the graph', async ({
  page,
}) => {
  await page.goto('/?template=lenet-5');
  await expect(page.getByTestId('node-c1')).toBeVisible();
  const lenetParams = (await page.getByTestId('total-params').textContent()) ?? '';
  const input = page.getByTestId('import-file-input');

  await input.setInputFiles({
    name: 'model.json',
    mimeType: 'application/json',
    buffer: Buffer.from(KERAS_MLP),
  });
  await expect(page.getByTestId('node-dense_1')).toBeVisible();
  await expect(page.getByTestId('node-dense_2')).toBeVisible();
  await expect(page.getByTestId('node-c1')).toHaveCount(0);
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(MLP_PARAMS));
  await expect(lastToast(page)).toContainText('25,450 params');
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');

  // Malformed: an error toast names the cause, and the graph stays as it was.
  const count = await nodes(page).count();
  for (const [body, cause] of [
    ['{"class_name": "Sequential", "config": ', /not valid JSON/],
    ['{"hello": 1}', /No model found/],
  ] as const) {
    await input.setInputFiles({
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from(body),
    });
    await expect(lastToast(page)).toContainText(cause);
    await expect(lastToast(page)).toContainText('unchanged');
    await expect(nodes(page)).toHaveCount(count);
    await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(MLP_PARAMS));
  }

  // The import was one step: undo brings LeNet-5 back.
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('node-c1')).toBeVisible();
  await expect(page.getByTestId('node-dense_1')).toHaveCount(0);
  await expect(page.getByTestId('total-params')).toHaveText(lenetParams);
});
