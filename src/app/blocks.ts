// "My blocks": groups published to the palette, kept in IndexedDB. A block is a copy of a group's
// inner graph; adding one inserts a new group node holding another copy (no link back).

import { type Subgraph, SubgraphSchema } from '../core/doc/schema.ts';
import { isGroup } from '../core/groups.ts';
import { deleteBlock, loadBlocks, type StoredBlock, saveBlock } from './persistence.ts';
import type { EditorStore } from './store.ts';

export interface Block {
  readonly id: string;
  readonly title: string;
  readonly graph: Subgraph;
}

/** Stored rows → blocks; a row that is not a valid inner graph is skipped (and reported). */
export function parseBlocks(rows: readonly StoredBlock[]): { blocks: Block[]; bad: number } {
  const blocks: Block[] = [];
  let bad = 0;
  for (const r of rows) {
    try {
      const graph = SubgraphSchema.safeParse(JSON.parse(r.json));
      if (graph.success) blocks.push({ id: r.id, title: r.title.slice(0, 80), graph: graph.data });
      else bad++;
    } catch {
      bad++;
    }
  }
  blocks.sort((a, b) => a.title.localeCompare(b.title));
  return { blocks, bad };
}

export async function refreshBlocks(store: EditorStore): Promise<void> {
  try {
    const { blocks, bad } = parseBlocks(await loadBlocks());
    store.setBlocks(blocks);
    if (bad) store.toast('error', `${bad} saved block${bad === 1 ? ' is' : 's are'} unreadable and hidden.`);
  } catch (e) {
    store.toast('error', `Could not read My blocks: ${(e as Error)?.message ?? e}`);
  }
}

/** Publishes group `nodeId` of the shown scope to the palette under its label. */
export async function publishGroup(store: EditorStore, nodeId: string): Promise<boolean> {
  const rec = store.scope().nodes[nodeId];
  if (!rec || !isGroup(rec) || !rec.graph) {
    store.toast('error', `Node '${nodeId}' is not a group; select a group to publish it.`);
    return false;
  }
  const title = (rec.label ?? 'Group').trim().slice(0, 80) || 'Group';
  const existing = store.getState().blocks.find((b) => b.title === title);
  const id = existing?.id ?? `block-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    await saveBlock({ id, title, json: JSON.stringify(rec.graph), savedAt: Date.now() });
  } catch (e) {
    store.toast('error', `Could not publish '${title}': ${(e as Error)?.message ?? e}`);
    return false;
  }
  await refreshBlocks(store);
  store.toast('info', `${existing ? 'Updated' : 'Published'} '${title}' in My blocks (palette).`);
  return true;
}

export async function removeBlock(store: EditorStore, id: string): Promise<void> {
  try {
    await deleteBlock(id);
  } catch (e) {
    store.toast('error', `Could not delete the block: ${(e as Error)?.message ?? e}`);
  }
  await refreshBlocks(store);
}
