// Keras / tfjs model JSON → GraphDoc. Pure (no tfjs, no DOM, no Node built-ins) and total: every
// problem is a Diagnostic that names the layer and the field; it never throws.
//
// Reads: Keras `model.to_json()` — Sequential (Keras 2.0's plain list of layers, and the
// `{name, layers}` form with the input shape on the first layer, an InputLayer, or
// `build_input_shape`), functional models (`Model` / `Functional`; `inbound_nodes` as Keras 2's
// `[[["name", 0, 0, {}]]]` or Keras 3's `{args: [__keras_tensor__ {keras_history}]}`) — and tfjs
// `model.json` (`{modelTopology: {class_name, config}}` or `{modelTopology: {model_config}}`).
// Layers map to node types by keras-layers.ts; a class we lack is kept as a "missing node" of type
// `keras.<Class>` with its config as params (the analysis shows it, the result lists it).

import { type Diagnostic, errorDiagnostic as err, warningDiagnostic as warning } from '../diagnostics.ts';
import { locateJsonError, MAX_GRAPH_NODES, parseGraphValue } from '../doc/parse.ts';
import {
  CURRENT_FORMAT_VERSION,
  type EdgeRecord,
  GRAPH_FORMAT,
  type GraphDoc,
  ID_PATTERN,
  type NodeRecord,
} from '../doc/schema.ts';
import { portsOf } from '../node-def.ts';
import { resolveParams } from '../params.ts';
import type { Registry } from '../registry.ts';
import {
  isRecord,
  type Json,
  type JsonRecord,
  LayerReader,
  type MappedNode,
  mapperFor,
  missingType,
  show as showValue,
} from './keras-layers.ts';
import { layeredLayout } from './layout.ts';

export interface KerasImport {
  /** The graph; absent when an error-severity diagnostic was raised (nothing should be written). */
  readonly doc?: GraphDoc;
  readonly diagnostics: Diagnostic[];
  /** What has no Netwright node type yet (Keras class names, e.g. `GaussianNoise`), each once. */
  readonly missing: string[];
}

/** A size Keras leaves open (None) becomes this, with a warning to set the real one. */
export const UNKNOWN_DIM = 32;

const show = (v: unknown): string => showValue(v, 60);

export function importKerasJson(text: string, registry: Registry): KerasImport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return {
      diagnostics: [
        err(
          'import/unreadable-json',
          `The file is not valid JSON${locateJsonError(text, e)}: ${String((e as Error)?.message).split('\n')[0]}.`,
        ),
      ],
      missing: [],
    };
  }
  const b = new Builder(registry);
  try {
    build(raw as Json, b);
  } catch (e) {
    b.diagnostics.push(
      err(
        'internal/import-failed',
        `Internal error while importing: ${(e as Error)?.message ?? e}. Please report it.`,
      ),
    );
  }
  return b.result();
}

// ---------------------------------------------------------------------------------------------

interface LayerEntry {
  readonly cls: string;
  /** The Keras layer name. */
  readonly name: string;
  /** The graph node id (the name made id-safe and unique). */
  readonly id: string;
  readonly cfg: JsonRecord;
  readonly inbound: Json | undefined;
}

interface Emitted {
  /** The node the layer's inputs connect to, and its input ports in order. */
  readonly first: string;
  readonly ports: readonly string[];
  /** The node whose output is the layer's output (after a chained activation). */
  readonly last: string;
  readonly known: boolean;
}

class Builder {
  // Keyed by names from the file: no prototype, so a layer named `__proto__` is an entry.
  readonly nodes: Record<string, NodeRecord> = Object.create(null);
  readonly edges: Record<string, EdgeRecord> = Object.create(null);
  readonly diagnostics: Diagnostic[] = [];
  readonly missing: string[] = [];
  private readonly used = new Set<string>();
  private edgeCount = 0;
  keras3 = false;
  title = 'Imported model';
  description = '';

  constructor(readonly registry: Registry) {}

  /** An id-safe, unused node id for a Keras name. */
  reserve(name: string): string {
    let base = name.replace(/[^A-Za-z0-9_-]/g, '_');
    if (!/^[A-Za-z_]/.test(base)) base = `_${base}`;
    base = base.slice(0, 64);
    let id = base;
    for (let i = 2; this.used.has(id) || !ID_PATTERN.test(id); i++) id = `${base.slice(0, 60)}_${i}`;
    this.used.add(id);
    return id;
  }

