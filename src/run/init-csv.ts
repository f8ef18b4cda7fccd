// `seqtune init --csv FILE`: the starter config's data section read off the user's CSV: its time column (one date
// column, or year/month/day/hour columns) and the step between rows, an index or constant column to drop, text to
// encode, the target, a missing-value policy when cells are missing, and a lookback and seasonal-naive baseline from
// the step (a day of hours, a week of days, a year of months) where the target's autocorrelation does not peak
// clearly elsewhere (season.ts), as a practitioner would start.

import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  type CsvFormat,
  DataError,
  fromParts,
  headerHint,
  newestFirstHint,
  numericColumn,
  parseStamp,
  partsProblem,
  plural,
  readCsv,
  repeatedTimeHint,
  separatorHint,
  slashDayFirst,
  splitRanges,
  stackedSeriesHint,
  stampProblem,
  type Table,
  textCells,
  timeOfDayColumn,
  usualStep,
  windowStarts,
} from '../data/index.js';
import { checkSeason } from './season.js';

/** What init read off the CSV: the data section's values, and one line per choice to tell the user. */
export interface CsvStart {
  name: string;
  /** data.separator and data.decimal where the file is not comma-separated with decimal points. */
  format: CsvFormat;
  time: string | string[] | null;
  drop: string[];
  categorical: Record<string, 'onehot'>;
  /** One column, or several (--target A,B): the Dense layer gives one output per target. */
  target: string | string[];
  missing: 'error' | 'ffill';
  /** Data rows to drop at the start: those before every numeric column has a value (ffill has none to carry). */
  skipRows: number;
  lookback: number;
  season: number | null;
  /** The GRU's units, and why when fewer than the usual 64 (modelSize). */
  units: number;
  unitsWhy: string | null;
  said: string[];
}

/** The starter config's split (init.ts writes it). */
export const STARTER_SPLIT = { train: 0.7, val: 0.15, test: 0.15 };

/**
 * `seqtune check` (data.enough_windows) warns of a model with more weights than this many per training target (window
 * x target x horizon step): init sizes its model under it.
 */
export const WEIGHTS_PER_TARGET = 10;

/** How many bytes of the file init reads to tell its separator (its header line is in them). */
const HEAD_BYTES = 1 << 16;

/** The separators init tells a file's by, other than the comma, and how it says them. */
const SEPARATORS = [
  { sep: ';', said: 'separator: ";"', between: 'fields between semicolons' },
  { sep: '\t', said: 'separator: "\\t"', between: 'fields between tabs' },
] as const;

/**
 * The CSV read as it is written: a header line with semicolons or tabs between its fields and no comma (spreadsheets in
 * locales with a decimal comma save "CSV" with semicolons; spreadsheets' "Text (tab-delimited)" and pandas'
 * to_csv(sep="\t") write tabs) is read with that data.separator, and with data.decimal "," where more cells read as
 * numbers so. It was refused, the header one column.
 */
