// A kernel node type → an exported, registered tf.layers.Layer class whose call() is the node's
// kernel traced into tfjs, with the class name, weights (names, shapes, initialisers, seeds) and
// getConfig() of the app's KernelLayer subclass, so either side loads the other's saved models.
// The trace can depend on params and input shapes, so a type used several ways in one graph gets
// one traced variant per use, chosen in build(). Pure.

import type { IRNode, Json, JsonObject } from '../ir.ts';
import type { AnyNodeDef } from '../node-def.ts';
import type { WeightSpec } from '../ops.ts';
import {
  type Context,
  initializerExpr,
  jsonExpr,
  memberAccess,
  nodeTitle,
  paperNote,
  printShape,
  type Shape,
} from './context.ts';
import { call, type Expr, expandedObject, layout } from './layout.ts';
import {
  CodegenError,
  className,
  docComment,
  lineComment,
  printKey,
  printString,
  printValue,
  WIDTH,
} from './print.ts';
import { kernelClassName, weightInitializerSpec } from './tfjs-config.ts';
import type { Leaf, Traced } from './trace.ts';

interface Variant {
  readonly params: JsonObject;
  readonly inputShapes: readonly Shape[];
  readonly outputShape: Shape;
  readonly weights: readonly WeightSpec[];
  /** call() body lines for training false and true (equal when the kernel ignores the flag). */
  readonly bodies: readonly [string[], string[]];
}

const same = (a: readonly string[], b: readonly string[]) => a.join('\n') === b.join('\n');

/**
 * A variant's key as the generated variantOf() computes it: params and input shapes without the
 * batch, strings camel-cased (tfjs camel-cases the strings of a saved config when it loads one).
 */
const camelKey = (params: JsonObject, shapes: readonly Shape[]): string =>
  JSON.stringify([params, shapes.map((s) => s.slice(1))], (_k, v: unknown) =>
    typeof v === 'string' ? v.replace(/_+(\w|$)/g, (_m, c: string) => c.toUpperCase()) : v,
  );

