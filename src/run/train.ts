// `seqtune train`: config + CSV -> trained model, honest scores next to naive baselines, pictures,
// all written to one run folder (docs/config.md, "The run folder").
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import {
  baselinesOf,
  ConfigError,
  callbacksOf,
  checkBaselines,
  compiledModel,
  configSchema,
  dataSpec,
  fitThreads,
  knownKeysAt,
  type LoadedConfig,
  type RawConfig,
  resolveConfig,
  scheduleOf,
  threadsOfFit,
} from '../config/index.js';
import {
  absolute,
  fewTestWindows,
  fileRow,
  gapsAdvice,
  linearFitNotices,
  type PreparedData,
  plural,
  prepareData,
  type SplitScores,
  sharedTargets,
  sourceColumns,
  splitScoresAsync,
  timeGaps,
  unscaleTargets,
} from '../data/index.js';
import {
  type Diagnosis,
  diagnose,
  diagnosisChart,
  diagnosisText,
  evidenceFrom1,
  lintConfig,
} from '../diagnose/index.js';
import { type ChartInfo, forecastChart, renderSvg, renderTerminal, svgToPng } from '../plot/index.js';
import { redactUrl } from '../storage/index.js';
import type { History, Model, Samples } from '../train/index.js';
import { baselineLoss } from './baseline-loss.js';
import { defaultRunDir, RunFolder } from './folder.js';
import { forecastWindows } from './forecast.js';
import type { SavedData } from './load.js';

/** A split's scores in metrics.json: scaled, original, and by target where there are several (SplitScores). */
export type SplitMetrics = SplitScores;
/**
 * Whether the model gave no finite forecast on a split it was scored on (a run that diverged): its MSE is NaN, or null
 * where metrics.json wrote one. train, evaluate and export fail such a run.
 */
export function forecastsNotFinite(m: { val?: SplitMetrics; test?: SplitMetrics }): boolean {
  return [m.val, m.test].some((s) => {
    const mse = s?.scaled?.model?.mse as number | null | undefined; // (read from a file, a part may be missing)
    return mse === null || (mse !== undefined && !Number.isFinite(mse));
  });
}

export interface RunMetrics {
  test: SplitMetrics;
  val: SplitMetrics;
  windows: { train: number; val: number; test: number };
  epochs_run: number;
  seconds: number;
  /** Why a baseline of evaluate.baselines is not in the tables (the linear one over too many inputs). */
  notes?: string[];
}

export interface RunResult {
  dir: string;
  metrics: RunMetrics;
  history: History;
  model: Model;
  data: PreparedData;
  config: RawConfig;
  diagnosis: Diagnosis;
}

export interface TrainRunOptions {
  out?: string;
  /**
   * Progress on stderr: 'auto' (a bar on a terminal, else a line per epoch), 1 (a line per epoch) or 0, the default
   * (a library call prints nothing it was not asked for; `seqtune train` asks for 'auto').
   */
  verbose?: 0 | 1 | 'auto';
  /**
   * Where the run's report goes, a line at a time: what `seqtune train` prints (the data notes, the header, warnings,
   * the scores next to the baselines, the diagnosis). Default: nowhere; the result holds the same in data.
   */
  log?: (line: string) => void;
  /** Overrides applied to the resolved config before training (used by tuning). */
  override?: (cfg: RawConfig) => RawConfig;
  /**
   * Copy the CSV into the run folder (data.csv) and read it from there later: for data in a folder that goes away
   * (the demo's temporary one), so that evaluate and predict still find it.
   */
  keepData?: boolean;
}

/**
 * Model inputs/targets of a split, shaped for the model's output (vector H*targets or sequence (H, targets)):
 * the split's windows, gathered per batch as the model reads them.
 */
export function splitTensors(d: PreparedData, split: 'train' | 'val' | 'test', model: Model): [Samples, Samples] {
  const w = d.windows[split];
  return [w.inputs(), w.targets(model.outputShape!.T !== null)];
}

