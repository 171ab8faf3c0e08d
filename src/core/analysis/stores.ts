// Checks of per-sample stores (W3): `training.stores` names are unique; a refresh phase writes a
// declared store from a model node whose output is one row per sample with the store's width; a
// gradient phase's `data.weights` reads a declared width-1 store that an earlier phase refreshed;
// `data.fractions` / `data.weights` belong to gradient phases; a gradient phase's `refreshes` name a
// declared store, a model node as for a refresh phase, and every: 'epoch' or N ≥ 1 steps (the
// train/store-every code). Codes `train/store-…`.

import type { GraphDoc, PhaseRecord } from '../doc/schema.ts';
import { formatShape } from '../tensor-type.ts';
import type { NodeAnalysis } from './analyse.ts';

type Report = (code: string, field: string, message: string) => void;

const list = (xs: Iterable<string>) => [...xs].map((x) => `'${x}'`).join(', ') || 'none';

/** Values per sample of a per-row shape [B, d1, …] (undefined when not per-row or not fully known). */
export function perRowWidth(shape: readonly (number | null)[]): number | undefined {
  if (shape.length < 1 || shape[0] !== null) return undefined;
  let w = 1;
  for (const d of shape.slice(1)) {
    if (d === null) return undefined;
    w *= d;
  }
  return w;
}

/** Store-level checks (duplicate names), reported against `training.stores`. */
export function checkStoreDecls(
  doc: GraphDoc,
  push: (code: string, field: string, message: string) => void,
): void {
  const seen = new Set<string>();
  (doc.training?.stores ?? []).forEach((s, i) => {
    if (seen.has(s.name))
      push(
        'train/store-duplicate',
        `training.stores.${i}.name`,
        `Store '${s.name}' is declared twice; give each store its own name.`,
      );
    seen.add(s.name);
  });
}

/** A phase's use of stores. `earlier`: stores refreshed by the phases before this one. */
export function checkPhaseStores(
  phase: PhaseRecord,
  doc: GraphDoc,
  nodes: ReadonlyMap<string, NodeAnalysis>,
  earlier: ReadonlySet<string>,
  bad: Report,
  warn: Report,
): void {
  const stores = doc.training?.stores ?? [];
  const byName = new Map(stores.map((s) => [s.name, s]));
  const names = list(byName.keys());
  const unknown = (field: string, name: string) =>
    bad(
      'train/store-unknown',
      field,
      `there is no store '${name}' (stores: ${names}); declare it in training.stores as { name: '${name}', width }.`,
    );
  if (phase.kind === 'refresh') {
    const store = phase.store === undefined ? undefined : byName.get(phase.store);
    if (phase.store !== undefined && !store) unknown('store', phase.store);
    if (phase.from !== undefined) checkRefreshFrom(phase.from, store, nodes, 'from', bad);
    for (const f of [
      'optimizers',
      'lossWeights',
      'groups',
      'overrides',
      'reinit',
      'heads',
      'copies',
      'refreshes',
    ] as const)
      if (phase[f] !== undefined)
        bad(
          'train/store-field',
          f,
          `'${f}' does not apply to a refresh phase (one inference pass that writes a store); remove it.`,
        );
    if (phase.data?.fractions || phase.data?.weights)
      bad(
        'train/store-field',
        'data',
        'a refresh phase writes every training row of its data view; fractions and weights belong to gradient phases.',
      );
    return;
  }
  const w = phase.data?.weights;
  // (A phase without a kind, as in a document built in code and not parsed, is a gradient phase.)
  if (phase.refreshes?.length && (phase.kind === 'fit' || phase.kind === 'copy'))
    bad(
      'train/store-field',
      'refreshes',
      `'refreshes' refresh stores during a gradient phase's optimizer steps; a ${phase.kind} phase has none. Use a refresh phase (kind: 'refresh') instead.`,
    );
  else
    (phase.refreshes ?? []).forEach((r, i) => {
      const at = `refreshes.${i}`;
      const store = byName.get(r.store);
      if (!store) unknown(`${at}.store`, r.store);
      checkRefreshFrom(r.from, store, nodes, `${at}.from`, bad);
      const every = r.every ?? 'epoch';
      if (every !== 'epoch' && !(Number.isInteger(every) && every >= 1))
        bad(
          'train/store-every',
          `${at}.every`,
          `refresh of store '${r.store}' has every: ${JSON.stringify(every)}; use 'epoch' or a whole number of optimizer steps N ≥ 1 (refreshes before steps 0, N, 2N, …).`,
        );
      if (phase.refreshes!.findIndex((o) => o.store === r.store) !== i)
        bad(
          'train/store-duplicate',
          `${at}.store`,
          `store '${r.store}' is refreshed twice in this phase; keep one refresh per store.`,
        );
    });
  if (phase.kind === 'fit' || phase.kind === 'copy') {
    if (w || phase.data?.fractions)
      bad(
        'train/store-field',
        'data',
        `fractions and weights sample a gradient phase's rows; a ${phase.kind} phase uses every row.`,
      );
    return;
  }
  if (!w) return;
  const store = byName.get(w.store);
  if (!store) {
    unknown('data.weights.store', w.store);
    return;
  }
  if (store.width !== 1)
    bad(
      'train/store-width',
      'data.weights.store',
      `store '${store.name}' has width ${store.width}; sampling weights read one score per row (width 1).`,
    );
  else if (
    !earlier.has(store.name) &&
    !(phase.refreshes ?? []).some((r) => r.store === store.name && r.every === 'epoch')
  )
    warn(
      'train/store-unrefreshed',
      'data.weights.store',
      `no earlier phase refreshes store '${store.name}' (nor does this phase every epoch), so every row keeps its init value and the draw is uniform; add a refresh phase before this one.`,
    );
}

