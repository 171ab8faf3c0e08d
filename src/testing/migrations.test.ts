// tldraw-style "every migration is exercised": each document migration and each per-node-type
// migration carries its own examples, and this meta-test runs every one of them.
import { describe, expect, it } from 'vitest';
import inputDef from '../../nodes/io/input.ts';
import outputDef from '../../nodes/io/output.ts';
import { analyse } from '../core/analysis/analyse.ts';
import { reject } from '../core/diagnostics.ts';
import { DOC_MIGRATIONS, migrateDoc } from '../core/doc/migrations.ts';
import { parseGraphValue } from '../core/doc/parse.ts';
import { CURRENT_FORMAT_VERSION, type GraphDoc } from '../core/doc/schema.ts';
import { type AnyNodeDef, defineNode } from '../core/node-def.ts';
import { p } from '../core/params.ts';
import { Registry } from '../core/registry.ts';
import { tensor } from '../core/tensor-type.ts';
import { loadRegistry } from '../node/discover-nodes.ts';

const registry = await loadRegistry();

/** Problems with a node type's migrations; empty when every migration is present and exercised. */
function nodeMigrationProblems(def: AnyNodeDef): string[] {
  const problems: string[] = [];
  const migrations = def.migrations ?? [];
  for (let v = 1; v < def.version; v++) {
    const n = migrations.filter((m) => m.from === v).length;
    if (n !== 1) problems.push(`${def.type}: needs exactly one migration from v${v} to v${v + 1}, has ${n}`);
  }
  for (const m of migrations) {
    if (!Number.isInteger(m.from) || m.from < 1 || m.from >= def.version)
      problems.push(`${def.type}: migration from v${m.from} is outside 1..${def.version - 1}`);
    if (m.examples.length === 0) problems.push(`${def.type}: migration from v${m.from} has no examples`);
    m.examples.forEach((ex, i) => {
      const before = structuredClone(ex.before);
      let got: unknown;
      try {
        got = m.up(before);
      } catch (e) {
        problems.push(`${def.type}: migration from v${m.from}, example ${i} throws: ${(e as Error).message}`);
        return;
      }
      try {
        expect(got).toStrictEqual(ex.after);
        expect(before, 'up() must not mutate its input').toStrictEqual(ex.before);
      } catch (e) {
        problems.push(`${def.type}: migration from v${m.from}, example ${i}: ${(e as Error).message}`);
      }
    });
  }
  return problems;
}

// A node type at v3 with two migrations, to exercise the machinery (no real node has migrated yet).
const widget = defineNode({
  type: 'test.widget',
  version: 3,
  kind: 'layer',
  title: 'Widget',
  docs: { summary: 'Test node: sets the last axis to `size`.' },
  params: {
    size: p.int({ default: 4, min: 1, max: 100, doc: 'Output features (v1 called it width).' }),
    mode: p.enum(['linear', 'relu'], 'linear', 'v2 had act: none | relu.'),
  },
  inputs: { x: { doc: 'Input.' } },
  outputs: { y: { doc: 'Output.' } },
  infer: ({ inputs, params }) => ({ y: tensor([...inputs.x!.shape.slice(0, -1), params.size]) }),
  lower: ({ params }) => ({ kind: 'layer', layer: 'dense', config: { units: params.size } }),
  migrations: [
    {
      from: 1,
      up: ({ width, ...rest }) => (width === undefined ? { ...rest } : { ...rest, size: width }),
      examples: [
        { before: { width: 8 }, after: { size: 8 } },
        { before: {}, after: {} },
        { before: { width: 2, act: 'relu' }, after: { size: 2, act: 'relu' } },
      ],
    },
    {
      from: 2,
      up: ({ act, ...rest }) =>
        act === undefined ? { ...rest } : { ...rest, mode: act === 'none' ? 'linear' : act },
      examples: [
        { before: { size: 2, act: 'none' }, after: { size: 2, mode: 'linear' } },
        { before: { size: 2, act: 'relu' }, after: { size: 2, mode: 'relu' } },
        { before: { size: 5 }, after: { size: 5 } },
      ],
    },
  ],
});

const testRegistry = new Registry([inputDef, outputDef, widget]);

