// The full-phase half of the exported train(): the PHASES table and the helpers a phased procedure
// needs (optimizers kept by group id, clipping by global norm, lr scaling, re-initialisation), as
// src/trainer/loop.ts and src/trainer/phase-runtime.ts run them. training.ts prints the stage form
// when every phase is a plain stage and this form otherwise. Pure.

import type { IRPhase, IRSchedule, IRTraining, Json } from '../ir.ts';
import { type Expr, layout, object } from './layout.ts';
import { printKey, printNumber, printString, printValue, WIDTH } from './print.ts';
import { exportedRate, subsetRowRange } from './stages.ts';

/** What the phases use, so train() prints only the machinery it needs. */
export interface PhaseFeatures {
  readonly groups: boolean;
  readonly heads: boolean;
  readonly lossWeights: boolean;
  readonly ownData: boolean;
  readonly augmented: boolean;
  readonly clip: boolean;
  readonly lrScale: boolean;
  readonly reinit: boolean;
  readonly overrides: boolean;
  /** Some phase trains on a row range of the data and/or its first rows (`data.subset`, `data.sizes`). */
  readonly rows: boolean;
  /** Some phase copies weights (a copy phase, or EMA copies after every step; src/core/copies.ts). */
  readonly copies: boolean;
  /** Some schedule (loss weight, EMA τ) follows a cosine curve. */
  readonly cosine: boolean;
}

export function phaseFeatures(t: IRTraining, phases: readonly IRPhase[]): PhaseFeatures {
  const groupsOf = (p: IRPhase) => p.optimizers.some((g) => g.groups.length);
  const copies = phases.some((p) => p.kind === 'copy' || p.copies?.length);
  const schedules = phases.flatMap((p) => [
    ...Object.values(p.lossWeights ?? {}),
    ...(p.copies ?? []).map((c) => c.tau),
  ]);
  return {
    groups: copies || phases.some((p) => p.groups.length || groupsOf(p)),
    heads: phases.some((p) => p.heads),
    lossWeights: phases.some((p) => p.lossWeights),
    ownData: phases.some((p) => p.data?.dataset),
    augmented: phases.some((p) => (p.data?.dataset ?? t.dataset).augment !== undefined),
    clip: phases.some((p) => p.optimizers.some((g) => g.clipNorm !== undefined)),
    lrScale: phases.some((p) => p.optimizers.some((g) => g.lrScale !== undefined)),
    reinit: phases.some((p) => p.reinit?.length),
    overrides: phases.some((p) => p.overrides),
    rows: phases.some((p) => p.data?.subset !== undefined || p.data?.sizes !== undefined),
    copies,
    cosine: schedules.some((x) => typeof x !== 'number' && x.curve === 'cosine'),
  };
}

const schedule = (s: IRSchedule): Expr =>
  typeof s === 'number'
    ? printNumber(s)
    : object([
        ['from', printNumber(s.from)],
        ['to', printNumber(s.to)],
        ...(s.curve === 'cosine' ? [['curve', printString('cosine')] as [string, Expr]] : []),
      ]);

const strings = (xs: readonly string[]): Expr => ({ array: xs.map(printString) });

