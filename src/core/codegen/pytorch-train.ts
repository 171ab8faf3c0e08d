// IR → train.py: the graph's procedure in PyTorch — its optimizer (a fresh one per stage over the
// stage's variable groups), losses (weighted sum) and metrics traced from the nodes' own `fn`,
// seeded batches — single process, DistributedDataParallel over local processes (--nproc,
// torch.multiprocessing.spawn), or under torchrun (RANK / WORLD_SIZE / LOCAL_RANK; nccl on GPUs).
// Prints one JSON line per epoch and a final {"final": {...}} line like `netwright train --json`.
// Pure.

import {
  fieldName,
  type IRNode,
  type IRRef,
  type IRTraining,
  inputSource,
  type JsonObject,
  type ModelIR,
} from '../ir.ts';
import type { Registry } from '../registry.ts';
import { Context } from './context.ts';
import { CodegenError, citation } from './print.ts';
import {
  keyValues,
  npzFieldKey,
  PyNamer,
  pyComment,
  pyDocstring,
  pyNumber,
  pyString,
} from './python-literals.ts';
import { PY_HELPERS, tracePython } from './python-trace.ts';
import type { PyModel } from './pytorch-model.ts';
import { exportStages } from './stages.ts';
import {
  callTracedHead,
  headInputShape,
  headOf,
  labelPositions,
  numClasses,
  STATS_KEYS,
  splitMetricUnsupported,
  statsLeaves,
} from './training.ts';

const TRAIN_NAMES = [
  'argparse',
  'json',
  'os',
  'sys',
  'time',
  'socket',
  'np',
  'torch',
  'dist',
  'mp',
  'F',
  'DistributedDataParallel',
  'load_weights',
  'BATCH_SIZE',
  'SEED',
  'STAGES',
  'GROUPS',
  'ACCURACY',
  'make_optimizer',
  'objective',
  'stage_parameters',
  'run',
  'worker',
  'main',
  'free_port',
  'reduce_sums',
  'evaluate',
  'means',
  'exit_process',
  'take',
  'label_column',
  'model_inputs',
  'DATA_KEYS',
  'KEEP',
  'FIND_UNUSED',
  'self',
  ...Object.keys(PY_HELPERS),
];

/** Loss and metric functions, one per distinct trace; returns the function name per head id. */
function headFunctions(
  ctx: Context,
  names: PyNamer,
  helpers: Set<string>,
): { lines: string[][]; fnOf: Map<string, string> } {
  const fnOf = new Map<string, string>();
  const byText = new Map<string, string>();
  const lines: string[][] = [];
  for (const node of [...ctx.ir.losses, ...ctx.ir.metrics]) {
    const def = ctx.def(node);
    const head = node.op.kind === 'loss' ? def.loss : def.metric;
    if (!head) throw new CodegenError(`node type '${node.type}' has no ${node.op.kind} function`, node.id);
    if (head.split) throw splitMetricUnsupported(node, def.title, 'train.py');
    const ports = node.ports ?? ['pred', 'target'];
    const config = node.op.kind === 'loss' || node.op.kind === 'metric' ? node.op.config : {};
    const local = new PyNamer(TRAIN_NAMES);
    const params = ctx.inputNames(node, def, config).map((n) => local.fresh(n));
    const leaves = params.map((name, i) => ({ name, shape: headInputShape(ctx, node, node.inputs[i]!) }));
    const stats = head.stats ? statsLeaves(ctx, node, (n) => local.fresh(n)) : [];
    params.push(...stats.map((l) => l.name));
    let traced: { lines: string[]; helpers: string[] };
    try {
      traced = tracePython(
        `node '${node.id}' (${node.type})`,
        [...leaves, ...stats],
        (ops, ls) => callTracedHead(head, ops, ls, ports, config),
        { indent: 4, namer: local },
      );
    } catch (e) {
      throw new CodegenError(e instanceof Error ? e.message : String(e), node.id);
    }
    for (const h of traced.helpers) helpers.add(h);
    const key = `${params.join(',')}\n${traced.lines.join('\n')}`;
    const existing = byText.get(key);
    if (existing) {
      fnOf.set(node.id, existing);
      continue;
    }
    const name = names.fresh(node.type.slice(node.type.indexOf('.') + 1));
    byText.set(key, name);
    fnOf.set(node.id, name);
    lines.push([
      `def ${name}(${params.join(', ')}):`,
      ...pyDocstring(
        [
          `${def.title} (${def.type})${def.docs.formula ? `: ${def.docs.formula}` : ''}`,
          ...(def.docs.paper ? [`Paper: ${citation(def.docs.paper)}`] : []),
        ],
        4,
      ),
      ...traced.lines,
    ]);
  }
  return { lines, fnOf };
}

