// The byte-level scanner under readCsv: RFC 4180 records (comma-separated, or by data.separator semicolon- or
// tab-separated; fields in double quotes may hold the separator, line breaks and doubled quotes ""), LF, CRLF or CR
// line ends, spaces and tabs around a field ignored (spaces alone where the tab separates), empty lines skipped. It
// finds where each field's bytes lie and decodes nothing itself: a record is taken only once all of it is in the
// buffer, so a caller reading the file in chunks carries the unfinished tail over.

const COMMA = 44,
  QUOTE = 34,
  LF = 10,
  CR = 13,
  SPACE = 32,
  TAB = 9;

/** A malformed record: what is wrong, at which physical line (1-based) and field (1-based). */
export class CsvSyntaxError extends Error {
  constructor(
    readonly what: string,
    readonly line: number,
    readonly field: number,
  ) {
    super(what);
  }
}

/** One scanned record: `count` fields, field i in bytes [at[3i], at[3i+1]), at[3i+2] = 1 when it holds "". */
export interface ScannedRecord {
  count: number;
  at: Int32Array;
  /** Where the next record starts. */
  next: number;
  /** Physical line the record starts on, and the line after it. */
  line: number;
  nextLine: number;
}

/** A blank around a field: a space, or a tab where the tab is not the separator (`sep`). */
const isBlank = (c: number, sep: number) => c === SPACE || (c === TAB && sep !== TAB);

/** The separator in words, as messages name it: a comma, a semicolon, a tab. */
export function separatorName(sep: number): string {
  return sep === COMMA
    ? 'a comma'
    : sep === TAB
      ? 'a tab'
      : sep === 59
        ? 'a semicolon'
        : `"${String.fromCharCode(sep)}"`;
}

/** Scans a quoted field whose opening quote is at p; returns the position after its closing quote, or -1. */
function closingQuote(buf: Uint8Array, p: number, end: number, eof: boolean, rec: ScannedRecord, line: number) {
  let i = p + 1,
    lines = 0;
  for (;;) {
    if (i >= end) {
      if (eof) throw new CsvSyntaxError('a quoted field is never closed', line, rec.count + 1);
      return -1;
    }
    const c = buf[i]!;
    if (c === QUOTE) {
      if (i + 1 >= end && !eof) return -1;
      if (buf[i + 1] !== QUOTE) break;
      rec.at[3 * rec.count + 2] = 1;
      i += 2;
      continue;
    }
    if (c === LF || (c === CR && buf[i + 1] !== LF)) lines++;
    i++;
  }
  rec.nextLine += lines;
  rec.at[3 * rec.count] = p + 1;
  rec.at[3 * rec.count + 1] = i;
  return i + 1;
}

/** Scans an unquoted field from p; returns where it ends (the separator, a line end or the end of the data). */
function unquotedEnd(buf: Uint8Array, p: number, end: number, rec: ScannedRecord, line: number, sep: number): number {
  let i = p;
  while (i < end) {
    const c = buf[i]!;
    if (c === sep || c === LF || c === CR) break;
    if (c === QUOTE)
      throw new CsvSyntaxError(
        'a double quote inside an unquoted field; quote the whole field and double the quote ("")',
        line,
        rec.count + 1,
      );
    i++;
  }
  let e = i;
  while (e > p && isBlank(buf[e - 1]!, sep)) e--;
  rec.at[3 * rec.count] = p;
  rec.at[3 * rec.count + 1] = e;
  return i;
}

/**
 * Skips lines that are empty or blank (a line of tabs is a record of empty fields where the tab separates); `p` is
 * where the next record starts (end when none is complete yet).
 */
