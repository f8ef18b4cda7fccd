// `seqtune predict RUN_DIR --csv FILE` and `seqtune evaluate RUN_DIR`.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, parseEvaluateSection } from '../config/index.js';
import {
  type BaselineSpec,
  cellAt,
  csvField,
  csvFormat,
  type DataConfig,
  DataError,
  DEFAULT_BASELINES,
  type FixedEncoding,
  fileRow,
  forecastsOf,
  gapsText,
  headerHint,
  type PreparedData,
  prepareTable,
  readCsv,
  Scaler,
  type ScalerState,
  sourceColumns,
  splitScoresAsync,
  type Table,
  timeGaps,
  turn,
  unscaleTargets,
} from '../data/index.js';
import { SeqtuneError } from '../errors.js';
import { forecastWindows, ORIGINS_AT_ONCE } from './forecast.js';

import { loadRun, type SavedData } from './load.js';
import { studyPath } from './study-paths.js';
import type { SplitMetrics } from './train.js';

/** A run whose model gives no finite forecast (its training diverged): the work failed, exit 1. */
export class ForecastFailed extends SeqtuneError {}

/** Options of predictRun. */
export interface PredictOptions {
  /**
   * Where predict's notes go, a line at a time: what data.missing filled or dropped in the new CSV (as `seqtune train`
   * says it, `data: ...`) and the filled cells the newest forecast reads. `seqtune predict` writes them to stderr.
   */
  log?: (line: string) => void;
  /** The most characters in one piece of the CSV (default PIECE_CHARS). */
  pieceChars?: number;
  /**
   * Data rows to skip at the start of the new CSV: by default the run's data.skip_rows (the rows its training CSV
   * began with that hold no data); 0 for a new file that has no such rows.
   */
  skipRows?: number;
}

/**
 * Characters in a piece of predict's CSV, about: V8 holds no string of more than 2^29 - 24 (512 Mi) characters, and
 * 13,000 origins of 10 targets x 500 steps made one of more (RangeError: Invalid string length, exit 1 as a bug).
 */
export const PIECE_CHARS = 1 << 24;

/**
 * Forecasts from every origin row with `lookback` rows up to and including it (none across a row that data.missing:
 * drop removed), as CSV text (original units, 8 significant digits of each target's scale: forecastCell), in pieces of
 * whole lines (`pieces.join('')` where it fits in one string; write them one after another where it may not).
 */
