import { reject } from '../../src/core/diagnostics.ts';
import { defineNode } from '../../src/core/node-def.ts';
import { p } from '../../src/core/params.ts';

export default defineNode({
  type: 'group.input',
  version: 1,
  kind: 'group',
  title: 'Group input',
  docs: {
    summary:
      "An input port of the group it sits in: it passes on whatever the group's port of the same name receives outside.",
    formula: 'y = the tensor on the group port <name>',
  },
  params: {
    name: p.string({ default: 'x', maxLength: 32, doc: 'The port name shown on the group node.' }),
  },
  inputs: {},
  outputs: { y: { doc: 'The tensor fed to this port of the group.' } },
  infer: () => reject('group/port-outside', 'a Group input only works inside a group.'),
});
