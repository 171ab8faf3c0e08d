// The Train panel's epoch table: per epoch the loss and every metric node on the training and
// validation splits (whole-split metrics — F1, Dice, Jaccard, Hamming, ECE — as the trainer
// finalised them, not batch means), and the last epoch's per-label scores of multi-label metrics.
import type { ModelIR } from '../core/ir.ts';
import type { EpochMetrics } from '../trainer/protocol.ts';

const fmt = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(4));

export function EpochTable({ epochs, ir }: { epochs: readonly EpochMetrics[]; ir: ModelIR | undefined }) {
  const ids = [...new Set(epochs.flatMap((e) => Object.keys({ ...e.metrics, ...e.valMetrics })))];
  if (!epochs.length || !ids.length) return null;
  const typeOf = (id: string) => ir?.metrics.find((m) => m.id === id)?.type ?? '';
  const hasVal = epochs.some((e) => e.valMetrics);
  const perLabel = Object.entries(epochs.at(-1)!.perLabel ?? {});
  return (
    <div className="epoch-table-wrap">
      <table className="epoch-table" data-testid="epoch-table">
        <thead>
          <tr>
            <th>epoch</th>
            <th>loss</th>
            {hasVal && <th>val loss</th>}
            {ids.flatMap((id) => [
              <th key={id} title={typeOf(id)}>
                {id}
              </th>,
              ...(hasVal
                ? [
                    <th key={`val-${id}`} title={typeOf(id)}>
                      val {id}
                    </th>,
                  ]
                : []),
            ])}
          </tr>
        </thead>
        <tbody>
          {epochs.map((e) => (
            <tr key={e.epoch}>
              <td>{e.epoch}</td>
              <td>{fmt(e.loss)}</td>
              {hasVal && <td>{fmt(e.valLoss)}</td>}
              {ids.flatMap((id) => [
                <td key={id} data-testid={`epoch-${e.epoch}-${id}`}>
                  {fmt(e.metrics?.[id])}
                </td>,
                ...(hasVal
                  ? [
                      <td key={`val-${id}`} data-testid={`epoch-${e.epoch}-val-${id}`}>
                        {fmt(e.valMetrics?.[id])}
                      </td>,
                    ]
                  : []),
              ])}
            </tr>
          ))}
        </tbody>
      </table>
      {perLabel.map(([id, scores]) => (
        <table key={id} className="per-label" data-testid={`per-label-${id}`}>
          <caption>
            {id} per label ({hasVal ? 'validation' : 'training'} split, epoch {epochs.at(-1)!.epoch})
          </caption>
          <tbody>
            <tr>
              <th>label</th>
              {scores.map((_, l) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: labels are positions
                <th key={l}>{l}</th>
              ))}
            </tr>
            <tr>
              <th>{id}</th>
              {scores.map((v, l) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: labels are positions
                <td key={l} data-testid={`per-label-${id}-${l}`}>
                  {v.toFixed(3)}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      ))}
    </div>
  );
}
