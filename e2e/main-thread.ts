// Main-thread work of the page while an action runs, from a Chromium trace. Each task's wall time
// (what PerformanceObserver('longtask') reports) stretches when other processes hold the CPU, so
// the trace's thread time (`tdur`: CPU the main thread actually spent on the task) is what the
// app is accountable for on a shared machine; both are reported.
import type { Page } from '@playwright/test';

export interface MainThreadWork<T> {
  readonly result: T;
  /** Tasks on the renderer's main thread during the action. */
  readonly tasks: number;
  /** Wall ms of each task ≥ 50 ms (the 'longtask' definition). */
  readonly wallLongMs: readonly number[];
  /** CPU ms of each task that spent ≥ 50 ms of main-thread CPU: work the app must split or move. */
  readonly cpuLongMs: readonly number[];
  readonly maxCpuMs: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: { message?: string } };
}

const LONG_MS = 50;

/**
 * `opts.after`: count only the tasks that start after the page called console.timeStamp(after)
 * (a state the action reaches, e.g. a large document shown while it is still checked).
 */
export async function mainThreadWork<T>(
  page: Page,
  action: () => Promise<T>,
  opts: { after?: string } = {},
): Promise<MainThreadWork<T>> {
  const browser = page.context().browser();
  if (!browser) throw new Error('mainThreadWork needs a launched browser (tracing is per browser)');
  await browser.startTracing(page, {
    categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'],
  });
  let result: T;
  let buffer: Buffer;
  try {
    result = await action();
  } finally {
    buffer = await browser.stopTracing();
  }
  const events = (JSON.parse(buffer.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const mains = new Set(
    events
      .filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  // One page: its renderer's main thread is the CrRendererMain with the most tasks.
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events)
    if (e.name === 'RunTask' && e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`)) {
      const k = `${e.pid}:${e.tid}`;
      byThread.set(k, [...(byThread.get(k) ?? []), e]);
    }
  const all = [...byThread.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  const marker = opts.after
    ? events.find((e) => e.name === 'TimeStamp' && e.args?.data?.message === opts.after)?.ts
    : undefined;
  if (opts.after && marker === undefined)
    throw new Error(`no console.timeStamp('${opts.after}') in the trace`);
  const tasks = marker === undefined ? all : all.filter((t) => (t.ts ?? 0) >= marker);
  const ms = (us: number | undefined) => Math.round((us ?? 0) / 100) / 10;
  return {
    result: result!,
    tasks: tasks.length,
    wallLongMs: tasks.map((t) => ms(t.dur)).filter((d) => d >= LONG_MS),
    cpuLongMs: tasks.map((t) => ms(t.tdur)).filter((d) => d >= LONG_MS),
    maxCpuMs: Math.max(0, ...tasks.map((t) => ms(t.tdur))),
  };
}
