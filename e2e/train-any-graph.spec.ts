// Journey (issue 16): train any graph. Build an MLP from the blank canvas with the keyboard only
// (adding and wiring; the mouse only clicks Train), pick MNIST and train; import a Keras model, pick
// a dataset and train; upload a CSV on a hand-built graph and train. Every wait is on state.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { nodes, openBlank } from './editor.ts';

const metric = async (page: Page, id: string) => Number(await page.getByTestId(id).textContent());

/** Types a palette search and adds its top hit with Enter; waits until the node is on the canvas. */
async function addByKeyboard(page: Page, query: string): Promise<void> {
  const before = await nodes(page).count();
  await page.keyboard.type(query);
  await page.keyboard.press('Enter');
  // One node, or more when a loss brings its accuracy metric along.
  await expect.poll(() => nodes(page).count()).toBeGreaterThan(before);
  await expect(page.getByTestId('palette-search')).toHaveValue('');
}

/** Escape twice: clear the (already empty) search, then hand the keys back to the canvas. */
async function leaveSearch(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('palette-search')).not.toBeFocused();
}

const edgeLabels = (page: Page) => page.locator('[data-testid^="edge-label-"]');

test('keyboard only: input → dense → relu → dense → softmax → cross-entropy, MNIST, ≥ 0.85 val accuracy', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await openBlank(page);
  await page.keyboard.press('/');
  await expect(page.getByTestId('palette-search')).toBeFocused();
  // Each node lands after the selected one and is wired from it.
  for (const q of ['input', 'dense', 'relu', 'dense']) await addByKeyboard(page, q);
  await expect(page.getByTestId('node-input')).toHaveAttribute('data-type', 'io.input');
  await expect(edgeLabels(page)).toHaveCount(3);

  // Connect mode: add Softmax with nothing selected (unwired), then wire dense2 into it with Shift+C.
  await leaveSearch(page);
  await page.keyboard.press('Escape'); // clears the selection
  await page.keyboard.press('/');
  await addByKeyboard(page, 'softmax');
  await expect(edgeLabels(page)).toHaveCount(3);
  await leaveSearch(page);
  await page.keyboard.press('Shift+C');
  await expect(page.getByTestId('connect-box')).toBeVisible();
  await page.keyboard.type('dense2');
  await expect(page.getByTestId('connect-hit-dense2')).toContainText('dense2.y → softmax.x');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('connect-box')).toHaveCount(0);
  await expect(edgeLabels(page)).toHaveCount(4);

  // The loss goes after the (still selected) softmax, wired to its prediction input.
  await page.keyboard.press('/');
  await addByKeyboard(page, 'categorical cross-entropy');
  await expect(edgeLabels(page)).toHaveCount(5);
  await expect(page.getByTestId('node-categoricalCrossentropy')).toBeVisible();
  // No card covers another (each is placed one column after the last, or below what is there).
  const boxes = await nodes(page).evaluateAll((els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, w: r.width, h: r.height };
    }),
  );
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      expect(overlap, `cards ${i} and ${j} overlap`).toBe(false);
    }

  // The graph has no dataset yet: the Train panel says so, and picking MNIST fixes everything.
  await expect(page.getByTestId('train-button')).toBeDisabled();
  await page.getByTestId('train-dataset').selectOption('mnist');
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  // The class count followed the dataset: Dense(32) on 784, then Dense(10): 25,120 + 330.
  await expect(page.getByTestId('total-params')).toHaveText('Total params: 25,450');
  await expect(page.getByTestId('node-accuracy')).toBeVisible();
  await expect(page.getByTestId('train-button')).toBeEnabled();
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 240_000 });
  expect(await metric(page, 'metric-val-accuracy')).toBeGreaterThanOrEqual(0.85);

  // Choosing the dataset was one undo step: undo takes the graph back to having no training settings.
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('node-accuracy')).toHaveCount(0);
  await expect(page.getByTestId('train-button')).toBeDisabled();
});

const KERAS_SEQUENTIAL = JSON.stringify({
  class_name: 'Sequential',
  config: {
    name: 'imported_mlp',
    layers: [
      {
        class_name: 'Dense',
        config: {
          name: 'hidden',
          units: 16,
          activation: 'relu',
          use_bias: true,
          batch_input_shape: [null, 784],
        },
      },
      { class_name: 'Dense', config: { name: 'probs', units: 10, activation: 'softmax', use_bias: true } },
    ],
  },
  keras_version: '2.4.0',
  backend: 'tensorflow',
});

