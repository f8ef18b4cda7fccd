// Stage 2 of prepare (encode): the feature columns chosen (data.features, else every numeric or categorical column
// left after data.time and data.drop), numbers parsed with missing markers as NaN, categories encoded
// (label: one code column; onehot: one 0/1 column per category, named column=value).

import type { Table } from '../csv.js';
import type { TableColumn } from '../csv-column.js';
import { MISSING_TOKENS } from '../csv-column.js';
import { cellAt, DataError, SHOWN_CELLS } from '../errors.js';
import type { DataConfig, FixedEncoding } from '../types.js';
import { columnOf, parseStamp, requireColumn, type TableRows } from './read.js';

export { MISSING_TOKENS };

export interface Encoded {
  /** Feature column names after encoding, in order. */
  features: string[];
  /** Every feature and target column as numbers, NaN where a cell is missing. */
  numeric: Map<string, Float64Array>;
  /** Category -> code, for categorical columns. */
  encodings: Record<string, string[]>;
  notes: string[];
}

export function encodeColumns(cfg: DataConfig, rows: TableRows, fixed?: FixedEncoding): Encoded {
  const cats = cfg.categorical ?? {};
  const { columns, notes } = featureColumns(cfg, rows);
  const numeric = new Map<string, Float64Array>();
  const encodings: Record<string, string[]> = {};
  const features: string[] = [];
  // the columns read as numbers, and what to add to a message about one of their cells
  const numbers: { c: string; other: string }[] = [];
  for (const c of columns) {
    if (c in cats) {
      const { levels, codes } = categoryCodes(rows, c, cats[c]!, fixed);
      encodings[c] = levels;
      for (const [name, values] of encodeCategory(c, codes, levels, cats[c]!)) {
        // a category the training rows did not hold has no column of the model's (untrainedColumns): none of them
        if (fixed && cats[c] === 'onehot' && !fixed.scaler.columns.includes(name)) continue;
        numeric.set(name, values);
        features.push(name);
      }
    } else {
      // a column data.features does not name: one typo must not stop the run without saying how to go on
      const named = cfg.features || rows.targets.includes(c);
      numbers.push({ c, other: named ? '' : ' (fix the cell, or leave the column out: data.drop)' });
      features.push(c);
    }
  }
  for (const t of rows.targets) {
    // before the lookup: a label-encoded feature is a numeric column under its own name (the target became its codes)
    if (t in cats)
      throw new DataError(`${rows.table.file}: data.target "${t}" is categorical; the target must be numeric`);
    if (!numbers.some((n) => n.c === t)) numbers.push({ c: t, other: '' });
    refuseTextTarget(rows, t, cfg);
  }
  refuseText(rows, numbers);
  for (const { c } of numbers) numeric.set(c, columnOf(rows, c).numbers.subarray(rows.skip));
  if (!features.length)
    throw new DataError(
      `${rows.table.file}: data.features: no column is left to feed the model (of ${rows.table.header.join(', ')}, ` +
        'data.drop and data.time take some and the rest are not numeric); name the inputs in data.features',
    );
  return { features, numeric, encodings, notes };
}

/**
 * A target whose every cell is text: no values to forecast. Where they are times (the date column named as the target,
 * without data.time) the message says to name it data.time: it said 'row 1, column "date": expected a number, found
 * "2016-07-01 00:00:00"; 17420 cells of number columns are text', as if of a few typos.
 */
function refuseTextTarget(rows: TableRows, t: string, cfg: DataConfig): void {
  const col = columnOf(rows, t);
  if (col.textCount(rows.skip) < rows.count) return;
  const r = rows.skip;
  const cell = col.textAt(r)!;
  const times = Number.isFinite(parseStamp(col, r));
  const key = Array.isArray(cfg.target) ? `data.target[${cfg.target.indexOf(t)}]` : 'data.target';
  throw new DataError(
    `${rows.table.file}: ${key} "${t}": expected a column of numbers to forecast, found text in every row ` +
      `("${cell}" in row ${r + 1})${numberHint(cell.trim())}` +
      (!times
        ? ''
        : cfg.time === undefined
          ? `: it holds times; name it data.time (data.time: ${t}) and the column to forecast data.target`
          : ': it holds times; name the column to forecast data.target'),
  );
}

/** The feature columns before encoding, checked; a note names the columns left out for not being numeric. */
function featureColumns(cfg: DataConfig, rows: TableRows): { columns: string[]; notes: string[] } {
  const { table, excluded } = rows;
  const cats = cfg.categorical ?? {};
  const notes: string[] = [];
  // a target listed in data.drop stays the target; what the list changes is that its past is no input
  const dropped = rows.targets.filter((t) => cfg.drop?.includes(t));
  if (dropped.length)
    notes.push(
      `data.drop lists the target ${dropped.map((t) => `"${t}"`).join(', ')}: it is still forecast, from the other ` +
        'columns alone (its own past is not an input)',
    );
  const columns = cfg.features ?? table.header.filter((c) => !excluded.has(c) && (c in cats || isNumeric(rows, c)));
  if (!cfg.features) {
    const skipped = table.header.filter((c) => !excluded.has(c) && !columns.includes(c));
    if (skipped.length)
      notes.push(
        'columns left out of the features because they are not numeric ' +
          `(name them in data.categorical to encode them): ${skipped.join(', ')}`,
      );
  }
  columns.forEach((c, i) => {
    requireColumn(table, c, `data.features[${i}]`);
    if (excluded.has(c))
      throw new DataError(`${table.file}: data.features[${i}] "${c}" is also listed in data.drop or data.time`);
  });
  return { columns, notes };
}