/** Checks that the model's output is horizon x targets wide, and says what to write if not. */
export function checkOutputWidth(file: string, cfg: RawConfig, model: Model, d: PreparedData): void {
  const H = cfg.data.horizon ?? 1,
    nT = d.targets.length,
    o = model.outputShape!;
  const ok = o.T === null ? o.F === H * nT : o.T === H && o.F === nT;
  if (!ok) {
    const last = cfg.model.layers.length - 1;
    const kind = Object.keys(cfg.model.layers[last]!)[0];
    const size = `horizon ${H} x ${nT} target${nT > 1 ? 's' : ''}`;
    throw new ConfigError(
      `${file}: model.layers[${last}].${kind}: ` +
        (o.T === null
          ? `the model outputs ${o.F} value${o.F === 1 ? '' : 's'} per window; ` +
            `expected ${H * nT} (${size}), e.g. dense: {units: ${H * nT}}`
          : `the model outputs (${o.T}, ${o.F}) values per window; expected (${H}, ${nT}) (${size}), ` +
            `e.g. ${sequenceAdvice(cfg, o.T, o.F, H, nT)}`),
    );
  }
}

/**
 * How a model whose output is a sequence (T, F) reaches (horizon, targets): the steps from a repeat_vector's n (the
 * one the config has, named by its place), the values per step from the time_distributed dense last.
 */
function sequenceAdvice(cfg: RawConfig, T: number, F: number, H: number, nT: number): string {
  const rv = cfg.model.layers.map((l) => Object.keys(l)[0]).lastIndexOf('repeat_vector');
  const steps =
    rv >= 0 ? `model.layers[${rv}].repeat_vector: {n: ${H}}` : `repeat_vector: {n: ${H}} before the decoder`;
  const fix = [...(T === H ? [] : [steps]), ...(F === nT ? [] : [`time_distributed: {dense: {units: ${nT}}} last`])];
  return `${fix.join(' and ')}, or a vector output ending in dense: {units: ${H * nT}}`;
}

/**
 * The model's and the baselines' scores on a split, and the model's output there (scaled, as predict gives it),
 * forecast a batch of windows at a time with turns of the event loop between (forecast.ts): one call over every window
 * held Ctrl-C and SIGTERM off to its end; the linear baseline's fit and forecasts turn it too (splitScoresAsync).
 */
async function evalSplit(
  model: Model,
  d: PreparedData,
  split: 'val' | 'test',
  baselines: ReturnType<typeof baselinesOf>,
): Promise<SplitMetrics & { out: Float32Array; notes: string[] }> {
  const out = await forecastWindows(model, d.windows[split]);
  return { ...(await splitScoresAsync(d, split, out, baselines)), out };
}

/**
 * One training run from a loaded config, as `seqtune train` does: reads and prepares the CSV, trains, scores the model
 * next to the baselines and writes the run folder (its path is `dir`). Quiet unless `log` or `verbose` say otherwise.
 * @example
 * import { loadConfig, trainRun } from 'seqtune';
 * const r = await trainRun(await loadConfig('my.yaml'), { log: console.log });
 * console.log(r.dir, r.metrics.test.scaled.model?.mse, r.diagnosis.summary);
 */
export async function trainRun(loaded: LoadedConfig, o: TrainRunOptions = {}): Promise<RunResult> {
  const log = o.log ?? (() => {});
  // the run folder's place is judged before the CSV is read and prepared (seconds for a large one): an --out taken or
  // below a file, or a config folder that takes no runs/, was refused after it
  const out = await RunFolder.refuseTaken(o.out ?? defaultRunDir(loaded.name, loaded.dir));
  let cfg = resolveConfig(loaded.raw, loaded.name);
  if (o.override) cfg = o.override(cfg);
  const { spec, csvPath } = dataSpec(cfg, loaded.dir);
  const data = await prepareData(spec, csvPath);
  for (const n of data.notes) log(`data: ${n}`);
  const model = compiledModel(loaded.file, cfg, data);
  checkOutputWidth(loaded.file, cfg, model, data);
  checkBaselines(loaded.file, cfg, data);
  const folder = await RunFolder.create(out, { exact: o.out !== undefined });
  try {
    const { history, seconds } = await fitRun(loaded, cfg, model, data, o, log);
    if (history.stopReason) log(history.stopReason);
    for (const n of linearFitNotices(data, baselinesOf(cfg))) log(n);
    const { metrics, diagnosis, loss } = await finishRun(folder, {
      loaded,
      cfg,
      csvPath,
      data,
      model,
      history,
      seconds,
      keepData: o.keepData,
    });
    const dir = await folder.commit();
    logSummary(log, loss, metrics, diagnosis, dir, cfg);
    return { dir, metrics, history, model, data, config: cfg, diagnosis };
  } catch (e) {
    await folder.abort();
    throw e;
  }
}

