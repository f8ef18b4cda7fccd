// From a CSV (or a series in memory) to scaled train/val/test windows, following the `data:` section
// of the config: rows skipped, time checked for order, columns dropped, categories encoded, missing
// values handled by an explicit policy, scalers fitted on the training rows only, windows cut.

import { type BaselineSpec, baselineForecast, baselineName, type Scores, score } from './baselines.js';
import { readCsv, type Table } from './csv.js';
import { DataError, MissingValuesError } from './errors.js';
import { Scaler, type ScalerKind, type ScalerState } from './scale.js';
import { absolute, makeWindows, splitRanges, type Windows, windowStarts } from './window.js';

export type MissingPolicy = 'error' | 'drop' | 'ffill' | 'interpolate' | { constant: number };

export interface DataConfig {
  csv: string;
  time?: string | string[];
  drop?: string[];
  skip_rows?: number;
  missing?: MissingPolicy;
  categorical?: Record<string, 'label' | 'onehot'>;
  features?: string[];
  target: string | string[];
  lookback: number;
  horizon?: number;
  stride?: number;
  split?: Record<'train' | 'val' | 'test', number | [number, number]>;
  scale?: ScalerKind;
  /** Inputs and targets relative to the last input step (the model learns the change; outputs are added back). */
  relative?: boolean;
}

export const MISSING_TOKENS = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'NAN', 'null', 'NULL', 'None', '?']);

export interface PreparedData {
  /** Feature column names after encoding (one-hot columns are named column=value). */
  features: string[];
  targets: string[];
  rows: number;
  ranges: Record<'train' | 'val' | 'test', [number, number]>;
  windows: Record<'train' | 'val' | 'test', Windows>;
  scaler: ScalerState;
  /** Category -> code, for label-encoded columns. */
  encodings: Record<string, string[]>;
  /** Target series, original and scaled, full length (for baselines and plots). */
  targetSeries: { original: Float64Array[]; scaled: Float64Array[] };
  /** Scaled feature columns, full length (inputs for forecasts past the last target). */
  scaledFeatures: Float64Array[];
  /** Time stamps in ms (or row numbers when there is no time column). */
  time: number[];
  /** Rows removed by the missing-value policy (drop). */
  droppedRows: number;
  notes: string[];
}

function parseTime(table: Table, time: string | string[], skip: number): number[] {
  const cols = (Array.isArray(time) ? time : [time]).map((c) => {
    const v = table.columns.get(c);
    if (!v)
      throw new DataError(
        `${table.file}: data.time names column "${c}", which is not in the header (${table.header.join(', ')})`,
      );
    return { name: c, values: v.slice(skip) };
  });
  const n = cols[0]!.values.length;
  const out: number[] = new Array(n);
  for (let r = 0; r < n; r++) {
    let t: number;
    if (cols.length === 1) {
      const raw = cols[0]!.values[r]!;
      t = /^-?\d+(\.\d+)?$/.test(raw)
        ? Number(raw)
        : Date.parse(
            raw.includes(' ') && !raw.includes('T')
              ? `${raw.replace(' ', 'T') + (raw.length <= 16 ? ':00' : '')}Z`
              : raw,
          );
    } else {
      const p = cols.map((c) => Number(c.values[r]));
      t = Date.UTC(p[0]!, (p[1] ?? 1) - 1, p[2] ?? 1, p[3] ?? 0, p[4] ?? 0, p[5] ?? 0);
    }
    if (!Number.isFinite(t))
      throw new DataError(
        `${table.file}: row ${r + 1 + skip}, column "${cols.map((c) => c.name).join('/')}": ` +
          `expected a date/time, found "${cols.map((c) => c.values[r]).join(' ')}"`,
      );
    if (r > 0 && !(t > out[r - 1]!))
      throw new DataError(
        `${table.file}: row ${r + 1 + skip}, column "${cols.map((c) => c.name).join('/')}": ` +
          `time "${cols.map((c) => c.values[r]).join(' ')}" is not after the row before; ` +
          'rows must be in time order without duplicates',
      );
    out[r] = t;
  }
  return out;
}

/** Reads and prepares the data of a config. baseDir resolves a relative csv path. */
export async function prepareData(cfg: DataConfig, csvPath: string): Promise<PreparedData> {
  const table = await readCsv(csvPath);
  return prepareTable(cfg, table);
}

