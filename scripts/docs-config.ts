// npm run docs:config: writes docs/config.md, the reference of every config key, from the zod schema
// (src/config/schema.ts, through z.toJSONSchema: the keys, their types, what is required), the defaults
// that resolveConfig fills in (src/config/build.ts), the registries (the names a layer, loss, optimizer,
// metric, schedule or callback may take, and each one's options from its own schema) and the notes below (what a
// key means, an example, a default the schema cannot say). The tune: section has its own schema (tuneSchema in
// src/tune/settings.ts, which the config schema cannot import): its keys are written here by hand (TUNE_KEYS;
// test/docs/config.test.ts checks their defaults against tuneSettings).
// `npm run docs:config -- --check` exits 1 when docs/config.md differs (test/docs/config.test.ts does the same).
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema, type RawConfig, resolveConfig } from '../src/config/index.js';
import { MISSING_TOKENS } from '../src/data/index.js';
import {
  activationRegistry,
  initializerRegistry,
  type LayerEntry,
  layerFromSpec,
  layerRegistry,
  lossRegistry,
} from '../src/nn/index.js';
import { optimizerRegistry, scheduleRegistry } from '../src/optim/index.js';
import { camel, type Entry, type Registry } from '../src/registry.js';
import { STARTER_CONFIG } from '../src/run/init.js';
import { callbackRegistry, metricRegistry } from '../src/train/index.js';
import { REGISTRIES } from './docs-table.js';
import { writeDoc } from './docs-write.js';

export const CONFIG_DOC = 'docs/config.md';

/** What the schema cannot say about a key: its meaning, an example, and where needed its type or default. */
export interface KeyNote {
  readonly doc: string;
  readonly example: string;
  /** The type in words, where the schema's is not written out (a registry's entry). */
  readonly type?: string;
  /** The default in words, where resolveConfig fills in none. */
  readonly default?: string;
}

const names = (r: Registry<Entry>): string => r.names.map((n) => `\`${n}\``).join(', ');
const TABLE = 'see [their options](#component-options) below';

