// The training half of the exported module: loss and metric functions traced from the nodes' own
// `fn`, and `train(model, data, opts)` doing what src/trainer/loop.ts does — a fresh optimizer per
// stage over the stage's variable groups (AdamW's decoupled decay included), the loss as the
// weighted sum of the loss nodes, the trainer's seeded batch order. Pure.

import {
  fieldName,
  type IRNode,
  type IRRef,
  type IRTraining,
  inputSource,
  type Json,
  modelOutputKeys,
  refKey,
} from '../ir.ts';
import type { HeadFn } from '../node-def.ts';
import type { Ops } from '../ops.ts';
import { type Context, nodeTitle, paperNote, type Shape } from './context.ts';
import { call, type Expr, layout, object } from './layout.ts';
import { phasedTrain, phaseFeatures, phaseHelpers, phaseTable } from './phased-train.ts';
import { CodegenError, docComment, printKey, printNumber, printString, printValue, WIDTH } from './print.ts';
import { exportProcedure } from './stages.ts';

// ---- losses and metrics ---------------------------------------------------------------------------

/** One function per distinct traced loss/metric; fills ctx.headFunctions. */
export function headFunctions(ctx: Context): string[][] {
  const heads = [...ctx.ir.losses, ...ctx.ir.metrics];
  const traced = heads.map((node) => ({ node, ...traceHead(ctx, node) }));
  const sections: string[][] = [];
  const byText = new Map<string, string>();
  for (const t of traced) {
    const def = ctx.def(t.node);
    // A whole-split metric's finalize depends on its params (micro/macro share their stats).
    const config0 =
      t.node.op.kind === 'metric' && t.statsLength !== undefined ? JSON.stringify(t.node.op.config) : '';
    const key = `${t.node.type}\n${t.params.join(',')}\n${t.lines.join('\n')}\n${config0}`;
    const existing = byText.get(key);
    if (existing) {
      ctx.headFunctions.set(t.node.id, existing);
      const fin = [...ctx.headFunctions].find(([id, f]) => f === existing && ctx.splitFinalize.has(id));
      if (fin) ctx.splitFinalize.set(t.node.id, ctx.splitFinalize.get(fin[0])!);
      continue;
    }
    // The type's name; a type traced differently by several nodes adds the node id.
    const base = def.type.slice(def.type.indexOf('.') + 1);
    const variants = new Set(
      traced.filter((o) => o.node.type === t.node.type).map((o) => o.lines.join('\n')),
    );
    const name = ctx.moduleNames.fresh(variants.size > 1 ? `${base}-${t.node.id}` : base);
    byText.set(key, name);
    ctx.headFunctions.set(t.node.id, name);
    const config = t.node.op.kind === 'loss' || t.node.op.kind === 'metric' ? t.node.op.config : {};
    sections.push([
      ...docComment(
        [
          nodeTitle(def),
          ...paperNote(def),
          ...(Object.keys(config).length ? [`Traced for ${printValue(config)}.`] : []),
        ],
        0,
      ),
      `function ${name}(${t.params.map((p) => `${p}: tf.Tensor`).join(', ')}): ${t.returns} {`,
      ...t.lines,
      '}',
    ]);
    if (t.returns !== 'tf.Scalar') {
      const fin = ctx.moduleNames.fresh(`${name}-finalize`);
      ctx.splitFinalize.set(t.node.id, fin);
      if (t.statsLength === undefined)
        throw new CodegenError(`metric '${t.node.id}': its per-batch sums have no fixed length`, t.node.id);
      sections.push(finalizeFunction(ctx, t.node, fin, t.statsLength));
    }
  }
  return sections;
}

function traceHead(
  ctx: Context,
  node: IRNode,
): { lines: string[]; params: string[]; returns: string; statsLength?: number } {
  const def = ctx.def(node);
  const head = node.op.kind === 'loss' ? def.loss : def.metric;
  if (!head) throw new CodegenError(`node type '${node.type}' has no ${node.op.kind} function`, node.id);
  const config = node.op.kind === 'loss' || node.op.kind === 'metric' ? node.op.config : {};
  const namer = ctx.localNamer();
  const names = ctx.inputNames(node, def, config).map((n) => namer.fresh(n));
  const leaves = names.map((name, i) => ({ name, shape: headInputShape(ctx, node, node.inputs[i]!) }));
  const split = head.split;
  if (split && !split.finalizeOps) throw splitMetricUnsupported(node, def.title, 'the exported train()');
  const returns = split ? 'tf.Tensor' : 'tf.Scalar';
  const print = { indent: 2, width: WIDTH, namer, returnSuffix: split ? '' : ' as tf.Scalar' };
  const ports = node.ports ?? ['pred', 'target'];
  const stats = head.stats ? statsLeaves(ctx, node, (n) => namer.fresh(n)) : [];
  let statsLength: number | undefined;
  const lines = ctx.trace(node, [...leaves, ...stats], print, (ops, ls) => {
    if (!split) return callTracedHead(head, ops, ls, ports, config);
    // A whole-split metric returns this batch's sums; train() finalises their totals once.
    const byPort = Object.fromEntries(ports.map((p, i) => [p, ls[i]!]));
    const sums = split.stats(ops, byPort, config as never);
    statsLength = ops.shape(sums)[0];
    return sums;
  });
  // A statistic this head's formula does not read stays a parameter (call sites pass all three), marked unused.
  const used = (name: string) => lines.some((l) => new RegExp(`\\b${name}\\b`).test(l));
  const params = [...names, ...stats.map((l) => (used(l.name) ? l.name : `_${l.name}`))];
  return { lines, params, returns, ...(statsLength !== undefined ? { statsLength } : {}) };
}