async function readAsWritten(csv: string, said: string[]): Promise<{ t: Table; format: CsvFormat }> {
  let head = '';
  try {
    const fh = await open(csv, 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      head = buf.toString('utf8', 0, (await fh.read(buf, 0, HEAD_BYTES, 0)).bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    // readCsv names what is wrong with the file
  }
  const header = head.split(/\r?\n|\r/, 1)[0]!.replace(/"[^"]*"/g, '""');
  const count = (c: string) => header.split(c).length - 1;
  // the separator the header has most of, where it has no comma
  const other = header.includes(',') ? undefined : [...SEPARATORS].sort((a, b) => count(b.sep) - count(a.sep))[0];
  if (!other || !count(other.sep)) return { t: await readCsv(csv), format: {} };
  const points = await readCsv(csv, { separator: other.sep });
  const commas = await readCsv(csv, { separator: other.sep, decimal: ',' });
  const numbers = (t: Table) =>
    t.header.reduce((n, h) => n + t.columns.get(h)!.numbers.filter(Number.isFinite).length, 0);
  if (numbers(commas) > numbers(points)) {
    said.push(`${other.said}, decimal: "," (${other.between}, numbers with a decimal comma)`);
    return { t: commas, format: { separator: other.sep, decimal: ',' } };
  }
  said.push(`${other.said} (${other.between})`);
  return { t: points, format: { separator: other.sep } };
}

/** The GRU units init proposes, the most first: the first whose model the training windows can carry. */
const UNITS = [64, 32, 16, 8, 4];

/** Weights of GRU(units) -> Dense(outputs) on `inputs` columns (reset_after: two bias vectors per gate). */
const gruWeights = (units: number, inputs: number, outputs: number) =>
  3 * (units * (inputs + units) + 2 * units) + (units + 1) * outputs;

/**
 * The GRU's units: 64, or fewer where the training windows are few (shampoo's 36 rows give 18: GRU(64)'s 12,929
 * weights are 718 per training target, and check warned 'few training windows for this model'). Each window holds a
 * value of each of the `targets` to learn (check counts windows x targets x horizon).
 */
function modelSize(rows: number, lookback: number, inputs: number, targets: number, said: string[]) {
  const windows = windowStarts(splitRanges(rows, STARTER_SPLIT).train, lookback, 1, 1).length;
  const weights = (u: number) => gruWeights(u, inputs, targets);
  const units = UNITS.find((u) => weights(u) <= WEIGHTS_PER_TARGET * windows * targets) ?? UNITS.at(-1)!;
  if (units === UNITS[0]) return { units, unitsWhy: null };
  const per = targets === 1 ? 'a window' : `a window and target (${targets} targets)`;
  const unitsWhy =
    `${weights(units)} weights for ${plural(windows, 'training window')} ` +
    `(GRU(${UNITS[0]}): ${weights(UNITS[0]!)}; at most ${WEIGHTS_PER_TARGET} ${per})`;
  said.push(`model: gru units ${units}, ${unitsWhy}`);
  return { units, unitsWhy };
}

/** Columns of time parts, in the order data.time takes them. */
const PARTS = ['year', 'month', 'day', 'hour', 'minute', 'second'];
/** A text column with at most this many distinct values is a category (one-hot); more and it is dropped. */
const MAX_LEVELS = 20;

/** The calendar's cycles, in seconds: a step's season is the shortest that holds two steps or more. */
const CYCLES: [seconds: number, what: string][] = [
  [86400, 'a day'],
  [7 * 86400, 'a week'],
  [365.25 * 86400, 'a year'],
];
/** Steps between rows, in seconds, that have a calendar season, and what the rows are called. */
const STEPS: [seconds: number, unit: string][] = [
  [60, 'minutes'],
  [5 * 60, '5-minute steps'],
  [10 * 60, '10-minute steps'],
  [15 * 60, '15-minute steps'],
  [30 * 60, 'half-hours'],
  [3600, 'hours'],
  [86400, 'days'],
  [7 * 86400, 'weeks'],
  [30.44 * 86400, 'months'],
  [91.3 * 86400, 'quarters'],
];

const lower = (s: string) => s.toLowerCase();

/**
 * The column's cells as times (ms); else the first row (0-based) whose cell is not a time, or whose time is not after
 * the row before (`order`).
 */
function timesOf(t: Table, cols: string[]): Float64Array | { row: number; order: boolean } {
  const c = cols.map((n) => t.columns.get(n)!);
  const dayFirst = c.length === 1 && slashDayFirst(c[0]!);
  const out = new Float64Array(t.rows);
  for (let r = 0; r < t.rows; r++) {
    const v = c.length === 1 ? parseStamp(c[0]!, r, dayFirst) : fromParts(c.map((x) => x.numbers[r]!));
    if (!Number.isFinite(v)) return { row: r, order: false };
    if (r > 0 && !(v > out[r - 1]!)) return { row: r, order: true };
    out[r] = v;
  }
  return out;
}

/** A column of numbers named as a time (time, date, timestamp, epoch, ...): Unix seconds or milliseconds. */
const TIME_NAME = new RegExp(
  '^(date|time|datetime|date_?time|timestamp|ts|epoch|unix(_?time)?|(unix_?)?time_?stamp)' +
    '(_?(s|ms|sec|secs|seconds|utc))?$',
  'i',
);

/**
 * data.time: year/month/... columns, else the first column of dates (text cells, all of them times in order), else a
 * column of numbers named as a time whose values rise (Unix seconds or milliseconds). A column of dates out of order
 * (or with a time twice) is told in `said`, since train cannot use it as it is, and named as `unordered`.
 */
function findTime(
  t: Table,
  said: string[],
): { time: string | string[] | null; ms: Float64Array | null; unordered: string | null } {
  const byName = new Map(t.header.map((h) => [lower(h), h]));
  const parts: string[] = [];
  for (const p of PARTS) {
    const h = byName.get(p);
    if (!h) break;
    parts.push(h);
  }
  if (parts.length >= 2) {
    const ms = timesOf(t, parts);
    if (ms instanceof Float64Array) return { time: parts, ms, unordered: null };
    const c = parts.map((h) => t.columns.get(h)!);
    const problem = ms.order ? '' : partsProblem(c.map((x) => x.numbers[ms.row]!));
    if (problem)
      throw new DataError(
        `${t.file}: columns ${parts.join(', ')} hold times, but row ${ms.row + 1} ` +
          `("${c.map((x) => x.cell(ms.row)).join(' ')}") is no date: ${problem}; fix the cell`,
      );
    const reversed = ms.order ? newestFirstHint(t, parts, 0, false) : '';
    if (reversed) throw new DataError(`${t.file}: columns ${parts.join(', ')} hold times${reversed}`);
  }
  let unordered: { column: string; said: string } | null = null;
  for (const h of t.header) {
    const c = t.columns.get(h)!;
    if (c.textCount() < t.rows) continue; // numbers or gaps: not a date column (a column of years is one of parts)
    const ms = timesOf(t, [h]);
    if (ms instanceof Float64Array) return { time: h, ms, unordered: null };
    if (!ms.order) noDate(t, h);
    if (ms.order && unordered === null) unordered = { column: h, said: timeOrder(t, h, ms.row) };
  }
  for (const h of t.header) {
    const c = t.columns.get(h)!;
    if (!TIME_NAME.test(h.trim()) || c.textCount() > 0 || !c.numbers.every((v) => Math.abs(v) >= 1e9)) continue;
    if (numberDates(t, h)) continue; // 2024010100: a date and hour, not Unix seconds (sortColumns drops it)
    const ms = timesOf(t, [h]);
    if (ms instanceof Float64Array) {
      said.push(`time: ${h} (Unix ${Math.abs(c.numbers[0]!) < 1e11 ? 'seconds' : 'milliseconds'})`);
      return { time: h, ms, unordered: null };
    }
    if (ms.order && unordered === null) unordered = { column: h, said: timeOrder(t, h, ms.row) };
  }
  if (unordered !== null) said.push(unordered.said);
  return { time: null, ms: null, unordered: unordered?.column ?? null };
}

/**
 * Throws where column h holds times but for cells written as dates the calendar does not have ("2024-02-30",
 * stampProblem): Date.parse read it as 1 March, and init wrote a config of that column; without the check such a
 * column would be dropped as text.
 */
function noDate(t: Table, h: string): void {
  const c = t.columns.get(h)!;
  const dayFirst = slashDayFirst(c);
  let first = -1;
  for (let r = 0; r < t.rows; r++) {
    if (Number.isFinite(parseStamp(c, r, dayFirst))) continue;
    if (!stampProblem(c, r, dayFirst)) return;
    if (first < 0) first = r;
  }
  if (first >= 0)
    throw new DataError(
      `${t.file}: column "${h}" holds times, but row ${first + 1} ("${c.cell(first)}") is no date: ` +
        `${stampProblem(c, first, dayFirst)}; fix the cell`,
    );
}

/**
 * What to tell of a column of times whose row r is not after the row before: sort the file, or remove the repeat.
 * Throws where the file holds several series one after another (stackedSeriesHint): any config init wrote from it
 * would train on windows that run from one series into the next; and where it runs newest first (newestFirstHint):
 * any config would train it backwards in time.
 */
function timeOrder(t: Table, h: string, r: number): string {
  const c = t.columns.get(h)!;
  // a file that runs newest first: a config without data.time would train it backwards (its oldest rows the test)
  const stacked = newestFirstHint(t, h, 0, slashDayFirst(c)) || stackedSeriesHint(t, r, [h]);
  if (stacked)
    throw new DataError(
      `${t.file}: column "${h}" holds times, but row ${r + 1} ("${c.cell(r)}") is not after the row above it ` +
        `("${c.cell(r - 1)}")${stacked}`,
    );
  const same = c.cell(r) === c.cell(r - 1);
  const clock = same ? timeOfDayColumn(t, h) : undefined;
  if (clock !== undefined)
    return (
      `no data.time: column "${h}" holds dates without the time of day, which column "${clock}" holds (row ${r + 1}: ` +
      `"${c.cell(r)}" again); data.time reads the date and the time from one column (2024-01-31 13:00) or from ` +
      'year, month, day, hour columns: join the two in one column of the CSV to use them as the time'
    );
  return (
    `no data.time: column "${h}" holds times, but row ${r + 1} ("${c.cell(r)}") is ` +
    (same
      ? 'the time of the row before again; remove the repeated rows (or average them) and set data.time' +
        repeatedTimeHint(c.cell(r))
      : `before the row above it ("${c.cell(r - 1)}"); sort the file by ${h} and set data.time`)
  );
}

/** Digits of a date written as a number: YYYYMMDD, YYYYMMDDHH, YYYYMMDDHHMM, YYYYMMDDHHMMSS. */
const DATE_DIGITS = /^(\d{4})(\d\d)(\d\d)(\d\d)?(\d\d)?(\d\d)?$/;

/**
 * A column of dates written as numbers (20240131, or 2024013113 with the hour), rising from row to row: read as
 * numbers, 20240131 was an input the model learned from, and 2024013113, at least 1e9, was taken for Unix seconds
 * (a step of 1 s, 77 s at midnight) and made data.time.
 */
function numberDates(t: Table, h: string): boolean {
  const v = t.columns.get(h)!.numbers;
  if (t.rows < 2) return false;
  for (let r = 0; r < t.rows; r++) {
    const m = Number.isInteger(v[r]) ? DATE_DIGITS.exec(String(v[r])) : null;
    if (!m || (r > 0 && !(v[r]! > v[r - 1]!))) return false;
    const [y, mo, d, hh = 0, mi = 0, ss = 0] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x)));
    if (y! < 1800 || y! > 2200 || mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || hh > 23 || mi > 59 || ss > 59)
      return false;
  }
  return true;
}

