// Journey: open a template, press Train, watch it learn — on webgpu (SwiftShader adapter here),
// wasm and cpu; Stop within a batch; a divergent run names its node; a CSV trains.
import { expect, type Page, test } from '@playwright/test';
import { fitView } from './editor.ts';

async function openAndSet(page: Page, url: string, settings: Record<string, string>) {
  await page.goto(url);
  await expect(page.getByTestId('backend-badge')).not.toHaveText(/starting/, { timeout: 60_000 });
  for (const [key, value] of Object.entries(settings)) await page.getByTestId(`train-${key}`).fill(value);
}

const metric = async (page: Page, id: string) => Number(await page.getByTestId(id).textContent());

for (const backend of ['webgpu', 'wasm', 'cpu'] as const) {
  test(`mlp-mnist trains one epoch on ${backend} to ≥ 0.85 validation accuracy`, async ({ page }) => {
    test.setTimeout(240_000);
    await openAndSet(page, `/?template=mlp-mnist&backend=${backend}`, {
      epochs: '1',
      batchSize: backend === 'wasm' ? '32' : '128',
      learningRate: '0.003',
    });
    await expect(page.getByTestId('backend-badge')).toContainText(backend);
    if (backend === 'webgpu') await expect(page.getByTestId('backend-badge')).toContainText('swiftshader');
    await page.getByTestId('train-button').click();
    await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 200_000 });
    expect(await metric(page, 'metric-val-accuracy')).toBeGreaterThanOrEqual(0.85);
    expect(await metric(page, 'metric-loss')).toBeLessThan(1);
    await expect(page.getByTestId('confusion-matrix')).toBeVisible();
    // 10 classes: the diagonal holds most of the 2,000 validation digits.
    let diagonal = 0;
    for (let i = 0; i < 10; i++)
      diagonal += Number(await page.getByTestId(`confusion-${i}-${i}`).textContent());
    expect(diagonal).toBeGreaterThan(1700);
  });
}

test('Stop stops within a batch', async ({ page }) => {
  await openAndSet(page, '/?template=mlp-mnist&backend=cpu', { epochs: '20', batchSize: '32' });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('training', { timeout: 60_000 });
  await expect(page.getByTestId('progress')).not.toHaveAttribute('value', '0', { timeout: 30_000 });
  await page.getByTestId('stop-button').click();
  // State, not speed: the run ends as 'stopped' (not 'done') long before its 20 epochs are through.
  await expect(page.getByTestId('train-status')).toHaveText('stopped');
  const done = Number(await page.getByTestId('progress').getAttribute('value'));
  const max = Number(await page.getByTestId('progress').getAttribute('max'));
  expect(done).toBeLessThan(max / 2);
});

test('a divergent run (learning rate 1e4) stops and names the node', async ({ page }) => {
  await openAndSet(page, '/?template=mlp-mnist&backend=wasm', { epochs: '3', learningRate: '10000' });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText(/^(non-finite|diverged)$/, { timeout: 120_000 });
  await expect(page.getByTestId('train-message')).toContainText(
    /first node whose output went non-finite or exploded is '(hidden|logits|loss)'/,
  );
  const named = /is '([^']+)'/.exec((await page.getByTestId('train-message').textContent()) ?? '')?.[1];
  // The canvas marks the node the run stopped on, with the same advice.
  await expect(page.getByTestId(`node-${named}`)).toHaveClass(/runtime-(non-finite|diverged)/);
  await expect(page.getByTestId(`runtime-${named}`)).toContainText('lower learning rate');
  await expect(page.getByTestId('train-message')).toContainText('lower learning rate');
});

test('tensors in use stay constant across epochs', async ({ page }) => {
  await openAndSet(page, '/?template=mlp-mnist&backend=wasm', { epochs: '3', batchSize: '64' });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 120_000 });
  const text = (await page.getByTestId('tensors-per-epoch').textContent()) ?? '';
  const counts = (text.match(/\d+/g) ?? []).map(Number);
  expect(counts).toHaveLength(3);
  expect(new Set(counts).size).toBe(1);
});

