// Stage 1 of prepare (read): the data rows after data.skip_rows, every column the config names checked
// against the header, and the time column(s) parsed and checked for order.

import { calendarProblem, offsetProblem, writtenDateProblem } from '../calendar.js';
import { separatorHint, type Table } from '../csv.js';
import type { TableColumn } from '../csv-column.js';
import { DataError } from '../errors.js';
import type { DataConfig } from '../types.js';

/** The table as the later stages read it. */
export interface TableRows {
  table: Table;
  /** Data rows skipped at the top (data.skip_rows); a message's row number adds them back. */
  skip: number;
  /** Data rows after the skip. */
  count: number;
  targets: string[];
  /** Columns that are never features: the time column(s) and data.drop. */
  excluded: Set<string>;
  /** Time stamps in ms (or row numbers when there is no time column). */
  time: Float64Array;
  /** How the time column's slashed dates were read: day first (true) or month first; absent when it has none. */
  dayFirst?: boolean;
}

/**
 * The rows of the table. `dayFirst`, when given (the order a trained run's dates were read in: FixedEncoding), is the
 * order slashed dates are read in, instead of the one this file's dates suggest (slashDayFirst). `skipName`: what
 * set the rows skipped (FixedEncoding.skipName).
 */
export function readRows(cfg: DataConfig, table: Table, dayFirst?: boolean, skipName = 'data.skip_rows'): TableRows {
  const skip = cfg.skip_rows ?? 0;
  if (skip >= table.rows) {
    const all = table.rows === 1 ? 'the one data row' : `all ${table.rows} data rows`;
    throw new DataError(`${table.file}: ${skipName} ${skip} removes ${all}`);
  }
  const targets = Array.isArray(cfg.target) ? cfg.target : [cfg.target];
  for (const [i, t] of targets.entries())
    requireColumn(table, t, Array.isArray(cfg.target) ? `data.target[${i}]` : 'data.target');
  for (const [i, c] of (cfg.drop ?? []).entries()) requireColumn(table, c, `data.drop[${i}]`);
  for (const c of Object.keys(cfg.categorical ?? {})) requireColumn(table, c, `data.categorical.${c}`);
  const timeCols = cfg.time === undefined ? [] : Array.isArray(cfg.time) ? cfg.time : [cfg.time];
  const time =
    cfg.time !== undefined
      ? parseTime(table, cfg.time, skip, dayFirst)
      : { ms: Float64Array.from({ length: table.rows - skip }, (_, i) => i) };
  return {
    table,
    skip,
    count: table.rows - skip,
    targets,
    excluded: new Set([...timeCols, ...(cfg.drop ?? [])]),
    time: time.ms,
    ...(time.dayFirst === undefined ? {} : { dayFirst: time.dayFirst }),
  };
}

/** Throws unless the header has column c; key is the config key that names it. */
export function requireColumn(table: Table, c: string, key: string): void {
  if (!table.columns.has(c)) throw missingColumn(table, c, key);
}

/** The error for a column the header lacks, with the header column it likely meant (the same name but for case). */
function missingColumn(table: Table, c: string, key: string): DataError {
  return new DataError(
    `${table.file}: ${key} names column "${c}", which is not in the header (${table.header.join(', ')})` +
      headerHint(table, c),
  );
}

/**
 * What to add to a message about column `c` missing from the table's header: the header column it likely meant (the
 * same name but for case), and a header read as one column because the file has another separator; or ''.
 */
export function headerHint(table: Table, c: string): string {
  const near = table.header.find((h) => h.trim().toLowerCase() === c.trim().toLowerCase());
  const sep = separatorHint(table.header, table.separator);
  // "Temp (°C)" from a spreadsheet saved in Windows-1252 reads as "Temp (\uFFFDC)", which no config can name
  const encoding = table.header.some((h) => h.includes('\uFFFD'))
    ? '; the header holds bytes that are not UTF-8 (shown as \uFFFD): the file is in another encoding, such as the ' +
      'Windows-1252 of a spreadsheet\'s plain "CSV"; save it as "CSV UTF-8"'
    : '';
  return (
    (near === undefined ? '' : `; did you mean "${near}"? (column names are case-sensitive)`) +
    (sep ? `; the header is one column${sep}` : '') +
    encoding
  );
}

/** Column c of the table (checked to exist). */
export function columnOf(rows: TableRows, c: string): TableColumn {
  return rows.table.columns.get(c)!;
}

