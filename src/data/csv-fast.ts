// The fast path of readCsv for the common record: one line of unquoted fields. It scans the bytes once and builds
// each decimal number as it goes (decimal.ts's Clinger fast path, as the columns use, so every value equals
// Number(text)); a field that is not such a number (a date, a category, an empty cell, a long mantissa) is left
// as a byte span for the column to read. At a quote, a lone CR or the end of the buffer it gives up, and the
// record is scanned again by the general scanner (csv-scan.ts).

import { scanDecimal } from './decimal.js';

const COMMA = 44,
  POINT = 46,
  LF = 10,
  CR = 13,
  QUOTE = 34;

/** A blank around a field: a space, or a tab where the tab is not the separator (`sep`). */
const isBlank = (c: number | undefined, sep: number) => c === 32 || (c === 9 && sep !== 9);

/** The decimal number at i into out[1]; returns the position after it, or -1 when there is none to read fast (or it
 * reaches the buffer's end, where it may go on). */
function numberAt(buf: Uint8Array, i: number, end: number, out: Float64Array, point: number): number {
  const p = scanDecimal(buf, i, end, out, point);
  return p < 0 || p >= end ? -1 : p;
}

/** The end of an unquoted field starting at i (a separator or line end), or -1 at a quote or the buffer's end. */
function fieldEnd(buf: Uint8Array, i: number, end: number, sep: number): number {
  for (; i < end; i++) {
    const c = buf[i];
    if (c === sep || c === LF || c === CR) return i;
    if (c === QUOTE) return -1;
  }
  return -1;
}

/**
 * Reads the record at p as `fields` unquoted fields: field f's number into vals[f] with spans[2f] = -1, or, when
 * it is not a decimal number, its bytes [spans[2f], spans[2f+1]) (blanks around it left out). Returns the position
 * after the record's line end, or -1 to leave the record to the general scanner. vals needs fields + 2 entries.
 * `sep` and `point`: the bytes of the separator (data.separator: a comma, semicolon or tab) and the decimal mark
 * (data.decimal).
 */
export function fastRecord(
  buf: Uint8Array,
  p: number,
  end: number,
  fields: number,
  vals: Float64Array,
  spans: Int32Array,
  sep = COMMA,
  point = POINT,
): number {
  const scratch = vals.subarray(fields, fields + 2);
  let i = p;
  for (let f = 0; f < fields; f++) {
    while (i < end && isBlank(buf[i], sep)) i++;
    const start = i;
    let q = numberAt(buf, i, end, scratch, point);
    const after = q < 0 ? undefined : buf[q];
    if (q >= 0 && (after === sep || after === LF || after === CR || isBlank(after, sep))) {
      vals[f] = scratch[1]!;
      spans[2 * f] = -1;
    } else {
      q = fieldEnd(buf, start, end, sep);
      if (q < 0) return -1;
      let e = q;
      while (e > start && isBlank(buf[e - 1], sep)) e--;
      if (fields === 1 && e === start) return -1; // an empty or blank line, which the general scanner skips
      spans[2 * f] = start;
      spans[2 * f + 1] = e;
    }
    i = q;
    while (i < end && isBlank(buf[i], sep)) i++;
    const c = buf[i];
    if (f < fields - 1) {
      if (c !== sep) return -1;
      i++;
    } else if (c === LF) return i + 1;
    else if (c === CR && buf[i + 1] === LF) return i + 2;
  }
  return -1;
}
