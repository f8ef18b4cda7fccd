// Regression metrics, accumulated over batches and read once per epoch (as Keras' stateful metrics), as a registry:
//   mae   = mean |y - p|
//   rmse  = sqrt(mean (y - p)^2)
//   mape  = 100 mean |y - p| / max(|y|, 1e-7)        (Keras' MeanAbsolutePercentageError)
//   smape = 200 mean |y - p| / max(|y| + |p|, 1e-7)
//   Each of the targets fit is given, as Keras' metrics of y_true: in a config's run the scaled (and with
//   data.relative, relative) targets, as the loss; mape and smape are refused there unless the targets are the data's
//   values (config metricsIssue), a percentage of a scaled value measuring nothing.
//   accuracy = mean [y == p]   (exact equality: meaningless for regression, kept because the
//              classic baseline asks for it; fit warns when it is requested)
import { type Entry, Registry, type SpellingOf } from '../registry.js';

interface MetricEntryOf<N extends string> extends Entry {
  readonly name: N;
  readonly doc: string;
  /** One element's term of the mean, from the target y, the prediction p and a = |y - p|. */
  term(y: number, p: number, a: number): number;
  /** From the mean of the terms to the metric (default: the mean itself). */
  finish?(mean: number): number;
}

const entries = [
  { name: 'mae', aliases: ['mean_absolute_error'], doc: 'mean |y - p|', term: (_y, _p, a) => a },
  {
    name: 'rmse',
    aliases: ['root_mean_squared_error'],
    doc: 'sqrt(mean (y - p)^2)',
    term: (_y, _p, a) => a * a,
    finish: Math.sqrt,
  },
  {
    name: 'mape',
    aliases: ['mean_absolute_percentage_error'],
    doc: "100 mean |y - p| / |y|; a config takes it with data.scale: none alone, the targets in the data's units",
    term: (y, _p, a) => (100 * a) / Math.max(Math.abs(y), 1e-7),
  },
  {
    name: 'smape',
    doc: '200 mean |y - p| / (|y| + |p|); as mape, with data.scale: none alone',
    term: (y, p, a) => (200 * a) / Math.max(Math.abs(y) + Math.abs(p), 1e-7),
  },
  { name: 'mse', aliases: ['mean_squared_error'], doc: 'mean (y - p)^2', term: (_y, _p, a) => a * a },
  {
    name: 'accuracy',
    aliases: ['acc'],
    doc: 'exact equality; meaningless on a regression target, fit warns',
    term: (y, p) => (y === p ? 1 : 0),
  },
] as const satisfies readonly MetricEntryOf<string>[];

export type MetricName = (typeof entries)[number]['name'];
export type MetricEntry = MetricEntryOf<MetricName>;
export const metricRegistry = new Registry<MetricEntry>({ kind: 'metric', title: 'metrics' }, entries);
export const METRICS: readonly MetricName[] = metricRegistry.names;
/** A metric's name or one of its Keras aliases (`acc`, `mean_absolute_error`, ...). */
export type MetricLike = SpellingOf<(typeof entries)[number]>;

export function metricName(name: string, key = 'metrics'): MetricName {
  return metricRegistry.get(name, key).name;
}

/** Running sums for a set of metrics. */
export class MetricState {
  private sums: Float64Array;
  private count = 0;
  private readonly entries: readonly MetricEntry[];
  constructor(readonly names: readonly MetricName[]) {
    this.sums = new Float64Array(names.length);
    this.entries = names.map((n) => metricRegistry.get(n));
  }

  reset(): void {
    this.sums.fill(0);
    this.count = 0;
  }

  private marked = { sums: new Float64Array(0), count: 0 };
  /** Remembers what has been added so far; `rewind` takes back what came after (a batch left out). */
  mark(): void {
    if (this.marked.sums.length !== this.sums.length) this.marked.sums = new Float64Array(this.sums.length);
    this.marked.sums.set(this.sums);
    this.marked.count = this.count;
  }
  rewind(): void {
    this.sums.set(this.marked.sums);
    this.count = this.marked.count;
  }

  /** Adds rows x cols predictions (row r at pred[poff + r*ld]) against a contiguous target. */
  update(pred: Float32Array, poff: number, ld: number, target: Float32Array, rows: number, cols: number): void {
    if (this.names.length === 0) return;
    for (let m = 0; m < this.entries.length; m++) {
      const term = this.entries[m]!.term;
      let s = 0;
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          const p = pred[poff + r * ld + c]!,
            y = target[r * cols + c]!;
          s += term(y, p, Math.abs(y - p));
        }
      this.sums[m]! += s;
    }
    this.count += rows * cols;
  }

  /** Current values by name. */
  result(): Record<string, number> {
    const out: Record<string, number> = {};
    this.entries.forEach((e, m) => {
      const mean = this.count ? this.sums[m]! / this.count : NaN;
      out[e.name] = e.finish ? e.finish(mean) : mean;
    });
    return out;
  }
}