export async function predictRun(runDir: string, csv: string, o: PredictOptions = {}): Promise<string[]> {
  const { model, saved } = await loadRun(runDir);
  // a new CSV is read once, but by its size, in parts: a pipe has none (reading again later is train's reason)
  const notAFile = 'predict reads the rows of --csv from a file, by its size: save them to a file and give its name';
  const table = await readCsv(csv, { notAFile, ...csvFormat(saved.data) });
  // the training CSV's date order (31/01/2024 or 01/31/2024): a new file whose days are all 12 or under says neither
  const fixed: FixedEncoding = {
    scaler: saved.scaler,
    encodings: saved.encodings,
    dayFirst: saved.dayFirst,
    // the rows skipped are named as the user set them: --skip-rows 40 on 30 rows was 'data.skip_rows 40 removes ...'
    ...(o.skipRows === undefined ? {} : { skipName: '--skip-rows' }),
  };
  // the run's input columns by name, so that a new CSV may hold them in another order
  const cfg: DataConfig = {
    ...saved.data,
    features: saved.data.features ?? sourceColumns(saved.features, Object.keys(saved.data.categorical ?? {})),
    missing: saved.data.missing ?? 'error',
    // a column the run dropped is not read: the new CSV need not have it
    drop: saved.data.drop?.filter((c) => table.columns.has(c)),
    skip_rows: o.skipRows ?? saved.data.skip_rows,
  };
  // a column the run was trained on and the new CSV lacks: named as the run's, not as a data.features the user wrote
  const read = [...new Set([...cfg.features!, ...[cfg.target].flat()])];
  const absent = read.filter((c) => !table.columns.has(c));
  if (absent.length)
    throw new DataError(
      `${csv}: the run was trained on column${absent.length > 1 ? 's' : ''} ` +
        `${absent.map((c) => `"${c}"`).join(', ')}, not in the header (${table.header.join(', ')})` +
        `${headerHint(table, absent[0]!)}; predict reads the columns the run was trained on, by name`,
    );
  const H = cfg.horizon ?? 1;
  // With the fixed encoding, prepare cuts input-only windows: one per origin row L - 1 .. rows - 1 (in the rows left
  // after a drop policy, whose gaps no window spans).
  const d = prepareTable({ ...cfg, split: undefined }, table, fixed);
  const nT = d.targets.length;
  // the origin's value added back in float64 (forecastsOf): added into the float32 output, a series near 1e7 with
  // data.scale: none and data.relative was forecast in whole numbers (9999999 for 10000000.23)
  const pred = unscaleTargets(d, forecastsOf(d.windows.test, await forecastWindows(model, d.windows.test)));
  const bad = pred.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const row = fileRow(d, originRow(d, Math.floor(bad / (H * nT))), cfg.skip_rows);
    throw new ForecastFailed(
      `${runDir}: the model's forecast from origin row ${row} of ${csv} is ${pred[bad]}: its weights do not give ` +
        'finite forecasts (the run diverged; see its diagnosis.json), so there is nothing to write; ' +
        'train it again with a lower learning rate',
    );
  }
  // the training CSV itself: its gaps are the run's own, and predict's "as the run was trained" was untrue
  const trainedOn = resolve(csv) === resolve(runCsv(saved.csvPath, runDir));
  if (o.log) sayNotes(o.log, { d, cfg, table, read, csv, trainedOn }, o.skipRows === undefined);
  return await forecastCsv(d, cfg, table, pred, o.pieceChars ?? PIECE_CHARS);
}

/**
 * predict's notes: the rows of the new CSV skipped by the run's data.skip_rows (`runSkip`: no --skip-rows), what
 * data.missing filled or dropped, the filled cells the newest forecast reads, and the gaps its windows span.
 */
function sayNotes(
  log: (line: string) => void,
  p: { d: PreparedData; cfg: DataConfig; table: Table; read: string[]; csv: string; trainedOn: boolean },
  runSkip: boolean,
): void {
  const { d, cfg } = p;
  // a recent file of 100 rows lost its first 24 to a skip_rows meant for the training CSV's first rows, unsaid
  const skip = cfg.skip_rows ?? 0;
  if (skip > 0 && runSkip)
    log(
      `data: skipped the first ${skip} data row${skip === 1 ? '' : 's'} of ${p.csv}, as the run's data.skip_rows ` +
        "skipped its training CSV's (--skip-rows 0 reads them)",
    );
  for (const n of d.notes) log(`data: ${n}`);
  const N = d.windows.test.count;
  const filled = N > 0 ? filledInWindow(d, cfg, p.table, p.read, N - 1) : null;
  if (filled) log(filled);
  const gaps = gapsInWindows(d, cfg, p.trainedOn);
  if (gaps) log(gaps);
}

/**
 * A line saying that the forecast from window n reads cells of `columns` (the ones the run reads) that data.missing
 * filled (the newest forecast, the one a user acts on: a meter whose last reading is missing is forecast from the value
 * ffill carried forward, without a word), or null when its window has none.
 */
function filledInWindow(
  d: PreparedData,
  cfg: DataConfig,
  table: Table,
  columns: readonly string[],
  n: number,
): string | null {
  const last = originRow(d, n),
    L = cfg.lookback;
  let count = 0,
    newest = '';
  for (let r = last - L + 1; r <= last; r++) {
    const row = fileRow(d, r, cfg.skip_rows);
    for (const c of columns)
      if (table.columns.get(c)?.missingAt(row - 1)) {
        count++;
        newest = cellAt(row, c);
      }
  }
  if (count === 0) return null;
  const how = typeof cfg.missing === 'object' ? `constant ${cfg.missing.constant}` : cfg.missing;
  return (
    `the last forecast (origin row ${fileRow(d, last, cfg.skip_rows)}) reads ${count} filled ` +
    `cell${count === 1 ? '' : 's'} of its ${L}-row window, the newest at ${newest} (data.missing: ${how})`
  );
}

