// The training half of the exported module: loss and metric functions traced from the nodes' own
// `fn`, and `train(model, data, opts)` doing what src/trainer/loop.ts does — a fresh optimizer per
// stage over the stage's variable groups (AdamW's decoupled decay included), the loss as the
// weighted sum of the loss nodes, the trainer's seeded batch order. Pure.

import { fieldName, type IRNode, type IRRef, type IRTraining, inputSource, type Json } from '../ir.ts';
import { type Context, nodeTitle, paperNote, type Shape } from './context.ts';
import { call, type Expr, layout, object } from './layout.ts';
import { CodegenError, docComment, printKey, printNumber, printString, printValue, WIDTH } from './print.ts';
import { exportStages } from './stages.ts';

// ---- losses and metrics ---------------------------------------------------------------------------

/** One function per distinct traced loss/metric; fills ctx.headFunctions. */
export function headFunctions(ctx: Context): string[][] {
  const heads = [...ctx.ir.losses, ...ctx.ir.metrics];
  const traced = heads.map((node) => ({ node, ...traceHead(ctx, node) }));
  const sections: string[][] = [];
  const byText = new Map<string, string>();
  for (const t of traced) {
    const def = ctx.def(t.node);
    const key = `${t.node.type}\n${t.params.join(',')}\n${t.lines.join('\n')}`;
    const existing = byText.get(key);
    if (existing) {
      ctx.headFunctions.set(t.node.id, existing);
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
      `function ${name}(${t.params.map((p) => `${p}: tf.Tensor`).join(', ')}): tf.Scalar {`,
      ...t.lines,
      '}',
    ]);
  }
  return sections;
}