describe('document migrations', () => {
  it('chain from formatVersion 0 to the current version, one step each', () => {
    expect(DOC_MIGRATIONS.map((m) => m.from).sort((a, b) => a - b)).toEqual(
      Array.from({ length: CURRENT_FORMAT_VERSION }, (_, i) => i),
    );
  });

  it.each(DOC_MIGRATIONS.map((m) => [m.from, m] as const))(
    'migration from v%i: every example gives its after',
    (from, m) => {
      expect(m.description.length).toBeGreaterThan(0);
      expect(m.examples.length).toBeGreaterThan(0);
      for (const ex of m.examples) {
        const before = structuredClone(ex.before);
        const after = m.up(before);
        expect(after).toStrictEqual(ex.after);
        expect(before, 'up() must not mutate its input').toStrictEqual(ex.before);
        expect(after.formatVersion).toBe(from + 1);
      }
    },
  );

  it.each(DOC_MIGRATIONS.flatMap((m) => m.examples.map((ex, i) => [m.from, i, ex] as const)))(
    'migration from v%i, example %i: before and after parse to the same GraphDoc',
    (from, _i, ex) => {
      const fromBefore = parseGraphValue(structuredClone(ex.before));
      const fromAfter = parseGraphValue(
        migrateDoc(structuredClone(ex.after), from + 1, CURRENT_FORMAT_VERSION),
      );
      expect(fromBefore.diagnostics).toEqual([]);
      expect(fromAfter.diagnostics).toEqual([]);
      expect(fromBefore.doc).toStrictEqual(fromAfter.doc);
    },
  );

  it('a v0 document (React Flow style) parses to the same GraphDoc as its v1 form', () => {
    const v0 = {
      format: 'netwright.graph',
      formatVersion: 0,
      meta: { title: 'Old MLP' },
      nodes: [
        { id: 'in', type: 'io.input', position: { x: 0, y: 0 }, data: { params: { shape: [784] } } },
        {
          id: 'd1',
          type: 'layers.dense',
          position: { x: 200, y: 0 },
          data: { params: { units: 128, activation: 'relu' } },
        },
        { id: 'd2', type: 'layers.dense', params: { units: 10 } },
        { id: '__proto__', type: 'io.output', position: { x: 400, y: 0 } },
      ],
      edges: [
        { id: 'e1', source: 'in', target: 'd1' },
        { id: 'e2', source: 'd1', sourceHandle: 'y', target: 'd2', targetHandle: 'x' },
        { id: 'e3', source: 'd2', target: '__proto__' },
      ],
    };
    const v1 = JSON.parse(`{
      "format": "netwright.graph", "formatVersion": 1, "meta": { "title": "Old MLP" },
      "nodes": {
        "in": { "type": "io.input", "v": 1, "params": { "shape": [784] } },
        "d1": { "type": "layers.dense", "v": 1, "params": { "units": 128, "activation": "relu" } },
        "d2": { "type": "layers.dense", "v": 1, "params": { "units": 10 } },
        "__proto__": { "type": "io.output", "v": 1, "params": {} }
      },
      "edges": {
        "e1": { "from": { "node": "in", "port": "y" }, "to": { "node": "d1", "port": "x" } },
        "e2": { "from": { "node": "d1", "port": "y" }, "to": { "node": "d2", "port": "x" } },
        "e3": { "from": { "node": "d2", "port": "y" }, "to": { "node": "__proto__", "port": "x" } }
      },
      "layout": { "in": { "x": 0, "y": 0 }, "d1": { "x": 200, "y": 0 }, "__proto__": { "x": 400, "y": 0 } }
    }`);
    const a = parseGraphValue(v0);
    const b = parseGraphValue(v1);
    expect(a.diagnostics).toEqual([]);
    expect(b.diagnostics).toEqual([]);
    expect(a.doc).toStrictEqual(b.doc);
    expect(Object.hasOwn(a.doc!.nodes, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).type).toBeUndefined();
    const an = analyse(a.doc!, registry);
    expect(an.diagnostics).toEqual([]);
    expect(an.totalParams).toBe(784 * 128 + 128 + 128 * 10 + 10);
  });

  it('a v0 document with malformed entries skips them, and the parse reports what is missing', () => {
    const r = parseGraphValue({
      format: 'netwright.graph',
      formatVersion: 0,
      nodes: [null, 'x', { type: 'io.input' }, { id: 'o', position: 'left' }],
      edges: 'none',
    });
    expect(r.doc).toBeUndefined();
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ code: 'doc/invalid', nodeId: 'o', field: 'type' }),
    ]);
  });

  it('migrateDoc throws on a gap in the chain', () => {
    expect(() => migrateDoc({}, -1, CURRENT_FORMAT_VERSION)).toThrow(/no document migration/);
  });
});