/** A scaler and category codes fixed by a trained model, applied as they are (for predict on new data). */
export interface FixedEncoding {
  scaler: ScalerState;
  encodings: Record<string, string[]>;
}

export function prepareTable(cfg: DataConfig, table: Table, fixed?: FixedEncoding): PreparedData {
  const file = table.file,
    notes: string[] = [];
  const skip = cfg.skip_rows ?? 0;
  if (skip >= table.rows) throw new DataError(`${file}: data.skip_rows ${skip} removes all ${table.rows} data rows`);
  const has = (c: string) => table.columns.has(c);
  const need = (c: string, key: string) => {
    if (!has(c))
      throw new DataError(
        `${file}: ${key} names column "${c}", which is not in the header (${table.header.join(', ')})`,
      );
  };
  const targets = Array.isArray(cfg.target) ? cfg.target : [cfg.target];
  for (const [i, t] of targets.entries()) need(t, Array.isArray(cfg.target) ? `data.target[${i}]` : 'data.target');
  for (const [i, c] of (cfg.drop ?? []).entries()) need(c, `data.drop[${i}]`);
  for (const c of Object.keys(cfg.categorical ?? {})) need(c, `data.categorical.${c}`);
  const timeCols = cfg.time === undefined ? [] : Array.isArray(cfg.time) ? cfg.time : [cfg.time];
  let time =
    cfg.time !== undefined ? parseTime(table, cfg.time, skip) : Array.from({ length: table.rows - skip }, (_, i) => i);
  const excluded = new Set([...timeCols, ...(cfg.drop ?? [])]);
  const cats = cfg.categorical ?? {};
  const n0 = table.rows - skip;

  // Numeric parse with missing markers; categorical encoding.
  const numeric = new Map<string, Float64Array>();
  const encodings: Record<string, string[]> = {};
  const parseColumn = (c: string): Float64Array => {
    const raw = table.columns.get(c)!.slice(skip);
    const out = new Float64Array(n0);
    for (let r = 0; r < n0; r++) {
      const s = raw[r]!;
      if (MISSING_TOKENS.has(s)) {
        out[r] = NaN;
        continue;
      }
      const v = Number(s);
      if (!Number.isFinite(v))
        throw new DataError(`${file}: row ${r + 1 + skip}, column "${c}": expected a number, found "${s}"`);
      out[r] = v;
    }
    return out;
  };
  const isNumeric = (c: string) =>
    table.columns
      .get(c)!
      .slice(skip)
      .every((s) => MISSING_TOKENS.has(s) || Number.isFinite(Number(s)));
  const featureNames: string[] = [];
  const featureBase = cfg.features ?? table.header.filter((c) => !excluded.has(c) && (c in cats || isNumeric(c)));
  if (!cfg.features) {
    const skipped = table.header.filter((c) => !excluded.has(c) && !featureBase.includes(c));
    if (skipped.length)
      notes.push(
        'columns left out of the features because they are not numeric ' +
          `(name them in data.categorical to encode them): ${skipped.join(', ')}`,
      );
  }
  featureBase.forEach((c, i) => {
    need(c, `data.features[${i}]`);
    if (excluded.has(c))
      throw new DataError(`${file}: data.features[${i}] "${c}" is also listed in data.drop or data.time`);
  });
  for (const c of featureBase) {
    if (c in cats) {
      const raw = table.columns.get(c)!.slice(skip);
      const levels = fixed?.encodings[c] ?? [...new Set(raw.filter((s) => !MISSING_TOKENS.has(s)))].sort();
      if (fixed)
        raw.forEach((s, r) => {
          if (!MISSING_TOKENS.has(s) && !levels.includes(s))
            throw new DataError(
              `${file}: row ${r + 1 + skip}, column "${c}": ` +
                `category "${s}" was not seen in training (${levels.join(', ')})`,
            );
        });
      encodings[c] = levels;
      if (cats[c] === 'label') {
        numeric.set(
          c,
          Float64Array.from(raw, (s) => (MISSING_TOKENS.has(s) ? NaN : levels.indexOf(s))),
        );
        featureNames.push(c);
      } else {
        for (const lv of levels) {
          numeric.set(
            `${c}=${lv}`,
            Float64Array.from(raw, (s) => (MISSING_TOKENS.has(s) ? NaN : s === lv ? 1 : 0)),
          );
          featureNames.push(`${c}=${lv}`);
        }
      }
    } else {
      numeric.set(c, parseColumn(c));
      featureNames.push(c);
    }
  }
  for (const t of targets)
    if (!numeric.has(t)) {
      if (t in cats) throw new DataError(`${file}: data.target "${t}" is categorical; the target must be numeric`);
      numeric.set(t, parseColumn(t));
    }

  // Missing values over the columns in use.
  const used = [...new Set([...featureNames, ...targets])];
  const policy = cfg.missing ?? 'error';
  const missingCells: string[] = [];
  let missingCount = 0;
  for (const c of used) {
    const v = numeric.get(c)!;
    for (let r = 0; r < n0; r++)
      if (Number.isNaN(v[r])) {
        missingCount++;
        if (missingCells.length < 5) missingCells.push(`row ${r + 1 + skip} column "${c}"`);
      }
  }
  let keep: number[] | null = null;
  if (missingCount > 0) {
    if (policy === 'error') {
      throw new MissingValuesError(
        `${file}: ${missingCount} missing value${missingCount > 1 ? 's' : ''} (NA, empty or NaN), ` +
          `first at ${missingCells.join(', ')}; ` +
          'set data.missing to drop, ffill, interpolate or {constant: x}, or data.skip_rows',
        missingCount,
        missingCells,
      );
    } else if (policy === 'drop') {
      keep = [];
      for (let r = 0; r < n0; r++) if (used.every((c) => !Number.isNaN(numeric.get(c)![r]))) keep.push(r);
      notes.push(`dropped ${n0 - keep.length} rows with missing values`);
    } else {
      for (const c of used) {
        const v = numeric.get(c)!;
        if (policy === 'ffill') {
          for (let r = 0; r < n0; r++)
            if (Number.isNaN(v[r])) {
              if (r === 0)
                throw new DataError(
                  `${file}: row ${1 + skip}, column "${c}": ` +
                    'missing value at the start cannot be forward-filled; ' +
                    'use data.skip_rows or missing: interpolate',
                );
              v[r] = v[r - 1]!;
            }
        } else if (policy === 'interpolate') {
          let last = -1;
          for (let r = 0; r <= n0; r++) {
            if (r < n0 && Number.isNaN(v[r])) continue;
            for (let q = last + 1; q < r; q++)
              v[q] = last < 0 ? v[r]! : r >= n0 ? v[last]! : v[last]! + ((v[r]! - v[last]!) * (q - last)) / (r - last);
            last = r;
          }
          if (v.every(Number.isNaN)) throw new DataError(`${file}: column "${c}" has no values to interpolate from`);
        } else {
          for (let r = 0; r < n0; r++) if (Number.isNaN(v[r])) v[r] = policy.constant;
        }
      }
      notes.push(
        `filled ${missingCount} missing values ` +
          `(${typeof policy === 'string' ? policy : `constant ${policy.constant}`})`,
      );
    }
  }
  const pick = (v: Float64Array) => (keep ? Float64Array.from(keep, (r) => v[r]!) : v);
  if (keep) time = keep.map((r) => time[r]!);
  const rows = keep ? keep.length : n0;
  const feat = featureNames.map((c) => pick(numeric.get(c)!));
  const targ = targets.map((c) => pick(numeric.get(c)!));

  const lookback = cfg.lookback,
    horizon = cfg.horizon ?? 1,
    stride = cfg.stride ?? 1;
  if (rows < lookback + horizon)
    throw new DataError(
      `${file}: ${rows} usable rows, ` +
        `but one window needs lookback ${lookback} + horizon ${horizon} = ${lookback + horizon}`,
    );
  const ranges = fixed
    ? { train: [0, rows] as [number, number], val: [0, rows] as [number, number], test: [0, rows] as [number, number] }
    : splitRanges(rows, cfg.split ?? { train: 0.7, val: 0.15, test: 0.15 });

  // Scalers fitted on the training rows of every feature and target column.
  const allCols = [...featureNames, ...targets.filter((t) => !featureNames.includes(t))];
  const allData = [...feat, ...targets.filter((t) => !featureNames.includes(t)).map((t) => targ[targets.indexOf(t)]!)];
  if (fixed) {
    const want = fixed.scaler.columns.join(', ');
    if (allCols.join(', ') !== want)
      throw new DataError(
        `${file}: the columns after encoding are ${allCols.join(', ')}, but the model was trained on ${want}`,
      );
  }
  const scaler = fixed
    ? new Scaler(fixed.scaler)
    : Scaler.fit(cfg.scale ?? 'standard', allCols, allData, ranges.train[0], ranges.train[1]);
  const scaledFeat = feat.map((v, i) => Float64Array.from(v, (x) => scaler.transform(i, x)));
  const scaledTarg = targets.map((t, k) => {
    const i = allCols.indexOf(t);
    return Float64Array.from(targ[k]!, (x) => scaler.transform(i, x));
  });

  const windows = {} as Record<'train' | 'val' | 'test', Windows>;
  for (const k of ['train', 'val', 'test'] as const) {
    const starts = windowStarts(ranges[k], lookback, horizon, stride);
    if (starts.length === 0)
      throw new DataError(
        fixed
          ? `${file}: ${rows} rows hold no window of lookback ${lookback} + horizon ${horizon}`
          : `${file}: the ${k} split (rows ${ranges[k][0]}-${ranges[k][1]}) holds no window ` +
              `of lookback ${lookback} + horizon ${horizon}; ` +
              'use more data, a smaller lookback/horizon or another split',
      );
    windows[k] = makeWindows(starts, lookback, horizon, scaledFeat, scaledTarg, cfg.relative ?? false);
  }
  return {
    features: featureNames,
    targets,
    rows,
    ranges,
    windows,
    scaler: scaler.state,
    encodings,
    targetSeries: { original: targ, scaled: scaledTarg },
    scaledFeatures: scaledFeat,
    time,
    droppedRows: keep ? n0 - keep.length : 0,
    notes,
  };
}