/** A column that counts the rows (0, 1, 2, ... or 1, 2, 3, ...): pandas' index written to the file. */
function isIndex(t: Table, h: string): boolean {
  const v = t.columns.get(h)!.numbers;
  const first = v[0]!;
  if (first !== 0 && first !== 1) return false;
  for (let r = 1; r < v.length; r++) if (v[r] !== first + r) return false;
  return t.rows > 2;
}

/** The distinct texts of a column, up to `most` + 1 of them. */
function levels(t: Table, h: string, most: number): Set<string> {
  const c = t.columns.get(h)!;
  const seen = new Set<string>();
  for (let r = 0; r < t.rows && seen.size <= most; r++) {
    const s = c.textAt(r);
    if (s !== null) seen.add(s);
  }
  return seen;
}

/**
 * What to say of a column that holds one value in every row with a value (`1 in every row`), else null: such a
 * column is no input (check's data.constant_columns asks to drop it; as one-hot it is a column of ones).
 */
function sameValue(t: Table, h: string): string | null {
  const c = t.columns.get(h)!;
  let first: string | null = null;
  let gaps = false;
  for (let r = 0; r < t.rows; r++) {
    if (c.missingAt(r)) {
      gaps = true;
      continue;
    }
    const text = c.textAt(r);
    const v = text === null ? String(c.numbers[r]!) : JSON.stringify(text);
    if (first === null) first = v;
    else if (v !== first) return null;
  }
  return first === null
    ? null
    : `${first} in every row${gaps ? ' that has a value' : ''}, no information to learn from`;
}

