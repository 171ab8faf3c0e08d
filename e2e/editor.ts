// Page helpers for the canvas journeys: place nodes, wire ports, read labels.
import { expect, type Page } from '@playwright/test';

/** Opens the app on a blank canvas (fresh browser context: no autosave). */
export async function openBlank(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByTestId('gallery-blank').click();
  await expect(page.getByTestId('canvas')).toBeVisible();
}

/** Drags `type` from the palette and drops it at (x, y) inside the canvas. */
export async function dropNode(page: Page, type: string, x: number, y: number): Promise<void> {
  const search = page.getByTestId('palette-search');
  await search.fill(type);
  await page
    .getByTestId(`palette-item-${type}`)
    .dragTo(page.getByTestId('canvas'), { targetPosition: { x, y } });
  await search.fill('');
}

const handle = (page: Page, node: string, port: string, kind: 'source' | 'target') =>
  page.locator(`.react-flow__node[data-id="${node}"] .react-flow__handle.${kind}[data-handleid="${port}"]`);

/** Drags a wire from an output handle to an input handle (either may be given first). */
export async function wire(
  page: Page,
  from: { node: string; port: string; kind?: 'source' | 'target' },
  to: { node: string; port: string; kind?: 'source' | 'target' },
): Promise<void> {
  const a = await handle(page, from.node, from.port, from.kind ?? 'source').boundingBox();
  const b = await handle(page, to.node, to.port, to.kind ?? 'target').boundingBox();
  if (!a || !b) throw new Error(`handle not found: ${JSON.stringify({ from, to, a, b })}`);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

/** Sets a param through the inspector of `node` (selects it first). */
export async function setField(page: Page, node: string, field: string, value: string): Promise<void> {
  await selectNode(page, node);
  const input = page.getByTestId(`inspector-field-${field}`);
  await input.fill(value);
  await input.blur();
}

/** Waits until the canvas has placed its opening view: before that a click on a card may land elsewhere. */
export async function viewSettled(page: Page): Promise<void> {
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-view-settled', 'true');
}

/** Fits the whole graph into the view (React Flow's control): nodes placed off-screen become clickable. */
export async function fitView(page: Page): Promise<void> {
  await viewSettled(page);
  await page.locator('.react-flow__controls-fitview').click();
}

export async function selectNode(page: Page, node: string): Promise<void> {
  await page.getByTestId(`node-${node}`).locator('.card-node-head').click();
  await expect(page.getByTestId('inspector')).toContainText(node);
}

export const nodes = (page: Page) => page.locator('[data-testid^="node-"][data-type]');

/** The node's position in flow coordinates, from React Flow's transform. */
export async function nodePosition(page: Page, node: string): Promise<{ x: number; y: number }> {
  const t = await page
    .locator(`.react-flow__node[data-id="${node}"]`)
    .evaluate((el) => (el as HTMLElement).style.transform);
  const m = /translate\(\s*(-?[\d.]+)px,\s*(-?[\d.]+)px\)/.exec(t);
  if (!m) throw new Error(`no transform on ${node}: ${t}`);
  return { x: Number(m[1]), y: Number(m[2]) };
}

/** Builds Input(784) → Dense on a blank canvas and wires them. */
export async function inputDense(page: Page): Promise<void> {
  await openBlank(page);
  await dropNode(page, 'io.input', 140, 200);
  await dropNode(page, 'layers.dense', 460, 200);
  await wire(page, { node: 'input', port: 'y' }, { node: 'dense', port: 'x' });
  await expect(page.getByTestId('edge-label-e1')).toHaveText('B×784');
}

export const lastToast = (page: Page) => page.getByTestId('toast').last();
