// The config file (docs/config.md, made from this schema by npm run docs:config): one YAML document with data:,
// model:, train:, evaluate: and tune: sections, snake_case keys as in Keras' Python API. Validated with zod;
// every error is reported as `key.path: expected X, received Y`. What names a component (a layer, an optimizer, a loss,
// a metric, a schedule, a callback) and its options come from that kind's registry.
import { z } from 'zod';
import { type LossLike, layerRegistry, lossRegistry } from '../nn/index.js';
import { type OptimizerName, optimizerRegistry, scheduleOption } from '../optim/index.js';
import {
  didYouMean,
  e,
  type NamedForm,
  type NamedOf,
  nearestName,
  nonNegInt,
  posInt,
  posNum,
  str,
} from '../registry.js';
import { callbackRegistry, MAX_THREADS, type MetricLike, metricRegistry, NAN_POLICIES } from '../train/index.js';

/** `name` names the run folder (runs/<name>) and the study: one folder name, never a path out of runs/. */
/** What a seed must be: the random generators keep 32 bits of it. */
const SEED = 'an integer from 0 to 4294967295';
const NAME = 'a name without / or \\ (it names the run folder and the study)';
/**
 * A list of column names, each named once: `features: [load, load]` fed the model one column twice and
 * `target: [load, load]` forecast it twice, without a word. The second mention is the error.
 */
const strList = (what = 'a list of column names') =>
  z.array(str('a column name'), e(what)).superRefine((names, ctx) => {
    names.forEach((name, i) => {
      const first = names.indexOf(name);
      if (first < i)
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: 'a column named once',
          params: { sentence: `${JSON.stringify(name)} is already named at [${first}]; name each column once` },
        });
    });
  });

const THREADS = `an integer from 1 to ${MAX_THREADS}`;

/** The config-file names of the layers, in the registry's order. */
export const LAYER_KEYS: readonly string[] = layerRegistry.names;

const splitPart = z.union(
  [
    z.number(e('a fraction in (0, 1)')).gt(0, e('a fraction in (0, 1)')).lt(1, e('a fraction in (0, 1)')),
    z.tuple([nonNegInt(), posInt()], e('[start, end) rows')),
  ],
  e('a fraction or a [start, end) row range'),
);
/**
 * What data.split's parts must say together, checked with the config: fractions that add up to 1, or ranges whose
 * start is before their end, never a mix. These were refused after the CSV was read, in its name (`pollution.csv:
 * data.split: fractions must add up to 1`), though the file is not at fault and need not be read.
 */
function splitRefine(
  split: Record<'train' | 'val' | 'test', number | [number, number]>,
  ctx: z.RefinementCtx<Record<'train' | 'val' | 'test', number | [number, number]>>,
): void {
  const fail = (sentence: string, path: PropertyKey[] = []) =>
    ctx.addIssue({ code: 'custom', message: sentence, path, params: { sentence } });
  const parts = [split.train, split.val, split.test];
  if (parts.every((f) => typeof f === 'number')) {
    const sum = parts.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > 1e-9)
      fail(`fractions must add up to 1, received ${parts.join(' + ')} = ${Number(sum.toPrecision(12))}`);
  } else if (parts.every((f) => Array.isArray(f))) {
    for (const k of ['train', 'val', 'test'] as const) {
      const [a, b] = split[k] as [number, number];
      if (!(a < b)) fail(`expected [start, end) with start < end, received [${a}, ${b}]`, [k]);
    }
  } else fail('give train, val and test all as fractions or all as [start, end) row ranges');
}

/**
 * data.target names no time column: `time: Month, target: Month` was refused after the CSV was read, as 'row 1, column
 * "Month": expected a number, found "1949-01"', without a word of data.time.
 */
function targetRefine(
  data: { time?: string | string[]; target: string | string[] },
  ctx: z.RefinementCtx<{ time?: string | string[]; target: string | string[] }>,
): void {
  const times = data.time === undefined ? [] : ([] as string[]).concat(data.time);
  const targets = ([] as string[]).concat(data.target);
  targets.forEach((t, i) => {
    if (!times.includes(t)) return;
    const sentence = `${JSON.stringify(t)} is data.time, the time column; expected a column of values to forecast`;
    ctx.addIssue({
      code: 'custom',
      message: sentence,
      path: Array.isArray(data.target) ? ['target', i] : ['target'],
      params: { sentence },
    });
  });
}

