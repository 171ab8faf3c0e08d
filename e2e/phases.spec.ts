// Journey: a graph with two phases (head only with the body frozen, then everything at its own
// batch size, dataset load and optimizer groups) opens, shows its phase timeline, and trains through both phases.
import { expect, test } from '@playwright/test';

const node = (type: string, params: Record<string, unknown> = {}, group?: string) => ({
  type,
  v: 1,
  params,
  ...(group ? { group } : {}),
});
const edge = (from: string, to: string, toPort = 'x') => ({
  from: { node: from, port: 'y' },
  to: { node: to, port: toPort },
});

const graph = {
  format: 'netwright.graph',
  formatVersion: 2,
  meta: { title: 'Two phases' },
  nodes: {
    x: node('io.input', { shape: [4] }),
    hidden: node('layers.dense', { units: 8, activation: 'tanh' }, 'body'),
    bn: node('layers.batchNormalization', {}, 'body'),
    logits: node('layers.dense', { units: 3, activation: 'softmax' }, 'head'),
    ce: node('losses.categoricalCrossentropy'),
    acc: node('metrics.accuracy'),
  },
  edges: {
    e1: edge('x', 'hidden'),
    e2: edge('hidden', 'bn'),
    e3: edge('bn', 'logits'),
    e4: edge('logits', 'ce', 'pred'),
    e5: edge('logits', 'acc', 'pred'),
  },
  training: {
    dataset: { name: 'iris', params: {} },
    optimizer: { type: 'optimizers.adam', params: { learningRate: 0.01 } },
    batchSize: 16,
    epochs: 1,
    seed: 1,
    phases: [
      { name: 'warm', epochs: 2, groups: ['head'], optimizers: [{ id: 'h', clipNorm: 1 }] },
      {
        name: 'tune',
        epochs: 3,
        data: { batchSize: 8, dataset: { name: 'iris', params: {} } },
        optimizers: [
          { id: 'h', groups: ['head'] },
          { id: 'b', groups: ['body'], lrScale: 0.1 },
        ],
      },
    ],
  },
  layout: {
    x: { x: 0, y: 0 },
    hidden: { x: 260, y: 0 },
    bn: { x: 520, y: 0 },
    logits: { x: 780, y: 0 },
    ce: { x: 1040, y: -80 },
    acc: { x: 1040, y: 80 },
  },
};

test('a two-phase graph shows its timeline and trains through both phases', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=wasm');
  await page.getByTestId('open-file-input').setInputFiles({
    name: 'phases.graph.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(graph)),
  });
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await expect(page.getByTestId('phase-timeline')).toBeVisible();
  await expect(page.getByTestId('phase-warm')).toContainText('0/2');
  await expect(page.getByTestId('phase-warm')).toContainText('head');
  await expect(page.getByTestId('phase-tune')).toContainText('all groups');
  await expect(page.getByTestId('backend-badge')).not.toHaveText(/starting/, { timeout: 60_000 });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 150_000 });
  await expect(page.getByTestId('phase-warm')).toContainText('2/2');
  await expect(page.getByTestId('phase-tune')).toContainText('3/3');
  await expect(page.getByTestId('phase-tune')).toHaveAttribute('aria-current', 'step');
  // The epoch chart marks the boundary where 'tune' starts (between epochs 2 and 3), and only there.
  await expect(page.getByTestId('chart-epochs').getByTestId('separator-tune')).toHaveCount(1);
  await expect(page.getByTestId('chart-epochs').locator('[data-testid^="separator-"]')).toHaveCount(1);
});