interface FittedRun {
  loaded: LoadedConfig;
  cfg: RawConfig;
  csvPath: string;
  keepData?: boolean;
  data: PreparedData;
  model: Model;
  history: History;
  seconds: number;
}

/** Scores a fitted model on the validation and test windows and writes the run folder's files into `folder`. */
async function finishRun(
  folder: RunFolder,
  r: FittedRun,
): Promise<{ metrics: RunMetrics; diagnosis: Diagnosis; loss: ChartInfo }> {
  const { cfg, data, model, history } = r;
  const baselines = baselinesOf(cfg);
  const { out, notes, ...test } = await evalSplit(model, data, 'test', baselines);
  const testPred = absolute(data.windows.test, out);
  const { out: _o, notes: _n, ...val } = await evalSplit(model, data, 'val', baselines);
  const metrics: RunMetrics = {
    test,
    val,
    windows: {
      train: data.windows.train.starts.length,
      val: data.windows.val.starts.length,
      test: data.windows.test.starts.length,
    },
    epochs_run: history.epochs,
    seconds: r.seconds,
    ...(notes.length ? { notes } : {}),
  };
  const { diagnosis, loss } = await writeRun(folder, { ...r, metrics, testPred });
  return { metrics, diagnosis, loss };
}

/**
 * A model fitted elsewhere (a tuning trial) saved as a run folder at `out`, with the same files `seqtune train`
 * writes, so that predict, evaluate and study ensemble read it like any run.
 */
export async function saveRun(
  loaded: LoadedConfig,
  cfg: RawConfig,
  fitted: { data: PreparedData; model: Model; history: History; seconds: number },
  out: string,
): Promise<{ dir: string; metrics: RunMetrics }> {
  const { csvPath } = dataSpec(cfg, loaded.dir);
  const folder = await RunFolder.create(out);
  try {
    const { metrics } = await finishRun(folder, { loaded, cfg, csvPath, ...fitted });
    return { dir: await folder.commit(), metrics };
  } catch (e) {
    await folder.abort();
    throw e;
  }
}

/** Says what is trained on what, warns about the config, and fits; seconds is the fit's time. */
async function fitRun(
  loaded: LoadedConfig,
  cfg: RawConfig,
  model: Model,
  data: PreparedData,
  o: TrainRunOptions,
  log: (line: string) => void,
): Promise<{ history: History; seconds: number }> {
  const t = cfg.train!;
  const [xTrain, yTrain] = splitTensors(data, 'train', model);
  const valSplit = t.validation ?? 'val';
  const samples = xTrain.shape[0]!,
    free = fitThreads(cfg);
  const threads = threadsOfFit(cfg, free, model, { batchSize: t.batch_size, samples, epochs: t.epochs! });
  // the header says what the fit will train on (a warning after it says why that is fewer than asked)
  const on = model.threadsFor(threads, t.batch_size, samples);
  const small = threads < free ? ` (of ${free}: too little work in a batch or the fit to share)` : '';
  log(
    `training ${loaded.name}: ${data.windows.train.starts.length} train / ${data.windows.val.starts.length} val / ` +
      `${data.windows.test.starts.length} test windows, ${model.countParams().toLocaleString('en-US')} weights, ` +
      `validation on ${valSplit}, ${on} thread${on === 1 ? '' : 's'}${small}`,
  );
  const turns = threadsOverCores(on);
  if (turns) log(`warning: ${turns}`);
  const fewTest = fewTestWindows(data.windows.test.starts.length, cfg.data.horizon ?? 1);
  if (fewTest) log(`warning: ${fewTest}`);
  // check's warning of gaps in the time column: a run trained without a check spanned a 32-day hole unsaid
  const gaps = cfg.data.time ? timeGaps(data.time, data.kept) : null;
  if (gaps?.before.length) log(`warning: ${gapsAdvice(gaps, (i) => fileRow(data, i, cfg.data.skip_rows))}`);
  for (const w of overlapWarnings(data, cfg.data.skip_rows)) log(`warning: ${w}`);
  // fit itself warns about the acc metric and the weight count; the lint adds what fit cannot see.
  for (const w of lintConfig(cfg).filter((x) => !x.startsWith('train.metrics'))) log(`warning: ${w}`);
  const started = performance.now();
  const history = await model.fit(xTrain, yTrain, {
    epochs: t.epochs,
    batchSize: t.batch_size,
    shuffle: t.shuffle,
    validationData: splitTensors(data, valSplit, model),
    callbacks: callbacksOf(cfg),
    schedule: scheduleOf(cfg),
    verbose: o.verbose ?? 0,
    onWarning: (w) => log(`warning: ${w}`),
    threads,
  });
  return { history, seconds: (performance.now() - started) / 1000 };
}

