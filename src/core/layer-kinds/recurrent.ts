// What the gated recurrent layers (LSTM with 4 gates, GRU with 3) share: the output shape, the
// Keras parameter count and the FLOPs estimate. Each node file keeps its own docs and params.
import { requireKnown, requireRank } from '../shape-math.ts';
import { type TensorType, tensor } from '../tensor-type.ts';

interface RecurrentParams {
  readonly units: number;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
}

/** [B, T, F] → [B, units], or [B, T, units] with returnSequences. */
export function recurrentOutput(title: string, x: TensorType, params: RecurrentParams) {
  requireRank(x, 3, title, '[B, steps, features]');
  requireKnown(x.shape[2]!, 'number of input features (last axis)', title);
  return { y: tensor(params.returnSequences ? [null, x.shape[1]!, params.units] : [null, params.units]) };
}

/** gates · (F·u + u·u + u): each gate has input, recurrent and bias weights (Keras's count). */
export function recurrentParamCount(gates: number, x: TensorType, params: RecurrentParams): number {
  const f = x.shape[2] as number;
  const u = params.units;
  return gates * (f * u + u * u + (params.useBias ? u : 0));
}

/** The gates' weights applied at every time step, plus a few elementwise ops per unit and step. */
export function recurrentFlops(gates: number, opsPerUnit: number, x: TensorType, params: RecurrentParams) {
  const [t, f] = [(x.shape[1] ?? 1) as number, x.shape[2] as number];
  const u = params.units;
  return t * (2 * gates * (f * u + u * u) + opsPerUnit * u);
}
