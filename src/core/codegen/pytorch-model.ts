// IR → model.py: one nn.Module per graph with one attribute per node that has a torch module
// (named after the node id, sanitised), kernel nodes as nn.Module classes whose forward() is the
// node's own kernel traced into torch (python-trace.ts), and a Keras-style summary when run as a
// script. Also returns how each node's tfjs weights map onto the state_dict (weights export).
// Pure.

import type { IRNode, JsonObject, ModelIR } from '../ir.ts';
import type { PlainWeightInit, WeightInit, WeightSpec } from '../ops.ts';
import type { Registry } from '../registry.ts';
import { Context, type Shape } from './context.ts';
import { CodegenError, citation } from './print.ts';
import {
  keyValues,
  PyNamer,
  pyClassName,
  pyComment,
  pyDocstring,
  pyNumber,
  pyString,
} from './python-literals.ts';
import { PY_HELPERS, tracePython } from './python-trace.ts';
import { PY_LAYER_HELPERS, pyLayer, type WeightMapping } from './pytorch-layers.ts';
import type { Leaf, Traced } from './trace.ts';

/** Where one node's tfjs weights go: state_dict keys (attribute + key) and axis orders. */
export interface NodeWeights {
  readonly nodeId: string;
  readonly attr: string;
  readonly weights: readonly WeightMapping[];
}

export interface PyModel {
  readonly source: string;
  readonly className: string;
  /** Python names of the forward() inputs, in IR input order. */
  readonly inputs: readonly string[];
  readonly weights: readonly NodeWeights[];
  /** Module-level helpers (PY_HELPERS keys) the heads use, so train.py can import them. */
  readonly helpers: Set<string>;
}

/** Names model.py defines at module level, and nn.Module members attributes must not shadow. */
const RESERVED = [
  'torch',
  'nn',
  'F',
  'np',
  'sys',
  'json',
  'channels_first',
  'channels_last',
  'channels_first_1d',
  'channels_last_1d',
  'init_weight',
  'count_params',
  'summary',
  'load_weights',
  'INPUT_SHAPES',
  'INT_INPUTS',
  'example_inputs',
  'self',
  ...Object.keys(PY_LAYER_HELPERS),
  ...Object.keys(PY_HELPERS),
];
const MODULE_MEMBERS = [
  'training',
  'forward',
  'parameters',
  'buffers',
  'children',
  'modules',
  'state_dict',
  'train',
  'eval',
  'to',
  'cuda',
  'cpu',
  'float',
  'double',
  'half',
  'type',
  'apply',
  'zero_grad',
  'register_buffer',
  'register_parameter',
  'add_module',
  'dump_patches',
];

