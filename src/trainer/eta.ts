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
    private readonly totalBatches: number,
    private readonly totalEpochs: number,
    /** Whether each epoch ends with a validation pass. */
    private readonly validates: boolean,
  ) {}

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