/** ` (a=1, b=x)`: dataset params for a comment (pyComment escapes them). */
const datasetParams = (p: JsonObject): string => (Object.keys(p).length ? ` (${keyValues(p)})` : '');

/** make_optimizer(params, lr): the torch optimizer matching src/trainer/optimizers.ts. */
function optimizerLines(ctx: Context, training: IRTraining): string[] {
  const def = ctx.registry.get(training.optimizer.type);
  if (!def?.optimizer) throw new CodegenError(`unknown optimizer '${training.optimizer.type}'`);
  const c = training.optimizer.config;
  const n = (k: string, d: number) => pyNumber(typeof c[k] === 'number' ? (c[k] as number) : d);
  const betas = `betas=(${n('beta1', 0.9)}, ${n('beta2', 0.999)}), eps=${n('epsilon', 1e-7)}`;
  let call: string;
  switch (def.optimizer.algorithm) {
    case 'sgd':
    case 'momentum': {
      const m = typeof c.momentum === 'number' ? c.momentum : 0;
      call =
        m > 0
          ? `torch.optim.SGD(params, lr=lr, momentum=${pyNumber(m)}, nesterov=${c.nesterov === true ? 'True' : 'False'})`
          : 'torch.optim.SGD(params, lr=lr)';
      break;
    }
    case 'adam':
      call = `torch.optim.Adam(params, lr=lr, ${betas})`;
      break;
    case 'adamw':
      // Decoupled decay w ← w·(1 − lr·λ) before the Adam step: what torch's AdamW does.
      call = `torch.optim.AdamW(params, lr=lr, ${betas}, weight_decay=${n('weightDecay', 0.004)})`;
      break;
    case 'rmsprop':
      call = `torch.optim.RMSprop(params, lr=lr, alpha=${n('decay', 0.9)}, eps=${n('epsilon', 1e-7)}, momentum=${n('momentum', 0)}, centered=${c.centered === true ? 'True' : 'False'})`;
      break;
  }
  return [
    'def make_optimizer(params, lr):',
    `    """${def.title.replace(/[^\w ().-]/g, '')}, a fresh one per stage."""`,
    `    return ${call}`,
  ];
}

