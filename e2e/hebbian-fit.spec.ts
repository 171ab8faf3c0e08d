// Journey (P39, issues #13/#14): a fit-only graph (Hebbian couplings set in closed form, no loss) offers
// Fit in the Train panel. The Worker runs the fit phase only, then the panel shows the Mattis overlap
// of each pattern as a bar and the coupling matrix J as a heat map whose size, symmetry and zero
// diagonal were read off the full 2000 × 2000 matrix. The overlaps are checked against the paper's
// hierarchical-retrieval prediction at dilution d = 0.2, (1 − d)·d^{k−1}: |m₁| ≈ 0.8 and
// |m₂| + |m₃| ≈ d(1 − d) + d²(1 − d) = 0.192; the main thread does no long task while fitting.
import { expect, test } from '@playwright/test';
import { mainThreadWork } from './main-thread.ts';

test('Fit on the multitasking Hebbian network shows overlap bars and the coupling heat map', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto('/?template=multitasking-hebbian-network&backend=wasm');
  await expect(page.getByTestId('backend-badge')).toContainText('wasm', { timeout: 60_000 });
  const region = page.getByTestId('fit-views');
  await expect(region).toBeVisible();
  await expect(page.getByTestId('overlap-bars')).toHaveCount(0);

  const work = await mainThreadWork(page, async () => {
    await page.getByTestId('fit-run').click();
    // Wait on an element that exists (the status line): polling for a missing element kept the
    // page's main thread busy in Playwright's own injected script (≈ 55 ms tasks each second,
    // none without the polling — checked with a trace), which is not the app's work.
    await expect(page.getByTestId('fit-status')).toHaveText(/fitted in/, { timeout: 240_000 });
  });
  await expect(page.getByTestId('overlap-bars')).toBeVisible();
  await expect(page.getByTestId('fit-error')).toHaveCount(0);
  // Three patterns: three bars, over the 20 validation starts.
  await expect(page.getByTestId('overlap-bars').locator('rect')).toHaveCount(3);
  await expect(page.getByTestId('overlap-bars')).toHaveAttribute('data-rows', '20');
  const m = await Promise.all(
    [0, 1, 2].map(async (i) => Number(await page.getByTestId(`overlap-bar-${i}`).getAttribute('data-value'))),
  );
  test.info().annotations.push({ type: 'mean |m_k|', description: m.join(', ') });
  const d = 0.2;
  expect(Math.abs(m[0]! - (1 - d))).toBeLessThanOrEqual(0.06);
  expect(Math.abs(m[1]! + m[2]! - (d * (1 - d) + d * d * (1 - d)))).toBeLessThanOrEqual(0.07);
  expect(m[1]!).toBeLessThan(m[0]!);
  expect(m[2]!).toBeLessThan(m[0]!);

  const heat = page.getByTestId('coupling-heatmap');
  await expect(heat).toHaveCount(1);
  await expect(heat).toHaveAttribute('data-n', '2000');
  await expect(heat).toHaveAttribute('data-symmetric', 'true');
  await expect(heat).toHaveAttribute('data-diag-zero', 'true');
  await expect(heat).toHaveAttribute('width', '64');
  // The heat map is drawn: not one flat colour.
  const distinct = await heat.evaluate((c: HTMLCanvasElement) => {
    const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<string>();
    for (let i = 0; i < px.length; i += 4) seen.add(`${px[i]},${px[i + 1]},${px[i + 2]}`);
    return seen.size;
  });
  expect(distinct).toBeGreaterThan(10);

  expect(work.tasks).toBeGreaterThan(0);
  expect(work.cpuLongMs, 'CPU ms of main-thread tasks ≥ 50 ms').toEqual([]);
});