/** One note per key of the schema's data:, model:, train: and evaluate: sections and the top level. */
export const NOTES: Readonly<Record<string, KeyNote>> = {
  name: {
    doc: 'Names the run folder (runs/<name>/<time>/) and the study.',
    example: 'name: pm25-gru',
    default: "the config file's name without its extension",
  },
  seed: { doc: 'One seed for data shuffling, initializers and dropout.', example: 'seed: 7' },
  'data.csv': {
    doc: 'The CSV file, with a header row; relative to the config file.',
    example: 'csv: ../data/pm25.csv',
  },
  'data.separator': {
    doc:
      'What the CSV writes between fields: a comma, a semicolon (spreadsheets in locales with a decimal comma save ' +
      '"CSV" so), or a tab, written "\\t" in double quotes (a spreadsheet\'s "Text (tab-delimited)", pandas\' ' +
      'to_csv(sep="\\t")); init --csv sets it for such a file. Predict and evaluate read new CSVs the same way ' +
      '(predict writes its forecasts with commas and points).',
    example: 'separator: ";"',
    default: '","',
  },
  'data.decimal': {
    doc:
      'The decimal mark of its numbers: a point, or a comma ("20,7"; with data.separator: ";" or "\\t"). With a ' +
      'comma, a number written with a point ("20.7", or "1.234" with a thousands point) is text, and refused as such.',
    example: 'decimal: ","',
    default: '"."',
  },
  'data.time': {
    doc:
      'Time column(s): checked for order, never fed to the model. One column of ISO dates (2024-01-31 13:00, with or ' +
      'without an offset; without one, UTC), of dates with slashes or dots (31/01/2024 13:00: day first when some ' +
      'first number is over 12 and no second one is, else month first; predict reads a new CSV in the training ' +
      "CSV's order), or of numbers (Unix seconds from 1e9 to " +
      '1e11, Unix milliseconds above, a counter below); or year, month, day, hour, ... columns. A date the calendar ' +
      'does not have (2024-02-30, 2023-02-29, hour 25) is refused with its row, not read as another.',
    example: 'time: [year, month, day, hour]',
    default: 'none',
  },
  'data.drop': { doc: 'Columns to ignore.', example: 'drop: [No]', default: 'none' },
  'data.skip_rows': { doc: 'Data rows to drop at the start of the file.', example: 'skip_rows: 24' },
  'data.missing': {
    doc:
      'What to do with a missing value: fail, drop the row, carry the last value forward, interpolate, or fill. ' +
      'Interpolation stops at the end of each split: a gap at the end of the training or validation rows takes the ' +
      'last value before it, never one from the next split. The test scores leave out the target values a fill ' +
      'made (a note says how many). ' +
      `A cell is missing when it is empty or one of ${[...MISSING_TOKENS]
        .filter(Boolean)
        .map((t) => `\`${t}\``)
        .join(', ')}.`,
    example: 'missing: {constant: 0}',
  },
  'data.categorical': {
    doc:
      'Non-numeric columns to encode, each as one integer label (0, 1, ... in the order the categories first ' +
      'appear in the file) or as one-hot columns. A one-hot column is made for each category of the training rows: ' +
      'a row of a category they lack reads as none of them (all 0).',
    example: 'categorical: {cbwd: onehot}',
    default: 'none',
  },
  'data.features': {
    doc: 'The model inputs.',
    example: 'features: [pm2.5, DEWP, TEMP]',
    default: 'every numeric or categorical column not in time or drop',
  },
  'data.target': { doc: 'The column(s) to forecast; a list for several targets.', example: 'target: pm2.5' },
  'data.lookback': { doc: 'Timesteps in each input window.', example: 'lookback: 24' },
  'data.horizon': {
    doc: 'Steps ahead to forecast; more than 1 is a direct multi-step forecast (the output is horizon x targets).',
    example: 'horizon: 24',
  },
  'data.stride': { doc: 'Rows between the starts of two consecutive windows.', example: 'stride: 4' },
  'data.split': {
    doc:
      'Chronological train/val/test split, as fractions or [start, end) row ranges of the data rows (after ' +
      '`skip_rows`; rows `missing: drop` removes are counted, and each split is the rows left in it). ' +
      'A window belongs to the ' +
      'split that holds all its target steps; its inputs may reach back before it (the ETT protocol).',
    example: 'split: {train: [0, 8640], val: [8640, 11520], test: [11520, 14400]}',
  },
  'data.scale': {
    doc:
      'The scaler, fitted on the training rows only. The model reads its inputs in float32 (about 7 digits): with ' +
      '`none`, a level far above its variation (near 1e7, moving by 1) reaches it in whole numbers, which ' +
      '`seqtune check` (data.float32_precision) and `seqtune train` warn of; scores and baselines are float64.',
    example: 'scale: minmax',
  },
  'data.relative': {
    doc:
      'Each window relative to its last input step: every feature minus its value at the last input step, ' +
      'every target minus its last observed value, so the model learns the change and an output of zeros is ' +
      'exactly persistence; forecasts are added back. Often what lets a model beat persistence.',
    example: 'relative: true',
  },
  'model.layers': {
    doc:
      "The layers, in order; the model's output must be horizon x targets values (a vector, e.g. a last dense of " +
      'that many units) or a sequence of horizon steps of targets values (an encoder-decoder: repeat_vector n = ' +
      'horizon, then a time_distributed dense of targets units). ' +
      `Layers: ${names(layerRegistry)}; ${TABLE} for their options.`,
    example:
      'layers: [{bidirectional: {lstm: {units: 32, return_sequences: true}}}, {gru: {units: 16}}, ' +
      '{dense: {units: 1}}]',
    type: 'list of {layer: {options}}',
  },
  'model.linear_skip': {
    doc:
      'Adds a linear path from the whole input window to the output: output = layers(x) + Flatten(x) W + b, ' +
      'both trained together, the linear weights starting at zero (with `data.relative` the path is NLinear). ' +
      "`ridge`: the linear path is the `linear` baseline's ridge model at this lookback (fitted on the training " +
      'windows, its penalty chosen on validation) and stays fixed, the last layer starts at zero: training starts ' +
      'from the ridge forecast and the network learns what it misses (what `auto` tries first). ' +
      'The layers must end in a vector (a dense layer).',
    example: 'linear_skip: ridge',
    type: 'true, false or ridge',
  },
  'train.loss': {
    doc: `The loss: ${names(lossRegistry)}.`,
    example: 'loss: {huber: {delta: 0.5}}',
    type: 'a name or {name: {options}}',
  },
  'train.optimizer': {
    doc: `The optimizer: ${names(optimizerRegistry)}; ${TABLE} for their options.`,
    example: 'optimizer: {adamw: {learning_rate: 0.003, weight_decay: 0.01}}',
    type: 'a name or {name: {options}}',
  },
  'train.clipnorm': { doc: 'Clip the gradients to this global norm.', example: 'clipnorm: 5', default: 'none' },
  'train.clipvalue': {
    doc: 'Clip each gradient value to [-x, x].',
    example: 'clipvalue: 0.5',
    default: 'none',
  },
  'train.on_nan': {
    doc:
      'A step whose loss or gradient norm is NaN or infinite: stop the run as diverged with the weights of the ' +
      'last finite step, leave that batch out, or apply it anyway (clipping never writes NaN).',
    example: 'on_nan: skip_batch',
  },
  'train.epochs': { doc: 'Epochs to train (callbacks may stop earlier).', example: 'epochs: 400' },
  'train.batch_size': { doc: 'Windows per batch.', example: 'batch_size: 300' },
  'train.threads': {
    doc:
      'Threads that share every batch of one training (the main thread and threads - 1 training threads, each ' +
      'with a replica of the model; their gradients are added in a fixed order, so a thread count gives the same ' +
      'result every run, and two threads stay within about 1e-5 of one, further where Adam or RMSprop divides a ' +
      "gradient near zero by its size (a ridge path's last bias): set it where runs on machines with other " +
      'core counts must agree bit for bit; above the cores the threads take turns, and train says so). ' +
      'A model with batch_normalization trains on one thread, and fewer ' +
      'threads are used where the weights a step updates outnumber a share of the batch by 1,000 to 1 per timestep ' +
      '(it says so). `--threads` on train, check, lr-find, range, tune and worker overrides it.',
    example: 'threads: 2',
    default:
      'the number of cores (`os.availableParallelism()`, 256 at most) for one training; in a study, the cores ' +
      'divided between the trials that run at once (`tune.jobs` x threads never exceeds the cores); one thread ' +
      "for a fit too small to gain from more (a thread's share of a batch under 2^19 weight-timesteps: the weights " +
      'x its samples x the lookback; or the whole fit under 2^32, which would not pay for starting the threads, ' +
      'about 0.35 s each): the header of `seqtune train` says so',
  },
  'train.shuffle': { doc: 'Shuffle the training windows every epoch.', example: 'shuffle: false' },
  'train.metrics': {
    doc:
      `Metrics reported per epoch, beside the loss: ${names(metricRegistry)}. Each is of the targets the model ` +
      'learns, as the loss: scaled by `data.scale` (a `mae` of 0.1 with `standard` is a tenth of the training ' +
      "rows' standard deviation), relative with `data.relative`; `metrics.json` scores the forecasts in the data's " +
      'units. `mape` and `smape`, percentages of the target, are refused unless `data.scale: none` without ' +
      '`data.relative` (a percentage of a scaled value measures nothing: a series around 10 read `mape` 147).',
    example: 'metrics: [mae, rmse]',
    type: 'list of names',
  },
  'train.schedule': {
    doc: `A learning-rate schedule: ${names(scheduleRegistry)}.`,
    example: 'schedule: {cosine: {t_max: 400}}',
    type: '{name: {options}}',
    default: 'none (a constant learning rate)',
  },
  'train.callbacks': {
    doc: `Callbacks: ${names(callbackRegistry)}.`,
    example: 'callbacks: [{early_stopping: {monitor: val_loss, patience: 20, restore_best_weights: true}}]',
    type: 'list of {name: {options}}',
    default: 'none',
  },
  'train.validation': {
    doc: 'The split scored each epoch as val_loss (and what early stopping watches).',
    example: 'validation: test',
  },
  'evaluate.baselines': {
    doc:
      'Baselines scored on the same test windows as the model. `linear` is ridge regression from the window ' +
      '(relative to its last step with `data.relative`, as NLinear) to every horizon step, its penalty chosen on ' +
      'the validation split; `{linear: {lookback: n}}` gives it a lookback of its own (scored as `linear_<n>`). ' +
      "`seasonal_naive` repeats the latest value a whole number of seasons back (seasons count the CSV's rows, " +
      'those `missing: drop` removed included); one after a seasonal naive of another season is scored as ' +
      '`seasonal_naive_<season>`. A season that leaves a validation or test target no value a whole number of ' +
      'seasons back (longer than the rows before the first validation window, or every such row removed by ' +
      '`missing: drop`), or a linear lookback that leaves no training or validation window, is an error before ' +
      'training; `seqtune evaluate` of a run folder leaves such a baseline out of the table with a note.',
    example: 'baselines: [persistence, {seasonal_naive: {season: 24}}, mean, linear]',
  },
};

/** The tune: section, written by hand from src/tune/settings.ts (tuneSchema; the config schema leaves it a record). */
export const TUNE_KEYS: readonly (KeyNote & {
  readonly key: string;
  readonly type: string;
  readonly default: string;
})[] = [
  {
    key: 'strategy',
    type: '`auto` \\| `ofat` \\| `grid` \\| `random` \\| `tpe`',
    default: '`auto`',
    doc:
      'How trials are chosen. auto: train the baseline, diagnose its curves and sweep what the diagnosis ' +
      'advises; ofat: one factor at a time over space; grid, random, tpe: over space.',
    example: 'strategy: tpe',
  },
  {
    key: 'objective',
    type: 'string (a key of the epoch logs)',
    default: '`val_loss`',
    doc: "Minimised; a trial's value is its best epoch.",
    example: 'objective: val_mae',
  },
  {
    key: 'trials',
    type: 'integer > 0',
    default: '`20`; no limit when `time_budget` is set',
    doc: 'Trials to run. With a time budget as well, the study ends at whichever comes first.',
    example: 'trials: 60',
  },
  {
    key: 'time_budget',
    type: 'duration (`30m`, `2h`, `900s`) or seconds',
    default: 'none (no time limit)',
    doc:
      "The study's time limit, counted from the start of its trial loop (once its trial threads and heartbeat " +
      'are up). No trial starts once it is spent; a running trial stops at the first epoch end past it, then ' +
      'scores itself and writes its run folder: a study ends within ' +
      "its budget plus that much of one trial. A trial's ridge fits (its linear baselines' and linear path's: about " +
      '17 s over 2,000 inputs to 500 outputs on 2 cores) run whole before its first epoch, where no epoch end stops ' +
      "them: a budget shorter than the first trial's is overrun by them. `auto` keeps an estimate of its end step " +
      "(the ensemble's scores and the ridge fit it repeats, that fit as expected from its inputs and outputs until a " +
      'trial has timed one) from the trials, stops its trials that much earlier, scores its first candidate ensemble ' +
      'in that time and the others only while they fit in what is left, saying which it left out.',
    example: 'time_budget: 30m',
  },
  {
    key: 'repeats',
    type: 'integer > 0',
    default: '`1`',
    doc: 'Trainings per trial with different seeds; the trial scores their mean.',
    example: 'repeats: 3',
  },
  {
    key: 'jobs',
    type: 'integer > 0',
    default: 'the number of CPU cores (os.availableParallelism()) divided by train.threads when that is set',
    doc: 'Trials trained at once.',
    example: 'jobs: 2',
  },
  {
    key: 'pruner',
    type: '`median` \\| `asha` \\| `hyperband`, or {name: {options}}',
    default: 'none',
    doc:
      'Stops poor trials early. median: {startup_trials: 5, warmup_epochs: 2}; asha and hyperband: ' +
      '{min_epochs: 1, reduction_factor: 3}, up to train.epochs; warmup_epochs and min_epochs ' +
      'below the epochs of a trial (a pruner that could never stop one is an error).',
    example: 'pruner: {asha: {min_epochs: 5, reduction_factor: 3}}',
  },
  {
    key: 'storage',
    type: '`sqlite:FILE`, `postgres://...` or `memory:`',
    default: '`sqlite:seqtune.db` (beside the config)',
    doc: 'Where the study is stored; a relative SQLite file is relative to the config file.',
    example: 'storage: postgres://user@host/db',
  },
  {
    key: 'heartbeat',
    type: 'duration (`10s`, `1m`) or seconds',
    default: '`10s`',
    doc:
      "How often a running trial's process refreshes its heartbeat in storage. A trial without one for 3 " +
      'heartbeats is failed as stale by any process of the study (at once when its process, on this host, is gone).',
    example: 'heartbeat: 30s',
  },
  {
    key: 'retries',
    type: 'integer >= 0',
    default: '`1`',
    doc:
      'Times a trial failed as stale or interrupted is enqueued again (a waiting trial with the same parameters, ' +
      'taken first by the next free worker).',
    example: 'retries: 2',
  },
  {
    key: 'space',
    type: '{config.path: distribution}',
    default: 'none (auto needs none; the others need at least one parameter)',
    doc:
      'The parameters searched, each a config path and a distribution: a list of values, {choice: [...]}, ' +
      '{uniform: [lo, hi]}, {loguniform: [lo, hi]}, {int: [lo, hi], log: true}, ' +
      '{stack: {cell: gru, layers: [1, 2], units: [32, 64]}} for model.layers; ' +
      '`when: {other.path: value}` samples one only when another parameter has that value (one it can take; keys in ' +
      'any order). A key inside another key (`train.optimizer.sgd.momentum` beside `train.optimizer: [adam, sgd]`) ' +
      'is set into its value, so it needs a `when:` naming a value that has it; the options of two optimizers need ' +
      'a `when:` each, as one trial trains one optimizer. A value replaces the whole value at its path: a bare ' +
      'name in a list (`train.optimizer: [adam, sgd]`) trains that optimizer with its defaults (adam at ' +
      'learning_rate 0.001), without the options the base config gives it (`{adam: {learning_rate: 0.01}}`); write ' +
      'them in the list (`[{adam: {learning_rate: 0.01}}, sgd]`) to keep them.',
    example: "space: {'train.optimizer.adam.learning_rate': {loguniform: [1.0e-4, 1.0e-2]}}",
  },
  {
    key: 'order',
    type: 'list of space keys',
    default: 'the order of space',
    doc:
      'For ofat (an error with another strategy): the order in which the factors are swept; those it leaves ' +
      'out follow in the order of space.',
    example: "order: ['train.batch_size', 'model.layers[0].gru.units']",
  },
  {
    key: 'sampler',
    type: '{tpe: {multivariate, n_startup, constant_liar}}',
    default: 'multivariate: `true`, n_startup: 5 to 10 (3 + the number of parameters), constant_liar: `true`',
    doc:
      'For tpe: joint kernels over the parameters sampled together (false: each parameter on its own), the ' +
      'random trials before the model, and whether running trials count as bad so parallel workers spread out.',
    example: 'sampler: {tpe: {multivariate: true, n_startup: 10, constant_liar: true}}',
  },
];

