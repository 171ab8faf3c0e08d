// Weight sharing between node instances (issue #13): a node record's `shareWeights: '<owner>'`
// makes it apply the owner's layer — one set of variables, gradients of both uses summed, and the
// parameters counted once (as Keras counts a layer called twice). Checked here; lowering puts
// `weightsFrom` on the IR node and the compiler reuses the owner's layer.

import { type Diagnostic, errorDiagnostic as error } from '../diagnostics.ts';
import type { GraphScope } from '../doc/schema.ts';
import { GROUP_TYPE } from '../groups.ts';
import { formatShape } from '../tensor-type.ts';
import type { Analysis, NodeAnalysis } from './analyse.ts';

/** Kinds of node whose lowering is a model layer with weights (layers, kernels). */
const SHAREABLE_KINDS: ReadonlySet<string> = new Set(['layer']);

const stable = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );

/**
 * Diagnostics for every `shareWeights` of a scope, and the parameters counted twice (the sharers'
 * own counts, to subtract from the scope's total) when the share is valid.
 */
export function checkShares(
  doc: GraphScope,
  nodes: ReadonlyMap<string, NodeAnalysis>,
): { diagnostics: Diagnostic[]; sharedParams: number } {
  const diagnostics: Diagnostic[] = [];
  let sharedParams = 0;
  for (const [id, rec] of Object.entries(doc.nodes)) {
    const ownerId = rec.shareWeights;
    if (ownerId === undefined) continue;
    const at = { nodeId: id, field: 'shareWeights' };
    const what = `Node '${id}' (${nodes.get(id)?.def?.title ?? rec.type})`;
    const owner = Object.hasOwn(doc.nodes, ownerId) ? doc.nodes[ownerId] : undefined;
    if (ownerId === id) {
      diagnostics.push(
        error('graph/share-self', `${what} shares weights with itself. Clear 'shareWeights'.`, at),
      );
      continue;
    }
    if (!owner) {
      diagnostics.push(
        error(
          'graph/share-unknown',
          `${what}: 'shareWeights' names '${ownerId}', which is not a node of this graph. Choose a node of the same type, or clear 'shareWeights'.`,
          at,
        ),
      );
      continue;
    }
    if (owner.type !== rec.type) {
      diagnostics.push(
        error(
          'graph/share-type',
          `${what} cannot share weights with '${ownerId}' (${owner.type}): sharing needs the same node type (${rec.type}). Choose a ${rec.type} node, or clear 'shareWeights'.`,
          at,
        ),
      );
      continue;
    }
    if (owner.shareWeights !== undefined) {
      diagnostics.push(
        error(
          'graph/share-chain',
          `${what} shares weights with '${ownerId}', which itself shares with '${owner.shareWeights}'. Share with the owner directly: set 'shareWeights' to '${owner.shareWeights}'.`,
          at,
        ),
      );
      continue;
    }
    const n = nodes.get(id);
    const o = nodes.get(ownerId);
    const kind = n?.def?.kind;
    if (!n?.def || rec.type === GROUP_TYPE || (kind !== undefined && !SHAREABLE_KINDS.has(kind))) {
      if (n?.def)
        diagnostics.push(
          error(
            'graph/share-kind',
            `${what} cannot share weights: only layers and kernels have weights to share (this is a ${rec.type === GROUP_TYPE ? 'group' : kind} node). Clear 'shareWeights'.`,
            at,
          ),
        );
      continue;
    }
    if ((rec.group ?? 'main') !== (owner.group ?? 'main')) {
      diagnostics.push(
        error(
          'graph/share-group',
          `${what} shares weights with '${ownerId}' but sits in variable group '${rec.group ?? 'main'}' and '${ownerId}' in '${owner.group ?? 'main'}'; shared weights belong to one group. Put both nodes in the same group.`,
          at,
        ),
      );
      continue;
    }
    if (!n.ok || !o?.ok) continue; // their own problems are reported already
    if (stable(n.params) !== stable(o.params)) {
      diagnostics.push(
        error(
          'graph/share-params',
          `${what} shares weights with '${ownerId}' but their params differ; a shared layer is one layer with one config. Give '${id}' the same params as '${ownerId}'.`,
          at,
        ),
      );
      continue;
    }
    const shapes = (x: NodeAnalysis) =>
      Object.entries(x.inputs)
        .map(([p, t]) => `${p}: ${t ? formatShape(t.shape) : '—'}`)
        .join(', ');
    if (shapes(n) !== shapes(o) || n.paramCount !== o.paramCount) {
      diagnostics.push(
        error(
          'graph/share-shape',
          `${what} shares weights with '${ownerId}' but its inputs (${shapes(n)}) differ from the owner's (${shapes(o)}), so the weight shapes would differ. Feed both the same shapes, or clear 'shareWeights'.`,
          at,
        ),
      );
      continue;
    }
    sharedParams += n.paramCount;
  }
  return { diagnostics, sharedParams };
}

/**
 * The owner of a node whose weights are shared and counted once (under the owner, as Keras lists a
 * layer called twice once), so the rows add up to the total; undefined otherwise.
 */
export function sharesCounted(a: Analysis, id: string): string | undefined {
  const owner = a.nodes.get(id)?.record.shareWeights;
  if (owner === undefined) return undefined;
  const invalid = a.diagnostics.some((d) => d.nodeId === id && d.code.startsWith('graph/share-'));
  return invalid ? undefined : owner;
}
