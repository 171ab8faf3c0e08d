// The editor's handle on the analysis Worker (src/app/analysis-worker.ts): large documents are
// analysed there, off the main thread (issue #19). Each request carries a revision; an answer for
// an older revision than the newest one asked is dropped (the Worker also skips requests a newer
// one replaced while it was busy), so a stale analysis never replaces a newer document's.
import type { Analysis } from '../core/analysis/analyse.ts';
import type { MemoryBudget } from '../core/analysis/budget.ts';
import { type FromAnalysisWorker, ResponseAssembler, requestMessages } from '../core/analysis/wire.ts';
import type { GraphDoc } from '../core/doc/schema.ts';
import type { Registry } from '../core/registry.ts';

/** Analysis that answers later: `undefined` when a newer request superseded this one. */
export interface AsyncAnalyser {
  analyse(doc: GraphDoc, memory: MemoryBudget): Promise<Analysis | undefined>;
  dispose(): void;
}

interface Waiting {
  readonly doc: GraphDoc;
  resolve(a: Analysis | undefined): void;
  reject(e: Error): void;
}

/** Lets other tasks run (input, rendering) between two slices of a message. */
const nextTask = () => new Promise<void>((r) => setTimeout(r, 0));

/** An AsyncAnalyser on a module Worker; undefined where Workers do not exist (tests, old browsers). */
export function workerAnalyser(registry: Registry): AsyncAnalyser | undefined {
  if (typeof Worker === 'undefined') return undefined;
  const worker = new Worker(new URL('./analysis-worker.ts', import.meta.url), { type: 'module' });
  let rev = 0;
  const waiting = new Map<number, Waiting>();
  const assembler = new ResponseAssembler(registry);
  worker.onmessage = (e: MessageEvent<FromAnalysisWorker>) => {
    const w = waiting.get(e.data.rev);
    if (!w) return; // superseded: nobody waits for it
    const done = assembler.add(e.data, w.doc);
    if (!done) return;
    for (const [r, other] of [...waiting]) {
      if (r > done.rev) continue;
      waiting.delete(r);
      other.resolve(r === done.rev ? done.analysis : undefined);
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
      const myRev = ++rev;
      const answer = new Promise<Analysis | undefined>((resolve, reject) => {
        waiting.set(myRev, { doc, resolve, reject });
      });
      // Slices in separate tasks; a newer request stops an older one's sending.
      void (async () => {
        for (const m of requestMessages({ rev: myRev, doc, memory })) {
          if (myRev !== rev) {
            waiting.get(myRev)?.resolve(undefined);
            waiting.delete(myRev);
            return;
          }
          worker.postMessage(m);
          await nextTask();
        }
      })();
      return answer;
    },
    dispose() {
      worker.terminate();
      for (const w of waiting.values()) w.resolve(undefined);
      waiting.clear();
    },
  };
}
