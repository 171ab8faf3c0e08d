// The binding's named subsets and extra evaluation splits, each evaluated on its own (inference
// mode), so a run reports e.g. accuracy on known vs novel classes or on rotated digits.
import type { CompiledModel } from '../compiler/compile.ts';
import type { LoadedDataset } from '../core/datasets/dataset-def.ts';
import type { Registry } from '../core/registry.ts';
import { toTensors } from './feeds.ts';
import { type Evaluation, evaluate } from './loop.ts';

export interface SplitEvaluation extends Evaluation {
  readonly count: number;
}

export async function evaluateExtraSplits(
  compiled: CompiledModel,
  registry: Registry,
  ds: LoadedDataset,
): Promise<Record<string, SplitEvaluation>> {
  const out: Record<string, SplitEvaluation> = {};
  for (const [name, split] of Object.entries(ds.extraSplits ?? {})) {
    if (split.count === 0) continue;
    const data = toTensors(ds, split);
    try {
      out[name] = { ...(await evaluate(compiled, registry, data)), count: split.count };
    } finally {
      data.dispose();
    }
  }
  return out;
}
