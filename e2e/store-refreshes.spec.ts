// Journey (W3, P12): a gradient phase that refreshes a store while it trains — DEC in miniature:
// q = softmax(dense(x)) are soft assignments, the store 'target' (transform decTarget) is refreshed
// from q every 5 optimizer steps and read back by an Input feeding the KL(P‖Q) loss. The timeline
// shows the refresh chip on the phase, and the procedure trains to the end.
import { expect, test } from '@playwright/test';

const node = (type: string, params: Record<string, unknown> = {}) => ({ type, v: 1, params });
const edge = (from: string, to: string, toPort = 'x') => ({
  from: { node: from, port: 'y' },
  to: { node: to, port: toPort },
});

const graph = {
  format: 'netwright.graph',
  formatVersion: 2,
  meta: { title: 'Refresh a store inside a phase' },
  nodes: {
    x: node('io.input', { shape: [4] }),
    p: node('io.input', { shape: [3], source: 'store:target', trainingOnly: true }),
    q: node('layers.dense', { units: 3, activation: 'softmax' }),
    kl: node('losses.klDivergence'),
  },
  edges: {
    e1: edge('x', 'q'),
    e2: edge('q', 'kl', 'pred'),
    e3: edge('p', 'kl', 'target'),
  },
  training: {
    dataset: { name: 'iris', params: {} },
    optimizer: { type: 'optimizers.adam', params: { learningRate: 0.01 } },
    batchSize: 16,
    epochs: 1,
    seed: 1,
    stores: [{ name: 'target', width: 3, init: 0.3333, transform: 'decTarget' }],
    // The timeline shows for procedures of several phases: a plain warm-up epoch first.
    phases: [
      { name: 'warm', epochs: 1 },
      { name: 'cluster', epochs: 3, refreshes: [{ store: 'target', from: 'q', every: 5 }] },
    ],
  },
  layout: {
    x: { x: 0, y: 0 },
    p: { x: 0, y: 200 },
    q: { x: 260, y: 0 },
    kl: { x: 520, y: 100 },
  },
};

test('the timeline shows the in-phase refresh chip and the phase trains', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=wasm');
  await page.getByTestId('open-file-input').setInputFiles({
    name: 'refreshes.graph.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(graph)),
  });
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await expect(page.getByTestId('phase-refreshes-cluster')).toHaveText('refresh target ← q /5 steps');
  await expect(page.getByTestId('phase-cluster')).toHaveAttribute(
    'title',
    /refreshes store target from node q every 5 optimizer steps/,
  );
  await expect(page.getByTestId('backend-badge')).not.toHaveText(/starting/, { timeout: 60_000 });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 150_000 });
  await expect(page.getByTestId('phase-cluster')).toContainText('3/3');
  // (1 + 3) · ⌈120/16⌉ = 32 batches.
  await expect(page.getByTestId('progress')).toHaveAttribute('value', '32');
});
