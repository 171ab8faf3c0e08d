// GraphDoc: the versioned JSON document every part of Netwright reads and writes (DESIGN §8).
// Semantics (nodes, edges, training) apart from presentation (layout). Records keyed by id give
// stable immer patch paths.

import { z } from 'zod';
import { DatasetBindingSchema } from '../datasets/binding.ts';

export const GRAPH_FORMAT = 'netwright.graph';
export const CURRENT_FORMAT_VERSION = 2;

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
     * Weight sharing (issue #13): the id of another node of the same scope, of the same type and
     * weight shapes, whose layer this node applies — one set of variables, counted once, whose
     * gradient sums both uses (analysis: graph/share-*). Optional; older documents have none.
     */
    shareWeights: Id.optional(),
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

const JsonRecord = z.record(z.string(), z.unknown());

/**
 * A loss weight over a phase: a constant, or linear from `from` (first step) to `to` (last step).
 */
export const ScheduleSchema = z.union([
  z.number().finite(),
  z
    .object({
      from: z.number().finite(),
      to: z.number().finite(),
      /** 'linear' (default) or 'cosine': from + (to − from)·(1 − cos πt)/2 (BYOL's τ ramp). */
      curve: z.enum(['linear', 'cosine']).optional(),
    })
    .strict(),
]);

/**
 * An EMA copy during a gradient phase (BYOL/MYOW target network): after every optimizer step,
 * θ_to ← τ·θ_to + (1 − τ)·θ_from, τ following `tau` over the phase's steps. The two variable
 * groups' weights pair up in node order with equal shapes (train/copy-mismatch otherwise); `to`
 * must not be trained by the phase (src/core/copies.ts).
 */
export const EmaCopySchema = z
  .object({ from: z.string().min(1), to: z.string().min(1), tau: ScheduleSchema })
  .strict();

/**
 * An optimizer over some variable groups of a phase. Its state (Adam moments, momentum) is kept
 * across phases that name the same `id`, and fresh for an id not seen before. `type` defaults to
 * `training.optimizer.type`; `params` are laid over `training.optimizer.params` when the type is
 * the same. `clipNorm`: gradients of this group scaled by clipNorm / max(‖g‖, clipNorm), ‖g‖ the
 * global norm over the group's variables. `lrScale`: the group's learning rate times a constant,
 * or times a metric node's value on the same batch, clamped to [min, max].
 */
export const OptimizerGroupSchema = z
  .object({
    id: Id,
    /** Variable groups this optimizer updates; every group the phase trains when omitted. */
    groups: z.array(z.string()).optional(),
    type: z.string().optional(),
    params: JsonRecord.optional(),
    clipNorm: z.number().positive().finite().optional(),
    lrScale: z
      .union([
        z.number().positive().finite(),
        z
          .object({
            metric: z.string(),
            min: z.number().nonnegative().finite(),
            max: z.number().positive().finite(),
          })
          .strict(),
      ])
      .optional(),
  })
  .strict();

/**
 * What a phase trains on: `dataset` (a different dataset binding for this phase, with its own
 * transforms; the graph's when absent), `subset` (the name of one of that binding's `subsets`: the
 * phase trains on those training rows only — e.g. `rows: [0, m]` unlabeled, then labeled rows),
 * `sizes` ([train] or [train, val]: at most that many rows, the first ones of the subset and of the
 * validation split) and `batchSize`.
 */
export const PhaseDataSchema = z
  .object({
    dataset: DatasetBindingSchema.optional(),
    subset: z.string().optional(),
    sizes: z.array(z.number().int().min(1)).min(1).max(2).optional(),
    batchSize: z.number().int().min(1).max(65_536).optional(),
    /**
     * Gradient phases: the fraction of the phase's training rows each epoch trains on, one entry per
     * epoch (epoch e uses fractions[e mod length]); epoch e draws ⌊N·f⌋ rows (at least one).
     * Uniformly without replacement, or by `weights` when given (P38's data-size cycle).
     */
    fractions: z.array(z.number().gt(0).max(1)).min(1).max(10_000).optional(),
    /**
     * Gradient phases: draw each epoch's rows WITHOUT replacement with probability ∝ a score read
     * from a width-1 store (training.stores) — Gumbel-top-k: keys = log s + Gumbel(0, 1), the n
     * largest (src/core/sampling.ts). The store holds a loss ℓ per row: `order` 'easy' scores
     * s = 1/ℓ, 'hard' s = ℓ, 'random' s = 1 (zeros replaced by the smallest positive score).
     */
    weights: z
      .object({ store: z.string().min(1), order: z.enum(['easy', 'hard', 'random']).default('easy') })
      .strict()
      .optional(),
  })
  .strict();

/**
 * A named per-sample store (W3): N rows × `width` values, N = the training rows of the phase that
 * refreshes it, filled with `init` until a refresh phase writes a node's inference output into it.
 * Read by a gradient phase's `data.weights` (score-weighted sampling).
 */
export const StoreSchema = z
  .object({
    name: Id,
    width: z.number().int().min(1).max(4096),
    init: z.number().finite().optional(),
    /**
     * Applied to every refresh's values before they are written (src/core/store-transforms.ts).
     * 'decTarget': the refreshed rows are DEC's soft assignments q; the store keeps DEC's target
     * p_ij = (q_ij²/f_j) / Σ_j′ (q_ij′²/f_j′), f_j = Σ_i q_ij over the whole store.
     */
    transform: z.enum(['decTarget']).optional(),
    doc: z.string().max(400).optional(),
  })
  .strict();

/**
 * A store refresh inside a gradient phase (W3): model node `from` runs in inference mode over every
 * training row of the phase and its per-row output is written into store `store` — at the start of
 * every epoch (`every: 'epoch'`) or before every N-th optimizer step of the phase (`every: N`,
 * steps 0, N, 2N, …; DEC's target update interval).
 */
export const PhaseRefreshSchema = z
  .object({
    store: z.string().min(1),
    from: z.string().min(1),
    /** 'epoch' or N optimizer steps (an integer ≥ 1; analysis reports train/store-every otherwise). */
    every: z.union([z.literal('epoch'), z.number()]).default('epoch'),
  })
  .strict();

/**
 * A fit node re-solved during a gradient phase (`refits`): before the epoch starts ('epoch') or
 * before optimizer steps 0, N, 2N, … — one inference pass over the phase's training rows, then the
 * node's closed-form solve, as a fit phase does (SDM's exemplar index rebuilt every epoch).
 */
export const PhaseRefitSchema = z
  .object({
    node: z.string().min(1),
    /** 'epoch' or N optimizer steps (an integer ≥ 1; analysis reports train/fit-every otherwise). */
    every: z.union([z.literal('epoch'), z.number()]).default('epoch'),
  })
  .strict();

/**
 * One phase of a training procedure (formatVersion 2; formatVersion 1's `stages` migrate to it).
 * - `kind`: 'gradient', 'fit' or 'copy'. A fit phase is one pass over the phase's training rows in
 *   inference mode that sets the weights of the `nodes` listed (each has a closed-form fit,
 *   node-def.ts FitSpec); `groups`/`optimizers`/`lossWeights` do not apply. A copy phase
 *   `{ name, kind: 'copy', from, to }` copies the weights of variable group `from` onto group `to`
 *   once, at that point of the procedure (a frozen teacher); it has no epochs, groups or optimizers.
 *   A refresh phase `{ name, kind: 'refresh', store, from }` runs model node `from` in inference
 *   mode over every training row of its data view and writes its per-row output (width = the
 *   store's width) into store `store` (training.stores); it has no epochs, groups or optimizers.
 * - `nodes`: a fit phase's nodes, fitted in the order given.
 * - `copies` (gradient phases): EMA copies applied after every optimizer step (EmaCopySchema).
 * - `refreshes` (gradient phases): stores refreshed during the phase (PhaseRefreshSchema), every
 *   epoch or every N optimizer steps.
 * - `refits` (gradient phases): fit nodes re-solved during the phase (PhaseRefitSchema), every
 *   epoch or every N optimizer steps, on the phase's training rows.
 * - `groups`: variable groups trained; every other group is frozen AND runs in inference mode
 *   (BatchNorm uses and keeps its moving statistics, dropout is off). All groups when omitted.
 * - `heads`: the loss and metric node ids active in this phase (all when omitted).
 * - `overrides`: runtime params by node id (`{ node: { param: value } }`, only params declared
 *   `runtime: true`), set without rebuilding for this phase; later phases start from the graph's
 *   values again, and the model keeps the last phase's values after training.
 * - `optimizers`: optimizer groups (above); without them the phase gets one fresh optimizer
 *   (`training.optimizer`) over everything it trains.
 * - `lossWeights`: loss node id → schedule, replacing that node's weight in this phase.
 * - `reinit`: node ids whose weights go back to their values at the start of training.
 */
export const PhaseSchema = z
  .object({
    name: z.string().min(1).max(64),
    kind: z.enum(['gradient', 'fit', 'copy', 'refresh']).default('gradient'),
    /** Required (≥ 1) for gradient phases; a copy phase has none (0); a fit phase is one pass. */
    epochs: z.number().int().min(0).max(10_000).default(0),
    nodes: z.array(z.string()).optional(),
    /** Copy phases: the source and target variable groups. Refresh phases: `from` is a node id. */
    from: z.string().min(1).optional(),
    to: z.string().min(1).optional(),
    /** Refresh phases: the store written (a name in training.stores). */
    store: z.string().min(1).optional(),
    copies: z.array(EmaCopySchema).optional(),
    refreshes: z.array(PhaseRefreshSchema).min(1).max(16).optional(),
    refits: z.array(PhaseRefitSchema).min(1).max(16).optional(),
    groups: z.array(z.string()).optional(),
    heads: z.array(z.string()).optional(),
    data: PhaseDataSchema.optional(),
    overrides: z.record(z.string(), JsonRecord).optional(),
    optimizers: z.array(OptimizerGroupSchema).optional(),
    lossWeights: z.record(z.string(), ScheduleSchema).optional(),
    reinit: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.kind === 'gradient' && p.epochs < 1)
      ctx.addIssue({ code: 'custom', path: ['epochs'], message: 'a gradient phase needs epochs ≥ 1' });
    if (p.kind === 'copy' && (p.from === undefined || p.to === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: "a copy phase needs 'from' and 'to' variable groups",
      });
    if (p.kind === 'refresh' && (p.store === undefined || p.from === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['store'],
        message: "a refresh phase needs 'store' (a training.stores name) and 'from' (a node id)",
      });
    if (p.kind !== 'refresh' && p.store !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['store'],
        message: "'store' belongs to refresh phases (kind: 'refresh')",
      });
    if (p.kind !== 'copy' && p.to !== undefined)
      ctx.addIssue({ code: 'custom', path: ['to'], message: "'to' belongs to copy phases (kind: 'copy')" });
    if (p.kind !== 'copy' && p.kind !== 'refresh' && p.from !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: "'from' belongs to copy phases (kind: 'copy') and refresh phases (kind: 'refresh')",
      });
  });

