// A training-only Input (labels fed to a layer, a mask) has no data at inference. If a model output
// depends on one through a port that reads it at inference too, prediction would need the labels:
// say so on the output, naming the input and the fix. Ports marked `trainingOnly` (NoProp's latent
// reads the labels only while training) and loss/metric nodes do not carry the dependency.
import { type Diagnostic, warningDiagnostic } from '../diagnostics.ts';
import type { NodeAnalysis } from './analyse.ts';

/** The training-only Input an output's value depends on at inference, if any. */
function trainingOnlyUpstream(
  start: NodeAnalysis,
  nodes: ReadonlyMap<string, NodeAnalysis>,
): string | undefined {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    if (n.def?.kind === 'input' && n.params.trainingOnly === true) return n.id;
    for (const [port, src] of Object.entries(n.sources)) {
      if (!src || src === 'labels' || n.inputPorts[port]?.trainingOnly) continue;
      const up = nodes.get(src.node);
      if (up) stack.push(up);
    }
  }
  return undefined;
}

export function checkTrainingOnlyInputs(nodes: ReadonlyMap<string, NodeAnalysis>, out: Diagnostic[]): void {
  for (const n of nodes.values()) {
    if (n.def?.kind !== 'output') continue;
    const input = trainingOnlyUpstream(n, nodes);
    if (input)
      out.push(
        warningDiagnostic(
          'data/training-only-at-inference',
          `Output '${n.id}' depends on the training-only Input '${input}', which has no data at inference: predictions would need it. Feed that path from data available at inference, or turn off trainingOnly on '${input}' if it is.`,
          { nodeId: n.id },
        ),
      );
  }
}