export function kernelClass(ctx: Context, type: string, nodes: readonly IRNode[]): string[] {
  const def = ctx.def(nodes[0]!);
  if (!def.kernel) throw new CodegenError(`node type '${type}' has no kernel`, nodes[0]!.id);
  const cls = ctx.moduleNames.fresh(className(type));
  ctx.kernelClasses.set(type, cls);
  ctx.helpers.add('toList');

  // One variant per distinct (params, input shapes without the batch).
  const uses = new Map<
    string,
    { node: IRNode; params: JsonObject; shapes: Shape[]; weights: WeightSpec[] }
  >();
  // A phase's runtime overrides of a node are variants too (same weights: runtime params keep them).
  const phases = ctx.ir.training?.phases ?? [];
  let runtime = false;
  for (const node of nodes) {
    const config = node.op.kind === 'kernel' ? node.op.config : {};
    const overrides = phases.flatMap((p) => (p.overrides?.[node.id] ? [p.overrides[node.id]!] : []));
    runtime ||= overrides.length > 0;
    const shapes = node.inputs.map((r) => ctx.shapeOf(r));
    for (const params of [config, ...overrides.map((o) => ({ ...config, ...o }))]) {
      const key = JSON.stringify([params, shapes.map((s) => s.slice(1))]);
      if (!uses.has(key))
        uses.set(key, { node, params, shapes, weights: def.kernel.weights?.(params, shapes) ?? [] });
    }
  }
  const multi = uses.size > 1;
  runtime &&= multi; // overrides equal to the graph's values need nothing
  const all = [...uses.values()];
  const weightNames = [...new Set(all.flatMap((u) => u.weights.map((w) => w.name)))];
  // A weight some variant lacks is optional in the `w` record.
  const optional = new Set(weightNames.filter((n) => !all.every((u) => u.weights.some((w) => w.name === n))));

  const assigned = new Set<string>();
  const variants: Variant[] = [...uses.values()].map((u) => {
    // Bodies sit in call() → tf.tidy (6 spaces), inside `if`s per variant and training flag.
    const base = multi ? 8 : 6;
    const both = (indent: number) =>
      [false, true].map((training) =>
        traceBody(ctx, u.node, def, u.params, u.weights, optional, training, indent, assigned),
      );
    let [off, on] = both(base) as [string[], string[]];
    if (!same(off, on)) [off, on] = both(base + 2) as [string[], string[]];
    return {
      params: u.params,
      inputShapes: u.shapes,
      outputShape: u.node.outputShape,
      weights: u.weights,
      bodies: [off, on],
    };
  });
  // A multi-output kernel (callPorts): one private method per output port, each traced from
  // callPorts(…)[port]; call() returns them all, as the app's KernelLayer does.
  const portNames = def.kernel.callPorts ? Object.keys(def.outputs) : undefined;
  const portBodies = portNames?.map((port) => {
    const u = all[0]!;
    const unsupported = (why: string) =>
      new CodegenError(
        `export/unsupported: node '${u.node.id}' (${def.title}) has several outputs and ${why}; the TypeScript exporter prints such a node only when it is used one way, without random draws or state updates.`,
        u.node.id,
      );
    if (multi) throw unsupported('is used with different params or shapes');
    const [off, on] = [false, true].map((training) =>
      traceBody(ctx, u.node, def, u.params, u.weights, optional, training, 4, assigned, port),
    ) as [string[], string[]];
    if (assigned.size || off.some((l) => l.includes('this.draws')))
      throw unsupported('draws or updates state');
    if (!same(off, on)) throw unsupported('computes differently while training');
    return off;
  });
  const usesTraining = variants.some((v) => !same(v.bodies[0], v.bodies[1]));
  if (multi) ctx.helpers.add('variantOf');
  const usage = (v: Variant) =>
    `params ${printValue(v.params)} and input shapes ${v.inputShapes.map(printShape).join(', ')}`;

  const out: string[] = [
    ...docComment(
      [
        nodeTitle(def),
        ...paperNote(def),
        `The node's kernel traced into tfjs, registered as '${kernelClassName(type)}' like the Netwright app's class, so models the app saves load with this one.`,
      ],
      0,
    ),
    `export class ${cls} extends tf.layers.Layer {`,
    `  static className = ${printString(kernelClassName(type))};`,
    '  readonly params: tf.serialization.ConfigDict;',
    '  readonly seed: number;',
  ];
  if (multi)
    out.push(
      ...lineComment(['One traced variant per use in the graph: params, input shapes without the batch.'], 2),
      '  private static readonly variants = [',
      ...variants.map((v) => `    ${printString(camelKey(v.params, v.inputShapes))},`),
      '  ];',
      '  private variant = 0;',
    );
  if (runtime) out.push('  private builtShape: tf.Shape | tf.Shape[] = [];');
  if (weightNames.length) {
    const members = weightNames.map((n) => `${printKey(n)}${optional.has(n) ? '?' : ''}: tf.LayerVariable`);
    const one = `  private w!: { ${members.join('; ')} };`;
    out.push(
      ...(one.length <= WIDTH ? [one] : ['  private w!: {', ...members.map((m) => `    ${m};`), '  };']),
    );
  }
  if (variants.some((v) => v.bodies.some((b) => b.some((l) => l.includes('this.draws')))))
    out.push(
      ...lineComment(
        ['Random draws so far (dropout masks): each is seeded from seed and its number, as in the app.'],
        2,
      ),
      '  private draws = 0;',
    );
  out.push(
    '',
    '  constructor(args: KernelLayerArgs) {',
    '    super(args);',
    '    this.params = args.params ?? {};',
    '    this.seed = args.seed ?? 0;',
    '  }',
  );

  // build(): the kernel's weights, as KernelLayer.build() makes them (the i-th gets seed + i).
  if (weightNames.length || multi) {
    out.push('', `  override build(${multi ? 'inputShape: tf.Shape | tf.Shape[]' : ''}): void {`);
    if (multi) out.push(`    this.variant = variantOf(${cls}.variants, this.params, inputShape, this.name);`);
    if (runtime) out.push('    this.builtShape = inputShape;');
    if (multi) {
      variants.forEach((v, i) => {
        if (v.weights.length)
          out.push(`    if (this.variant === ${i}) {`, ...weightsLines(v.weights, 6, ctx.helpers), '    }');
      });
    } else out.push(...weightsLines(variants[0]!.weights, 4, ctx.helpers));
    out.push('    this.built = true;', '  }');
  }

  // computeOutputShape(): from shape inference (the IR).
  if (portBodies) out.push(...portMethods(all[0]!.node, portNames!, portBodies, usage(variants[0]!)));
  else out.push(...singleOutputMethods(variants, multi, assigned, usesTraining, usage));

  if (runtime)
    out.push(
      '',
      "  /** A phase's runtime params (overrides of `params`; none puts the graph's back). Weights stay. */",
      '  setRuntimeParams(values: tf.serialization.ConfigDict): void {',
      `    this.variant = variantOf(${cls}.variants, { ...this.params, ...values }, this.builtShape, this.name);`,
      '  }',
    );
  out.push(
    '',
    '  override getConfig(): tf.serialization.ConfigDict {',
    '    return {',
    '      ...super.getConfig(),',
    `      kernelType: ${printString(type)},`,
    '      params: this.params,',
    '      seed: this.seed,',
    '    };',
    '  }',
    '}',
    `tf.serialization.registerClass(${cls});`,
  );
  return out;
}