export type Json = { type?: string; [k: string]: unknown };

/** A value as a config file writes it, in YAML's flow style. */
export function flow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${flow(x)}`)
      .join(', ')}}`;
  return String(v);
}

function numberType(s: Json): string {
  const base = s.type === 'integer' ? 'integer' : 'number';
  if (s.exclusiveMinimum === 0 && s.exclusiveMaximum === 1) return `${base} in (0, 1)`;
  if (s.minimum === 0 && s.exclusiveMaximum === 1) return `${base} in [0, 1)`;
  if (typeof s.minimum === 'number' && typeof s.maximum === 'number' && s.maximum < Number.MAX_SAFE_INTEGER)
    return `${base} in [${s.minimum}, ${s.maximum}]`;
  if (s.exclusiveMinimum === 0 && typeof s.maximum === 'number' && s.maximum < Number.MAX_SAFE_INTEGER)
    return base === 'integer' ? `integer from 1 to ${s.maximum}` : `number in (0, ${s.maximum}]`;
  if (s.exclusiveMinimum === 0) return `${base} > 0`;
  if (s.minimum === 0) return `${base} ≥ 0`;
  return base;
}

/** A value a key takes as the docs write it: as it is, or as YAML writes it in double quotes ("\\t", a tab). */
const enumText = (v: unknown) =>
  typeof v === 'string' && JSON.stringify(v) !== `"${v}"` ? JSON.stringify(v) : String(v);

