// Journey: a graph with two phases (head only with the body frozen and the metric off, then
// everything on its own few-shot dataset at its own batch size with optimizer groups) opens, shows its
// phase timeline; pressing a phase dims on the canvas what it freezes and leaves out (view state, no
// undo step); it trains through both phases, each phase's sample count shows as it starts, and the
// curves draw the phase separator and one learning-rate line per optimizer group.
import { readFileSync } from 'node:fs';
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
      { name: 'warm', epochs: 2, groups: ['head'], heads: ['ce'], optimizers: [{ id: 'h', clipNorm: 1 }] },
      {
        name: 'tune',
        epochs: 3,
        // 10 rows per class: 30 training rows where the graph's iris split has 120 (40 per class).
        data: {
          batchSize: 8,
          dataset: { name: 'iris', params: {}, transforms: [{ type: 'perClass', n: 10 }] },
        },
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

  // No phase picked: nothing is dimmed.
  const card = (id: string) => page.getByTestId(`node-${id}`);
  await expect(page.locator('[data-phase-state]')).toHaveCount(0);
  // The last undo step is opening the file; picking phases must not add one.
  const undoTitle = /^Undo Open 'phases\.graph\.json'/;
  await expect(page.getByTestId('undo')).toHaveAttribute('title', undoTitle);
  // 'warm' trains the head only, with the loss alone: the body is frozen, the accuracy inactive.
  await page.getByTestId('phase-warm').click();
  await expect(page.getByTestId('phase-warm')).toHaveAttribute('aria-pressed', 'true');
  for (const [id, state] of [
    ['hidden', 'frozen'],
    ['bn', 'frozen'],
    ['logits', 'trained'],
    ['ce', 'trained'],
    ['acc', 'inactive'],
  ] as const)
    await expect(card(id)).toHaveAttribute('data-phase-state', state);
  await expect(card('bn')).toHaveClass(/phase-frozen/);
  await expect(card('acc')).toHaveClass(/phase-inactive/);
  await expect(card('logits')).not.toHaveClass(/phase-/);
  await expect(card('x')).not.toHaveAttribute('data-phase-state');
  // 'tune' (by keyboard) trains every group with every head: nothing dimmed.
  await page.getByTestId('phase-tune').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('phase-tune')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('phase-warm')).toHaveAttribute('aria-pressed', 'false');
  for (const id of ['hidden', 'bn', 'logits', 'ce', 'acc'])
    await expect(card(id)).toHaveAttribute('data-phase-state', 'trained');
  await expect(page.locator('.card-node.phase-frozen, .card-node.phase-inactive')).toHaveCount(0);
  // Pressing the picked phase again clears the view; picking was never a document edit.
  await page.getByTestId('phase-tune').click();
  await expect(page.locator('[data-phase-state]')).toHaveCount(0);
  await expect(page.getByTestId('undo')).toHaveAttribute('title', undoTitle);
  await page.getByTestId('phase-warm').click();
  await expect(page.getByTestId('backend-badge')).not.toHaveText(/starting/, { timeout: 60_000 });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 150_000 });
  await expect(page.getByTestId('phase-warm')).toContainText('2/2');
  await expect(page.getByTestId('phase-tune')).toContainText('3/3');
  await expect(page.getByTestId('phase-tune')).toHaveAttribute('aria-current', 'step');
  // The sample count changes at the boundary: the graph's iris split, then the phase's own few-shot one.
  await expect(page.getByTestId('phase-samples-warm')).toHaveText('120 samples');
  await expect(page.getByTestId('phase-samples-tune')).toHaveText('30 samples');
  // The progress bar counts each phase's own batches: 2 · ⌈120 / 16⌉ + 3 · ⌈30 / 8⌉ = 16 + 12.
  await expect(page.getByTestId('progress')).toHaveAttribute('max', '28');
  await expect(page.getByTestId('progress')).toHaveAttribute('value', '28');
  // The picked phase stays on the canvas through the run.
  await expect(card('hidden')).toHaveAttribute('data-phase-state', 'frozen');
  // The epoch chart marks the boundary where 'tune' starts (between epochs 2 and 3), and only there.
  await expect(page.getByTestId('chart-epochs').getByTestId('separator-tune')).toHaveCount(1);
  await expect(page.getByTestId('chart-epochs').locator('[data-testid^="separator-"]')).toHaveCount(1);
  // The lr trace: one line per optimizer group id ('h' in both phases, 'b' in 'tune' at 0.1 × the rate).
  const lr = page.getByTestId('lr-trace');
  await expect(lr.getByTestId('separator-tune')).toHaveCount(1);
  await expect(lr.locator('polyline[data-series]')).toHaveCount(2);
  await expect(lr.locator('polyline[data-series="h"]')).toHaveCount(1);
  await expect(lr.locator('polyline[data-series="b"]')).toHaveCount(1);
});