/** A decimal comma needs another separator between fields (a semicolon or a tab): "20,7,3" cannot be read. */
function decimalRefine(
  data: { separator?: string; decimal?: string },
  ctx: z.RefinementCtx<{ separator?: string; decimal?: string }>,
): void {
  if (data.decimal !== ',' || data.separator === ';' || data.separator === '\t') return;
  const sentence = 'a decimal comma needs another separator between fields: data.separator: ";" or "\\t"';
  ctx.addIssue({ code: 'custom', message: sentence, path: ['decimal'], params: { sentence } });
}

const missing = z.union(
  [
    z.enum(['error', 'drop', 'ffill', 'interpolate'], e('error, drop, ffill, interpolate or {constant: x}')),
    z.strictObject({ constant: z.number(e('a number')) }),
  ],
  e('error, drop, ffill, interpolate or {constant: x}'),
);
const baselineWhat = 'persistence, mean, linear, {seasonal_naive: {season: n}} or {linear: {lookback: n}}';
const baseline = z.union(
  [
    z.enum(['persistence', 'mean', 'linear'], e(baselineWhat)),
    z.strictObject({ seasonal_naive: z.strictObject({ season: posInt() }) }),
    z.strictObject({ linear: z.strictObject({ lookback: posInt().optional() }, e('{lookback: n}')) }),
  ],
  e(baselineWhat),
);

export const configSchema = z.strictObject(
  {
    name: str('a name as text, such as my-forecast')
      .regex(/^(?!\.\.?$)[^/\\\0]+$/, e(NAME))
      .optional(),
    // a seed of 32 bits (the generators keep 32: 4294967303 trained as 7; a study's draws of one above 2^32 were alike)
    seed: nonNegInt(SEED)
      .max(2 ** 32 - 1, e(SEED))
      .optional(),
    data: z
      .strictObject(
        {
          csv: str('a path to a CSV file'),
          separator: z.enum([',', ';', '\t'], e('",", ";" or "\\t" (a tab, in double quotes)')).optional(),
          decimal: z.enum(['.', ','], e('"." or ","')).optional(),
          time: z
            .union(
              [str('a column name'), strList().min(1, e('a column name or a non-empty list of them'))],
              e('a column name or a list of them'),
            )
            .optional(),
          drop: strList().optional(),
          skip_rows: nonNegInt().optional(),
          missing: missing.optional(),
          categorical: z
            .record(z.string(), z.enum(['label', 'onehot'], e('label or onehot')), e('{column: label | onehot}'))
            .optional(),
          features: strList().min(1, e('a non-empty list of column names')).optional(),
          target: z.union(
            [str('a column name'), strList().min(1, e('a column name or a non-empty list of them'))],
            e('a column name or a list of them'),
          ),
          lookback: posInt(),
          horizon: posInt().optional(),
          stride: posInt().optional(),
          split: z
            .strictObject(
              { train: splitPart, val: splitPart, test: splitPart },
              e('{train, val, test} as fractions or [start, end) ranges'),
            )
            .superRefine(splitRefine)
            .optional(),
          scale: z.enum(['minmax', 'standard', 'robust', 'none'], e('minmax, standard, robust or none')).optional(),
          relative: z.boolean(e('true or false')).optional(),
        },
        e('the data: section (csv, target, lookback, ...)'),
      )
      .superRefine(targetRefine)
      .superRefine(decimalRefine),
    model: z.strictObject(
      {
        layers: z
          .array(layerRegistry.schema<Record<string, unknown>>(), e('a list of layers such as - gru: {units: 64}'))
          .min(1, e('at least one layer')),
        linear_skip: z.union([z.boolean(), z.literal('ridge')], e('true, false or ridge')).optional(),
      },
      e('the model: section with layers:'),
    ),
    train: z
      .strictObject(
        {
          loss: lossRegistry.schema<LossLike>('either').optional(),
          optimizer: optimizerRegistry
            .schema<OptimizerName | NamedOf<OptimizerName, NamedForm | null>>('either')
            .optional(),
          clipnorm: posNum().optional(),
          clipvalue: posNum().optional(),
          on_nan: z
            .enum(NAN_POLICIES as ['stop', 'skip_batch', 'continue'], e('stop, skip_batch or continue'))
            .optional(),
          epochs: posInt().optional(),
          batch_size: posInt().optional(),
          shuffle: z.boolean(e('true or false')).optional(),
          threads: posInt(THREADS).max(MAX_THREADS, e(THREADS)).optional(),
          metrics: z.array(metricRegistry.schema<MetricLike>('name'), e('a list of metric names')).optional(),
          schedule: scheduleOption().optional(),
          callbacks: z.array(callbackRegistry.schema(), e('a list of callbacks')).optional(),
          validation: z.enum(['val', 'test'], e('val or test')).optional(),
        },
        e('the train: section'),
      )
      .optional(),
    evaluate: z
      .strictObject({ baselines: z.array(baseline, e('a list of baselines')).optional() }, e('the evaluate: section'))
      .optional(),
    tune: z.record(z.string(), z.unknown(), e('the tune: section')).optional(),
  },
  e('a mapping with data:, model: and train: sections'),
);

