// Which nodes an analysis tool may target, from the IR alone (pure: the UI ring and the Worker
// both use it, so the nodes that glow on the canvas are the ones the Worker accepts).
import type { ModelIR } from '../core/ir.ts';

/** Model nodes (not inputs) whose first output has a rank (batch axis included) in `ranks`, in model order. */
export function eligibleAnalysisNodes(ir: ModelIR, ranks: readonly number[]): string[] {
  return ir.nodes
    .filter((n) => n.op.kind !== 'input' && n.outputShape.length > 0 && ranks.includes(n.outputShape.length))
    .map((n) => n.id);
}

/** The graph's image input: the input node fed the dataset's features. */
export function featureInput(ir: ModelIR): string | undefined {
  return ir.nodes.find(
    (n) => n.op.kind === 'input' && (n.op.source === undefined || n.op.source === 'features'),
  )?.id;
}
