// Journey: the app is served with a Content-Security-Policy that forbids inline scripts and eval
// (WebAssembly compilation only), and it opens and trains under it with no violation — in the page
// and in the training Worker (Chromium logs a Worker's refusals to the console). The same run
// checks the console stays free of tfjs's "kernel … already registered" (issue 17): the kernel
// patches replace kernels instead of registering them twice.
import { expect, type Page, test } from '@playwright/test';

/** Console text that must never appear: CSP refusals, and tfjs registering a kernel twice. */
const UNWANTED = /Content Security Policy|Refused to|already registered/i;

/** securitypolicyviolation events in the page, plus unwanted console messages anywhere. */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  const logged: string[] = [];
  page.on('console', (m) => {
    if (UNWANTED.test(m.text())) logged.push(`console: ${m.text()}`);
  });
  page.on('worker', (w) => {
    w.on('console', (m) => {
      if (UNWANTED.test(m.text())) logged.push(`worker: ${m.text()}`);
    });
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(
        `${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`,
      ),
    );
  });
  return async () => [
    ...(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)),
    ...logged,
  ];
}

test('the page is served with a CSP that forbids inline scripts and eval', async ({ page }) => {
  const response = await page.goto('/');
  const csp = response?.headers()['content-security-policy'] ?? '';
  const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
  expect(scriptSrc).toContain("'self'");
  expect(scriptSrc).toContain("'wasm-unsafe-eval'");
  expect(scriptSrc).not.toContain("'unsafe-inline'");
  expect(scriptSrc).not.toMatch(/'unsafe-eval'/);
  expect(csp).toMatch(/object-src 'none'/);
  // The built page carries the same policy, so any static server of dist/ enforces it.
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(meta).toContain("script-src 'self' 'wasm-unsafe-eval'");
  // And it is enforced. (page.evaluate runs through DevTools, which CSP exempts, so the probes
  // run as page content: a same-origin script that tries eval, an inline script, an inline handler.)
  await page.route('**/csp-probe.js', (route) =>
    route.fulfill({
      contentType: 'text/javascript',
      body: "try { eval('1'); window.evalRan = true; } catch { window.evalBlocked = true; }",
    }),
  );
  await page.evaluate(() => {
    const probe = document.createElement('script');
    probe.src = '/csp-probe.js';
    const inline = document.createElement('script');
    inline.textContent = 'window.inlineRan = true';
    const img = document.createElement('img');
    img.setAttribute('onerror', 'window.handlerRan = true');
    img.src = '/no-such-image.png';
    document.body.append(probe, inline, img);
  });
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { evalBlocked?: boolean }).evalBlocked))
    .toBe(true);
  const ran = await page.evaluate(() => {
    const w = window as unknown as { evalRan?: boolean; inlineRan?: boolean; handlerRan?: boolean };
    return {
      evalRan: w.evalRan === true,
      inlineRan: w.inlineRan === true,
      handlerRan: w.handlerRan === true,
    };
  });
  expect(ran).toEqual({ evalRan: false, inlineRan: false, handlerRan: false });
});

test('under the CSP the gallery, a template and wasm training work with zero violations and a quiet console', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const violations = await watchViolations(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Templates' })).toBeVisible();
  await page.goto('/?template=mlp-mnist&backend=wasm');
  await expect(page.getByTestId('backend-badge')).toContainText('wasm', { timeout: 60_000 });
  await page.getByTestId('train-epochs').fill('1');
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('train-status')).toHaveText('done', { timeout: 200_000 });
  expect(Number(await page.getByTestId('metric-val-accuracy').textContent())).toBeGreaterThan(0.5);
  // Auto-layout loads elkjs (a large generated bundle): it must not need eval either.
  await page.getByTestId('layout-button').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Auto-layout failed' })).toHaveCount(0);
  await expect(page.getByTestId('undo')).toHaveAttribute('title', /Auto-layout/);
  expect(await violations()).toEqual([]);
});
