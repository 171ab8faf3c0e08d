// zod 4 probes the Function constructor to decide whether to JIT its object parsers. Under the app's
// Content-Security-Policy (no eval: vite.config.ts) that probe is refused and reported as a
// violation, so the app and the Worker run zod without the JIT. Import this module first.
import { z } from 'zod';

z.config({ jitless: true });
