// The one decimal-number scanner of the CSV reader (csv-fast.ts's record scan and csv-column.ts's cells): a
// decimal number ([+-]digits[.digits][e[+-]digits]) at most 15 significant digits long with a power of ten within
// 1e+-22 is m * 10^e or m / 10^e, one correctly rounded operation on exact doubles (Clinger's fast path), so the
// result is exactly Number(text). Anything else is left to the caller's slower path.

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
 * The decimal number starting at i (reading no further than end) into out[1]; returns the position after it, or -1
 * when there is none there that the fast path can read exactly. Uses out[0] as scratch. `point`: the decimal mark's
 * byte (46, '.'; 44, ',' for data.decimal: ',').
 */
export function scanDecimal(buf: Uint8Array, i: number, end: number, out: Float64Array, point = 46): number {
  const neg = buf[i] === 45;
  if (neg || buf[i] === 43) i++;
  let m = 0,
    digits = 0,
    exp = 0,
    any = false,
    frac = false;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === point && !frac) {
      frac = true;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) break;
    any = true;
    if ((digits > 0 || d !== 0) && ++digits > 15) return -1;
    m = m * 10 + d;
    if (frac) exp--;
  }
  if (!any) return -1;
  if (i < end && (buf[i] === 101 || buf[i] === 69)) {
    i = exponentAt(buf, i + 1, end, out);
    if (i < 0) return -1;
    exp += out[0]!;
  }
  if (exp < -22 || exp > 22) return -1;
  const v = exp < 0 ? m / POW10[-exp]! : m * POW10[exp]!;
  out[1] = neg ? -v : v;
  return i;
}
