// Bad input where data meets the graph (issue 11): a head port fed a dataset field of the wrong
// shape, multi-hot heads wired to class labels, and training-only inputs that the model's
// predictions depend on. Each problem is reported on the node, naming the field and the fix.
import { type Diagnostic, errorDiagnostic as error } from '../diagnostics.ts';
import { fieldName } from '../ir.ts';
import type { DataBinding } from '../node-def.ts';
import { formatShape } from '../tensor-type.ts';
import type { NodeAnalysis } from './analyse.ts';

type Nodes = ReadonlyMap<string, NodeAnalysis>;

/** The Input node feeding `port` of `n` directly (with its Source), if any. */
function dataInputOn(
  nodes: Nodes,
  n: NodeAnalysis,
  port: string,
): { input: NodeAnalysis; source: string } | undefined {
  const src = n.sources[port];
  if (!src || src === 'labels') return undefined;
  const input = nodes.get(src.node);
  if (input?.def?.kind !== 'input') return undefined;
  const source = typeof input.params.source === 'string' ? input.params.source : 'features';
  return { input, source };
}

/** How a message names a Source: "field 'mask'", "the class labels". */
function describeSource(source: string, data: DataBinding | undefined): string {
  const field = fieldName(source);
  if (field !== undefined) return `field '${field}'${data ? ` of dataset '${data.name}'` : ''}`;
  if (source === 'labels') return data?.labels.kind === 'class' ? 'the class labels' : 'the labels';
  return 'the features';
}

/**
 * Shape problems of loss/metric nodes whose port reads a dataset field or the labels through an
 * Input: the message gains what feeds the port and what to change.
 */
export function explainDataPorts(
  nodes: Nodes,
  data: DataBinding | undefined,
  diagnostics: Diagnostic[],
): void {
  for (let i = 0; i < diagnostics.length; i++) {
    const d = diagnostics[i]!;
    if (!d.code.startsWith('shape/') || !d.nodeId) continue;
    const n = nodes.get(d.nodeId);
    const head = n?.def?.loss ?? n?.def?.metric;
    if (!n || !head) continue;
    // A pred/target mismatch is reported on pred; the data usually arrives on the other ports.
    const ports = [...new Set([d.port ?? 'pred', ...(d.port === 'pred' || !d.port ? ['target'] : [])])];
    const notes: string[] = [];
    for (const port of ports) {
      const fed = dataInputOn(nodes, n, port);
      if (!fed || fed.source === 'features') continue;
      const shape = formatShape(n.inputs[port]?.shape ?? fed.input.outputs.y?.shape ?? []);
      const what = describeSource(fed.source, data);
      if (
        fed.source === 'labels' &&
        data?.labels.kind === 'class' &&
        port === 'target' &&
        head.target === 'onehot'
      )
        notes.push(
          `Its target is Input '${fed.input.id}', ${what} (one class index per row, ${shape}), but ${n.def!.title} compares multi-hot targets of the prediction's shape. Disconnect the target so the dataset labels arrive one-hot, use a class-index loss (Sparse categorical cross-entropy), or use a dataset with multi-label labels.`,
        );
      else
        notes.push(
          `Port '${port}' reads ${what} (${shape}) through Input '${fed.input.id}': feed this port a field of the shape it expects, or change the wiring.`,
        );
    }
    if (notes.length) diagnostics[i] = { ...d, message: `${d.message} ${notes.join(' ')}` };
  }
}

/**
 * A training-only Input has no data at inference, so nothing that evaluation or predict reads (a
 * metric's prediction, an Output node) may depend on it. Reported on the Input node.
 */
export function checkTrainingOnly(nodes: Nodes, data: DataBinding | undefined, out: Diagnostic[]): void {
  const trainingOnly = [...nodes.values()].filter(
    (n) => n.def?.kind === 'input' && n.params.trainingOnly === true,
  );
  if (!trainingOnly.length) return;
  // What inference reads: every metric's prediction and every Output node.
  const read: { node: string; by: string }[] = [];
  for (const n of nodes.values()) {
    if (n.def?.kind === 'metric') {
      const src = n.sources.pred;
      if (src && src !== 'labels') read.push({ node: src.node, by: `metric '${n.id}'` });
    } else if (n.def?.type === 'io.output') read.push({ node: n.id, by: `Output '${n.id}'` });
  }
  const ancestorsMemo = new Map<string, ReadonlySet<string>>();
  const ancestors = (id: string): ReadonlySet<string> => {
    const known = ancestorsMemo.get(id);
    if (known) return known;
    const seen = new Set<string>([id]);
    const stack = [id];
    while (stack.length) {
      const cur = nodes.get(stack.pop()!);
      // A port marked trainingOnly (NoProp's latent reads the labels only while training) does not
      // carry the dependency to inference.
      for (const [port, src] of Object.entries(cur?.sources ?? {}))
        if (src && src !== 'labels' && !cur?.inputPorts[port]?.trainingOnly && !seen.has(src.node)) {
          seen.add(src.node);
          stack.push(src.node);
        }
    }
    ancestorsMemo.set(id, seen);
    return seen;
  };
  for (const input of trainingOnly) {
    const hit = read.find((r) => ancestors(r.node).has(input.id));
    if (!hit) continue;
    const source = typeof input.params.source === 'string' ? input.params.source : 'features';
    out.push(
      error(
        'data/training-only-at-inference',
        `Input '${input.id}' is training-only (it reads ${describeSource(source, data)}), but ${hit.by} reads '${hit.node}', which depends on it: evaluation and predict have no such data. Feed '${input.id}' only into losses (or layers that feed only losses), or untick trainingOnly if the data also exists at inference.`,
        { nodeId: input.id, field: 'trainingOnly' },
      ),
    );
  }
}
