// Journeys with hostile graphs (issue 19): a graph too big to train is refused by the Train button
// with its size named; a 60,000-node share link is refused and the tab stays usable.
import { deflateRawSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { inputDense, lastToast, nodes, setField } from './editor.ts';
import { totalParamsText } from './fixtures.ts';

/**
 * input [inDim] → `depth` Dense layers of `units` (0: the default, to keep a file small; the last
 * 2 wide), and a cross-entropy loss when training.
 */
function denseChain(depth: number, units: number, inDim: number, training: boolean) {
  const nodes: Record<string, unknown> = { n0: { type: 'io.input', v: 1, params: { shape: [inDim] } } };
  const edges: Record<string, unknown> = {};
  for (let i = 1; i <= depth; i++) {
    nodes[`n${i}`] = {
      type: 'layers.dense',
      v: 1,
      params: i < depth ? (units ? { units } : {}) : { units: 2 },
    };
    edges[`e${i}`] = { from: { node: `n${i - 1}`, port: 'y' }, to: { node: `n${i}`, port: 'x' } };
  }
  if (training) {
    nodes.loss = { type: 'losses.categoricalCrossentropy', v: 1, params: { fromLogits: true } };
    edges.eloss = { from: { node: `n${depth}`, port: 'y' }, to: { node: 'loss', port: 'pred' } };
  }
  return {
    format: 'netwright.graph',
    formatVersion: 1,
    meta: { title: 'hostile' },
    nodes,
    edges,
    ...(training
      ? { training: { dataset: { name: 'mnist', params: { flat: true } }, batchSize: 32, epochs: 1 } }
      : {}),
  };
}

test('the 81.6-billion-parameter graph: Train refuses it, the size is named', async ({ page }) => {
  await page.goto('/?backend=cpu');
  // 784 → 65,536 × 20 → 2: Keras's in·out + out per layer.
  const params = 784 * 65_536 + 65_536 + 19 * (65_536 * 65_536 + 65_536) + 65_536 * 2 + 2;
  const doc = JSON.stringify(denseChain(21, 65_536, 784, true));
  await page.getByTestId('open-file-input').setInputFiles({
    name: 'huge.graph.json',
    mimeType: 'application/json',
    buffer: Buffer.from(doc),
  });
  await expect(page.getByTestId('node-n21')).toBeVisible();
  await expect(page.getByTestId('train-button')).toBeDisabled();
  await expect(page.getByTestId('error-count')).toHaveAttribute(
    'title',
    new RegExp(`The model has ${params.toLocaleString('en-US')} parameters: .* a browser tab can use`),
  );
});

test('a 60,000-node share link is refused and the tab stays usable', async ({ page }) => {
  await inputDense(page);
  // Short ids and default params: 60,000 nodes in under the 8 MB a link may inflate to.
  const json = JSON.stringify(denseChain(59_999, 0, 4, false));
  expect(json.length).toBeLessThan(8 * 2 ** 20);
  const hash = `#g=${deflateRawSync(Buffer.from(json)).toString('base64url')}`;
  await page.evaluate((h) => {
    window.location.hash = h;
  }, hash);
  await expect(lastToast(page)).toContainText('more than 20,000 nodes');
  await expect(lastToast(page)).toContainText('unchanged');
  // Still the same graph, and the page still answers: an edit goes through.
  await expect(nodes(page)).toHaveCount(2);
  await setField(page, 'dense', 'units', '64');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(784 * 64 + 64));
});