  addNode(id: string, type: string, params: Record<string, unknown>, label?: string): void {
    const v = this.registry.get(type)?.version ?? 1;
    this.nodes[id] = {
      type,
      v,
      params,
      ...(label !== undefined && label !== id ? { label: label.slice(0, 200) } : {}),
    };
  }

  addEdge(from: string, fromPort: string, to: string, toPort: string): void {
    this.edges[`e${++this.edgeCount}`] = {
      from: { node: from, port: fromPort },
      to: { node: to, port: toPort },
    };
  }

  noteMissing(what: string): void {
    if (!this.missing.includes(what)) this.missing.push(what);
  }

  hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  result(): KerasImport {
    if (this.hasErrors() || Object.keys(this.nodes).length === 0)
      return { diagnostics: this.diagnostics, missing: this.missing };
    const ids = Object.keys(this.nodes);
    const layout = layeredLayout(
      ids,
      Object.values(this.edges).map((e) => ({ from: e.from.node, to: e.to.node })),
    );
    const parsed = parseGraphValue({
      format: GRAPH_FORMAT,
      formatVersion: CURRENT_FORMAT_VERSION,
      meta: { title: this.title, ...(this.description ? { description: this.description } : {}) },
      nodes: this.nodes,
      edges: this.edges,
      layout,
    });
    if (!parsed.doc) {
      this.diagnostics.push(
        ...parsed.diagnostics.map((d) =>
          // A limit of the format (too many nodes) is the file's size, not a bug.
          d.code === 'doc/too-many-nodes'
            ? d
            : {
                ...d,
                code: 'internal/import-failed',
                message: `Internal error: the imported graph is not valid (${d.message}). Please report it.`,
              },
        ),
      );
      return { diagnostics: this.diagnostics, missing: this.missing };
    }
    return { doc: parsed.doc, diagnostics: this.diagnostics, missing: this.missing };
  }
}

// ---------------------------------------------------------------------------------------------
// Top level: find the topology in the file.