/**
 * A line saying that the new CSV's time column skips steps (the gaps `seqtune check` warns of in training data:
 * timeGaps), how many forecasts read a window that spans one as if it were one step, and whether the newest does; or
 * null when there is no gap (or no time column). A window across a 6-hour gap was forecast as one hour, without a word.
 * `trainedOn`: the CSV is the run's training CSV, whose gaps the run was trained across (train warns of them).
 */
function gapsInWindows(d: PreparedData, cfg: DataConfig, trainedOn: boolean): string | null {
  const g = cfg.time ? timeGaps(d.time, d.kept) : null;
  if (!g?.before.length) return null;
  // gapsUpTo[i]: the gaps before rows 1..i, so a window of rows a..b spans one where gapsUpTo[b] > gapsUpTo[a]
  const gapsUpTo = new Int32Array(d.time.length);
  for (const i of g.before) gapsUpTo[i] = 1;
  for (let i = 1; i < gapsUpTo.length; i++) gapsUpTo[i]! += gapsUpTo[i - 1]!;
  const N = d.windows.test.count,
    L = cfg.lookback;
  const spans = (n: number) => gapsUpTo[originRow(d, n)]! > gapsUpTo[originRow(d, n) - L + 1]!;
  let count = 0;
  for (let n = 0; n < N; n++) if (spans(n)) count++;
  const row = (i: number) => fileRow(d, i, cfg.skip_rows);
  const last = N > 0 ? `the last forecast (origin row ${row(originRow(d, N - 1))})` : '';
  const newest = !last ? '' : spans(N - 1) ? `, ${last} among them` : `; ${last} reads none`;
  const add = trainedOn
    ? `the run was trained across the same gaps (this is its training CSV): add the missing rows and train it ` +
      `again to forecast from steps of ${g.usual}`
    : `add the missing rows to forecast from steps of ${g.usual}, as the run was trained`;
  return (
    `${gapsText(g, row)}: ${count} of the ${N} forecast${N === 1 ? '' : 's'} read a window that spans a gap as ` +
    `one step${newest}; ${add}`
  );
}

/** The row window n is forecast from: its last input step (predict's windows are input-only, one per origin). */
const originRow = (d: PreparedData, n: number): number => d.windows.test.starts[n]! - 1;

/**
 * The forecasts as CSV: origin_row, origin_time with data.time, then TARGET_t+1 ... TARGET_t+H, horizon-major; lines
 * joined into pieces of about `piece` characters.
 */
async function forecastCsv(
  d: PreparedData,
  cfg: DataConfig,
  table: Table,
  pred: Float64Array,
  piece: number,
): Promise<string[]> {
  const H = cfg.horizon ?? 1,
    nT = d.targets.length;
  // origin_time as the CSV writes it (its format and offset; numbers as numbers); time in parts as ISO 8601, UTC
  const timeColumn = typeof cfg.time === 'string' ? table.columns.get(cfg.time)! : null;
  const head = ['origin_row', ...(cfg.time ? ['origin_time'] : [])];
  // a column name may hold a comma or a quote ("Load, MW"): quoted, or the header has more fields than the rows
  for (let h = 1; h <= H; h++) for (const t of d.targets) head.push(csvField(`${t}_t+${h}`));
  const scaler = new Scaler(d.scaler),
    spread = d.targets.map((t) => scaler.state.scale[scaler.indexOf(t)] ?? 1);
  const pieces: string[] = [];
  let lines = [head.join(',')],
    chars = 0;
  for (let n = 0; n < d.windows.test.count; n++) {
    if (n % ORIGINS_AT_ONCE === ORIGINS_AT_ONCE - 1) await turn();
    if (chars >= piece) {
      pieces.push(`${lines.join('\n')}\n`);
      [lines, chars] = [[], 0];
    }
    const row = fileRow(d, originRow(d, n), cfg.skip_rows);
    const cells = [String(row)];
    if (timeColumn) cells.push(csvField(timeColumn.cell(row - 1)));
    else if (cfg.time) cells.push(new Date(d.time[originRow(d, n)]!).toISOString());
    for (let i = 0; i < H * nT; i++) cells.push(forecastCell(pred[n * H * nT + i]!, spread[i % nT]!));
    lines.push(cells.join(','));
    chars += lines.at(-1)!.length + 1;
  }
  if (lines.length) pieces.push(`${lines.join('\n')}\n`);
  return pieces;
}

