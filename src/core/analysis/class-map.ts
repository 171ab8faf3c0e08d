// Heads fed a dataset's class-map labels (a class per pixel): the prediction must be the labels'
// shape plus one axis of class scores (or of K = classes − 1 nested levels, for level heads). The
// node's own shape check cannot name the dataset or say which layer to change; this one does.
import { type Diagnostic, errorDiagnostic as error, type Fix } from '../diagnostics.ts';
import type { DataBinding } from '../node-def.ts';
import { formatShape, shapesCompatible } from '../tensor-type.ts';
import type { NodeAnalysis } from './analyse.ts';

/** Which param of the node feeding the prediction sets its last axis. */
const WIDTH_PARAM: Readonly<Record<string, string>> = {
  'layers.conv2d': 'filters',
  'layers.conv2dTranspose': 'filters',
  'layers.dense': 'units',
  'activations.multiLevel': 'levels',
};

/** Keeps its input's last axis (a softmax, ReLU or dropout between the last conv and the head). */
const passesWidth = (type: string) =>
  (type.startsWith('activations.') && !(type in WIDTH_PARAM)) || type === 'layers.dropout';

/** The node up the prediction's chain whose param sets the last axis, if any. */
function widthSetter(nodes: ReadonlyMap<string, NodeAnalysis>, head: NodeAnalysis): NodeAnalysis | undefined {
  let src = head.sources.pred;
  for (let hops = 0; src && src !== 'labels' && hops < 16; hops++) {
    const node = nodes.get(src.node);
    const type = node?.def?.type;
    if (!node || !type || !passesWidth(type)) return node;
    src = node.sources.x;
  }
  return undefined;
}

export function checkClassMapHeads(
  nodes: ReadonlyMap<string, NodeAnalysis>,
  data: DataBinding | undefined,
  out: Diagnostic[],
): void {
  if (data?.labels.kind !== 'classMap') return;
  const { shape, numClasses } = data.labels;
  const grid = shape.join('×');
  for (const n of nodes.values()) {
    const head = n.def?.loss ?? n.def?.metric;
    const pred = n.inputs.pred?.shape;
    if (!head || n.sources.target !== 'labels' || !pred) continue;
    const levels = head.levels?.(n.params as never) ?? false;
    const want = levels ? numClasses - 1 : numClasses;
    const spatialOk = pred.length === shape.length + 2 && shapesCompatible(pred.slice(1, -1), shape);
    const last = pred.at(-1);
    if (spatialOk && (last === null || last === want)) continue;
    // Replace the node's generic prediction/target message with one naming the dataset.
    for (let i = out.length - 1; i >= 0; i--)
      if (out[i]!.nodeId === n.id && out[i]!.code === 'shape/loss-target-mismatch') out.splice(i, 1);
    const feeder = widthSetter(nodes, n);
    const field = feeder?.def ? WIDTH_PARAM[feeder.def.type] : undefined;
    const what = levels ? `${want} nested levels (one per class above 0)` : `${want} class scores`;
    let advice: string;
    let fix: Fix | undefined;
    if (!spatialOk)
      advice = `Make the model output the labels' ${grid} grid (check strides, pooling and up-sampling).`;
    else if (feeder && field) {
      advice = `Set '${field}' of '${feeder.id}' to ${want}.`;
      fix = { kind: 'set-param', nodeId: feeder.id, field, value: want };
    } else advice = `Make the prediction's last axis ${want}.`;
    out.push(
      error(
        'shape/class-map-mismatch',
        `Node '${n.id}' (${n.def!.title}): the prediction ${formatShape(pred)} does not fit the labels of dataset '${data.name}', a ${grid} class map with ${numClasses} classes: it must be B×${grid}×${want} (${what}). ${advice}`,
        { nodeId: n.id, port: 'pred', ...(fix ? { fix } : {}) },
      ),
    );
  }
}