/**
 * What a fit on more threads than the machine has cores is told (train.threads or --threads above them): allowed, so
 * that a run repeats bit for bit on a machine with fewer cores, but the threads take turns on the cores, no faster.
 */
export function threadsOverCores(on: number, cores = availableParallelism()): string | null {
  if (on <= cores) return null;
  return (
    `train.threads: ${on} threads on ${cores} core${cores === 1 ? '' : 's'} take turns, no faster than ${cores} ` +
    `(the results are those of ${on} threads on any machine)`
  );
}

/** model/data.json: how the run read its data, for predict and evaluate to read a CSV the same way (load.ts). */
function savedData(cfg: RawConfig, csvPath: string, data: PreparedData): SavedData {
  return {
    data: cfg.data,
    csvPath,
    features: data.features,
    targets: data.targets,
    scaler: data.scaler,
    encodings: data.encodings,
    // how the CSV's slashed dates were read: predict reads a new CSV's the same way
    ...(data.dayFirst === undefined ? {} : { dayFirst: data.dayFirst }),
  };
}

/**
 * A section of config.yaml with its keys in the order of the config schema, the order a config read back has: the
 * keys a run adds (data.features, train.threads) and the defaults it fills in came first or last, so that `seqtune
 * train RUN/config.yaml` wrote data.features above data.target and train.threads elsewhere in its own config.yaml.
 */
function schemaOrder<T extends object>(section: 'data' | 'train', o: T): T {
  const keys = knownKeysAt(configSchema, [section]) ?? [];
  const rank = (k: string) => (keys.includes(k) ? keys.indexOf(k) : keys.length);
  return Object.fromEntries(Object.entries(o).sort((a, b) => rank(a[0]) - rank(b[0]))) as T;
}

/** Writes the run folder's files (docs/config.md, "The run folder"); returns the diagnosis and loss chart. */
async function writeRun(
  folder: RunFolder,
  r: {
    loaded: LoadedConfig;
    cfg: RawConfig;
    csvPath: string;
    data: PreparedData;
    model: Model;
    history: History;
    metrics: RunMetrics;
    testPred: Float32Array;
    keepData?: boolean;
  },
): Promise<{ diagnosis: Diagnosis; loss: ChartInfo }> {
  const { loaded, cfg, data, history } = r;
  // The run folder's config names the CSV so that it reads from the folder itself: by its absolute path, or the copy
  // beside it (relative to config.yaml, as every path in a config is).
  if (r.keepData) await folder.write('data.csv', await readFile(r.csvPath));
  const csv = r.keepData ? 'data.csv' : r.csvPath;
  const csvPath = r.keepData ? resolve(folder.final, 'data.csv') : r.csvPath;
  // no password in a run folder (the dashboard serves its files): tune.storage as messages show it
  const stored = cfg.tune?.storage;
  const tune = typeof stored === 'string' ? { tune: { ...cfg.tune, storage: redactUrl(stored) } } : {};
  // data.features as the run used them (by default every numeric or categorical column): the config trains the same
  // inputs on a CSV that gains columns; train.threads as the fit trained on them (by default the cores, in a study the
  // cores over its jobs, fewer where the fit fell back): the config repeats the run bit for bit on any machine; the
  // seed the model was built with (a study's trial of repeats keeps its best repeat, seed + r, not the config's seed)
  const train = history.threads === undefined ? cfg.train : { ...cfg.train, threads: history.threads };
  const resolved = {
    ...cfg,
    seed: r.model.seed,
    data: schemaOrder('data', {
      ...cfg.data,
      csv,
      features: cfg.data.features ?? sourceColumns(data.features, Object.keys(data.encodings)),
    }),
    ...(train ? { train: schemaOrder('train', train) } : {}),
    ...tune,
  };
  // a config whose folder goes away (keepData: the demo's) is named by what it was, not by a path that is gone
  const from = r.keepData ? `${loaded.name}'s config, its CSV copied beside this file` : loaded.file;
  await folder.write('config.yaml', `# resolved by seqtune from ${from}\n${stringify(resolved)}`);
  await folder.json('history.json', history.history);
  await folder.json('metrics.json', r.metrics);
  const diagnosis = diagnose(history.history, { config: cfg, baseline: baselineLoss(cfg, r.metrics) });
  await folder.json('diagnosis.json', { ...diagnosis, evidence: evidenceFrom1(diagnosis.evidence) });
  await r.model.save(folder.path('model'));
  await folder.json(join('model', 'data.json'), savedData(cfg, csvPath, data));
  const loss = diagnosisChart(history.history, diagnosis, loaded.name);
  const lossSvg = renderSvg(loss);
  await folder.write('loss.svg', lossSvg);
  await folder.write('loss.png', svgToPng(lossSvg));
  const fc = renderSvg(forecastInfo(data, r.testPred, loaded.name, cfg.data.skip_rows));
  await folder.write('forecast.svg', fc);
  await folder.write('forecast.png', svgToPng(fc));
  return { diagnosis, loss };
}