test('an imported Keras Sequential model trains after choosing a dataset', async ({ page }) => {
  test.setTimeout(300_000);
  await openBlank(page);
  await page.getByTestId('import-file-input').setInputFiles({
    name: 'model.json',
    mimeType: 'application/json',
    buffer: Buffer.from(KERAS_SEQUENTIAL),
  });
  await expect(page.getByTestId('node-probs')).toBeVisible();
  await expect(page.getByTestId('train-button')).toBeDisabled();
  await page.getByTestId('train-dataset').selectOption('mnist');
  // A loss and an accuracy metric were added, reading the dataset's labels.
  await expect(page.getByTestId('node-categoricalCrossentropy')).toBeVisible();
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 240_000 });
  // Ten classes: any learning at all beats chance (0.1) by far after one epoch.
  expect(await metric(page, 'metric-val-accuracy')).toBeGreaterThan(0.5);
});

test('an iris-like CSV trains a hand-built graph', async ({ page }) => {
  test.setTimeout(300_000);
  const rows = ['sepal_length,sepal_width,petal_length,petal_width,species'];
  // Three separable clusters, deterministic.
  for (let i = 0; i < 60; i++) {
    const k = i % 3;
    const j = (i * 7) % 10;
    rows.push(
      `${4.8 + k * 1.1 + j * 0.03},${3.4 - k * 0.3 + j * 0.02},${1.4 + k * 2.2 + j * 0.04},${0.2 + k * 0.9 + j * 0.02},${['setosa', 'versicolor', 'virginica'][k]}`,
    );
  }
  await openBlank(page);
  await page.keyboard.press('/');
  for (const q of ['input', 'dense']) await addByKeyboard(page, q);
  await page
    .getByTestId('csv-input')
    .setInputFiles({ name: 'iris.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
  await expect(page.getByTestId('csv-summary')).toContainText('60 rows, 5 columns (header detected)');
  await page.getByTestId('csv-use').click();
  // The input takes the 4 features, the Dense the 3 classes, and a loss reads the labels.
  await expect(page.getByTestId('node-input')).toContainText('B×4');
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await expect(page.getByTestId('train-dataset')).toHaveValue('csv');
  await page.getByTestId('train-epochs').fill('30');
  await page.getByTestId('train-batchSize').fill('16');
  // A single linear layer on 48 rows: Adam's default step (0.001) would need hundreds of epochs.
  await page.getByTestId('train-learningRate').fill('0.05');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 240_000 });
  expect(await metric(page, 'metric-val-accuracy')).toBeGreaterThanOrEqual(0.9);
});

/** A 24-bit BMP (bottom-up rows, 4-byte row padding) of `size`² pixels, each grey `v(i)`. */
function bmp(size: number, v: (i: number) => number): Buffer {
  const row = Math.ceil((size * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + row * size);
  buf.write('BM', 0);
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(size, 18);
  buf.writeInt32LE(size, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  buf.writeUInt32LE(row * size, 34);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) buf.fill(v(y * size + x), 54 + y * row + x * 3, 54 + y * row + x * 3 + 3);
  return buf;
}

test('a folder of images (labels from sub-folder names) trains a hand-built graph', async ({
  page,
}, info) => {
  test.setTimeout(300_000);
  // Two classes the test can tell apart by construction: mostly light vs mostly dark images.
  const root = info.outputPath('shapes');
  for (const [label, base] of [
    ['dark', 30],
    ['light', 220],
  ] as const) {
    mkdirSync(join(root, label), { recursive: true });
    for (let n = 0; n < 20; n++)
      writeFileSync(
        join(root, label, `${n}.bmp`),
        bmp(8, (i) => base + ((i * 7 + n * 13) % 25)),
      );
  }
  // Data first this time: an Input, then the folder (the Input takes the images' shape) …
  await openBlank(page);
  await page.keyboard.press('/');
  await addByKeyboard(page, 'input');
  await page.getByTestId('image-folder-input').setInputFiles(root);
  await expect(page.getByTestId('image-folder-summary')).toHaveText('40 images in 2 classes (dark, light)');
  await page.getByTestId('image-folder-height').fill('8');
  await page.getByTestId('image-folder-width').fill('8');
  await page.getByTestId('image-folder-use').click();
  await expect(page.getByTestId('image-folder-status')).toContainText('32 training and 8 validation images');
  await expect(page.getByTestId('node-input')).toContainText('B×8×8×1');
  // … then the layers by keyboard; the loss joins the data (2 classes) and brings an accuracy metric.
  await page.keyboard.press('/');
  for (const q of ['flatten', 'dense', 'softmax', 'categorical cross-entropy']) await addByKeyboard(page, q);
  await expect(page.getByTestId('node-accuracy')).toBeVisible();
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await expect(page.getByTestId('train-dataset')).toHaveValue('images');
  await page.getByTestId('train-epochs').fill('20');
  await page.getByTestId('train-batchSize').fill('8');
  await page.getByTestId('train-learningRate').fill('0.05');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 240_000 });
  expect(await metric(page, 'metric-val-accuracy')).toBeGreaterThanOrEqual(0.9);
});
