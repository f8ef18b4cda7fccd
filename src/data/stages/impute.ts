// Stage 3 of prepare (impute): missing values in the columns in use handled by data.missing: error
// (the default: say where they are), drop (the rows), ffill, interpolate (linear; the ends take the
// nearest value; never across the end of a split) or {constant: x}. Filling works on copies of the columns that have
// gaps.
import { MISSING_TOKENS } from '../csv-column.js';
import { cellAt, DataError, MissingValuesError, plural, SHOWN_CELLS } from '../errors.js';
import type { DataConfig, MissingPolicy } from '../types.js';
import { splitRanges } from '../window.js';
import type { Encoded } from './encode.js';
import type { TableRows } from './read.js';
import { DEFAULT_SPLIT } from './split.js';

type FillPolicy = Exclude<MissingPolicy, 'error' | 'drop'>;

/** The columns in use without missing values. */
export interface Imputed {
  /** Rows left (all of them unless the policy dropped some). */
  rows: number;
  droppedRows: number;
  /** Feature columns in Encoded.features order. */
  features: Float64Array[];
  /** Target columns in TableRows.targets order. */
  targets: Float64Array[];
  time: Float64Array;
  /** The data row (1-based, as messages count rows) of usable row i. */
  rowNumber: (i: number) => number;
  /** With rows dropped: the row (0-based, after data.skip_rows) of each usable row (PreparedData.kept). */
  kept: Int32Array | null;
  /** The target cells the policy filled (PreparedData.filledTargets), or null. */
  filled: Uint8Array[] | null;
  notes: string[];
}

/**
 * `forecast`: the rows are a new CSV that predict reads with a trained run's data section, which its user cannot
 * change: a message then advises on the CSV, not on data.missing or data.skip_rows.
 */
export function imputeMissing(cfg: DataConfig, rows: TableRows, enc: Encoded, forecast = false): Imputed {
  const used = [...new Set([...enc.features, ...rows.targets])];
  const ends = forecast ? [rows.count] : splitEnds(cfg, rows.count);
  const filled = filledCells(
    cfg.missing ?? 'error',
    rows.targets.map((t) => enc.numeric.get(t)!),
  );
  const { keep, notes } = applyPolicy(cfg.missing ?? 'error', rows, enc.numeric, used, { forecast, ends });
  const pick = (v: Float64Array) => (keep ? Float64Array.from(keep, (r) => v[r]!) : v);
  return {
    rows: keep ? keep.length : rows.count,
    droppedRows: keep ? rows.count - keep.length : 0,
    features: enc.features.map((c) => pick(enc.numeric.get(c)!)),
    targets: rows.targets.map((c) => pick(enc.numeric.get(c)!)),
    time: keep ? Float64Array.from(keep, (r) => rows.time[r]!) : rows.time,
    rowNumber: (i) => (keep ? keep[i]! : i) + rows.skip + 1,
    kept: keep ? Int32Array.from(keep) : null,
    filled,
    notes,
  };
}

/**
 * What a cell read as missing is, as messages say it: empty, or one of MISSING_TOKENS. "(NA, empty or NaN)" was said
 * of a file whose missing cells were "-" or "null", which the user could not then find.
 */
const MISSING_CELLS = `empty or one of ${[...MISSING_TOKENS]
  .filter(Boolean)
  .map((t) => `"${t}"`)
  .join(', ')}`;

/**
 * Where interpolation stops, in order: the end of each split and of the rows. A gap at the end of the validation rows
 * was interpolated toward the first test value after it, so the test rows moved val_loss and the epoch early stopping
 * kept. The split is found again where splitRows is (a bad data.split is left for it to name): null here.
 */
function splitEnds(cfg: DataConfig, count: number): number[] {
  try {
    const r = splitRanges(count, cfg.split ?? DEFAULT_SPLIT);
    return [...new Set([r.train[1], r.val[1], r.test[1], count])].filter((e) => e <= count).sort((a, b) => a - b);
  } catch {
    return [count];
  }
}

/**
 * Applies the policy; keep lists the rows left when it drops rows, else it is null. `ends`: where interpolation stops
 * (splitEnds).
 */
