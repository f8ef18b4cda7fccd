// One CSV column as readCsv keeps it: a number per cell (NaN where the cell is missing or text), and the cells
// that are text (neither a number nor a missing marker) as their UTF-8 bytes, decoded when asked for. A numeric
// column holds no string at all, nor does a column of dates or categories.

import { scanDecimal } from './decimal.js';

/**
 * Cells read as missing: empty, NA, NaN, null, None, ?, a lone - (spreadsheets and statistics offices), and the rest of
 * pandas' default na_values (#N/A as Excel writes it, n/a, <NA>, ...).
 */
export const MISSING_TOKENS = new Set([
  '',
  'NA',
  'N/A',
  'n/a',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '<NA>',
  'NaN',
  'nan',
  'NAN',
  '-NaN',
  '-nan',
  'null',
  'NULL',
  'None',
  '?',
  '-',
]);

const scratch = new Float64Array(2);

/**
 * The decimal number that is exactly bytes [a, b) (decimal.ts), or NaN when it is not one or needs more care. `point`:
 * the decimal mark's byte ('.', or ',' for data.decimal: ',').
 */
export function decimalNumber(buf: Uint8Array, a: number, b: number, point = 46): number {
  return scanDecimal(buf, a, b, scratch, point) === b ? scratch[1]! : NaN;
}

/** A column read from a CSV; row r is the r-th data row (0-based). */
export class TableColumn {
  constructor(
    /** Each cell as a number; NaN where it is missing or text. */
    readonly numbers: Float64Array,
    /**
     * Where each row's text ends in `textBytes` (cumulative; a row whose text is empty holds no text), or null when
     * no cell is text. Text is kept as UTF-8 bytes and decoded when asked for: a column of dates holds no string
     * per cell.
     */
    readonly textEnds: Int32Array | null,
    readonly textBytes: Buffer,
  ) {}

  get length(): number {
    return this.numbers.length;
  }

  /** The cell's text when it is text, else null (a number or missing). */
  textAt(r: number): string | null {
    if (!this.textEnds) return null;
    const a = r > 0 ? this.textEnds[r - 1]! : 0,
      b = this.textEnds[r]!;
    return a === b ? null : this.textBytes.toString('utf8', a, b);
  }

  /** The cell as a string: its text, its number's shortest form, or '' when missing. */
  cell(r: number): string {
    const t = this.textAt(r);
    if (t !== null) return t;
    const v = this.numbers[r]!;
    return Number.isNaN(v) ? '' : String(v);
  }

  /** The first n rows (sharing this column's arrays). */
  head(n: number): TableColumn {
    const ends = this.textEnds?.subarray(0, n) ?? null;
    const bytes = this.textBytes.subarray(0, n > 0 ? (ends?.[n - 1] ?? 0) : 0);
    return new TableColumn(this.numbers.subarray(0, n), ends, bytes);
  }

  /** Whether row r is missing: no number and no text. */
  missingAt(r: number): boolean {
    return Number.isNaN(this.numbers[r]!) && this.textAt(r) === null;
  }

  /** How many cells from `from` on are text. */
  textCount(from = 0): number {
    const ends = this.textEnds;
    if (!ends) return 0;
    let n = 0;
    for (let r = from; r < ends.length; r++) if (ends[r] !== (r > 0 ? ends[r - 1] : 0)) n++;
    return n;
  }

  /** The first row from `from` on whose cell is text, or -1. */
  firstText(from = 0): number {
    const ends = this.textEnds;
    if (!ends) return -1;
    for (let r = from; r < ends.length; r++) if (ends[r] !== (r > 0 ? ends[r - 1] : 0)) return r;
    return -1;
  }
}

/** A number as a CSV writes one: decimal, an optional exponent, spaces around (not 0x10, 0b11, Infinity or 1_0). */
const DECIMAL_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** Builds a column cell by cell, growing its arrays as rows come. */
export class ColumnBuilder {
  private numbers: Float64Array;
  private textEnds: Int32Array | null = null;
  private textBytes = Buffer.alloc(0);
  private textUsed = 0;
  private n = 0;

  /** `comma`: numbers are written with a decimal comma (data.decimal: ','), "20,7"; a point is then no decimal mark. */
  constructor(
    capacity: number,
    private readonly comma = false,
  ) {
    this.numbers = new Float64Array(Math.max(16, capacity));
  }

  /** Adds a cell that is a number. */
  pushNumber(v: number): void {
    if (this.n === this.numbers.length) this.grow();
    if (this.textEnds) this.textEnds[this.n] = this.textUsed;
    this.numbers[this.n++] = v;
  }

  /** Adds the cell in bytes [a, b) of buf; `escaped` when it holds doubled quotes (""). */
  push(buf: Buffer, a: number, b: number, escaped: boolean): void {
    const fast = escaped ? NaN : decimalNumber(buf, a, b, this.comma ? 44 : 46);
    if (!Number.isNaN(fast)) {
      this.pushNumber(fast);
      return;
    }
    const s = escaped ? buf.toString('utf8', a, b).replaceAll('""', '"') : buf.toString('utf8', a, b);
    // with a decimal comma, "20,7" is 20.7 and "20.7" no number (a thousands point, or another file's habit)
    const text = this.comma ? (s.includes('.') ? '' : s.replace(',', '.')) : s;
    const v = MISSING_TOKENS.has(s) || !DECIMAL_TEXT.test(text) ? NaN : Number(text);
    if (Number.isFinite(v) || MISSING_TOKENS.has(s)) this.pushNumber(Number.isFinite(v) ? v : NaN);
    else this.pushText(escaped ? Buffer.from(s) : buf.subarray(a, b));
  }

  /** Room for at least n cells (an estimate from the first chunk saves growing many times). */
  reserve(n: number): void {
    if (n > this.numbers.length) this.grow(n);
  }

  finish(): TableColumn {
    return new TableColumn(
      this.numbers.subarray(0, this.n),
      this.textEnds?.subarray(0, this.n) ?? null,
      this.textBytes.subarray(0, this.textUsed),
    );
  }

  private pushText(bytes: Uint8Array): void {
    if (!this.textEnds) this.textEnds = new Int32Array(this.numbers.length);
    if (this.textUsed + bytes.length > this.textBytes.length) {
      const grown = Buffer.alloc(Math.max(1024, 2 * (this.textUsed + bytes.length)));
      this.textBytes.copy(grown, 0, 0, this.textUsed);
      this.textBytes = grown;
    }
    this.textBytes.set(bytes, this.textUsed);
    this.textUsed += bytes.length;
    this.pushNumber(NaN);
  }

  private grow(to = Math.ceil(this.numbers.length * 1.5)): void {
    const numbers = new Float64Array(to);
    numbers.set(this.numbers);
    this.numbers = numbers;
    if (this.textEnds) {
      const ends = new Int32Array(to);
      ends.set(this.textEnds);
      this.textEnds = ends;
    }
  }
}
