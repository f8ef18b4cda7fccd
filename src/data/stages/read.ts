// Stage 1 of prepare (read): the data rows after data.skip_rows, every column the config names checked
// against the header, and the time column(s) parsed and checked for order.
import type { Table } from '../csv.js';
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
  time: number[];
}

export function readRows(cfg: DataConfig, table: Table): TableRows {
  const skip = cfg.skip_rows ?? 0;
  if (skip >= table.rows)
    throw new DataError(`${table.file}: data.skip_rows ${skip} removes all ${table.rows} data rows`);
  const targets = Array.isArray(cfg.target) ? cfg.target : [cfg.target];
  for (const [i, t] of targets.entries())
    requireColumn(table, t, Array.isArray(cfg.target) ? `data.target[${i}]` : 'data.target');
  for (const [i, c] of (cfg.drop ?? []).entries()) requireColumn(table, c, `data.drop[${i}]`);
  for (const c of Object.keys(cfg.categorical ?? {})) requireColumn(table, c, `data.categorical.${c}`);
  const timeCols = cfg.time === undefined ? [] : Array.isArray(cfg.time) ? cfg.time : [cfg.time];
  const time =
    cfg.time !== undefined ? parseTime(table, cfg.time, skip) : Array.from({ length: table.rows - skip }, (_, i) => i);
  return {
    table,
    skip,
    count: table.rows - skip,
    targets,
    excluded: new Set([...timeCols, ...(cfg.drop ?? [])]),
    time,
  };
}

/** Throws unless the header has column c; key is the config key that names it. */
export function requireColumn(table: Table, c: string, key: string): void {
  if (!table.columns.has(c))
    throw new DataError(
      `${table.file}: ${key} names column "${c}", which is not in the header (${table.header.join(', ')})`,
    );
}

/** The cells of column c after the skipped rows. */
export function cellsOf(rows: TableRows, c: string): string[] {
  return rows.table.columns.get(c)!.slice(rows.skip);
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
    const t = cols.length === 1 ? parseStamp(cols[0]!.values[r]!) : fromParts(cols.map((c) => Number(c.values[r])));
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

/** One time cell: a number as it is, else a date ("2020-01-02 03:04" is read as UTC). */
function parseStamp(raw: string): number {
  return /^-?\d+(\.\d+)?$/.test(raw)
    ? Number(raw)
    : Date.parse(
        raw.includes(' ') && !raw.includes('T') ? `${raw.replace(' ', 'T') + (raw.length <= 16 ? ':00' : '')}Z` : raw,
      );
}

/** Time split over columns: year, month, day, hour, minute, second (UTC), as many as there are. */
function fromParts(p: number[]): number {
  return Date.UTC(p[0]!, (p[1] ?? 1) - 1, p[2] ?? 1, p[3] ?? 0, p[4] ?? 0, p[5] ?? 0);
}
