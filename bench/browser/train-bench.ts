// In-page training benchmark (driven by bench/browser-bench.ts through Playwright): per backend,
// ms per train step of mlp-mnist and lenet-5 in the Worker, and main-thread long tasks (> 50 ms)
// while training runs. Results go to window.benchResult.

import { createTrainerClient, type RunEvent } from '../../src/app/trainer-client.ts';
import { browserRegistry } from '../../src/browser/registry.ts';
import { analyse } from '../../src/core/analysis/analyse.ts';
import { parseGraphValue } from '../../src/core/doc/parse.ts';
import { lowerGraph } from '../../src/core/lower.ts';
import type { BackendName } from '../../src/trainer/protocol.ts';
import lenet from '../../templates/lenet-5.graph.json';
import mlp from '../../templates/mlp-mnist.graph.json';

const registry = browserRegistry();
const irOf = (raw: unknown) => lowerGraph(analyse(parseGraphValue(raw).doc!, registry), registry).ir!;
const params = new URLSearchParams(location.search);
const backends = (params.get('backends') ?? 'wasm,webgl,cpu,webgpu').split(',') as BackendName[];
const steps = Number(params.get('steps') ?? 20);

/** Main-thread long tasks (> 50 ms), with start times, to count those inside a training window. */
const longTasks: { start: number; duration: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
}).observe({ type: 'longtask', buffered: false });

/** Two epochs of `steps` batches without validation; the second epoch's ms ÷ steps (warm). */
function stepMs(backend: BackendName, raw: unknown, batchSize: number) {
  const client = createTrainerClient(backend);
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    client.backend.then((info) => {
      const epochs: number[] = [];
      const ir = irOf(raw);
      let started = 0;
      client.train(
        ir,
        { epochs: 2, batchSize, seed: 1, maxBatchesPerEpoch: steps, validate: false },
        (e: RunEvent) => {
          if (e.type === 'started') started = performance.now();
          if (e.type === 'epoch') epochs.push(e.metrics.ms);
          if (e.type === 'error') reject(new Error(e.message));
          if (e.type === 'done') {
            const end = performance.now();
            const inRun = longTasks.filter((t) => t.start >= started && t.start <= end);
            client.dispose();
            resolve({
              backend: info.backend,
              adapter: info.adapter,
              reason: info.reason,
              msPerStep: epochs[1]! / steps,
              longTasks: inRun.length,
              longTaskMs: Math.round(inRun.reduce((s, t) => s + t.duration, 0)),
            });
          }
        },
      );
    }, reject);
  });
}

async function main() {
  const rows: Record<string, unknown>[] = [];
  for (const [name, raw] of [
    ['mlp-mnist', mlp],
    ['lenet-5', lenet],
  ] as const) {
    for (const b of backends) {
      try {
        rows.push({ template: name, ...(await stepMs(b, raw, 32)) });
      } catch (e) {
        rows.push({ template: name, backend: b, error: (e as Error).message });
      }
    }
  }
  const out = { userAgent: navigator.userAgent, steps, rows };
  (window as unknown as { benchResult: unknown }).benchResult = out;
  document.getElementById('out')!.textContent = JSON.stringify(out, null, 2);
}
main();