export function generatePyTrain(ir: ModelIR, registry: Registry, model: PyModel): string {
  const training = ir.training;
  if (!training) throw new CodegenError('the graph has no training settings (dataset, optimizer) to export');
  // The procedure first: a phase train.py cannot print is the reason there is no train.py (which the
  // exporter reports without failing), whatever else (a whole-split metric) it would refuse later.
  const procedure = exportStages(training, 'PyTorch');
  const ctx = new Context(ir, registry, training.seed);
  const names = new PyNamer([...TRAIN_NAMES, model.className]);
  const helpers = new Set<string>();
  const heads = headFunctions(ctx, names, helpers);

  // objective(outputs, y): the loss terms (weighted sum) and metrics, by node id.
  const local = new PyNamer([...TRAIN_NAMES, 'outputs', 'y']);
  const outVars = ir.outputs.map((id) => local.fresh(id));
  const body: string[] = [];
  body.push(outVars.length === 1 ? `    ${outVars[0]} = outputs[0]` : `    ${outVars.join(', ')} = outputs`);
  let onehot: string | undefined;
  const argOf = (head: IRNode, r: IRRef): string => {
    if ('node' in r) {
      const i = ir.outputs.indexOf(r.node);
      if (i < 0)
        throw new CodegenError(`node '${head.id}' reads '${r.node}', which is not a model output`, head.id);
      return outVars[i]!;
    }
    if (r.labels !== 'onehot') return 'y';
    if (!onehot) {
      onehot = local.fresh('onehot');
      helpers.add('one_hot');
      const c = numClasses(ctx, head);
      // Class maps keep their positions, as the app's trainer does: [B, H, W] → [B, H, W, C].
      const perPosition = labelPositions(ctx, head).length > 1;
      body.push(`    ${onehot} = one_hot(y, ${c})${perPosition ? `.reshape(*y.shape, ${c})` : ''}`);
    }
    return onehot;
  };
  const values: string[] = [];
  const terms: string[] = [];
  const statsHead = [...ir.losses, ...ir.metrics].find((h) => headOf(ctx, h)?.stats);
  const argsOf = (h: IRNode): string =>
    [
      ...h.inputs.map((r) => argOf(h, r)),
      ...(headOf(ctx, h)?.stats ? STATS_KEYS.map((k) => `STATS[${pyString(k)}]`) : []),
    ].join(', ');
  for (const l of ir.losses) {
    const v = local.fresh(l.id);
    body.push(`    ${v} = ${heads.fnOf.get(l.id)}(${argsOf(l)})`);
    const w = l.op.kind === 'loss' ? l.op.weight : 1;
    terms.push(w === 1 ? v : `${pyNumber(w)} * ${v}`);
    values.push(`${pyString(l.id)}: ${v}`);
  }
  for (const m of ir.metrics) values.push(`${pyString(m.id)}: ${heads.fnOf.get(m.id)}(${argsOf(m)})`);
  body.push(`    total = ${terms.length ? terms.join(' + ') : 'torch.zeros(())'}`);
  body.push(`    return total, {${values.join(', ')}}`);

  const stages = procedure.map(
    (s) =>
      `    {"name": ${pyString(s.name)}, "epochs": ${s.epochs}, "learning_rate": ${pyNumber(s.learningRate)}, "groups": [${s.groups.map(pyString).join(', ')}]},`,
  );
  const attrOf = new Map(model.weights.map((w) => [w.nodeId, w.attr]));
  const groups = new Map<string, string[]>();
  for (const n of ir.nodes) {
    const attr = attrOf.get(n.id);
    if (attr) groups.set(n.group, [...(groups.get(n.group) ?? []), attr]);
  }
  const groupLines = [...groups].map(
    ([g, attrs]) => `    ${pyString(g)}: [${attrs.map(pyString).join(', ')}],`,
  );
  const accuracy = ir.metrics.find((m) => m.type === 'metrics.accuracy');
  // DDP must be told when some weights get no gradient (a branch no loss reads).
  const feedsLoss = new Set<string>();
  const visit = (id: string) => {
    if (feedsLoss.has(id)) return;
    feedsLoss.add(id);
    for (const r of ctx.nodes.get(id)?.inputs ?? []) if ('node' in r) visit(r.node);
  };
  for (const l of ir.losses) for (const r of l.inputs) if ('node' in r) visit(r.node);
  const unused = model.weights.some((w) => !feedsLoss.has(w.nodeId));
  const ds = training.dataset;
  const feeds = modelInputs(ir);

  const head = [
    // Declared first: Python reads an encoding from a `coding: x` comment in line 1 or 2, and the
    // title (free text) could otherwise spell one.
    '# -*- coding: utf-8 -*-',
    pyComment(`${ir.title || 'Model'}: trains the exported model as the graph configures it.`),
    pyComment(
      `Dataset: Netwright's '${ds.name}'${datasetParams(ds.params)} (data.npz; export it with --with-data).`,
    ),
    '#',
    '#   python3 train.py                      one process (a GPU if there is one, else the CPU)',
    '#   python3 train.py --nproc N            DistributedDataParallel over N local processes',
    '#   torchrun --nproc_per_node=N train.py  the same under torchrun, on one or several nodes',
    '#',
    '# Prints one JSON line per epoch and a last {"final": {...}} line, like `netwright train --json`.',
    'import argparse',
    'import json',
    'import os',
    'import socket',
    'import sys',
    'import time',
    '',
    'import numpy as np',
    'import torch',
    'import torch.distributed as dist',
    'import torch.multiprocessing as mp',
    'import torch.nn.functional as F',
    'from torch.nn.parallel import DistributedDataParallel',
    '',
    'sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))',
    `from model import ${model.className}, load_weights  # noqa: E402`,
    '',
    pyComment('The global batch (split across processes), the seed, and the stages of the graph.'),
    `BATCH_SIZE = ${training.batchSize}`,
    `SEED = ${training.seed}`,
    'STAGES = [',
    ...stages,
    ']',
    pyComment('Variable groups: the model attributes whose weights each group holds (stages train groups).'),
    'GROUPS = {',
    ...groupLines,
    '}',
    pyComment('The accuracy metric reported as accuracy / valAccuracy (None when the graph has none).'),
    `ACCURACY = ${accuracy ? pyString(accuracy.id) : 'None'}`,
    pyComment('Whether some weights get no gradient (a branch no loss reads): DDP must then look for them.'),
    `FIND_UNUSED = ${unused ? 'True' : 'False'}`,
    pyComment('DDP wrappers stay referenced until the process ends (see exit_process).'),
    'KEEP = []',
    pyComment('The data.npz arrays (each as <key>_train and <key>_val) the model inputs and heads read.'),
    `DATA_KEYS = [${feeds.keys.map(pyString).join(', ')}]`,
  ];
  const objective = [
    'def objective(outputs, y):',
    '    """The total loss (weighted sum of the loss nodes) and each loss term and metric by node id."""',
    ...body,
  ];
  // A head reading label statistics: run() fills STATS once from the training labels.
  const statsLine = '    STATS.update(label_stats(torch.as_tensor(train["y"]).to(device)))';
  const rest = TRAIN_BODY(model.className).map((sec) =>
    statsHead ? sec.flatMap((line) => (line === STATS_BEFORE ? [statsLine, line] : [line])) : sec,
  );
  if (statsHead) helpers.add('one_hot');
  const helperDefs = [...helpers].map((h) => [...PY_HELPERS[h]!]);
  const sections = [
    head,
    ...helperDefs,
    ...(statsHead ? [labelStatsLines(numClasses(ctx, statsHead))] : []),
    ...heads.lines,
    optimizerLines(ctx, training),
    feeds.lines,
    objective,
    ...rest,
  ];
  return `${sections.map((s) => s.join('\n')).join('\n\n\n')}\n`;
}

