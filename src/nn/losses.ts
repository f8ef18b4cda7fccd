// Losses, mean over every element (PyTorch reduction='mean', Keras' default on 2-D targets):
//   mse   = mean (p - y)^2                    d/dp = 2 (p - y) / n
//   mae   = mean |p - y|                      d/dp = sign(p - y) / n
//   huber = mean (|d| <= delta ? d^2/2 : delta (|d| - delta/2)), d = p - y;  d/dp = clip(d, -delta, delta) / n
import { expected, ValueError } from '../errors.js';

export type LossName = 'mse' | 'mae' | 'huber';
export const LOSSES: readonly LossName[] = ['mse', 'mae', 'huber'];
const ALIASES: Record<string, LossName> = {
  mean_squared_error: 'mse',
  mean_absolute_error: 'mae',
  huber_loss: 'huber',
};

export interface LossConfig {
  className: LossName;
  config?: { delta?: number };
}
export type LossLike = LossName | LossConfig;

export interface Loss {
  readonly config: LossConfig;
  /**
   * Loss over `rows` rows of `cols` predictions (row r at pred[poff + r*ld]) against a contiguous target;
   * writes dL/dpred (contiguous, for the mean over all elements) into grad when given. Returns the mean.
   */
  compute(
    pred: Float32Array,
    poff: number,
    ld: number,
    target: Float32Array,
    rows: number,
    cols: number,
    grad?: Float32Array,
  ): number;
}

export function getLoss(like: LossLike, key = 'loss'): Loss {
  const cfg: LossConfig = typeof like === 'string' ? { className: (ALIASES[like] ?? like) as LossName } : like;
  if (!LOSSES.includes(cfg.className))
    throw new ValueError(expected(key, `one of ${LOSSES.join(', ')}`, cfg.className));
  const delta = cfg.config?.delta ?? 1;
  if (!(delta > 0)) throw new ValueError(expected(`${key}.delta`, 'a positive number', delta));
  const kind = cfg.className;
  return {
    config: cfg,
    compute(pred, poff, ld, target, rows, cols, grad) {
      const n = rows * cols;
      let sum = 0;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          const d = pred[poff + r * ld + c]! - target[i]!;
          const a = Math.abs(d);
          if (kind === 'mse') {
            sum += d * d;
            if (grad) grad[i] = (2 * d) / n;
          } else if (kind === 'mae') {
            sum += a;
            if (grad) grad[i] = Math.sign(d) / n;
          } else {
            sum += a <= delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
            if (grad) grad[i] = Math.max(-delta, Math.min(delta, d)) / n;
          }
        }
      }
      return sum / n;
    },
  };
}