export function generatePyModel(ir: ModelIR, registry: Registry): PyModel {
  const ctx = new Context(ir, registry, ir.training?.seed ?? 1);
  const moduleNames = new PyNamer(RESERVED);
  const helpers = new Set<string>();
  const classes: string[][] = [];
  const kernelClass = new Map<string, string>();
  const kernelWeights = new Map<string, WeightMapping[]>();
  for (const node of ir.nodes) {
    if (node.op.kind !== 'kernel') continue;
    const params = node.op.config;
    const shapes = node.inputs.map((r) => ctx.shapeOf(r));
    const key = JSON.stringify([node.type, params, shapes.map((s) => s.slice(1))]);
    if (!kernelClass.has(key)) {
      const built = kernelModule(ctx, node, params, shapes, moduleNames, helpers);
      kernelClass.set(key, built.name);
      classes.push(built.lines);
      kernelWeights.set(key, built.weights);
    }
    kernelWeights.set(node.id, kernelWeights.get(key)!);
    kernelClass.set(node.id, kernelClass.get(key)!);
  }

  const className = moduleNames.fresh(ir.title || 'Model', pyClassName);
  const attrs = new PyNamer([...RESERVED, ...MODULE_MEMBERS]);
  const locals = new PyNamer([...RESERVED, ...MODULE_MEMBERS, className, ...kernelClass.values()]);
  const init: string[] = [];
  const forward: string[] = [];
  const vars = new Map<string, string>();
  const inputs: string[] = [];
  const weights: NodeWeights[] = [];
  const layerHelpers = new Set<string>();
  for (const node of ir.nodes) {
    const v = locals.fresh(node.id);
    vars.set(node.id, v);
    if (node.op.kind === 'input') {
      inputs.push(v);
      continue;
    }
    const ins = node.inputs.map((r) => {
      const src = 'node' in r ? vars.get(r.node) : undefined;
      if (!src) throw new CodegenError('model layers cannot read dataset labels', node.id);
      return src;
    });
    const def = registry.get(node.type);
    const comment = pyComment(`${node.id}: ${def?.title ?? node.type}`, 8);
    if (node.op.kind === 'identity') {
      forward.push(comment, `        ${v} = ${ins[0]}`);
      continue;
    }
    if (node.op.kind === 'kernel') {
      const attr = attrs.fresh(node.id);
      init.push(`        self.${attr} = ${kernelClass.get(node.id)}()`);
      forward.push(comment, `        ${v} = self.${attr}(${ins.join(', ')})`);
      weights.push({ nodeId: node.id, attr, weights: kernelWeights.get(node.id)! });
      continue;
    }
    if (node.op.kind !== 'layer')
      throw new CodegenError(`node kind '${node.op.kind}' is not a model layer`, node.id);
    const layer = pyLayer(
      node,
      node.inputs.map((r) => ctx.shapeOf(r)),
    );
    for (const h of layer.helpers ?? []) layerHelpers.add(h);
    let self = '';
    if (layer.module) {
      const attr = attrs.fresh(node.id);
      self = `self.${attr}`;
      init.push(`        ${self} = ${layer.module}`);
      weights.push({ nodeId: node.id, attr, weights: layer.weights });
    }
    // A paper-derived layer node keeps its formula and citation next to the code.
    const paper = def?.docs.paper
      ? [pyComment(def.docs.formula ?? '', 8), pyComment(citation(def.docs.paper), 8)].filter(
          (l) => l.trim() !== '#',
        )
      : [];
    forward.push(comment, ...paper, `        ${v} = ${layer.forward(ins, self)}`);
  }
  const outIds = ir.outputs.length ? ir.outputs : [ir.nodes.at(-1)?.id ?? ''];
  const outs = outIds.map((id) => vars.get(id)!);
  const inputShapes = ir.nodes.flatMap((n) =>
    n.op.kind === 'input'
      ? [
          `${pyString(vars.get(n.id)!)}: (${n.op.shape
            .slice(1)
            .map((d) => d ?? 1)
            .join(', ')}${n.op.shape.length === 2 ? ',' : ''})`,
        ]
      : [],
  );
  const inputDtypes = ir.nodes.flatMap((n) =>
    n.op.kind === 'input' && n.op.dtype === 'int32' ? [pyString(vars.get(n.id)!)] : [],
  );

  const head = [
    // Declared first: Python reads an encoding from a `coding: x` comment in line 1 or 2, and the
    // title (free text) could otherwise spell one.
    '# -*- coding: utf-8 -*-',
    pyComment(`${ir.title || 'Model'}: a PyTorch model exported by Netwright.`),
    "# Tensors keep the app's layout (channels last: [batch, height, width, channels]), so every",
    '# node computes what it computes in the app; convolutions and pooling switch to channels first',
    '# only around the torch call. Run it to print a Keras-style summary.',
    'import sys',
    '',
    'import numpy as np',
    'import torch',
    'import torch.nn as nn',
    'import torch.nn.functional as F',
    '',
    pyComment('Per-sample input shapes (batch omitted) and the inputs fed as integer ids.'),
    `INPUT_SHAPES = {${inputShapes.join(', ')}}`,
    `INT_INPUTS = {${inputDtypes.join(', ')}}`,
    '',
    '',
    'def channels_first(x):',
    '    return x.permute(0, 3, 1, 2)',
    '',
    '',
    'def channels_last(x):',
    '    return x.permute(0, 2, 3, 1)',
    '',
    '',
    'def channels_first_1d(x):',
    '    return x.transpose(1, 2)',
    '',
    '',
    'def channels_last_1d(x):',
    '    return x.transpose(1, 2)',
    '',
    '',
    'def init_weight(w, kind, arg=None):',
    '    """Initialises a kernel weight in place the way tfjs does (fans from the last two axes)."""',
    '    shape = list(w.shape)',
    '    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1',
    '    fan_in = shape[-2] * receptive if len(shape) >= 2 else (shape[0] if shape else 1)',
    '    fan_out = shape[-1] * receptive if len(shape) >= 2 else (shape[0] if shape else 1)',
    '    with torch.no_grad():',
    '        if kind == "zeros":',
    '            w.zero_()',
    '        elif kind == "ones":',
    '            w.fill_(1.0)',
    '        elif kind == "constant":',
    '            w.fill_(arg)',
    '        elif kind == "uniform":',
    '            w.uniform_(arg[0], arg[1])',
    '        elif kind == "glorotUniform":',
    '            limit = (6.0 / (fan_in + fan_out)) ** 0.5',
    '            w.uniform_(-limit, limit)',
    '        elif kind == "glorotNormal":',
    '            w.normal_(0.0, (2.0 / (fan_in + fan_out)) ** 0.5)',
    '        elif kind == "heNormal":',
    '            w.normal_(0.0, (2.0 / fan_in) ** 0.5)',
    '        elif kind == "leCunNormal":',
    '            w.normal_(0.0, (1.0 / fan_in) ** 0.5)',
    '        elif kind == "varianceScaling":',
    '            fan = {"fanIn": fan_in, "fanOut": fan_out, "fanAvg": (fan_in + fan_out) / 2}[arg[1]]',
    '            w.normal_(0.0, (arg[0] / fan) ** 0.5)',
    '        elif kind == "segments":',
    '            # the last axis in consecutive segments, each drawn as a tensor of its fan shape',
    '            lead, start = shape[:-1], 0',
    '            for size, fan_shape, seg_kind, seg_arg in arg:',
    '                part = torch.empty(fan_shape if fan_shape is not None else tuple(lead) + (size,))',
    '                init_weight(part, seg_kind, seg_arg)',
    '                w[..., start:start + size] = part.reshape(tuple(lead) + (size,))',
    '                start += size',
    '        else:',
    '            raise ValueError("unknown initializer " + kind)',
  ];
  const tail = [
    'def count_params(model):',
    '    """Parameters plus state buffers (running statistics), as Keras counts them."""',
    '    params = sum(p.numel() for p in model.parameters())',
    '    buffers = sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))',
    '    return params + buffers',
    '',
    '',
    'def example_inputs(batch=2):',
    '    """Zero inputs of the model\'s shapes (a batch of `batch`)."""',
    '    return [',
    '        torch.zeros((batch,) + shape, dtype=torch.long if name in INT_INPUTS else torch.float32)',
    '        for name, shape in INPUT_SHAPES.items()',
    '    ]',
    '',
    '',
    'def summary(model):',
    '    """A Keras-style summary: each node\'s module, output shape and parameter count."""',
    '    shapes = {}',
    '    hooks = [',
    '        m.register_forward_hook(lambda mod, inp, out, name=name: shapes.__setitem__(name, tuple(out.shape[1:])))',
    '        for name, m in model.named_children()',
    '    ]',
    '    model.train(False)  # inference mode (BatchNorm running statistics, no dropout)',
    '    with torch.no_grad():',
    '        model(*example_inputs())',
    '    for h in hooks:',
    '        h.remove()',
    '    rows = [("Node (module)", "Output shape", "Param #")]',
    '    for name, m in model.named_children():',
    '        n = count_params(m)',
    '        rows.append((name + " (" + type(m).__name__ + ")", str((None,) + shapes.get(name, ())), str(n)))',
    '    widths = [max(len(r[i]) for r in rows) + 2 for i in range(3)]',
    '    line = "_" * sum(widths)',
    '    print("Model: " + type(model).__name__)',
    '    print(line)',
    '    for i, r in enumerate(rows):',
    '        print("".join(c.ljust(w) for c, w in zip(r, widths)))',
    '        print(("=" if i == 0 else "_") * sum(widths))',
    '    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)',
    '    total = count_params(model)',
    '    print("Trainable params: {:,}".format(trainable))',
    '    print("Non-trainable params: {:,}".format(total - trainable))',
    '    print("Total params: {:,}".format(total))',
    '',
    '',
    'def load_weights(model, path):',
    '    """Loads weights exported with `netwright export --weights` (an .npz of state_dict entries)."""',
    '    with np.load(path) as data:',
    '        state = {k: torch.from_numpy(data[k]) for k in data.files}',
    '    missing, unexpected = model.load_state_dict(state, strict=False)',
    '    missing = [k for k in missing if not k.endswith("num_batches_tracked")]',
    '    if missing or unexpected:',
    '        raise ValueError("weights do not fit the model: missing " + str(missing) + ", unexpected " + str(unexpected))',
    '    return model',
    '',
    '',
    'if __name__ == "__main__":',
    `    model = ${className}()`,
    '    if len(sys.argv) > 1:',
    '        load_weights(model, sys.argv[1])',
    '    summary(model)',
  ];
  const modelClass = [
    `class ${className}(nn.Module):`,
    ...pyDocstring(
      [
        `${ir.title || 'Model'}: one attribute per graph node that has weights or a torch module (named after the node id).`,
        `forward(${inputs.join(', ')}) returns ${outs.length === 1 ? 'the output' : `the outputs (${outIds.join(', ')})`}.`,
      ],
      4,
    ),
    '',
    '    def __init__(self):',
    '        super().__init__()',
    ...(init.length ? init : ['        pass']),
    '',
    `    def forward(self, ${inputs.join(', ')}):`,
    ...forward,
    `        return ${outs.length === 1 ? outs[0] : `(${outs.join(', ')})`}`,
  ];
  const helperDefs = [
    ...[...helpers].map((h) => [...PY_HELPERS[h]!]),
    ...[...layerHelpers].map((h) => [...PY_LAYER_HELPERS[h]!]),
  ];
  const sections = [head, ...helperDefs, ...classes, modelClass, tail];
  return {
    source: `${sections.map((s) => s.join('\n')).join('\n\n\n')}\n`,
    className,
    inputs,
    weights,
    helpers,
  };
}