/** The time stamps, and the order slashed dates were read in (fixed: the one given; absent without any). */
function parseTime(
  table: Table,
  time: string | string[],
  skip: number,
  fixed: boolean | undefined,
): { ms: Float64Array; dayFirst?: boolean } {
  const cols = (Array.isArray(time) ? time : [time]).map((c) => {
    const v = table.columns.get(c);
    if (!v) throw missingColumn(table, c, 'data.time');
    return { name: c, column: v };
  });
  const n = table.rows - skip;
  const out = new Float64Array(n);
  const where = (r: number) => `${table.file}: row ${r + 1}, column "${cols.map((c) => c.name).join('/')}": `;
  const found = (r: number) => cols.map((c) => c.column.cell(r)).join(' ');
  const order = cols.length === 1 ? slashedOrder(cols[0]!.column, skip) : null;
  const dayFirst = order === null ? false : (fixed ?? order.dayFirst);
  for (let i = 0; i < n; i++) {
    const r = i + skip;
    const t =
      cols.length === 1 ? parseStamp(cols[0]!.column, r, dayFirst) : fromParts(cols.map((c) => c.column.numbers[r]!));
    if (!Number.isFinite(t) && fixed !== undefined && order !== null)
      otherOrder(`${where(r)}"${found(r)}"`, parseStamp(cols[0]!.column, r, !fixed), fixed);
    if (!Number.isFinite(t)) {
      const problem = timeProblem(cols, r, dayFirst);
      throw new DataError(
        problem
          ? `${where(r)}found "${found(r)}", which is no date: ${problem}`
          : `${where(r)}expected a date/time (like 2024-01-31 or 2024-01-31 13:00, the year in four digits), ` +
              `found "${found(r)}"`,
      );
    }
    if (i > 0 && !(t > out[i - 1]!))
      throw new DataError(
        `${where(r)}time "${found(r)}" is not after the row before; rows must be in time order without duplicates` +
          (t === out[i - 1] ? repeatedTimeHint(found(r)) || timeOfDayHint(table, time) : '') +
          (newestFirstHint(table, time, skip, dayFirst) ||
            stackedSeriesHint(
              table,
              r,
              cols.map((c) => c.name),
            )),
      );
    out[i] = t;
  }
  return order === null ? { ms: out } : { ms: out, dayFirst };
}

/** Why row r of the time column(s) is written as a time but is none (stampProblem, partsProblem), or ''. */
function timeProblem(cols: { column: TableColumn }[], r: number, dayFirst: boolean): string {
  return cols.length === 1
    ? stampProblem(cols[0]!.column, r, dayFirst)
    : partsProblem(cols.map((c) => c.column.numbers[r]!));
}

/**
 * What to add to a message about rows out of time order where every row is before the one above it: the file runs
 * from newest to oldest, as many exports do (a market's prices, a sensor's log, newest on top); or ''. Said as "not
 * after the row before" alone, the fix was not plain, and a config without data.time trained such a file backwards:
 * its oldest rows were the test split.
 */
export function newestFirstHint(table: Table, time: string | string[], skip: number, dayFirst: boolean): string {
  const cols = (Array.isArray(time) ? time : [time]).map((c) => table.columns.get(c));
  if (cols.some((c) => c === undefined) || table.rows - skip < 2) return '';
  const at = (r: number) =>
    cols.length === 1 ? parseStamp(cols[0]!, r, dayFirst) : fromParts(cols.map((c) => c!.numbers[r]!));
  for (let r = skip + 1, before = at(skip); r < table.rows; r++) {
    const t = at(r);
    if (!(t < before)) return '';
    before = t;
  }
  const cell = (r: number) => cols.map((c) => c!.cell(r)).join(' ');
  return (
    `; the rows run from newest to oldest ("${cell(skip)}" first, "${cell(table.rows - 1)}" last): sort the file ` +
    'oldest first (seqtune reads a series forward in time: its last rows are the test split)'
  );
}

/**
 * What to add to a message about a time given twice in a row: a clock time without a UTC offset repeats where the
 * clock goes back for daylight saving time (02:00 twice on the last Sunday of October in Europe), which the offset
 * tells apart; '' for a cell with no time of day or with an offset.
 */
export function repeatedTimeHint(cell: string): string {
  if (!/\d:\d\d/.test(cell) || /(Z|[+-]\d\d:?\d\d)$/i.test(cell.trim())) return '';
  return (
    '; a local time given twice may be the hour the clock goes back for daylight saving time: write the times in UTC ' +
    'or with their UTC offset (2024-10-27T02:00+01:00)'
  );
}

