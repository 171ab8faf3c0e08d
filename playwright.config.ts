import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded one (no internet on CI). --enable-unsafe-webgpu gives a
// SwiftShader WebGPU adapter on GPU-less machines (see DESIGN §7).
// E2E_PORT lets two checkouts run their suites side by side (default 4173).
const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  // Every expect waits for a state; this is only how long a state may take to appear before the
  // test fails. Playwright's default (5 s) failed under a loaded machine (five builds beside the
  // suite) for states that do arrive, so the bound is generous; the test timeout still caps a run.
  expect: { timeout: 30_000 },
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--enable-unsafe-webgpu',
      ],
    },
  },
  webServer: {
    command: `npx vite build && npx vite preview --port ${port} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: false,
    timeout: 120_000,
  },
});
