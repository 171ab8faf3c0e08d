import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
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
});
