// The fast path of readCsv for the common record: one line of unquoted decimal numbers. It scans the bytes once
// and builds each number as it goes (the same Clinger fast path as decimalNumber, so every value equals
// Number(text)); at anything else (a quote, text, an empty or missing cell, a long mantissa, a lone CR, the
// end of the buffer) it gives up and the record is scanned again by the general scanner (csv-scan.ts).

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Position after the exponent digits at i, with the exponent in out[0]; -1 when it is not a short exponent. */
function exponentAt(buf: Uint8Array, i: number, end: number, out: Float64Array): number {
  const neg = buf[i] === 45;
  if (neg || buf[i] === 43) i++;
  let e = 0,
    ed = 0;
  for (; i < end; i++, ed++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    e = e * 10 + d;
  }
  if (ed === 0 || ed > 4) return -1;
  out[0] = neg ? -e : e;
  return i;
}

/**
 * Reads the record at p as `fields` decimal numbers into vals. Returns the position after its line end, or -1
 * to leave the record to the general scanner.
 */
export function fastRecord(buf: Uint8Array, p: number, end: number, fields: number, vals: Float64Array): number {
  const scratch = vals.subarray(fields, fields + 1);
  let i = p;
  for (let f = 0; f < fields; f++) {
    while (i < end && (buf[i] === 32 || buf[i] === 9)) i++;
    const neg = buf[i] === 45;
    if (neg || buf[i] === 43) i++;
    let m = 0,
      digits = 0,
      exp = 0,
      any = false,
      frac = false;
    for (; i < end; i++) {
      const d = buf[i]! - 48;
      if (d === -2 && !frac) {
        frac = true;
        continue;
      }
      if (d < 0 || d > 9) break;
      any = true;
      if ((digits > 0 || d !== 0) && ++digits > 15) return -1;
      m = m * 10 + d;
      if (frac) exp--;
    }
    if (!any || i >= end) return -1;
    if (buf[i] === 101 || buf[i] === 69) {
      i = exponentAt(buf, i + 1, end, scratch);
      if (i < 0 || i >= end) return -1;
      exp += scratch[0]!;
    }
    if (exp < -22 || exp > 22) return -1;
    const v = exp < 0 ? m / POW10[-exp]! : m * POW10[exp]!;
    vals[f] = neg ? -v : v;
    while (i < end && (buf[i] === 32 || buf[i] === 9)) i++;
    const c = buf[i];
    if (f < fields - 1) {
      if (c !== 44) return -1;
      i++;
    } else if (c === 10) return i + 1;
    else if (c === 13 && buf[i + 1] === 10) return i + 2;
    else return -1;
  }
  return -1;
}
