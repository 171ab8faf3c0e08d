// The training procedure's phases as a strip in the Train panel: each phase's name, epochs and what
// it trains (frozen groups run in inference mode), the phase training now marked, finished ones
// with their epoch count so far.
import type { IRPhase } from '../core/ir.ts';

export interface PhaseTimelineProps {
  readonly phases: readonly IRPhase[];
  /** Epochs reported so far per phase name (the running phase is the last one with reports). */
  readonly done: Readonly<Record<string, number>>;
  readonly current: string | undefined;
}

const trains = (p: IRPhase) => (p.groups.length ? p.groups.join(', ') : 'all groups');

function phaseSummary(p: IRPhase): string {
  const parts = [`${p.epochs} epoch${p.epochs === 1 ? '' : 's'}`, `trains ${trains(p)}`];
  const named = p.optimizers.filter((o) => !o.id.startsWith('#'));
  if (named.length) parts.push(`optimizers ${named.map((o) => o.id).join(', ')}`);
  if (p.heads) parts.push(`heads ${p.heads.join(', ')}`);
  if (p.overrides) parts.push(`overrides ${Object.keys(p.overrides).join(', ')}`);
  return parts.join(' · ');
}

export function PhaseTimeline({ phases, done, current }: PhaseTimelineProps) {
  return (
    <ol className="phase-timeline" data-testid="phase-timeline" aria-label="Training phases">
      {phases.map((p) => (
        <li
          key={p.name}
          data-testid={`phase-${p.name}`}
          className={p.name === current ? 'phase current' : 'phase'}
          aria-current={p.name === current ? 'step' : undefined}
          title={phaseSummary(p)}
        >
          <strong>{p.name}</strong>{' '}
          <span className="phase-epochs">
            {done[p.name] ?? 0}/{p.epochs}
          </span>
          <span className="phase-groups">{trains(p)}</span>
        </li>
      ))}
    </ol>
  );
}
