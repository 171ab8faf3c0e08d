// tfjs layer IR nodes (`{ kind: 'layer', layer, config }`) as PyTorch: the module each node
// becomes (an attribute of the exported nn.Module, or none for stateless ops), the forward
// expression, and how its tfjs weights map onto the module's state_dict entries. Tensors keep
// tfjs's channels-last layout between nodes; convolutions and pooling switch to channels-first
// only around the torch call (channels_first/channels_last helpers in model.py). Pure.

import type { IRNode, Json, JsonObject } from '../ir.ts';
import type { Dim } from '../tensor-type.ts';
import { CodegenError } from './print.ts';
import { pyNumber, pyString } from './python-literals.ts';

/** One tfjs weight → one state_dict entry: `perm` reorders the tfjs axes into torch's. */
export interface WeightMapping {
  /** The tfjs weight's name within its layer (`kernel`, `moving_mean`). */
  readonly tfName: string;
  /** state_dict key below the node's attribute (`weight`, `running_mean`). */
  readonly key: string;
  readonly perm?: readonly number[];
  /** torch's shape when it differs from the permuted tfjs shape (same element order). */
  readonly shape?: readonly number[];
}

export interface PyLayer {
  /** Constructor expression of the node's attribute, if it has one. */
  readonly module?: string;
  /** Forward expression from the input expressions and `self.<attr>`. */
  readonly forward: (inputs: readonly string[], self: string) => string;
  /** tfjs weights of the layer, in tfjs's order. */
  readonly weights: readonly WeightMapping[];
  /** Module-level definitions (PY_LAYER_HELPERS keys) the module uses. */
  readonly helpers?: readonly string[];
}

/** Python classes a layer module may need, defined once in model.py. */
export const PY_LAYER_HELPERS: Readonly<Record<string, readonly string[]>> = {
  upsample_bilinear: [
    'def upsample_bilinear(x, a, b):',
    '    """tfjs\'s resizeBilinear of channels-last x by (a, b): no aligned corners, no half-pixel centres',
    '    (source position = output position / scale), unlike F.interpolate."""',
    '    def along(x, dim, scale):',
    '        n = x.shape[dim]',
    '        src = torch.arange(n * scale, device=x.device, dtype=torch.float32) * (n / (n * scale))',
    '        lo = src.floor().long()',
    '        hi = torch.clamp(lo + 1, max=n - 1)',
    '        shape = [1] * x.dim()',
    '        shape[dim] = -1',
    '        frac = (src - lo.float()).reshape(shape)',
    '        return x.index_select(dim, lo) * (1 - frac) + x.index_select(dim, hi) * frac',
    '    return along(along(x, 1, a), 2, b)',
  ],
  Recurrent: [
    'class Recurrent(nn.Module):',
    '    """An LSTM or GRU exactly as tfjs (Keras) computes it: weights in tfjs\'s layout and names (kernel',
    '    [in, gates * units], recurrent_kernel, bias), gates i, f, c, o (LSTM) or z, r, h (GRU, reset gate',
    '    applied before the recurrent product), tfjs\'s activations, zero initial state."""',
    '',
    '    def __init__(self, kind, features, units, activation, recurrent_activation, use_bias=True,',
    '                 return_sequences=False, go_backwards=False):',
    '        super().__init__()',
    '        gates = 4 if kind == "lstm" else 3',
    '        self.kind, self.units = kind, units',
    '        self.activation, self.recurrent_activation = activation, recurrent_activation',
    '        self.return_sequences, self.go_backwards = return_sequences, go_backwards',
    '        self.kernel = nn.Parameter(torch.empty(features, gates * units))',
    '        self.recurrent_kernel = nn.Parameter(torch.empty(units, gates * units))',
    '        init_weight(self.kernel, "glorotUniform")',
    '        nn.init.orthogonal_(self.recurrent_kernel)',
    '        self.bias = nn.Parameter(torch.zeros(gates * units)) if use_bias else None',
    '        if use_bias and kind == "lstm":',
    '            with torch.no_grad():',
    '                self.bias[units:2 * units] = 1.0  # unit forget bias',
    '',
    '    def forward(self, x):',
    '        u = self.units',
    '        h = x.new_zeros(x.shape[0], u)',
    '        c = x.new_zeros(x.shape[0], u)',
    '        xs = torch.matmul(x, self.kernel)',
    '        if self.bias is not None:',
    '            xs = xs + self.bias',
    '        steps = range(x.shape[1] - 1, -1, -1) if self.go_backwards else range(x.shape[1])',
    '        outputs = []',
    '        for t in steps:',
    '            xt = xs[:, t]',
    '            if self.kind == "lstm":',
    '                z = xt + torch.matmul(h, self.recurrent_kernel)',
    '                i = self.recurrent_activation(z[:, :u])',
    '                f = self.recurrent_activation(z[:, u:2 * u])',
    '                c = f * c + i * self.activation(z[:, 2 * u:3 * u])',
    '                h = self.recurrent_activation(z[:, 3 * u:]) * self.activation(c)',
    '            else:',
    '                rz = torch.matmul(h, self.recurrent_kernel[:, :2 * u])',
    '                z = self.recurrent_activation(xt[:, :u] + rz[:, :u])',
    '                r = self.recurrent_activation(xt[:, u:2 * u] + rz[:, u:])',
    '                hh = self.activation(xt[:, 2 * u:] + torch.matmul(r * h, self.recurrent_kernel[:, 2 * u:]))',
    '                h = z * h + (1 - z) * hh',
    '            outputs.append(h)',
    '        return torch.stack(outputs, 1) if self.return_sequences else h',
  ],
};

