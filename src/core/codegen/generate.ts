// IR → TypeScript: a standalone module that imports only @tensorflow/tfjs and exports
// `buildModel()` — the layers, configs and seeded initial weights src/compiler/compile.ts builds
// (the config code is shared: tfjs-config.ts) — and, for a graph with training settings,
// `train(model, data, opts)` (training.ts). Kernel nodes become registered tf.layers classes
// whose call() is traced from the node's own kernel (kernel-class.ts). Pure: no tfjs here.

import { type IRNode, type ModelIR, modelOutputKeys, refKey } from '../ir.ts';
import type { Registry } from '../registry.ts';
import { Context, initializerExpr, jsonExpr, printShape } from './context.ts';
import { kernelClass } from './kernel-class.ts';
import { call, type Expr, expandedObject, flat, layout, object, willBreak } from './layout.ts';
import { CodegenError, citation, docComment, lineComment, printNumber, printString, WIDTH } from './print.ts';
import { layerConfigSpec, modelName, nodeSeed } from './tfjs-config.ts';
import { HELPERS } from './trace.ts';
import { headFunctions, trainingSections } from './training.ts';

export { CodegenError } from './print.ts';

export interface GenerateOptions {
  /** Seed of the initial weights (default: the graph's training seed, else 1 — as compileIR). */
  readonly seed?: number;
}

/**
 * A standalone TypeScript module (tfjs only) that builds — and, when the graph has training
 * settings, trains — the model `ir` describes, exactly as the app does. Throws CodegenError (with
 * the node id when one is to blame) for what it cannot print.
 */
export function generateTypeScript(ir: ModelIR, registry: Registry, opts: GenerateOptions = {}): string {
  refuseSharedInPhases(ir, registry);
  const ctx = new Context(ir, registry, opts.seed ?? ir.training?.seed ?? 1);
  const byType = new Map<string, IRNode[]>();
  for (const n of ir.nodes)
    if (n.op.kind === 'kernel') byType.set(n.type, [...(byType.get(n.type) ?? []), n]);
  const kernels = [...byType].map(([type, nodes]) => kernelClass(ctx, type, nodes));
  const heads = ir.training ? headFunctions(ctx) : [];
  const model = buildModel(ctx);
  const training = ir.training ? trainingSections(ctx, ir.training) : [];
  const sections = [header(ir), helpers(ctx), ...kernels, model, ...heads, ...training].filter(
    (s) => s.length,
  );
  return `${sections.map((s) => s.join('\n')).join('\n\n')}\n`;
}

/**
 * What the PyTorch exporter cannot print yet (the TypeScript one prints multi-output kernels),
 * refused by name rather than printed differently from the trainer.
 */
export function refuseUnsupported(ir: ModelIR, registry: Registry): void {
  refuseShared(ir, registry, 'PyTorch');
  const multi = ir.nodes.find((n) => n.outputPorts);
  if (multi)
    throw new CodegenError(
      `export/unsupported: node '${multi.id}' (${registry.get(multi.type)?.title ?? multi.type}) has several outputs (${multi.outputPorts!.map((p) => p.name).join(', ')}); the PyTorch exporter prints single-output layers only.`,
      multi.id,
    );
}

/**
 * Weight sharing (`shareWeights`, IR `weightsFrom`) is refused by name: the exporters print one
 * layer per node and address layers by node id, so a shared layer would train as two.
 */
export function refuseShared(ir: ModelIR, registry: Registry, exporter: 'TypeScript' | 'PyTorch'): void {
  const sharer = ir.nodes.find((n) => n.weightsFrom !== undefined);
  if (sharer)
    throw new CodegenError(
      `export/unsupported: node '${sharer.id}' (${registry.get(sharer.type)?.title ?? sharer.type}) shares weights with '${sharer.weightsFrom}' (shareWeights); the ${exporter} exporter prints one layer per node and does not print shared layers yet. Clear 'shareWeights' on '${sharer.id}' to export.`,
      sharer.id,
    );
}

/**
 * The TypeScript exporter prints a shared layer (one layer object applied at each use), but phases
 * address layers by node id: a phase that re-initialises or overrides a node that shares another's
 * weights is refused by name (name the owner instead).
 */
function refuseSharedInPhases(ir: ModelIR, registry: Registry): void {
  const sharers = new Map(ir.nodes.filter((n) => n.weightsFrom !== undefined).map((n) => [n.id, n]));
  if (!sharers.size) return;
  for (const ph of ir.training?.phases ?? [])
    for (const id of [...(ph.reinit ?? []), ...Object.keys(ph.overrides ?? {})]) {
      const n = sharers.get(id);
      if (n)
        throw new CodegenError(
          `export/unsupported: phase '${ph.name}' re-initialises or overrides node '${id}' (${registry.get(n.type)?.title ?? n.type}), which shares weights with '${n.weightsFrom}'; the TypeScript exporter addresses layers by their owner. Name '${n.weightsFrom}' in the phase instead.`,
          id,
        );
    }
}

