// The analysis Worker: whole-graph analysis (migration, validation, shape inference, budgets) of
// large documents off the main thread (issue #19), so the canvas stays responsive while a
// 10,000-node graph is checked. It runs the same pure src/core code the editor runs for small
// documents (answerAnalyseRequest); src/app/analysis-client.ts posts requests in slices and keeps
// only the newest revision's answer.
import '../browser/zod-jitless.ts';
import { browserRegistry } from '../browser/registry.ts';
import {
  type AnalyseRequest,
  answerAnalyseRequest,
  RequestAssembler,
  responseMessages,
  type ToAnalysisWorker,
} from '../core/analysis/wire.ts';

const registry = browserRegistry();
const assembler = new RequestAssembler();
let pending: AnalyseRequest | undefined;

/** Analyses the newest whole request; older ones completed meanwhile were replaced (stale revisions). */
function runPending(): void {
  const req = pending;
  pending = undefined;
  if (!req) return;
  const post = (self as unknown as Worker).postMessage.bind(self);
  for (const m of responseMessages(answerAnalyseRequest(req, registry))) post(m);
}

self.onmessage = (e: MessageEvent<ToAnalysisWorker>) => {
  const req = assembler.add(e.data);
  if (!req) return;
  const first = pending === undefined;
  if (!pending || req.rev > pending.rev) pending = req;
  // After the messages already queued are delivered (each may replace `pending`), analyse once.
  if (first) setTimeout(runPending, 0);
};
