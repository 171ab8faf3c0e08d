// Journeys: autosave survives a reload; open/save .graph.json (button and drop); a malformed or
// hostile file leaves the graph untouched; a share link round-trips the graph.
import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { inputDense, lastToast, nodePosition, nodes, setField } from './editor.ts';
import { totalParamsText } from './fixtures.ts';

const FIXTURES = new URL('../src/testing/fixtures/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));

async function saved(page: Page) {
  await expect(page.getByTestId('save-state')).toHaveText('Saved');
}

test('autosave: a reload restores the exact graph', async ({ page }) => {
  await inputDense(page);
  await setField(page, 'dense', 'units', '10');
  const pos = await nodePosition(page, 'dense');
  await saved(page);
  await page.reload();
  await expect(page.getByTestId('node-dense')).toBeVisible();
  await expect(page.getByTestId('total-params')).toHaveText(totalParamsText(7_850));
  await expect(page.getByTestId('edge-label-e1')).toHaveText('B×784');
  expect(await nodePosition(page, 'dense')).toEqual(pos);
});

test('a malformed or hostile file shows an error and keeps the graph; a good one opens', async ({ page }) => {
  await inputDense(page);
  await saved(page);
  const input = page.getByTestId('open-file-input');
  const cases: [string, Buffer | string, RegExp][] = [
    ['broken.graph.json', fixture('doc-unreadable-json.graph.json'), /not valid JSON/],
    ['model.json', fixture('doc-not-a-graph.graph.json'), /not a Netwright graph/],
    ['future.graph.json', fixture('doc-newer-format.graph.json'), /newer Netwright/],
    [
      'proto.graph.json',
      '{"format":"netwright.graph","formatVersion":1,"nodes":{"__proto__":{"type":"io.input","v":1,"params":{}}}}',
      /reserved/,
    ],
    [
      'xss.graph.json',
      '{"format":"netwright.graph","formatVersion":1,"nodes":{"<img src=x onerror=alert(1)>":{"type":"io.input","v":1}}}',
      /not allowed/,
    ],
  ];
  for (const [name, body, message] of cases) {
    await input.setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(body) });
    await expect(lastToast(page)).toContainText(message);
    await expect(lastToast(page)).toContainText('unchanged');
    await expect(nodes(page)).toHaveCount(2);
    await expect(page.getByTestId('edge-label-e1')).toHaveText('B×784');
  }
  expect(await page.locator('img').count()).toBe(0);

  // Dropping a file on the canvas opens it too.
  await page.getByTestId('canvas').evaluate((el, text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'mlp.graph.json', { type: 'application/json' }));
    el.dispatchEvent(
      new DragEvent('drop', {
        dataTransfer: dt,
        bubbles: true,
        cancelable: true,
        clientX: 400,
        clientY: 300,
      }),
    );
  }, fixture('valid-mlp.graph.json').toString('utf8'));
  await expect(page.getByTestId('node-d1')).toBeVisible();
  await expect(page.getByTestId('error-count')).toHaveText('0 errors');
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('edge-label-e1')).toHaveText('B×784');

  // Save downloads the graph as .graph.json.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('save-button').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.graph\.json$/);
  const text = readFileSync(await download.path(), 'utf8');
  expect(JSON.parse(text)).toMatchObject({ format: 'netwright.graph', nodes: { input: {}, dense: {} } });
});

test('a share link opens the same graph in a fresh browser; a damaged link says so', async ({
  page,
  browser,
}) => {
  await inputDense(page);
  await setField(page, 'dense', 'units', '64');
  await page.getByTestId('share-button').click();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).toMatch(/#g=[A-Za-z0-9_-]+$/);

  const other = await browser.newContext();
  const p2 = await other.newPage();
  await p2.goto(link);
  await expect(p2.getByTestId('node-dense')).toBeVisible();
  await expect(p2.getByTestId('total-params')).toHaveText(totalParamsText(784 * 64 + 64));
  await expect(p2.getByTestId('edge-label-e1')).toHaveText('B×784');
  expect(new URL(p2.url()).hash).toBe('');
  // A link pasted into the address bar of the open app (hash change only) opens too.
  await p2.evaluate(() => {
    window.location.hash = '#g=AAAAbad';
  });
  await expect(p2.getByTestId('toast').last()).toContainText('Could not open the share link');
  await expect(p2.getByTestId('node-dense')).toBeVisible();
  await other.close();
});
