// Node-side discovery of paper experiments: src/trainer/experiments/<template-id>.ts.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Experiment } from '../trainer/experiments/experiment.ts';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../trainer/experiments');

/** Template ids that have an experiment file (no import needed). */
export function listExperimentIds(): string[] {
  if (!existsSync(DIR)) return [];
  return readdirSync(DIR)
    .filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'experiment.ts' && !f.startsWith('_'),
    )
    .map((f) => f.slice(0, -3))
    .sort();
}

export async function loadExperiment(id: string): Promise<Experiment | undefined> {
  if (!listExperimentIds().includes(id)) return undefined;
  const mod = (await import(pathToFileURL(join(DIR, `${id}.ts`)).href)) as { default?: Experiment };
  if (!mod.default || mod.default.templateId !== id)
    throw new Error(
      `src/trainer/experiments/${id}.ts must default-export defineExperiment({ templateId: '${id}', ... })`,
    );
  return mod.default;
}
