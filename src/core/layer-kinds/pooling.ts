// Max and average pooling over 1 or 2 spatial axes share everything but the reduction: one
// definition here, one thin node file per type (as Keras's Pooling1D/Pooling2D base classes).
import { reject } from '../diagnostics.ts';
import { defineNode, type NodeExample } from '../node-def.ts';
import { p } from '../params.ts';
import { poolStrides, requireRank, tupleOrReject, windowOutput } from '../shape-math.ts';
import { tensor } from '../tensor-type.ts';

export interface PoolingSpec {
  readonly reduce: 'max' | 'average';
  readonly dims: 1 | 2;
  readonly examples: readonly NodeExample[];
}

export function poolingNode({ reduce, dims, examples }: PoolingSpec) {
  const title = `${reduce === 'max' ? 'Max' : 'Average'}Pooling${dims}D`;
  const layer = `${reduce}Pooling${dims}d`;
  const what = reduce === 'max' ? 'maximum' : 'mean';
  const fn = reduce === 'max' ? 'max' : 'mean';
  const shapeText = dims === 1 ? '[B, steps, C]' : '[B, H, W, C]';
  const example = dims === 1 ? '[2]' : '[2, 2]';
  // tfjs averages only the in-bounds values with 'same' padding, but its gradient (avgPoolGrad)
  // divides by the full window: patched on cpu/wasm here, still wrong on webgl/webgpu.
  const refuseSame = reduce === 'average';
  return defineNode({
    type: `layers.${layer}`,
    version: 1,
    kind: 'layer',
    title,
    docs:
      dims === 1
        ? {
            summary: `Downsamples sequences by taking the ${what} of each window of poolSize steps, per channel.`,
            formula: `y[b,t,c] = ${fn}_{u < k} x[b, t·s + u, c];  out = ceil((n − k + 1) / s) for valid, ceil(n / s) for same (s defaults to k)`,
          }
        : {
            summary: `Downsamples images by taking the ${what} of each poolSize window, per channel.`,
            formula: `y[b,i,j,c] = ${fn}_{u < kh, v < kw} x[b, i·s_h + u, j·s_w + v, c];  out = ceil((n − k + 1) / s) for valid, ceil(n / s) for same (s defaults to k)`,
          },
    params: {
      poolSize:
        dims === 1
          ? p.shape({ default: [2], minLength: 1, maxLength: 1, doc: 'Window length [k].' })
          : p.shape({
              default: [2, 2],
              minLength: 1,
              maxLength: 2,
              doc: 'Window [height, width]; one entry means square.',
            }),
      strides:
        dims === 1
          ? p.shape({ default: [], minLength: 0, maxLength: 1, doc: 'Step [s]; empty = same as poolSize.' })
          : p.shape({
              default: [],
              minLength: 0,
              maxLength: 2,
              doc: 'Step [height, width]; empty = same as poolSize.',
            }),
      padding: p.enum(
        ['valid', 'same'],
        'valid',
        refuseSame
          ? "'valid': drop windows that do not fit. 'same' is refused: tfjs computes its gradient wrongly."
          : `'valid': drop windows that do not fit; 'same': pad so output = ceil(${dims === 1 ? 'steps' : 'input'} / stride).`,
      ),
    },
    inputs: { x: { doc: dims === 1 ? 'Sequences [B, steps, C].' : 'Images [B, H, W, C].' } },
    outputs: { y: { doc: dims === 1 ? "[B, steps', C]" : "[B, H', W', C]" } },
    infer({ inputs, params }) {
      const x = inputs.x!;
      requireRank(x, dims + 2, title, shapeText);
      if (refuseSame && params.padding === 'same')
        reject(
          'param/invalid',
          `${title} with padding 'same' trains with wrong gradients in tfjs; use padding 'valid'${dims === 2 ? ' (and a ZeroPadding2D before it if the size must be kept)' : ''}, or MaxPooling with 'same'.`,
          { field: 'padding' },
        );
      const pool = tupleOrReject(params.poolSize, dims, 'poolSize', example);
      const strides = poolStrides(params.strides, pool, dims, example);
      const out = windowOutput(
        x.shape.slice(1, 1 + dims),
        { kernel: pool, strides, padding: params.padding },
        title,
        'pool',
      );
      return { y: tensor([null, ...out, x.shape[dims + 1]!], x.dtype) };
    },
    paramCount: () => 0,
    examples,
    lower: ({ params }) => {
      const pool = tupleOrReject(params.poolSize, dims, 'poolSize', example);
      return {
        kind: 'layer',
        layer,
        config: {
          poolSize: pool,
          strides: poolStrides(params.strides, pool, dims, example),
          padding: params.padding,
        },
      };
    },
  });
}
