// From a validated config to the objects that do the work: the data spec, the layers, the compile
// and fit options, and the resolved config (every default filled in) that a run folder records.
// Layers and callbacks are built through their registries; optimizer, loss and schedule go to
// compile and fit as the config file wrote them, and their registries resolve them there.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import {
  type BaselineSpec,
  baselineProblem,
  type DataConfig,
  DEFAULT_BASELINES,
  linearModel,
  linearModelAsync,
  type PreparedData,
} from '../data/index.js';
import { ShapeError } from '../errors.js';
import { dense, flatten, type Layer, LinearSkip, layerFromSpec, linearSkip } from '../nn/index.js';
import type { ScheduleLike } from '../optim/index.js';
import { camel, camelKeys } from '../registry.js';
import {
  type Callback,
  type CompileOptions,
  callbackRegistry,
  MAX_THREADS,
  type Model,
  sequential,
} from '../train/index.js';
import { ConfigError, pathString } from './load.js';
import type { RawConfig } from './schema.js';

export { camel, camelKeys };

export const TRAIN_DEFAULTS = {
  loss: 'mse',
  optimizer: { adam: { learning_rate: 0.001 } },
  epochs: 50,
  batch_size: 32,
  shuffle: true,
  metrics: ['mae'],
  validation: 'val',
  on_nan: 'stop',
} as const;

/**
 * Threads of one training (train.threads): the config's, else the cores shared between the `jobs` trainings that
 * run at once, so jobs x threads never exceeds the cores (a study with more jobs than cores trains on 1 thread), and
 * MAX_THREADS at most (a machine of more cores).
 * Not part of resolveConfig: the cores are the machine's, not the run's, and a study resumed elsewhere is the same.
 */
export function fitThreads(cfg: Pick<RawConfig, 'train'>, jobs = 1, cores = availableParallelism()): number {
  const fair = Math.max(1, Math.min(MAX_THREADS, Math.floor(cores / Math.max(1, jobs))));
  const asked = cfg.train?.threads;
  return asked === undefined ? fair : jobs > 1 ? Math.min(asked, fair) : asked;
}

/**
 * The threads a fit of `model` trains on, of the `free` ones fitThreads gives: all of them when the config asks for a
 * count (train.threads), else as many as the fit gains from (Model.threadsWorth: one for a fit too small to pay for
 * starting threads). `samples` are the training windows, `epochs` the fit's (the steps, for a probe of one batch).
 */
export function threadsOfFit(
  cfg: Pick<RawConfig, 'train'>,
  free: number,
  model: Model,
  fit: { batchSize?: number; samples: number; epochs: number },
): number {
  if (cfg.train?.threads !== undefined) return free;
  return model.threadsWorth(free, fit.batchSize, fit.samples, fit.epochs);
}

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
    evaluate: { baselines: raw.evaluate?.baselines ?? [...DEFAULT_BASELINES] },
    ...(raw.tune ? { tune: raw.tune } : {}),
  };
}

export function dataSpec(cfg: RawConfig, dir: string): { spec: DataConfig; csvPath: string } {
  return { spec: cfg.data as DataConfig, csvPath: resolve(dir, cfg.data.csv) };
}

/**
 * Layers from `model.layers`, through the layer registry; the first gets the input shape [lookback, features]. With
 * `model.linear_skip` they are wrapped in one LinearSkip (output = layers + a linear map of the input window).
 */