// Journey (P9): the EfficientNet template's transfer timeline — 'source' (10 digits) → 'target-head'
// (a new 2-class head on "3 vs 8", 9:1, the backbone frozen) → 'fine-tune' (the top block at lr/10,
// its BatchNorm still frozen). Shrunk to a few rows and one epoch per phase so it runs in seconds:
// the sample count changes where the phase's own dataset starts, and the curves mark both boundaries.
test('the EfficientNet timeline trains source → target-head → fine-tune', async ({ page }) => {
  test.setTimeout(120_000);
  const doc = JSON.parse(
    readFileSync(
      new URL('../templates/efficientnet-lite-cost-sensitive.graph.json', import.meta.url),
      'utf8',
    ),
  );
  doc.training.dataset.params = { trainSize: 200, valSize: 50, flat: false };
  for (const ph of doc.training.phases) {
    ph.epochs = 1;
    for (const t of ph.data?.dataset?.transforms ?? []) {
      // 27 threes and 3 eights for training (still 9:1), 20 + 20 for validation.
      if (t.type === 'perClass') t.n = t.split === 'val' ? 20 : 27;
    }
  }
  await page.goto('/?backend=wasm');
  await page.getByTestId('open-file-input').setInputFiles({
    name: 'effnet.graph.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(doc)),
  });
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  for (const name of ['source', 'target-head', 'fine-tune'])
    await expect(page.getByTestId(`phase-${name}`)).toContainText('0/1');
  const card = (id: string) => page.getByTestId(`node-${id}`);
  // target-head: the backbone and top block frozen, the new head trained, the source heads off.
  await page.getByTestId('phase-target-head').click();
  for (const [id, state] of [
    ['stem', 'frozen'],
    ['b3Expand', 'frozen'],
    ['b3ExpandBn', 'frozen'],
    ['sourceLogits', 'frozen'],
    ['targetLogits', 'trained'],
    ['weightedCe', 'trained'],
    ['sourceCe', 'inactive'],
  ] as const)
    await expect(card(id)).toHaveAttribute('data-phase-state', state);
  // fine-tune: the top block trains, its BatchNorm stays frozen (inference mode).
  await page.getByTestId('phase-fine-tune').click();
  for (const [id, state] of [
    ['stem', 'frozen'],
    ['b3Expand', 'trained'],
    ['b3ExpandBn', 'frozen'],
    ['targetLogits', 'trained'],
  ] as const)
    await expect(card(id)).toHaveAttribute('data-phase-state', state);
  await page.getByTestId('phase-fine-tune').click();
  await expect(page.getByTestId('backend-badge')).not.toHaveText(/starting/, { timeout: 60_000 });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 90_000 });
  for (const name of ['source', 'target-head', 'fine-tune'])
    await expect(page.getByTestId(`phase-${name}`)).toContainText('1/1');
  // 200 source digits, then the phases' own 27 + 3 target images.
  await expect(page.getByTestId('phase-samples-source')).toHaveText('200 samples');
  await expect(page.getByTestId('phase-samples-target-head')).toHaveText('30 samples');
  await expect(page.getByTestId('phase-samples-fine-tune')).toHaveText('30 samples');
  // One separator per boundary on the epoch curves and on the lr trace.
  const epochs = page.getByTestId('chart-epochs');
  await expect(epochs.getByTestId('separator-target-head')).toHaveCount(1);
  await expect(epochs.getByTestId('separator-fine-tune')).toHaveCount(1);
  await expect(epochs.locator('[data-testid^="separator-"]')).toHaveCount(2);
  // The lr trace: the source phase's optimizer, the head's (1e-2), the fine-tune one (1e-3).
  const lr = page.getByTestId('lr-trace');
  await expect(lr.locator('[data-testid^="separator-"]')).toHaveCount(2);
  await expect(lr.locator('polyline[data-series]')).toHaveCount(3);
  await expect(lr.locator('polyline[data-series="head"]')).toHaveCount(1);
  await expect(lr.locator('polyline[data-series="fine-tune"]')).toHaveCount(1);
  // The evaluation scores what the run ended with: the 2-class head on the last phase's test split
  // (20 threes, 20 eights), not the source head on the graph's digits.
  await expect(page.getByTestId('confusion-matrix')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('confusion-matrix').locator('td')).toHaveCount(4);
  const cell = async (i: number, j: number) =>
    Number(await page.getByTestId(`confusion-${i}-${j}`).textContent());
  expect((await cell(0, 0)) + (await cell(0, 1))).toBe(20);
  expect((await cell(1, 0)) + (await cell(1, 1))).toBe(20);
});