/** One traced call() body: unpack the inputs, read the weights, the kernel's math. */
function traceBody(
  ctx: Context,
  node: IRNode,
  def: AnyNodeDef,
  params: JsonObject,
  specs: readonly WeightSpec[],
  optional: ReadonlySet<string>,
  training: boolean,
  indent: number,
  assigned: Set<string>,
  /** A multi-output kernel's port: trace callPorts(…)[port]. */
  port?: string,
): string[] {
  const kernel = def.kernel!;
  const namer = ctx.localNamer();
  const shapes = node.inputs.map((r) => ctx.shapeOf(r));
  const names = ctx.inputNames(node, def, params).map((n) => namer.fresh(n));
  const leaves: Leaf[] = [
    ...names.map((name, i) => ({ name, shape: shapes[i]! })),
    ...specs.map((w) => {
      const name = namer.fresh(w.name);
      const read = `this.w${memberAccess(w.name)}${optional.has(w.name) ? '!' : ''}.read()`;
      return { name, shape: w.shape, declare: `const ${name} = ${read};` };
    }),
  ];
  // A kernel may update state weights while training (ctx.assign: running statistics), as the
  // app's kernel layer lets it: the training body writes them the same way.
  const lines = ctx.trace(node, leaves, { indent, width: WIDTH, namer }, (ops, ls, write) => {
    const weights = Object.fromEntries(specs.map((w, i) => [w.name, ls[names.length + i]!]));
    const assign = (name: string, value: Traced) => {
      assigned.add(name);
      write(`this.w${memberAccess(name)}${optional.has(name) ? '!' : ''}`, value);
    };
    const ins = ls.slice(0, names.length);
    if (port !== undefined) return kernel.callPorts!(ops, ins, weights, params, { training, assign })[port]!;
    return kernel.call(ops, ins, weights, params, { training, assign });
  });
  const pad = ' '.repeat(indent);
  const tensors = names.map(() => 'tf.Tensor').join(', ');
  return [
    ...(names.length ? [`${pad}const [${names.join(', ')}] = toList(inputs) as [${tensors}];`] : []),
    ...lines,
  ];
}

