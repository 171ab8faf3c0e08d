#!/usr/bin/env node
// `npx netwright <command>` — runs the TypeScript CLI (src/cli/main.ts) through tsx's ESM loader,
// so no build step is needed. The CLI runs on import and sets the exit code itself.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