/** `<name>Finalize(sums)`: a whole-split metric's finalize, traced from its finalizeOps over its totals. */
function finalizeFunction(ctx: Context, node: IRNode, name: string, size: number): string[] {
  const def = ctx.def(node);
  const split = def.metric!.split!;
  const config = node.op.kind === 'metric' ? node.op.config : {};
  const namer = ctx.localNamer();
  const sums = namer.fresh('sums');
  const print = { indent: 2, width: WIDTH, namer, returnSuffix: ' as tf.Scalar' };
  const lines = ctx.trace(node, [{ name: sums, shape: [size] }], print, (ops, [s]) =>
    split.finalizeOps!(ops, s!, config as never),
  );
  return [
    ...docComment([`${def.title}: the value from the split's totals (summed over every batch).`], 0),
    `function ${name}(${sums}: tf.Tensor): tf.Scalar {`,
    ...lines,
    '}',
  ];
}

/** Label statistics a head reads (`HeadFn.stats`), in the order traced head functions take them. */
export const STATS_KEYS = ['count', 'labelCounts', 'labelPairs'] as const;

/** Leaves for a stats head's statistics: count [], labelCounts [L], labelPairs [L, L]. */
export function statsLeaves(ctx: Context, node: IRNode, name: (key: string) => string) {
  const l = numClasses(ctx, node);
  const shapes: Shape[] = [[], [l], [l, l]];
  return STATS_KEYS.map((key, i) => ({ name: name(key), shape: shapes[i]! }));
}

/** A head on traced leaves: its ports in order, then the statistics when it reads them. */
export function callTracedHead<T>(
  head: HeadFn<never>,
  ops: Ops<T>,
  ls: readonly T[],
  ports: readonly string[],
  config: unknown,
): T {
  const params = config as never;
  if (!head.call) return head.fn(ops, ls[0]!, ls[1]!, params);
  const inputs = Object.fromEntries(ports.map((p, i) => [p, ls[i]!]));
  const [count, labelCounts, labelPairs] = ls.slice(ports.length);
  const stats = head.stats
    ? { stats: { count: count!, labelCounts: labelCounts!, labelPairs: labelPairs! } }
    : {};
  return head.call(ops, inputs, params, stats);
}

/** Whole-split metrics (finalize(Σ stats)) are refused by both exporters, which report batch means. */
export const splitMetricUnsupported = (node: IRNode, title: string, trainer: string): CodegenError =>
  new CodegenError(
    `export/unsupported: metric '${node.id}' (${title}) is a whole-split metric (sums over the split, finalised once); ${trainer} reports batch means only. Remove it before exporting.`,
    node.id,
  );

/** Static shape of a head's input: a model output, or the labels as the trainer feeds them. */
export function headInputShape(ctx: Context, head: IRNode, ref: IRRef): Shape {
  if ('node' in ref) return ctx.shapeOf(ref);
  // Class labels have the prediction's positions ([B], or [B, H, W] for a class map).
  const positions = labelPositions(ctx, head);
  if (ref.labels === 'onehot') return [...positions, numClasses(ctx, head)];
  if (ref.labels === 'index') return positions;
  const pred = head.inputs.find((r) => 'node' in r);
  return pred ? ctx.shapeOf(pred) : [null];
}

/** Batch and positions of a head's class labels: [B] for one class per sample, else pred minus its last axis. */
export function labelPositions(ctx: Context, head: IRNode): Shape {
  // The prediction is the `pred` port where the head names its ports (an n-ary head may read other
  // tensors first, e.g. NoProp's embedding table), else its first model input.
  // A head with named ports and no `pred` (NoProp's KL reads a [B, C, d] table) reads one class
  // per sample.
  const predAt = head.ports?.indexOf('pred') ?? -1;
  if (head.ports && predAt < 0) return [null];
  const named = predAt >= 0 ? head.inputs[predAt] : undefined;
  const pred = named && 'node' in named ? named : head.inputs.find((r) => 'node' in r);
  const shape = pred ? ctx.shapeOf(pred) : [];
  return shape.length > 2 ? shape.slice(0, -1) : [null];
}

/** Classes of a head reading one-hot labels: the last dim of its prediction. */
export function numClasses(ctx: Context, head: IRNode): number {
  const pred = head.inputs.find((r) => 'node' in r);
  const c = pred ? ctx.shapeOf(pred).at(-1) : undefined;
  if (typeof c !== 'number')
    throw new CodegenError(
      `node '${head.id}' reads one-hot labels, but its prediction's shape does not tell the number of classes`,
      head.id,
    );
  return c;
}

