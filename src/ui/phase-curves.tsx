// What the curves show of a phased run: a dashed separator where each phase starts, and the
// learning-rate trace — one line per optimizer group id, its effective rate per epoch (base rate ×
// lrScale, mean over the epoch), as the Worker reports it.
import type { EpochMetrics } from '../trainer/protocol.ts';
import { LineChart, type Series } from './line-chart.tsx';

type Separator = { readonly x: number; readonly label: string };

/** A separator half an epoch before each epoch whose phase differs from the one before it. */
export const phaseSeparators = (epochs: readonly Pick<EpochMetrics, 'epoch' | 'stage'>[]): Separator[] =>
  epochs.flatMap((e, i) =>
    i > 0 && e.stage !== epochs[i - 1]!.stage ? [{ x: e.epoch - 0.5, label: e.stage }] : [],
  );

const COLORS = ['#2471a3', '#c0392b', '#27ae60', '#8e44ad', '#d35400', '#16a085', '#7f8c8d'];

/** One series per optimizer group id, in the order the ids first appear. */
export function lrSeries(epochs: readonly Pick<EpochMetrics, 'epoch' | 'lr'>[]): Series[] {
  const byId = new Map<string, [number, number][]>();
  for (const e of epochs)
    for (const [id, lr] of Object.entries(e.lr ?? {})) {
      if (!byId.has(id)) byId.set(id, []);
      byId.get(id)!.push([e.epoch, lr]);
    }
  return [...byId].map(([id, points], i) => ({ name: id, color: COLORS[i % COLORS.length]!, points }));
}

export function LrTrace({ epochs }: { epochs: readonly EpochMetrics[] }) {
  return (
    <LineChart
      yLabel="learning rate per group"
      testId="lr-trace"
      separators={phaseSeparators(epochs)}
      series={lrSeries(epochs)}
    />
  );
}