/**
 * A forecast to about 1e-7 of its target's scale (the model's float32 precision on scaled values): 8 significant
 * digits, more where the level is many times the spread. A series near 1e12 that moves by 1e5 was written as
 * 1000000100000 or 1000000000000, 8 digits that kept nothing of the forecast; it now reads 1000000012345.68.
 */
function forecastCell(v: number, scale: number): string {
  const extra = Math.floor(Math.log10(Math.abs(v))) - Math.floor(Math.log10(scale));
  return String(Number(v.toPrecision(Math.min(17, Math.max(8, extra + 7)))));
}

/**
 * The baselines a run's resolved config.yaml lists (evaluate.baselines), else the default ones. A config.yaml that is
 * there but whose YAML or evaluate: section cannot be read is an error that names it and the key (exit 2): it was
 * read as no file at all, and evaluate scored the default baselines, silently not those the run was scored on; a
 * baseline it named wrong ([foo]) was scored as a seasonal naive and failed with a TypeError. Its other sections are
 * left to the seqtune that wrote them (parseEvaluateSection).
 */
async function runBaselines(runDir: string): Promise<BaselineSpec[]> {
  for (const dir of await configFolders(runDir)) {
    const file = join(dir, 'config.yaml');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      // a run folder without its config.yaml (written by an older seqtune; the linear member of an ensemble)
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError(`${file}: cannot read the run's config (${(e as Error).message})`, { cause: e });
    }
    const baselines = parseEvaluateSection(text, file)?.baselines;
    if (baselines) return baselines as BaselineSpec[];
  }
  return [...DEFAULT_BASELINES];
}

/**
 * Where a run's config.yaml may be: its own folder; for an ensemble folder (which has none of its own), its members'
 * in the order ensemble.json uses them, whose evaluate.baselines its metrics were scored on (a kept ensemble of a
 * config that lists seasonal_naive was evaluated without it).
 */
async function configFolders(runDir: string): Promise<string[]> {
  const f = join(runDir, 'ensemble.json');
  if (!existsSync(f)) return [runDir];
  const members = (JSON.parse(await readFile(f, 'utf8')) as { use?: { members?: unknown } }).use?.members;
  const names = Array.isArray(members) ? members.filter((m): m is string => typeof m === 'string') : [];
  return [runDir, ...names.map((m) => join(runDir, m))];
}

/**
 * How far above a run folder its project folder may be: `<project>/runs/<name>/ensemble-<time>/member-<k>` is four
 * levels below it. Looking further up would find a file of the same name that is not the project's.
 */
const PROJECT_DEPTH = 4;

/**
 * The CSV a saved run was trained on (model/data.json's csvPath, absolute), or, when it is not there (the project
 * folder, a study's or the demo's own, was moved or copied to another machine), the same file found by studyPath
 * beside the run folder, from the run folder up to its project folder. The scaler check of evaluateRun refuses a
 * file with other rows.
 */
function runCsv(csvPath: string, runDir: string): string {
  if (existsSync(csvPath)) return csvPath;
  let dir = resolve(runDir);
  for (let up = 0; up <= PROJECT_DEPTH && dirname(dir) !== dir; up++, dir = dirname(dir)) {
    const here = studyPath(csvPath, dir);
    if (here !== csvPath) return here;
  }
  return csvPath;
}

