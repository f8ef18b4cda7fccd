// From a validated config to the objects that do the work: the data spec, the layers, the compile
// and fit options, and the resolved config (every default filled in) that a run folder records.
import { resolve } from 'node:path';
import type { BaselineSpec, DataConfig } from '../data/index.js';
import {
  averagePooling1d,
  batchNormalization,
  bidirectional,
  conv1d,
  dense,
  dropout,
  flatten,
  gru,
  type Layer,
  type LossLike,
  layerNormalization,
  lstm,
  maxPooling1d,
  type Recurrent,
  repeatVector,
  simpleRNN,
  timeDistributed,
} from '../nn/index.js';
import type { OptimizerLike, ScheduleLike } from '../optim/index.js';
import {
  type Callback,
  type CompileOptions,
  EarlyStopping,
  type MetricName,
  type Model,
  ReduceLROnPlateau,
  sequential,
  TerminateOnNaN,
} from '../train/index.js';
import { ConfigError, pathString } from './load.js';
import type { RawConfig } from './schema.js';

export const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
export function camelKeys(o: unknown): Record<string, unknown> {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return {};
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));
}

export const TRAIN_DEFAULTS = {
  loss: 'mse',
  optimizer: { adam: { learning_rate: 0.001 } },
  epochs: 50,
  batch_size: 32,
  shuffle: true,
  metrics: ['mae'],
  validation: 'val',
} as const;

/** The config with every default filled in (what `config.yaml` of a run records). */
export function resolveConfig(raw: RawConfig, name: string): RawConfig {
  const t = raw.train ?? {};
  const opt = typeof t.optimizer === 'string' ? { [t.optimizer]: {} } : (t.optimizer ?? TRAIN_DEFAULTS.optimizer);
  return {
    name,
    seed: raw.seed ?? 42,
    data: {
      horizon: 1,
      stride: 1,
      skip_rows: 0,
      missing: 'error',
      scale: 'standard',
      relative: false,
      split: { train: 0.7, val: 0.15, test: 0.15 },
      ...raw.data,
    },
    model: raw.model,
    train: {
      ...TRAIN_DEFAULTS,
      ...t,
      optimizer: opt,
      metrics: t.metrics ?? [...TRAIN_DEFAULTS.metrics],
    } as RawConfig['train'],
    evaluate: { baselines: raw.evaluate?.baselines ?? ['persistence', 'mean'] },
    ...(raw.tune ? { tune: raw.tune } : {}),
  };
}

export function dataSpec(cfg: RawConfig, dir: string): { spec: DataConfig; csvPath: string } {
  return { spec: cfg.data as DataConfig, csvPath: resolve(dir, cfg.data.csv) };
}

function recurrentOf(kind: string, opts: Record<string, unknown>): Recurrent {
  const o = camelKeys(opts) as never;
  return kind === 'gru' ? gru(o) : kind === 'lstm' ? lstm(o) : simpleRNN(o);
}

/** Layers from `model.layers`; the first gets the input shape [lookback, features]. */
export function buildLayers(file: string, cfg: RawConfig, inputShape: [number, number]): Layer[] {
  return cfg.model.layers.map((entry, i) => {
    const [kind, rawOpts] = Object.entries(entry)[0]!;
    const opts = (rawOpts ?? {}) as Record<string, unknown>;
    const shape = i === 0 ? { inputShape } : {};
    try {
      switch (kind) {
        case 'gru':
        case 'lstm':
        case 'simple_rnn':
          return recurrentOf(kind, { ...opts, ...(i === 0 ? { input_shape: inputShape } : {}) });
        case 'dense':
          return dense({ ...camelKeys(opts), ...shape } as never);
        case 'dropout':
          return dropout(camelKeys(opts) as never);
        case 'bidirectional': {
          const [k, o] = Object.entries(opts)[0]!;
          return bidirectional(recurrentOf(k, { ...(o as object), ...(i === 0 ? { input_shape: inputShape } : {}) }));
        }
        case 'time_distributed':
          return timeDistributed(dense(camelKeys((opts as { dense: object }).dense) as never));
        case 'conv1d':
          return conv1d({ ...camelKeys(opts), ...shape } as never);
        case 'max_pooling1d':
          return maxPooling1d(camelKeys(opts) as never);
        case 'average_pooling1d':
          return averagePooling1d(camelKeys(opts) as never);
        case 'flatten':
          return flatten();
        case 'repeat_vector':
          return repeatVector((opts as { n: number }).n);
        case 'batch_normalization':
          return batchNormalization(camelKeys(opts) as never);
        case 'layer_normalization':
          return layerNormalization(camelKeys(opts) as never);
        default:
          throw new ConfigError(`unknown layer "${kind}"`);
      }
    } catch (e) {
      throw new ConfigError(`${file}: ${pathString(['model', 'layers', i, kind])}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  });
}

/** The config's model over windows of `features` columns, compiled with its optimizer and loss. */
export function compiledModel(file: string, cfg: RawConfig, features: number, seed = cfg.seed ?? 42): Model {
  const m = sequential(buildLayers(file, cfg, [cfg.data.lookback, features]), { seed });
  m.compile(compileOptions(cfg));
  return m;
}

export function compileOptions(cfg: RawConfig): CompileOptions {
  const t = cfg.train ?? {};
  const optEntry =
    typeof t.optimizer === 'string' ? [t.optimizer, {}] : Object.entries(t.optimizer ?? TRAIN_DEFAULTS.optimizer)[0]!;
  const optimizer: OptimizerLike = {
    className: optEntry[0] as never,
    config: (optEntry[1] ?? {}) as Record<string, number>,
  };
  const l = t.loss ?? 'mse';
  const loss: LossLike =
    typeof l === 'string' ? (l as never) : { className: 'huber', config: { delta: l.huber.delta } };
  return {
    optimizer,
    loss,
    metrics: (t.metrics ?? [...TRAIN_DEFAULTS.metrics]) as MetricName[],
    clipnorm: t.clipnorm,
    clipvalue: t.clipvalue,
  };
}

export function callbacksOf(cfg: RawConfig): Callback[] {
  return (cfg.train?.callbacks ?? []).map((c) => {
    const [k, o] = Object.entries(c)[0]!;
    const opts = camelKeys(o);
    if (k === 'early_stopping') return new EarlyStopping(opts);
    if (k === 'reduce_lr_on_plateau') return new ReduceLROnPlateau(opts);
    return new TerminateOnNaN();
  });
}

export function scheduleOf(cfg: RawConfig): ScheduleLike | undefined {
  return cfg.train?.schedule as ScheduleLike | undefined;
}
export function baselinesOf(cfg: RawConfig): BaselineSpec[] {
  return (cfg.evaluate?.baselines ?? ['persistence', 'mean']) as BaselineSpec[];
}