// ---- train() ------------------------------------------------------------------------------------------

interface Optimizer {
  readonly lines: string[];
  /** Title and settings, for comments. */
  readonly summary: string;
  /** AdamW's decoupled weight decay λ. */
  readonly decay?: number;
}

/** makeOptimizer(learningRate): the tfjs optimizer src/trainer/optimizers.ts builds. */
function optimizer(ctx: Context, training: IRTraining, phased: boolean): Optimizer {
  const def = ctx.registry.get(training.optimizer.type);
  if (!def?.optimizer) throw new CodegenError(`unknown optimizer '${training.optimizer.type}'`);
  const c = training.optimizer.config;
  const num = (k: string, d: number) => printNumber(typeof c[k] === 'number' ? (c[k] as number) : d);
  let factory: Expr;
  let decay: number | undefined;
  switch (def.optimizer.algorithm) {
    case 'sgd':
    case 'momentum': {
      const m = typeof c.momentum === 'number' ? c.momentum : 0;
      factory =
        m > 0
          ? call('tf.train.momentum', 'learningRate', printNumber(m), String(c.nesterov === true))
          : call('tf.train.sgd', 'learningRate');
      break;
    }
    case 'adamw':
      decay = typeof c.weightDecay === 'number' ? c.weightDecay : 0.004;
      factory = call(
        'tf.train.adam',
        'learningRate',
        num('beta1', 0.9),
        num('beta2', 0.999),
        num('epsilon', 1e-7),
      );
      break;
    case 'adam':
      factory = call(
        'tf.train.adam',
        'learningRate',
        num('beta1', 0.9),
        num('beta2', 0.999),
        num('epsilon', 1e-7),
      );
      break;
    case 'rmsprop':
      factory = call(
        'tf.train.rmsprop',
        'learningRate',
        num('decay', 0.9),
        num('momentum', 0),
        num('epsilon', 1e-7),
        String(c.centered === true),
      );
      break;
  }
  const settings = Object.entries(c)
    .map(([k, v]) => `${k} ${printValue(v)}`)
    .join(', ');
  const summary = `${def.title} (${settings})`;
  const note =
    decay !== undefined ? ' train() applies its decoupled weight decay before each Adam step.' : '';
  return {
    lines: [
      ...docComment(
        [
          `${summary}, ${phased ? 'one per optimizer group, kept across phases by its id' : 'a fresh one per stage'}.${note}`,
          ...paperNote(def),
        ],
        0,
      ),
      'function makeOptimizer(learningRate: number): tf.Optimizer {',
      ...layout('return ', factory, ';', 2, WIDTH),
      '}',
    ],
    summary,
    ...(decay !== undefined ? { decay } : {}),
  };
}

