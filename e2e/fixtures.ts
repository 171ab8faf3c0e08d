// Shared e2e fixtures: the templates on disk (the app bundles the same files) and page helpers.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

export interface TemplateOnDisk {
  readonly id: string;
  readonly title: string | undefined;
  readonly expectedParams: number | undefined;
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** The last recorded verify outcome (meta.verdict), when the template has one. */
  readonly verdict: { readonly result: 'pass' | 'fail'; readonly figure: string } | undefined;
  /** Node-to-node connections, by edge id. */
  readonly edges: readonly { readonly id: string; readonly from: string; readonly to: string }[];
}

/** Every `templates/<id>.graph.json`, read straight from disk (not through the app's code). */
export function templatesOnDisk(): TemplateOnDisk[] {
  return readdirSync(TEMPLATES_DIR)
    .filter((f) => f.endsWith('.graph.json'))
    .sort()
    .map((f) => {
      const doc = JSON.parse(readFileSync(TEMPLATES_DIR + f, 'utf8')) as {
        meta?: {
          title?: string;
          expected?: { params?: number };
          verdict?: { result: 'pass' | 'fail'; figure: string };
        };
        nodes?: Record<string, unknown>;
        edges?: Record<string, { from: { node: string }; to: { node: string } }>;
      };
      return {
        id: f.slice(0, -'.graph.json'.length),
        title: doc.meta?.title,
        expectedParams: doc.meta?.expected?.params,
        verdict: doc.meta?.verdict,
        nodeCount: Object.keys(doc.nodes ?? {}).length,
        edgeCount: Object.keys(doc.edges ?? {}).length,
        edges: Object.entries(doc.edges ?? {}).map(([id, e]) => ({ id, from: e.from.node, to: e.to.node })),
      };
    });
}

/** Keras-style `Total params: 101,770`, spelled out here independently of the app's formatter. */
export const totalParamsText = (n: number): string => `Total params: ${n.toLocaleString('en-US')}`;