export function buildLayers(file: string, cfg: RawConfig, inputShape: [number, number]): Layer[] {
  const layers = cfg.model.layers.map((spec, i) => {
    const where = pathString(['model', 'layers', i]);
    try {
      return layerFromSpec(spec, where, i === 0 ? inputShape : undefined);
    } catch (e) {
      const m = (e as Error).message;
      const at = m.startsWith(where) ? m : `${pathString(['model', 'layers', i, Object.keys(spec)[0]!])}: ${m}`;
      throw new ConfigError(`${file}: ${at}`, { cause: e });
    }
  });
  if (!cfg.model.linear_skip) return layers;
  // LinearSkip's own refusal named the layer as built (gru_1) and itself as the TypeScript API does (linearSkip)
  const reg = layers.findIndex((l) => l.activityRegularizer);
  if (reg >= 0)
    throw new ConfigError(
      `${file}: ${layerKey(cfg, reg)}.activity_regularizer: a layer inside model.linear_skip cannot have one ` +
        '(the skip applies no activity penalty to the layers it wraps); remove it, or model.linear_skip',
    );
  try {
    return [linearSkip(layers, { frozenLinear: cfg.model.linear_skip === 'ridge' })];
  } catch (e) {
    throw new ConfigError(`${file}: model.linear_skip: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The config key of model.layers[i]'s layer, through a wrapper to the layer it wraps:
 * model.layers[0].bidirectional.gru.
 */
function layerKey(cfg: RawConfig, i: number): string {
  const spec = cfg.model.layers[i]!,
    kind = Object.keys(spec)[0]!,
    options = (spec as Record<string, unknown>)[kind];
  const inner =
    (kind === 'bidirectional' || kind === 'time_distributed') && options && typeof options === 'object'
      ? Object.keys(options)[0]
      : undefined;
  return pathString(['model', 'layers', i, kind, ...(inner ? [inner] : [])]);
}

/**
 * The config's model over windows of the data's feature columns, compiled with its optimizer and loss. Layers that
 * do not fit together (a GRU after a flatten) are a ConfigError naming the layer. With `model.linear_skip: ridge`
 * the model starts from the data's ridge model (startFromRidge); `data` may be just the number of features when
 * the config does not ask for that.
 */
export function compiledModel(file: string, cfg: RawConfig, data: PreparedData | number, seed = cfg.seed ?? 42): Model {
  const m = builtModel(file, cfg, typeof data === 'number' ? data : data.features.length, seed);
  m.compile(compileOptions(cfg));
  if (cfg.model.linear_skip === 'ridge') {
    if (typeof data === 'number') throw new ConfigError(`${file}: model.linear_skip: ridge needs the data to fit on`);
    startFromRidge(m, data, cfg.data.lookback);
  }
  return m;
}

/**
 * The config's model over windows of `features` columns, built and not compiled (what `seqtune check` trains with
 * its own optimizer). Layers that do not fit together (a GRU after a flatten) are a ConfigError naming the layer.
 */
export function builtModel(file: string, cfg: RawConfig, features: number, seed = cfg.seed ?? 42): Model {
  const shape: [number, number] = [cfg.data.lookback, features];
  const layers = buildLayers(file, cfg, shape);
  try {
    const m = sequential(layers, { seed });
    // A first layer that takes no input shape (dropout, gaussian_noise) leaves the stack unbuilt: build it here.
    if (!m.built) m.build(shape);
    return m;
  } catch (e) {
    const at = e instanceof ShapeError ? shapeIssueAt(cfg, layers, e.message) : undefined;
    // not a layer refusing its input (the engine failing to load is not the config's fault)
    if (at === undefined) throw e;
    throw new ConfigError(`${file}: ${at}`, { cause: e });
  }
}

/**
 * A layer's ShapeError (`gru_2: GRU needs a sequence input ...`) as the config key that wrote the layer:
 * `model.layers[1].gru: GRU needs ...`. With model.linear_skip the stack is one LinearSkip around the config's layers:
 * its inner layers are the config's, and its own refusal (layers that end in a sequence) is model.linear_skip's. Else
 * undefined: the error is no layer's.
 */
function shapeIssueAt(cfg: RawConfig, layers: readonly Layer[], message: string): string | undefined {
  const skip = layers[0] instanceof LinearSkip ? layers[0] : undefined;
  const stack = skip ? skip.layers : layers;
  const rest = (l: Layer) => message.slice(l.name.length + 2);
  const i = stack.findIndex((l) => message.startsWith(`${l.name}: `));
  if (i >= 0) return `${pathString(['model', 'layers', i, Object.keys(cfg.model.layers[i]!)[0]!])}: ${rest(stack[i]!)}`;
  if (skip && message.startsWith(`${skip.name}: `)) return `model.linear_skip: ${rest(skip)}`;
  return undefined;
}

/**
 * `model.linear_skip: ridge`: the linear path is the `linear` baseline's ridge model at the model's lookback
 * (fitted on the training windows, its penalty chosen on the validation windows), held fixed, and the last layer of
 * the network starts at zero: training starts from the ridge's forecast and the network learns what the ridge
 * misses (a linear model and a network on its residuals, as Zhang 2003's hybrid, with the two in one model).
 */
export function startFromRidge(m: Model, data: PreparedData, lookback: number): void {
  const skip = m.layers[0];
  if (!(skip instanceof LinearSkip)) return;
  const ridge = linearModel(data, lookback);
  const last = `${skip.name}/${skip.layers.length - 1}/`;
  const w = m.getWeights();
  const start: Record<string, ArrayLike<number>> = {
    [`${skip.name}/linear/kernel`]: ridge.w,
    [`${skip.name}/linear/bias`]: ridge.b,
  };
  for (const key of [`${last}kernel`, `${last}bias`]) if (w[key]) start[key] = new Float32Array(w[key].length);
  m.setWeights(start);
}

/**
 * The `linear` baseline at a lookback as a model: a Dense over the flattened window (as LinearSkip's linear path)
 * holding the ridge model's weights, fitted on the training windows with its penalty chosen on the validation
 * windows. With data.relative the windows are relative to their last step, as the ridge's design. It reads the
 * windows a network of that lookback reads, so it can be fused with one (an ensemble member) or saved as a run.
 * The fit turns the event loop every so often (linearModelAsync), so that Ctrl-C and SIGTERM stop its caller;
 * `onTurn` is called at each turn (auto's end step throws there once the study is interrupted).
 */
export async function ridgeAsModel(data: PreparedData, lookback: number, onTurn?: () => void): Promise<Model> {
  const ridge = await linearModelAsync(data, lookback, onTurn);
  const m = sequential([flatten({ name: 'window' }), dense({ units: ridge.b.length, name: 'linear' })], {
    inputShape: [lookback, data.features.length],
  });
  m.setWeights({ 'linear/kernel': ridge.w, 'linear/bias': ridge.b });
  m.compile({ loss: 'mse' });
  return m;
}

export function compileOptions(cfg: RawConfig): CompileOptions {
  const t = cfg.train ?? {};
  return {
    optimizer: t.optimizer ?? TRAIN_DEFAULTS.optimizer,
    loss: t.loss ?? TRAIN_DEFAULTS.loss,
    metrics: t.metrics ?? [...TRAIN_DEFAULTS.metrics],
    clipnorm: t.clipnorm,
    clipvalue: t.clipvalue,
    onNan: t.on_nan ?? TRAIN_DEFAULTS.on_nan,
  };
}

/** Callbacks from `train.callbacks`, through the callback registry. */
export function callbacksOf(cfg: RawConfig): Callback[] {
  return (cfg.train?.callbacks ?? []).map((c, i) => {
    const { entry, options } = callbackRegistry.parse(c, pathString(['train', 'callbacks', i]));
    return entry.build(options);
  });
}

export function scheduleOf(cfg: RawConfig): ScheduleLike | undefined {
  return cfg.train?.schedule;
}
export function baselinesOf(cfg: RawConfig): BaselineSpec[] {
  return (cfg.evaluate?.baselines ?? [...DEFAULT_BASELINES]) as BaselineSpec[];
}

/**
 * evaluate.baselines against the prepared data, before any training (baselineProblem: a season or a linear lookback
 * longer than the data before the windows it scores): a ConfigError naming the key.
 */
export function checkBaselines(file: string, cfg: RawConfig, d: PreparedData): void {
  const problem = baselineProblem(d, baselinesOf(cfg));
  if (problem) throw new ConfigError(`${file}: ${problem}`);
}
