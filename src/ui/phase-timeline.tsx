// The training procedure's phases as a strip in the Train panel: each phase's name, epochs, what
// it trains (frozen groups run in inference mode) and, once it has started, its training sample
// count; the phase training now marked. Each phase is a toggle button: pressing one shows on the
// canvas what that phase freezes and which heads it leaves out (view state, not an edit).
import { scheduleText } from '../core/copies.ts';
import type { IRPhase } from '../core/ir.ts';

export interface PhaseTimelineProps {
  readonly phases: readonly IRPhase[];
  /** Epochs reported so far per phase name (the running phase is the last one with reports). */
  readonly done: Readonly<Record<string, number>>;
  readonly current: string | undefined;
  /** Training samples per phase name, as the Worker reported them when each phase started. */
  readonly samples?: Readonly<Record<string, number>>;
  /** The phase shown on the canvas (undefined: none). */
  readonly selected?: string | undefined;
  /** Pressing a phase selects it; pressing the selected one again clears the selection. */
  readonly onSelect?: (phase: string | undefined) => void;
}

const trains = (p: IRPhase) =>
  p.kind === 'fit'
    ? `fits ${(p.fit ?? []).join(', ')}`
    : p.groups.length
      ? p.groups.join(', ')
      : 'all groups';

/** A gradient phase's store refreshes as the strip prints them: `target ← q /50 steps`. */
export const refreshesText = (rs: NonNullable<IRPhase['refreshes']>): string =>
  rs.map((r) => `${r.store} ← ${r.from} /${r.every === 'epoch' ? 'epoch' : `${r.every} steps`}`).join(', ');

/** A gradient phase's refits as the strip prints them: `sdm /epoch`. */
export const refitsText = (rs: NonNullable<IRPhase['refits']>): string =>
  rs.map((r) => `${r.node} /${r.every === 'epoch' ? 'epoch' : `${r.every} steps`}`).join(', ');

/** Per-epoch data fractions as the strip prints them: `0.25 0.5 1 0.5 …` (at most 8, then the count). */
export const fractionsText = (f: readonly number[]): string =>
  f.length > 8 ? `${f.slice(0, 8).join(' ')} … (${f.length} epochs)` : f.join(' ');

function phaseSummary(p: IRPhase): string {
  // A fit phase: one inference pass, then a closed-form solve of each listed node.
  if (p.kind === 'fit')
    return [
      `fit (closed form, one pass) of ${(p.fit ?? []).join(', ')}`,
      ...(p.overrides ? [`overrides ${Object.keys(p.overrides).join(', ')}`] : []),
      ...(p.heads ? [`heads ${p.heads.join(', ')}`] : []),
    ].join(' · ');
  if (p.kind === 'copy') return `copies group ${p.copy?.from} onto ${p.copy?.to} once (a frozen teacher)`;
  if (p.kind === 'refresh')
    return `refreshes store ${p.refresh?.store} from node ${p.refresh?.from} (one inference pass over the training rows)`;
  const parts = [`${p.epochs} epoch${p.epochs === 1 ? '' : 's'}`, `trains ${trains(p)}`];
  const named = p.optimizers.filter((o) => !o.id.startsWith('#'));
  if (named.length) parts.push(`optimizers ${named.map((o) => o.id).join(', ')}`);
  if (p.heads) parts.push(`heads ${p.heads.join(', ')}`);
  if (p.overrides) parts.push(`overrides ${Object.keys(p.overrides).join(', ')}`);
  if (p.data?.dataset) parts.push(`data ${p.data.dataset.name}`);
  if (p.data?.fractions) parts.push(`data size per epoch ${fractionsText(p.data.fractions)}`);
  if (p.data?.weights)
    parts.push(`rows drawn ∝ score of store ${p.data.weights.store} (${p.data.weights.order} first)`);
  for (const c of p.copies ?? []) parts.push(`EMA ${c.from} → ${c.to}, τ ${scheduleText(c.tau)}`);
  for (const r of p.refreshes ?? [])
    parts.push(
      `refreshes store ${r.store} from node ${r.from} every ${r.every === 'epoch' ? 'epoch' : `${r.every} optimizer steps`}`,
    );
  for (const r of p.refits ?? [])
    parts.push(
      `refits node ${r.node} (closed form) every ${r.every === 'epoch' ? 'epoch' : `${r.every} optimizer steps`}`,
    );
  return parts.join(' · ');
}

export function PhaseTimeline({
  phases,
  done,
  current,
  samples = {},
  selected,
  onSelect,
}: PhaseTimelineProps) {
  return (
    <ol className="phase-timeline" data-testid="phase-timeline" aria-label="Training phases">
      {phases.map((p) => {
        const n = samples[p.name];
        return (
          <li key={p.name} className="phase-item">
            <button
              type="button"
              data-testid={`phase-${p.name}`}
              className={['phase', p.name === current ? 'current' : '', p.name === selected ? 'selected' : '']
                .filter(Boolean)
                .join(' ')}
              aria-current={p.name === current ? 'step' : undefined}
              aria-pressed={p.name === selected}
              title={`${phaseSummary(p)} — press to show on the canvas what this phase freezes`}
              onClick={() => onSelect?.(p.name === selected ? undefined : p.name)}
            >
              <strong>{p.name}</strong>{' '}
              {p.kind === 'fit' && (
                <span className="phase-fit" data-testid={`phase-fit-${p.name}`}>
                  Fit
                </span>
              )}
              {p.kind === 'copy' ? (
                <span className="phase-copy" data-testid={`phase-copy-${p.name}`}>
                  copy {p.copy?.from} → {p.copy?.to}
                </span>
              ) : p.kind === 'refresh' ? (
                <span className="phase-refresh" data-testid={`phase-refresh-${p.name}`}>
                  refresh store {p.refresh?.store} ← {p.refresh?.from}
                </span>
              ) : (
                <>
                  <span className="phase-epochs">
                    {done[p.name] ?? 0}/{p.epochs}
                  </span>
                  <span className="phase-groups">{trains(p)}</span>
                  {p.data?.fractions && (
                    <span className="phase-sizes" data-testid={`phase-sizes-${p.name}`}>
                      size/epoch {fractionsText(p.data.fractions)}
                    </span>
                  )}
                  {p.data?.weights && (
                    <span className="phase-weights" data-testid={`phase-weights-${p.name}`}>
                      ∝ {p.data.weights.store} ({p.data.weights.order})
                    </span>
                  )}
                  {p.refreshes?.length ? (
                    <span className="phase-refresh" data-testid={`phase-refreshes-${p.name}`}>
                      refresh {refreshesText(p.refreshes)}
                    </span>
                  ) : null}
                  {p.refits?.length ? (
                    <span className="phase-refit" data-testid={`phase-refits-${p.name}`}>
                      refit {refitsText(p.refits)}
                    </span>
                  ) : null}
                  {p.copies?.map((c) => (
                    <span key={c.to} className="phase-copy" data-testid={`phase-ema-${p.name}`}>
                      EMA → {c.to} τ {scheduleText(c.tau)}
                    </span>
                  ))}
                </>
              )}
              <span className="phase-samples" data-testid={`phase-samples-${p.name}`}>
                {n === undefined ? '— samples' : `${n.toLocaleString('en-US')} samples`}
              </span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}
