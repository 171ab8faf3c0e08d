import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { formatShape, tensor } from '../../src/core/tensor-type.ts';

export const CHANNEL_SETS = ['all', 'firstHalf', 'secondHalf'] as const;

export default defineNode({
  type: 'primitives.channelMean',
  version: 1,
  kind: 'layer',
  title: 'Channel mean (layer attention)',
  docs: {
    summary:
      'The layer attention of a feature map: the mean over channels at every position, kept as one channel. As in Guided Interpretable Facial Expression Recognition via Spatial Action Unit Cues (Belharbi, Pedersoli, Koerich, Bacon, Granger; FG 2024, arXiv 2402.00281), whose alignment loss compares this map (ALIGN_AVG; the first / second half of the channels are the paper’s variants) with an action-unit heat map. Feed it into an AU alignment loss.',
    formula:
      'att[b, i, j] = (1/|S|) Σ_{k∈S} F[b, i, j, k],  S = all channels, the first ⌊C/2⌋ or the last C − ⌊C/2⌋',
    paper: {
      title: 'Guided Interpretable Facial Expression Recognition via Spatial Action Unit Cues',
      authors: 'Belharbi, Pedersoli, Koerich, Bacon, Granger',
      year: 2024,
      arxiv: '2402.00281',
    },
  },
  params: {
    channels: p.enum(CHANNEL_SETS, 'all', 'Which channels are averaged (the paper’s default: all).'),
  },
  inputs: { x: { doc: 'Channels-last feature map [B, …, C] (rank ≥ 3).' } },
  outputs: { y: { doc: '[B, …, 1]: the channel mean at every position.' } },
  infer({ inputs, params }) {
    const x = inputs.x!.shape;
    if (x.length < 3)
      reject('shape/rank-mismatch', `Channel mean needs a feature map [B, …, C], got ${formatShape(x)}.`, {
        port: 'x',
      });
    const c = x[x.length - 1];
    if (params.channels !== 'all' && (typeof c !== 'number' || c < 2))
      reject(
        'shape/unknown-dim',
        `channels = ${params.channels} needs a known channel count ≥ 2, got ${formatShape(x)}: pick 'all'.`,
        { field: 'channels' },
      );
    return { y: tensor([...x.slice(0, -1), 1]) };
  },
  paramCount: () => 0,
  lower: ({ params }) => ({ kind: 'kernel', config: { channels: params.channels } }),
  kernel: {
    call: (ops, [x], _w, pr) => {
      const shape = ops.shape(x!);
      const r = shape.length;
      const c = shape[r - 1]!;
      const half = Math.floor(c / 2);
      const begin = shape.map((_, i) => (i === r - 1 && pr.channels === 'secondHalf' ? half : 0));
      const size = shape.map((_, i) =>
        i === r - 1 ? (pr.channels === 'firstHalf' ? half : pr.channels === 'secondHalf' ? c - half : c) : -1,
      );
      const xs = pr.channels === 'all' ? x! : ops.slice(x!, begin, size);
      return ops.mean(xs, [r - 1], true);
    },
  },
  examples: [
    { inputs: { x: { shape: [2, 4, 4, 3] } } },
    { inputs: { x: { shape: [2, 3, 3, 5] } }, params: { channels: 'secondHalf' } },
  ],
});
