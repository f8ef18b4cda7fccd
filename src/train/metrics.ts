// Regression metrics, accumulated over batches and read once per epoch (as Keras' stateful metrics):
//   mae   = mean |y - p|
//   rmse  = sqrt(mean (y - p)^2)
//   mape  = 100 mean |y - p| / max(|y|, 1e-7)        (Keras' MeanAbsolutePercentageError)
//   smape = 200 mean |y - p| / max(|y| + |p|, 1e-7)
//   accuracy = mean [y == p]   (exact equality: meaningless for regression, kept because the
//              classic baseline asks for it; fit warns when it is requested)
import { expected, ValueError } from '../errors.js';

export type MetricName = 'mae' | 'rmse' | 'mape' | 'smape' | 'mse' | 'accuracy';
export const METRICS: readonly MetricName[] = ['mae', 'rmse', 'mape', 'smape', 'mse', 'accuracy'];
const ALIASES = {
  mean_absolute_error: 'mae',
  mean_squared_error: 'mse',
  root_mean_squared_error: 'rmse',
  mean_absolute_percentage_error: 'mape',
  acc: 'accuracy',
} as const satisfies Record<string, MetricName>;
/** A metric's name or one of its Keras aliases (`acc`, `mean_absolute_error`, ...). */
export type MetricLike = MetricName | keyof typeof ALIASES;

export function metricName(name: string, key = 'metrics'): MetricName {
  const n = (ALIASES as Record<string, MetricName>)[name] ?? name;
  if (!METRICS.includes(n as MetricName)) throw new ValueError(expected(key, `one of ${METRICS.join(', ')}`, name));
  return n as MetricName;
}

/** Running sums for a set of metrics. */
export class MetricState {
  private sums: Float64Array;
  private count = 0;
  constructor(readonly names: readonly MetricName[]) {
    this.sums = new Float64Array(names.length);
  }

  reset(): void {
    this.sums.fill(0);
    this.count = 0;
  }

  /** Adds rows x cols predictions (row r at pred[poff + r*ld]) against a contiguous target. */
  update(pred: Float32Array, poff: number, ld: number, target: Float32Array, rows: number, cols: number): void {
    if (this.names.length === 0) return;
    for (let m = 0; m < this.names.length; m++) {
      const name = this.names[m];
      let s = 0;
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          const p = pred[poff + r * ld + c]!,
            y = target[r * cols + c]!,
            a = Math.abs(y - p);
          switch (name) {
            case 'mae':
              s += a;
              break;
            case 'mse':
            case 'rmse':
              s += a * a;
              break;
            case 'mape':
              s += (100 * a) / Math.max(Math.abs(y), 1e-7);
              break;
            case 'smape':
              s += (200 * a) / Math.max(Math.abs(y) + Math.abs(p), 1e-7);
              break;
            case 'accuracy':
              s += y === p ? 1 : 0;
              break;
          }
        }
      this.sums[m]! += s;
    }
    this.count += rows * cols;
  }

  /** Current values by name. */
  result(): Record<string, number> {
    const out: Record<string, number> = {};
    this.names.forEach((n, m) => {
      const mean = this.count ? this.sums[m]! / this.count : NaN;
      out[n] = n === 'rmse' ? Math.sqrt(mean) : mean;
    });
    return out;
  }
}
