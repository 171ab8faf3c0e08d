// Journey: export the graph as a PyTorch project — the panel switches target, shows model.py and
// train.py, and Download saves a zip that Python's own zipfile reads back (CRC-checked) with
// exactly the files the panel shows.
import { spawnSync } from 'node:child_process';
import { expect, test } from '@playwright/test';

test('export: MLP on MNIST as a PyTorch project; the zip holds the shown model.py, train.py, README.md', async ({
  page,
}) => {
  await page.goto('/?template=mlp-mnist');
  // The template loads once the node registry and layout are ready (slow on a loaded machine).
  await expect(page.getByTestId('node-hidden')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('export-button').click();
  await page.getByTestId('export-target-pytorch').click();
  const code = page.getByTestId('code-text');
  await expect(code).toContainText('class MlpOnMnist(nn.Module)');
  await expect(code).toContainText('self.hidden = nn.Linear(784, 128)');
  const model = (await code.textContent()) ?? '';
  await page.getByTestId('code-file-train.py').click();
  await expect(code).toContainText('DistributedDataParallel');
  const train = (await code.textContent()) ?? '';

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('code-download').click(),
  ]);
  expect(download.suggestedFilename()).toBe('MLP-on-MNIST-pytorch.zip');
  const script = [
    'import json, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'assert z.testzip() is None',
    'print(json.dumps({n: z.read(n).decode("utf-8") for n in z.namelist()}))',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script, await download.path()], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const files = JSON.parse(r.stdout) as Record<string, string>;
  expect(Object.keys(files).sort()).toEqual([
    'MLP-on-MNIST/README.md',
    'MLP-on-MNIST/model.py',
    'MLP-on-MNIST/train.py',
  ]);
  expect(files['MLP-on-MNIST/model.py']).toBe(model);
  expect(files['MLP-on-MNIST/train.py']).toBe(train);

  // Back to TypeScript: the tfjs module again.
  await page.getByTestId('export-target-typescript').click();
  await expect(code).toContainText('export function buildModel');
});
