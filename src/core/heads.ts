// Shared checks for loss and metric nodes: a prediction and a target must line up.
import { reject } from './diagnostics.ts';
import { formatShape, shapesCompatible, type TensorType } from './tensor-type.ts';

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

/** Heads whose target has the prediction's shape (one-hot CE, MSE, MAE, Huber, binary CE). */
export function checkSameShape(pred: TensorType, target: TensorType): void {
  if (!shapesCompatible(pred.shape, target.shape))
    reject(
      'shape/loss-target-mismatch',
      `Prediction ${formatShape(pred.shape)} does not match the target ${formatShape(target.shape)}.`,
      { port: 'pred' },
    );
}

export const scalarOut = { loss: { doc: 'Scalar: mean over the batch.' } } as const;