export function trainingSections(ctx: Context, training: IRTraining): string[][] {
  const ir = ctx.ir;
  const refs = [...ir.losses, ...ir.metrics].flatMap((h) => h.inputs);
  const classLabels = refs.some((r) => 'labels' in r && r.labels !== 'values');
  const valueLabels = refs.some((r) => 'labels' in r && r.labels === 'values');
  const inputs = ir.inputs.map((id) => ctx.nodes.get(id)!);
  const multiInput = inputs.length > 1;
  const statsHead = [...ir.losses, ...ir.metrics].find((h) => headOf(ctx, h)?.stats);
  const procedure = exportProcedure(training);
  // Full phases (heads, optimizer groups, own data, …) when some phase is more than a plain stage.
  const phased = procedure.kind === 'phases' ? procedure.phases : undefined;
  const stages = procedure.kind === 'stages' ? procedure.stages : [];
  const features = phased ? phaseFeatures(training, phased) : undefined;
  const opt = optimizer(ctx, training, phased !== undefined);
  const usesGroups = features ? features.groups : stages.some((s) => s.groups.length);
  const sections: string[][] = [];

  // Data, options, reports.
  const dims = (n: IRNode) => ['N', ...n.outputShape.slice(1).map((d) => d ?? '?')].join(', ');
  const sourceNote = (n: IRNode) => {
    const src = n.op.kind === 'input' ? inputSource(n.op) : 'features';
    return src === 'features'
      ? ''
      : ` (the dataset's ${src === 'labels' ? 'labels' : `field '${fieldName(src)}'`})`;
  };
  const featureList = inputs.map((n) => `[${dims(n)}]${sourceNote(n)}`).join(' and ');
  const mapHead = [...ir.losses, ...ir.metrics].find(
    (h) => h.inputs.some((r) => 'labels' in r && r.labels !== 'values') && labelPositions(ctx, h).length > 1,
  );
  const mapDims = mapHead ? labelPositions(ctx, mapHead).slice(1) : [];
  const labels = mapHead
    ? `class indices [N, ${mapDims.map((d) => d ?? '?').join(', ')}] (int32, a class per position)`
    : classLabels
      ? 'class indices [N] (int32)'
      : valueLabels
        ? 'target values [N, …] (float32)'
        : "labels (this graph's losses do not read them)";
  const perInput = multiInput ? ', one tensor per model input' : '';
  sections.push([
    ...docComment([`Training data: features ${featureList}${perInput}, and ${labels}.`], 0),
    'export interface TrainData {',
    `  x: ${multiInput ? 'tf.Tensor[]' : 'tf.Tensor'};`,
    '  y: tf.Tensor;',
    '}',
    '',
    'export interface TrainOptions {',
    ...docComment(
      [
        phased
          ? 'Epochs in all: the phases are scaled to it, keeping their proportions (each at least 1; default: as drawn).'
          : stages.length === 1
            ? `Epochs (default: the graph's ${stages[0]!.epochs}).`
            : 'Ignored: the graph trains in several stages.',
      ],
      2,
    ),
    '  epochs?: number;',
    ...(features?.ownData
      ? [
          '  /** The tensors of each phase that trains on its own dataset, by phase name (see PHASES). */',
          '  phaseData?: Record<string, TrainData>;',
        ]
      : []),
    `  /** Default ${training.batchSize}. */`,
    '  batchSize?: number;',
    `  /** Seed of the batch order (default ${training.seed}). */`,
    '  seed?: number;',
    '  onEpoch?: (report: EpochReport) => void | Promise<void>;',
    '}',
    '',
    '/** One epoch: the mean loss, and the mean of each loss term and metric by node id. */',
    'export interface EpochReport {',
    '  stage: string;',
    '  epoch: number;',
    '  loss: number;',
    '  values: Record<string, number>;',
    '}',
  ]);

  // Stages and variable groups.
  const stageExprs = stages.map((s) =>
    object([
      ['name', printString(s.name)],
      ['epochs', printNumber(s.epochs)],
      ['learningRate', printNumber(s.learningRate)],
      ...(s.groups.length ? [['groups', printValue(s.groups as Json)] as [string, Expr]] : []),
    ]),
  );
  const stageSection = [
    usesGroups
      ? '/** A training stage: epochs, learning rate, and the variable groups it trains (all when absent). */'
      : '/** A training stage: epochs and learning rate. */',
    'interface Stage {',
    '  name: string;',
    '  epochs: number;',
    '  learningRate: number;',
    ...(usesGroups ? ['  groups?: string[];'] : []),
    '}',
    '',
    ...layout('const STAGES: Stage[] = ', { array: stageExprs }, ';', 0, WIDTH),
  ];
  const groupLines: string[] = [];
  if (usesGroups) {
    const groups = new Map<string, string[]>();
    // A node sharing another's weights has no layer of its own: its owner is listed.
    for (const n of ir.nodes)
      if (n.op.kind !== 'input' && n.weightsFrom === undefined)
        groups.set(n.group, [...(groups.get(n.group) ?? []), n.id]);
    const props = [...groups].map(([g, ids]): [string, Expr] => [
      printKey(g),
      { array: ids.map(printString) },
    ]);
    groupLines.push(
      '',
      '/** Variable groups: the layers (node ids) whose weights each group holds. */',
      ...layout('const GROUPS: Record<string, string[]> = ', object(props), ';', 0, WIDTH),
    );
  }
  if (phased) stageSection.splice(0, stageSection.length, ...phaseTable(training, phased, features!));
  stageSection.push(...groupLines);
  sections.push(stageSection, opt.lines);

  // The objective: model outputs → loss terms (weighted sum) and metrics.
  ctx.helpers.add('toList');
  const namer = ctx.localNamer();
  namer.take('model');
  const x = namer.fresh('x');
  const y = namer.fresh('y');
  const statsVar = statsHead ? namer.fresh('stats') : '';
  // The outputs the heads read (a model output nobody reads is left out of the destructuring);
  // keyed as run() keys them (`<node>:<port>` for each port of a multi-output node).
  const outKeys = modelOutputKeys(ir);
  const read = new Set(refs.flatMap((r) => ('node' in r ? [refKey(ir, r)] : [])));
  const outVar = new Map(
    outKeys.filter((k) => read.has(k)).map((k) => [k, namer.fresh(k.replace(':', '_'))]),
  );
  const lastRead = Math.max(-1, ...outKeys.map((k, i) => (read.has(k) ? i : -1)));
  const pattern = outKeys
    .slice(0, lastRead + 1)
    .map((k) => outVar.get(k) ?? '')
    .join(', ');
  const tensors = outKeys
    .slice(0, lastRead + 1)
    .map(() => 'tf.Tensor')
    .join(', ');
  const body: string[] = [];
  const unpack = `  const [${pattern}] = toList(model.apply(${x}, { training: true }) as tf.Tensor | tf.Tensor[]) as [${tensors}];`;
  if (lastRead < 0) body.push(`  model.apply(${x}, { training: true });`);
  else if (unpack.length <= WIDTH) body.push(unpack);
  else
    body.push(
      `  const outputs = model.apply(${x}, { training: true }) as tf.Tensor | tf.Tensor[];`,
      `  const [${pattern}] = toList(outputs) as [${tensors}];`,
    );
  let onehot: string | undefined;
  const argOf = (head: IRNode, r: IRRef): string => {
    if ('node' in r) {
      const v = outVar.get(refKey(ir, r));
      if (!v)
        throw new CodegenError(`node '${head.id}' reads '${r.node}', which is not a model output`, head.id);
      return v;
    }
    if (r.labels !== 'onehot') return y;
    if (!onehot) {
      onehot = namer.fresh('onehot');
      ctx.helpers.add('oneHot');
      const c = numClasses(ctx, head);
      // Class maps keep their positions, as the app's trainer does: [B, H, W] → [B, H, W, C].
      const perPosition = labelPositions(ctx, head).length > 1;
      body.push(
        perPosition
          ? `  const ${onehot} = tf.reshape(oneHot(${y}, ${c}), [...${y}.shape, ${c}]);`
          : `  const ${onehot} = oneHot(${y}, ${c});`,
      );
    }
    return onehot;
  };
  const values: [string, Expr][] = [];
  const terms: { v: string; weight: number }[] = [];
  const argsOf = (h: IRNode): string[] => [
    ...h.inputs.map((r) => argOf(h, r)),
    ...(headOf(ctx, h)?.stats ? STATS_KEYS.map((k) => `${statsVar}.${k}`) : []),
  ];
  const phaseVar = phased ? namer.fresh('phase') : '';
  const progressVar = features?.lossWeights ? namer.fresh('progress') : '';
  if (phased) objectivePhased();
  else {
    for (const l of ir.losses) {
      const args = argsOf(l);
      const v = namer.fresh(l.id);
      body.push(...layout(`const ${v} = `, call(ctx.headFunctions.get(l.id)!, ...args), ';', 2, WIDTH));
      values.push([printKey(l.id), v]);
      terms.push({ v, weight: l.op.kind === 'loss' ? l.op.weight : 1 });
    }
    for (const m of ir.metrics)
      values.push([printKey(m.id), call(ctx.headFunctions.get(m.id)!, ...argsOf(m))]);
    const weighted = (t: { v: string; weight: number }) =>
      t.weight === 1 ? t.v : `tf.mul(${t.v}, ${printNumber(t.weight)})`;
    let total: string;
    if (!terms.length) total = 'tf.scalar(0)';
    else if (terms.length === 1 && terms[0]!.weight === 1) total = terms[0]!.v;
    else {
      // Summed in order, as the trainer sums them (from 0; 0 + a is exactly a).
      const t = namer.fresh('total');
      body.push(`  let ${t}: tf.Tensor = ${weighted(terms[0]!)};`);
      for (const term of terms.slice(1)) body.push(`  ${t} = tf.add(${t}, ${weighted(term)});`);
      total = `${t} as tf.Scalar`;
    }
    body.push(
      ...layout(
        'return ',
        object([
          ['total', total],
          ['values', object(values)],
        ]),
        ';',
        2,
        WIDTH,
      ),
    );
  }

  /** Each head only when the phase activates it; loss weights from the phase's schedules. */
  function objectivePhased(): void {
    const on = features!.heads ? namer.fresh('on') : '';
    const vals = namer.fresh('values');
    const tot = namer.fresh('total');
    // Arguments first, so a one-hot encoding of the labels is computed once, outside the ifs.
    const args = new Map([...ir.losses, ...ir.metrics].map((h) => [h.id, argsOf(h)]));
    if (on)
      body.push(`  const ${on} = (id: string) => !${phaseVar}.heads || ${phaseVar}.heads.includes(id);`);
    body.push(
      `  const ${vals}: Record<string, ${ctx.splitFinalize.size ? 'tf.Tensor' : 'tf.Scalar'}> = {};`,
      `  let ${tot}: tf.Scalar = tf.scalar(0);`,
    );
    const guarded = (id: string, lines: string[]) =>
      on ? [`  if (${on}(${printString(id)})) {`, ...lines.map((l) => `  ${l}`), '  }'] : lines;
    for (const l of ir.losses) {
      const v = namer.fresh(l.id);
      const w = namer.fresh(`${l.id}-weight`);
      const own = printNumber(l.op.kind === 'loss' ? l.op.weight : 1);
      terms.push({ v, weight: l.op.kind === 'loss' ? l.op.weight : 1 });
      body.push(
        ...guarded(l.id, [
          ...layout(`const ${v} = `, call(ctx.headFunctions.get(l.id)!, ...args.get(l.id)!), ';', 2, WIDTH),
          `  ${vals}[${printString(l.id)}] = ${v};`,
          progressVar
            ? `  const ${w} = lossWeight(${phaseVar}, ${printString(l.id)}, ${own}, ${progressVar});`
            : `  const ${w} = ${own};`,
          // A constant weight other than 1 is multiplied in directly: `0.1 === 1` would not type-check.
          progressVar || own === '1'
            ? `  ${tot} = tf.add(${tot}, ${w} === 1 ? ${v} : tf.mul(${v}, ${w}));`
            : `  ${tot} = tf.add(${tot}, tf.mul(${v}, ${w}));`,
        ]),
      );
    }
    for (const m of ir.metrics)
      body.push(
        ...guarded(
          m.id,
          layout(
            `${vals}[${printString(m.id)}] = `,
            call(ctx.headFunctions.get(m.id)!, ...args.get(m.id)!),
            ';',
            2,
            WIDTH,
          ),
        ),
      );
    body.push(`  return { total: ${tot}, values: ${vals} };`);
  }
  const lossDoc =
    terms.length > 1
      ? `the loss ${terms.map((t) => (t.weight === 1 ? t.v : `${printNumber(t.weight)}·${t.v}`)).join(' + ')}`
      : 'the loss';
  const split = [...ctx.splitFinalize];
  // A phase that gates no head and weights no loss is passed but unread: mark it so linters agree.
  const phaseParam =
    phaseVar && !body.some((l) => new RegExp(`\\b${phaseVar}\\b`).test(l)) ? `_${phaseVar}` : phaseVar;
  // Labels that reach the loss only as a model input (a masked CE's labels field) leave y unread.
  const yParam = body.some((l) => new RegExp(`\\b${y}\\b`).test(l)) ? y : `_${y}`;
  sections.push([
    split.length
      ? "/** One batch through the model (training mode): the total loss, each loss term and metric (a whole-split metric's sums). */"
      : '/** One batch through the model (training mode): the total loss, and each loss term and metric. */',
    `type Batch = { total: tf.Scalar; values: Record<string, ${split.length ? 'tf.Tensor' : 'tf.Scalar'}> };`,
    '',
    ...docComment([`Runs the model on a batch and computes ${lossDoc} and the metrics.`], 0),
    `function objective(model: tf.LayersModel, ${x}: ${multiInput ? 'tf.Tensor[]' : 'tf.Tensor'}, ${yParam}: tf.Tensor${statsHead ? `, ${statsVar}: LabelStats` : ''}${phaseParam ? `, ${phaseParam}: Phase` : ''}${progressVar ? `, ${progressVar}: number` : ''}): Batch {`,
    ...body,
    '}',
  ]);

  if (split.length)
    sections.push([
      '/** Whole-split metrics: node id → the function that finalises its totals over an epoch. */',
      ...layout(
        'const FINALIZE: Record<string, (sums: tf.Tensor) => tf.Scalar> = ',
        object(split.map(([id, f]): [string, Expr] => [printKey(id), f])),
        ';',
        0,
        WIDTH,
      ),
      '',
      "/** A whole-split metric's value: its finalize over the sums of every batch (not a mean of batch values). */",
      'function finalizeSplit(id: string, totals: number[]): number {',
      '  return tf.tidy(() => FINALIZE[id]!(tf.tensor1d(totals)).dataSync()[0]!);',
      '}',
    ]);
  if (statsHead) sections.push(labelStatsSection(ctx, statsHead));
  const skipper = features?.augmented ?? false;
  sections.push([
    ...(usesGroups
      ? [
          '/** Trainable variables of the layers in `groups` (every layer when absent). */',
          'function trainableVariables(model: tf.LayersModel, groups?: string[]): tf.Variable[] {',
          '  const ids = groups?.flatMap((g) => GROUPS[g] ?? []);',
          '  const layers = ids ? ids.map((id) => model.getLayer(id)) : model.layers;',
          '  return layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));',
          '}',
          '',
          '/**',
          ' * Runs the layers outside `groups` in inference mode while a stage trains (BatchNorm uses and',
          " * keeps its moving statistics, dropout is off), as Netwright's trainer does. Returns the undo.",
          ' */',
          'function freezeOthers(model: tf.LayersModel, groups?: string[]): () => void {',
          '  if (!groups) return () => {};',
          '  const trained = new Set(groups.flatMap((g) => GROUPS[g] ?? []));',
          '  type Call = (inputs: unknown, kwargs: Record<string, unknown>) => unknown;',
          '  const undo: (() => void)[] = [];',
          '  for (const layer of model.layers) {',
          '    if (trained.has(layer.name)) continue;',
          '    const l = layer as unknown as { call: Call };',
          '    const call = l.call;',
          '    l.call = (inputs, kwargs) => call.call(layer, inputs, { ...kwargs, training: false });',
          '    undo.push(() => {',
          '      l.call = call;',
          '    });',
          '  }',
          '  return () => {',
          '    for (const u of undo) u();',
          '  };',
          '}',
        ]
      : [
          '/** Trainable variables of every layer. */',
          'function trainableVariables(model: tf.LayersModel): tf.Variable[] {',
          '  return model.layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));',
          '}',
        ]),
    ...(features ? ['', ...phaseHelpers(features)] : []),
    '',
    "/** The batch order of Netwright's trainer: mulberry32 from the seed, a Fisher–Yates shuffle per epoch. */",
    skipper
      ? 'function createShuffler(seed: number): { order: (count: number) => number[]; skip: () => void } {'
      : 'function createShuffler(seed: number): (count: number) => number[] {',
    '  let s = seed >>> 0 || 0x9e3779b9;',
    '  const next = (): number => {',
    '    s = (s + 0x6d2b79f5) >>> 0;',
    '    let t = s;',
    '    t = Math.imul(t ^ (t >>> 15), t | 1);',
    '    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);',
    '    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;',
    '  };',
    `  ${skipper ? 'const order = (count: number): number[] =>' : 'return (count) =>'} {`,
    '    const a = Array.from({ length: count }, (_, i) => i);',
    '    for (let i = a.length - 1; i > 0; i--) {',
    '      const j = Math.floor(next() * (i + 1));',
    '      [a[i], a[j]] = [a[j]!, a[i]!];',
    '    }',
    '    return a;',
    '  };',
    // A skipped draw keeps the order in step with the trainer, which forks a stream for augmentations.
    ...(skipper ? ['  return { order, skip: () => void next() };'] : []),
    '}',
  ]);

  const stagesDoc = phased
    ? `phases ${phased.map((p) => `'${p.name}' (${p.epochs} epochs${p.data?.dataset ? `, dataset '${p.data.dataset.name}'` : ''})`).join(', ')} as PHASES draws them`
    : stages.length === 1
      ? `${stages[0]!.epochs} epoch${stages[0]!.epochs === 1 ? '' : 's'}`
      : `stages ${stages.map((s) => `'${s.name}' (${s.epochs} epochs${s.groups.length ? `, groups ${s.groups.join(', ')}` : ''})`).join(', ')}`;
  const ds = training.dataset;
  const dsParams = Object.keys(ds.params).length ? ` ${printValue(ds.params)}` : '';
  // The binding's declarations (src/core/datasets/binding.ts), printed so the data can be reproduced.
  // Row-range subsets are printed in PHASES (rows) and change nothing in the data passed in.
  const evalSubsets = ds.subsets?.filter((s) => s.rows === undefined);
  const shown = { ...ds, subsets: evalSubsets?.length ? evalSubsets : undefined };
  const declared = (['transforms', 'augment', 'subsets', 'evalSplits'] as const).flatMap((k) =>
    shown[k] === undefined ? [] : [`${k} ${printValue(shown[k] as Json)}`],
  );
  const dsDeclared = declared.length
    ? ` Its binding declares ${declared.join('; ')}: Netwright applies them when it loads and feeds the data (augment on training batches only); do the same to the tensors you pass.`
    : '';
  const decay =
    opt.decay === undefined
      ? []
      : [
          `        // Decoupled weight decay (AdamW): w ← w·(1 − lr·λ), λ = ${printNumber(opt.decay)}, before the Adam step.`,
          '        tf.tidy(() => {',
          `          for (const v of vars) v.assign(tf.mul(v, 1 - stage.learningRate * ${printNumber(opt.decay)}));`,
          '        });',
        ];
  const trainDoc = docComment(
    [
      `Trains a model from buildModel() as the graph configures it: ${opt.summary}, batches of ${training.batchSize} in the order Netwright's trainer uses for seed ${training.seed}, ${stagesDoc}. The graph trains on Netwright's '${ds.name}' dataset${dsParams}: pass the same data as tensors.${dsDeclared}`,
      'Resolves to a report per epoch; a non-finite loss stops training with an error.',
    ],
    0,
  );
  if (phased) {
    sections.push(
      phasedTrain({
        f: features!,
        doc: trainDoc,
        batchSize: training.batchSize,
        seed: training.seed,
        multiInput,
        split: split.length > 0,
        stats: statsHead !== undefined,
        ...(opt.decay !== undefined ? { decay: opt.decay } : {}),
      }),
    );
    return sections;
  }
  sections.push([
    ...trainDoc,
    'export async function train(',
    '  model: tf.LayersModel,',
    '  data: TrainData,',
    '  opts: TrainOptions = {},',
    '): Promise<EpochReport[]> {',
    `  const batchSize = opts.batchSize ?? ${training.batchSize};`,
    `  const shuffle = createShuffler(opts.seed ?? ${training.seed});`,
    '  const count = data.y.shape[0]!;',
    '  const stages = STAGES.map((s) => (STAGES.length === 1 ? { ...s, epochs: opts.epochs ?? s.epochs } : s));',
    '  const history: EpochReport[] = [];',
    ...(statsHead ? ['  const stats = labelStats(data.y); // once per run, from the training labels'] : []),
    '  for (const stage of stages) {',
    `    const vars = trainableVariables(model${usesGroups ? ', stage.groups' : ''});`,
    ...(usesGroups ? ['    const unfreeze = freezeOthers(model, stage.groups);'] : []),
    '    const optimizer = makeOptimizer(stage.learningRate);',
    '    for (let e = 0; e < stage.epochs; e++) {',
    '      const order = shuffle(count);',
    '      const sums: Record<string, number> = {};',
    ...(split.length ? ['      const totals: Record<string, number[]> = {};'] : []),
    '      let lossSum = 0;',
    '      for (let start = 0; start < count; start += batchSize) {',
    "        const idx = tf.tensor1d(order.slice(start, start + batchSize), 'int32');",
    `        const x = ${multiInput ? 'data.x.map((t) => tf.gather(t, idx))' : 'tf.gather(data.x, idx)'};`,
    '        const y = tf.gather(data.y, idx);',
    `        let kept: Record<string, ${split.length ? 'tf.Tensor' : 'tf.Scalar'}> = {};`,
    '        const { value, grads } = tf.variableGrads(() => {',
    `          const batch = objective(model, x, y${statsHead ? ', stats' : ''});`,
    '          kept = Object.fromEntries(Object.entries(batch.values).map(([k, v]) => [k, tf.keep(v)]));',
    '          return batch.total;',
    '        }, vars);',
    ...(split.length
      ? [
          // Sums of whole-split metrics are vectors: one flat read of everything.
          '        const sizes = Object.values(kept).map((v) => v.size);',
          '        const parts = Object.values(kept).map((v) => tf.reshape(v, [-1]));',
          '        const stacked = tf.concat([tf.reshape(value, [1]), ...parts]);',
        ]
      : ['        const stacked = tf.stack([value, ...Object.values(kept)]);']),
    '        const [loss, ...rest] = Array.from(await stacked.data());',
    `        tf.dispose([stacked, value, ...Object.values(kept), ${split.length ? '...parts, ' : ''}idx, ${multiInput ? '...x' : 'x'}, y]);`,
    '        if (!Number.isFinite(loss)) {',
    '          tf.dispose(grads);',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal of the generated code
    "          throw new Error(`Training stopped in stage '${stage.name}': the loss became ${loss}.`);",
    '        }',
    ...decay,
    '        optimizer.applyGradients(grads);',
    '        tf.dispose(grads);',
    '        const size = Math.min(batchSize, count - start);',
    '        lossSum += loss! * size;',
    ...(split.length
      ? [
          '        let at = 0;',
          '        for (const [i, k] of Object.keys(kept).entries()) {',
          '          if (k in FINALIZE) {',
          '            totals[k] ??= new Array<number>(sizes[i]!).fill(0);',
          '            const acc = totals[k]!;',
          '            for (let j = 0; j < sizes[i]!; j++) acc[j] = acc[j]! + rest[at + j]!;',
          '          } else sums[k] = (sums[k] ?? 0) + rest[at]! * size;',
          '          at += sizes[i]!;',
          '        }',
        ]
      : [
          '        for (const [i, k] of Object.keys(kept).entries()) sums[k] = (sums[k] ?? 0) + rest[i]! * size;',
        ]),
    '      }',
    '      const values = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / count]));',
    ...(split.length
      ? ['      for (const [k, t] of Object.entries(totals)) values[k] = finalizeSplit(k, t);']
      : []),
    '      const report = { stage: stage.name, epoch: history.length + 1, loss: lossSum / count, values };',
    '      history.push(report);',
    '      await opts.onEpoch?.(report);',
    '    }',
    '    optimizer.dispose();',
    ...(usesGroups ? ['    unfreeze();'] : []),
    '  }',
    ...(statsHead ? ['  tf.dispose([stats.count, stats.labelCounts, stats.labelPairs]);'] : []),
    '  return history;',
    '}',
  ]);
  return sections;
}

