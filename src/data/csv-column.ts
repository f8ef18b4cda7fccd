// One CSV column as readCsv keeps it: a number per cell (NaN where the cell is missing or text), and the cells
// that are text (neither a number nor a missing marker) as codes into the column's distinct texts. A numeric
// column holds no string at all; a categorical one holds each category once.

/** Cells read as missing: empty, NA, NaN, null, None, ?. */
export const MISSING_TOKENS = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'NAN', 'null', 'NULL', 'None', '?']);

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * A decimal number ([+-]digits[.digits][e[+-]digits]) in bytes [a, b), or NaN when it is not one or needs more
 * care: at most 15 significant digits and a power of ten within 1e+-22 make m * 10^e or m / 10^e one correctly
 * rounded operation on exact doubles (Clinger's fast path), so the result is exactly Number(text).
 */
export function decimalNumber(buf: Uint8Array, a: number, b: number): number {
  let i = a;
  const neg = buf[i] === 45;
  if (neg || buf[i] === 43) i++;
  let m = 0,
    digits = 0,
    exp = 0,
    any = false,
    frac = false;
  for (; i < b; i++) {
    const c = buf[i]! - 48;
    if (c === -2 && !frac) {
      frac = true;
      continue;
    }
    if (c < 0 || c > 9) break;
    any = true;
    if ((digits > 0 || c !== 0) && ++digits > 15) return NaN;
    m = m * 10 + c;
    if (frac) exp--;
  }
  if (!any) return NaN;
  if (i < b && (buf[i] === 101 || buf[i] === 69)) {
    const eneg = buf[++i] === 45;
    if (eneg || buf[i] === 43) i++;
    let e = 0,
      ed = 0;
    for (; i < b && buf[i]! >= 48 && buf[i]! <= 57; i++, ed++) e = e * 10 + buf[i]! - 48;
    if (ed === 0 || ed > 4) return NaN;
    exp += eneg ? -e : e;
  }
  if (i !== b || exp < -22 || exp > 22) return NaN;
  const v = exp < 0 ? m / POW10[-exp]! : m * POW10[exp]!;
  return neg ? -v : v;
}

/** A column read from a CSV; row r is the r-th data row (0-based). */
export class TableColumn {
  constructor(
    /** Each cell as a number; NaN where it is missing or text. */
    readonly numbers: Float64Array,
    /** Each cell's index into `texts` where it is text, else -1; null when no cell is text. */
    readonly codes: Int32Array | null,
    /** The distinct texts, in order of first appearance. */
    readonly texts: string[],
  ) {}

  get length(): number {
    return this.numbers.length;
  }

  /** The cell's text when it is text, else null (a number or missing). */
  textAt(r: number): string | null {
    const c = this.codes ? this.codes[r]! : -1;
    return c >= 0 ? this.texts[c]! : null;
  }

  /** The cell as a string: its text, its number's shortest form, or '' when missing. */
  cell(r: number): string {
    const t = this.textAt(r);
    if (t !== null) return t;
    const v = this.numbers[r]!;
    return Number.isNaN(v) ? '' : String(v);
  }

  /** The first row from `from` on whose cell is text, or -1. */
  firstText(from = 0): number {
    if (!this.codes) return -1;
    for (let r = from; r < this.codes.length; r++) if (this.codes[r]! >= 0) return r;
    return -1;
  }
}

/** Builds a column cell by cell, growing its arrays as rows come. */
export class ColumnBuilder {
  private numbers: Float64Array;
  private codes: Int32Array | null = null;
  private readonly texts: string[] = [];
  private readonly textCode = new Map<string, number>();
  private n = 0;

  constructor(capacity: number) {
    this.numbers = new Float64Array(Math.max(16, capacity));
  }

  /** Adds a cell that is a number. */
  pushNumber(v: number): void {
    if (this.n === this.numbers.length) this.grow();
    this.numbers[this.n++] = v;
  }

  /** Adds the cell in bytes [a, b) of buf; `escaped` when it holds doubled quotes (""). */
  push(buf: Buffer, a: number, b: number, escaped: boolean): void {
    if (this.n === this.numbers.length) this.grow();
    const r = this.n++;
    const fast = escaped ? NaN : decimalNumber(buf, a, b);
    if (!Number.isNaN(fast)) {
      this.numbers[r] = fast;
      return;
    }
    const s = escaped ? buf.toString('utf8', a, b).replaceAll('""', '"') : buf.toString('utf8', a, b);
    const v = MISSING_TOKENS.has(s) ? NaN : Number(s);
    this.numbers[r] = Number.isFinite(v) ? v : NaN;
    if (Number.isFinite(v) || MISSING_TOKENS.has(s)) return;
    let code = this.textCode.get(s);
    if (code === undefined) {
      code = this.texts.push(s) - 1;
      this.textCode.set(s, code);
    }
    if (!this.codes) this.codes = new Int32Array(this.numbers.length).fill(-1);
    this.codes[r] = code;
  }

  /** Room for at least n cells (an estimate from the first chunk saves growing many times). */
  reserve(n: number): void {
    if (n > this.numbers.length) this.grow(n);
  }

  finish(): TableColumn {
    return new TableColumn(this.numbers.subarray(0, this.n), this.codes?.subarray(0, this.n) ?? null, this.texts);
  }

  private grow(to = Math.ceil(this.numbers.length * 1.5)): void {
    const size = to;
    const numbers = new Float64Array(size);
    numbers.set(this.numbers);
    this.numbers = numbers;
    if (this.codes) {
      const codes = new Int32Array(size).fill(-1);
      codes.set(this.codes);
      this.codes = codes;
    }
  }
}