/** The end of `seqtune train`'s output: the loss chart, the metrics table, the diagnosis, the folder. */
function logSummary(
  log: (line: string) => void,
  loss: ChartInfo,
  metrics: RunMetrics,
  diagnosis: Diagnosis,
  dir: string,
  cfg: RawConfig,
): void {
  log('');
  log(renderTerminal(loss, { width: 60, height: 10 }).trimEnd());
  log('');
  log(metricsTable(metrics));
  const hint = ridgeHint(cfg, metrics);
  if (hint) log(hint);
  log('');
  log(diagnosisText(diagnosis, 'diagnosis'));
  log(`\nrun folder: ${dir}  (loss.png, forecast.png, metrics.json, history.json, model/)`);
}

/** What rows two splits share do, by pair (overlapWarnings). */
const WHAT_OVERLAP = {
  'train,val': 'val_loss and early stopping read rows the model is fit on',
  'train,test': 'the model is scored on rows it was fit on: the test scores come out optimistic',
  'val,test': 'early stopping chooses the epoch on test rows: the test scores come out optimistic',
} as const;

/**
 * What train says of explicit data.split ranges that share target rows (sharedTargets), as check's data.split_overlap
 * does: `seqtune train` said nothing, and its test scores read as those of unseen rows.
 */
function overlapWarnings(d: PreparedData, skipRows = 0): string[] {
  return sharedTargets(d.windows).map(
    (o) =>
      `data.split: the ${o.splits.join(' and ')} windows share ${plural(o.rows, 'target row')} ` +
      `(data rows ${fileRow(d, o.first, skipRows)}-${fileRow(d, o.last, skipRows)}): ` +
      `${WHAT_OVERLAP[o.splits.join(',') as keyof typeof WHAT_OVERLAP]}; make the ranges disjoint`,
  );
}

/**
 * The lever for a model that the linear baseline beats on validation, where the config lacks it: the network started
 * from that ridge model (what auto tries first). Read on validation, not test: the choice it points to is one a
 * study makes there.
 */
export function ridgeHint(cfg: RawConfig, m: RunMetrics): string | null {
  const val = m.val.scaled;
  const model = val.model?.mse,
    linear = val.linear?.mse;
  // the path adds to a vector: layers that end in a dense layer (an encoder-decoder's sequence takes no skip)
  const last = cfg.model.layers.at(-1);
  if (cfg.model.linear_skip || !last || !('dense' in last)) return null;
  // a model with no finite forecast diverged: its fix is the diagnosis' (a lower learning rate), not a skip path
  if (model === undefined || linear === undefined || !Number.isFinite(model) || !(linear < model)) return null;
  if (withinTie(model, linear)) return null;
  return (
    `hint: the linear baseline beats the model on validation (MSE ${linear.toPrecision(4)} vs ` +
    `${model.toPrecision(4)}): try model.linear_skip: ridge, the network started from that ridge model ` +
    "(auto's first lever)"
  );
}