const initCall = (attr: string, init: WeightInit): string => {
  if (typeof init === 'object' && 'segments' in init) {
    const segments = init.segments.map((g) => {
      const [kind, arg] = plainInitArgs(g.init);
      const fan = g.fanShape ? `(${g.fanShape.join(', ')},)` : 'None';
      return `(${g.size}, ${fan}, ${kind}, ${arg ?? 'None'})`;
    });
    return `init_weight(self.${attr}, "segments", [${segments.join(', ')}])`;
  }
  return `init_weight(self.${attr}, ${plainInitArgs(init)
    .filter((a) => a !== undefined)
    .join(', ')})`;
};

/** init_weight's (kind, arg) for a whole-tensor initialiser, as Python literals. */
function plainInitArgs(init: PlainWeightInit): [string, string | undefined] {
  if (typeof init === 'string') return [pyString(init), undefined];
  if ('constant' in init) return ['"constant"', pyNumber(init.constant)];
  if ('varianceScaling' in init)
    return [
      '"varianceScaling"',
      `(${pyNumber(init.varianceScaling.scale)}, ${pyString(init.varianceScaling.mode)})`,
    ];
  return ['"uniform"', `(${pyNumber(init.uniform[0])}, ${pyNumber(init.uniform[1])})`];
}

const shapeText = (s: Shape) => `(${s.map((d) => d ?? 'None').join(', ')})`;
const paramText = (p: JsonObject) => (Object.keys(p).length ? `params ${keyValues(p)} and ` : '');

