import { reject } from '../../src/core/diagnostics.ts';
import { lastDim } from '../../src/core/kan/kan.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'peft.lowRankAdapter',
  version: 1,
  kind: 'layer',
  title: 'Low-rank adapter (LoRA)',
  docs: {
    summary:
      "LoRA's trainable update of a frozen Dense, drawn as its own node: add its output to the Dense's pre-activation (an Add node) and train only the adapter's group, so y = x·W₀ + b₀ + (α/r)·(x·A)·B with W₀, b₀ frozen. B starts at 0, so the adapted layer starts exactly at the frozen one. The baseline of parameter-efficient fine-tuning that TauGate (Ghasemlou 2026) compares against.",
    formula: 'y = (α/r)·(x·A)·B,  A ∈ R^{in×r} ~ N(0, 1/in),  B ∈ R^{r×units} = 0.  Params r·(in + units)',
    paper: {
      title: 'LoRA: Low-Rank Adaptation of Large Language Models',
      authors: 'Hu, Shen, Wallis, Allen-Zhu, Li, Wang, Wang, Chen',
      year: 2021,
      arxiv: '2106.09685',
    },
  },
  params: {
    units: p.int({ default: 32, min: 1, max: 65536, doc: 'Output features (the adapted Dense’s units).' }),
    rank: p.int({ default: 4, min: 1, max: 1024, doc: 'Rank r of the update A·B.' }),
    alpha: p.float({ default: 8, min: 0, max: 1e4, doc: 'Scale α; the update is multiplied by α/r.' }),
  },
  inputs: { x: { doc: 'The adapted Dense’s input [B, in].' } },
  outputs: { y: { doc: '[B, units]: add it to the Dense’s output.' } },
  infer({ inputs, params }) {
    const x = inputs.x!;
    lastDim(x, 'Low-rank adapter');
    if (x.shape.length !== 2)
      reject(
        'shape/rank-mismatch',
        `Low-rank adapter needs features [B, in] (rank 2), got rank ${x.shape.length}: insert a Flatten before it.`,
        { port: 'x' },
      );
    return { y: tensor([x.shape[0]!, params.units]) };
  },
  paramCount: ({ inputs, params }) => params.rank * (lastDim(inputs.x!, 'Low-rank adapter') + params.units),
  kernel: {
    weights(params, [shape]) {
      const d = shape![shape!.length - 1] as number;
      return [
        { name: 'A', shape: [d, params.rank], init: { varianceScaling: { scale: 1, mode: 'fanIn' } } },
        { name: 'B', shape: [params.rank, params.units], init: 'zeros' },
      ];
    },
    call: (ops, [x], w, params) =>
      ops.mul(ops.matMul(ops.matMul(x!, w.A!), w.B!), ops.scalar(params.alpha / params.rank)),
  },
  lower: ({ params }) => ({ kind: 'kernel', config: { ...params } }),
  examples: [{ inputs: { x: { shape: [3, 5] } }, params: { units: 4, rank: 2, alpha: 4 } }],
});
