// A paper template's miniature experiment: what `netwright verify <id>` (and the app's Verify
// button) runs. One file per template under src/trainer/experiments/<template-id>.ts, default-
// exporting defineExperiment({...}); discovery finds them, nothing else is edited.
import type { DatasetIO } from '../../core/datasets/dataset-def.ts';
import type { Registry } from '../../core/registry.ts';

/**
 * How big a run: 'default' fits the ≈ 60 s verify budget; 'full' runs the spec's full-size
 * miniature (more seeds, epochs or data; minutes), for claims that need longer training.
 */
export type VerifyBudget = 'default' | 'full';

export interface ExperimentContext {
  /** 'default' when absent. Only experiments with a `fullBudget` change anything for 'full'. */
  readonly budget?: VerifyBudget;
  readonly registry: Registry;
  /** The template's graph file text. */
  readonly templateText: string;
  /** Progress lines for the terminal / UI. */
  log(line: string): void;
  /** Bundled data access where the experiment runs (Node files, or the browser's assets). */
  readonly io: DatasetIO;
  /**
   * Picks the fastest backend available for the run and returns its name (Node: wasm, else cpu;
   * the app's Worker keeps the backend it already chose).
   */
  prepareBackend(): Promise<string>;
}

export interface ExperimentResult {
  readonly pass: boolean;
  /** Measured figures, named (mean ± sd over seeds where the spec asks for seeds). */
  readonly figures: Readonly<Record<string, number | string>>;
}

export interface Experiment {
  /** Template id = file name. */
  readonly templateId: string;
  /** The paper's claim, in miniature, as the run checks it. */
  readonly claim: string;
  /** The pass criterion in words (thresholds included). */
  readonly criterion: string;
  /** What `--budget full` changes (seeds, epochs, data), where the experiment has a full size. */
  readonly fullBudget?: string;
  run(ctx: ExperimentContext): Promise<ExperimentResult>;
}

export const defineExperiment = (e: Experiment): Experiment => e;
