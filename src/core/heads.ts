// Shared checks for loss and metric nodes: a prediction and a target must line up.
import { reject } from './diagnostics.ts';
import { p } from './params.ts';
import { formatShape, shapesCompatible, type TensorType, tensor } from './tensor-type.ts';

/** Classification heads with class-index targets: pred [B, C], target [B] (or [B, 1]). */
export function checkIndexTarget(pred: TensorType, target: TensorType): void {
  const t = target.shape;
  const okTarget = t.length === 1 || (t.length === 2 && t[1] === 1);
  if (pred.shape.length !== 2 || !okTarget)
    reject(
      'shape/loss-target-mismatch',
      `Prediction ${formatShape(pred.shape)} does not match class-index labels ${formatShape(t)}: expected a prediction of shape B×classes.`,
      { port: 'pred' },
    );
}

/**
 * Heads with a class index per position (segmentation): pred [B, …S, C] (scores per class, or K
 * nested levels) against target [B, …S] or [B, …S, 1]. For S empty this is checkIndexTarget.
 */
export function checkPositionTarget(pred: TensorType, target: TensorType): void {
  const p = pred.shape;
  const t =
    target.shape.length === p.length && target.shape.at(-1) === 1 ? target.shape.slice(0, -1) : target.shape;
  if (p.length < 2 || !shapesCompatible(p.slice(0, -1), t))
    reject(
      'shape/loss-target-mismatch',
      `Prediction ${formatShape(p)} does not match class labels ${formatShape(target.shape)}: expected the labels' shape plus one last axis of class scores, ${formatShape(t)}×C.`,
      { port: 'pred' },
    );
}

/** Heads whose target has the prediction's shape (one-hot CE, MSE, MAE, Huber, binary CE). */
export function checkSameShape(pred: TensorType, target: TensorType): void {
  if (!shapesCompatible(pred.shape, target.shape))
    reject(
      'shape/loss-target-mismatch',
      `Prediction ${formatShape(pred.shape)} does not match the target ${formatShape(target.shape)}.`,
      { port: 'pred' },
    );
}

/** What every loss node outputs, and its weight in the total loss. */
export const scalarOut = { loss: { doc: 'Scalar: mean over the batch.' } } as const;
export const lossWeight = p.float({ default: 1, min: 0, doc: 'Weight of this term in the total loss.' });

/** Inputs of a regression loss: a prediction and a target of its shape. */
export const sameShapeInputs = {
  pred: { doc: 'Predictions, any shape [B, …].' },
  target: { doc: 'Targets, same shape as pred; the dataset labels when unconnected.', optional: true },
} as const;

/** `infer` of a loss whose target has the prediction's shape. */
export function inferSameShapeLoss({ inputs }: { inputs: Readonly<Record<string, TensorType | undefined>> }) {
  checkSameShape(inputs.pred!, inputs.target!);
  return { loss: tensor([]) };
}

/** `infer` of a loss with class-index targets. */
export function inferIndexTargetLoss({
  inputs,
}: {
  inputs: Readonly<Record<string, TensorType | undefined>>;
}) {
  checkIndexTarget(inputs.pred!, inputs.target!);
  return { loss: tensor([]) };
}
