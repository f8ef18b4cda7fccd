// Numbers on the charts' axes: plain text, no DOM, so the tests can run them in Node.

/** A number as an axis writes it: three significant digits, an exponent from 10,000 up or below 0.0001. */
export function axisNumber(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e4 || a < 1e-4)) return v.toExponential(1).replace('.0e', 'e');
  return Number(v.toPrecision(3)).toString();
}

/**
 * A linear axis's tick labels with as many decimals as its step needs, the same for every tick (0.325, 0.3275, 0.33 at
 * 3 significant digits read 0.325, 0.328, 0.33: uneven); extreme magnitudes as axisNumber writes them.
 */
export function tickLabels(splits: (number | null | undefined)[]): string[] {
  const v = splits.filter((x): x is number => x !== null && x !== undefined);
  const plain = v.every((x) => x === 0 || (Math.abs(x) >= 1e-4 && Math.abs(x) < 1e4));
  let d = 0;
  while (plain && d < 8 && v.some((x) => Math.abs(Number(x.toFixed(d)) - x) > 1e-9 * Math.max(1, Math.abs(x)))) d++;
  return splits.map((x) => (x === null || x === undefined ? '' : plain ? x.toFixed(d) : axisNumber(x)));
}