/** The loss or metric function of a head node (undefined for other nodes). */
export const headOf = (ctx: Context, node: IRNode): HeadFn<never> | undefined =>
  node.op.kind === 'loss' ? ctx.def(node).loss : node.op.kind === 'metric' ? ctx.def(node).metric : undefined;

/**
 * LabelStats and labelStats(y): src/core/label-stats.ts's computation (labelRows, then N, Σ rows,
 * rowsᵀ·rows) printed for the exported train(), which runs it once on the training labels.
 */
function labelStatsSection(ctx: Context, head: IRNode): string[] {
  const l = numClasses(ctx, head);
  return [
    '/** Label statistics of the training split, as Netwright computes them once per run. */',
    'interface LabelStats {',
    '  /** Training rows N. */',
    '  count: tf.Scalar;',
    `  /** [${l}]: rows having each label (class). */`,
    '  labelCounts: tf.Tensor;',
    `  /** [${l}, ${l}]: rows having both labels (YᵀY). */`,
    '  labelPairs: tf.Tensor;',
    '}',
    '',
    `/** Labels as 0/1 rows (one-hot of class indices [N], or multi-label rows [N, ${l}] > 0.5), then N, Σ rows and rowsᵀ·rows. */`,
    'function labelStats(y: tf.Tensor): LabelStats {',
    '  const rows = tf.tidy(() =>',
    '    y.rank === 1',
    `      ? tf.cast(tf.oneHot(tf.cast(y, 'int32') as tf.Tensor1D, ${l}), 'float32')`,
    "      : tf.cast(tf.greater(y, 0.5), 'float32'),",
    '  );',
    '  const stats = {',
    '    count: tf.scalar(rows.shape[0]!),',
    '    labelCounts: tf.sum(rows, 0),',
    '    labelPairs: tf.matMul(rows, rows, true, false),',
    '  };',
    '  rows.dispose();',
    '  return stats;',
    '}',
  ];
}