/**
 * A column of numbers: no text cell, or text in at most 1% of its cells (a typo in a column of numbers: it is kept,
 * and parseColumn names the cell, rather than the column left out with a note).
 */
function isNumeric(rows: TableRows, c: string): boolean {
  return numericColumn(columnOf(rows, c), rows.skip, rows.count);
}

/** isNumeric's rule for a column read from row `from` on, `count` rows (init --csv sorts a CSV's columns by it). */
export function numericColumn(column: TableColumn, from: number, count: number): boolean {
  const text = column.textCount(from);
  return text === 0 || (text < count && text <= Math.max(1, Math.floor(count / 100)));
}

/**
 * Text in the columns read as numbers: an error naming the first such cell in the file's order (row by row, then
 * column), what it may have meant (numberHint), and, where there are more, how many and the first few. A file with
 * "n.a." in row 151 of one column and "err" in row 201 of another was refused for the later one alone, and the other
 * came up only on the next run.
 */
function refuseText(rows: TableRows, numbers: { c: string; other: string }[]): void {
  const text = textCells(
    rows.table,
    numbers.map((n) => n.c),
    rows.skip,
  );
  if (!text) return;
  const other = numbers.find((n) => n.c === text.first.c)!.other;
  throw new DataError(`${rows.table.file}: ${text.said}${other}${text.more}`);
}

/** A cell of text in a column of numbers: its row (0-based), column and text. */
interface TextCell {
  r: number;
  c: string;
  text: string;
}

/**
 * The text cells of `columns` (read as numbers) from data row `from` on, as train refuses them, or null where there is
 * none: the first in the file's order (row by row, then column) said as 'row 151, column "load": expected a number,
 * found "n.a."' with what it may have meant (numberHint), and `more`: where there are more, how many and the first few
 * ('; 3 cells of number columns are text, first at ...'), else ''. init --csv says the same of the columns it reads.
 */
export function textCells(
  table: Table,
  columns: readonly string[],
  from: number,
): { first: TextCell; said: string; more: string } | null {
  const cells: TextCell[] = [];
  let count = 0;
  for (const c of columns) {
    const col = table.columns.get(c)!;
    for (let r = col.firstText(from), k = 0; r >= 0; r = col.firstText(r + 1), k++) {
      count++;
      if (k < SHOWN_CELLS) cells.push({ r, c, text: col.textAt(r) ?? '' });
    }
  }
  if (!count) return null;
  cells.sort((a, b) => a.r - b.r || table.header.indexOf(a.c) - table.header.indexOf(b.c));
  const first = cells[0]!;
  const more =
    count > 1
      ? `; ${count} cells of number columns are text, first at ` +
        cells
          .slice(0, SHOWN_CELLS)
          .map((x) => cellAt(x.r + 1, x.c, x.text))
          .join(', ')
      : '';
  const hint = numberHint(first.text.trim());
  const said = `row ${first.r + 1}, column "${first.c}": expected a number, found "${first.text}"${hint}`;
  return { first, said, more };
}

/**
 * What a cell that is no number may have meant: a decimal comma ("20,7"), a thousands separator ("12,345,678",
 * "1,234.5"), or either ("1,120": 1120 or 1.12; only the file's author knows); '' otherwise. "1,120" was taken for a
 * decimal comma alone, and the advice to write "1.120" made 1120 passengers 1.12.
 */
function numberHint(cell: string): string {
  const decimal = DECIMAL_COMMA.test(cell),
    thousands = THOUSANDS.test(cell);
  const plain = cell.replaceAll(',', '');
  if (decimal && thousands)
    return (
      ' (a thousands separator or a decimal comma? seqtune reads numbers without thousands separators and with a ' +
      `point as the decimal mark: save the file as "${plain}" or "${cell.replace(',', '.')}", whichever it means)`
    );
  if (thousands) return ` (a thousands separator? seqtune reads numbers without them: save the file as "${plain}")`;
  if (decimal)
    return (
      ' (a decimal comma? seqtune reads a point as the decimal mark unless data.decimal: "," says otherwise, with ' +
      `data.separator: ";" or "\\t" between fields; or save the file with points, "${cell.replace(',', '.')}")`
    );
  return '';
}

/** A number whose digits are grouped in threes by commas: "1,120", "-12,345,678.5". */
const THOUSANDS = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/;

/** A number written with a comma as its decimal mark (spreadsheets in many locales): "20,7", "-0,25". */
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;

/**
 * A categorical column's categories, sorted, and each row's index among them (-1 where missing); with a trained
 * model's encoding, its own categories (and no new one).
 */