/** One kernel variant (type, params, input shapes) as an nn.Module class. */
function kernelModule(
  ctx: Context,
  node: IRNode,
  params: JsonObject,
  shapes: readonly Shape[],
  moduleNames: PyNamer,
  helpers: Set<string>,
): { name: string; lines: string[]; weights: WeightMapping[] } {
  const def = ctx.def(node);
  const kernel = def.kernel;
  if (!kernel) throw new CodegenError(`node type '${node.type}' has no kernel`, node.id);
  const name = moduleNames.fresh(node.type, pyClassName);
  const specs: WeightSpec[] = kernel.weights?.(params as never, shapes) ?? [];
  const attrs = new PyNamer([...RESERVED, ...MODULE_MEMBERS]);
  const attrOf = new Map(specs.map((w) => [w.name, attrs.fresh(w.name)]));
  const init = specs.flatMap((w) => {
    const attr = attrOf.get(w.name)!;
    const shape = `(${w.shape.join(', ')}${w.shape.length === 1 ? ',' : ''})`;
    return w.trainable === false
      ? [
          `        self.register_buffer(${pyString(attr)}, torch.empty(${shape}))`,
          `        ${initCall(attr, w.init)}`,
        ]
      : [`        self.${attr} = nn.Parameter(torch.empty(${shape}))`, `        ${initCall(attr, w.init)}`];
  });
  const inputNames = ctx.inputNames(node, def, params);
  const body = (training: boolean, indent: number): string[] => {
    const namer = new PyNamer([...RESERVED, 'self']);
    const names = inputNames.map((n) => namer.fresh(n));
    const leaves: Leaf[] = [
      ...names.map((n, i) => ({ name: n, shape: shapes[i]! })),
      ...specs.map((w) => ({ name: `self.${attrOf.get(w.name)!}`, shape: w.shape })),
    ];
    try {
      const traced = tracePython(
        `node '${node.id}' (${node.type})`,
        leaves,
        (ops, ls, write) => {
          const weights = Object.fromEntries(specs.map((w, i) => [w.name, ls[names.length + i]!]));
          const assign = (w: string, value: Traced) => write(`self.${attrOf.get(w) ?? w}`, value);
          return kernel.call(ops, ls.slice(0, names.length), weights, params as never, { training, assign });
        },
        { indent, namer },
      );
      for (const h of traced.helpers) helpers.add(h);
      return traced.lines;
    } catch (e) {
      throw new CodegenError(e instanceof Error ? e.message : String(e), node.id);
    }
  };
  const off = body(false, 8);
  const on = body(true, 8);
  const same = off.join('\n') === on.join('\n');
  const args = inputNames.map((n) => new PyNamer([...RESERVED, 'self']).fresh(n));
  const forward = same ? off : ['        if self.training:', ...body(true, 12), ...off];
  const doc = [
    `${def.title} (${def.type})${def.docs.formula ? `: ${def.docs.formula}` : ''}`,
    ...(def.docs.paper ? [`Paper: ${citation(def.docs.paper)}`] : []),
    `The node's kernel traced into torch for ${paramText(params)}input shapes ${shapes.map(shapeText).join(', ')}.`,
  ];
  const lines = [
    `class ${name}(nn.Module):`,
    ...pyDocstring(doc, 4),
    '',
    '    def __init__(self):',
    '        super().__init__()',
    ...(init.length ? init : ['        pass']),
    '',
    `    def forward(self${args.map((a) => `, ${a}`).join('')}):`,
    ...forward,
  ];
  return { name, lines, weights: specs.map((w) => ({ tfName: w.name, key: attrOf.get(w.name)! })) };
}
