// GraphDoc: the versioned JSON document every part of Netwright reads and writes (DESIGN §8).
// Semantics (nodes, edges, training) apart from presentation (layout). Records keyed by id give
// stable immer patch paths.

import { z } from 'zod';
import { DatasetBindingSchema } from '../datasets/binding.ts';

export const GRAPH_FORMAT = 'netwright.graph';
export const CURRENT_FORMAT_VERSION = 1;

/** Node ids appear in tfjs layer names and generated code, so keep them identifier-like. */
export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const Id = z
  .string()
  .regex(ID_PATTERN, 'must start with a letter or _ and use letters, digits, _ or - (≤ 64)');

export const EndpointSchema = z.object({ node: z.string(), port: z.string() }).strict();

export const EdgeRecordSchema = z.object({ from: EndpointSchema, to: EndpointSchema }).strict();

export const PositionSchema = z.object({ x: z.number().finite(), y: z.number().finite() }).strict();

export const NodeRecordSchema = z
  .object({
    type: z.string().min(1),
    v: z.number().int().min(1),
    params: z.record(z.string(), z.unknown()).default({}),
    /** Variable group for staged training (default 'main'). */
    group: Id.optional(),
    label: z.string().max(200).optional(),
    /**
     * The inner graph of a group node (`group.subgraph`), inline so a file is self-contained.
     * Its `group.input` / `group.output` nodes are the group's ports.
     */
    get graph() {
      return SubgraphSchema.optional();
    },
  })
  .strict();

/** A graph inside a group node: the same records as a document, without meta or training. */
export const SubgraphSchema = z
  .object({
    nodes: z.record(Id, NodeRecordSchema),
    edges: z.record(Id, EdgeRecordSchema).default({}),
    layout: z.record(z.string(), PositionSchema).default({}),
  })
  .strict();

export const PaperSchema = z
  .object({
    title: z.string(),
    authors: z.string().optional(),
    year: z.number().int(),
    arxiv: z.string().optional(),
    url: z.string().optional(),
  })
  .strict();

export const MetaSchema = z
  .object({
    title: z.string().default('Untitled graph'),
    description: z.string().optional(),
    paper: PaperSchema.optional(),
    claim: z.string().optional(),
    experiment: z.string().optional(),
    pass: z.string().optional(),
    /** What `netwright verify` measured (figures per seed, PASS/FAIL), recorded by hand. */
    measured: z.string().optional(),
    /** The recorded outcome of `measured`, for the gallery: PASS/FAIL and the one figure that
     * decides it (conditions included), so a card says whether the claim was reproduced. */
    verdict: z
      .object({ result: z.enum(['pass', 'fail']), figure: z.string().min(1).max(240) })
      .strict()
      .optional(),
    /** Where the miniature departs from the paper. */
    departures: z.string().optional(),
    tags: z.array(z.string()).optional(),
    expected: z.object({ params: z.number().int().nonnegative().optional() }).strict().optional(),
  })
  .strict();

export const StageSchema = z
  .object({
    name: z.string().default('train'),
    epochs: z.number().int().min(1).max(10_000),
    /** Variable groups trained in this stage; all when omitted. */
    groups: z.array(z.string()).optional(),
    learningRate: z.number().positive().optional(),
  })
  .strict();

export const TrainingSchema = z
  .object({
    dataset: DatasetBindingSchema,
    optimizer: z
      .object({ type: z.string(), params: z.record(z.string(), z.unknown()).default({}) })
      .strict()
      .default({ type: 'optimizers.adam', params: {} }),
    batchSize: z.number().int().min(1).max(65_536).default(32),
    epochs: z.number().int().min(1).max(10_000).default(1),
    seed: z.number().int().min(0).default(1),
    stages: z.array(StageSchema).optional(),
  })
  .strict();

/** The shape of a GraphDoc (also used to generate graph.schema.json). */
export const GraphDocSchema = z
  .object({
    format: z.literal(GRAPH_FORMAT),
    formatVersion: z.literal(CURRENT_FORMAT_VERSION),
    meta: MetaSchema.default({ title: 'Untitled graph' }),
    nodes: z.record(Id, NodeRecordSchema),
    edges: z.record(Id, EdgeRecordSchema).default({}),
    training: TrainingSchema.optional(),
    layout: z.record(z.string(), PositionSchema).default({}),
  })
  .strict();

export type GraphDoc = z.infer<typeof GraphDocSchema>;
export type NodeRecord = z.infer<typeof NodeRecordSchema>;
export type Subgraph = z.infer<typeof SubgraphSchema>;
/** The part of a document the editor draws and edits: the top level or a group's inside. */
export type GraphScope = Pick<GraphDoc, 'nodes' | 'edges' | 'layout'>;
export type EdgeRecord = z.infer<typeof EdgeRecordSchema>;
export type Endpoint = z.infer<typeof EndpointSchema>;
export type TrainingConfig = z.infer<typeof TrainingSchema>;
export type GraphMeta = z.infer<typeof MetaSchema>;

/** JSON Schema of the file format, for editors and other tools (kept in sync by a test). */
export function graphJsonSchema(): unknown {
  return z.toJSONSchema(GraphDocSchema, { io: 'input', target: 'draft-2020-12' });
}