/** A time of day as a column of its own holds it: 17:24, 17:24:00, 7:05:09.5. */
const TIME_OF_DAY = /^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** The column other than the time column(s) whose every cell is a time of day (TIME_OF_DAY), or undefined. */
export function timeOfDayColumn(table: Table, time: string | string[]): string | undefined {
  const timeCols = Array.isArray(time) ? time : [time];
  return table.header.find((h) => {
    if (timeCols.includes(h) || table.rows < 2) return false;
    const c = table.columns.get(h)!;
    for (let r = 0; r < table.rows; r++) if (!TIME_OF_DAY.test(c.textAt(r) ?? '')) return false;
    return true;
  });
}

/**
 * What to add to a message about a date given twice in a row, where another column holds the time of day (Date and
 * Time columns, as the UCI household power data and many loggers write them): the date repeats every row of a day,
 * and 'rows must be in time order without duplicates' advised removing rows that are not repeated; or ''.
 */
export function timeOfDayHint(table: Table, time: string | string[]): string {
  const h = timeOfDayColumn(table, time);
  return h === undefined
    ? ''
    : `; column "${h}" holds the time of day: data.time reads the date and the time from one column ` +
        '(2024-01-31 13:00) or from year, month, day, hour columns: join the two in one column of the CSV';
}

/**
 * What to add to a message about row r's time not following the row before, where the file holds several series one
 * after another (a panel: every store's days, then the next store's): a column other than the time whose value
 * changes at row r and whose values each fill one block of rows (at least two rows each). seqtune forecasts one
 * series, or several written side by side as columns; windows across such a file run from one series into the next.
 * '' where no column marks the rows so.
 */
export function stackedSeriesHint(table: Table, r: number, timeCols: readonly string[]): string {
  for (const h of table.header) {
    if (timeCols.includes(h)) continue;
    const c = table.columns.get(h)!;
    if (c.cell(r) === c.cell(r - 1)) continue;
    const blocks: string[] = [];
    const seen = new Set<string>();
    let run = 0,
      ok = true;
    for (let i = 0; i < table.rows && ok; i++) {
      const v = c.cell(i);
      if (i > 0 && v === c.cell(i - 1)) {
        run++;
        continue;
      }
      ok = !seen.has(v) && (i === 0 || run >= 2);
      seen.add(v);
      blocks.push(v);
      run = 1;
    }
    if (!ok || run < 2 || blocks.length < 2) continue;
    const named =
      blocks
        .slice(0, 3)
        .map((v) => `"${v}"`)
        .join(', ') + (blocks.length > 3 ? ', ...' : '');
    return (
      `; the rows hold ${blocks.length} series one after another, one for each value of column "${h}" (${named}), ` +
      `the next starting at row ${r + 1}: seqtune forecasts one series, or several written side by side as columns; ` +
      `keep the rows of one ${h} in the file, or give each ${h} its own column (one row per time) and list them in ` +
      'data.target'
    );
  }
  return '';
}

const orderName = (dayFirst: boolean) => (dayFirst ? 'day first (dd/mm/yyyy)' : 'month first (mm/dd/yyyy)');

/**
 * Throws for a slashed date that is no date in the order a trained run's dates were read in (`fixed`) but is one in
 * the other (`other`, ms; NaN when neither reads it, and the caller's own error follows). Read in the order its own
 * cells suggest, a new file whose days are all 12 or under would silently give other dates than the run learned on.
 */
function otherOrder(cell: string, other: number, fixed: boolean): void {
  if (!Number.isFinite(other)) return;
  const iso = new Date(other).toISOString();
  const when = iso.slice(11, 16) === '00:00' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
  throw new DataError(
    `${cell}: read ${orderName(fixed)}, as the run's training dates were, it is no date; read ` +
      `${orderName(!fixed)} it would be ${when}. A new CSV's slashed dates are read in the order the training ` +
      `CSV's were: write them ${orderName(fixed)}`,
  );
}

