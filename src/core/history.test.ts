import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canRedo, canUndo, commit, createHistory, type History, redo, seal, undo } from './history.ts';

interface Doc {
  title: string;
  items: Record<string, { n: number; tags: string[] }>;
}

const start: Doc = { title: 't', items: { a: { n: 1, tags: [] } } };

describe('history', () => {
  it('undoes and redoes a named step', () => {
    let h = createHistory(start);
    h = commit(h, 'Set n', (d) => {
      d.items.a!.n = 2;
    });
    expect(h.present.items.a!.n).toBe(2);
    expect(h.past[0]!.label).toBe('Set n');
    h = undo(h);
    expect(h.present).toEqual(start);
    expect(canRedo(h)).toBe(true);
    h = redo(h);
    expect(h.present.items.a!.n).toBe(2);
  });

  it('records nothing for a no-op recipe', () => {
    const h = createHistory(start);
    expect(commit(h, 'noop', () => undefined)).toBe(h);
  });

  it('coalesces edits with the same key inside the window, until sealed', () => {
    let h = createHistory(start);
    for (let i = 0; i < 5; i++)
      h = commit(
        h,
        'Type',
        (d) => {
          d.title += String(i);
        },
        { coalesce: 'title', now: 1000 + i * 100 },
      );
    expect(h.past).toHaveLength(1);
    expect(h.present.title).toBe('t01234');
    h = seal(h);
    h = commit(
      h,
      'Type',
      (d) => {
        d.title += 'x';
      },
      { coalesce: 'title', now: 1500 },
    );
    expect(h.past).toHaveLength(2);
    h = undo(undo(h));
    expect(h.present).toEqual(start);
    // Outside the window: a new step.
    let g = commit(
      createHistory(start),
      'a',
      (d) => {
        d.title = 'a';
      },
      { coalesce: 'k', now: 0 },
    );
    g = commit(
      g,
      'b',
      (d) => {
        d.title = 'b';
      },
      { coalesce: 'k', now: 5000 },
    );
    expect(g.past).toHaveLength(2);
  });

  it('a recipe may return a whole new document (load) and undo restores the old one', () => {
    let h = createHistory(start);
    const other: Doc = { title: 'other', items: {} };
    h = commit(h, 'Load', () => other);
    expect(h.present).toEqual(other);
    expect(undo(h).present).toEqual(start);
  });

  it('drops the oldest steps past the limit', () => {
    let h = createHistory(start, 3);
    for (let i = 0; i < 5; i++)
      h = commit(h, `s${i}`, (d) => {
        d.title = `v${i}`;
      });
    expect(h.past.map((e) => e.label)).toEqual(['s2', 's3', 's4']);
  });

  it('property: undo-all restores the original; redo-all then reaches the newest document', () => {
    type Op =
      | { kind: 'set'; key: string; n: number }
      | { kind: 'del'; key: string }
      | { kind: 'tag'; key: string; tag: string }
      | { kind: 'title'; title: string; coalesce: boolean }
      | { kind: 'undo' }
      | { kind: 'redo' };
    const key = fc.constantFrom('a', 'b', 'c', 'd');
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key, n: fc.integer() }),
      fc.record({ kind: fc.constant('del' as const), key }),
      fc.record({ kind: fc.constant('tag' as const), key, tag: fc.string({ maxLength: 3 }) }),
      fc.record({
        kind: fc.constant('title' as const),
        title: fc.string({ maxLength: 4 }),
        coalesce: fc.boolean(),
      }),
      fc.constant({ kind: 'undo' as const }),
      fc.constant({ kind: 'redo' as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const original = structuredClone(start);
        let h: History<Doc> = createHistory(original);
        let t = 0;
        for (const o of ops) {
          t += 200;
          if (o.kind === 'undo') h = undo(h);
          else if (o.kind === 'redo') h = redo(h);
          else
            h = commit(
              h,
              o.kind,
              (d) => {
                if (o.kind === 'set') d.items[o.key] = { n: o.n, tags: d.items[o.key]?.tags ?? [] };
                else if (o.kind === 'del') delete d.items[o.key];
                else if (o.kind === 'tag') d.items[o.key]?.tags.push(o.tag);
                else if (o.kind === 'title') d.title = o.title;
              },
              o.kind === 'title' && o.coalesce ? { coalesce: 'title', now: t } : { now: t },
            );
        }
        let tip = h;
        while (canRedo(tip)) tip = redo(tip);
        let back = h;
        while (canUndo(back)) back = undo(back);
        expect(back.present).toEqual(original);
        let fwd = back;
        while (canRedo(fwd)) fwd = redo(fwd);
        expect(fwd.present).toEqual(tip.present);
      }),
      { numRuns: 300 },
    );
  });
});
