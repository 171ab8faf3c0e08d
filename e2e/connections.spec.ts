// Journey: a bad connection is refused, and the toast says why; nothing changes in the graph.
import { expect, test } from '@playwright/test';
import { dropNode, inputDense, lastToast, wire } from './editor.ts';

test('refuses output→output, a taken input, a cycle and a shape mismatch, with the reason', async ({
  page,
}) => {
  await inputDense(page);
  await dropNode(page, 'layers.dense', 460, 420);
  await dropNode(page, 'layers.flatten', 140, 420);
  const edges = page.locator('[data-testid^="edge-label-"]');

  // Two outputs.
  await wire(page, { node: 'input', port: 'y' }, { node: 'dense', port: 'y', kind: 'source' });
  await expect(lastToast(page)).toContainText('both outputs');
  // A taken input.
  await wire(page, { node: 'dense2', port: 'y' }, { node: 'dense', port: 'x' });
  await expect(lastToast(page)).toContainText('already connected');
  // A loop onto itself (longer cycles are covered by the unit tests of canConnect).
  await wire(page, { node: 'dense', port: 'y' }, { node: 'dense2', port: 'x' });
  await expect(edges).toHaveCount(2);
  await wire(page, { node: 'dense2', port: 'y' }, { node: 'dense2', port: 'x' });
  await expect(lastToast(page)).toContainText('cannot feed itself');
  // A shape mismatch, caught by analysing the candidate graph: Flatten on a flat B×784 input.
  await wire(page, { node: 'input', port: 'y' }, { node: 'flatten', port: 'x' });
  await expect(lastToast(page)).toContainText('already flat');
  await expect(edges).toHaveCount(2);
  await expect(page.getByTestId('graph-size')).toContainText('2 edges');
});
