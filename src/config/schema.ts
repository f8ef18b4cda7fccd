// The config file (../shared/CONFIG.md): one YAML document with data:, model:, train:, evaluate:
// and tune: sections, snake_case keys as in Keras' Python API. Validated with zod; every error is
// reported as `key.path: expected X, received Y`.
import { z } from 'zod';

const e = (what: string) => ({ error: what });
const posInt = (what = 'a positive integer') => z.number(e(what)).int(e(what)).positive(e(what));
const nonNegInt = (what = 'a non-negative integer') => z.number(e(what)).int(e(what)).nonnegative(e(what));
const rate = z.number(e('a number in [0, 1)')).min(0, e('a number in [0, 1)')).lt(1, e('a number in [0, 1)'));
const posNum = (what = 'a positive number') => z.number(e(what)).positive(e(what)).finite(e(what));
const str = (what = 'a string') => z.string(e(what)).min(1, e(what));
const strList = (what = 'a list of column names') => z.array(str('a column name'), e(what));

const ACT = ['linear', 'sigmoid', 'hard_sigmoid', 'tanh', 'relu', 'softsign', 'elu'] as const;
const INIT = [
  'zeros',
  'ones',
  'constant',
  'random_uniform',
  'random_normal',
  'truncated_normal',
  'glorot_uniform',
  'glorot_normal',
  'he_uniform',
  'he_normal',
  'lecun_normal',
  'orthogonal',
  'randomUniform',
  'randomNormal',
  'truncatedNormal',
  'glorotUniform',
  'glorotNormal',
  'heUniform',
  'heNormal',
  'lecunNormal',
] as const;
const activation = z.enum(ACT, e(`one of ${ACT.join(', ')}`));
const initializer = z.enum(INIT, e('an initializer name (glorot_uniform, orthogonal, he_normal, ...)'));
const regularizer = z.union(
  [
    z.strictObject({ l1: z.number(e('a non-negative number')).nonnegative(e('a non-negative number')) }),
    z.strictObject({ l2: z.number(e('a non-negative number')).nonnegative(e('a non-negative number')) }),
    z.strictObject({
      l1l2: z.strictObject({ l1: z.number().nonnegative().optional(), l2: z.number().nonnegative().optional() }),
    }),
  ],
  e('{l1: x}, {l2: x} or {l1l2: {l1: x, l2: y}}'),
);

const recurrent = z.strictObject(
  {
    units: posInt(),
    activation: activation.optional(),
    recurrent_activation: activation.optional(),
    use_bias: z.boolean(e('true or false')).optional(),
    return_sequences: z.boolean(e('true or false')).optional(),
    go_backwards: z.boolean(e('true or false')).optional(),
    kernel_initializer: initializer.optional(),
    recurrent_initializer: initializer.optional(),
    bias_initializer: initializer.optional(),
    unit_forget_bias: z.boolean(e('true or false')).optional(),
    dropout: rate.optional(),
    recurrent_dropout: rate.optional(),
    kernel_regularizer: regularizer.optional(),
    recurrent_regularizer: regularizer.optional(),
    bias_regularizer: regularizer.optional(),
    activity_regularizer: regularizer.optional(),
  },
  e('an options object such as {units: 64}'),
);
const denseOpts = z.strictObject(
  {
    units: posInt(),
    activation: activation.optional(),
    use_bias: z.boolean(e('true or false')).optional(),
    kernel_initializer: initializer.optional(),
    bias_initializer: initializer.optional(),
    kernel_regularizer: regularizer.optional(),
    bias_regularizer: regularizer.optional(),
    activity_regularizer: regularizer.optional(),
  },
  e('an options object such as {units: 1}'),
);
const padding = z.enum(['valid', 'same', 'causal'], e('valid, same or causal'));

/** Layer name (YAML key) -> its options schema. */
export const LAYER_SCHEMAS = {
  gru: recurrent,
  lstm: recurrent,
  simple_rnn: recurrent,
  dense: denseOpts,
  dropout: z.strictObject({ rate }, e('{rate: x}')),
  bidirectional: z.record(z.string(), z.unknown(), e('{gru: {...}}, {lstm: {...}} or {simple_rnn: {...}}')),
  time_distributed: z.strictObject({ dense: denseOpts }, e('{dense: {...}}')),
  conv1d: z.strictObject(
    {
      filters: posInt(),
      kernel_size: posInt(),
      strides: posInt().optional(),
      padding: padding.optional(),
      dilation_rate: posInt().optional(),
      activation: activation.optional(),
      use_bias: z.boolean().optional(),
      kernel_regularizer: regularizer.optional(),
    },
    e('{filters: n, kernel_size: k}'),
  ),
  max_pooling1d: z.strictObject(
    {
      pool_size: posInt().optional(),
      strides: posInt().optional(),
      padding: z.enum(['valid', 'same'], e('valid or same')).optional(),
    },
    e('an options object'),
  ),
  average_pooling1d: z.strictObject(
    {
      pool_size: posInt().optional(),
      strides: posInt().optional(),
      padding: z.enum(['valid', 'same'], e('valid or same')).optional(),
    },
    e('an options object'),
  ),
  flatten: z.strictObject({}, e('{}')),
  repeat_vector: z.strictObject({ n: posInt() }, e('{n: steps}')),
  batch_normalization: z.strictObject(
    {
      momentum: rate.optional(),
      epsilon: posNum().optional(),
      center: z.boolean().optional(),
      scale: z.boolean().optional(),
    },
    e('an options object'),
  ),
  layer_normalization: z.strictObject(
    { epsilon: posNum().optional(), center: z.boolean().optional(), scale: z.boolean().optional() },
    e('an options object'),
  ),
} as const;
export type LayerKey = keyof typeof LAYER_SCHEMAS;
export const LAYER_KEYS = Object.keys(LAYER_SCHEMAS) as LayerKey[];