const isMissing = (t: Table, h: string, r: number) => {
  const c = t.columns.get(h)!;
  return Number.isNaN(c.numbers[r]!) && c.textAt(r) === null;
};

/** How many rows at the start have a missing cell in one of the columns (none to carry forward there). */
function leadingGaps(t: Table, cols: string[]): number {
  let leading = 0;
  for (const h of cols) {
    let r = 0;
    while (r < t.rows && isMissing(t, h, r)) r++;
    leading = Math.max(leading, r);
  }
  return leading;
}

/** Cells read as missing in the columns given from data row `from` on: how many, and where the first is. */
function missingCells(t: Table, cols: string[], from: number): { n: number; first: string | null } {
  let n = 0;
  let first: [number, string] | null = null;
  for (const h of cols)
    for (let r = from; r < t.rows; r++)
      if (isMissing(t, h, r)) {
        n++;
        if (!first || r < first[0]) first = [r, h];
      }
  return { n, first: first ? `row ${first[0] + 1}, column "${first[1]}"` : null };
}

/** A calendar cycle in rows of a step: its length and what it is called (a day of hours: 24). */
type Cycle = [season: number, what: string];

/**
 * The calendar's cycles for a step in ms (within 10% of a step in STEPS), shortest first: the first is the season
 * (a day of hours, a week of days, a year of months), the longer ones those an ACF peak near them is read as (a year
 * of days: 365); none for another step.
 */