function applyPolicy(
  policy: MissingPolicy,
  rows: TableRows,
  numeric: Map<string, Float64Array>,
  used: string[],
  how: { forecast: boolean; ends: number[] },
): { keep: number[] | null; notes: string[] } {
  const { forecast } = how;
  const { count, cells } = findMissing(rows, numeric, used);
  if (count === 0) return { keep: null, notes: [] };
  // A column with no value at all: drop would leave no row and ffill/interpolate have nothing to fill from.
  const empty = typeof policy === 'string' ? used.find((c) => numeric.get(c)!.every(Number.isNaN)) : undefined;
  if (empty !== undefined)
    throw new DataError(
      rows.targets.includes(empty)
        ? `${rows.table.file}: data.target "${empty}" has no value in ${anyRow(rows.count)}`
        : `${rows.table.file}: column "${empty}" has no value in ${anyRow(rows.count)}; ` +
            'leave it out with data.drop (or name the inputs in data.features)',
    );
  if (policy === 'error')
    throw new MissingValuesError(
      `${rows.table.file}: ${plural(count, 'missing value')} (${MISSING_CELLS}), ` +
        `first at ${cells.join(', ')}; ` +
        (forecast
          ? 'fill them in the CSV (the run was trained with data.missing: error, and predict reads the CSV as it was)'
          : 'set data.missing to drop, ffill, interpolate or {constant: x}, or data.skip_rows'),
      count,
      cells,
    );
  if (policy === 'drop') {
    const keep: number[] = [];
    for (let r = 0; r < rows.count; r++) if (used.every((c) => !Number.isNaN(numeric.get(c)![r]))) keep.push(r);
    const dropped = rows.count - keep.length;
    return { keep, notes: [`dropped ${plural(dropped, 'row')} with missing values (no window spans a dropped row)`] };
  }
  // The columns may be views of the table's: fill copies of the ones with gaps.
  for (const c of used) {
    const v = numeric.get(c)!;
    if (v.some(Number.isNaN)) numeric.set(c, fillColumn(policy, v.slice(), rows, c, how));
  }
  const said = typeof policy === 'string' ? policy : `constant ${policy.constant}`;
  return { keep: null, notes: [`filled ${plural(count, 'missing value')} (${said})`] };
}

/** The cells of the target columns a fill policy will fill (1), before it does; null where it fills none. */
function filledCells(policy: MissingPolicy, targets: Float64Array[]): Uint8Array[] | null {
  if (policy === 'error' || policy === 'drop' || !targets.some((v) => v.some(Number.isNaN))) return null;
  return targets.map((v) => Uint8Array.from(v, (x) => (Number.isNaN(x) ? 1 : 0)));
}

/** "any of the 30 rows", or "its one row". */
const anyRow = (n: number) => (n === 1 ? 'its one row' : `any of the ${n} rows`);

/** How many cells are missing, and where the first few are (SHOWN_CELLS), in the file's order. */
function findMissing(
  rows: TableRows,
  numeric: Map<string, Float64Array>,
  used: string[],
): { count: number; cells: string[] } {
  const columns = used.map((c) => numeric.get(c)!);
  const cells: string[] = [];
  let count = 0;
  for (let r = 0; r < rows.count; r++)
    for (let j = 0; j < columns.length; j++)
      if (Number.isNaN(columns[j]![r])) {
        count++;
        if (cells.length < SHOWN_CELLS) cells.push(cellAt(r + 1 + rows.skip, used[j]!));
      }
  return { count, cells };
}

function fillColumn(
  policy: FillPolicy,
  v: Float64Array,
  rows: TableRows,
  c: string,
  how: { forecast: boolean; ends: number[] },
): Float64Array {
  const n = rows.count,
    { forecast } = how;
  if (policy === 'ffill') {
    for (let r = 0; r < n; r++)
      if (Number.isNaN(v[r])) {
        if (r === 0)
          throw new DataError(
            `${rows.table.file}: row ${1 + rows.skip}, column "${c}": ` +
              'missing value at the start cannot be forward-filled; ' +
              (forecast
                ? 'start the CSV at a row with a value in every column the run reads ' +
                  "(predict fills gaps with the run's data.missing: ffill)"
                : 'use data.skip_rows or missing: interpolate'),
          );
        v[r] = v[r - 1]!;
      }
  } else if (policy === 'interpolate') {
    for (const end of how.ends) interpolate(v, end);
    if (v.every(Number.isNaN))
      throw new DataError(`${rows.table.file}: column "${c}" has no values to interpolate from`);
  } else {
    for (let r = 0; r < n; r++) if (Number.isNaN(v[r])) v[r] = policy.constant;
  }
  return v;
}

/**
 * Linear interpolation over each run of NaN in v[0, n), from values in v[0, n) only; a run at either end takes the
 * nearest value (none where v[0, n) has no value: left for a later n).
 */
function interpolate(v: Float64Array, n: number): void {
  let last = -1;
  for (let r = 0; r <= n; r++) {
    if (r < n && Number.isNaN(v[r])) continue;
    if (r === n && last < 0) return;
    for (let q = last + 1; q < r; q++)
      v[q] = last < 0 ? v[r]! : r >= n ? v[last]! : v[last]! + ((v[r]! - v[last]!) * (q - last)) / (r - last);
    last = r;
  }
}