const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
const optimizerOpts = z.strictObject(
  {
    learning_rate: posNum().optional(),
    momentum: z.number(e('a number >= 0')).nonnegative(e('a number >= 0')).optional(),
    nesterov: z.boolean().optional(),
    dampening: z.number().min(0).max(1).optional(),
    beta_1: rate.optional(),
    beta_2: rate.optional(),
    epsilon: posNum().optional(),
    weight_decay: z.number(e('a number >= 0')).nonnegative(e('a number >= 0')).optional(),
    rho: rate.optional(),
    centered: z.boolean().optional(),
    lr_decay: z.number().nonnegative().optional(),
    initial_accumulator_value: z.number().nonnegative().optional(),
  },
  e('an options object such as {learning_rate: 0.001}'),
);

const splitPart = z.union(
  [
    z.number(e('a fraction in (0, 1)')).gt(0, e('a fraction in (0, 1)')).lt(1, e('a fraction in (0, 1)')),
    z.tuple([nonNegInt(), posInt()], e('[start, end) rows')),
  ],
  e('a fraction or a [start, end) row range'),
);
const missing = z.union(
  [
    z.enum(['error', 'drop', 'ffill', 'interpolate'], e('error, drop, ffill, interpolate or {constant: x}')),
    z.strictObject({ constant: z.number(e('a number')) }),
  ],
  e('error, drop, ffill, interpolate or {constant: x}'),
);
const baseline = z.union(
  [
    z.enum(['persistence', 'mean'], e('persistence, mean or {seasonal_naive: {season: n}}')),
    z.strictObject({ seasonal_naive: z.strictObject({ season: posInt() }) }),
  ],
  e('persistence, mean or {seasonal_naive: {season: n}}'),
);

const callback = z.union(
  [
    z.strictObject({
      early_stopping: z.strictObject({
        monitor: z.string().optional(),
        patience: nonNegInt().optional(),
        min_delta: z.number().nonnegative().optional(),
        mode: z.enum(['min', 'max', 'auto']).optional(),
        restore_best_weights: z.boolean().optional(),
        start_from_epoch: nonNegInt().optional(),
      }),
    }),
    z.strictObject({
      reduce_lr_on_plateau: z.strictObject({
        monitor: z.string().optional(),
        factor: z.number().gt(0).lt(1).optional(),
        patience: nonNegInt().optional(),
        min_delta: z.number().nonnegative().optional(),
        cooldown: nonNegInt().optional(),
        min_lr: z.number().nonnegative().optional(),
      }),
    }),
    z.strictObject({ terminate_on_nan: z.union([z.strictObject({}), z.null()]) }),
  ],
  e('{early_stopping: {...}}, {reduce_lr_on_plateau: {...}} or {terminate_on_nan: {}}'),
);

export const configSchema = z.strictObject(
  {
    name: str('a name').optional(),
    seed: nonNegInt().optional(),
    data: z.strictObject(
      {
        csv: str('a path to a CSV file'),
        time: z.union([str('a column name'), strList()], e('a column name or a list of them')).optional(),
        drop: strList().optional(),
        skip_rows: nonNegInt().optional(),
        missing: missing.optional(),
        categorical: z
          .record(z.string(), z.enum(['label', 'onehot'], e('label or onehot')), e('{column: label | onehot}'))
          .optional(),
        features: strList().optional(),
        target: z.union(
          [str('a column name'), z.array(str('a column name')).min(1)],
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
          .optional(),
        scale: z.enum(['minmax', 'standard', 'robust', 'none'], e('minmax, standard, robust or none')).optional(),
        relative: z.boolean(e('true or false')).optional(),
      },
      e('the data: section (csv, target, lookback, ...)'),
    ),
    model: z.strictObject(
      {
        layers: z
          .array(z.record(z.string(), z.unknown()), e('a list of layers such as - gru: {units: 64}'))
          .min(1, e('at least one layer')),
      },
      e('the model: section with layers:'),
    ),
    train: z
      .strictObject(
        {
          loss: z
            .union(
              [
                z.enum(['mse', 'mae', 'huber', 'mean_squared_error', 'mean_absolute_error'], e('mse, mae or huber')),
                z.strictObject({ huber: z.strictObject({ delta: posNum() }) }),
              ],
              e('mse, mae, huber or {huber: {delta: x}}'),
            )
            .optional(),
          optimizer: z
            .union(
              [z.enum(OPTIMIZERS, e(`one of ${OPTIMIZERS.join(', ')}`)), z.record(z.string(), z.unknown())],
              e(`one of ${OPTIMIZERS.join(', ')} or {adam: {learning_rate: x}}`),
            )
            .optional(),
          clipnorm: posNum().optional(),
          clipvalue: posNum().optional(),
          epochs: posInt().optional(),
          batch_size: posInt().optional(),
          shuffle: z.boolean(e('true or false')).optional(),
          metrics: z
            .array(
              z.enum(
                ['mae', 'rmse', 'mape', 'smape', 'mse', 'acc', 'accuracy'],
                e('mae, rmse, mape, smape, mse or acc'),
              ),
              e('a list of metric names'),
            )
            .optional(),
          schedule: z
            .union([z.string(), z.record(z.string(), z.unknown())], e('a schedule such as {cosine: {t_max: 100}}'))
            .optional(),
          callbacks: z.array(callback, e('a list of callbacks')).optional(),
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
export { OPTIMIZERS as OPTIMIZER_NAMES };
export const OPTIMIZER_SCHEMA = optimizerOpts;
