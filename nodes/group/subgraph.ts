import { compositeKernel, isCompositeConfig } from '../../src/core/composite.ts';
import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { tensor } from '../../src/core/tensor-type.ts';

export default defineNode({
  type: 'group.subgraph',
  version: 1,
  kind: 'group',
  title: 'Group',
  docs: {
    summary:
      'A group of nodes shown as one node. Open it to edit the graph inside; its Group input / Group output nodes are its ports. Select nodes and press Ctrl+G to make one. A group made only of kernel nodes (primitives, expression activations, …) compiles to one layer and exports as one class.',
    formula: 'y = inner graph(x)  (the inner nodes, wired as drawn)',
  },
  params: {},
  // In the editor the ports come from the inner graph (src/core/groups.ts) and analysis resolves
  // them; as one compiled layer, the IR config lists them.
  inputs: (params) =>
    Object.fromEntries(
      ((params as { ports?: string[] }).ports ?? []).map((name) => [name, { doc: 'Group input' }]),
    ),
  outputs: { y: { doc: 'Group output' } },
  infer: ({ params }) => {
    const p = params as Record<string, unknown>;
    if (isCompositeConfig(p)) return { y: tensor(p.outputShape as (number | null)[]) };
    return reject('group/outside-analysis', 'a group is analysed by the engine, not on its own.');
  },
  kernel: compositeKernel,
});
