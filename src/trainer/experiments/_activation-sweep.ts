// Helpers shared by the activation-sweep paper experiments (CRReLU, PolyCom, SNN; not an experiment:
// the leading `_` keeps discovery from listing it). The template's activation nodes are swapped
// for another activation type, the clones are trained under identical seeds, and the per-epoch
// training loss, the val metrics and the trained weights are read back.
import type { LoadedDataset } from '../../core/datasets/dataset-def.ts';
import type { GraphDoc } from '../../core/doc/schema.ts';
import type { Registry } from '../../core/registry.ts';
import { evaluate, toTensors, train } from '../loop.ts';
import type { Built } from './_kan-shared.ts';

/** The template's doc with every node of type `from` turned into `to` (type and params). */
export function swapNodeType(
  text: string,
  from: string,
  to: { readonly type: string; readonly params?: Record<string, unknown> },
): GraphDoc {
  const doc = JSON.parse(text) as GraphDoc;
  for (const n of Object.values(doc.nodes)) {
    if (n.type !== from) continue;
    n.type = to.type;
    n.params = { ...(to.params ?? {}) };
  }
  return doc;
}

/** The template's doc with `patch` merged into the params of every node of type `type`. */
export function patchNodesOfType(text: string, type: string, patch: Record<string, unknown>): GraphDoc {
  const doc = JSON.parse(text) as GraphDoc;
  for (const n of Object.values(doc.nodes)) if (n.type === type) n.params = { ...n.params, ...patch };
  return doc;
}

export interface Fit {
  /** Mean training loss of each epoch (running mean over its batches). */
  readonly epochLoss: readonly number[];
  readonly valLoss: number;
  readonly valAcc: number;
  readonly status: string;
  readonly ms: number;
}

/** Trains for `epochs` (no per-epoch validation), then evaluates on the val split. */
export async function trainArm(
  built: Built,
  registry: Registry,
  data: LoadedDataset,
  opts: { readonly epochs?: number; readonly seed: number; readonly batchSize?: number },
): Promise<Fit> {
  const epochLoss: number[] = [];
  const r = await train(built.compiled, registry, data, built.training, {
    ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
    seed: opts.seed,
    validate: false,
    ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
    onEpoch: (e) => {
      epochLoss.push(e.train.loss);
    },
  });
  const val = toTensors(data, 'val');
  const ev = await evaluate(built.compiled, registry, val);
  val.dispose();
  return {
    epochLoss,
    valLoss: ev.loss,
    valAcc: ev.metrics.accuracy ?? Number.NaN,
    status: r.status,
    ms: r.ms,
  };
}

/** The first weight of node `id` as numbers (e.g. a learnable scalar of an activation). */
export function nodeWeight(built: Built, id: string): number[] {
  const layer = built.compiled.layers.get(id);
  if (!layer) throw new Error(`no compiled layer for node '${id}'`);
  const w = layer.getWeights()[0];
  if (!w) throw new Error(`node '${id}' has no weights`);
  return [...w.dataSync()];
}
