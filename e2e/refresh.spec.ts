// Journey (W3, P38): a graph with a per-sample store — 'scorer' trains, the refresh phase 'score'
// writes every training row's loss into the store 'loss', then 'cycle' retrains from the initial
// weights on a data-size cycle with rows drawn ∝ 1/loss. The timeline shows the refresh step and the
// per-epoch data sizes; training runs through all three phases and the progress bar counts each
// sampled epoch's own batches.
import { expect, test } from '@playwright/test';

const node = (type: string, params: Record<string, unknown> = {}) => ({ type, v: 1, params });
const edge = (from: string, to: string, toPort = 'x') => ({
  from: { node: from, port: 'y' },
  to: { node: to, port: toPort },
});

const graph = {
  format: 'netwright.graph',
  formatVersion: 2,
  meta: { title: 'Refresh a store' },
  nodes: {
    x: node('io.input', { shape: [4] }),
    labels: node('io.input', { shape: [1], dtype: 'int32', source: 'labels', trainingOnly: true }),
    hidden: node('layers.dense', { units: 8, activation: 'tanh' }),
    logits: node('layers.dense', { units: 3 }),
    perSample: node('losses.perSampleLoss', { fromLogits: true }),
    ce: node('losses.sparseCategoricalCrossentropy', { fromLogits: true }),
    acc: node('metrics.accuracy'),
  },
  edges: {
    e1: edge('x', 'hidden'),
    e2: edge('hidden', 'logits'),
    e3: edge('logits', 'perSample', 'pred'),
    e4: edge('labels', 'perSample', 'target'),
    e5: edge('logits', 'ce', 'pred'),
    e6: edge('logits', 'acc', 'pred'),
  },
  training: {
    dataset: { name: 'iris', params: {} },
    optimizer: { type: 'optimizers.adam', params: { learningRate: 0.01 } },
    batchSize: 16,
    epochs: 1,
    seed: 1,
    stores: [{ name: 'loss', width: 1, init: 1 }],
    phases: [
      { name: 'scorer', epochs: 2 },
      { name: 'score', kind: 'refresh', store: 'loss', from: 'perSample' },
      {
        name: 'cycle',
        epochs: 4,
        reinit: ['hidden', 'logits'],
        data: { fractions: [0.25, 0.5, 1, 0.5], weights: { store: 'loss', order: 'easy' } },
      },
    ],
  },
  layout: {
    x: { x: 0, y: 0 },
    labels: { x: 0, y: 200 },
    hidden: { x: 260, y: 0 },
    logits: { x: 520, y: 0 },
    perSample: { x: 780, y: 160 },
    ce: { x: 780, y: -80 },
    acc: { x: 1040, y: 0 },
  },
};

test('the timeline shows the refresh step and per-epoch sizes, and the procedure trains', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=wasm');
  await page.getByTestId('open-file-input').setInputFiles({
    name: 'refresh.graph.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(graph)),
  });
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await expect(page.getByTestId('phase-timeline')).toBeVisible();
  await expect(page.getByTestId('phase-refresh-score')).toHaveText('refresh store loss ← perSample');
  await expect(page.getByTestId('phase-sizes-cycle')).toHaveText('size/epoch 0.25 0.5 1 0.5');
  await expect(page.getByTestId('phase-weights-cycle')).toHaveText('∝ loss (easy)');
  await expect(page.getByTestId('phase-score')).toHaveAttribute(
    'title',
    /refreshes store loss from node perSample/,
  );
  await expect(page.getByTestId('backend-badge')).not.toHaveText(/starting/, { timeout: 60_000 });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 150_000 });
  await expect(page.getByTestId('phase-scorer')).toContainText('2/2');
  await expect(page.getByTestId('phase-cycle')).toContainText('4/4');
  // The refresh pass ran over the 120 training rows of iris.
  await expect(page.getByTestId('phase-samples-score')).toHaveText('120 samples');
  // 2 · ⌈120/16⌉ + (⌈30/16⌉ + ⌈60/16⌉ + ⌈120/16⌉ + ⌈60/16⌉) = 16 + (2 + 4 + 8 + 4) = 34 batches.
  await expect(page.getByTestId('progress')).toHaveAttribute('max', '34');
  await expect(page.getByTestId('progress')).toHaveAttribute('value', '34');
});
