// Journey: train ppgn-digit-sampler (C → frozen copy E → G → R_h, scaled to 14 epochs), open
// Explain (the template pre-selects ppgnSampler on the code node h) and run the sampler: the Worker
// streams image grids while the chains move, so the drawer's grid changes at least twice during one
// sampling run, before the final reply (figures) arrives.
import { expect, test } from '@playwright/test';

test('Explain: the PPGN sampler streams its image grid while it runs', async ({ page }) => {
  test.setTimeout(600_000);
  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto('/?template=ppgn-digit-sampler&backend=wasm');
  await expect(page.getByTestId('backend-badge')).toContainText('wasm', { timeout: 60_000 });
  await page.getByTestId('train-epochs').fill('14');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('explain-open')).toBeVisible({ timeout: 540_000 });

  await page.getByTestId('explain-open').click();
  await expect(page.getByTestId('explain-drawer')).toBeVisible();
  await expect(page.getByTestId('explain-tool')).toHaveValue('ppgnSampler');
  await expect(page.getByTestId('explain-node-h')).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('explain-count').fill('16');

  // Record every grid the drawer draws (its fingerprint and title) from the page itself.
  await page.evaluate(() => {
    const seen: { sum: string; title: string; frame: string }[] = [];
    (window as unknown as { __grids: typeof seen }).__grids = seen;
    const note = () => {
      const c = document.querySelector('[data-testid="explain-images"]');
      if (!c) return;
      const g = {
        sum: c.getAttribute('data-sum') ?? '',
        title: c.getAttribute('data-title') ?? '',
        frame: c.getAttribute('data-frame') ?? '',
      };
      const last = seen.at(-1);
      if (!last || last.sum !== g.sum || last.title !== g.title) seen.push(g);
    };
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-sum', 'data-title', 'data-frame'],
    });
  });
  await page.getByTestId('explain-run').click();
  await expect(page.getByTestId('explain-figures')).toContainText('mean p(class)', { timeout: 300_000 });
  await expect(page.getByTestId('explain-status')).toContainText('ppgnSampler on h');

  const grids = await page.evaluate(
    () => (window as unknown as { __grids: { sum: string; title: string; frame: string }[] }).__grids,
  );
  test.info().annotations.push({
    type: 'grids',
    description: grids.map((g) => `${g.frame}: ${g.title} (${g.sum})`).join('; '),
  });
  const streamed = grids.filter((g) => /step \d+\/\d+/.test(g.title));
  // At least three distinct streamed grids: the picture changed at least twice during the run.
  expect(new Set(streamed.map((g) => g.sum)).size).toBeGreaterThanOrEqual(3);
  const frames = streamed.map((g) => Number(g.frame));
  expect(frames.every((f, i) => i === 0 || f > frames[i - 1]!)).toBe(true);
  // The final grid is the reply's: 10 classes × 2 chains (the template's planned params).
  // The reply's views replace the streamed grid: the final samples first, then the chains' starts.
  const replyGrids = page.getByTestId('explain-images');
  await expect(replyGrids).toHaveCount(2);
  await expect(replyGrids.first()).toHaveAttribute('data-title', /after 100 steps/);
  await expect(replyGrids.first()).toHaveAttribute('data-count', '20');
  await expect(page.getByTestId('explain-figures')).toContainText('frames');
});