function traceHead(ctx: Context, node: IRNode): { lines: string[]; params: string[] } {
  const def = ctx.def(node);
  const head = node.op.kind === 'loss' ? def.loss : def.metric;
  if (!head) throw new CodegenError(`node type '${node.type}' has no ${node.op.kind} function`, node.id);
  const config = node.op.kind === 'loss' || node.op.kind === 'metric' ? node.op.config : {};
  const namer = ctx.localNamer();
  const names = ctx.inputNames(node, def, config).map((n) => namer.fresh(n));
  const leaves = names.map((name, i) => ({ name, shape: headInputShape(ctx, node, node.inputs[i]!) }));
  const print = { indent: 2, width: WIDTH, namer, returnSuffix: ' as tf.Scalar' };
  if (head.split) throw splitMetricUnsupported(node, def.title, 'the exported train()');
  const ports = node.ports ?? ['pred', 'target'];
  const lines = ctx.trace(node, leaves, print, (ops, ls) =>
    head.call
      ? head.call(ops, Object.fromEntries(ls.map((l, i) => [ports[i]!, l])), config)
      : head.fn(ops, ls[0]!, ls[1]!, config),
  );
  return { lines, params: names };
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
  if (ref.labels === 'onehot') return [null, numClasses(ctx, head)];
  if (ref.labels === 'index') return [null];
  const pred = head.inputs.find((r) => 'node' in r);
  return pred ? ctx.shapeOf(pred) : [null];
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
function optimizer(ctx: Context, training: IRTraining): Optimizer {
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
      ...docComment([`${summary}, a fresh one per stage.${note}`, ...paperNote(def)], 0),
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
  const opt = optimizer(ctx, training);
  const stages = exportStages(training, 'TypeScript');
  const usesGroups = stages.some((s) => s.groups.length);
  const sections: string[][] = [];

  // Data, options, reports.
  const dims = (n: IRNode) => ['N', ...n.outputShape.slice(1).map((d) => d ?? '?')].join(', ');
  const sourceNote = (n: IRNode) => {
    const src = n.op.kind === 'input' ? inputSource(n.op) : 'features';
    return src === 'features'
      ? ''
      : ` (the dataset's ${src === 'labels' ? 'labels' : `field '${fieldName(src)}'`})`;
  };
  const features = inputs.map((n) => `[${dims(n)}]${sourceNote(n)}`).join(' and ');
  const labels = classLabels
    ? 'class indices [N] (int32)'
    : valueLabels
      ? 'target values [N, …] (float32)'
      : "labels (this graph's losses do not read them)";
  const perInput = multiInput ? ', one tensor per model input' : '';
  sections.push([
    ...docComment([`Training data: features ${features}${perInput}, and ${labels}.`], 0),
    'export interface TrainData {',
    `  x: ${multiInput ? 'tf.Tensor[]' : 'tf.Tensor'};`,
    '  y: tf.Tensor;',
    '}',
    '',
    'export interface TrainOptions {',
    ...docComment(
      [
        stages.length === 1
          ? `Epochs (default: the graph's ${stages[0]!.epochs}).`
          : 'Ignored: the graph trains in several stages.',
      ],
      2,
    ),
    '  epochs?: number;',
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
  if (usesGroups) {
    const groups = new Map<string, string[]>();
    for (const n of ir.nodes)
      if (n.op.kind !== 'input') groups.set(n.group, [...(groups.get(n.group) ?? []), n.id]);
    const props = [...groups].map(([g, ids]): [string, Expr] => [
      printKey(g),
      { array: ids.map(printString) },
    ]);
    stageSection.push(
      '',
      '/** Variable groups: the layers (node ids) whose weights each group holds. */',
      ...layout('const GROUPS: Record<string, string[]> = ', object(props), ';', 0, WIDTH),
    );
  }
  sections.push(stageSection, opt.lines);

  // The objective: model outputs → loss terms (weighted sum) and metrics.
  ctx.helpers.add('toList');
  const namer = ctx.localNamer();
  namer.take('model');
  const x = namer.fresh('x');
  const y = namer.fresh('y');
  // The outputs the heads read (a model output nobody reads is left out of the destructuring).
  const read = new Set(refs.flatMap((r) => ('node' in r ? [r.node] : [])));
  const outVar = new Map(ir.outputs.filter((id) => read.has(id)).map((id) => [id, namer.fresh(id)]));
  const lastRead = Math.max(-1, ...ir.outputs.map((id, i) => (read.has(id) ? i : -1)));
  const pattern = ir.outputs
    .slice(0, lastRead + 1)
    .map((id) => outVar.get(id) ?? '')
    .join(', ');
  const tensors = ir.outputs
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
      const v = outVar.get(r.node);
      if (!v)
        throw new CodegenError(`node '${head.id}' reads '${r.node}', which is not a model output`, head.id);
      return v;
    }
    if (r.labels !== 'onehot') return y;
    if (!onehot) {
      onehot = namer.fresh('onehot');
      ctx.helpers.add('oneHot');
      body.push(`  const ${onehot} = oneHot(${y}, ${numClasses(ctx, head)});`);
    }
    return onehot;
  };
  const values: [string, Expr][] = [];
  const terms: { v: string; weight: number }[] = [];
  for (const l of ir.losses) {
    const args = l.inputs.map((r) => argOf(l, r));
    const v = namer.fresh(l.id);
    body.push(...layout(`const ${v} = `, call(ctx.headFunctions.get(l.id)!, ...args), ';', 2, WIDTH));
    values.push([printKey(l.id), v]);
    terms.push({ v, weight: l.op.kind === 'loss' ? l.op.weight : 1 });
  }
  for (const m of ir.metrics)
    values.push([printKey(m.id), call(ctx.headFunctions.get(m.id)!, ...m.inputs.map((r) => argOf(m, r)))]);
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
  const lossDoc =
    terms.length > 1
      ? `the loss ${terms.map((t) => (t.weight === 1 ? t.v : `${printNumber(t.weight)}·${t.v}`)).join(' + ')}`
      : 'the loss';
  sections.push([
    '/** One batch through the model (training mode): the total loss, and each loss term and metric. */',
    'type Batch = { total: tf.Scalar; values: Record<string, tf.Scalar> };',
    '',
    ...docComment([`Runs the model on a batch and computes ${lossDoc} and the metrics.`], 0),
    `function objective(model: tf.LayersModel, ${x}: ${multiInput ? 'tf.Tensor[]' : 'tf.Tensor'}, ${y}: tf.Tensor): Batch {`,
    ...body,
    '}',
  ]);

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
    '',
    "/** The batch order of Netwright's trainer: mulberry32 from the seed, a Fisher–Yates shuffle per epoch. */",
    'function createShuffler(seed: number): (count: number) => number[] {',
    '  let s = seed >>> 0 || 0x9e3779b9;',
    '  const next = (): number => {',
    '    s = (s + 0x6d2b79f5) >>> 0;',
    '    let t = s;',
    '    t = Math.imul(t ^ (t >>> 15), t | 1);',
    '    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);',
    '    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;',
    '  };',
    '  return (count) => {',
    '    const a = Array.from({ length: count }, (_, i) => i);',
    '    for (let i = a.length - 1; i > 0; i--) {',
    '      const j = Math.floor(next() * (i + 1));',
    '      [a[i], a[j]] = [a[j]!, a[i]!];',
    '    }',
    '    return a;',
    '  };',
    '}',
  ]);

  const stagesDoc =
    stages.length === 1
      ? `${stages[0]!.epochs} epoch${stages[0]!.epochs === 1 ? '' : 's'}`
      : `stages ${stages.map((s) => `'${s.name}' (${s.epochs} epochs${s.groups.length ? `, groups ${s.groups.join(', ')}` : ''})`).join(', ')}`;
  const ds = training.dataset;
  const dsParams = Object.keys(ds.params).length ? ` ${printValue(ds.params)}` : '';
  const decay =
    opt.decay === undefined
      ? []
      : [
          `        // Decoupled weight decay (AdamW): w ← w·(1 − lr·λ), λ = ${printNumber(opt.decay)}, before the Adam step.`,
          '        tf.tidy(() => {',
          `          for (const v of vars) v.assign(tf.mul(v, 1 - stage.learningRate * ${printNumber(opt.decay)}));`,
          '        });',
        ];
  sections.push([
    ...docComment(
      [
        `Trains a model from buildModel() as the graph configures it: ${opt.summary}, batches of ${training.batchSize} in the order Netwright's trainer uses for seed ${training.seed}, ${stagesDoc}. The graph trains on Netwright's '${ds.name}' dataset${dsParams}: pass the same data as tensors.`,
        'Resolves to a report per epoch; a non-finite loss stops training with an error.',
      ],
      0,
    ),
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
    '  for (const stage of stages) {',
    `    const vars = trainableVariables(model${usesGroups ? ', stage.groups' : ''});`,
    ...(usesGroups ? ['    const unfreeze = freezeOthers(model, stage.groups);'] : []),
    '    const optimizer = makeOptimizer(stage.learningRate);',
    '    for (let e = 0; e < stage.epochs; e++) {',
    '      const order = shuffle(count);',
    '      const sums: Record<string, number> = {};',
    '      let lossSum = 0;',
    '      for (let start = 0; start < count; start += batchSize) {',
    "        const idx = tf.tensor1d(order.slice(start, start + batchSize), 'int32');",
    `        const x = ${multiInput ? 'data.x.map((t) => tf.gather(t, idx))' : 'tf.gather(data.x, idx)'};`,
    '        const y = tf.gather(data.y, idx);',
    '        let kept: Record<string, tf.Scalar> = {};',
    '        const { value, grads } = tf.variableGrads(() => {',
    '          const batch = objective(model, x, y);',
    '          kept = Object.fromEntries(Object.entries(batch.values).map(([k, v]) => [k, tf.keep(v)]));',
    '          return batch.total;',
    '        }, vars);',
    '        const stacked = tf.stack([value, ...Object.values(kept)]);',
    '        const [loss, ...rest] = Array.from(await stacked.data());',
    `        tf.dispose([stacked, value, ...Object.values(kept), idx, ${multiInput ? '...x' : 'x'}, y]);`,
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
    '        for (const [i, k] of Object.keys(kept).entries()) sums[k] = (sums[k] ?? 0) + rest[i]! * size;',
    '      }',
    '      const values = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / count]));',
    '      const report = { stage: stage.name, epoch: history.length + 1, loss: lossSum / count, values };',
    '      history.push(report);',
    '      await opts.onEpoch?.(report);',
    '    }',
    '    optimizer.dispose();',
    ...(usesGroups ? ['    unfreeze();'] : []),
    '  }',
    '  return history;',
    '}',
  ]);
  return sections;
}