describe('node-type migrations', () => {
  it('every registered node type with a version above 1 has a migration per step, each exercised by examples', () => {
    const problems = registry.all().flatMap(nodeMigrationProblems);
    expect(problems).toEqual([]);
  });

  it('the meta-test itself catches missing, wrong and example-less migrations', () => {
    expect(nodeMigrationProblems(widget)).toEqual([]);
    const broken: AnyNodeDef = {
      ...widget,
      version: 4,
      migrations: [
        { ...widget.migrations![0]!, examples: [] },
        { ...widget.migrations![1]!, examples: [{ before: { act: 'none' }, after: { mode: 'relu' } }] },
      ],
    };
    const problems = nodeMigrationProblems(broken);
    expect(problems.some((s) => s.includes('from v1 has no examples'))).toBe(true);
    expect(problems.some((s) => s.includes('from v2, example 0'))).toBe(true);
    expect(problems.some((s) => s.includes('migration from v3 to v4'))).toBe(true);
  });

  const doc = (v: number, params: Record<string, unknown>): GraphDoc => ({
    format: 'netwright.graph',
    formatVersion: 2,
    meta: { title: 't' },
    nodes: {
      in: { type: 'io.input', v: 1, params: { shape: [3] } },
      w: { type: 'test.widget', v, params },
    },
    edges: { e1: { from: { node: 'in', port: 'y' }, to: { node: 'w', port: 'x' } } },
    layout: {},
  });

  it('analysis migrates a node record whose v is below its type version', () => {
    const input = doc(1, { width: 7, act: 'none' });
    const a = analyse(input, testRegistry);
    expect(a.diagnostics).toEqual([]);
    expect(a.doc?.nodes.w).toEqual({ type: 'test.widget', v: 3, params: { size: 7, mode: 'linear' } });
    expect(a.nodes.get('w')?.outputs.y?.shape).toEqual([null, 7]);
    // The input document is not modified; untouched records keep their identity.
    expect(input.nodes.w).toEqual({ type: 'test.widget', v: 1, params: { width: 7, act: 'none' } });
    expect(a.doc?.nodes.in).toBe(input.nodes.in);
    // From v2 only the second migration runs.
    expect(analyse(doc(2, { size: 5, act: 'relu' }), testRegistry).doc?.nodes.w?.params).toEqual({
      size: 5,
      mode: 'relu',
    });
    // A current record is left as is (same object).
    const current = doc(3, { size: 2 });
    expect(analyse(current, testRegistry).doc).toBe(current);
  });

  it('a v1 dense record in the real registry needs no migration', () => {
    const d: GraphDoc = {
      ...doc(1, {}),
      nodes: {
        in: { type: 'io.input', v: 1, params: { shape: [3] } },
        w: { type: 'layers.dense', v: 1, params: {} },
      },
    };
    expect(analyse(d, registry).diagnostics).toEqual([]);
  });

  it('a v higher than the type version → node/newer-version naming the node', () => {
    const a = analyse(doc(4, { size: 2 }), testRegistry);
    expect(a.diagnostics).toEqual([expect.objectContaining({ code: 'node/newer-version', nodeId: 'w' })]);
    expect(a.ok).toBe(false);
    expect(a.nodes.has('w')).toBe(true);
  });

  it('a missing migration step → node/migration-missing; a throwing one → node/migration-failed', () => {
    const gap = new Registry([inputDef, { ...widget, migrations: [widget.migrations![1]!] } as AnyNodeDef]);
    expect(analyse(doc(1, { width: 2 }), gap).diagnostics).toEqual([
      expect.objectContaining({ code: 'node/migration-missing', nodeId: 'w' }),
      // The unmigrated params are then checked against the current spec.
      expect.objectContaining({ code: 'param/invalid', nodeId: 'w', field: 'width' }),
    ]);
    const throwing = new Registry([
      inputDef,
      {
        ...widget,
        migrations: [
          { ...widget.migrations![0]!, up: () => reject('x/y', 'cannot read width') },
          widget.migrations![1]!,
        ],
      } as AnyNodeDef,
    ]);
    expect(analyse(doc(1, { width: 2 }), throwing).diagnostics[0]).toMatchObject({
      code: 'node/migration-failed',
      nodeId: 'w',
    });
  });
});
