// `seqtune init`: a commented starter config, its data section read off the user's CSV where one is given.

import { existsSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CsvStart } from './init-csv.js';

/**
 * Where the config reference is, as the starter config's first comment names it: this package's own docs/config.md
 * (in a user's project node_modules/seqtune/docs/config.md), relative to `cwd` when it is in it or below, else
 * absolute (a global install's). The comment said "docs/config.md (seqtune package)", a file no user's project has.
 */
export function docsPointer(
  docs = fileURLToPath(new URL('../../docs/config.md', import.meta.url)),
  cwd = process.cwd(),
): string {
  if (!existsSync(docs)) return 'docs/config.md in the seqtune package';
  const rel = relative(cwd, docs);
  return rel.startsWith('..') || isAbsolute(rel) ? docs : rel.split(sep).join('/');
}

/** A YAML scalar for a column name or path: as it is where YAML reads it back unchanged, else double-quoted. */
const scalar = (s: string) =>
  /^[A-Za-z_][A-Za-z0-9_./-]*$/.test(s) && !/^(true|false|null|yes|no|on|off)$/i.test(s) ? s : JSON.stringify(s);
const list = (a: string[]) => `[${a.map(scalar).join(', ')}]`;
/** A line of the config with its comment in the column the starter config keeps them in. */
const line = (text: string, comment: string) => `${text.padEnd(28)} # ${comment}`;

/** The data section's lines up to the lookback: placeholders, or what init read off the CSV. */
function dataLines(start?: CsvStart & { csv: string }): string {
  const v = start ?? { csv: 'data.csv', target: 'value', lookback: 48 };
  const time = start ? start.time : 'date';
  const format = start?.format ?? {};
  return [
    line(`  csv: ${scalar(v.csv)}`, 'a CSV with a header row'),
    ...(format.separator
      ? [line(`  separator: ${JSON.stringify(format.separator)}`, 'between fields (default ",")')]
      : []),
    ...(format.decimal ? [line(`  decimal: "${format.decimal}"`, 'the decimal mark (default ".")')] : []),
    time === null
      ? line('  # time: date', 'time column(s), checked for order; optional')
      : line(
          `  time: ${Array.isArray(time) ? list(time) : scalar(time)}`,
          'time column(s), checked for order; optional',
        ),
    start?.drop.length
      ? line(`  drop: ${list(start.drop)}`, 'columns to ignore')
      : line('  # drop: [id]', 'columns to ignore'),
    start?.skipRows
      ? line(`  skip_rows: ${start.skipRows}`, 'data rows to drop at the start')
      : line('  # skip_rows: 24', 'data rows to drop at the start'),
    line(`  missing: ${start?.missing ?? 'error'}`, 'error | drop | ffill | interpolate | {constant: 0}'),
    start && Object.keys(start.categorical).length
      ? line(
          `  categorical: {${Object.keys(start.categorical)
            .map((c) => `${scalar(c)}: onehot`)
            .join(', ')}}`,
          'label | onehot',
        )
      : '  # categorical: {wind: onehot}   # label | onehot',
    line('  # features: [a, b, c]', 'default: every numeric or categorical column'),
    Array.isArray(v.target)
      ? line(`  target: ${list(v.target)}`, 'the columns to forecast')
      : line(`  target: ${scalar(v.target)}`, 'or a list of columns'),
    line(`  lookback: ${v.lookback}`, 'timesteps fed to the model'),
  ].join('\n');
}

/**
 * The starter config: placeholders for the data, or (with `start` and the CSV's path relative to the config's folder)
 * the data section init read off the CSV.
 */
export function starterConfig(start?: CsvStart & { csv: string }): string {
  const v = start ?? { name: 'my-forecast' };
  const data = dataLines(start);
  const season = start?.season ?? null;
  // one output a target (horizon 1)
  const outputs = Array.isArray(start?.target) ? start.target.length : 1;
  const gru = start?.unitsWhy
    ? `    - gru: {units: ${start.units}}        # ${start.unitsWhy}`
    : '    - gru: {units: 64}       # gru | lstm | simple_rnn | bidirectional | conv1d | dense | dropout | ...';
  const baselines =
    season === null
      ? '  baselines: [persistence, mean, linear]   # {seasonal_naive: {season: N}} where the data repeat every N rows'
      : `  baselines: [persistence, mean, linear, {seasonal_naive: {season: ${season}}}]`;
  return `# seqtune config. Every key, its default and an example: ${docsPointer()}
# Paths are relative to this file. Keys are snake_case, as in Keras' Python API.
name: ${v.name}
seed: 42

data:
${data}
  horizon: 1                 # steps ahead; > 1 = direct multi-step forecast
  split: {train: 0.7, val: 0.15, test: 0.15}   # chronological
  scale: standard            # minmax | standard | robust | none (fitted on train only)
  relative: true             # each window minus its last value: the model learns the change,
                             # and an output of zeros is persistence (forecasts are added back)

model:
  layers:
${gru}
    - dense: {units: ${outputs}}${' '.repeat(Math.max(1, 7 - String(outputs).length))}# = horizon x number of targets

train:
  loss: mse                  # mse | mae | huber
  optimizer: {adam: {learning_rate: 0.001}}
  # clipnorm: 5
  epochs: 100
  batch_size: 32
  shuffle: true
  metrics: [mae]
  # schedule: {cosine: {t_max: 100}}
  callbacks:
    - early_stopping: {monitor: val_loss, patience: 10, restore_best_weights: true}

evaluate:
${baselines}

# tune:                      # seqtune tune: trial after trial, the best kept
#   strategy: auto           # auto: the diagnosis of the best so far picks what to change | ofat | grid | random | tpe
#   time_budget: 30m         # as many trials as fit in it (or a count: trials: 60)
#   space:                   # what ofat, grid, random and tpe search (auto sweeps these values for a key it changes)
#     model.layers[0].gru.units: [32, 64, 128]
`;
}

/** The starter config with placeholders for the data (`seqtune init` without --csv). */
export const STARTER_CONFIG = starterConfig();
