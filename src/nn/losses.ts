// Losses, mean over every element (PyTorch reduction='mean', Keras' default on 2-D targets), as a registry:
//   mse   = mean (p - y)^2                    d/dp = 2 (p - y) / n
//   mae   = mean |p - y|                      d/dp = sign(p - y) / n
//   huber = mean (|d| <= delta ? d^2/2 : delta (|d| - delta/2)), d = p - y;  d/dp = clip(d, -delta, delta) / n
import type { z } from 'zod';
import {
  type Bookkeeping,
  type Entry,
  type NamedOf,
  optionsObject,
  parseOptions,
  posNum,
  Registry,
  refuseUnknownOptions,
  refuseUnused,
  type SpellingOf,
  withDefault,
} from '../registry.js';

/** One element's loss and its derivative (before the 1/n of the mean), of d = p - y. */
interface Term {
  value(d: number): number;
  grad(d: number): number;
}
/** Every loss option is an optional number. */
type LossOptions = z.ZodObject<{ [k: string]: z.ZodOptional<z.ZodNumber> }, z.core.$strict>;
interface LossEntryOf<N extends string> extends Entry {
  readonly name: N;
  readonly options: LossOptions;
  readonly doc: string;
  term(options: { delta?: number }): Term;
}

const none = optionsObject({});
const entries = [
  {
    name: 'mse',
    aliases: ['mean_squared_error'],
    doc: 'mean (p - y)^2',
    options: none,
    term: () => ({ value: (d) => d * d, grad: (d) => 2 * d }),
  },
  {
    name: 'mae',
    aliases: ['mean_absolute_error'],
    doc: 'mean |p - y|',
    options: none,
    term: () => ({ value: (d) => Math.abs(d), grad: (d) => Math.sign(d) }),
  },
  {
    name: 'huber',
    aliases: ['huber_loss'],
    doc: 'delta',
    options: optionsObject({ delta: withDefault(posNum().optional(), 1) }),
    term: ({ delta = 1 }) => ({
      value: (d) => (Math.abs(d) <= delta ? 0.5 * d * d : delta * (Math.abs(d) - 0.5 * delta)),
      grad: (d) => Math.max(-delta, Math.min(delta, d)),
    }),
  },
] as const satisfies readonly LossEntryOf<string>[];

export type LossName = (typeof entries)[number]['name'];
export type LossEntry = LossEntryOf<LossName>;
export const lossRegistry = new Registry<LossEntry>(
  { kind: 'loss', title: 'losses', note: "the mean over every element, as PyTorch's reduction='mean'" },
  entries,
);
export const LOSSES: readonly LossName[] = lossRegistry.names;

export interface LossConfig {
  className: LossName;
  config?: { delta?: number };
}
/** A name (or Keras' long name), a saved `{ className, config }`, or a config file's `{ huber: { delta: 0.5 } }`. */
export type LossLike = SpellingOf<(typeof entries)[number]> | LossConfig | NamedOf<LossName, { delta?: number } | null>;

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

/**
 * What Keras writes in a loss's config besides its options: its name, and a reduction that is seqtune's mean at
 * "sum_over_batch_size" (Keras 3's default), "auto" (Keras 2's), "mean" or, without sample weights,
 * "mean_with_sample_weight"; "sum" would train on a loss the batch size times larger, and is refused.
 */
const KERAS_LOSS: Bookkeeping = {
  name: [() => true, ''],
  reduction: [
    (v) => ['sum_over_batch_size', 'auto', 'mean', 'mean_with_sample_weight'].includes(v as string),
    '"sum_over_batch_size"',
    'seqtune takes the mean over every element, as Keras\' "sum_over_batch_size" and PyTorch\'s "mean"',
  ],
  dtype: [(v) => v == null || v === 'float32', 'null or "float32"'],
};

export function getLoss(like: LossLike, key = 'loss'): Loss {
  const { entry, options } = lossRegistry.resolve(like, key);
  const known = Object.keys(entry.options.shape);
  refuseUnknownOptions(like, options, known, `${key}.${entry.name}`);
  // a saved { className, config }: a key no option reads is refused rather than trained without (huber's delta
  // misspelt, Keras' reduction "sum"), Keras' bookkeeping at its neutral values read past
  refuseUnused(like, (options ?? {}) as Record<string, unknown>, known, `${key}.${entry.name}`, KERAS_LOSS);
  const o = parseOptions(entry.options.strip(), options ?? {}, key);
  const { value, grad: slope } = entry.term(o);
  return {
    config: options === undefined ? { className: entry.name } : { className: entry.name, config: o },
    compute(pred, poff, ld, target, rows, cols, grad) {
      const n = rows * cols;
      let sum = 0;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          const d = pred[poff + r * ld + c]! - target[i]!;
          sum += value(d);
          if (grad) grad[i] = slope(d) / n;
        }
      }
      return sum / n;
    },
  };
}
