// The analysis Worker: whole-graph analysis (migration, validation, shape inference, budgets) of
// large documents off the main thread (issue #19), so the canvas stays responsive while a
// 10,000-node graph is checked. It runs the same pure src/core code the editor runs for small
// documents (answerAnalyseRequest); src/app/analysis-client.ts posts requests and keeps only the
// newest revision's answer.
import '../browser/zod-jitless.ts';
import { browserRegistry } from '../browser/registry.ts';
import { type AnalyseRequest, answerAnalyseRequest } from '../core/analysis/wire.ts';

const registry = browserRegistry();
let pending: AnalyseRequest | undefined;

/** Analyses the newest request; older ones that queued meanwhile were replaced (stale revisions). */
function runPending(): void {
  const req = pending;
  pending = undefined;
  if (req) (self as unknown as Worker).postMessage(answerAnalyseRequest(req, registry));
}

self.onmessage = (e: MessageEvent<AnalyseRequest>) => {
  const first = pending === undefined;
  if (!pending || e.data.rev > pending.rev) pending = e.data;
  // After the messages already queued are delivered (each replaces `pending`), analyse once.
  if (first) setTimeout(runPending, 0);
};