/** `interface Phase`, `interface OptimizerGroup` and `const PHASES`. */
export function phaseTable(t: IRTraining, phases: readonly IRPhase[], f: PhaseFeatures): string[] {
  const groupExpr = (g: IRPhase['optimizers'][number]): Expr =>
    object([
      ['id', printString(g.id)],
      ...(g.groups.length ? [['groups', strings(g.groups)] as [string, Expr]] : []),
      ['learningRate', printNumber(exportedRate(g.config))],
      ...(g.clipNorm !== undefined ? [['clipNorm', printNumber(g.clipNorm)] as [string, Expr]] : []),
      ...(g.lrScale !== undefined ? [['lrScale', printValue(g.lrScale as Json)] as [string, Expr]] : []),
    ]);
  const phaseExpr = (p: IRPhase): Expr => {
    const own = p.data?.dataset;
    if (p.kind === 'copy')
      return object([
        ['name', printString(p.name)],
        ['kind', printString('copy')],
        ['epochs', '0'],
        ['from', printString(p.copy!.from)],
        ['to', printString(p.copy!.to)],
        ['optimizers', { array: [] }],
      ]);
    const props: [string, Expr][] = [
      ['name', printString(p.name)],
      ['epochs', printNumber(p.epochs)],
    ];
    if (p.groups.length) props.push(['groups', strings(p.groups)]);
    if (p.heads) props.push(['heads', strings(p.heads)]);
    if (own) props.push(['dataset', printString(own.name)]);
    if ((own ?? t.dataset).augment !== undefined) props.push(['augmented', 'true']);
    const range = subsetRowRange(p, t);
    if (range) props.push(['rows', { array: range.map(printNumber) }]);
    if (p.data?.sizes?.[0] !== undefined) props.push(['take', printNumber(p.data.sizes[0])]);
    if (p.data?.batchSize !== undefined) props.push(['batchSize', printNumber(p.data.batchSize)]);
    props.push(['optimizers', { array: p.optimizers.map(groupExpr) }]);
    if (p.lossWeights)
      props.push([
        'lossWeights',
        object(Object.entries(p.lossWeights).map(([id, s]): [string, Expr] => [printKey(id), schedule(s)])),
      ]);
    if (p.reinit?.length) props.push(['reinit', strings(p.reinit)]);
    if (p.overrides) props.push(['overrides', printValue(p.overrides as Json)]);
    if (p.copies?.length)
      props.push([
        'copies',
        {
          array: p.copies.map((c) =>
            object([
              ['from', printString(c.from)],
              ['to', printString(c.to)],
              ['tau', schedule(c.tau)],
            ]),
          ),
        },
      ]);
    return object(props);
  };
  const member = (on: boolean, lines: string[]) => (on ? lines : []);
  const sched = f.cosine ? 'Schedule' : 'number | { from: number; to: number }';
  return [
    ...member(f.cosine, [
      "/** A value over a phase's steps: constant, linear from → to, or cosine (from + (to − from)·(1 − cos πt)/2). */",
      "type Schedule = number | { from: number; to: number; curve?: 'cosine' };",
      '',
    ]),
    '/** An optimizer of a phase: its state is kept across phases for the same id (fresh for a new id). */',
    'interface OptimizerGroup {',
    '  id: string;',
    ...member(f.groups, [
      "  /** Variable groups it updates (the phase's trained groups when absent). */",
      '  groups?: string[];',
    ]),
    '  learningRate: number;',
    ...member(f.clip, ['  /** Clips its gradients to this global norm. */', '  clipNorm?: number;']),
    ...member(f.lrScale, [
      "  /** Multiplies its rate: a constant, or a metric's batch value clamped to [min, max]. */",
      '  lrScale?: number | { metric: string; min: number; max: number };',
    ]),
    '}',
    '',
    '/** A training phase, as the graph draws it. */',
    'interface Phase {',
    '  name: string;',
    '  epochs: number;',
    ...member(f.groups, [
      '  /** Variable groups it trains; the others are frozen and run in inference mode (all when absent). */',
      '  groups?: string[];',
    ]),
    ...member(f.heads, ['  /** Active loss and metric nodes (all when absent). */', '  heads?: string[];']),
    ...member(f.ownData, [
      '  /** Its own Netwright dataset: pass its tensors as opts.phaseData[name]. */',
      '  dataset?: string;',
    ]),
    ...member(f.augmented, [
      '  /** Its dataset declares per-batch augmentations (Netwright forks a random stream for them). */',
      '  augmented?: boolean;',
    ]),
    ...member(f.rows, [
      "  /** Trains on the data's rows [from, to) only (Netwright's data subset of that name). */",
      '  rows?: [number, number];',
      '  /** Then on at most this many of them, the first ones (Netwright’s data.sizes[0]). */',
      '  take?: number;',
    ]),
    '  batchSize?: number;',
    '  optimizers: OptimizerGroup[];',
    ...member(f.lossWeights, [
      "  /** Loss node → its weight in this phase: constant, or linear over the phase's steps. */",
      `  lossWeights?: Record<string, ${sched}>;`,
    ]),
    ...member(f.reinit, [
      '  /** Layers put back to their weights at the start of training. */',
      '  reinit?: string[];',
    ]),
    ...member(f.overrides, [
      "  /** Runtime params by layer, set for this phase only (the layer's setRuntimeParams). */",
      '  overrides?: Record<string, tf.serialization.ConfigDict>;',
    ]),
    ...member(f.copies, [
      "  /** 'copy': copies the weights of group `from` onto group `to` once, here (a frozen teacher). */",
      "  kind?: 'copy';",
      '  from?: string;',
      '  to?: string;',
      '  /** EMA copies after every optimizer step: θ_to ← τ·θ_to + (1 − τ)·θ_from, τ over the phase. */',
      `  copies?: { from: string; to: string; tau: ${sched} }[];`,
    ]),
    '}',
    '',
    ...layout('const PHASES: Phase[] = ', { array: phases.map(phaseExpr) }, ';', 0, WIDTH),
    ...(f.reinit
      ? [
          '',
          '/** Every layer some phase re-initialises: snapshotted once, when train() starts. */',
          ...layout('const REINIT = ', strings(reinitIds(phases)), ';', 0, WIDTH),
        ]
      : []),
  ];
}

