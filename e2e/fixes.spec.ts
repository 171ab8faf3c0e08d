// Journey: a broken graph shows the error on the failing node, with a one-click fix; clicking a
// diagnostic zooms to its node; auto-layout tidies the graph in one undoable step.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { lastToast, nodePosition } from './editor.ts';

const fixture = (name: string) => readFileSync(new URL(`../src/testing/fixtures/${name}`, import.meta.url));

test('Insert Flatten fixes a forgotten Flatten; auto-layout and zoom-to-node work', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('open-file-input').setInputFiles({
    name: 'forgot-flatten.graph.json',
    mimeType: 'application/json',
    buffer: fixture('shape-loss-target-mismatch.graph.json'),
  });
  const diag = page.getByTestId('diagnostics-loss');
  await expect(diag).toContainText('Did you forget a Flatten?');
  await expect(page.getByTestId('error-count')).toHaveText('1 error');
  await expect(page.getByTestId('edge-label-e2')).toHaveText('B×26×26×8');

  // The status bar's error count zooms to the failing node and selects it.
  await page.getByTestId('error-count').click();
  await expect(page.getByTestId('inspector')).toContainText('Categorical cross-entropy');

  await page.getByTestId('fix-loss').click();
  await expect(page.getByTestId('diagnostics-loss')).toHaveCount(0);
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await expect(page.getByTestId('node-flatten')).toBeVisible();
  await expect(page.getByTestId('node-shape-flatten-y')).toHaveText('B×5408');

  const before = await nodePosition(page, 'loss');
  await page.getByTestId('layout-button').click();
  await expect
    .poll(async () => JSON.stringify(await nodePosition(page, 'loss')))
    .not.toBe(JSON.stringify(before));
  // Layered left to right: the input comes before the layer it feeds.
  expect((await nodePosition(page, 'in')).x).toBeLessThan((await nodePosition(page, 'conv')).x);
  await page.getByTestId('undo').click();
  expect(await nodePosition(page, 'loss')).toEqual(before);
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('diagnostics-loss')).toContainText('Flatten');
  await expect(lastToast(page)).toHaveCount(0);
});