export const TrainingSchema = z
  .object({
    dataset: DatasetBindingSchema,
    optimizer: z
      .object({ type: z.string(), params: JsonRecord.default({}) })
      .strict()
      .default({ type: 'optimizers.adam', params: {} }),
    batchSize: z.number().int().min(1).max(65_536).default(32),
    /** Epochs of the one implicit phase when `phases` is absent. */
    epochs: z.number().int().min(1).max(10_000).default(1),
    seed: z.number().int().min(0).default(1),
    /** The training procedure; one phase of `epochs` over every group when absent. */
    phases: z.array(PhaseSchema).min(1).optional(),
    /** Named per-sample stores that refresh phases write and phases' data views read. */
    stores: z.array(StoreSchema).min(1).max(16).optional(),
  })
  .strict();

/**
 * An analysis a template opens with (W4): a registered tool (src/explain, e.g. `gradCam`,
 * `eigenCam`) aimed at a model node, with the tool's params. Optional; older docs have none.
 */
export const AnalysisSchema = z
  .object({
    tool: z.string().min(1).max(64),
    node: z.string().min(1),
    params: JsonRecord.default({}),
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
    /** Analyses the graph opens with (Explain drawer, `netwright analyse`). */
    analyses: z.array(AnalysisSchema).max(32).optional(),
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
export type PhaseRecord = z.infer<typeof PhaseSchema>;
export type EmaCopyRecord = z.infer<typeof EmaCopySchema>;
export type OptimizerGroupRecord = z.infer<typeof OptimizerGroupSchema>;
export type StoreRecord = z.infer<typeof StoreSchema>;
export type PhaseRefreshRecord = z.infer<typeof PhaseRefreshSchema>;
export type PhaseRefitRecord = z.infer<typeof PhaseRefitSchema>;

/** JSON Schema of the file format, for editors and other tools (kept in sync by a test). */
export function graphJsonSchema(): unknown {
  return z.toJSONSchema(GraphDocSchema, { io: 'input', target: 'draft-2020-12' });
}