function header(ir: ModelIR): string[] {
  return [
    ...lineComment(
      [
        `${ir.title || 'Model'}: a tfjs model exported by Netwright. Standalone: it needs only @tensorflow/tfjs.`,
        ir.training
          ? 'buildModel() builds the model, train(model, data) trains it as the graph configures it.'
          : 'buildModel() builds the model.',
        // tfjs 4.22's own .d.ts files fail the library check, not this file.
        "Compile with tsc --strict --skipLibCheck (tfjs's own type declarations fail the lib check).",
      ],
      0,
    ),
    "import * as tf from '@tensorflow/tfjs';",
  ];
}

function helpers(ctx: Context): string[] {
  const out: string[][] = [];
  if (ctx.helpers.has('toList'))
    out.push([
      '/** tfjs hands a layer (and a model returns) one tensor or a list of them. */',
      'function toList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {',
      '  return Array.isArray(x) ? x : [x];',
      '}',
    ]);
  if (ctx.helpers.has('variantOf'))
    out.push([
      '/**',
      ' * Which traced variant of a kernel layer serves these params and input shapes (batch ignored).',
      " * Strings compare camel-cased: tfjs camel-cases them when it loads a saved model ('a_b' → 'aB').",
      ' */',
      'function variantOf(',
      '  variants: string[],',
      '  params: tf.serialization.ConfigDict,',
      '  inputShape: tf.Shape | tf.Shape[],',
      '  layer: string,',
      '): number {',
      '  const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tf.Shape[];',
      '  const camel = (_k: string, v: unknown) =>',
      "    typeof v === 'string' ? v.replace(/_+(\\w|$)/g, (_m, c: string) => c.toUpperCase()) : v;",
      '  const key = JSON.stringify([params, shapes.map((s) => s.slice(1))], camel);',
      '  const i = variants.indexOf(key);',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal of the generated code
      '  if (i < 0) throw new Error(`${layer}: this export has no code for ${key}`);',
      '  return i;',
      '}',
    ]);
  for (const [name, lines] of Object.entries(HELPERS)) if (ctx.helpers.has(name)) out.push([...lines]);
  if (ctx.kernelClasses.size)
    out.push([
      '/** Constructor arguments of the kernel layers; getConfig() returns them (as Netwright saves them). */',
      'export interface KernelLayerArgs {',
      '  name?: string;',
      '  trainable?: boolean;',
      '  params?: tf.serialization.ConfigDict;',
      '  seed?: number;',
      '}',
    ]);
  return out.flatMap((lines, i) => (i ? ['', ...lines] : lines));
}