/** Helpers a phased train() calls: rates, clipping, lr scaling, weight snapshots. */
export function phaseHelpers(f: PhaseFeatures): string[] {
  const out = [
    "/** Sets an optimizer's rate, keeping its state (SGD caches it; Adam and RMSProp read the field). */",
    'function setRate(optimizer: tf.Optimizer, rate: number): void {',
    '  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };',
    "  if (typeof o.setLearningRate === 'function') o.setLearningRate(rate);",
    '  else o.learningRate = rate;',
    '}',
    '',
    '/**',
    ' * tfjs optimizers keep per-variable state by position in the gradient list; before a kept optimizer',
    " * sees another variable list, its slots ('<var>/m', …) are put in the new order by name (empty for a",
    " * new variable; slots of absent variables are kept after the list), as Netwright's trainer does.",
    ' */',
    'function reslot(optimizer: tf.Optimizer, names: string[]): void {',
    '  type Slot = { originalName: string } | null;',
    '  const o = optimizer as unknown as Record<string, unknown>;',
    '  for (const [key, value] of Object.entries(o)) {',
    '    const isSlots =',
    '      Array.isArray(value) &&',
    '      value.length > 0 &&',
    "      value.every((s) => s == null || (typeof s === 'object' && typeof s.originalName === 'string'));",
    '    if (!isSlots) continue;',
    '    const byVar = new Map<string, Slot>();',
    "    for (const s of value as Slot[]) if (s) byVar.set(s.originalName.slice(0, s.originalName.lastIndexOf('/')), s);",
    '    const order = names.map((n) => byVar.get(n) ?? null);',
    '    const rest = [...byVar].filter(([n]) => !names.includes(n)).map(([, s]) => s);',
    '    o[key] = [...order, ...rest];',
    '  }',
    '}',
    '',
    ...(f.copies
      ? [
          '/** Epochs per phase for a requested total: one phase gets it; several keep their proportions (copy phases keep 0). */',
          'function scaleEpochs(phases: Phase[], total?: number): Phase[] {',
          '  if (total === undefined) return phases;',
          "  const trained = phases.filter((p) => p.kind !== 'copy');",
          "  if (trained.length === 1) return phases.map((p) => (p.kind === 'copy' ? p : { ...p, epochs: total }));",
          '  const sum = trained.reduce((s, p) => s + p.epochs, 0);',
          '  return phases.map((p) =>',
          "    p.kind === 'copy' ? p : { ...p, epochs: Math.max(1, Math.round((p.epochs * total) / sum)) },",
          '  );',
          '}',
        ]
      : [
          '/** Epochs per phase for a requested total: one phase gets it; several keep their proportions. */',
          'function scaleEpochs(phases: Phase[], total?: number): Phase[] {',
          '  if (total === undefined) return phases;',
          '  if (phases.length === 1) return [{ ...phases[0]!, epochs: total }];',
          '  const sum = phases.reduce((s, p) => s + p.epochs, 0);',
          '  return phases.map((p) => ({ ...p, epochs: Math.max(1, Math.round((p.epochs * total) / sum)) }));',
          '}',
        ]),
  ];
  if (f.cosine)
    out.push(
      '',
      "/** A schedule's value at progress t ∈ [0, 1] through the phase. */",
      'function scheduleValue(s: Schedule, t: number): number {',
      "  if (typeof s === 'number') return s;",
      "  const u = s.curve === 'cosine' ? (1 - Math.cos(Math.PI * t)) / 2 : t;",
      '  return s.from + (s.to - s.from) * u;',
      '}',
    );
  if (f.copies)
    out.push(
      '',
      "/** A variable group's weights in node order (moving statistics included): what copies pair up. */",
      'function groupWeights(model: tf.LayersModel, group: string): tf.LayerVariable[] {',
      '  return (GROUPS[group] ?? []).flatMap((id) => model.getLayer(id).weights);',
      '}',
      '',
      "/** A copy phase: group `to` takes group `from`'s weights (the i-th weight of one onto the i-th of the other). */",
      'function copyGroup(model: tf.LayersModel, from: string, to: string): void {',
      '  const src = groupWeights(model, from);',
      '  const dst = groupWeights(model, to);',
      '  tf.tidy(() => {',
      '    for (const [i, w] of dst.entries()) w.write(src[i]!.read().clone());',
      '  });',
      '}',
      '',
      '/** An EMA copy after an optimizer step: θ_to ← τ·θ_to + (1 − τ)·θ_from, τ at progress t through the phase. */',
      `function emaCopy(model: tf.LayersModel, c: { from: string; to: string; tau: ${f.cosine ? 'Schedule' : 'number | { from: number; to: number }'} }, t: number): void {`,
      f.cosine
        ? '  const tau = scheduleValue(c.tau, t);'
        : "  const tau = typeof c.tau === 'number' ? c.tau : c.tau.from + (c.tau.to - c.tau.from) * t;",
      '  const src = groupWeights(model, c.from);',
      '  const dst = groupWeights(model, c.to);',
      '  tf.tidy(() => {',
      '    for (const [i, w] of dst.entries()) w.write(tf.add(tf.mul(w.read(), tau), tf.mul(src[i]!.read(), 1 - tau)));',
      '  });',
      '}',
    );
  if (f.rows)
    out.push(
      '',
      "/** A phase's rows of the data: rows [from, to) (all when absent), then the first `take` of them. */",
      'function rowView(d: TrainData, phase: Phase): TrainData {',
      '  if (phase.rows === undefined && phase.take === undefined) return d;',
      '  const count = d.y.shape[0]!;',
      '  const [from, to] = phase.rows ?? [0, count];',
      '  if (to > count)',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal of the generated code
      "    throw new Error(`Phase '${phase.name}': rows [${from}, ${to}) reach beyond the ${count} rows of its data.`);",
      '  const size = Math.min(to - from, phase.take ?? to - from);',
      '  const cut = (t: tf.Tensor) => tf.slice(t, from, size);',
      '  return { x: Array.isArray(d.x) ? d.x.map(cut) : cut(d.x), y: cut(d.y) } as TrainData;',
      '}',
    );
  if (f.lossWeights)
    out.push(
      '',
      "/** A loss node's weight at progress t ∈ [0, 1] through the phase (the node's own when the phase sets none). */",
      'function lossWeight(phase: Phase, id: string, own: number, t: number): number {',
      '  const s = phase.lossWeights?.[id];',
      '  if (s === undefined) return own;',
      f.cosine
        ? '  return scheduleValue(s, t);'
        : "  return typeof s === 'number' ? s : s.from + (s.to - s.from) * t;",
      '}',
    );
  if (f.clip)
    out.push(
      '',
      '/** Gradients scaled by clipNorm / max(‖g‖, clipNorm), ‖g‖ the global norm over all of them. */',
      'function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): tf.NamedTensorMap {',
      '  return tf.tidy(() => {',
      '    const list = Object.values(grads);',
      '    if (!list.length) return {};',
      '    const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g)))));',
      '    const factor = tf.div(clipNorm, tf.maximum(norm, clipNorm));',
      '    return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, factor)]));',
      '  });',
      '}',
    );
  if (f.lrScale)
    out.push(
      '',
      "/** An optimizer group's rate multiplier on a batch, from the batch's metric values. */",
      'function rateScale(g: OptimizerGroup, values: Record<string, number>): number {',
      '  const s = g.lrScale;',
      '  if (s === undefined) return 1;',
      "  if (typeof s === 'number') return s;",
      '  const v = values[s.metric];',
      '  if (v === undefined || !Number.isFinite(v))',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal of the generated code
      "    throw new Error(`optimizer group '${g.id}': lrScale reads metric '${s.metric}', which has no value on this batch.`);",
      '  return Math.min(s.max, Math.max(s.min, v));',
      '}',
    );
  if (f.overrides)
    out.push(
      '',
      '/** A kernel layer whose params a phase overrides at run time. */',
      'interface RuntimeParams {',
      '  setRuntimeParams(values: tf.serialization.ConfigDict): void;',
      '}',
    );
  if (f.reinit)
    out.push(
      '',
      '/** Copies of the weights of the named layers, to put back when a phase re-initialises them. */',
      'function snapshotWeights(model: tf.LayersModel, ids: string[]): Map<string, tf.Tensor[]> {',
      '  return new Map(ids.map((id) => [id, model.getLayer(id).getWeights().map((w) => w.clone())]));',
      '}',
    );
  return out;
}

