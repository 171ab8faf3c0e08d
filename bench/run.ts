// `npm run bench`: runs every benchmark, writes bench/results/<name>.json, prints a summary.
// Benchmarks report; they never fail CI on a time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadRegistry } from '../src/node/discover-nodes.ts';
import { analysisTiming, compiledVsHandWritten, flopEfficiency, handLenet, handMlp } from './core-bench.ts';
import { hostileLimits } from './hostile-bench.ts';
import { kanBench } from './kan-bench.ts';

tf.env().set('PROD', true);
const quick = process.argv.includes('--quick');
const steps = quick ? 5 : 20;
const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
const registry = await loadRegistry();
const machine = {
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  date: new Date().toISOString(),
};

const save = (name: string, data: unknown) => {
  writeFileSync(
    join(out, `${name}.json`),
    `${JSON.stringify({ machine, ...((data as object) ?? {}) }, null, 2)}\n`,
  );
  console.log(`${name}: ${JSON.stringify(data)}`);
};

save('analysis', analysisTiming(registry));
save('hostile-limits', await hostileLimits(registry));
save('compiled-vs-handwritten', {
  goal: 'ratio ≤ 1.02',
  runs: [
    await compiledVsHandWritten(registry, 'mlp-mnist', handMlp, 'wasm', 32, steps),
    await compiledVsHandWritten(registry, 'mlp-mnist', handMlp, 'cpu', 32, steps),
    await compiledVsHandWritten(registry, 'lenet-5', handLenet, 'wasm', 32, steps),
    await compiledVsHandWritten(registry, 'lenet-5', handLenet, 'cpu', 32, Math.max(3, steps >> 2)),
  ],
});
save('flop-efficiency', { goal: 'efficiency ≥ 0.6', ...(await flopEfficiency(registry, quick ? 3 : 10)) });
const kan = await kanBench(registry, quick);
save('kan-vs-dense', kan.kanVsDense);
save('attention-vs-handwritten', kan.attentionVsHandWritten);
