// The editor's handle on the analysis Worker (src/app/analysis-worker.ts): large documents are
// analysed there, off the main thread (issue #19). Each request carries a revision; an answer for
// an older revision than the newest one asked is dropped (the Worker also skips requests a newer
// one replaced while it was busy), so a stale analysis never replaces a newer document's.
import type { Analysis } from '../core/analysis/analyse.ts';
import type { MemoryBudget } from '../core/analysis/budget.ts';
import { type AnalyseRequest, type AnalyseResponse, analysisFromWire } from '../core/analysis/wire.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import type { Registry } from '../core/registry.ts';

/** Analysis that answers later: `undefined` when a newer request superseded this one. */
export interface AsyncAnalyser {
  analyse(doc: GraphDoc, memory: MemoryBudget): Promise<Analysis | undefined>;
  dispose(): void;
}

interface Waiting {
  resolve(a: Analysis | undefined): void;
  reject(e: Error): void;
}

/** An AsyncAnalyser on a module Worker; undefined where Workers do not exist (tests, old browsers). */
export function workerAnalyser(registry: Registry): AsyncAnalyser | undefined {
  if (typeof Worker === 'undefined') return undefined;
  const worker = new Worker(new URL('./analysis-worker.ts', import.meta.url), { type: 'module' });
  let rev = 0;
  const waiting = new Map<number, Waiting>();
  worker.onmessage = (e: MessageEvent<AnalyseResponse>) => {
    const answered = e.data.rev;
    for (const [r, w] of [...waiting]) {
      if (r > answered) continue;
      waiting.delete(r);
      w.resolve(r === answered ? analysisFromWire(e.data.analysis, registry) : undefined);
    }
  };
  worker.onerror = (e) => {
    e.preventDefault();
    const err = new Error(e.message || 'the analysis Worker failed');
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  return {
    analyse(doc, memory) {
      const req: AnalyseRequest = { rev: ++rev, doc, memory };
      return new Promise((resolve, reject) => {
        waiting.set(req.rev, { resolve, reject });
        worker.postMessage(req);
      });
    },
    dispose() {
      worker.terminate();
      for (const w of waiting.values()) w.resolve(undefined);
      waiting.clear();
    },
  };
}
