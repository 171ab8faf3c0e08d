// Text/unknown value → GraphDoc, never throwing: every failure is a Diagnostic that says where
// (node id, field) and what to do.

import type { z } from 'zod';
import { type Diagnostic, errorDiagnostic as err } from '../diagnostics.ts';
import { migrateDoc } from './migrations.ts';
import { countNodesInText } from './node-count.ts';
import {
  CURRENT_FORMAT_VERSION,
  EdgeRecordSchema,
  GRAPH_FORMAT,
  type GraphDoc,
  GraphDocSchema,
  ID_PATTERN,
  type NodeRecord,
  NodeRecordSchema,
  PositionSchema,
  type Subgraph,
} from './schema.ts';

export interface ParseResult {
  readonly doc: GraphDoc | undefined;
  readonly diagnostics: Diagnostic[];
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** ` at line L, column C` of a JSON.parse error, when the engine reports a position. */
export function locateJsonError(text: string, e: unknown): string {
  const msg = String((e as Error)?.message);
  const m = /position (\d+)/.exec(msg);
  // Truncated input ("Unexpected end of JSON input") carries no position: it fails at the end.
  if (!m && !/end of (JSON )?input/i.test(msg)) return '';
  const pos = m ? Number(m[1]) : text.length;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return ` at line ${line}, column ${col}`;
}

export function parseGraphText(text: string): ParseResult {
  // Refuse an oversized graph from its text, before JSON.parse builds it (a 60,000-node file is
  // 7.5 MB). Small texts parse fast anyway and skip the scan; the exact count below still applies.
  if (
    text.length > MAX_GRAPH_NODES * MIN_NODE_BYTES &&
    countNodesInText(text, MAX_GRAPH_NODES, MAX_FILE_GROUP_DEPTH) > MAX_GRAPH_NODES
  )
    return { doc: undefined, diagnostics: [tooManyNodes()] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return {
      doc: undefined,
      diagnostics: [
        err(
          'doc/unreadable-json',
          `The file is not valid JSON${locateJsonError(text, e)}: ${(e as Error).message.split('\n')[0]}. Fix the syntax (a missing comma or quote is typical) and load it again.`,
        ),
      ],
    };
  }
  return parseGraphValue(raw);
}

/** Files and links larger than this are refused before parsing. */
export const MAX_GRAPH_BYTES = 8 * 1024 * 1024;

/**
 * Most nodes a file or link may hold, groups' insides included: twice a 10,000-layer chain. Past
 * it the editor, layout and analysis would hold the tab for minutes (a 60,000-node chain fits in
 * 8 MB, or a 100 KB link).
 */
export const MAX_GRAPH_NODES = 20_000;

/** About the shortest a valid node record is in JSON (`"a":{"type":"","v":0},`): texts under this many bytes per allowed node are not pre-scanned. */
const MIN_NODE_BYTES = 24;

/** Why a graph past MAX_GRAPH_NODES is refused, and what to do. */
export function tooManyNodesMessage(): string {
  const max = MAX_GRAPH_NODES.toLocaleString('en-US');
  return `This graph has more than ${max} nodes (groups' insides included); Netwright opens at most ${max}. Split it into smaller graphs.`;
}

const tooManyNodes = () => err('doc/too-many-nodes', tooManyNodesMessage());

/** Nodes in a raw `nodes` record and the groups inside it, counting stops past `limit`. */
function countNodes(nodes: unknown, limit: number): number {
  let n = 0;
  const stack: { nodes: unknown; depth: number }[] = [{ nodes, depth: 0 }];
  while (stack.length && n <= limit) {
    const top = stack.pop()!;
    if (!isObj(top.nodes)) continue;
    for (const rec of Object.values(top.nodes)) {
      n++;
      if (isObj(rec) && isObj(rec.graph) && top.depth < MAX_FILE_GROUP_DEPTH)
        stack.push({ nodes: rec.graph.nodes, depth: top.depth + 1 });
    }
  }
  return n;
}

/** Deepest nesting of groups a file may have (analysis follows the same limit). */
export const MAX_FILE_GROUP_DEPTH = 8;

/** A record field schema without the recursive `graph` (parsed by hand, depth-limited, below). */
const NodeFieldsSchema = NodeRecordSchema.omit({ graph: true });

function zodIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: (string | number)[],
  groups: readonly string[] = [],
): Diagnostic[] {
  // One diagnostic per unknown key, so `field` names the key to remove.
  const flat = issues.flatMap((i) =>
    i.code === 'unrecognized_keys' && i.keys.length
      ? i.keys.map((k) => ({ ...i, path: [...i.path, k], message: `is not a known field; remove it` }))
      : [i],
  );
  return flat.map((i) => {
    const path = [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    const [section, id, ...rest] = path;
    const where = path.length ? path.join('.') : '(top level)';
    if ((section === 'nodes' || section === 'edges') && typeof id === 'string') {
      const field = rest.join('.');
      const message = `${section === 'nodes' ? 'Node' : 'Edge'} '${id}': ${field || 'record'} ${i.message}.`;
      // Inside a group the diagnostic names the outermost group (what the canvas shows).
      if (groups.length)
        return err('doc/invalid', `Inside group '${groups.join(' › ')}': ${message}`, { nodeId: groups[0]! });
      return err('doc/invalid', message, {
        ...(section === 'nodes' ? { nodeId: id } : { edgeId: id }),
        ...(field ? { field } : {}),
      });
    }
    return err('doc/invalid', `${where}: ${i.message}.`, path.length ? { field: path.join('.') } : {});
  });
}

/**
 * Validates each entry of an id-keyed record on its own, keeping ids like `__proto__` as data.
 * `groups` is the path of group ids when the record sits inside a group.
 */
function parseRecord<T>(
  section: string,
  value: unknown,
  parseEntry: (id: string, entry: unknown) => T | undefined,
  diagnostics: Diagnostic[],
  checkIds: boolean,
  groups: readonly string[] = [],
): Record<string, T> {
  if (value === undefined) return Object.create(null);
  const inside = groups.length ? `Inside group '${groups.join(' › ')}': ` : '';
  if (!isObj(value)) {
    diagnostics.push(err('doc/invalid', `${inside}'${section}' must be an object keyed by id.`));
    return Object.create(null);
  }
  const entries: [string, T][] = [];
  for (const [id, entry] of Object.entries(value)) {
    if (checkIds && !ID_PATTERN.test(id)) {
      diagnostics.push(
        err(
          'doc/invalid-id',
          `${inside}${section === 'nodes' ? 'Node' : 'Edge'} id '${id.slice(0, 40)}' is not allowed: ids start with a letter or _ and use letters, digits, _ or - (at most 64). Rename it.`,
          groups.length ? { nodeId: groups[0]! } : section === 'nodes' ? { nodeId: id } : { edgeId: id },
        ),
      );
      continue;
    }
    const parsed = parseEntry(id, entry);
    if (parsed !== undefined) entries.push([id, parsed]);
  }
  return Object.fromEntries(entries);
}

const bySchema =
  <S extends z.ZodType>(section: string, schema: S, diagnostics: Diagnostic[], groups: readonly string[]) =>
  (id: string, entry: unknown): z.output<S> | undefined => {
    const r = schema.safeParse(entry);
    if (r.success) return r.data;
    diagnostics.push(...zodIssues(r.error.issues, [section, id], groups));
    return undefined;
  };

/** A node record; a group's inner graph is parsed here, depth-limited (hostile files cannot recurse). */
function parseNode(
  id: string,
  entry: unknown,
  diagnostics: Diagnostic[],
  groups: readonly string[],
): NodeRecord | undefined {
  const { graph, ...fields } = isObj(entry) ? entry : { graph: undefined };
  const rec = bySchema('nodes', NodeFieldsSchema, diagnostics, groups)(id, isObj(entry) ? fields : entry);
  if (!rec || graph === undefined) return rec;
  const path = [...groups, id];
  if (path.length > MAX_FILE_GROUP_DEPTH) {
    diagnostics.push(
      err(
        'doc/too-deep',
        `Group '${path.slice(0, 3).join(' › ')} › …' is nested more than ${MAX_FILE_GROUP_DEPTH} levels deep. Ungroup some of the inner groups.`,
        { nodeId: path[0]! },
      ),
    );
    return undefined;
  }
  if (!isObj(graph)) {
    diagnostics.push(
      err('doc/invalid', `Inside group '${path.join(' › ')}': 'graph' must be an object.`, {
        nodeId: path[0]!,
      }),
    );
    return undefined;
  }
  const extra = Object.keys(graph).filter((k) => k !== 'nodes' && k !== 'edges' && k !== 'layout');
  if (extra.length) {
    diagnostics.push(
      err(
        'doc/invalid',
        `Inside group '${path.join(' › ')}': '${extra[0]}' is not a known field; remove it.`,
        {
          nodeId: path[0]!,
        },
      ),
    );
    return undefined;
  }
  const before = diagnostics.length;
  const sub: Subgraph = {
    nodes: parseNodes(graph.nodes ?? {}, diagnostics, path),
    edges: parseRecord(
      'edges',
      graph.edges,
      bySchema('edges', EdgeRecordSchema, diagnostics, path),
      diagnostics,
      true,
      path,
    ),
    layout: parseRecord(
      'layout',
      graph.layout,
      bySchema('layout', PositionSchema, diagnostics, path),
      diagnostics,
      false,
      path,
    ),
  };
  return diagnostics.length > before ? undefined : { ...rec, graph: sub };
}

function parseNodes(
  value: unknown,
  diagnostics: Diagnostic[],
  groups: readonly string[],
): Record<string, NodeRecord> {
  return parseRecord(
    'nodes',
    value,
    (id, entry) => parseNode(id, entry, diagnostics, groups),
    diagnostics,
    true,
    groups,
  );
}

export function parseGraphValue(raw: unknown): ParseResult {
  if (!isObj(raw) || raw.format !== GRAPH_FORMAT) {
    return {
      doc: undefined,
      diagnostics: [
        err(
          'doc/not-a-graph',
          `This is not a Netwright graph: expected an object with "format": "${GRAPH_FORMAT}". (A Keras or tfjs model.json can be brought in with 'netwright import'.)`,
        ),
      ],
    };
  }
  const version = raw.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    return {
      doc: undefined,
      diagnostics: [
        err(
          'doc/not-a-graph',
          `"formatVersion" must be a whole number (this app writes ${CURRENT_FORMAT_VERSION}).`,
        ),
      ],
    };
  }
  if (version > CURRENT_FORMAT_VERSION) {
    return {
      doc: undefined,
      diagnostics: [
        err(
          'doc/newer-format',
          `This graph was saved by a newer Netwright (formatVersion ${version}; this version reads up to ${CURRENT_FORMAT_VERSION}). Update Netwright to open it.`,
        ),
      ],
    };
  }
  const count = countNodes(raw.nodes, MAX_GRAPH_NODES);
  if (count > MAX_GRAPH_NODES) return { doc: undefined, diagnostics: [tooManyNodes()] };
  let migrated: Record<string, unknown>;
  try {
    migrated = migrateDoc(raw, version, CURRENT_FORMAT_VERSION);
  } catch (e) {
    return {
      doc: undefined,
      diagnostics: [
        err(
          'doc/migration-failed',
          `Could not upgrade this graph from formatVersion ${version}: ${(e as Error).message}.`,
        ),
      ],
    };
  }

  const diagnostics: Diagnostic[] = [];
  const nodes = parseNodes(migrated.nodes, diagnostics, []);
  const edges = parseRecord(
    'edges',
    migrated.edges,
    bySchema('edges', EdgeRecordSchema, diagnostics, []),
    diagnostics,
    true,
  );
  const layout = parseRecord(
    'layout',
    migrated.layout,
    bySchema('layout', PositionSchema, diagnostics, []),
    diagnostics,
    false,
  );
  if (migrated.nodes === undefined) diagnostics.push(err('doc/invalid', `A graph needs a "nodes" object.`));
  const top = GraphDocSchema.safeParse({ ...migrated, nodes: {}, edges: {}, layout: {} });
  if (!top.success) diagnostics.push(...zodIssues(top.error.issues, []));
  if (!top.success || diagnostics.length) return { doc: undefined, diagnostics };
  return { doc: { ...top.data, nodes, edges, layout }, diagnostics };
}