/** A date with slashes, day and month in either order, the year in four digits, a time optional. */
const SLASHED = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})((?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?)$/;

/**
 * Whether a time column's slashed dates are day first (31/01/2024): some cell's first number is over 12 and none's
 * second is (pandas' dayfirst, inferred); else they are read month first, as Date.parse and pandas do by default.
 */
export function slashDayFirst(column: TableColumn, from = 0): boolean {
  return slashedOrder(column, from)?.dayFirst ?? false;
}

/** The order of a time column's slashed dates (slashDayFirst), or null when no cell is a slashed date. */
export function slashedOrder(column: TableColumn, from = 0): { dayFirst: boolean } | null {
  let dayFirst = false,
    any = false;
  for (let r = from; r < column.length; r++) {
    const m = SLASHED.exec(column.textAt(r) ?? '');
    if (!m) continue;
    any = true;
    // a second number over 12 settles it: month first (the rest of the column need not be read)
    if (Number(m[2]) > 12) return { dayFirst: false };
    if (Number(m[1]) > 12) dayFirst = true;
  }
  return any ? { dayFirst } : null;
}

/** The usual step of a time column (ms, or its numbers): the median of the steps between consecutive rows. */
export function usualStep(t: ArrayLike<number>): number {
  const n = t.length;
  const steps = Float64Array.from({ length: n - 1 }, (_, i) => t[i + 1]! - t[i]!);
  return steps.sort()[Math.floor((n - 1) / 2)]!;
}

/**
 * The stamps of a time column (ms) as calendar months (year x 12 + month) when the column moves by whole months, as
 * pandas' inferred frequencies MS, ME, QS and YS read it: every stamp at the same time of day, on the same day of its
 * month or each on its month's last day. Else null: a month is 28 to 31 days, so the steps of monthly data in ms are
 * no one step (the median of airline-passengers' is 31 days).
 */
export function calendarMonths(t: ArrayLike<number>): Float64Array | null {
  if (t.length < 2) return null;
  const at = (i: number) => new Date(t[i]!);
  const first = at(0);
  const clock = t[0]! - Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), first.getUTCDate());
  const lastDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  const monthEnd = first.getUTCDate() === lastDay(first);
  const out = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const d = at(i);
    const day = d.getUTCDate();
    const sameDay = monthEnd ? day === lastDay(d) : day === first.getUTCDate();
    if (!sameDay || t[i]! - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), day) !== clock) return null;
    out[i] = d.getUTCFullYear() * 12 + d.getUTCMonth();
  }
  return out;
}

/**
 * A date as ISO 8601 writes it, the time optional (2020-01, 2020-01-02, 2020-01-02 03:04, 2020-01-02T03:04:05Z), in its
 * parts: date, time of day (absent: midnight) and UTC offset (absent: UTC).
 */