function buildModel(ctx: Context): string[] {
  const { ir, registry } = ctx;
  const namer = ctx.localNamer();
  const vars = new Map<string, string>();
  const body: string[] = [];
  // Weight sharing: an owner with sharers gets its layer object in a variable, made at the first
  // use (owner or sharer), and every use applies it — one layer, one set of weights.
  const owners = new Set(ir.nodes.flatMap((n) => (n.weightsFrom !== undefined ? [n.weightsFrom] : [])));
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const layerVars = new Map<string, string>();
  for (const node of ir.nodes) {
    // A multi-output node: one variable per port (keyed `<node>:<port>`, as run() keys them).
    const portVars = node.outputPorts?.map((p) => namer.fresh(`${node.id}_${p.name}`));
    const v = portVars ? `[${portVars.join(', ')}]` : namer.fresh(node.id);
    if (portVars)
      for (const [i, p] of node.outputPorts!.entries()) vars.set(`${node.id}:${p.name}`, portVars[i]!);
    else vars.set(node.id, v);
    const op = node.op;
    if (op.kind === 'input') {
      const props: [string, Expr][] = [['shape', printShape(op.shape.slice(1))]];
      if (op.dtype !== 'float32') props.push(['dtype', printString(op.dtype)]);
      props.push(['name', printString(node.id)]);
      body.push(...layout(`const ${v} = `, call('tf.input', object(props)), ';', 2, WIDTH));
      continue;
    }
    const ins = node.inputs.map((r) => {
      if (!('node' in r)) throw new CodegenError('model layers cannot read dataset labels', node.id);
      const src = vars.get(refKey(ir, r));
      if (!src) throw new CodegenError(`input '${r.node}' is not built yet`, node.id);
      return src;
    });
    const input: Expr = ins.length === 1 ? ins[0]! : { array: ins };
    const ownerId = node.weightsFrom ?? (owners.has(node.id) ? node.id : undefined);
    if (ownerId !== undefined && (op.kind === 'layer' || op.kind === 'kernel')) {
      let lv = layerVars.get(ownerId);
      if (!lv) {
        const owner = byId.get(ownerId);
        if (!owner || owner.type !== node.type)
          throw new CodegenError(
            `node '${node.id}' shares weights with '${ownerId}', which is not in the model`,
            node.id,
          );
        lv = namer.fresh(`${ownerId}_layer`);
        layerVars.set(ownerId, lv);
        body.push(...sharedLayerStatement(ctx, owner, lv));
      }
      const type = portVars ? `[${portVars.map(() => 'tf.SymbolicTensor').join(', ')}]` : 'tf.SymbolicTensor';
      const share = node.weightsFrom !== undefined ? ` // shares the weights of '${ownerId}'` : '';
      body.push(`  const ${v} = ${lv}.apply(${flat(input)}) as ${type};${share}`);
      continue;
    }
    if (op.kind === 'layer') {
      const def = registry.get(node.type);
      if (def?.docs.paper) body.push(...lineComment([`${def.title}: ${citation(def.docs.paper)}`], 2));
      const spec = layerConfigSpec(node, ctx.seed);
      const props: [string, Expr][] = [
        ...Object.entries(spec.config).map(([k, x]): [string, Expr] => [k, jsonExpr(x)]),
        ...Object.entries(spec.initializers).map(([k, s]): [string, Expr] => [k, initializerExpr(s)]),
      ];
      body.push(...layerStatement(v, spec.factory, props, input));
    } else if (op.kind === 'identity') {
      body.push(
        ...layerStatement(
          v,
          'activation',
          [
            ['name', printString(node.id)],
            ['activation', "'linear'"],
          ],
          input,
        ),
      );
    } else if (op.kind === 'kernel') {
      const cls = ctx.kernelClasses.get(node.type)!;
      const props: [string, Expr][] = [
        ['name', printString(node.id)],
        ['params', jsonExpr(op.config)],
        ['seed', printNumber(nodeSeed(ctx.seed, node.id))],
      ];
      // One line, else the constructor's object expanded (Biome keeps an expanded object).
      const type = portVars ? `[${portVars.map(() => 'tf.SymbolicTensor').join(', ')}]` : 'tf.SymbolicTensor';
      const apply = `).apply(${flat(input)}) as ${type};`;
      const one = `  const ${v} = new ${cls}(${flat(object(props))}${apply}`;
      body.push(
        ...(one.length <= WIDTH && !willBreak(object(props))
          ? [one]
          : expandedObject(`const ${v} = new ${cls}(`, props, apply, 2, WIDTH)),
      );
    } else throw new CodegenError(`node kind '${op.kind}' is not a model layer`, node.id);
  }
  const outIds = modelOutputKeys(ir);
  const inputs = ir.nodes.filter((n) => n.op.kind === 'input').map((n) => vars.get(n.id)!);
  const model = object([
    ['inputs', { array: inputs }],
    ['outputs', { array: outIds.map((id) => vars.get(id)!) }],
    ['name', printString(modelName(ir.title))],
  ]);
  body.push(...layout('return ', call('tf.model', model), ';', 2, WIDTH));
  return [
    ...docComment(
      [
        `The model: one tfjs layer per graph node, named after the node, with the initial weights Netwright gives it (seed ${ctx.seed}).`,
      ],
      0,
    ),
    'export function buildModel(): tf.LayersModel {',
    ...body,
    '}',
  ];
}

/** `const <owner>_layer = tf.layers.<factory>({ … });` (or `new <Kernel>({ … })`): a layer applied at several nodes. */
function sharedLayerStatement(ctx: Context, owner: IRNode, lv: string): string[] {
  const op = owner.op;
  if (op.kind === 'layer') {
    const spec = layerConfigSpec(owner, ctx.seed);
    const props: [string, Expr][] = [
      ...Object.entries(spec.config).map(([k, x]): [string, Expr] => [k, jsonExpr(x)]),
      ...Object.entries(spec.initializers).map(([k, s]): [string, Expr] => [k, initializerExpr(s)]),
    ];
    return expandedObject(`const ${lv} = tf.layers.${spec.factory}(`, props, ');', 2, WIDTH);
  }
  if (op.kind !== 'kernel')
    throw new CodegenError(`node kind '${op.kind}' has no weights to share`, owner.id);
  const cls = ctx.kernelClasses.get(owner.type)!;
  const props: [string, Expr][] = [
    ['name', printString(owner.id)],
    ['params', jsonExpr(op.config)],
    ['seed', printNumber(nodeSeed(ctx.seed, owner.id))],
  ];
  return expandedObject(`const ${lv} = new ${cls}(`, props, ');', 2, WIDTH);
}

/**
 * `const v = tf.layers.<factory>({ … }).apply(input) as tf.SymbolicTensor;` laid out as Biome lays
 * it out: one line when it fits, else a member chain with the config inline or expanded.
 */
function layerStatement(v: string, factory: string, props: [string, Expr][], input: Expr): string[] {
  const config = object(props);
  const apply = `.apply(${flat(input)}) as tf.SymbolicTensor;`;
  const one = `  const ${v} = tf.layers.${factory}(${flat(config)})${apply}`;
  const breaks = willBreak(config);
  if (one.length <= WIDTH && !breaks) return [one];
  const mid = `    .${factory}(${flat(config)})`;
  const tail = `    ${apply}`;
  if (mid.length <= WIDTH && tail.length <= WIDTH && !breaks) return [`  const ${v} = tf.layers`, mid, tail];
  return [`  const ${v} = tf.layers`, ...expandedObject(`.${factory}(`, props, ')', 4, WIDTH), tail];
}