const BIAS: WeightMapping = { tfName: 'bias', key: 'bias' };
const GAMMA: WeightMapping = { tfName: 'gamma', key: 'weight' };
const BETA: WeightMapping = { tfName: 'beta', key: 'bias' };

/** tfjs activation identifier → a function of the expression. */
export function activation(name: string, x: string, nodeId: string): string {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
    case 'sigmoid':
    case 'tanh':
      return `torch.${name}(${x})`;
    case 'relu6':
      return `F.relu6(${x})`;
    case 'elu':
    case 'selu':
    case 'softplus':
    case 'softsign':
    case 'mish':
      return `F.${name}(${x})`;
    case 'gelu':
      return `F.gelu(${x})`;
    case 'gelu_new':
      return `F.gelu(${x}, approximate="tanh")`;
    case 'swish':
    case 'silu':
      return `F.silu(${x})`;
    case 'hardSigmoid':
      return `torch.clamp(0.2 * ${x} + 0.5, 0.0, 1.0)`;
    case 'softmax':
      return `torch.softmax(${x}, -1)`;
    default:
      throw new CodegenError(`the PyTorch export has no translation for the activation '${name}'`, nodeId);
  }
}

const num = (c: JsonObject, k: string, d: number): number =>
  typeof c[k] === 'number' ? (c[k] as number) : d;
const pair = (v: Json | undefined, d: number): [number, number] =>
  Array.isArray(v) ? [v[0] as number, (v[1] ?? v[0]) as number] : typeof v === 'number' ? [v, v] : [d, d];
const tuple = (t: readonly number[]) => (t.length === 1 ? `(${t[0]},)` : `(${t.join(', ')})`);