/** The run() line label statistics are computed before (the data is loaded, training not begun). */
const STATS_BEFORE = '    batch_size = args.batch_size or BATCH_SIZE';

/** label_stats(y): src/core/label-stats.ts's computation, run once on the whole training split. */
function labelStatsLines(l: number): string[] {
  return [
    pyComment('Label statistics of the whole training split (every process alike), filled once by run().'),
    'STATS = {}',
    '',
    '',
    'def label_stats(y):',
    '    """Labels as 0/1 rows (one-hot of class indices, or multi-label rows > 0.5), then N, sums and rows^T rows."""',
    `    rows = one_hot(y, ${l}) if y.dim() == 1 else (y > 0.5).float()`,
    '    return {"count": torch.tensor(float(rows.shape[0]), device=rows.device), "labelCounts": rows.sum(0), "labelPairs": rows.T @ rows}',
  ];
}

/**
 * model_inputs(split, idx, device): forward()'s inputs for rows `idx` of a split, each model input
 * from its Source (features, labels, a dataset field) with the same row indices, as
 * src/trainer/feeds.ts feeds the tfjs model.
 */
function modelInputs(ir: ModelIR): { lines: string[]; keys: string[] } {
  const keys = new Set(['x', 'y']);
  const args = ir.inputs.map((id) => {
    const node = ir.nodes.find((n) => n.id === id);
    const source = node?.op.kind === 'input' ? inputSource(node.op) : 'features';
    if (source === 'features') return 'take(split, "x", idx, device)';
    if (source === 'labels') return 'label_column(take(split, "y", idx, device))';
    const name = fieldName(source);
    if (name === undefined)
      throw new CodegenError(`input source '${source}' is not features, labels or field:<name>`, id);
    const key = npzFieldKey(name);
    keys.add(key);
    return `take(split, ${pyString(key)}, idx, device)`;
  });
  return {
    keys: [...keys],
    lines: [
      'def model_inputs(split, idx, device):',
      '    """The inputs of forward() for the rows idx of a split: each from its source, the same rows for all."""',
      `    return [${args.join(', ')}]`,
    ],
  };
}

