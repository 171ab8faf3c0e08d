import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';

export default defineNode({
  type: 'group.subgraph',
  version: 1,
  kind: 'group',
  title: 'Group',
  docs: {
    summary:
      'A group of nodes shown as one node. Open it to edit the graph inside; its Group input / Group output nodes are its ports. Select nodes and press Ctrl+G to make one.',
    formula: 'y = inner graph(x)  (the inner nodes, wired as drawn)',
  },
  params: {},
  // The ports come from the inner graph (src/core/groups.ts); analysis resolves them.
  inputs: {},
  outputs: {},
  infer: () => reject('group/outside-analysis', 'a group is analysed by the engine, not on its own.'),
});