/** tfjs 'same' padding of one spatial axis: [before, after]. */
function samePad(size: number, k: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

interface Padding {
  /** Symmetric padding the torch module takes, per spatial axis. */
  readonly symmetric: readonly number[];
  /** F.pad argument (last axis first) when the padding is asymmetric, else undefined. */
  readonly explicit?: readonly number[];
}

function padding(
  mode: Json | undefined,
  spatial: readonly Dim[],
  k: readonly number[],
  s: readonly number[],
  d: readonly number[],
  nodeId: string,
): Padding {
  if (mode !== 'same') return { symmetric: k.map(() => 0) };
  const pads = spatial.map((size, i) => {
    if (typeof size !== 'number')
      throw new CodegenError("'same' padding needs a known spatial size for the PyTorch export", nodeId);
    return samePad(size, k[i]!, s[i]!, d[i]!);
  });
  if (pads.every(([a, b]) => a === b)) return { symmetric: pads.map(([a]) => a) };
  return { symmetric: k.map(() => 0), explicit: [...pads].reverse().flat() };
}

/**
 * The PyTorch translation of a tfjs layer node. `inShapes` are the static input shapes (batch
 * first). Throws CodegenError naming the node for what has no translation.
 */
export function pyLayer(node: IRNode, inShapes: readonly (readonly Dim[])[]): PyLayer {
  if (node.op.kind !== 'layer') throw new CodegenError('not a layer node', node.id);
  const { layer, config: c } = node.op;
  const id = node.id;
  const shape = inShapes[0] ?? [];
  const channels = shape.at(-1);
  const act = (x: string) => activation(typeof c.activation === 'string' ? c.activation : 'linear', x, id);
  const stateless = (forward: PyLayer['forward']): PyLayer => ({ forward, weights: [] });
  const unsupported = (why: string) =>
    new CodegenError(`the PyTorch export does not support this ${layer} layer: ${why}`, id);
  switch (layer) {
    case 'dense': {
      if (typeof channels !== 'number') throw unsupported('its input size is unknown');
      const bias = c.useBias !== false;
      return {
        module: `nn.Linear(${channels}, ${num(c, 'units', 1)}${bias ? '' : ', bias=False'})`,
        forward: ([x], self) => act(`${self}(${x})`),
        weights: [{ tfName: 'kernel', key: 'weight', perm: [1, 0] }, ...(bias ? [BIAS] : [])],
      };
    }
    case 'conv1d':
    case 'conv2d': {
      const rank = layer === 'conv1d' ? 1 : 2;
      if (typeof channels !== 'number') throw unsupported('its channel count is unknown');
      const k = pair(c.kernelSize, 1).slice(0, rank);
      const s = pair(c.strides, 1).slice(0, rank);
      const d = pair(c.dilationRate, 1).slice(0, rank);
      const pad = padding(c.padding, shape.slice(1, 1 + rank), k, s, d, id);
      const bias = c.useBias !== false;
      const cls = rank === 1 ? 'nn.Conv1d' : 'nn.Conv2d';
      const args = [`${channels}`, `${num(c, 'filters', 1)}`, tuple(k), `stride=${tuple(s)}`];
      if (pad.symmetric.some((p) => p)) args.push(`padding=${tuple(pad.symmetric)}`);
      if (d.some((x) => x !== 1)) args.push(`dilation=${tuple(d)}`);
      if (!bias) args.push('bias=False');
      const first = rank === 1 ? 'channels_first_1d' : 'channels_first';
      const last = rank === 1 ? 'channels_last_1d' : 'channels_last';
      return {
        module: `${cls}(${args.join(', ')})`,
        forward: ([x], self) => {
          const input = pad.explicit ? `F.pad(${first}(${x}), ${tuple(pad.explicit)})` : `${first}(${x})`;
          return act(`${last}(${self}(${input}))`);
        },
        weights: [
          { tfName: 'kernel', key: 'weight', perm: rank === 1 ? [2, 1, 0] : [3, 2, 0, 1] },
          ...(bias ? [BIAS] : []),
        ],
      };
    }
    case 'depthwiseConv2d':
    case 'separableConv2d': {
      if (typeof channels !== 'number') throw unsupported('its channel count is unknown');
      const k = pair(c.kernelSize, 1);
      const s = pair(c.strides, 1);
      const d = pair(c.dilationRate, 1);
      const pad = padding(c.padding, shape.slice(1, 3), k, s, d, id);
      const mult = num(c, 'depthMultiplier', 1);
      const bias = c.useBias !== false;
      const separable = layer === 'separableConv2d';
      const args = [`${channels}`, `${channels * mult}`, tuple(k), `stride=${tuple(s)}`];
      if (pad.symmetric.some((p) => p)) args.push(`padding=${tuple(pad.symmetric)}`);
      if (d.some((x) => x !== 1)) args.push(`dilation=${tuple(d)}`);
      args.push(`groups=${channels}`);
      // tfjs [kh, kw, C, mult] → torch [C·mult, 1, kh, kw] (output channel c·mult + m).
      const depthwise: WeightMapping = {
        tfName: 'depthwise_kernel',
        key: separable ? '0.weight' : 'weight',
        perm: [2, 3, 0, 1],
        shape: [channels * mult, 1, k[0], k[1]],
      };
      const input = (x: string) =>
        pad.explicit ? `F.pad(channels_first(${x}), ${tuple(pad.explicit)})` : `channels_first(${x})`;
      if (!separable)
        return {
          module: `nn.Conv2d(${args.join(', ')}${bias ? '' : ', bias=False'})`,
          forward: ([x], self) => act(`channels_last(${self}(${input(x!)}))`),
          weights: [depthwise, ...(bias ? [BIAS] : [])],
        };
      const filters = num(c, 'filters', 1);
      return {
        module: `nn.Sequential(nn.Conv2d(${args.join(', ')}, bias=False), nn.Conv2d(${channels * mult}, ${filters}, 1${bias ? '' : ', bias=False'}))`,
        forward: ([x], self) => act(`channels_last(${self}(${input(x!)}))`),
        weights: [
          depthwise,
          { tfName: 'pointwise_kernel', key: '1.weight', perm: [3, 2, 0, 1] },
          ...(bias ? [{ tfName: 'bias', key: '1.bias' }] : []),
        ],
      };
    }
    case 'conv2dTranspose': {
      if (typeof channels !== 'number') throw unsupported('its channel count is unknown');
      const k = pair(c.kernelSize, 1);
      const s = pair(c.strides, 1);
      const bias = c.useBias !== false;
      const same = c.padding === 'same';
      // 'same': output size·stride, cropping ⌊(k − s)/2⌋ before and the rest after; torch crops
      // the same amount on both sides, so an odd total leaves one extra row/column to drop.
      const total = k.map((ki, i) => (same ? Math.max(ki - s[i]!, 0) : 0));
      const before = total.map((t) => Math.floor(t / 2));
      const spatial = shape.slice(1, 3);
      const args = [`${channels}`, `${num(c, 'filters', 1)}`, tuple(k), `stride=${tuple(s)}`];
      if (before.some((p) => p)) args.push(`padding=${tuple(before)}`);
      if (!bias) args.push('bias=False');
      const odd = total.some((t) => t % 2 === 1);
      if (odd && spatial.some((d) => typeof d !== 'number')) throw unsupported('its spatial size is unknown');
      const crop = odd ? `[:, :, :${(spatial[0] as number) * s[0]}, :${(spatial[1] as number) * s[1]}]` : '';
      return {
        module: `nn.ConvTranspose2d(${args.join(', ')})`,
        forward: ([x], self) => act(`channels_last(${self}(channels_first(${x}))${crop})`),
        // tfjs [kh, kw, out, in] → torch [in, out, kh, kw].
        weights: [{ tfName: 'kernel', key: 'weight', perm: [3, 2, 0, 1] }, ...(bias ? [BIAS] : [])],
      };
    }
    case 'maxPooling1d':
    case 'maxPooling2d':
    case 'averagePooling1d':
    case 'averagePooling2d': {
      const rank = layer.endsWith('1d') ? 1 : 2;
      const max = layer.startsWith('max');
      const k = pair(c.poolSize, 2).slice(0, rank);
      const s = c.strides === null || c.strides === undefined ? k : pair(c.strides, 1).slice(0, rank);
      const pad = padding(
        c.padding,
        shape.slice(1, 1 + rank),
        k,
        s,
        k.map(() => 1),
        id,
      );
      if (pad.explicit)
        throw unsupported("its 'same' padding is uneven (PyTorch pools pad both sides alike)");
      const fn = `F.${max ? 'max' : 'avg'}_pool${rank}d`;
      const extra = pad.symmetric.some((p) => p)
        ? `, padding=${tuple(pad.symmetric)}${max ? '' : ', count_include_pad=False'}`
        : '';
      const first = rank === 1 ? 'channels_first_1d' : 'channels_first';
      const last = rank === 1 ? 'channels_last_1d' : 'channels_last';
      return stateless(([x]) => `${last}(${fn}(${first}(${x}), ${tuple(k)}, ${tuple(s)}${extra}))`);
    }
    case 'globalAveragePooling1d':
      return stateless(([x]) => `torch.mean(${x}, dim=1)`);
    case 'globalAveragePooling2d':
      return stateless(([x]) => `torch.mean(${x}, dim=(1, 2))`);
    case 'globalMaxPooling1d':
      return stateless(([x]) => `torch.amax(${x}, dim=1)`);
    case 'globalMaxPooling2d':
      return stateless(([x]) => `torch.amax(${x}, dim=(1, 2))`);
    case 'flatten':
      return stateless(([x]) => `torch.flatten(${x}, 1)`);
    case 'reshape':
      return stateless(([x]) => `torch.reshape(${x}, (-1, ${(c.targetShape as number[]).join(', ')}))`);
    case 'permute':
      return stateless(([x]) => `${x}.permute(0, ${(c.dims as number[]).join(', ')})`);
    case 'activation':
      return stateless(([x]) => act(x!));
    case 'softmax':
      return stateless(([x]) => `torch.softmax(${x}, ${num(c, 'axis', -1)})`);
    case 'elu':
      return stateless(([x]) => `F.elu(${x}, ${pyNumber(num(c, 'alpha', 1))})`);
    case 'leakyReLU':
      return stateless(([x]) => `F.leaky_relu(${x}, ${pyNumber(num(c, 'alpha', 0.3))})`);
    case 'add':
      return stateless((xs) => xs.join(' + '));
    case 'multiply':
      return stateless((xs) => xs.join(' * '));
    case 'concatenate':
      return stateless((xs) => `torch.cat([${xs.join(', ')}], ${num(c, 'axis', -1)})`);
    case 'dropout':
      return {
        module: `nn.Dropout(${pyNumber(num(c, 'rate', 0.5))})`,
        forward: ([x], self) => `${self}(${x})`,
        weights: [],
      };
    case 'zeroPadding2d': {
      const [[t, b], [l, r]] = c.padding as number[][] as [[number, number], [number, number]];
      return stateless(([x]) => `F.pad(${x}, (0, 0, ${l}, ${r}, ${t}, ${b}))`);
    }
    case 'upSampling2d': {
      const [a, b] = pair(c.size, 2);
      if (c.interpolation === 'bilinear')
        return {
          forward: ([x]) => `upsample_bilinear(${x}, ${a}, ${b})`,
          weights: [],
          helpers: ['upsample_bilinear'],
        };
      if (c.interpolation !== undefined && c.interpolation !== 'nearest')
        throw unsupported(`no translation for '${String(c.interpolation)}' interpolation`);
      return stateless(([x]) => `${x}.repeat_interleave(${a}, 1).repeat_interleave(${b}, 2)`);
    }
    case 'lstm':
    case 'gru': {
      if (typeof channels !== 'number') throw unsupported('its feature size is unknown');
      const units = num(c, 'units', 1);
      const bias = c.useBias !== false;
      const fn = (name: Json | undefined, d: string) =>
        `lambda x: ${activation(typeof name === 'string' ? name : d, 'x', id)}`;
      const args = [
        pyString(layer),
        `${channels}`,
        `${units}`,
        `activation=${fn(c.activation, 'tanh')}`,
        `recurrent_activation=${fn(c.recurrentActivation, 'hardSigmoid')}`,
      ];
      if (!bias) args.push('use_bias=False');
      if (c.returnSequences === true) args.push('return_sequences=True');
      if (c.goBackwards === true) args.push('go_backwards=True');
      return {
        module: `Recurrent(${args.join(', ')})`,
        forward: ([x], self) => `${self}(${x})`,
        // Recurrent keeps tfjs's layouts ([in, gates·units]) and names.
        weights: [
          { tfName: 'kernel', key: 'kernel' },
          { tfName: 'recurrent_kernel', key: 'recurrent_kernel' },
          ...(bias ? [{ tfName: 'bias', key: 'bias' }] : []),
        ],
        helpers: ['Recurrent'],
      };
    }
    case 'embedding':
      return {
        module: `nn.Embedding(${num(c, 'inputDim', 1)}, ${num(c, 'outputDim', 1)})`,
        forward: ([x], self) => `${self}(${x}.long())`,
        weights: [{ tfName: 'embeddings', key: 'weight' }],
      };
    case 'layerNormalization': {
      const axes = Array.isArray(c.axis) ? (c.axis as number[]) : [num(c, 'axis', -1)];
      if (axes.length !== 1) throw unsupported('only one normalised axis');
      const axis = axes[0]! < 0 ? axes[0]! + shape.length : axes[0]!;
      const size = shape[axis];
      if (typeof size !== 'number') throw unsupported('its normalised axis has no known size');
      if (c.center === false || c.scale === false) throw unsupported('PyTorch has no center/scale switch');
      const last = axis === shape.length - 1;
      return {
        module: `nn.LayerNorm(${size}, eps=${pyNumber(num(c, 'epsilon', 1e-3))})`,
        // nn.LayerNorm normalises the last axis: another axis moves there and back.
        forward: ([x], self) =>
          last ? `${self}(${x})` : `torch.movedim(${self}(torch.movedim(${x}, ${axis}, -1)), -1, ${axis})`,
        weights: [GAMMA, BETA],
      };
    }
    case 'batchNormalization': {
      if (typeof channels !== 'number') throw unsupported('its channel count is unknown');
      if (c.center === false || c.scale === false) throw unsupported('PyTorch has no center/scale switch');
      const axis = num(c, 'axis', -1);
      if (axis !== -1 && axis !== shape.length - 1) throw unsupported('only the last axis (channels last)');
      const rank = shape.length;
      // tfjs: moving = m·moving + (1 − m)·batch; torch: running = (1 − p)·running + p·batch.
      const args = `${channels}, eps=${pyNumber(num(c, 'epsilon', 1e-3))}, momentum=${pyNumber(1 - num(c, 'momentum', 0.99))}`;
      const weights = [
        GAMMA,
        BETA,
        { tfName: 'moving_mean', key: 'running_mean' },
        { tfName: 'moving_variance', key: 'running_var' },
      ];
      if (rank === 4)
        return {
          module: `nn.BatchNorm2d(${args})`,
          forward: ([x], self) => `channels_last(${self}(channels_first(${x})))`,
          weights,
        };
      if (rank === 3)
        return {
          module: `nn.BatchNorm1d(${args})`,
          forward: ([x], self) => `channels_last_1d(${self}(channels_first_1d(${x})))`,
          weights,
        };
      return { module: `nn.BatchNorm1d(${args})`, forward: ([x], self) => `${self}(${x})`, weights };
    }
    default:
      throw new CodegenError(`the PyTorch export does not support the tfjs layer '${layer}' yet`, id);
  }
}