/** REINIT: every layer some phase re-initialises (snapshotted once, at the start of train()). */
export function reinitIds(phases: readonly IRPhase[]): string[] {
  return [...new Set(phases.flatMap((p) => p.reinit ?? []))];
}

/** What phasedTrain() needs from the rest of the training module. */
export interface PhasedTrainArgs {
  readonly f: PhaseFeatures;
  readonly doc: readonly string[];
  readonly batchSize: number;
  readonly seed: number;
  readonly multiInput: boolean;
  /** Whole-split metrics exist (their sums are vectors). */
  readonly split: boolean;
  /** A head reads label statistics (computed per phase, from that phase's labels). */
  readonly stats: boolean;
  /** AdamW's decoupled weight decay λ. */
  readonly decay?: number;
}

/** train() over PHASES, step for step as src/trainer/loop.ts runs a phased procedure. */
export function phasedTrain(a: PhasedTrainArgs): string[] {
  const { f } = a;
  const groupsArg = f.groups ? ', phase.groups' : '';
  const xs = a.multiInput ? 'd.x.map((t) => tf.gather(t, idx))' : 'tf.gather(d.x, idx)';
  const whole = f.rows ? 'whole' : 'd';
  return [
    ...a.doc,
    'export async function train(',
    '  model: tf.LayersModel,',
    '  data: TrainData,',
    '  opts: TrainOptions = {},',
    '): Promise<EpochReport[]> {',
    `  const shuffle = createShuffler(opts.seed ?? ${a.seed});`,
    '  const history: EpochReport[] = [];',
    '  const optimizers = new Map<string, tf.Optimizer>();',
    '  const slotNames = new Map<string, string[]>(); // the variable list each optimizer saw last',
    ...(f.reinit ? ['  const initial = snapshotWeights(model, REINIT);'] : []),
    '  try {',
    ...(f.overrides ? ['    let overridden: string[] = [];'] : []),
    '    for (const phase of scaleEpochs(PHASES, opts.epochs)) {',
    ...(f.copies
      ? [
          "      if (phase.kind === 'copy') {",
          '        copyGroup(model, phase.from!, phase.to!); // a frozen teacher: copied once, here',
          '        continue;',
          '      }',
        ]
      : []),
    ...(f.overrides
      ? [
          "      // The graph's values back on the layers the previous phase overrode, then this phase's.",
          '      const runtime = (id: string) => model.getLayer(id) as unknown as RuntimeParams;',
          '      for (const id of overridden) runtime(id).setRuntimeParams({});',
          '      for (const [id, values] of Object.entries(phase.overrides ?? {})) runtime(id).setRuntimeParams(values);',
          '      overridden = Object.keys(phase.overrides ?? {});',
        ]
      : []),
    ...(f.ownData
      ? [
          `      const ${whole} = phase.dataset ? opts.phaseData?.[phase.name] : data;`,
          `      if (!${whole})`,
          '        throw new Error(',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal of the generated code
          "          `Phase '${phase.name}' trains on Netwright's '${phase.dataset}' dataset: pass its tensors as opts.phaseData['${phase.name}'].`,",
          '        );',
        ]
      : [`      const ${whole} = data;`]),
    ...(f.rows
      ? ["      const d = rowView(whole, phase); // the phase's rows: its data subset, then its size"]
      : []),
    `      const batchSize = opts.batchSize ?? phase.batchSize ?? ${a.batchSize};`,
    '      const count = d.y.shape[0]!;',
    ...(f.augmented
      ? ['      if (phase.augmented) shuffle.skip(); // Netwright forks its augmentation stream here']
      : []),
    ...(f.reinit
      ? ['      for (const id of phase.reinit ?? []) model.getLayer(id).setWeights(initial.get(id)!);']
      : []),
    '      const groups = phase.optimizers.map((g) => {',
    '        let optimizer = optimizers.get(g.id);',
    '        if (optimizer) setRate(optimizer, g.learningRate);',
    '        else {',
    '          optimizer = makeOptimizer(g.learningRate);',
    '          optimizers.set(g.id, optimizer);',
    '        }',
    `        return { ...g, optimizer, vars: trainableVariables(model${f.groups ? ', g.groups ?? phase.groups' : ''}) };`,
    '      });',
    '      const vars = [...new Set(groups.flatMap((g) => g.vars))];',
    ...(f.groups ? [`      const unfreeze = freezeOthers(model${groupsArg});`] : []),
    ...(a.stats ? ['      const stats = labelStats(d.y); // per phase, from its training labels'] : []),
    ...(f.lossWeights || f.copies
      ? ['      const steps = phase.epochs * Math.ceil(count / batchSize);', '      let step = 0;']
      : []),
    '      for (let e = 0; e < phase.epochs; e++) {',
    `        const order = shuffle${f.augmented ? '.order' : ''}(count);`,
    '        const sums: Record<string, number> = {};',
    ...(a.split ? ['        const totals: Record<string, number[]> = {};'] : []),
    '        let lossSum = 0;',
    '        for (let start = 0; start < count; start += batchSize) {',
    "          const idx = tf.tensor1d(order.slice(start, start + batchSize), 'int32');",
    `          const x = ${xs};`,
    '          const y = tf.gather(d.y, idx);',
    ...(f.lossWeights || f.copies ? ['          const progress = steps > 1 ? step / (steps - 1) : 0;'] : []),
    `          let kept: Record<string, ${a.split ? 'tf.Tensor' : 'tf.Scalar'}> = {};`,
    '          const { value, grads } = tf.variableGrads(() => {',
    `            const batch = objective(model, x, y${a.stats ? ', stats' : ''}, phase${f.lossWeights ? ', progress' : ''});`,
    '            kept = Object.fromEntries(Object.entries(batch.values).map(([k, v]) => [k, tf.keep(v)]));',
    '            return batch.total;',
    '          }, vars);',
    ...(a.split
      ? [
          '          const sizes = Object.values(kept).map((v) => v.size);',
          '          const parts = Object.values(kept).map((v) => tf.reshape(v, [-1]));',
          '          const stacked = tf.concat([tf.reshape(value, [1]), ...parts]);',
        ]
      : ['          const stacked = tf.stack([value, ...Object.values(kept)]);']),
    '          const [loss, ...rest] = Array.from(await stacked.data());',
    `          tf.dispose([stacked, value, ...Object.values(kept), ${a.split ? '...parts, ' : ''}idx, ${a.multiInput ? '...x' : 'x'}, y]);`,
    '          if (!Number.isFinite(loss)) {',
    '            tf.dispose(grads);',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal of the generated code
    "            throw new Error(`Training stopped in phase '${phase.name}': the loss became ${loss}.`);",
    '          }',
    '          const size = Math.min(batchSize, count - start);',
    '          lossSum += loss! * size;',
    "          const batchValues: Record<string, number> = {}; // this batch's value of each loss and metric",
    ...(a.split
      ? [
          '          let at = 0;',
          '          for (const [i, k] of Object.keys(kept).entries()) {',
          '            if (k in FINALIZE) {',
          '              totals[k] ??= new Array<number>(sizes[i]!).fill(0);',
          '              const acc = totals[k]!;',
          '              for (let j = 0; j < sizes[i]!; j++) acc[j] = acc[j]! + rest[at + j]!;',
          '            } else {',
          '              batchValues[k] = rest[at]!;',
          '              sums[k] = (sums[k] ?? 0) + rest[at]! * size;',
          '            }',
          '            at += sizes[i]!;',
          '          }',
        ]
      : [
          '          for (const [i, k] of Object.keys(kept).entries()) {',
          '            batchValues[k] = rest[i]!;',
          '            sums[k] = (sums[k] ?? 0) + rest[i]! * size;',
          '          }',
        ]),
    '          for (const g of groups) {',
    '            const own: tf.NamedTensorMap = {};',
    '            for (const v of g.vars) if (grads[v.name]) own[v.name] = grads[v.name]!;',
    ...(f.clip
      ? ['            const clipped = g.clipNorm === undefined ? own : clipByGlobalNorm(own, g.clipNorm);']
      : ['            const clipped = own;']),
    f.lrScale
      ? '            const rate = g.learningRate * rateScale(g, batchValues);'
      : '            const rate = g.learningRate;',
    ...(f.lrScale ? ['            if (g.lrScale !== undefined) setRate(g.optimizer, rate);'] : []),
    ...(a.decay !== undefined
      ? [
          `            // Decoupled weight decay (AdamW): w ← w·(1 − lr·λ), λ = ${printNumber(a.decay)}, before the Adam step.`,
          '            tf.tidy(() => {',
          `              for (const v of g.vars) v.assign(tf.mul(v, 1 - rate * ${printNumber(a.decay)}));`,
          '            });',
        ]
      : []),
    '            const names = Object.keys(clipped);',
    '            const last = slotNames.get(g.id);',
    '            if (last && (last.length !== names.length || last.some((n, i) => n !== names[i])))',
    '              reslot(g.optimizer, names);',
    '            slotNames.set(g.id, names);',
    '            g.optimizer.applyGradients(clipped);',
    ...(f.clip ? ['            if (clipped !== own) tf.dispose(Object.values(clipped));'] : []),
    '          }',
    ...(f.copies ? ['          for (const c of phase.copies ?? []) emaCopy(model, c, progress);'] : []),
    '          tf.dispose(grads);',
    ...(f.lossWeights || f.copies ? ['          step++;'] : []),
    '        }',
    '        const values = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / count]));',
    ...(a.split
      ? ['        for (const [k, t] of Object.entries(totals)) values[k] = finalizeSplit(k, t);']
      : []),
    '        const report = { stage: phase.name, epoch: history.length + 1, loss: lossSum / count, values };',
    '        history.push(report);',
    '        await opts.onEpoch?.(report);',
    '      }',
    ...(a.stats ? ['      tf.dispose([stats.count, stats.labelCounts, stats.labelPairs]);'] : []),
    ...(f.groups ? ['      unfreeze();'] : []),
    ...(f.rows ? ['      if (d !== whole) tf.dispose([...[d.x].flat(), d.y]);'] : []),
    '    }',
    '  } finally {',
    '    for (const o of optimizers.values()) o.dispose();',
    ...(f.reinit ? ['    tf.dispose([...initial.values()].flat());'] : []),
    '  }',
    '  return history;',
    '}',
  ];
}