export type RawConfig = z.infer<typeof configSchema>;

/**
 * The values each epoch of a run logs, by name: val_loss, loss, every metric of train.metrics (its canonical name:
 * mean_absolute_error -> mae) with its val_ form, and lr. Callbacks watch them and a study minimises one.
 */
export function epochKeys(cfg: Pick<RawConfig, 'train'>): string[] {
  const metrics = (cfg.train?.metrics ?? ['mae']).map((m) => metricRegistry.get(m).name);
  return [...['loss', ...metrics].flatMap((k) => [`val_${k}`, k]), 'lr'];
}

/** The metrics that are a percentage of the target (metricsIssue): meaningful only in the data's units. */
const PERCENT_METRICS = ['mape', 'smape'];

/**
 * A percentage metric of train.metrics on targets that are not in the data's units. The metrics are computed per
 * epoch inside the model on the targets it learns, as Keras computes them on the y_true given to fit: with data.scale
 * (standard by default) a target around 10 is around 0 there, and with data.relative it is the change from the last
 * observed value. mae, rmse and mse are then in the scaled units, as the loss is; a percentage of such a value is
 * no figure of the data (a series around 10 forecast within 4%, test MAE 0.40, read mape 147.1, val_mape 135.2).
 */
export function metricsIssue(cfg: Pick<RawConfig, 'train' | 'data'>): string | undefined {
  const scale = cfg.data.scale ?? 'standard',
    relative = cfg.data.relative === true;
  if (scale === 'none' && !relative) return undefined;
  const i = (cfg.train?.metrics ?? []).findIndex((m) => PERCENT_METRICS.includes(metricRegistry.get(m).name));
  if (i < 0) return undefined;
  const name = metricRegistry.get(cfg.train!.metrics![i]!).name,
    how = [scale === 'none' ? '' : `scaled by data.scale (${scale})`, relative ? 'relative (data.relative)' : '']
      .filter(Boolean)
      .join(' and ');
  return (
    `train.metrics[${i}]: ${name} is a percentage of the target as the model learns it, here ${how}, not of the ` +
    "data's values, so it measures nothing of the forecasts: use mae or rmse (in those units, as the loss is; " +
    "metrics.json scores the forecasts in the data's units), or data.scale: none without data.relative"
  );
}

/** A callback's `monitor` that no epoch logs, as `train.callbacks[i].name.monitor: ...`, or undefined. */
export function monitorIssue(cfg: Pick<RawConfig, 'train'>): string | undefined {
  const keys = epochKeys(cfg);
  for (const [i, c] of (cfg.train?.callbacks ?? []).entries()) {
    const [name, o] = Object.entries(c as Record<string, { monitor?: unknown } | null>)[0] ?? [];
    const monitor = o?.monitor;
    if (typeof monitor === 'string' && !keys.includes(monitor))
      return (
        `train.callbacks[${i}].${name}.monitor: expected a value every epoch logs (${keys.join(', ')}), ` +
        `received ${JSON.stringify(monitor)}${didYouMean(nearestName(monitor, keys))}`
      );
  }
  return undefined;
}