/** A JSON Schema (as z.toJSONSchema writes the config's) in words. */
export function typeText(s: Json): string {
  if (Array.isArray(s.anyOf)) return (s.anyOf as Json[]).map(typeText).join(' or ');
  if (Array.isArray(s.type)) return (s.type as string[]).map((type) => typeText({ ...s, type })).join(' or ');
  if (s.type === 'null') return 'null';
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => `\`${enumText(v)}\``).join(' \\| ');
  if (s.type === 'integer' || s.type === 'number') return numberType(s);
  if (s.type === 'string' || s.type === 'boolean') return s.type;
  if (s.type === 'array') {
    if (Array.isArray(s.prefixItems)) return `[${(s.prefixItems as Json[]).map(typeText).join(', ')}]`;
    return `list of ${typeText(s.items as Json)}`.replace(/list of string$/, 'list of strings');
  }
  if (s.type === 'object' && s.properties) {
    const props = Object.entries(s.properties as Record<string, Json>);
    return `{${props.map(([k, v]) => `${k}: ${typeText(v)}`).join(', ')}}`;
  }
  if (s.type === 'object') return `{string: ${typeText(s.additionalProperties as Json)}}`;
  return 'any';
}

const cell = (s: string): string => s.replace(/(?<!\\)\|/g, '\\|');
const code = (s: string): string => `\`${s}\``;