/** Scores of the baselines on a split's windows, on the scaled and the original scale. */
export function baselineScores(
  d: PreparedData,
  split: 'train' | 'val' | 'test',
  specs: BaselineSpec[],
): { scaled: Record<string, Scores>; original: Record<string, Scores> } {
  const w = d.windows[split];
  const scaled: Record<string, Scores> = {},
    original: Record<string, Scores> = {};
  const [a, b] = d.ranges.train;
  const mean = (s: Float64Array[]) =>
    s.map((v) => {
      let t = 0;
      for (let i = a; i < b; i++) t += v[i]!;
      return t / (b - a);
    });
  const truthOrig = originalTargets(d, w);
  for (const spec of specs) {
    const name = baselineName(spec);
    scaled[name] = score(baselineForecast(spec, w, d.targetSeries.scaled, mean(d.targetSeries.scaled)), w.truth);
    original[name] = score(
      baselineForecast(spec, w, d.targetSeries.original, mean(d.targetSeries.original)),
      truthOrig,
    );
  }
  return { scaled, original };
}

/** A split's targets in original units (horizon-major, as Windows.y). */
export function originalTargets(d: PreparedData, w: Windows): Float32Array {
  const nT = d.targets.length,
    out = new Float32Array(w.starts.length * w.horizon * nT);
  w.starts.forEach((s, n) => {
    for (let h = 0; h < w.horizon; h++)
      for (let k = 0; k < nT; k++) out[(n * w.horizon + h) * nT + k] = d.targetSeries.original[k]![s + h]!;
  });
  return out;
}

/**
 * A model's output on a split's windows scored against the truth, on the scaled and the original scale
 * (offsets of relative windows added back).
 */
export function scoreForecast(
  d: PreparedData,
  split: 'train' | 'val' | 'test',
  modelOutput: ArrayLike<number>,
): { scaled: Scores; original: Scores } {
  const w = d.windows[split];
  const pred = absolute(w, modelOutput);
  return { scaled: score(pred, w.truth), original: score(unscaleTargets(d, pred), originalTargets(d, w)) };
}

/** Maps scaled predictions (horizon-major, targets last) back to original units. */
export function unscaleTargets(d: PreparedData, pred: ArrayLike<number>): Float32Array {
  const scaler = new Scaler(d.scaler),
    nT = d.targets.length,
    idx = d.targets.map((t) => scaler.indexOf(t));
  return Float32Array.from({ length: pred.length }, (_, i) => scaler.inverse(idx[i % nT]!, pred[i]!));
}