test('a small CSV (iris written by the test) uploads and trains', async ({ page }) => {
  const rows = ['sepal_length,sepal_width,petal_length,petal_width,species'];
  // Three separable clusters, deterministic.
  for (let i = 0; i < 60; i++) {
    const k = i % 3;
    const j = (i * 7) % 10;
    rows.push(
      `${4.8 + k * 1.1 + j * 0.03},${3.4 - k * 0.3 + j * 0.02},${1.4 + k * 2.2 + j * 0.04},${0.2 + k * 0.9 + j * 0.02},${['setosa', 'versicolor', 'virginica'][k]}`,
    );
  }
  await openAndSet(page, '/?template=mlp-mnist&backend=wasm', {});
  await page
    .getByTestId('csv-input')
    .setInputFiles({ name: 'iris.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
  await expect(page.getByTestId('csv-summary')).toContainText('60 rows, 5 columns (header detected)');
  await expect(page.getByTestId('csv-label')).toHaveValue('4');
  await page.getByTestId('csv-use').click();
  // The graph's input takes the CSV's 4 features, and the Dense feeding the loss its 3 classes.
  await expect(page.getByTestId('node-input')).toContainText('B×4');
  // Templates open at a readable zoom on their input; fit the view to reach the head.
  await fitView(page);
  await page.getByTestId('node-logits').click();
  await expect(page.getByTestId('inspector-field-units')).toHaveValue('3');
  await expect(page.getByTestId('train-button')).toBeEnabled();
  await page.getByTestId('train-epochs').fill('30');
  await page.getByTestId('train-batchSize').fill('16');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 120_000 });
  expect(await metric(page, 'metric-val-accuracy')).toBeGreaterThanOrEqual(0.9);
  await expect(page.getByTestId('confusion-matrix')).toContainText('virginica');
});

test('CSV upload says what it repaired or left out (decimal commas, missing cells, an ID column)', async ({
  page,
}) => {
  // `;`-separated with decimal commas, an ID column whose every value differs, one empty cell.
  const rows = ['id;length;width;kind'];
  for (let i = 0; i < 30; i++) {
    const k = i % 2;
    const width = i === 7 ? '' : `${1 + k},${i % 10}`;
    rows.push(`row-${1000 + i};${2 + 3 * k},${i % 10};${width};${k ? 'big' : 'small'}`);
  }
  await openAndSet(page, '/?template=mlp-mnist&backend=wasm', {});
  await page
    .getByTestId('csv-input')
    .setInputFiles({ name: 'sizes.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
  await expect(page.getByTestId('csv-summary')).toContainText('30 rows, 4 columns (header detected)');
  const warnings = page.getByTestId('csv-warnings');
  await expect(warnings).toContainText('decimal commas (1,5); they are read as 1.5');
  await expect(warnings).toContainText(
    "Column 'width': 1 missing or unreadable cell(s) are filled with the training mean",
  );
  await page.getByTestId('csv-use').click();
  // Choosing the label makes the dataset: the ID column is left out of the features, and said so.
  await expect(warnings).toContainText("Column 'id' is left out of the features: every value is different");
  await expect(warnings).toContainText('decimal commas');
  // Two numeric features remain: the graph's input takes them.
  await expect(page.getByTestId('node-input')).toContainText('B×2');
  await expect(page.getByTestId('uploaded-dataset-option')).toHaveText('Uploaded CSV: sizes.csv');
  // Like a Colab session's uploads, the data lives in this page only: after a reload the graph
  // still names the file, and the picker says it must be uploaded again.
  await expect(page.getByTestId('save-state')).toHaveText('Saved');
  await page.reload();
  await expect(page.getByTestId('uploaded-dataset-option')).toHaveText(
    'Uploaded CSV: sizes.csv (not loaded: upload it again below)',
  );
});
