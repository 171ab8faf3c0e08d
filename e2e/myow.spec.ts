// Journey (P22): the MYOW template shows its weight copies — the target group's cards carry the
// "EMA copy of online, τ …" chip, the timeline shows the copy phase and each SSL phase's EMA step —
// and, shrunk to a few rows and one epoch per phase, trains through copy → SSL → probe, after
// which the epoch table shows the probe phase's validation accuracy.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

test('the MYOW template shows its EMA target chip and copy steps, and trains to a probe accuracy', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const doc = JSON.parse(readFileSync(new URL('../templates/myow-ssl.graph.json', import.meta.url), 'utf8'));
  doc.training.dataset.params = { trainSize: 384, valSize: 100, flat: true };
  doc.training.dataset.subsets = [
    { name: 'unlabeled', rows: [0, 256] },
    { name: 'labeled', rows: [256, 384] },
  ];
  for (const ph of doc.training.phases) if (ph.kind !== 'copy') ph.epochs = 1;
  await page.goto('/?backend=wasm');
  await page.getByTestId('open-file-input').setInputFiles({
    name: 'myow.graph.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(doc)),
  });
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  // The target group's cards carry the copy chips; the online group's do not.
  await expect(page.getByTestId('copy-chip-tenc1')).toContainText('EMA copy of online, τ 0.99');
  await expect(page.getByTestId('copy-chip-tenc1')).toContainText('copy of online (phase initialise target)');
  await expect(page.getByTestId('copy-chip-enc1')).toHaveCount(0);
  // The timeline: the copy phase as a copy step, EMA steps on the SSL phases.
  await expect(page.getByTestId('phase-copy-initialise target')).toHaveText('copy online → target');
  await expect(page.getByTestId('phase-ema-myow')).toContainText('EMA → target τ 0.995→1 (cosine)');
  await expect(page.getByTestId('phase-probe')).toContainText('0/1');
  await expect(page.getByTestId('backend-badge')).not.toHaveText(/starting/, { timeout: 60_000 });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 150_000 });
  await expect(page.getByTestId('phase-probe')).toContainText('1/1');
  // Four gradient phases of one epoch: the probe's is epoch 4, with a validation accuracy.
  await expect(page.getByTestId('epoch-4-val-acc')).toHaveText(/^0\.\d+|^1\.0+/);
});
