// graph.schema.json (for editors and other tools) is generated from the zod schema and committed;
// this test fails when the two drift apart.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CURRENT_FORMAT_VERSION, GRAPH_FORMAT, graphJsonSchema, ID_PATTERN } from '../core/doc/schema.ts';
import { readFixture, VALID_MLP_FIXTURE } from './fixtures/broken.ts';

const SCHEMA_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'graph.schema.json');
const REGENERATE =
  'graph.schema.json is out of date: run `npx tsx scripts/gen-json-schema.ts` to regenerate it.';

type Schema = {
  $schema: string;
  type: string;
  required: string[];
  additionalProperties: boolean;
  properties: Record<
    string,
    { const?: unknown; propertyNames?: { pattern?: string }; additionalProperties?: unknown }
  >;
};

describe('graph.schema.json', () => {
  it('equals graphJsonSchema() serialised with 2-space indent and a final newline', () => {
    const expected = `${JSON.stringify(graphJsonSchema(), null, 2)}\n`;
    let committed = '';
    try {
      committed = readFileSync(SCHEMA_PATH, 'utf8');
    } catch {
      expect.fail(`graph.schema.json is missing: run \`npx tsx scripts/gen-json-schema.ts\` to generate it.`);
    }
    expect(committed === expected, REGENERATE).toBe(true);
  });

  it('describes the file format: format/version constants, id-keyed nodes and edges, strict top level', () => {
    const schema = graphJsonSchema() as Schema;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(expect.arrayContaining(['format', 'formatVersion', 'nodes']));
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.format?.const).toBe(GRAPH_FORMAT);
    expect(schema.properties.formatVersion?.const).toBe(CURRENT_FORMAT_VERSION);
    expect(schema.properties.nodes?.propertyNames?.pattern).toBe(ID_PATTERN.source);
    expect(schema.properties.edges?.propertyNames?.pattern).toBe(ID_PATTERN.source);
    expect(Object.keys(schema.properties).sort()).toEqual(
      ['analyses', 'edges', 'format', 'formatVersion', 'layout', 'meta', 'nodes', 'training'].sort(),
    );
  });

  it('every top-level key of a real graph file is one the schema declares', () => {
    const schema = graphJsonSchema() as Schema;
    const graph = JSON.parse(readFixture(VALID_MLP_FIXTURE)) as Record<string, unknown>;
    for (const key of Object.keys(graph)) expect(Object.keys(schema.properties), key).toContain(key);
  });
});
