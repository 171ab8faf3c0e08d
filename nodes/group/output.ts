import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';

export default defineNode({
  type: 'group.output',
  version: 1,
  kind: 'group',
  title: 'Group output',
  docs: {
    summary:
      'An output port of the group it sits in: what reaches it leaves the group through the port of the same name.',
    formula: 'group port <name> = x',
  },
  params: {
    name: p.string({ default: 'y', maxLength: 32, doc: 'The port name shown on the group node.' }),
  },
  inputs: { x: { doc: 'The tensor this port of the group outputs.' } },
  outputs: {},
  infer: () => reject('group/port-outside', 'a Group output only works inside a group.'),
});
