// Journey: train in the browser, download the model (model.json + weights.bin), reload it in Node
// with tfjs and get the same predictions; load the weights back into the graph in a fresh page;
// weights from another graph are refused with a clear message.
import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { mnist } from '../src/core/datasets/mnist.ts';
import { resolveParams } from '../src/core/params.ts';
import { createRng } from '../src/core/rng.ts';
import { nodeDatasetIO } from '../src/node/dataset-io.ts';

async function confusion(page: Page): Promise<number[][]> {
  const rows: number[][] = [];
  for (let i = 0; i < 10; i++) {
    const row: number[] = [];
    for (let j = 0; j < 10; j++)
      row.push(Number(await page.getByTestId(`confusion-${i}-${j}`).textContent()));
    rows.push(row);
  }
  return rows;
}

test('a model trained in the browser downloads, reloads in Node with the same predictions, and loads back', async ({
  page,
  browser,
}, info) => {
  test.setTimeout(180_000);
  await page.goto('/?template=mlp-mnist&backend=wasm');
  await expect(page.getByTestId('backend-badge')).toContainText('wasm', { timeout: 60_000 });
  await page.getByTestId('train-epochs').fill('1');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 120_000 });
  const browserConfusion = await confusion(page);

  const downloads: import('@playwright/test').Download[] = [];
  page.on('download', (d) => downloads.push(d));
  await page.getByTestId('save-model-button').click();
  await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2);
  const files: Record<string, string> = {};
  for (const d of downloads) {
    const path = info.outputPath(d.suggestedFilename());
    await d.saveAs(path);
    files[d.suggestedFilename().endsWith('.json') ? 'json' : 'bin'] = path;
  }
  expect(Object.keys(files).sort()).toEqual(['bin', 'json']);

  // Node: tfjs (cpu) loads the artifacts and predicts the same validation split the browser used.
  tf.env().set('PROD', true); // no console banner
  await tf.setBackend('cpu');
  const modelJson = JSON.parse(readFileSync(files.json!, 'utf8'));
  const bin = readFileSync(files.bin!);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
  const data = await mnist.load(
    resolveParams(mnist.params, { flat: true }).values as Parameters<typeof mnist.load>[0],
    createRng(1),
    nodeDatasetIO,
  );
  const out = model.predict(tf.tensor2d(data.val.x, [data.val.count, 784])) as tf.Tensor[];
  const predicted = (await tf.argMax(out.at(-1)!, -1).data()) as Int32Array;
  const nodeConfusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  data.val.y.forEach((actual, i) => {
    nodeConfusion[actual]![predicted[i]!]!++;
  });
  // Same weights, same data; wasm and cpu float sums may only flip an exact near-tie.
  const differences = nodeConfusion
    .flat()
    .reduce((s, n, k) => s + Math.abs(n - browserConfusion.flat()[k]!), 0);
  expect(differences).toBeLessThanOrEqual(2);

  // A fresh page loads the weights back into the same graph: the same evaluation.
  const fresh = await browser.newPage();
  await fresh.goto('/?template=mlp-mnist&backend=wasm');
  await expect(fresh.getByTestId('backend-badge')).toContainText('wasm', { timeout: 60_000 });
  await fresh.getByTestId('load-weights-input').setInputFiles([files.json!, files.bin!]);
  await expect(fresh.getByTestId('train-message')).toContainText('Loaded saved weights (101,770 parameters)');
  await expect(fresh.getByTestId('confusion-matrix')).toBeVisible({ timeout: 60_000 });
  expect(await confusion(fresh)).toEqual(browserConfusion);

  // Weights of another graph are refused, naming what does not fit.
  const other = await browser.newPage();
  await other.goto('/?template=lenet-5&backend=wasm');
  await expect(other.getByTestId('backend-badge')).toContainText('wasm', { timeout: 60_000 });
  await other.getByTestId('load-weights-input').setInputFiles([files.json!, files.bin!]);
  await expect(other.getByTestId('train-message')).toContainText('do not fit this graph');
});
