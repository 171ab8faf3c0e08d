// Journey: weight sharing (issue #13). Open Input(3) → d1 Dense(3) → d2 Dense(3); the inspector's
// "Shares weights with" select makes d2 apply d1's layer: the card shows a chip, the total counts
// the shared weights once (Keras: 3·3 + 3 = 12, not 24), and clearing the select undoes it.
import { expect, test } from '@playwright/test';
import { openBlank, selectNode, viewSettled } from './editor.ts';
import { totalParamsText } from './fixtures.ts';

const GRAPH = JSON.stringify({
  format: 'netwright.graph',
  formatVersion: 2,
  meta: { title: 'shared dense' },
  nodes: {
    input: { type: 'io.input', v: 1, params: { shape: [3] } },
    d1: { type: 'layers.dense', v: 1, params: { units: 3 } },
    d2: { type: 'layers.dense', v: 1, params: { units: 3 } },
  },
  edges: {
    e1: { from: { node: 'input', port: 'y' }, to: { node: 'd1', port: 'x' } },
    e2: { from: { node: 'd1', port: 'y' }, to: { node: 'd2', port: 'x' } },
  },
  layout: { input: { x: 0, y: 0 }, d1: { x: 300, y: 0 }, d2: { x: 600, y: 0 } },
});

test('a node shares another node’s weights through the inspector; the card shows it and params count once', async ({
  page,
}) => {
  await openBlank(page);
  await page
    .getByTestId('open-file-input')
    .setInputFiles({ name: 'share.graph.json', mimeType: 'application/json', buffer: Buffer.from(GRAPH) });
  await expect(page.getByTestId('node-d2')).toBeVisible();
  await viewSettled(page);
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(24));
  await expect(page.getByTestId('share-chip-d2')).toHaveCount(0);

  await selectNode(page, 'd2');
  await page.getByTestId('share-weights').selectOption('d1');
  await expect(page.getByTestId('share-chip-d2')).toContainText('shares weights with d1');
  await expect(page.getByTestId('share-weights-note')).toContainText('shares weights with d1');
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(12));

  await page.getByTestId('share-weights').selectOption('');
  await expect(page.getByTestId('share-chip-d2')).toHaveCount(0);
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(24));
});