function build(raw: Json, b: Builder): void {
  if (!isRecord(raw)) {
    b.diagnostics.push(
      err(
        'import/not-a-model',
        `Expected a JSON object (Keras model.to_json() or tfjs model.json), got ${show(raw)}.`,
      ),
    );
    return;
  }
  if (raw.format === GRAPH_FORMAT) {
    b.diagnostics.push(
      err(
        'import/not-a-model',
        `This is already a Netwright graph; open it directly (e.g. 'netwright check').`,
      ),
    );
    return;
  }
  let topo: Json | undefined = raw;
  let source = 'Keras model.to_json()';
  let version = raw.keras_version;
  if (Object.hasOwn(raw, 'modelTopology')) {
    const mt = raw.modelTopology;
    source = 'tfjs model.json';
    if (raw.format === 'graph-model' || (isRecord(mt) && Object.hasOwn(mt, 'node'))) {
      b.diagnostics.push(
        err(
          'import/not-a-model',
          `This tfjs model.json is a graph model (converted from a SavedModel or frozen graph), not a layers model: it has no Keras layers to import. Convert the Keras model instead (tfjs-converter --input_format keras).`,
          { field: 'modelTopology' },
        ),
      );
      return;
    }
    if (!isRecord(mt)) {
      b.diagnostics.push(
        err('import/not-a-model', `'modelTopology' must be an object, got ${show(mt)}.`, {
          field: 'modelTopology',
        }),
      );
      return;
    }
    version = mt.keras_version ?? version;
    topo = isRecord(mt.model_config) ? mt.model_config : mt;
  } else if (isRecord(raw.model_config)) {
    topo = raw.model_config;
  }
  if (!isRecord(topo) || typeof topo.class_name !== 'string') {
    b.diagnostics.push(
      err(
        'import/not-a-model',
        `No model found: expected "class_name" ("Sequential", "Functional" or "Model") and "config" at the top level${source === 'tfjs model.json' ? " of 'modelTopology'" : ''} (Keras model.to_json() or tfjs model.json).`,
        { field: 'class_name' },
      ),
    );
    return;
  }
  b.keras3 = Object.hasOwn(topo, 'module') || (typeof version === 'string' && /^3\./.test(version));
  const cfg = topo.config;
  if (isRecord(cfg) && typeof cfg.name === 'string' && cfg.name) b.title = cfg.name;
  b.description = `Imported from ${source}${typeof version === 'string' ? ` (${version})` : ''} by netwright import.`;
  switch (topo.class_name) {
    case 'Sequential':
      importSequential(cfg, b);
      return;
    case 'Model':
    case 'Functional':
      importFunctional(cfg, b);
      return;
    default:
      b.diagnostics.push(
        err(
          'import/not-a-model',
          `The model's class_name is ${show(topo.class_name)}; import reads "Sequential", "Functional" and "Model" (a subclassed Keras model has no JSON topology: rebuild it functionally).`,
          { field: 'class_name' },
        ),
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Layers

function readEntries(list: Json[], b: Builder, kerasField: string): LayerEntry[] {
  if (list.length > MAX_GRAPH_NODES) {
    b.diagnostics.push(
      err(
        'import/too-many-layers',
        `The model has ${list.length.toLocaleString('en-US')} layers in ${kerasField}; Netwright opens graphs of at most ${MAX_GRAPH_NODES.toLocaleString('en-US')} nodes. Import a smaller model.`,
        { field: kerasField },
      ),
    );
    return [];
  }
  const out: LayerEntry[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const where = `Layer #${i + 1} of ${kerasField}`;
    if (!isRecord(item)) {
      b.diagnostics.push(
        err(
          'import/invalid-layer',
          `${where} must be an object with class_name and config, got ${show(item)}.`,
          {
            field: kerasField,
          },
        ),
      );
      return;
    }
    const cfg = item.config;
    const name =
      typeof item.name === 'string' && item.name
        ? item.name
        : isRecord(cfg) && typeof cfg.name === 'string' && cfg.name
          ? cfg.name
          : `layer_${i + 1}`;
    if (typeof item.class_name !== 'string' || !item.class_name) {
      b.diagnostics.push(
        err('import/invalid-layer', `${where} ('${name}'): 'class_name' is missing or not text.`, {
          field: 'class_name',
        }),
      );
      return;
    }
    if (cfg !== undefined && !isRecord(cfg)) {
      b.diagnostics.push(
        err(
          'import/invalid-layer',
          `Layer '${name}' (${item.class_name}): 'config' must be an object, got ${show(cfg)}.`,
          {
            field: 'config',
          },
        ),
      );
      return;
    }
    if (seen.has(name)) {
      b.diagnostics.push(
        err(
          'import/duplicate-name',
          `Two layers are named '${name}'; Keras layer names are unique. Rename one.`,
          {
            field: 'name',
          },
        ),
      );
      return;
    }
    seen.add(name);
    out.push({ cls: item.class_name, name, id: '', cfg: cfg ?? {}, inbound: item.inbound_nodes });
  });
  return out.map((e) => ({ ...e, id: b.reserve(e.name) }));
}

/** Adds the node(s) for one call of a layer on `inputs` tensors. */
function emit(b: Builder, e: LayerEntry, inputs: number): Emitted {
  const r = new LayerReader(e.name, e.cls, e.id, e.cfg, b.diagnostics, b.keras3);
  const mapper = mapperFor(e.cls);
  let mapped: MappedNode | undefined;
  let why = `Netwright has no node type for the Keras layer ${e.cls} yet`;
  let missingName = e.cls;
  if (mapper) {
    mapped = mapper(r, { inputs });
    if (mapped.missing !== undefined) {
      // The mapper knows the class but not this variant (an Activation with an unknown function).
      why = `${mapped.missing} has no Netwright node type yet`;
      missingName = mapped.missing;
      mapped = undefined;
    } else if (r.unsupportedReason) {
      why = `its config ${r.unsupportedReason}`;
      mapped = undefined;
    } else if (!b.registry.has(mapped.type)) {
      why = `node type '${mapped.type}' is not installed`;
      mapped = undefined;
    }
  }
  if (!mapped) {
    const type = missingType(e.cls);
    b.diagnostics.push(
      warning(
        'import/missing-layer',
        `Layer '${e.name}' (${e.cls}): ${why}. It is kept as a missing node of type '${type}' with its Keras config; replace it before training.`,
        { nodeId: e.id },
      ),
    );
    mapped = { type, params: structuredCloneJson(e.cfg) };
    b.noteMissing(missingName);
  }
  let ports = Array.from({ length: inputs }, (_, i) => (inputs === 1 ? 'x' : `x${i + 1}`));
  const def = b.registry.get(mapped.type);
  if (def) {
    ports = Object.keys(portsOf(def, resolveParams(def.params, mapped.params).values));
    if (ports.length !== inputs)
      b.diagnostics.push(
        err(
          'import/input-count',
          `Layer '${e.name}' (${e.cls}) is called on ${inputs} tensor${inputs === 1 ? '' : 's'}, but ${def.title} takes ${ports.length}.`,
          { nodeId: e.id, field: 'inbound_nodes' },
        ),
      );
  }
  b.addNode(e.id, mapped.type, mapped.params, e.name);
  let last = e.id;
  for (let next = mapped.next; next; next = next.next) {
    const id = b.reserve(`${e.id}_activation`);
    if (next.missing !== undefined) {
      b.noteMissing(next.missing);
      b.diagnostics.push(
        warning(
          'import/missing-layer',
          `Layer '${e.name}' (${e.cls}): its activation ${next.missing} has no Netwright node; it is kept as a missing node '${id}' after the layer.`,
          { nodeId: id },
        ),
      );
    }
    b.addNode(id, next.type, next.params);
    b.addEdge(last, 'y', id, 'x');
    last = id;
  }
  return { first: e.id, ports, last, known: def !== undefined };
}

const structuredCloneJson = (v: JsonRecord): Record<string, unknown> => JSON.parse(JSON.stringify(v));

function dtypeOf(v: Json | undefined): 'float32' | 'int32' {
  const name = typeof v === 'string' ? v : isRecord(v) && isRecord(v.config) ? v.config.name : undefined;
  return typeof name === 'string' && /int|bool/.test(name) ? 'int32' : 'float32';
}

/**
 * The input shape of a layer config (without the batch axis), from `batch_input_shape` /
 * `batch_shape` (with the batch) or `input_shape` (without). Unknown sizes become UNKNOWN_DIM
 * (or `lengthHint`) with a warning. Undefined when the config has none.
 */
function inputShapeOf(
  b: Builder,
  name: string,
  cls: string,
  nodeId: string,
  cfg: JsonRecord,
  lengthHint?: number,
): number[] | undefined {
  for (const [field, withBatch] of [
    ['batch_input_shape', true],
    ['batch_shape', true],
    ['input_shape', false],
    ['build_input_shape', true],
  ] as const) {
    const v = cfg[field];
    if (v === undefined || v === null) continue;
    const bad = () =>
      b.diagnostics.push(
        err(
          'import/invalid-field',
          `Layer '${name}' (${cls}): '${field}' must be a list of sizes (whole numbers ≥ 1, or null), got ${show(v)}.`,
          { nodeId, field },
        ),
      );
    if (!Array.isArray(v) || (withBatch && v.length < 1)) {
      bad();
      return [1];
    }
    const dims = withBatch ? v.slice(1) : v;
    if (dims.some((d) => d !== null && (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1))) {
      bad();
      return [1];
    }
    const unknown = dims.flatMap((d, i) => (d === null ? [i] : []));
    if (unknown.length) {
      // Embedding's input_length fills an open sequence length; anything else gets UNKNOWN_DIM.
      const useHint = lengthHint !== undefined && unknown.length === 1 && unknown[0] === 0;
      const fill = useHint ? lengthHint : UNKNOWN_DIM;
      if (!useHint)
        b.diagnostics.push(
          warning(
            'import/unknown-size',
            `Layer '${name}' (${cls}): '${field}' ${show(v)} leaves ${unknown.length === 1 ? 'a size' : 'sizes'} open (None); Netwright inputs have fixed sizes, so ${unknown.length === 1 ? 'it was' : 'they were'} set to ${fill}. Set the Input's shape to your data's size.`,
            { nodeId, field },
          ),
        );
      return dims.map((d) => (d === null ? fill : (d as number)));
    }
    return dims as number[];
  }
  return undefined;
}

function addInput(
  b: Builder,
  id: string,
  label: string | undefined,
  shape: number[],
  dtype: 'float32' | 'int32',
) {
  b.addNode(id, 'io.input', { shape, ...(dtype === 'int32' ? { dtype } : {}) }, label);
}

// ---------------------------------------------------------------------------------------------
// Sequential

function importSequential(cfg: Json | undefined, b: Builder): void {
  const list = Array.isArray(cfg) ? cfg : isRecord(cfg) && Array.isArray(cfg.layers) ? cfg.layers : undefined;
  if (!list) {
    b.diagnostics.push(
      err(
        'import/not-a-model',
        `A Sequential model needs "config": {"layers": [...]} (or, in Keras 2.0, a list of layers); got ${show(cfg)}.`,
        { field: 'config.layers' },
      ),
    );
    return;
  }
  const entries = readEntries(list, b, 'config.layers');
  if (b.hasErrors()) return;
  if (entries.length === 0) {
    b.diagnostics.push(
      err('import/not-a-model', 'The Sequential model has no layers.', { field: 'config.layers' }),
    );
    return;
  }
  const first = entries[0]!;
  let layers = entries;
  let inputId: string;
  if (first.cls === 'InputLayer') {
    const shape = inputShapeOf(b, first.name, first.cls, first.id, first.cfg);
    if (!shape) {
      b.diagnostics.push(
        err(
          'import/no-input-shape',
          `InputLayer '${first.name}' has no 'batch_input_shape' (or 'batch_shape').`,
          {
            nodeId: first.id,
            field: 'batch_input_shape',
          },
        ),
      );
      return;
    }
    inputId = first.id;
    addInput(b, inputId, first.name, shape, dtypeOf(first.cfg.dtype));
    layers = entries.slice(1);
  } else {
    const hint =
      first.cls === 'Embedding' && typeof first.cfg.input_length === 'number'
        ? first.cfg.input_length
        : undefined;
    const shape =
      inputShapeOf(b, first.name, first.cls, first.id, first.cfg, hint) ??
      (isRecord(cfg)
        ? inputShapeOf(
            b,
            'model',
            'Sequential',
            first.id,
            { build_input_shape: cfg.build_input_shape ?? null },
            hint,
          )
        : undefined);
    if (!shape) {
      b.diagnostics.push(
        err(
          'import/no-input-shape',
          `The Sequential model has no input shape: its first layer '${first.name}' (${first.cls}) has no 'batch_input_shape' (or 'input_shape'), and there is no InputLayer. Build the Keras model with an input shape before to_json().`,
          { nodeId: first.id, field: 'batch_input_shape' },
        ),
      );
      return;
    }
    inputId = b.reserve('input');
    addInput(b, inputId, undefined, shape, dtypeOf(first.cfg.dtype));
  }
  let prev = inputId;
  for (const e of layers) {
    if (e.cls === 'InputLayer') {
      b.diagnostics.push(
        err(
          'import/invalid-layer',
          `InputLayer '${e.name}' can only be the first layer of a Sequential model.`,
          {
            nodeId: e.id,
          },
        ),
      );
      continue;
    }
    const out = emit(b, e, 1);
    b.addEdge(prev, 'y', out.first, out.ports[0] ?? 'x');
    prev = out.last;
  }
  const outId = b.reserve('output');
  b.addNode(outId, 'io.output', {});
  b.addEdge(prev, 'y', outId, 'x');
  embeddingInputsAreInt(b);
}

// ---------------------------------------------------------------------------------------------
// Functional

interface TensorRef {
  readonly layer: string;
  readonly node: number;
  readonly tensor: number;
}

const isIndex = (v: Json | undefined): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** `["name", nodeIndex, tensorIndex, kwargs?]` → a ref, or undefined. */
function refOf(v: Json): TensorRef | undefined {
  if (!Array.isArray(v) || typeof v[0] !== 'string' || !isIndex(v[1]) || !isIndex(v[2])) return undefined;
  return { layer: v[0], node: v[1], tensor: v[2] };
}

/** How deep a call's args may nest around its tensors (Keras writes 2 or 3 levels). */
const MAX_ARGS_DEPTH = 64;

/**
 * Keras 3: every `__keras_tensor__` in a call's args, in order; false when malformed or nested
 * deeper than MAX_ARGS_DEPTH (iterative: a hostile file cannot exhaust the stack).
 */
function kerasTensors(v: Json, out: TensorRef[]): boolean {
  const stack: { v: Json; depth: number }[] = [{ v, depth: 0 }];
  while (stack.length) {
    const top = stack.pop()!;
    if (top.depth > MAX_ARGS_DEPTH) return false;
    const x = top.v;
    const children = Array.isArray(x)
      ? x
      : isRecord(x) && x.class_name !== '__keras_tensor__'
        ? Object.values(x)
        : [];
    if (isRecord(x) && x.class_name === '__keras_tensor__') {
      const hist = isRecord(x.config) ? x.config.keras_history : undefined;
      const ref = hist === undefined ? undefined : refOf(hist);
      if (!ref) return false;
      out.push(ref);
    }
    // Reversed onto the stack so tensors come out in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push({ v: children[i]!, depth: top.depth + 1 });
  }
  return true;
}

/** `inbound_nodes` → one list of input refs per call of the layer; undefined when malformed. */
function callsOf(inbound: Json | undefined): TensorRef[][] | undefined {
  if (inbound === undefined || inbound === null) return [];
  if (!Array.isArray(inbound)) return undefined;
  const calls: TensorRef[][] = [];
  for (const call of inbound) {
    if (isRecord(call)) {
      // Tensors are positional args; a layer called as layer(inputs=x) has them in kwargs.
      const refs: TensorRef[] = [];
      if (!kerasTensors(call.args ?? [], refs)) return undefined;
      const kwargs = call.kwargs;
      if (refs.length === 0 && isRecord(kwargs) && !kerasTensors(kwargs.inputs ?? [], refs)) return undefined;
      if (refs.length === 0) return undefined;
      calls.push(refs);
    } else if (Array.isArray(call)) {
      const single = refOf(call);
      if (single) calls.push([single]);
      else {
        const refs = call.map(refOf);
        if (refs.length === 0 || refs.some((r) => r === undefined)) return undefined;
        calls.push(refs as TensorRef[]);
      }
    } else return undefined;
  }
  return calls;
}

/** `input_layers` / `output_layers`: a list of refs, or (Keras 3, one tensor) a single ref. */
function refList(v: Json | undefined): TensorRef[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const single = refOf(v);
  if (single) return [single];
  const refs = v.map(refOf);
  return refs.some((r) => r === undefined) ? undefined : (refs as TensorRef[]);
}

function importFunctional(cfg: Json | undefined, b: Builder): void {
  if (!isRecord(cfg) || !Array.isArray(cfg.layers)) {
    b.diagnostics.push(
      err(
        'import/not-a-model',
        `A functional model needs "config": {"layers": [...], "input_layers", "output_layers"}.`,
        {
          field: 'config.layers',
        },
      ),
    );
    return;
  }
  const entries = readEntries(cfg.layers, b, 'config.layers');
  if (b.hasErrors()) return;
  const byName = new Map(entries.map((e) => [e.name, e]));
  const outputs = refList(cfg.output_layers);
  if (!outputs || outputs.length === 0)
    b.diagnostics.push(
      err(
        'import/invalid-field',
        `The model's 'output_layers' must be a list of ["layer", nodeIndex, tensorIndex], got ${show(cfg.output_layers)}.`,
        { field: 'output_layers' },
      ),
    );
  const inputs = refList(cfg.input_layers);
  if (!inputs)
    b.diagnostics.push(
      err(
        'import/invalid-field',
        `The model's 'input_layers' must be a list of ["layer", nodeIndex, tensorIndex], got ${show(cfg.input_layers)}.`,
        { field: 'input_layers' },
      ),
    );
  for (const ref of inputs ?? []) {
    const e = byName.get(ref.layer);
    if (e?.cls !== 'InputLayer')
      b.diagnostics.push(
        err(
          'import/bad-reference',
          e
            ? `The model input '${ref.layer}' is a ${e.cls}, not an InputLayer.`
            : `The model's 'input_layers' names '${ref.layer}', which is not a layer of the model.`,
          { field: 'input_layers' },
        ),
      );
  }
  if (b.hasErrors()) return;

  // Nodes: an InputLayer is one io.input; any other layer one node (chain) per call.
  const callsByLayer = new Map<string, TensorRef[][]>();
  const emitted = new Map<string, Emitted[]>();
  for (const e of entries) {
    if (e.cls === 'InputLayer') {
      const shape = inputShapeOf(b, e.name, e.cls, e.id, e.cfg);
      if (!shape) {
        b.diagnostics.push(
          err(
            'import/no-input-shape',
            `InputLayer '${e.name}' has no 'batch_input_shape' (or 'batch_shape').`,
            {
              nodeId: e.id,
              field: 'batch_input_shape',
            },
          ),
        );
        continue;
      }
      addInput(b, e.id, e.name, shape, dtypeOf(e.cfg.dtype));
      emitted.set(e.name, [{ first: e.id, ports: [], last: e.id, known: true }]);
      continue;
    }
    const calls = callsOf(e.inbound);
    if (!calls) {
      b.diagnostics.push(
        err(
          'import/invalid-field',
          `Layer '${e.name}' (${e.cls}): 'inbound_nodes' must list the tensors each call reads, as [[["layer", 0, 0, {}], …]] (Keras 2) or [{"args": [tensors…]}] (Keras 3); got ${show(e.inbound)}.`,
          { nodeId: e.id, field: 'inbound_nodes' },
        ),
      );
      continue;
    }
    if (calls.length === 0) {
      b.diagnostics.push(
        warning(
          'import/unused-layer',
          `Layer '${e.name}' (${e.cls}) is not called in the model; it was left out.`,
          {
            field: 'inbound_nodes',
          },
        ),
      );
      continue;
    }
    if (calls.length > 1)
      b.diagnostics.push(
        warning(
          'import/shared-layer',
          `Layer '${e.name}' (${e.cls}) is called ${calls.length} times (shared weights); each call became its own node (${e.id}, ${e.id}_2, …) with its own weights, so the graph has more parameters than the Keras model.`,
          { nodeId: e.id, field: 'inbound_nodes' },
        ),
      );
    callsByLayer.set(e.name, calls);
    emitted.set(
      e.name,
      calls.map((refs, k) => emit(b, k === 0 ? e : { ...e, id: b.reserve(`${e.id}_${k + 1}`) }, refs.length)),
    );
  }

  // Edges.
  const resolve = (ref: TensorRef, who: string, field: string, nodeId?: string): string | undefined => {
    const target = emitted.get(ref.layer)?.[ref.node];
    const at = nodeId !== undefined ? { nodeId, field } : { field };
    if (!byName.has(ref.layer)) {
      b.diagnostics.push(
        err(
          'import/bad-reference',
          `${who}: '${field}' reads layer '${ref.layer}', which is not in the model.`,
          at,
        ),
      );
      return undefined;
    }
    if (!target) {
      if (emitted.has(ref.layer))
        b.diagnostics.push(
          err(
            'import/bad-reference',
            `${who}: '${field}' reads call #${ref.node} of layer '${ref.layer}', which is called ${emitted.get(ref.layer)!.length} time(s).`,
            at,
          ),
        );
      return undefined;
    }
    if (ref.tensor > 0 && target.known) {
      b.diagnostics.push(
        err(
          'import/bad-reference',
          `${who}: '${field}' reads output #${ref.tensor} of layer '${ref.layer}', which has one output.`,
          at,
        ),
      );
      return undefined;
    }
    return ref.tensor > 0 ? `${target.last}:y${ref.tensor}` : `${target.last}:y`;
  };
  const connect = (src: string, to: string, port: string) => {
    const i = src.lastIndexOf(':');
    b.addEdge(src.slice(0, i), src.slice(i + 1), to, port);
  };
  for (const e of entries) {
    const calls = callsByLayer.get(e.name);
    const outs = emitted.get(e.name);
    if (!calls || !outs) continue;
    calls.forEach((refs, k) => {
      const out = outs[k]!;
      refs.forEach((ref, i) => {
        const src = resolve(ref, `Layer '${e.name}' (${e.cls})`, 'inbound_nodes', out.first);
        const port = out.ports[i];
        if (src && port) connect(src, out.first, port);
      });
    });
  }
  for (const ref of outputs ?? []) {
    const src = resolve(ref, 'The model', 'output_layers');
    if (!src) continue;
    const id = b.reserve('output');
    b.addNode(id, 'io.output', {});
    connect(src, id, 'x');
  }
  embeddingInputsAreInt(b);
}

/** Keras casts ids for Embedding; Netwright wants the Input itself int32. */
function embeddingInputsAreInt(b: Builder): void {
  for (const e of Object.values(b.edges)) {
    const from = b.nodes[e.from.node];
    if (
      from?.type === 'io.input' &&
      b.nodes[e.to.node]?.type === 'layers.embedding' &&
      from.params.dtype !== 'int32'
    )
      b.nodes[e.from.node] = { ...from, params: { ...from.params, dtype: 'int32' } };
  }
}