/**
 * The categories of column c and each row's code. A label's codes follow the file's order of first appearance: sorted,
 * a category first seen in the test rows ("B" among A, C, D) moved the codes of the training rows' categories after
 * it (C 1 -> 2, D 2 -> 3), no shift or scale of the column alike, and with them the model's inputs and val_loss.
 * One-hot columns are sorted (untrainedColumns leaves out those of the categories no training row holds).
 */
function categoryCodes(
  rows: TableRows,
  c: string,
  kind: 'label' | 'onehot',
  fixed?: FixedEncoding,
): { levels: string[]; codes: Int32Array } {
  const col = columnOf(rows, c),
    n = rows.count;
  const cells: (string | null)[] = [];
  const cellCode = new Map<string, number>(),
    raw = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = col.cell(i + rows.skip);
    if (s === '' || MISSING_TOKENS.has(s)) {
      raw[i] = -1;
      continue;
    }
    let k = cellCode.get(s);
    if (k === undefined) {
      k = cells.push(s) - 1;
      cellCode.set(s, k);
    }
    raw[i] = k;
  }
  const levels = fixed?.encodings[c] ?? (kind === 'label' ? (cells as string[]) : (cells as string[]).slice().sort());
  const toLevel = cells.map((s) => levels.indexOf(s!));
  const codes = raw.map((k) => (k < 0 ? -1 : toLevel[k]!));
  const unseen = fixed ? codes.findIndex((k, i) => k < 0 && raw[i]! >= 0) : -1;
  if (unseen >= 0)
    throw new DataError(
      `${rows.table.file}: row ${unseen + 1 + rows.skip}, column "${c}": ` +
        `category "${cells[raw[unseen]!]}" was not seen in training (${knownLevels(c, kind, levels, fixed!)})`,
    );
  return { levels, codes };
}

/**
 * The categories of column c a trained model knows, as predict's unseen-category error lists them. A one-hot model
 * has a column for each category of its training rows only (untrainedColumns): one first seen in the validation or
 * test rows is named apart, as read as none of them; the list once named it among the rest, as if the model knew it.
 */
function knownLevels(c: string, kind: 'label' | 'onehot', levels: string[], fixed: FixedEncoding): string {
  if (kind === 'label') return levels.join(', ');
  const has = (lv: string) => fixed.scaler.columns.includes(`${c}=${lv}`);
  const known = levels.filter(has),
    none = levels.filter((lv) => !has(lv));
  return (
    `the model knows ${known.join(', ')}` +
    (none.length
      ? `; ${none.join(', ')}, first seen after the training rows, ${none.length === 1 ? 'has' : 'have'} no column ` +
        'and ' +
        (none.length === 1 ? 'reads' : 'read') +
        ' as none of them'
      : '')
  );
}

/** The numeric columns of a categorical column: its codes (label) or one indicator per category (onehot). */
/** The CSV columns features come from, in order: a one-hot feature `wind=N` (encodeCategory) is its column `wind`. */
export function sourceColumns(features: readonly string[], categorical: readonly string[]): string[] {
  const of = (f: string) => categorical.find((c) => f === c || f.startsWith(`${c}=`)) ?? f;
  return [...new Set(features.map(of))];
}

function encodeCategory(
  c: string,
  codes: Int32Array,
  levels: string[],
  kind: 'label' | 'onehot',
): [string, Float64Array][] {
  if (kind === 'label') return [[c, Float64Array.from(codes, (k) => (k < 0 ? NaN : k))]];
  return levels.map((lv, j) => [`${c}=${lv}`, Float64Array.from(codes, (k) => (k < 0 ? NaN : k === j ? 1 : 0))]);
}

/**
 * The one-hot columns (indices into `features`) of categories no training row holds, and a note for each: such a
 * category, first seen in the validation or test rows, got a column 0 in every training row, so that the test rows
 * changed the model's inputs (their width, the weights drawn at the start, every epoch's val_loss) and a test row of
 * it read weights no training had touched. prepare leaves them out: a row of such a category reads as none of the
 * categories (all 0), as predict reads it (encodeColumns with the run's columns).
 */
export function untrainedColumns(
  cfg: DataConfig,
  enc: Pick<Encoded, 'features' | 'encodings'>,
  columns: Float64Array[],
  train: [number, number],
): { drop: Set<number>; notes: string[] } {
  const drop = new Set<number>(),
    notes: string[] = [];
  for (const [c, kind] of Object.entries(cfg.categorical ?? {})) {
    if (kind !== 'onehot' || !enc.encodings[c]) continue;
    const unseen = enc.encodings[c].filter((lv) => {
      const i = enc.features.indexOf(`${c}=${lv}`);
      if (i < 0 || columns[i]!.subarray(train[0], train[1]).includes(1)) return false;
      drop.add(i);
      return true;
    });
    if (unseen.length)
      notes.push(
        `column "${c}": ${unseen.map((lv) => `"${lv}"`).join(', ')} in no training row: no input column for ` +
          `${unseen.length === 1 ? 'it' : 'them'} (a row of ${unseen.length === 1 ? 'it' : 'one'} reads as none of ` +
          'the categories)',
      );
  }
  return { drop, notes };
}
