// Journey: every template opens legible — no two cards overlap and every edge points forward
// (its target starts right of its source's end, or below its bottom), measured on the rendered
// cards; the graph opens at a readable zoom with its input in view and no card under the minimap.
import { expect, test } from '@playwright/test';
import { nodes } from './editor.ts';
import { templatesOnDisk } from './fixtures.ts';

const templates = templatesOnDisk();

for (const t of templates) {
  test(`${t.id} opens with no overlapping cards, forward edges and a readable zoom`, async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(`/?template=${encodeURIComponent(t.id)}`);
    await expect(nodes(page)).toHaveCount(t.nodeCount);
    // Boxes in flow coordinates: React Flow's transform plus the card's rendered size ÷ zoom.
    const read = () =>
      page.evaluate(() => {
        const vp = document.querySelector('.react-flow__viewport') as HTMLElement;
        const zoom = Number(/scale\(([\d.]+)\)/.exec(vp.style.transform)?.[1] ?? 1);
        const out: Record<string, { x: number; y: number; width: number; height: number }> = {};
        for (const el of document.querySelectorAll<HTMLElement>('.react-flow__node')) {
          const m = /translate\(\s*(-?[\d.]+)px,\s*(-?[\d.]+)px\)/.exec(el.style.transform);
          const r = el.getBoundingClientRect();
          if (m && el.dataset.id)
            out[el.dataset.id] = {
              x: Number(m[1]),
              y: Number(m[2]),
              width: r.width / zoom,
              height: r.height / zoom,
            };
        }
        const pane = document.querySelector('.react-flow')!.getBoundingClientRect();
        return {
          zoom,
          boxes: out,
          pane: { left: pane.left, top: pane.top, right: pane.right, bottom: pane.bottom },
        };
      });
    // Wait until every card is measured and the opening view is applied.
    await expect.poll(async () => Object.keys((await read()).boxes).length).toBe(t.nodeCount);
    await expect.poll(async () => (await read()).zoom).toBeGreaterThanOrEqual(0.6);
    const { boxes } = await read();
    const ids = Object.keys(boxes);
    const overlaps: string[] = [];
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) {
        const a = boxes[ids[i]!]!;
        const b = boxes[ids[j]!]!;
        if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
          overlaps.push(`${ids[i]} × ${ids[j]}`);
      }
    expect(overlaps, 'overlapping cards').toEqual([]);
    // No template declares a feedback edge (graphs are acyclic), so every edge must point forward.
    const backward = t.edges
      .filter((e) => {
        const s = boxes[e.from]!;
        const d = boxes[e.to]!;
        return !(d.x >= s.x + s.width || d.y >= s.y + s.height);
      })
      .map((e) => `${e.id}: ${e.from} → ${e.to}`);
    expect(backward, 'edges that do not point right or down').toEqual([]);
    // No card that opens whole on screen sits under the minimap. (A graph taller than the view at a
    // readable zoom opens at its top: the cards cut by the bottom edge continue off-screen anyway.)
    const minimap = (await page.locator('.react-flow__minimap').boundingBox())!;
    const paneBox = (await page.locator('.react-flow__pane').boundingBox())!;
    const covered: string[] = [];
    for (const card of await page.locator('.react-flow__node').all()) {
      const b = (await card.boundingBox())!;
      const whole = b.y >= paneBox.y && b.y + b.height <= paneBox.y + paneBox.height;
      if (
        whole &&
        b.x < minimap.x + minimap.width &&
        minimap.x < b.x + b.width &&
        b.y < minimap.y + minimap.height &&
        minimap.y < b.y + b.height
      )
        covered.push((await card.getAttribute('data-id')) ?? '?');
    }
    expect(covered, 'cards under the minimap').toEqual([]);
    // The input card is on screen.
    const input = await page.locator('[data-type="io.input"]').first().boundingBox();
    const { pane } = await read();
    expect(input).not.toBeNull();
    expect(input!.x).toBeGreaterThanOrEqual(pane.left);
    expect(input!.x + input!.width).toBeLessThanOrEqual(pane.right);
    expect(input!.y).toBeGreaterThanOrEqual(pane.top);
  });
}