function cyclesOf(stepMs: number): Cycle[] {
  const s = stepMs / 1000;
  const step = STEPS.find(([sec]) => Math.abs(s - sec) <= 0.1 * sec);
  if (!step) return [];
  return CYCLES.map(([sec, what]): Cycle => [Math.round(sec / step[0]), `${what} of ${step[1]}`]).filter(
    ([season]) => season >= 2,
  );
}

/** A config name from the CSV's file name: letters, digits, - and _ (config.name is one folder name). */
function nameOf(csv: string): string {
  const n = basename(csv)
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return n || 'my-forecast';
}

/**
 * The columns other than the time: a row counter or a column of one value to drop, text to encode or drop, and the
 * numeric ones. `unordered`: the column of times findTime told as out of order.
 */
function sortColumns(t: Table, timeCols: string[], unordered: string | null, targets: string[], said: string[]) {
  const drop: string[] = [];
  const categorical: Record<string, 'onehot'> = {};
  const numeric: string[] = [];
  for (const h of t.header.filter((x) => !timeCols.includes(x))) {
    const column = t.columns.get(h)!;
    if (column.textCount() === 0 && column.numbers.every(Number.isNaN)) {
      drop.push(h);
      said.push(`dropped ${h}: no value in any row`);
    } else if (numericColumn(column, 0, t.rows)) {
      // a typo or two in a column of numbers is a number column, as train reads it (train names the cell)
      const target = targets.includes(h);
      const same = target ? null : sameValue(t, h);
      if (!target && isIndex(t, h)) {
        drop.push(h);
        said.push(`dropped ${h}: it counts the rows`);
      } else if (!target && numberDates(t, h)) {
        drop.push(h);
        said.push(
          `dropped ${h}: dates written as numbers ("${t.columns.get(h)!.cell(0)}"), no input; data.time reads ` +
            'them written as dates (2024-01-31, 2024-01-31 13:00): write them so to use them as the time',
        );
      } else if (same !== null) {
        drop.push(h);
        said.push(`dropped ${h}: ${same}`);
      } else numeric.push(h);
    } else {
      const seen = levels(t, h, MAX_LEVELS);
      const same = sameValue(t, h);
      if (same !== null) {
        drop.push(h);
        said.push(`dropped ${h}: ${same}`);
      } else if (seen.size <= MAX_LEVELS) {
        categorical[h] = 'onehot';
        said.push(`${h}: ${seen.size} categories, one-hot encoded`);
      } else if (h === unordered) {
        drop.push(h);
        said.push(`dropped ${h}: its times, out of order as said above`);
      } else {
        drop.push(h);
        const comma = commaHint(t, h);
        said.push(
          `dropped ${h}: text with more than ${MAX_LEVELS} distinct values` +
            (comma ||
              (timeCols.length || said.some((l) => l.startsWith('no data.time'))
                ? ''
                : ' (if it is the time: data.time reads dates like 2024-01-31, the year in four digits)')),
        );
      }
    }
  }
  return { drop, categorical, numeric };
}