/**
 * The first target one step ahead (the horizon's first step) over the test period: actual vs predicted, original
 * units, against the row of the CSV that step is (data rows from 1, data.skip_rows and rows data.missing: drop
 * removed counted, as predict's origin_row counts them). It was the index among the usable rows from 0: one row
 * early, and skip_rows plus every dropped row before it early on pollution.csv.
 */
export function forecastInfo(d: PreparedData, pred: Float32Array, name: string, skipRows = 0): ChartInfo {
  const w = d.windows.test,
    nT = d.targets.length,
    H = w.horizon;
  const orig = unscaleTargets(d, pred);
  const n = Math.min(w.starts.length, 500);
  const actual = new Float64Array(n),
    predicted = new Float64Array(n),
    x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    actual[i] = d.targetSeries.original[0]![w.starts[i]!]!;
    predicted[i] = orig[i * H * nT]!;
    x[i] = fileRow(d, w.starts[i]!, skipRows);
  }
  return forecastChart(actual, predicted, {
    title:
      `${name}: ${d.targets[0]} on the test period ` +
      `(${H > 1 ? `first step of each ${H}-step forecast` : 'one step ahead'}` +
      `${w.starts.length > n ? `, first ${n} windows` : ''})`,
    x,
    xLabel: 'row of the CSV',
    yLabel: d.targets[0],
  });
}

export function metricsTable(m: RunMetrics): string {
  const names = Object.keys(m.test.scaled);
  const rows = [['test', 'MSE (scaled)', 'MAE (scaled)', 'RMSE (original)', 'MAE (original)']];
  for (const n of names) {
    const s = m.test.scaled[n]!,
      o = m.test.original[n]!;
    rows.push([n, s.mse.toPrecision(4), s.mae.toPrecision(4), o.rmse.toPrecision(4), o.mae.toPrecision(4)]);
  }
  const best = bestBaseline(m.test.scaled);
  return [
    ...alignRows(rows),
    ...targetRows(m.test),
    best ? verdict(m.test.scaled.model!.mse, best.name, best.mse) : '',
    ...(m.notes ?? []).map((n) => `note: ${n}`),
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** Rows of cells as lines: the first column to the left, the rest to the right, each as wide as its widest cell. */
function alignRows(rows: string[][]): string[] {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  '));
}

/**
 * Where there are several targets, the test RMSE of the model and each baseline per target, in the target's own units
 * (the table's original-unit columns average errors in units that differ): a header, then one row per scorer.
 */
function targetRows(split: SplitMetrics): string[] {
  const each = split.by_target;
  if (!each) return [];
  const targets = Object.keys(each),
    names = Object.keys(each[targets[0]!]!);
  const rows = [
    ['test RMSE by target', ...targets],
    ...names.map((n) => [n, ...targets.map((t) => each[t]![n]?.rmse.toPrecision(4) ?? '-')]),
  ];
  return alignRows(rows);
}

/**
 * The baseline of the lowest test MSE among those that have a score (every key but `model`), or undefined: what
 * train's verdict and tune's closing line hold a result to. A NaN score made the sort's comparisons NaN, and the
 * verdict named persistence as the best where linear was a million times better.
 */
export function bestBaseline(scores: Record<string, { mse: number }>): { name: string; mse: number } | undefined {
  let best: { name: string; mse: number } | undefined;
  for (const [name, { mse }] of Object.entries(scores))
    if (name !== 'model' && Number.isFinite(mse) && (!best || mse < best.mse)) best = { name, mse };
  return best;
}

/**
 * Within this fraction of the best baseline's test MSE the model matches it: "beats by 0.0%" said nothing true.
 * tune's end holds its result to a baseline by the same rule (withinTie).
 */
export const TIE = 0.0005;

/** Whether a test MSE is within TIE of a baseline's, either way: it matches the baseline rather than beating it. */
export const withinTie = (mse: number, baseline: number) => Math.abs(1 - mse / baseline) < TIE;

/** The model's test MSE against the best baseline's, in words. */
function verdict(model: number, best: string, baseline: number): string {
  const gain = 1 - model / baseline,
    both = `test MSE ${model.toPrecision(4)} vs ${baseline.toPrecision(4)}`;
  if (withinTie(model, baseline)) return `the model matches ${best} (${both}, within ${100 * TIE}%)`;
  return gain > 0
    ? `the model beats the best baseline (${best}) by ${(100 * gain).toFixed(1)}% in test MSE`
    : `the model does NOT beat ${best} (${both})`;
}