/** `this.w = { name: this.addWeight(…), … };` */
function weightsLines(weights: readonly WeightSpec[], indent: number, helpers: Set<string>): string[] {
  const props = weights.map((w, i): [string, Expr] => {
    const spec = weightInitializerSpec(w.init, 0);
    if (spec.segments) helpers.add('segmentedInitializer');
    const init = initializerExpr(spec, i ? `this.seed + ${i}` : 'this.seed');
    const args: Expr[] = [
      printString(w.name),
      printShape(w.shape),
      "'float32'",
      init,
      'undefined',
      String(w.trainable ?? true),
    ];
    return [printKey(w.name), call('this.addWeight', ...args)];
  });
  return expandedObject('this.w = ', props, ';', indent, WIDTH);
}

/** computeOutputShape() and call() of a multi-output kernel: one traced private method per port. */
function portMethods(
  node: IRNode,
  ports: readonly string[],
  bodies: readonly string[][],
  usage: string,
): string[] {
  const out = [
    '',
    '  override computeOutputShape(): tf.Shape[] {',
    ...layout('return ', { array: node.outputPorts!.map((p) => printShape(p.shape)) }, ';', 4, WIDTH),
    '  }',
    '',
    ...lineComment(['Every output port, in order (the app keys them <node>:<port>).'], 2),
    '  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {',
    ...layout(
      'return tf.tidy(() => ',
      { array: bodies.map((_b, i) => `this.port${i}(inputs)`) },
      ');',
      4,
      WIDTH,
    ),
    '  }',
  ];
  for (const [i, body] of bodies.entries())
    out.push(
      '',
      ...docComment([`Output '${ports[i]}', traced for ${usage}.`], 2),
      `  private port${i}(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {`,
      ...body,
      '  }',
    );
  return out;
}

/** computeOutputShape() and call() of a single-output kernel: the traced variants. */
function singleOutputMethods(
  variants: readonly Variant[],
  multi: boolean,
  assigned: ReadonlySet<string>,
  usesTraining: boolean,
  usage: (v: Variant) => string,
): string[] {
  const out: string[] = [];
  out.push('', '  override computeOutputShape(): tf.Shape {');
  if (multi) {
    const shapes: Expr = { array: variants.map((v) => jsonExpr(v.outputShape as Json)) };
    out.push(
      ...layout('const shapes: tf.Shape[] = ', shapes, ';', 4, WIDTH),
      '    return shapes[this.variant]!;',
    );
  } else out.push(`    return ${printShape(variants[0]!.outputShape)};`);
  out.push('  }', '');

  // call(): the traced kernel.
  const withTraining = (v: Variant, indent: number): string[] => {
    if (same(v.bodies[0], v.bodies[1])) return v.bodies[0];
    const pad = ' '.repeat(indent);
    return [
      `${pad}if (kwargs.training === true) {`,
      ...v.bodies[1],
      `${pad}}`,
      ...v.bodies[0].map((l) => l.slice(2)),
    ];
  };
  if (!multi) out.push(...lineComment([`Traced for ${usage(variants[0]!)}.`], 2));
  if (assigned.size)
    out.push(
      ...lineComment(
        [
          `While training, call() also updates ${[...assigned].join(', ')} (running statistics), as the Netwright app does.`,
        ],
        2,
      ),
    );
  const kwargs = usesTraining ? ', kwargs: { training?: boolean }' : '';
  out.push(
    `  override call(inputs: tf.Tensor | tf.Tensor[]${kwargs}): tf.Tensor {`,
    '    return tf.tidy(() => {',
  );
  if (multi) {
    variants.forEach((v, i) => {
      if (i === variants.length - 1) {
        out.push(...lineComment([usage(v)], 6), ...withTraining(v, 8).map((l) => l.slice(2)));
      } else
        out.push(
          `      if (this.variant === ${i}) {`,
          ...lineComment([usage(v)], 8),
          ...withTraining(v, 8),
          '      }',
        );
    });
  } else out.push(...withTraining(variants[0]!, 6));
  out.push('    });', '  }');
  return out;
}
