// Regenerates graph.schema.json (the JSON Schema of *.graph.json files) from the zod schema.
// Run: npx tsx scripts/gen-json-schema.ts   (src/testing/json-schema.test.ts checks it is current)
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { graphJsonSchema } from '../src/core/doc/schema.ts';

export const GRAPH_SCHEMA_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'graph.schema.json');

/** The file's exact text: 2-space JSON and a final newline. */
export const graphSchemaText = (): string => `${JSON.stringify(graphJsonSchema(), null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(GRAPH_SCHEMA_PATH, graphSchemaText());
  console.log(`wrote ${GRAPH_SCHEMA_PATH}`);
}
