// Keras layer class + snake_case config → Netwright node type + camelCase params (param names
// equal tfjs config names: DESIGN §5). One mapper per Keras class. A mapper reads its fields
// through LayerReader, which turns a missing or mistyped field into a diagnostic naming the layer
// and the field (and returns a default, so reading goes on and every problem is reported). A
// config we cannot represent (channels_first, return_state, …) makes the layer a kept "missing"
// node of its Keras type instead of a wrong node.

import { LAYER_ACTIVATIONS, type LayerActivation } from '../activations.ts';
import type { Diagnostic } from '../diagnostics.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonRecord = { [k: string]: Json };

export const isRecord = (v: unknown): v is JsonRecord =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One graph node a Keras layer becomes; `next` chains nodes after it (an unfused activation). */
export interface MappedNode {
  readonly type: string;
  readonly params: Record<string, unknown>;
  /** What the missing list shows for a node we have no type for (e.g. `GaussianNoise`). */
  readonly missing?: string;
  readonly next?: MappedNode;
}

/** A value for a message, cut to `max` characters; never throws (a hostile value may nest too deep). */
export function show(v: unknown, max = 40): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    return '(a value nested too deeply to show)';
  }
  return s === undefined ? String(v) : s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** Type name for a Keras class we have no node for: `keras.<Class>` (never a registered type). */
export const missingType = (cls: string): string => `keras.${cls.replace(/[^A-Za-z0-9_]/g, '_') || 'Layer'}`;

export class LayerReader {
  /** Set when the config uses something the Netwright node cannot represent. */
  unsupportedReason: string | undefined;

  constructor(
    readonly name: string,
    readonly cls: string,
    readonly nodeId: string,
    readonly cfg: JsonRecord,
    readonly diagnostics: Diagnostic[],
    readonly keras3: boolean,
  ) {}

  private where(field: string): string {
    return `Layer '${this.name}' (${this.cls}): '${field}'`;
  }

  error(field: string, message: string): void {
    this.diagnostics.push({
      code: 'import/invalid-field',
      severity: 'error',
      message: `${this.where(field)} ${message}.`,
      nodeId: this.nodeId,
      field,
    });
  }

  warn(field: string, message: string): void {
    this.diagnostics.push({
      code: 'import/approximated',
      severity: 'warning',
      message: `${this.where(field)} ${message}.`,
      nodeId: this.nodeId,
      field,
    });
  }

  /** The layer cannot be represented faithfully: it becomes a missing node (first reason wins). */
  unsupported(field: string, reason: string): void {
    this.unsupportedReason ??= `'${field}' ${reason}`;
  }

  has(field: string): boolean {
    return Object.hasOwn(this.cfg, field) && this.cfg[field] !== null && this.cfg[field] !== undefined;
  }

  raw(field: string): Json | undefined {
    return this.has(field) ? this.cfg[field] : undefined;
  }

  private absent(field: string, dflt: unknown): boolean {
    if (this.has(field)) return false;
    if (dflt === undefined) this.error(field, 'is missing');
    return true;
  }

  int(field: string, dflt?: number, min = Number.NEGATIVE_INFINITY): number {
    if (this.absent(field, dflt)) return dflt ?? Math.max(min, 1);
    const v = this.cfg[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      this.error(
        field,
        `must be a whole number${min > Number.NEGATIVE_INFINITY ? ` ≥ ${min}` : ''}, got ${show(v)}`,
      );
      return dflt ?? Math.max(min, 1);
    }
    return v;
  }

  float(field: string, dflt?: number): number {
    if (this.absent(field, dflt)) return dflt ?? 0;
    const v = this.cfg[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.error(field, `must be a number, got ${show(v)}`);
      return dflt ?? 0;
    }
    return v;
  }

  bool(field: string, dflt: boolean): boolean {
    if (this.absent(field, dflt)) return dflt;
    const v = this.cfg[field];
    if (typeof v !== 'boolean') {
      this.error(field, `must be true or false, got ${show(v)}`);
      return dflt;
    }
    return v;
  }