/** A cell of column h that is a number written with a comma (1,234 or 20,7), when every text cell is one; else null. */
function commaNumber(t: Table, h: string): string | null {
  const c = t.columns.get(h)!;
  let first: string | null = null;
  for (let r = 0; r < t.rows; r++) {
    const s = c.textAt(r);
    if (s === null) continue;
    if (!/^[+-]?(\d{1,3}(,\d{3})+(\.\d+)?|\d+,\d+)$/.test(s.trim())) return null;
    first ??= s;
  }
  return first;
}

/** What to say of column h when its text cells are numbers written with a comma (commaNumber), else ''. */
function commaHint(t: Table, h: string): string {
  const words = commaWords(t, h);
  return words ? ` (${words})` : '';
}

/** What a column of numbers written with commas holds, in words, or ''. */
function commaWords(t: Table, h: string): string {
  const comma = commaNumber(t, h);
  return comma
    ? `numbers written with a comma, like "${comma}": seqtune reads neither thousands separators nor decimal ` +
        'commas; save the file without them'
    : '';
}

/**
 * `; Sales holds numbers written with a comma, ...` for the first column of such numbers, or '': a CSV whose one
 * column of numbers was written "1,120" had "no column of numbers to forecast", and no word of why.
 */
function commasSaid(t: Table): string {
  const h = t.header.find((c) => commaNumber(t, c));
  return h === undefined ? '' : `; ${h} holds ${commaWords(t, h)}`;
}

/** What init says of the numeric columns beside the target: ', the other numeric column as an input', ... */
function inputsSaid(others: number): string {
  if (others === 0) return '';
  return others === 1 ? ', the other numeric column as an input' : `, the other ${others} numeric columns as inputs`;
}

/**
 * The columns --target names: "load", or a comma list "load,temp" (a column whose name holds the comma is that column);
 * none without --target.
 */
function targetsNamed(t: Table, target: string | undefined): string[] {
  if (target === undefined) return [];
  if (t.columns.has(target) || !target.includes(',')) return [target];
  const named = target.split(',').map((c) => c.trim());
  const twice = named.find((c, i) => named.indexOf(c) !== i);
  if (twice !== undefined) throw new DataError(`${t.file}: --target "${target}": names "${twice}" twice`);
  return named;
}

/** The targets: those --target names, checked to be numeric columns, or the one numeric column there is. */
function chooseTarget(csv: string, t: Table, numeric: string[], timeCols: string[], named: string[]): string[] {
  for (const target of named) {
    if (!t.columns.has(target))
      throw new DataError(
        `${csv}: --target "${target}": no such column; the columns are ${t.header.join(', ')}${headerHint(t, target)}`,
      );
    if (!numeric.includes(target))
      throw new DataError(
        `${csv}: --target "${target}": expected a column of numbers to forecast; ` +
          `${timeCols.includes(target) ? 'it is the time column' : 'it holds text'}` +
          commaHint(t, target) +
          (numeric.length ? `; the numeric columns are ${numeric.join(', ')}` : ''),
      );
  }
  // a target of one value: every baseline scores 0 and check fails it (data.constant_columns); init wrote the config
  const constant = named.find((c) => sameValue(t, c) !== null);
  if (constant !== undefined) {
    const others = numeric.filter((c) => c !== constant);
    throw new DataError(
      `${csv}: --target "${constant}": expected a column whose values change; it holds ${sameValue(t, constant)}: ` +
        `nothing to forecast${others.length ? `; the other numeric columns are ${others.join(', ')}` : ''}`,
    );
  }
  if (named.length) return named;
  if (numeric.length === 1) return [numeric[0]!];
  throw new DataError(
    numeric.length
      ? `${csv}: which column to forecast? name it with --target (the numeric columns are ${numeric.join(', ')})`
      : `${csv}: no column of numbers to forecast (the columns are ${t.header.join(', ')})` +
          separatorHint(t.header, t.separator) +
          commasSaid(t),
  );
}