/** What resolveConfig fills in for a config with only its required keys. */
function resolvedDefaults(): RawConfig {
  const minimal = { data: { csv: 'x.csv', target: 'y', lookback: 1 }, model: { layers: [{ dense: { units: 1 } }] } };
  return resolveConfig(configSchema.parse(minimal), '(name)');
}

/** The table of one section: key, type, required or its default, example, meaning. */
function sectionTable(prefix: string, schema: Json, resolved: Record<string, unknown> | undefined): string {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(schema.properties as Record<string, Json>)
    .filter(([k]) => prefix !== '' || !['data', 'model', 'train', 'evaluate', 'tune'].includes(k))
    .map(([k, s]) => {
      const path = prefix ? `${prefix}.${k}` : k;
      const note = NOTES[path];
      if (!note) throw new Error(`docs:config: no note for the config key ${path} (scripts/docs-config.ts, NOTES)`);
      const fromResolve = resolved?.[k];
      const def = required.has(k)
        ? '**required**'
        : fromResolve !== undefined && path !== 'name'
          ? code(flow(fromResolve))
          : (note.default ?? 'none');
      const type = cell(note.type ?? typeText(s));
      return `| \`${k}\` | ${type} | ${cell(def)} | ${cell(code(note.example))} | ${cell(note.doc)} |`;
    });
  return ['| key | type | default | example | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

function tuneTable(): string {
  const rows = TUNE_KEYS.map(
    (t) => `| \`${t.key}\` | ${t.type} | ${t.default} | ${cell(code(t.example))} | ${cell(t.doc)} |`,
  );
  return ['| key | type | default | example | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/**
 * The options whose schema JSON Schema cannot write out (a registry's name or {name: options}, a nested component),
 * in words, by key; and the entries whose whole options are one such value. docs:config stops at one it lacks.
 */
const OPTION_TYPES: Readonly<Record<string, string>> = {
  activation: `an activation: ${names(activationRegistry)}`,
  recurrent_activation: 'an activation',
  kernel_initializer: 'an initializer, a name or {name: {options}}',
  recurrent_initializer: 'an initializer',
  bias_initializer: 'an initializer',
  kernel_regularizer: 'a regularizer, {l1: x}, {l2: x} or {l1l2: {l1: x, l2: y}}',
  recurrent_regularizer: 'a regularizer',
  bias_regularizer: 'a regularizer',
  activity_regularizer: 'a regularizer',
  // biome-ignore lint/suspicious/noThenProperty: `then` is the config key users write (warmup: {then: ...})
  then: 'a schedule, {name: {options}}, after the warmup (default: the base rate)',
  bidirectional: 'one recurrent layer, {gru | lstm | simple_rnn: {options}}, run both ways and concatenated',
  time_distributed: 'one dense layer, {dense: {options}}, applied at every timestep',
};

/** One option's type in words: the schema's, or OPTION_TYPES' where the schema says no more than "any". */
function optionType(where: string, key: string, s: Json): string {
  const t = typeText(s);
  if (!t.includes('any')) return t;
  const words = OPTION_TYPES[key];
  if (!words) throw new Error(`docs:config: no words for the type of ${where} (scripts/docs-config.ts, OPTION_TYPES)`);
  return words;
}

/** The options of one registry entry: `key` (required) type; ... or what its whole options are. */
function entryOptions(kind: string, e: Entry): string {
  if (!e.options) return 'none';
  const o = objectOptions(e);
  if (!o) return optionType(`${kind} ${e.name}`, e.name, z.toJSONSchema(e.options, JSON_SCHEMA) as Json);
  const { props, required } = o;
  if (props.length === 0) return 'none';
  const defaults = optionDefaults(kind, e);
  const def = (k: string, v: Json) =>
    k in defaults ? `, default ${flow(defaults[k])}${v.whose ? ` (${String(v.whose)})` : ''}` : '';
  return props
    .map(
      ([k, v]) =>
        `${code(k)}${required.has(k) ? ' (required)' : ''}: ${optionType(`${kind} ${e.name}.${k}`, k, v)}${def(k, v)}`,
    )
    .join('; ');
}

/**
 * The default docs/config.md prints beside each option of an entry: the one its schema carries (its meta: withDefault),
 * with whose it is where Keras and PyTorch differ; a layer's otherwise as the layer reads it back (builtDefaults).
 */
export function optionDefaults(kind: string, e: Entry): Record<string, unknown> {
  const o = objectOptions(e);
  if (!o) return {};
  const built = kind === 'layer' ? builtDefaults(e, o.required) : {};
  return Object.fromEntries(
    o.props
      .map(([k, v]) => [k, v.default !== undefined ? v.default : built[k]] as const)
      .filter(([, d]) => d !== undefined),
  );
}

const JSON_SCHEMA = { unrepresentable: 'any', io: 'input' } as const;

/**
 * An entry's options as its JSON Schema writes them, each with its schema, and the required ones; null where it takes
 * none or its whole options are one value (bidirectional's layer).
 */
export function objectOptions(e: Entry): { props: [string, Json][]; required: ReadonlySet<string> } | null {
  if (!e.options) return null;
  const json = z.toJSONSchema(e.options, JSON_SCHEMA) as Json;
  if (json.type !== 'object' || !json.properties) return null;
  return {
    props: Object.entries(json.properties as Record<string, Json>),
    required: new Set((json.required as string[] | undefined) ?? []),
  };
}

/**
 * What a layer takes for each option left out, read back from it: the layer built from its required options alone
 * (its example's values) and its getConfig(), an initializer or activation by the name a config file writes. An
 * option the config does not record (a regularizer, none by default) gets no default here.
 */
function builtDefaults(e: Entry, required: ReadonlySet<string>): Record<string, unknown> {
  const example = ((e as LayerEntry).example ?? {}) as Record<string, unknown>;
  const given = Object.fromEntries([...required].map((k) => [k, example[k]]));
  const config: Record<string, unknown> = layerFromSpec({ [e.name]: given }, 'docs', [4, 3]).getConfig();
  const spelled = (v: unknown) =>
    typeof v === 'string' ? ((initializerRegistry.find(v) ?? activationRegistry.find(v))?.name ?? v) : v;
  return Object.fromEntries(
    Object.keys(((e as LayerEntry).options as z.ZodObject).shape)
      .filter((k) => !required.has(k) && config[camel(k)] !== undefined)
      .map((k) => [k, spelled(config[camel(k)])]),
  );
}

/** Every option of every entry of the registries that have options, one table per registry. */
function optionsSection(): string {
  const tables = REGISTRIES.filter((r) => r.entries.some((e) => e.options)).map((r) => {
    const rows = r.entries.map(
      (e) => `| ${code(e.name)} | ${cell(entryOptions(r.info.kind, e))} | ${cell(e.doc ?? '')} |`,
    );
    return [`### ${r.info.title}`, '', '| name | options | what it is |', '|---|---|---|', ...rows].join('\n');
  });
  return [
    '## Component options',
    '',
    'A loss, optimizer, schedule, initializer or regularizer is written as its name or as `{name: {options}}`; a ' +
      'layer or a callback always as `{name: {options}}` (`- flatten: {}` where it takes none): ' +
      '`- gru: {units: 64, return_sequences: true}`, `optimizer: {sgd: {learning_rate: 0.01, momentum: 0.9}}`, ' +
      '`kernel_initializer: {orthogonal: {gain: 2}}`. These are every option each one takes (an unknown one is an ' +
      'error naming the nearest); an option left out takes the default written beside it (a regularizer or ' +
      "gaussian_noise's seed with none written: none; l1l2's factors and warmup's then: as their rows say), and " +
      "a run's `model/model.json` records the " +
      "value every layer and the optimizer used. Activations and metrics take none. The README's registry table says " +
      'what each one computes.',
    '',
    tables.join('\n\n'),
  ].join('\n');
}

const HEAD = `# The config file

<!-- made by \`npm run docs:config\` (scripts/docs-config.ts) from the config schema, the registries and the defaults;
edit those, not this file -->

One YAML document with \`data:\`, \`model:\`, \`train:\`, \`evaluate:\` and \`tune:\` sections. Keys are snake_case,
as in Keras' Python API; the TypeScript API uses the same names in camelCase. Paths are relative to the config
file. An unknown key, a wrong type or an unknown name is an error that names the key path
(\`file: model.layers[0].gru.units: expected a positive integer, received "big"\`). A run folder's
\`config.yaml\` records the config with the defaults of the data:, model:, train: and evaluate: keys below filled in
(a layer's, optimizer's or callback's own options as written), \`data.features\` and \`train.threads\` as the run
used them, and tune: as written. \`seqtune init FILE\` writes the starter config at the end of this page
(\`--csv DATA\` fills its data: section from your CSV).`;

// What a run writes and how a command ends: hand-written text, as the project's contract states it.
const RUN_FOLDER = `## The run folder

\`seqtune train CONFIG [--out DIR]\` writes one run folder (default \`runs/<name>/<time>/\` beside the config;
with \`--out\`, exactly DIR; a second run of the config in the same second gets \`<time>-2\`):

| file | content |
|---|---|
| \`config.yaml\` | the config as resolved (defaults filled in, \`data.features\` as used, \`data.csv\` absolute) |
| \`history.json\` | Keras history format: \`{"loss": [...], "val_loss": [...], "lr": [...], ...}\`, per epoch |
| \`metrics.json\` | the model's and the baselines' scores per split, \`scaled\` and \`original\`; windows, epochs |
| \`diagnosis.json\` | the diagnosis of the curves: pattern, confidence, runner-up, evidence, advice |
| \`model/\` | the saved model, loadable by \`seqtune predict\` |
| \`loss.svg\`, \`loss.png\` | train and validation loss per epoch |
| \`forecast.svg\`, \`forecast.png\` | actual vs predicted over the test period |
| \`data.csv\` | \`seqtune demo\` only: its built-in series, which its config names (the demo's own folder goes away) |

With several targets, each split of \`metrics.json\` also has \`by_target\`: target -> model and baselines -> scores, in
that target's own units (\`original\` averages squared errors over targets whose units differ).

\`seqtune tune CONFIG [--out DIR]\` keeps each completed trial's model in a run folder of the same form,
\`runs/<name>/trial-<n>/\` beside the config (with \`--out\`, \`DIR/trial-<n>/\`; \`trial-<n>-2\` where a study of
the same name in another storage took the name: a script reads \`run_dir\` from \`study show --json\`), with the
weights of the trial's best epoch: the ones its objective was measured on. The study points at the best trial's
folder (\`study show --json\`: \`best.run_dir\`) and adds \`study-history\`, \`study-factor-<k>\` (SVG and PNG) and
\`study-importance.json\` to it; nothing is trained again. \`result_dir\` is the study's result: that folder, or the
ensemble folder auto kept (\`ensemble.dir\`).

A study stores these folders (and its config file) as absolute paths, and reads them beside its SQLite file when
the project folder was moved, renamed or copied with it, to another machine too: a stored folder outside the
SQLite file's folder, or inside it but gone, is read at the same place under that folder when it is there
(\`/old/proj/runs/s/trial-3\` of a study now in \`/new/proj/seqtune.db\` is \`/new/proj/runs/s/trial-3\`, whether
\`/old/proj\` still exists or not: when it does, only if it holds the SQLite file's original, a copy). A study whose
SQLite file is kept apart from its run folders reads them where they are. So \`tune --resume\`, \`worker\`,
\`study show\`, \`study ensemble\` and the dashboard read the new folder and write ensembles there; this needs the
run folders under the SQLite file's folder, as the defaults put them (\`seqtune.db\` and \`runs/\` beside the
config). \`evaluate\` finds a moved run's CSV the same way, from the run folder up to its project folder. A
PostgreSQL study's folders are read as stored: each is on the machine that trained the trial.

\`seqtune study ensemble NAME --top K | --trials N,M,... [--method M] [--linear] [--out DIR]\` writes an ensemble run
folder (default \`runs/<name>/ensemble-<time>/\`), which \`predict\` and \`evaluate\` read like any run folder:
\`member-<k>/\`, a copy of each member trial's run folder, and \`ensemble.json\`: the members, the trials skipped as
the same model as a better one, the fusion's weights, validation and test scores, and \`use\`, the members and weights
that \`predict\` combines. The best K are the trials as an \`auto\` study's end reads them, whatever the strategy: the
study's best first (auto's choice, else the best seed of the best configuration run on several seeds, else the
steadiest trial), then configurations by the mean of their seeds' steady values (a trial's best epoch read against the
lower of its two neighbouring epochs), each configuration's seeds steadiest first; so a dip of a noisy curve or a
lucky seed of a configuration worse on average does not rank first by its value (the command says how the members were
chosen and names the lower values it ranked below them). The fusion is used when it beats each member on validation
and, read steady (its members' dips weighed as it weighs them), the study's best (its configuration's mean over seeds
where it is the best of several); otherwise the folder uses the study's best alone, or the linear baseline with
\`--linear\` where that is lower, never another member lower on validation by the luck of its draw. \`--method\`:
\`mean\`, \`weighted\` (by 1/validation MSE), \`blend\` (the weights, none negative and summing to one, with the lowest
validation MSE; at most 12 models, the linear baseline counted) or \`stacked\` (a least-squares stacker per output: per
horizon step and target, or per target where the first member's output is a sequence). \`--linear\` adds the \`linear\`
baseline at the members' lookback as one more member: the ridge model, saved once as a run folder beside the trials'
(\`runs/<name>/linear-<hash>/\`, its \`params\` in ensemble.json \`{linear: {lookback}}\`). Members whose output is a
sequence (horizon, targets), as an encoder-decoder's, and members whose output is a vector of horizon x targets, as the
linear baseline's, are fused value by value: both give a window's values horizon-major (step 1's targets, then step
2's). \`--trials 12,40\` fuses
the trials named (each must be a completed trial of the study; a number that is not, or is there but failed, pruned or
still running, is exit 2 naming it) in place of the best K, ordered and judged the same way. The line it prints gives
the fusion's cross-fitted validation MSE (and its steady value) beside that of the model it had to beat, then the test
MSE; \`ensemble.json\`'s \`val.steady\` holds the two values compared (with \`mean_over_seeds\`,
\`{configuration, seeds}\`, where the model to beat is the study's best read as its configuration's mean over seeds, as
the line says).

## Exit codes

0 success; 1 a check or the work itself failed (a failed sanity check, a study with no successful trial); 2 bad
input or usage (a missing, unreadable or invalid file, an invalid config), with one line on stderr that names the
file, row, column or key path, what was expected and what was found. A command that fails leaves no half-written
run folder behind.`;

/** docs/config.md as the schema, the registries, the defaults and the notes make it. */
export function configDoc(): string {
  const json = z.toJSONSchema(configSchema, { unrepresentable: 'any', io: 'input' }) as Json;
  const props = json.properties as Record<string, Json>;
  const resolved = resolvedDefaults() as unknown as Record<string, Record<string, unknown>>;
  const section = (k: 'data' | 'model' | 'train' | 'evaluate', title: string) =>
    `## \`${k}:\`${title}\n\n${sectionTable(k, props[k]!, resolved[k])}`;
  return (
    [
      HEAD,
      `## Top level\n\n${sectionTable('', json, resolved)}`,
      section('data', ' (required)'),
      section('model', ' (required)'),
      section('train', ''),
      section('evaluate', ''),
      '## `tune:`\n\nRead by `seqtune tune`, `seqtune study create` and `seqtune worker`, and checked when a study ' +
        'starts by its own schema (src/tune/settings.ts; an unknown key is an error that names the nearest known ' +
        'one); its keys are listed here by hand. Each key of `space` must be a path of the config that a value ' +
        'can be set at, and each value must give a valid config.\n\n' +
        tuneTable(),
      optionsSection(),
      RUN_FOLDER,
      `## The starter config (\`seqtune init\`)\n\n\`\`\`yaml\n${STARTER_CONFIG}\`\`\``,
    ].join('\n\n') + '\n'
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  writeDoc('docs:config', CONFIG_DOC, (_before) => configDoc());