/** The graph-independent part of train.py: data, distribution, the loop. */
const TRAIN_BODY = (cls: string): string[][] => [
  [
    'def stage_parameters(model, groups):',
    '    """Parameters of the attributes in `groups` (every parameter when empty)."""',
    '    if not groups:',
    '        return list(model.parameters())',
    '    attrs = [a for g in groups for a in GROUPS.get(g, [])]',
    '    return [p for a in attrs for p in getattr(model, a).parameters()]',
  ],
  [
    'def set_modes(model, groups):',
    '    """Training mode, except the attributes of the groups a stage does not train: inference mode',
    '    (BatchNorm keeps its running statistics), as in Netwright. Weightless modules stay in training mode."""',
    '    model.train()',
    '    for g, attrs in GROUPS.items():',
    '        if groups and g not in groups:',
    '            for a in attrs:',
    '                getattr(model, a).train(False)',
  ],
  [
    'def take(split, key, idx, device):',
    '    """Rows idx of one array of a split, as a tensor on device."""',
    '    return torch.from_numpy(split[key][idx]).to(device)',
  ],
  [
    'def label_column(t):',
    '    """Labels fed to a model input: class indices as a [batch, 1] column, values as they are."""',
    '    return t.unsqueeze(1) if t.dim() == 1 else t',
  ],
  [
    'def reduce_sums(values, device, distributed):',
    '    """Sums a dict of floats over all processes."""',
    '    keys = sorted(values)',
    '    t = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64, device=device)',
    '    if distributed:',
    '        dist.all_reduce(t)',
    '    return dict(zip(keys, t.tolist()))',
  ],
  [
    'def evaluate(model, split, rank, world, device, distributed, chunk=512):',
    '    """Mean loss and metrics over a split (inference mode), this process taking every world-th sample."""',
    '    model.train(False)  # inference mode (BatchNorm running statistics, no dropout)',
    '    sums = {"#n": 0.0, "#loss": 0.0}',
    '    rows = np.arange(rank, len(split["y"]), world)',
    '    with torch.no_grad():',
    '        for start in range(0, len(rows), chunk):',
    '            idx = rows[start:start + chunk]',
    '            outputs = model(*model_inputs(split, idx, device))',
    '            yb = take(split, "y", idx, device)',
    '            total, values = objective(outputs if isinstance(outputs, tuple) else (outputs,), yb)',
    '            n = len(idx)',
    '            sums["#n"] += n',
    '            sums["#loss"] += float(total) * n',
    '            for k, v in values.items():',
    '                sums[k] = sums.get(k, 0.0) + float(v) * n',
    '    model.train()',
    '    return sums',
  ],
  [
    'def means(sums):',
    '    n = max(1.0, sums["#n"])',
    '    return sums["#loss"] / n, {k: v / n for k, v in sums.items() if not k.startswith("#")}',
  ],
  [
    'def run(rank, world, local_rank, args):',
    '    """One process: rank `rank` of `world` (world 1: no process group)."""',
    '    distributed = world > 1',
    '    cuda = torch.cuda.is_available() and not args.cpu',
    '    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")',
    '    if cuda:',
    '        torch.cuda.set_device(device)',
    '    else:',
    '        torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(1, world if distributed else 1)))',
    '    if distributed and not dist.is_initialized():',
    '        dist.init_process_group("nccl" if cuda else "gloo", rank=rank, world_size=world)',
    '    seed = SEED if args.seed is None else args.seed',
    '    torch.manual_seed(seed)',
    '    with np.load(args.data) as data:',
    '        missing = [k + "_" + s for k in DATA_KEYS for s in ("train", "val") if k + "_" + s not in data.files]',
    '        if missing:',
    '            sys.exit(args.data + ": lacks " + ", ".join(missing) + "; export with --with-data")',
    '        # Class labels and integer fields arrive as int32; torch indexes with int64.',
    '        train, val = [',
    '            {k: (lambda a: a.astype(np.int64) if a.dtype == np.int32 else a)(data[k + "_" + s]) for k in DATA_KEYS}',
    '            for s in ("train", "val")',
    '        ]',
    `    model = ${cls}().to(device)`,
    '    if args.weights:',
    '        load_weights(model, args.weights)',
    '    batch_size = args.batch_size or BATCH_SIZE',
    '    stages = [dict(s, epochs=args.epochs) for s in STAGES] if args.epochs and len(STAGES) == 1 else STAGES',
    '    count = len(train["y"])',
    '    # Every process walks the same global batches; each takes every world-th sample of a batch.',
    '    # A last batch smaller than the number of processes is dropped (a process would get none).',
    '    starts = [s for s in range(0, count, batch_size) if min(batch_size, count - s) >= world]',
    '    t0 = time.time()',
    '    epoch = 0',
    '    last = None',
    '    status = "done"',
    '    for stage in stages:',
    '        trained = {id(p) for p in stage_parameters(model, stage["groups"])}',
    '        for p in model.parameters():',
    '            p.requires_grad_(id(p) in trained)',
    '        net = model',
    '        if distributed:',
    '            ids = [local_rank] if cuda else None',
    '            net = DistributedDataParallel(model, device_ids=ids, find_unused_parameters=FIND_UNUSED)',
    '        KEEP.append(net)',
    '        params = [p for p in model.parameters() if p.requires_grad]',
    '        optimizer = make_optimizer(params, stage["learning_rate"])',
    '        for _ in range(stage["epochs"]):',
    '            epoch += 1',
    '            te = time.time()',
    '            set_modes(model, stage["groups"])',
    '            g = torch.Generator().manual_seed(seed * 100003 + epoch)',
    '            order = torch.randperm(count, generator=g).numpy()',
    '            sums = {"#n": 0.0, "#loss": 0.0}',
    '            for start in starts:',
    '                idx = order[start:start + batch_size][rank::world]',
    '                outputs = net(*model_inputs(train, idx, device))',
    '                yb = take(train, "y", idx, device)',
    '                total, values = objective(outputs if isinstance(outputs, tuple) else (outputs,), yb)',
    '                if not torch.isfinite(total):',
    '                    status = "non-finite"',
    '                    break',
    '                optimizer.zero_grad(set_to_none=True)',
    '                total.backward()',
    '                optimizer.step()',
    '                n = len(idx)',
    '                sums["#n"] += n',
    '                sums["#loss"] += float(total) * n',
    '                for k, v in values.items():',
    '                    sums[k] = sums.get(k, 0.0) + float(v) * n',
    '            flag = reduce_sums({"bad": 1.0 if status != "done" else 0.0}, device, distributed)',
    '            if flag["bad"] > 0:',
    '                status = "non-finite"',
    '                break',
    '            loss, metrics = means(reduce_sums(sums, device, distributed))',
    '            report = {"epoch": epoch, "stage": stage["name"], "loss": round(loss, 4)}',
    '            if ACCURACY in metrics:',
    '                report["accuracy"] = round(metrics[ACCURACY], 4)',
    '            if len(val["y"]):',
    '                val_loss, val_metrics = means(reduce_sums(evaluate(model, val, rank, world, device, distributed), device, distributed))',
    '                report["valLoss"] = round(val_loss, 4)',
    '                if ACCURACY in val_metrics:',
    '                    report["valAccuracy"] = round(val_metrics[ACCURACY], 4)',
    '            report["ms"] = round((time.time() - te) * 1000)',
    '            last = report',
    '            if rank == 0:',
    '                print(json.dumps(report), flush=True)',
    '        if status != "done":',
    '            break',
    '    final = {"status": status}',
    '    for k in ("loss", "accuracy", "valLoss", "valAccuracy"):',
    '        if last and k in last:',
    '            final[k] = last[k]',
    '    final.update({"backend": "torch-" + device.type, "worldSize": world, "epochs": epoch, "ms": round((time.time() - t0) * 1000)})',
    '    if rank == 0:',
    '        if args.save:',
    '            torch.save(model.state_dict(), args.save)',
    '            final["saved"] = args.save',
    '        print(json.dumps({"final": final}), flush=True)',
    '    if distributed:',
    '        dist.barrier()',
    '    return 0 if status == "done" else 1',
  ],
  [
    'def exit_process(code):',
    '    """Ends a distributed process without running destructors: torch 1.13 can deadlock tearing down',
    "    a DDP reducer and its Gloo process group at interpreter exit (the group's thread waits for the",
    '    GIL the destructor holds)."""',
    '    sys.stdout.flush()',
    '    sys.stderr.flush()',
    '    os._exit(code)',
  ],
  [
    'def worker(rank, world, args):',
    '    """A process started by --nproc (torch.multiprocessing.spawn)."""',
    '    os.environ["RANK"], os.environ["WORLD_SIZE"], os.environ["LOCAL_RANK"] = str(rank), str(world), str(rank)',
    '    exit_process(run(rank, world, rank, args))',
  ],
  [
    'def free_port():',
    '    with socket.socket() as s:',
    '        s.bind(("127.0.0.1", 0))',
    '        return s.getsockname()[1]',
  ],
  [
    'def main():',
    '    here = os.path.dirname(os.path.abspath(__file__))',
    '    parser = argparse.ArgumentParser(description=__doc__)',
    '    parser.add_argument("--epochs", type=int, help="epochs (a graph with one stage only)")',
    '    parser.add_argument("--batch-size", type=int, help="global batch size (default BATCH_SIZE)")',
    '    parser.add_argument("--seed", type=int, help="seed of weights and batch order (default SEED)")',
    '    parser.add_argument("--nproc", type=int, default=1, help="local processes (DistributedDataParallel)")',
    '    parser.add_argument("--data", default=os.path.join(here, "data.npz"), help="the dataset (.npz)")',
    '    parser.add_argument("--weights", help="start from exported weights (.npz)")',
    '    parser.add_argument("--save", help="write the trained state_dict here (torch.save)")',
    '    parser.add_argument("--cpu", action="store_true", help="train on the CPU even with a GPU")',
    '    args = parser.parse_args()',
    '    if not os.path.exists(args.data):',
    '        sys.exit(args.data + ": no dataset; export with --with-data, or pass --data")',
    '    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:',
    '        # Under torchrun (or any launcher that sets the env:// variables).',
    '        world = int(os.environ["WORLD_SIZE"])',
    '        code = run(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")), args)',
    '        exit_process(code) if world > 1 else sys.exit(code)',
    '    if args.nproc > 1:',
    '        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")',
    '        os.environ.setdefault("MASTER_PORT", str(free_port()))',
    '        try:',
    '            mp.spawn(worker, args=(args.nproc, args), nprocs=args.nproc)',
    '        except mp.ProcessExitedException as e:',
    '            sys.exit(e.exit_code or 1)',
    '        return',
    '    sys.exit(run(0, 1, 0, args))',
    '',
    '',
    'if __name__ == "__main__":',
    '    main()',
  ],
];