const ISO_PARTS =
  /^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An ISO 8601 date (ISO_PARTS' match) in ms, written out in full for Date.parse, UTC where it gives no offset: a space
 * before the time of day, as pandas writes a time with its offset ("2024-01-01 00:00:00+00:00"), gave NaN
 * ("...+00:00Z"), and the column was dropped as text; and Date.parse reads "2024-03-31T02:00:00" (a T, no offset) in
 * the machine's time zone, where the space form was UTC: an hourly file refused on a machine in Europe/Berlin ('not
 * after the row before' at the hour the clocks go forward) trained on one in UTC.
 */
function isoMs([, y, mo, d, h, mi, sec, frac, zone]: RegExpExecArray): number {
  const two = (v: string | undefined) => (v ?? '0').padStart(2, '0');
  const offset = !zone || zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  return Date.parse(`${y}-${two(mo)}-${d ? two(d) : '01'}T${two(h)}:${two(mi)}:${two(sec)}${frac ?? ''}${offset}`);
}

/** What makes an ISO 8601 date (ISO_PARTS' match) no date, or '' (calendar.ts). */
function isoProblem([, y, mo, d, h, mi, sec, , zone]: RegExpExecArray): string {
  const n = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return (
    calendarProblem({ y: Number(y), mo: Number(mo), d: n(d), h: n(h), mi: n(mi), s: n(sec) }) || offsetProblem(zone)
  );
}

/** A time cell read: its time in ms, or NaN and why it is no time when it is written as one but is none ('' else). */
interface Stamp {
  ms: number;
  problem: string;
}

const noStamp = (problem = ''): Stamp => ({ ms: Number.NaN, problem });

/**
 * One time cell: a number (Unix seconds or milliseconds: epochMs), else a date ("2020-01-02 03:04" and
 * "2020-01-02T03:04" are read as UTC, on any machine), a slashed date day or month first (slashDayFirst). Beyond those,
 * only text with a four-digit year is left to Date.parse (as UTC unless it names its zone), whose fallback reads
 * almost anything ("2-01" as 1 February 2001, "Month 5" as a day of 2001): NaN otherwise, and the caller names the
 * cell. A date the calendar does not have is NaN too ("2024-02-30": Date.parse read 1 March): stampProblem says why.
 */
export function parseStamp(column: TableColumn, r: number, dayFirst = false): number {
  return readStamp(column, r, dayFirst).ms;
}

/**
 * Why a time cell written as a date is none ("February 2024 has no day 30 (it has 29 days)"), or '' (a time, or text
 * that is no date at all).
 */
export function stampProblem(column: TableColumn, r: number, dayFirst = false): string {
  return readStamp(column, r, dayFirst).problem;
}

function readStamp(column: TableColumn, r: number, dayFirst: boolean): Stamp {
  const raw = column.textAt(r);
  if (raw === null) return { ms: epochMs(column.numbers[r]!), problem: '' };
  if (/^-?\d+(\.\d+)?$/.test(raw)) return { ms: epochMs(Number(raw)), problem: '' };
  const slashed = SLASHED.exec(raw);
  if (slashed) {
    // 01/02/2024 13:00: month first unless the column is day first (slashDayFirst); read as UTC, as ISO dates are
    const [, a, b, y, rest] = slashed;
    const [m, d] = dayFirst ? [b!, a!] : [a!, b!];
    // isoMs pads the hour: Excel's "1/1/2024 0:00" was "2024-01-01T0:00:00Z" to Date.parse, no date
    const iso = ISO_PARTS.exec(`${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}${rest ? `T${rest.trim()}` : ''}`)!;
    const problem = isoProblem(iso);
    return problem ? noStamp(`read ${orderName(dayFirst)}, ${problem}`) : { ms: isoMs(iso), problem: '' };
  }
  const iso = ISO_PARTS.exec(raw);
  if (iso) {
    const problem = isoProblem(iso);
    return problem ? noStamp(problem) : { ms: isoMs(iso), problem: '' };
  }
  if (!/(^|\D)\d{4}(\D|$)/.test(raw)) return noStamp();
  const problem = writtenDateProblem(raw);
  if (problem) return noStamp(problem);
  // Date.parse reads a time without a zone in the machine's time zone ("01-Jan-2024 00:00"): said to be UTC, as the
  // ISO and slashed dates above are, unless the text gives its zone
  if (ZONED.test(raw)) return { ms: Date.parse(raw), problem: '' };
  const utc = Date.parse(`${raw} UTC`);
  return { ms: Number.isFinite(utc) ? utc : Date.parse(raw), problem: '' };
}

/** Text that gives its time zone: an offset after a time of day (10:00+01:00, 10:00 -0500), Z, or a zone's name. */
const ZONED = /\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d(:?\d\d)?)$|\b(UTC|GMT|UT|[ECMP][SD]T)\b/i;

/**
 * A number in a time column: Unix seconds from 1e9 (2001-09-09) up to 1e11, else as it is (Unix milliseconds from
 * 1e11, 1973-03-03, on; below 1e9 a counter of steps).
 */
export function epochMs(v: number): number {
  return Math.abs(v) >= 1e9 && Math.abs(v) < 1e11 ? v * 1000 : v;
}

const PART_NAMES = ['year', 'month', 'day', 'hour', 'minute', 'second'];

/**
 * Why time split over columns (fromParts) is no time: a part that is no whole number (a second may hold a fraction),
 * or a date the calendar does not have ("February 2024 has no day 30 (it has 29 days)"); '' otherwise, and where a
 * part is missing (NaN), which the caller names as no time.
 */
export function partsProblem(p: number[]): string {
  if (p.some(Number.isNaN)) return '';
  const broken = p.findIndex((v, i) => i < 5 && !Number.isInteger(v));
  if (broken >= 0) return `the ${PART_NAMES[broken]} ${p[broken]} is no whole number`;
  return calendarProblem({ y: p[0]!, mo: p[1] ?? 1, d: p[2], h: p[3], mi: p[4], s: p[5] });
}

/**
 * Time split over columns: year, month, day, hour, minute, second (UTC), as many as there are; NaN where they are no
 * time (partsProblem: Date.UTC made 2024, 2, 30 the 1st of March).
 */
export function fromParts(p: number[]): number {
  if (partsProblem(p)) return Number.NaN;
  return Date.UTC(p[0]!, (p[1] ?? 1) - 1, p[2] ?? 1, p[3] ?? 0, p[4] ?? 0, p[5] ?? 0);
}
