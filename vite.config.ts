import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { cspHeader, DEV_NONCE } from './csp.config.ts';

/** The built index.html carries the policy as a <meta> tag (frame-ancestors needs a header). */
const cspMeta = (): Plugin => ({
  name: 'netwright-csp-meta',
  apply: 'build',
  transformIndexHtml: () => [
    {
      tag: 'meta',
      attrs: { 'http-equiv': 'Content-Security-Policy', content: cspHeader() },
      injectTo: 'head-prepend',
    },
  ],
});

export default defineConfig(({ command }) => ({
  plugins: [react(), cspMeta()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    headers: { 'Content-Security-Policy': `${cspHeader(true)}; frame-ancestors 'none'` },
  },
  preview: {
    host: '127.0.0.1',
    port: 4173,
    strictPort: true,
    headers: { 'Content-Security-Policy': `${cspHeader()}; frame-ancestors 'none'` },
  },
  // Dev only: Vite marks its injected inline script and <style> tags with this nonce.
  ...(command === 'serve' ? { html: { cspNonce: DEV_NONCE } } : {}),
  build: { chunkSizeWarningLimit: 4096 },
  // The training Worker code-splits (wasm backend, dataset chunks): ES module workers only.
  worker: { format: 'es' },
  test: {
    include: ['src/**/*.test.{ts,tsx}', 'nodes/**/*.test.ts', 'templates/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
}));