/** skip_rows over the first rows with a missing cell, and ffill where cells are missing after them. */
function missingPolicy(csv: string, t: Table, numeric: string[], said: string[]) {
  const skipRows = leadingGaps(t, numeric);
  if (skipRows >= t.rows)
    throw new DataError(`${csv}: no row has a value in every numeric column; no row to train from`);
  if (skipRows)
    said.push(
      `skip_rows: ${skipRows} (the ${skipRows === 1 ? 'row' : 'rows'} before every numeric column has a value: ` +
        'none to carry forward)',
    );
  const gaps = missingCells(t, numeric, skipRows);
  if (gaps.n)
    said.push(
      `missing: ffill (${gaps.n} cell${gaps.n === 1 ? ' is' : 's are'} missing, the first at ${gaps.first}; each ` +
        'takes the last value before it, which uses no later row)',
    );
  return { skipRows, missing: gaps.n ? ('ffill' as const) : ('error' as const) };
}

/**
 * The target from data row `from` on as train reads it under init's missing policy: a missing cell takes the last
 * value before it (ffill); a cell with no value before it is left out.
 */
function targetSeries(t: Table, target: string, from: number): Float64Array {
  const v = t.columns.get(target)!.numbers;
  const out = new Float64Array(t.rows - from);
  let n = 0;
  let last = Number.NaN;
  for (let r = from; r < t.rows; r++) {
    if (Number.isFinite(v[r]!)) last = v[r]!;
    if (!Number.isNaN(last)) out[n++] = last;
  }
  return out.subarray(0, n);
}

/** The longest lookback init proposes (two weeks of hours), whatever the season. */
const MAX_LOOKBACK = 336;

/** 'a', 'a and b', 'a, b and c'. */
const listed = (names: string[]) =>
  names.length < 2 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;

/**
 * What init adds of the targets whose seasons it checked ('' for one target): of several, each is checked, and one
 * season serves the seasonal naive baseline of all of them (evaluate.baselines takes one): the first target's, and the
 * others that differ are named with theirs. It checked the first alone: a second target with another cycle went unsaid.
 */
function targetsSeasons(names: string[], seasons: (number | null)[]): string {
  if (names.length < 2) return '';
  const differ = names.slice(1).filter((_, i) => seasons[i + 1] !== seasons[0]);
  if (!differ.length) return `; ${listed(names)} alike`;
  const theirs = differ.map((n) => {
    const s = seasons[names.indexOf(n)] ?? null;
    return s === null ? `${n} shows no clear cycle` : `${n} has another, ${s}`;
  });
  return `; of ${names[0]}, the first target; ${theirs.join(', ')}: the seasonal naive takes one season for all`;
}

/**
 * Each target's checkSeason against the calendar's cycles, on the rows before the starter split's test rows (`seen`):
 * a cycle only the test rows had set the season and the lookback.
 */
function seasonChecks(series: Float64Array[], cycles: Cycle[], rows: number) {
  const seen = splitRanges(rows, STARTER_SPLIT).test[0];
  const checks = series.map((x) =>
    checkSeason(
      x.subarray(0, seen),
      cycles[0]?.[0] ?? null,
      cycles.slice(1).map(([c]) => c),
    ),
  );
  return { seen, checks };
}

/**
 * The season: the calendar's for the step between rows, checked against the target's autocorrelation (checkSeason:
 * a clear peak elsewhere replaces a calendar season the data show no cycle at, and with no peak anywhere such a
 * season is none; with too few rows to check, the calendar's is said as the calendar's); and a lookback of two seasons
 * (MAX_LOOKBACK and a fifth of the rows at most; else 48). `series`: each target's, in `names`' order; the first
 * target's season is the one used (targetsSeasons says how the others' compare). The season returned is the seasonal
 * naive baseline's: null where the rows before the starter split's validation rows are fewer than a season (20 hourly
 * rows hold 14), which train refuses. The ACF is of the rows before the starter split's test rows: the test rows choose
 * nothing.
 */