/**
 * Where the scaler fitted on the CSV's training rows now differs from the one the run was trained with, centre and
 * scale, to 1e-9 of each column's level and spread: the column, what model/data.json holds and what was found; or
 * null. The centre alone passed a file whose training rows changed in spread (two values moved by +30 and -30 keep
 * the mean), and evaluate scored the model on inputs scaled unlike its training (scaled test MSE 0.7741, the run's
 * 0.7945); and an absolute 1e-9 passed any change to a series near 1e-9.
 */
function scalerChange(now: ScalerState, saved: ScalerState): string | null {
  const names = (st: ScalerState) => st.columns.join(', ');
  if (names(now) !== names(saved)) return `columns: expected ${names(saved)} (model/data.json), found ${names(now)}`;
  const i = now.center.findIndex((c, i) => {
    const s = now.scale[i]!;
    return !(Math.abs(c - saved.center[i]!) <= 1e-9 * (Math.abs(c) + s) && Math.abs(s - saved.scale[i]!) <= 1e-9 * s);
  });
  if (i < 0) return null;
  const pair = (st: ScalerState) => `centre ${st.center[i]} and scale ${st.scale[i]}`;
  return `column ${now.columns[i]}: expected ${pair(saved)} (model/data.json), found ${pair(now)}`;
}

/**
 * Each column's typical move over the training rows of the CSV a saved run was trained on, in original units: the
 * mean |x_t - x_(t-1)|, by name (features after encoding, and targets). Null where that CSV is gone or no longer
 * holds the training rows the run was scaled on: the caller (export's float32 warning) then judges by spread alone.
 * `saved`: the run's model/data.json, as loadRun gives it.
 */
export async function trainingMoves(runDir: string, saved: SavedData): Promise<Record<string, number> | null> {
  let d: PreparedData;
  try {
    d = prepareTable(saved.data, await readCsv(runCsv(saved.csvPath, runDir), csvFormat(saved.data)));
  } catch {
    return null;
  }
  if (scalerChange(d.scaler, saved.scaler)) return null;
  const [from, to] = d.ranges.train;
  const moves: Record<string, number> = {};
  const add = (name: string, scaled: Float64Array) => {
    const s = d.scaler.scale[d.scaler.columns.indexOf(name)];
    if (s === undefined || name in moves || to - from < 2) return;
    let sum = 0;
    for (let t = from + 1; t < to; t++) sum += Math.abs(scaled[t]! - scaled[t - 1]!);
    moves[name] = (sum / (to - from - 1)) * s;
  };
  for (const [i, f] of d.features.entries()) add(f, d.scaledFeatures[i]!);
  for (const [i, t] of d.targets.entries()) add(t, d.targetSeries.scaled[i]!);
  return moves;
}

/** Test and validation scores of a saved run, recomputed from its CSV (model and the run's baselines). */
export async function evaluateRun(
  runDir: string,
  baselines?: BaselineSpec[],
): Promise<{ test: SplitMetrics; val: SplitMetrics; notes?: string[] }> {
  const { model, saved } = await loadRun(runDir);
  const specs = baselines ?? (await runBaselines(runDir));
  const csvPath = runCsv(saved.csvPath, runDir);
  const d = prepareTable(saved.data, await readCsv(csvPath, csvFormat(saved.data)));
  const change = scalerChange(d.scaler, saved.scaler);
  if (change)
    throw new DataError(
      `${csvPath}: the training rows changed since the run was trained (${change}); evaluate needs the same data`,
    );
  const out = {} as { test: SplitMetrics; val: SplitMetrics; notes?: string[] };
  for (const split of ['test', 'val'] as const) {
    const { notes, ...scores } = await splitScoresAsync(
      d,
      split,
      await forecastWindows(model, d.windows[split]),
      specs,
    );
    out[split] = scores;
    if (notes.length) out.notes = notes;
  }
  return out;
}
