// Document-level migrations (tldraw-style): each upgrades a raw document from `from` to `from + 1`.
// Per-node-type migrations live in each node's file (NodeDef.migrations) and run in analysis.

type Raw = Record<string, unknown>;

export interface DocMigration {
  readonly from: number;
  readonly description: string;
  readonly up: (doc: Raw) => Raw;
  /** The migration's own test cases; the meta-test runs every one. */
  readonly examples: readonly { readonly before: Raw; readonly after: Raw }[];
}

const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Format 0 (the pre-release format, also what a React Flow `toObject()` export looks like): nodes
 * and edges are arrays carrying their own `id`, positions sit on the nodes, edges use
 * source/sourceHandle/target/targetHandle. Format 1 keys records by id and moves positions to
 * `layout`.
 */
const v0ToV1: DocMigration = {
  from: 0,
  description: 'arrays of nodes/edges with ids → records keyed by id; positions → layout',
  up(doc) {
    const nodes: [string, unknown][] = [];
    const layout: [string, unknown][] = [];
    for (const n of arr(doc.nodes)) {
      if (!isObj(n) || typeof n.id !== 'string') continue;
      const { id, position, data, ...rest } = n;
      const params = isObj(data) && isObj(data.params) ? data.params : (rest.params ?? {});
      nodes.push([id, { type: rest.type, v: rest.v ?? 1, params }]);
      if (isObj(position)) layout.push([id, { x: position.x, y: position.y }]);
    }
    const edges: [string, unknown][] = [];
    for (const e of arr(doc.edges)) {
      if (!isObj(e) || typeof e.id !== 'string') continue;
      edges.push([
        e.id,
        {
          from: { node: e.source, port: e.sourceHandle ?? 'y' },
          to: { node: e.target, port: e.targetHandle ?? 'x' },
        },
      ]);
    }
    // Object.fromEntries defines own properties, so ids like "__proto__" stay data.
    return {
      ...doc,
      formatVersion: 1,
      nodes: Object.fromEntries(nodes),
      edges: Object.fromEntries(edges),
      layout: Object.fromEntries(layout),
    };
  },
  examples: [
    {
      before: {
        format: 'netwright.graph',
        formatVersion: 0,
        nodes: [
          { id: 'in', type: 'io.input', position: { x: 0, y: 0 }, data: { params: { shape: [4] } } },
          { id: 'd', type: 'layers.dense', params: { units: 3 } },
        ],
        edges: [{ id: 'e1', source: 'in', sourceHandle: 'y', target: 'd', targetHandle: 'x' }],
      },
      after: {
        format: 'netwright.graph',
        formatVersion: 1,
        nodes: {
          in: { type: 'io.input', v: 1, params: { shape: [4] } },
          d: { type: 'layers.dense', v: 1, params: { units: 3 } },
        },
        edges: { e1: { from: { node: 'in', port: 'y' }, to: { node: 'd', port: 'x' } } },
        layout: { in: { x: 0, y: 0 } },
      },
    },
  ],
};

/**
 * Format 2 makes a training procedure a list of phases. A format-1 stage `{ name, epochs, groups?,
 * learningRate? }` becomes a phase with the same name, epochs and groups; a stage's learning rate
 * becomes an optimizer group of its own (id `stage-<n>`, so its state starts fresh as before). A
 * phase without optimizers also gets a fresh optimizer, so every stage still starts a new one.
 */
const v1ToV2: DocMigration = {
  from: 1,
  description: 'training.stages → training.phases (learning rate → an optimizer group per stage)',
  up(doc) {
    const training = doc.training;
    if (!isObj(training) || !('stages' in training)) return { ...doc, formatVersion: 2 };
    const { stages, ...rest } = training;
    const phases = arr(stages).map((s, i) => {
      if (!isObj(s)) return s; // left for validation to report
      const { learningRate, ...phase } = s;
      return learningRate === undefined
        ? phase
        : { ...phase, optimizers: [{ id: `stage-${i + 1}`, params: { learningRate } }] };
    });
    return {
      ...doc,
      formatVersion: 2,
      training: phases.length ? { ...rest, phases } : rest,
    };
  },
  examples: [
    {
      before: {
        format: 'netwright.graph',
        formatVersion: 1,
        nodes: {},
        training: {
          dataset: { name: 'digits8', params: {} },
          epochs: 3,
          stages: [
            { name: 'train', epochs: 3, groups: ['main'] },
            { name: 'decay', epochs: 1, learningRate: 0.0001 },
          ],
        },
      },
      after: {
        format: 'netwright.graph',
        formatVersion: 2,
        nodes: {},
        training: {
          dataset: { name: 'digits8', params: {} },
          epochs: 3,
          phases: [
            { name: 'train', epochs: 3, groups: ['main'] },
            { name: 'decay', epochs: 1, optimizers: [{ id: 'stage-2', params: { learningRate: 0.0001 } }] },
          ],
        },
      },
    },
    {
      before: {
        format: 'netwright.graph',
        formatVersion: 1,
        nodes: {},
        training: { dataset: { name: 'xor' } },
      },
      after: {
        format: 'netwright.graph',
        formatVersion: 2,
        nodes: {},
        training: { dataset: { name: 'xor' } },
      },
    },
    {
      before: {
        format: 'netwright.graph',
        formatVersion: 1,
        nodes: {},
        training: { dataset: { name: 'xor' }, stages: [] },
      },
      after: {
        format: 'netwright.graph',
        formatVersion: 2,
        nodes: {},
        training: { dataset: { name: 'xor' } },
      },
    },
  ],
};

export const DOC_MIGRATIONS: readonly DocMigration[] = [v0ToV1, v1ToV2];

/** Runs every migration from the doc's version up to `target`. */
export function migrateDoc(doc: Raw, from: number, target: number): Raw {
  let cur = doc;
  for (let v = from; v < target; v++) {
    const m = DOC_MIGRATIONS.find((x) => x.from === v);
    if (!m) throw new Error(`no document migration from formatVersion ${v}`);
    cur = m.up(cur);
  }
  return cur;
}
