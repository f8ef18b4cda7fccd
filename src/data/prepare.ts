// From a CSV (or a series in memory) to scaled train/val/test windows, following the `data:` section
// of the config. prepareTable runs the stages in order, each in its own file under stages/:
//   read    rows skipped, every named column checked, time parsed and checked for order
//   encode  feature columns chosen, numbers parsed, categories encoded
//   impute  missing values handled by an explicit policy
//   split   train/val/test row ranges
//   scale   scalers fitted on the training rows only
//   window  each split's windows cut

import { type CsvFormat, readCsv, type Table } from './csv.js';
import { encodeColumns, untrainedColumns } from './stages/encode.js';
import { imputeMissing } from './stages/impute.js';
import { readRows } from './stages/read.js';
import { coarseColumns, coarseText, constantTargetNotes, robustUnscaled, scaleColumns } from './stages/scale.js';
import { splitRows } from './stages/split.js';
import { cutWindows } from './stages/window.js';
import type { DataConfig, FixedEncoding, PreparedData } from './types.js';

/** The unscaled columns of the scaler's, in its order: the features, then the targets that are not features. */
function scaledSources(d: PreparedData, clean: { features: Float64Array[]; targets: Float64Array[] }): Float64Array[] {
  const extra = d.targets.flatMap((t, k) => (d.features.includes(t) ? [] : [clean.targets[k]!]));
  return [...clean.features, ...extra];
}

/** Reads and prepares the data of a config. baseDir resolves a relative csv path. */
export async function prepareData(cfg: DataConfig, csvPath: string): Promise<PreparedData> {
  const table = await readCsv(csvPath, csvFormat(cfg));
  return prepareTable(cfg, table);
}

/** How the data section says its CSV is written (data.separator, data.decimal), for readCsv. */
export function csvFormat(cfg: DataConfig): CsvFormat {
  return {
    ...(cfg.separator === undefined ? {} : { separator: cfg.separator }),
    ...(cfg.decimal === undefined ? {} : { decimal: cfg.decimal }),
  };
}

/** Keys of `data:` that only shape the windows: the prepared series does not depend on them. */
const WINDOW_KEYS = ['lookback', 'horizon', 'stride', 'relative'] as const;

/** What the prepared series depends on: the data section without the keys that only shape the windows. */
export function seriesKey(cfg: DataConfig): string {
  const rest: Record<string, unknown> = { ...cfg };
  for (const k of WINDOW_KEYS) delete rest[k];
  return JSON.stringify(rest);
}

/**
 * The same prepared series cut into the windows of another lookback, horizon, stride or relative setting (cfg
 * must have d's seriesKey): new start indices, no new copy of the series.
 */
export function rewindow(d: PreparedData, cfg: DataConfig, file: string): PreparedData {
  const ranges = splitRows(cfg, file, d.rows, false, d.droppedRows, undefined, d.kept);
  const series = { features: d.scaledFeatures, targets: d.targetSeries.scaled };
  return { ...d, ranges, windows: cutWindows(cfg, file, d.rows, ranges, series, false, d.kept) };
}

export function prepareTable(cfg: DataConfig, table: Table, fixed?: FixedEncoding): PreparedData {
  const rows = readRows(cfg, table, fixed?.dayFirst, fixed?.skipName);
  const encoded = encodeColumns(cfg, rows, fixed);
  const clean = imputeMissing(cfg, rows, encoded, fixed !== undefined);
  const ranges = splitRows(cfg, table.file, clean.rows, !!fixed, clean.droppedRows, fixed?.skipName, clean.kept);
  const untrained = fixed
    ? { drop: new Set<number>(), notes: [] }
    : untrainedColumns(cfg, encoded, clean.features, ranges.train);
  const kept = (_: unknown, i: number) => !untrained.drop.has(i);
  encoded.features = encoded.features.filter(kept);
  clean.features = clean.features.filter(kept);
  const names = { features: encoded.features, targets: rows.targets };
  const scaled = scaleColumns(cfg, table.file, names, clean, ranges.train, fixed);
  const windows = cutWindows(cfg, table.file, clean.rows, ranges, scaled, fixed !== undefined, clean.kept);
  const out: PreparedData = {
    features: encoded.features,
    targets: rows.targets,
    rows: clean.rows,
    ranges,
    windows,
    scaler: scaled.scaler.state,
    encodings: encoded.encodings,
    targetSeries: { original: clean.targets, scaled: scaled.targets },
    scaledFeatures: scaled.features,
    time: clean.time,
    droppedRows: clean.droppedRows,
    kept: clean.kept,
    filledTargets: clean.filled,
    ...(rows.dayFirst === undefined ? {} : { dayFirst: rows.dayFirst }),
    notes: [...encoded.notes, ...untrained.notes, ...clean.notes],
  };
  // a trained model's data (predict) was told at training
  if (!fixed) {
    out.notes.push(...constantTargetNotes(out.targets, clean.targets, ranges.train));
    out.notes.push(...robustUnscaled(out.scaler, scaledSources(out, clean), ranges.train));
    for (const c of coarseColumns(out, cfg.relative ?? false)) out.notes.push(coarseText(c, out.scaler.kind));
  }
  return out;
}
