// How many significant digits tell the values of one printed line apart (auto's end, study ensemble).

/**
 * The significant digits at which the values one line compares print apart: the fewest from 4 up, at most 7, at which
 * no two different values print alike. At 4 always, a study of monthly sunspots ended with "validation MSE 0.1671
 * ... vs 0.1671 (steady) for #14 alone: kept" for 0.167076 against 0.167089. Equal values print alike at any count.
 */
export function digitsApart(values: readonly number[]): number {
  const vs = [...new Set(values.filter(Number.isFinite))];
  for (let d = 4; d < 7; d++) if (new Set(vs.map((v) => v.toPrecision(d))).size === vs.length) return d;
  return 7;
}