  oneOf<const O extends string>(field: string, options: readonly O[], dflt: O): O {
    if (this.absent(field, dflt)) return dflt;
    const v = this.cfg[field];
    if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
      this.error(field, `must be one of ${options.map((o) => `'${o}'`).join(', ')}, got ${show(v)}`);
      return dflt;
    }
    return v as O;
  }

  /** A whole number or a list of `n` whole numbers (one entry repeats) → a list of `n`. */
  tuple(field: string, n: number, dflt?: readonly number[], min = 1): number[] {
    if (this.absent(field, dflt)) return [...(dflt ?? Array.from({ length: n }, () => 1))];
    const v = this.cfg[field];
    const list = typeof v === 'number' ? Array.from({ length: n }, () => v) : v;
    if (
      !Array.isArray(list) ||
      (list.length !== n && list.length !== 1) ||
      list.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < min)
    ) {
      this.error(
        field,
        `must be a whole number${min > 0 ? ' ≥ 1' : ''} or a list of ${n} of them, got ${show(v)}`,
      );
      return [...(dflt ?? Array.from({ length: n }, () => 1))];
    }
    return list.length === n ? (list as number[]) : Array.from({ length: n }, () => list[0] as number);
  }

  /** A list of whole numbers (a target shape, an axis order). */
  intList(field: string, allowMinusOne = false): number[] {
    if (this.absent(field, undefined)) return [1];
    const v = this.cfg[field];
    if (
      !Array.isArray(v) ||
      v.length === 0 ||
      v.some(
        (d) => typeof d !== 'number' || !Number.isSafeInteger(d) || (d < 1 && !(allowMinusOne && d === -1)),
      )
    ) {
      this.error(field, `must be a non-empty list of positive whole numbers, got ${show(v)}`);
      return [1];
    }
    return v as number[];
  }

  /** An axis: a whole number, or a list with one (tf.keras stores BN/LN axes as lists once built). */
  axis(field: string, dflt: number): number {
    const v = this.raw(field);
    if (Array.isArray(v)) {
      if (v.length === 1 && typeof v[0] === 'number' && Number.isSafeInteger(v[0])) return v[0];
      if (v.length > 1 && v.every((d) => typeof d === 'number')) {
        this.unsupported(field, `normalises over several axes (${show(v)}); Netwright's node takes one`);
        return dflt;
      }
      this.error(field, `must be a whole number or a list with one, got ${show(v)}`);
      return dflt;
    }
    return this.int(field, dflt);
  }

  /** Keras activation value: a name, or (Keras 3) `{class_name: 'function', config: 'relu'}`. */
  activationName(field: string, dflt: string): string {
    const v = this.raw(field);
    if (v === undefined) return dflt;
    if (typeof v === 'string') return v;
    if (isRecord(v) && typeof v.config === 'string') return v.config;
    if (isRecord(v) && typeof v.class_name === 'string' && v.class_name !== 'function') {
      this.unsupported(field, `is a custom activation object (${v.class_name})`);
      return dflt;
    }
    this.error(field, `must be an activation name like 'relu', got ${show(v)}`);
    return dflt;
  }

  /** channels_first has no representation here (every Netwright image node is channels-last). */
  channelsLast(): void {
    if (this.raw('data_format') === 'channels_first')
      this.unsupported('data_format', "is 'channels_first'; Netwright nodes are channels-last only");
  }

  /** A field whose non-default value changes shapes or weights: the layer becomes a missing node. */
  requireDefault(field: string, isDefault: (v: Json) => boolean, why: string): void {
    const v = this.raw(field);
    if (v !== undefined && !isDefault(v)) this.unsupported(field, `is ${show(v)}: ${why}`);
  }

  /** A field whose non-default value only affects training details: imported without it. */
  ignoreNonDefault(field: string, isDefault: (v: Json) => boolean, why: string): void {
    const v = this.raw(field);
    if (v !== undefined && !isDefault(v)) this.warn(field, `is ${show(v)}; ${why}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Activations

const FUSED = new Set<string>(LAYER_ACTIVATIONS);
/** Keras / tfjs activation names → the tfjs names our `activation` params use. */
const ACTIVATION_ALIASES: Record<string, string> = {
  hard_sigmoid: 'hardSigmoid',
  silu: 'swish',
  relu_6: 'relu6',
};
/** Activation names → a standalone activation node (for Activation layers and unfusable names). */
const ACTIVATION_NODES: Record<string, { type: string; params: Record<string, unknown> }> = {
  linear: { type: 'activations.linear', params: {} },
  relu: { type: 'activations.relu', params: {} },
  elu: { type: 'activations.elu', params: {} },
  selu: { type: 'activations.selu', params: {} },
  gelu: { type: 'activations.gelu', params: {} },
  gelu_new: { type: 'activations.gelu', params: { approximate: true } },
  swish: { type: 'activations.silu', params: {} },
  mish: { type: 'activations.mish', params: {} },
  tanh: { type: 'activations.tanh', params: {} },
  sigmoid: { type: 'activations.sigmoid', params: {} },
  hardSigmoid: { type: 'activations.hardSigmoid', params: {} },
  softplus: { type: 'activations.softplus', params: {} },
  softsign: { type: 'activations.softsign', params: {} },
  softmax: { type: 'activations.softmax', params: {} },
  // Keras 3's leaky_relu function has negative_slope 0.2.
  leaky_relu: { type: 'activations.leakyRelu', params: { alpha: 0.2 } },
};

const canonicalActivation = (name: string): string => ACTIVATION_ALIASES[name] ?? name;

function activationNode(r: LayerReader, name: string): MappedNode {
  const canon = canonicalActivation(name);
  const node = ACTIVATION_NODES[canon];
  if (node) {
    if (canon === 'hardSigmoid' && r.keras3)
      r.warn(
        'activation',
        "is Keras 3's hard_sigmoid (slope 1/6); Netwright's (tfjs, Keras 2) has slope 0.2",
      );
    return { ...node };
  }
  return { type: missingType('Activation'), params: { activation: name }, missing: `Activation(${name})` };
}

/**
 * A fused `activation` field: a name tfjs layers take (`relu`, …) stays a param; a name with only
 * a standalone node (`gelu_new`) or none becomes a node chained after the layer.
 */
function fused(
  r: LayerReader,
  field = 'activation',
  dflt = 'linear',
): { value: LayerActivation; next?: MappedNode } {
  const canon = canonicalActivation(r.activationName(field, dflt));
  if (canon === 'hardSigmoid' && r.keras3)
    r.warn(field, "is Keras 3's hard_sigmoid (slope 1/6); Netwright's (tfjs, Keras 2) has slope 0.2");
  if (FUSED.has(canon)) return { value: canon as LayerActivation };
  return { value: 'linear', next: activationNode(r, canon) };
}

/** A recurrent layer's activations must be tfjs layer activations (no node can be chained inside). */
function recurrentActivation(r: LayerReader, field: string, dflt: string): LayerActivation {
  const canon = canonicalActivation(r.activationName(field, dflt));
  if (FUSED.has(canon)) return canon as LayerActivation;
  r.unsupported(field, `is '${canon}', which tfjs recurrent layers do not offer`);
  return dflt as LayerActivation;
}

// ---------------------------------------------------------------------------------------------
// Mappers

export interface MapContext {
  /** Number of input tensors the layer is called on (merges size their ports by it). */
  readonly inputs: number;
}

type Mapper = (r: LayerReader, ctx: MapContext) => MappedNode;

const withActivation = (type: string, params: Record<string, unknown>, act: ReturnType<typeof fused>) =>
  act.next ? { type, params, next: act.next } : { type, params };

const isOne = (v: Json) => v === 1 || (Array.isArray(v) && v.every((d) => d === 1));
const isNullish = (v: Json) => v === null;
const isFalse = (v: Json) => v === false;
const isZero = (v: Json) => v === 0;

function conv(r: LayerReader, rank: 1 | 2, opts: { filters: boolean; dilation: boolean }) {
  r.channelsLast();
  r.requireDefault('groups', (v) => v === 1, 'grouped convolutions have no Netwright node');
  const params: Record<string, unknown> = {};
  if (opts.filters) params.filters = r.int('filters', undefined, 1);
  params.kernelSize = r.tuple('kernel_size', rank);
  params.strides = r.tuple(
    'strides',
    rank,
    Array.from({ length: rank }, () => 1),
  );
  const padding = r.oneOf('padding', ['valid', 'same', 'causal'], 'valid');
  if (padding === 'causal')
    r.warn(
      'padding',
      "is 'causal'; imported as 'same' (same output length and weights, but each step also sees later steps)",
    );
  params.padding = padding === 'causal' ? 'same' : padding;
  if (opts.dilation)
    params.dilationRate = r.tuple(
      'dilation_rate',
      rank,
      Array.from({ length: rank }, () => 1),
    );
  return params;
}

function pool(r: LayerReader, rank: 1 | 2): Record<string, unknown> {
  r.channelsLast();
  const poolSize = r.tuple(
    'pool_size',
    rank,
    Array.from({ length: rank }, () => 2),
  );
  return {
    poolSize,
    strides: r.has('strides') ? r.tuple('strides', rank) : [],
    padding: r.oneOf('padding', ['valid', 'same'], 'valid'),
  };
}

function globalPool(type: string): Mapper {
  return (r) => {
    r.channelsLast();
    r.requireDefault('keepdims', isFalse, 'Netwright global pooling drops the pooled axes');
    return { type, params: {} };
  };
}

function merge(type: 'layers.add' | 'layers.multiply'): Mapper {
  return (_r, ctx) => ({ type, params: { n: ctx.inputs } });
}

function recurrentCommon(r: LayerReader): Record<string, unknown> {
  r.requireDefault('return_state', isFalse, 'Netwright recurrent nodes have one output');
  r.requireDefault('time_major', isFalse, 'Netwright sequences are batch-major [B, T, F]');
  r.ignoreNonDefault('stateful', isFalse, 'imported as a stateless layer');
  r.ignoreNonDefault('dropout', isZero, 'input dropout inside the cell is not supported and was left out');
  r.ignoreNonDefault(
    'recurrent_dropout',
    isZero,
    'recurrent dropout inside the cell is not supported and was left out',
  );
  return {
    units: r.int('units', undefined, 1),
    activation: recurrentActivation(r, 'activation', 'tanh'),
    recurrentActivation: recurrentActivation(r, 'recurrent_activation', 'sigmoid'),
    useBias: r.bool('use_bias', true),
  };
}

export const MAPPERS: Readonly<Record<string, Mapper>> = {
  Dense: (r) => {
    const act = fused(r);
    return withActivation(
      'layers.dense',
      { units: r.int('units', undefined, 1), activation: act.value, useBias: r.bool('use_bias', true) },
      act,
    );
  },
  Conv1D: (r) => {
    const params = conv(r, 1, { filters: true, dilation: true });
    const act = fused(r);
    return withActivation(
      'layers.conv1d',
      { ...params, activation: act.value, useBias: r.bool('use_bias', true) },
      act,
    );
  },
  Conv2D: (r) => {
    const params = conv(r, 2, { filters: true, dilation: true });
    const act = fused(r);
    return withActivation(
      'layers.conv2d',
      { ...params, activation: act.value, useBias: r.bool('use_bias', true) },
      act,
    );
  },
  DepthwiseConv2D: (r) => {
    r.requireDefault('dilation_rate', isOne, "Netwright's DepthwiseConv2D has no dilation");
    const params = conv(r, 2, { filters: false, dilation: false });
    const act = fused(r);
    return withActivation(
      'layers.depthwiseConv2d',
      {
        ...params,
        depthMultiplier: r.int('depth_multiplier', 1, 1),
        activation: act.value,
        useBias: r.bool('use_bias', true),
      },
      act,
    );
  },
  SeparableConv2D: (r) => {
    const params = conv(r, 2, { filters: true, dilation: true });
    const act = fused(r);
    return withActivation(
      'layers.separableConv2d',
      {
        ...params,
        depthMultiplier: r.int('depth_multiplier', 1, 1),
        activation: act.value,
        useBias: r.bool('use_bias', true),
      },
      act,
    );
  },
  Conv2DTranspose: (r) => {
    r.requireDefault('output_padding', isNullish, "Netwright's Conv2DTranspose has no output padding");
    r.requireDefault('dilation_rate', isOne, "Netwright's Conv2DTranspose has no dilation");
    const params = conv(r, 2, { filters: true, dilation: false });
    const act = fused(r);
    return withActivation(
      'layers.conv2dTranspose',
      { ...params, activation: act.value, useBias: r.bool('use_bias', true) },
      act,
    );
  },
  MaxPooling1D: (r) => ({ type: 'layers.maxPooling1d', params: pool(r, 1) }),
  MaxPooling2D: (r) => ({ type: 'layers.maxPooling2d', params: pool(r, 2) }),
  AveragePooling1D: (r) => ({ type: 'layers.averagePooling1d', params: pool(r, 1) }),
  AveragePooling2D: (r) => ({ type: 'layers.averagePooling2d', params: pool(r, 2) }),
  GlobalAveragePooling1D: globalPool('layers.globalAveragePooling1d'),
  GlobalAveragePooling2D: globalPool('layers.globalAveragePooling2d'),
  GlobalMaxPooling1D: globalPool('layers.globalMaxPooling1d'),
  GlobalMaxPooling2D: globalPool('layers.globalMaxPooling2d'),
  UpSampling2D: (r) => {
    r.channelsLast();
    return {
      type: 'layers.upSampling2d',
      params: {
        size: r.tuple('size', 2, [2, 2]),
        interpolation: r.oneOf('interpolation', ['nearest', 'bilinear'], 'nearest'),
      },
    };
  },
  ZeroPadding2D: (r) => {
    r.channelsLast();
    const v = r.raw('padding');
    // Keras stores ((top, bottom), (left, right)); an int or (h, w) is symmetric.
    if (Array.isArray(v) && v.length === 2 && v.every(Array.isArray)) {
      const flat = (v as Json[][]).flat();
      if (flat.length === 4 && flat.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0))
        return { type: 'layers.zeroPadding2d', params: { padding: flat } };
      r.error('padding', `must be [[top, bottom], [left, right]] of whole numbers ≥ 0, got ${show(v)}`);
      return { type: 'layers.zeroPadding2d', params: {} };
    }
    return { type: 'layers.zeroPadding2d', params: { padding: r.tuple('padding', 2, [1, 1], 0) } };
  },
  Flatten: (r) => {
    r.channelsLast();
    return { type: 'layers.flatten', params: {} };
  },
  Reshape: (r) => ({ type: 'layers.reshape', params: { targetShape: r.intList('target_shape', true) } }),
  Permute: (r) => ({ type: 'layers.permute', params: { dims: r.intList('dims') } }),
  Dropout: (r) => {
    r.ignoreNonDefault('noise_shape', isNullish, 'imported as plain Dropout (one mask per element)');
    return { type: 'layers.dropout', params: { rate: r.float('rate') } };
  },
  BatchNormalization: (r) => ({
    type: 'layers.batchNormalization',
    params: {
      axis: r.axis('axis', -1),
      momentum: r.float('momentum', 0.99),
      epsilon: r.float('epsilon', 0.001),
      center: r.bool('center', true),
      scale: r.bool('scale', true),
    },
  }),
  LayerNormalization: (r) => {
    r.requireDefault('rms_scaling', isFalse, "Netwright's LayerNormalization has no RMS scaling");
    return {
      type: 'layers.layerNormalization',
      params: {
        axis: r.axis('axis', -1),
        epsilon: r.float('epsilon', 0.001),
        center: r.bool('center', true),
        scale: r.bool('scale', true),
      },
    };
  },
  Embedding: (r) => {
    r.ignoreNonDefault('mask_zero', isFalse, 'masking is not supported; id 0 is embedded like any other');
    return {
      type: 'layers.embedding',
      params: { inputDim: r.int('input_dim', undefined, 1), outputDim: r.int('output_dim', undefined, 1) },
    };
  },
  LSTM: (r) => ({
    type: 'layers.lstm',
    params: {
      ...recurrentCommon(r),
      unitForgetBias: r.bool('unit_forget_bias', true),
      returnSequences: r.bool('return_sequences', false),
      goBackwards: r.bool('go_backwards', false),
    },
  }),
  GRU: (r) => {
    const params = recurrentCommon(r);
    if (r.raw('reset_after') === true)
      r.warn(
        'reset_after',
        `is true (Keras's default since 2.3); tfjs GRU applies the reset gate before the recurrent product (reset_after false), so the imported layer has 3·units = ${3 * (params.units as number)} fewer parameters (one bias per gate instead of two)`,
      );
    return {
      type: 'layers.gru',
      params: {
        ...params,
        returnSequences: r.bool('return_sequences', false),
        goBackwards: r.bool('go_backwards', false),
      },
    };
  },
  Activation: (r) => activationNode(r, r.activationName('activation', 'linear')),
  ReLU: (r) => {
    const max = r.raw('max_value');
    const slope = r.float('negative_slope', 0);
    const threshold = r.float('threshold', 0);
    if (threshold !== 0) r.unsupported('threshold', `is ${threshold}; Netwright's ReLU thresholds at 0`);
    if (max !== undefined) r.unsupported('max_value', `is ${show(max)}; Netwright has no capped ReLU node`);
    return slope === 0
      ? { type: 'activations.relu', params: {} }
      : { type: 'activations.leakyRelu', params: { alpha: slope } };
  },
  LeakyReLU: (r) => ({
    type: 'activations.leakyRelu',
    // Keras 2 and tfjs call the slope alpha, Keras 3 negative_slope; both default to 0.3.
    params: { alpha: r.has('negative_slope') ? r.float('negative_slope') : r.float('alpha', 0.3) },
  }),
  ELU: (r) => ({ type: 'activations.elu', params: { alpha: r.float('alpha', 1) } }),
  Softmax: (r) => ({ type: 'activations.softmax', params: { axis: r.axis('axis', -1) } }),
  Add: merge('layers.add'),
  Multiply: merge('layers.multiply'),
  Subtract: () => ({ type: 'layers.subtract', params: {} }),
  Concatenate: (r, ctx) => ({
    type: 'layers.concatenate',
    params: { n: ctx.inputs, axis: r.int('axis', -1) },
  }),
};

/** Other names Keras and tfjs use for the same classes. */
const ALIASES: Record<string, string> = {
  Convolution1D: 'Conv1D',
  Convolution2D: 'Conv2D',
  Convolution2DTranspose: 'Conv2DTranspose',
  Deconvolution2D: 'Conv2DTranspose',
  SeparableConvolution2D: 'SeparableConv2D',
  MaxPool1D: 'MaxPooling1D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool1D: 'AveragePooling1D',
  AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool1D: 'GlobalAveragePooling1D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalMaxPool1D: 'GlobalMaxPooling1D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
  BatchNormalizationV1: 'BatchNormalization',
  BatchNormalizationV2: 'BatchNormalization',
  LSTMV1: 'LSTM',
  GRUV1: 'GRU',
  LSTMV2: 'LSTM',
  GRUV2: 'GRU',
};

export const mapperFor = (cls: string): Mapper | undefined => {
  const name = ALIASES[cls] ?? cls;
  return Object.hasOwn(MAPPERS, name) ? MAPPERS[name] : undefined;
};