function skipEmptyLines(
  buf: Uint8Array,
  p: number,
  end: number,
  eof: boolean,
  sep: number,
): { p: number; lines: number } {
  let lines = 0;
  for (;;) {
    let q = p;
    while (q < end && isBlank(buf[q]!, sep)) q++;
    if (q >= end) return { p: end, lines };
    if (buf[q] !== LF && buf[q] !== CR) return { p, lines };
    if (buf[q] === CR && q + 1 >= end && !eof) return { p: end, lines };
    p = buf[q] === CR && buf[q + 1] === LF ? q + 2 : q + 1;
    lines++;
  }
}

/**
 * Scans the record starting at p (after any empty lines). Returns false when the buffer ends before the record
 * does and more data may follow (not eof), or when nothing but empty lines is left; the caller then scans again
 * from the same p once more data is there (rec.nextLine is left as it was). `sep`: the separator's byte (a comma, or
 * the semicolon or tab of data.separator).
 */
export function scanRecord(
  buf: Uint8Array,
  p: number,
  end: number,
  eof: boolean,
  rec: ScannedRecord,
  sep = COMMA,
): boolean {
  const line0 = rec.nextLine;
  const skipped = skipEmptyLines(buf, p, end, eof, sep);
  if (skipped.p >= end) return false;
  p = skipped.p;
  const line = line0 + skipped.lines;
  rec.count = 0;
  rec.line = line;
  rec.nextLine = line;
  for (;;) {
    if (rec.at.length < 3 * (rec.count + 1)) {
      const grown = new Int32Array(rec.at.length * 2);
      grown.set(rec.at);
      rec.at = grown;
    }
    rec.at[3 * rec.count + 2] = 0;
    while (p < end && isBlank(buf[p]!, sep)) p++;
    if (p < end && buf[p] === QUOTE) {
      const q = closingQuote(buf, p, end, eof, rec, line);
      if (q < 0) return resetLine(rec, line0);
      p = q;
      while (p < end && isBlank(buf[p]!, sep)) p++;
      if (p < end && buf[p] !== sep && buf[p] !== LF && buf[p] !== CR) {
        // a tab right after the quote is the separator of a tab-separated file: the blanks skipped above hid it, and
        // '"a"\t"b"' was 'followed by """' with no word of tabs
        const c = String.fromCharCode(buf[q] === TAB ? TAB : buf[p]!);
        throw new CsvSyntaxError(
          `a quoted field is followed by ${c === '\t' ? 'a tab' : `"${c}"`}; expected ` +
            `${separatorName(sep)} or the end of the line${otherSeparator(c)}`,
          rec.nextLine,
          rec.count + 1,
        );
      }
    } else p = unquotedEnd(buf, p, end, rec, rec.nextLine, sep);
    rec.count++;
    if (p >= end) {
      if (!eof) return resetLine(rec, line0);
      rec.next = p;
      return true;
    }
    if (buf[p] === sep) {
      p++;
      continue;
    }
    if (buf[p] === CR && p + 1 >= end && !eof) return resetLine(rec, line0);
    rec.next = buf[p] === CR && buf[p + 1] === LF ? p + 2 : p + 1;
    rec.nextLine++;
    return true;
  }
}

function resetLine(rec: ScannedRecord, line: number): false {
  rec.nextLine = line;
  return false;
}

/** A hint when a field ends in what another convention uses between fields (semicolon: spreadsheets in locales with a
 *  decimal comma; tab: TSV files, as spreadsheets and pandas' to_csv(sep="\t") write them; a comma, in a file read
 *  with another separator), which data.separator reads. */
export function otherSeparator(c: string): string {
  if (c === ',') return ' (the file looks comma-separated; leave data.separator out: a comma is its default)';
  if (c === ';')
    return (
      ' (the file looks semicolon-separated; set data.separator: ";" in the config, and data.decimal: "," where its ' +
      'numbers are written with a decimal comma)'
    );
  return c === '\t'
    ? ' (the file looks tab-separated; set data.separator: "\\t" in the config, in double quotes: YAML reads "\\t" ' +
        'as a tab)'
    : '';
}
