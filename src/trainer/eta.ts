// Time left in a training run, from the batches and validations seen so far. The first batch of a
// run is left out of the rate: it includes compiling the kernels (WebGPU shaders took seconds, so
// the first ETA read 1,411 s), and validation time is counted per epoch, so the estimate does not
// sit at zero while the last validation runs. Pure (clock passed in), so it is unit-tested.

export class RunEta {
  /** When the first (warm-up) batch ended, and batches done since it, not counting validation. */
  private warmEnd: number | undefined;
  private steadyBatches = 0;
  private steadyMs = 0;
  private lastBatchEnd: number | undefined;
  private validationMs = 0;
  private validations = 0;
  private done = 0;
  private epochsDone = 0;

  constructor(
    private totalBatches: number,
    private readonly totalEpochs: number,
    /** Whether each epoch ends with a validation pass. */
    private readonly validates: boolean,
  ) {}

  /** The run's batch count changed (a later phase's data turned out larger or smaller). */
  setTotalBatches(total: number): void {
    this.totalBatches = total;
  }

  /** A batch ended at `now` (ms); `done` batches of the run are finished. */
  batch(now: number, done: number): void {
    if (this.warmEnd === undefined) this.warmEnd = now;
    else if (this.lastBatchEnd !== undefined) {
      this.steadyMs += now - this.lastBatchEnd;
      this.steadyBatches++;
    }
    this.lastBatchEnd = now;
    this.done = done;
  }

  /** An epoch (and its validation, if any) ended at `now` (ms). */
  epoch(now: number): void {
    if (this.validates && this.lastBatchEnd !== undefined) {
      this.validationMs += now - this.lastBatchEnd;
      this.validations++;
    }
    this.epochsDone++;
    // The time from here to the next batch's end is not a batch's time alone (callbacks, curves).
    this.lastBatchEnd = undefined;
  }

  /**
   * Seconds left, or undefined until two batches after the first have been timed. A validation
   * not yet timed is estimated as one batch's time per ten batches (it runs forward only).
   */
  seconds(): number | undefined {
    if (this.steadyBatches < 2) return undefined;
    const perBatch = this.steadyMs / this.steadyBatches;
    const batchesLeft = Math.max(0, this.totalBatches - this.done);
    const validationsLeft = this.validates ? Math.max(0, this.totalEpochs - this.epochsDone) : 0;
    const batchesPerEpoch = this.totalBatches / Math.max(1, this.totalEpochs);
    const perValidation = this.validations
      ? this.validationMs / this.validations
      : (perBatch * batchesPerEpoch) / 10;
    return (batchesLeft * perBatch + validationsLeft * perValidation) / 1000;
  }
}

/**
 * Batches of a phased run: those done so far and the run's total. Phases differ in batches per
 * epoch (their own dataset or batch size); each phase's count is known once it starts, and a
 * phase not started yet is estimated at the current phase's.
 */
export class PhaseProgress {
  private readonly batches: (number | undefined)[];
  /** Batches of each epoch of a phase whose epochs differ (sampled epochs: data.fractions). */
  private readonly perEpoch: (readonly number[] | undefined)[];
  private current = -1;
  private epochInPhase = 0;
  /** Batches of the epochs already finished. */
  private finished = 0;

  constructor(private readonly epochs: readonly number[]) {
    this.batches = epochs.map(() => undefined);
    this.perEpoch = epochs.map(() => undefined);
  }

  /** The next phase starts with this many batches per epoch (or these, one per epoch). */
  startPhase(batches: number, epochBatches?: readonly number[]): void {
    this.batches[++this.current] = batches;
    this.perEpoch[this.current] = epochBatches;
    this.epochInPhase = 0;
  }

  endEpoch(): void {
    const per = this.perEpoch[this.current];
    this.finished += per ? (per[this.epochInPhase] ?? 0) : (this.batches[this.current] ?? 0);
    this.epochInPhase++;
  }

  /** Batches done in the run once batch `batch` (1-based) of the current epoch is done. */
  done(batch: number): number {
    return this.finished + batch;
  }

  total(): number {
    const now = this.batches[this.current] ?? 0;
    return this.epochs.reduce((s, e, i) => {
      const per = this.perEpoch[i];
      return s + (per ? per.reduce((a, b) => a + b, 0) : e * (this.batches[i] ?? now));
    }, 0);
  }
}
