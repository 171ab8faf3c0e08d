// The run's ETA (issue 17): a slow first batch (kernel compilation) must not inflate it, and the
// validation at the end of each epoch is counted. Checked against a synthetic clock whose answer
// is known in closed form: batches of 50 ms after a 5 s first batch, validations of 400 ms.
import { describe, expect, it } from 'vitest';
import { PhaseProgress, RunEta } from '../trainer/eta.ts';

/** Feeds `eta` batches 1..upTo of a run of `epochs` × `perEpoch`, as the clock above runs them. */
function play(eta: RunEta, perEpoch: number, upTo: number, validation = 400) {
  let now = 5_000; // the first batch ends after 5 s of compiling
  eta.batch(now, 1);
  for (let done = 2; done <= upTo; done++) {
    now += 50;
    eta.batch(now, done);
    if (done % perEpoch === 0) {
      now += validation;
      eta.epoch(now);
    }
  }
  return now;
}

describe('RunEta', () => {
  it('says nothing until two batches after the first are timed', () => {
    const eta = new RunEta(300, 3, true);
    eta.batch(5_000, 1);
    expect(eta.seconds()).toBeUndefined();
    eta.batch(5_050, 2);
    expect(eta.seconds()).toBeUndefined();
    eta.batch(5_100, 3);
    expect(eta.seconds()).toBeDefined();
  });

  it('leaves the warm-up batch out of the rate', () => {
    const eta = new RunEta(300, 3, false);
    play(eta, 100, 10);
    // 290 batches left at 50 ms; the 5 s first batch (a naive elapsed/done gives 290 × 0.545 s = 158 s) is not in it.
    expect(eta.seconds()).toBeCloseTo(290 * 0.05, 9);
  });

  it('counts the validations left, estimated before the first and measured after it', () => {
    const eta = new RunEta(300, 3, true);
    play(eta, 100, 50);
    // Not yet measured: a tenth of an epoch's batch time (100 × 50 ms / 10 = 0.5 s) per validation.
    expect(eta.seconds()).toBeCloseTo(250 * 0.05 + 3 * 0.5, 9);
    const measured = new RunEta(300, 3, true);
    play(measured, 100, 150);
    // One validation of 400 ms measured; two to go, and 150 batches.
    expect(measured.seconds()).toBeCloseTo(150 * 0.05 + 2 * 0.4, 9);
  });

  it('while the last validation runs the ETA is that validation, not zero', () => {
    const eta = new RunEta(200, 2, true);
    play(eta, 100, 199);
    eta.batch(5_000 + 198 * 50 + 400 + 50, 200); // the last batch; its validation starts
    expect(eta.seconds()).toBeCloseTo(0.4, 9);
    eta.epoch(5_000 + 199 * 50 + 2 * 400);
    expect(eta.seconds()).toBeCloseTo(0, 9);
  });
});

describe('PhaseProgress', () => {
  it('a phase with sampled epochs (data.fractions) counts the batches of each epoch; a refresh phase (0 epochs) none', () => {
    // 'scorer' 2 × 4 batches, 'score' (refresh, 0 epochs), 'cycle' epochs of 1, 2, 4, 2 batches: 8 + 9 = 17.
    const p = new PhaseProgress([2, 0, 4]);
    p.startPhase(4);
    for (let e = 0; e < 2; e++) p.endEpoch();
    expect(p.done(0)).toBe(8);
    p.startPhase(1);
    p.startPhase(4, [1, 2, 4, 2]);
    expect(p.total()).toBe(17);
    const ends: number[] = [];
    for (const n of [1, 2, 4, 2]) {
      expect(p.done(n)).toBe(8 + ends.reduce((a, b) => a + b, 0) + n);
      p.endEpoch();
      ends.push(n);
    }
    expect(p.done(0)).toBe(17);
  });

  it('counts batches across phases of different sizes; the total is exact once every phase has started', () => {
    // Phases of 2, 1 and 3 epochs with 15, 4 and 8 batches per epoch: 2·15 + 4 + 3·8 = 58 batches.
    const plan = [
      { epochs: 2, batches: 15 },
      { epochs: 1, batches: 4 },
      { epochs: 3, batches: 8 },
    ];
    const p = new PhaseProgress(plan.map((x) => x.epochs));
    const seen: number[] = [];
    const totals: number[] = [];
    for (const { epochs, batches } of plan) {
      p.startPhase(batches);
      totals.push(p.total());
      for (let e = 0; e < epochs; e++) {
        for (let b = 1; b <= batches; b++) seen.push(p.done(b));
        p.endEpoch();
      }
    }
    // Every batch counted once, in order: 1, 2, …, 58.
    expect(seen).toEqual(Array.from({ length: 58 }, (_, i) => i + 1));
    // Phases not yet started are estimated at the current phase's size: 6·15, then 2·15 + 4 + 3·4, then exact.
    expect(totals).toEqual([90, 46, 58]);
  });
});