/** The checks of a refresh's source node `id` (a refresh phase's or a gradient phase's `refreshes`). */
function checkRefreshFrom(
  from: string,
  store: { name: string; width: number } | undefined,
  nodes: ReadonlyMap<string, NodeAnalysis>,
  field: string,
  bad: Report,
): void {
  // 'node' reads the node's first output; 'node:port' one port of a multi-output node.
  const [id, port] = from.split(':') as [string, string | undefined];
  const n = nodes.get(id);
  const kind = n?.def?.kind;
  if (!n) {
    bad('train/store-from', field, `there is no node '${id}' to refresh the store from.`);
    return;
  }
  if (kind === 'loss' || kind === 'metric' || kind === 'optimizer' || n.inner) {
    bad(
      'train/store-from',
      field,
      `node '${id}' (${n.def?.title ?? n.record.type}) is a ${n.inner ? 'group' : kind} node, not a model node with a per-sample output; refresh from a model node (e.g. a Per-sample loss node, losses.perSampleLoss, for a loss per row).`,
    );
    return;
  }
  if (port !== undefined && n.outputs[port] === undefined && Object.keys(n.outputs).length) {
    bad(
      'train/store-from',
      field,
      `node '${id}' has no output port '${port}' (ports: ${Object.keys(n.outputs).join(', ')}); write '${id}:<port>'.`,
    );
    return;
  }
  const out = port === undefined ? Object.values(n.outputs)[0] : n.outputs[port];
  if (!out) return; // the node failed; its own diagnostic says why
  const width = perRowWidth(out.shape);
  if (width === undefined)
    bad(
      'train/store-not-per-row',
      field,
      `node '${id}' outputs ${formatShape(out.shape)}, not one row per sample [B, …] with known sizes; a store holds one row per training sample.`,
    );
  else if (store && width !== store.width)
    bad(
      'train/store-width',
      field,
      `node '${id}' gives ${width} value${width === 1 ? '' : 's'} per sample (${formatShape(out.shape)}) but store '${store.name}' has width ${store.width}; set the store's width to ${width} or refresh from another node.`,
    );
}