function seasonAndLookback(
  ms: Float64Array | null,
  series: Float64Array[],
  names: string[],
  rows: number,
  said: string[],
) {
  const cycles = ms && ms.length > 2 ? cyclesOf(usualStep(ms)) : [];
  const calendar = cycles[0] ?? null;
  const { seen, checks } = seasonChecks(series, cycles, rows);
  const check = checks[0]!;
  const season = check.season;
  const whose = targetsSeasons(
    names,
    checks.map((c) => c.season),
  );
  // train refuses a seasonal naive whose season reaches before the first row from the first validation target
  const room = splitRanges(rows, STARTER_SPLIT).val[0];
  const baseline =
    season !== null && season > room
      ? `; no seasonal naive baseline: the ${rows} rows hold ${room} before the validation split, fewer than a season`
      : ', a seasonal naive baseline';
  if (check.how === 'peak') {
    const named = cycles.find(([c]) => c === season);
    const where = named
      ? `${named[1]}: the data's autocorrelation peaks at ${check.peak!.lag}`
      : "the data's autocorrelation peaks there";
    const instead = calendar ? `; ${calendar[1]}, ${calendar[0]}, shows no cycle` : '';
    said.push(`season: ${season} (${where}${instead}${whose})${baseline}`);
  } else if (calendar && check.how === 'short')
    // too few rows to tell whether the data have the calendar's cycle: said as the calendar's, not the data's
    said.push(
      `season: ${calendar[0]} (the calendar's, ${calendar[1]}: the ${seen} rows before the test split are too few to ` +
        `see whether the data have it${whose})${baseline}`,
    );
  else if (calendar && season === null)
    said.push(
      `season: none (${calendar[1]}, ${calendar[0]}, shows no cycle: the autocorrelation there, ` +
        `${check.calendarAcf!.toFixed(3)}, is within two standard errors of none${whose}), no seasonal naive baseline`,
    );
  else if (calendar) said.push(`season: ${calendar[0]} (${calendar[1]}${whose})${baseline}`);
  const wanted = season ? Math.min(2 * season, MAX_LOOKBACK) : 48;
  const lookback = Math.max(2, Math.min(wanted, Math.floor(rows / 5)));
  const why =
    lookback < wanted
      ? `a fifth of the ${rows} rows`
      : season === null
        ? ''
        : 2 * season > MAX_LOOKBACK
          ? `at most ${MAX_LOOKBACK}; two seasons are ${2 * season}`
          : 'two seasons';
  said.push(`lookback: ${lookback}${why ? ` (${why})` : ''}`);
  return { season: season !== null && season > room ? null : season, lookback };
}

/**
 * Reads the CSV and chooses the starter config's data section from it. `target` names the column to forecast, or
 * several as a comma list ("load,temp"); without it the CSV must have one numeric column left once the time, index
 * and text columns are set aside.
 */
export async function startFromCsv(csv: string, target?: string): Promise<CsvStart> {
  const name = nameOf(csv);
  const said = [`name: ${name} (after the CSV: runs go to runs/${name}/ beside the config)`];
  const { t, format } = await readAsWritten(csv, said);
  const { time, ms, unordered } = findTime(t, said);
  const timeCols = time === null ? [] : Array.isArray(time) ? time : [time];
  if (time !== null && !said.some((l) => l.startsWith('time: '))) said.push(`time: ${timeCols.join(', ')}`);
  const named = targetsNamed(t, target);
  const { drop, categorical, numeric } = sortColumns(t, timeCols, unordered, named, said);
  const chosen = chooseTarget(csv, t, numeric, timeCols, named);
  said.push(`target: ${chosen.join(', ')}${inputsSaid(numeric.length - chosen.length)}`);
  const { skipRows, missing } = missingPolicy(csv, t, numeric, said);
  // a typo or two in a column of numbers keeps it an input (numericColumn), and train refuses the cells: said now,
  // with train's words, rather than at the first train
  const text = textCells(t, numeric, skipRows);
  if (text)
    said.push(
      `train refuses text in a column of numbers: ${text.said}${text.more}; ` +
        'fix the cells in the CSV (an empty cell is read as missing)',
    );
  // one season for the seasonal naive baseline of every target: the first target's, the others' checked against it
  const series = chosen.map((c) => targetSeries(t, c, skipRows));
  const { season, lookback } = seasonAndLookback(ms, series, chosen, t.rows - skipRows, said);
  const inputs = numeric.length + Object.keys(categorical).reduce((n, h) => n + levels(t, h, MAX_LEVELS).size, 0);
  const size = modelSize(t.rows - skipRows, lookback, inputs, chosen.length, said);
  const targetKey = chosen.length === 1 ? chosen[0]! : chosen;
  return {
    name,
    format,
    time,
    drop,
    categorical,
    target: targetKey,
    missing,
    skipRows,
    lookback,
    season,
    ...size,
    said,
  };
}
