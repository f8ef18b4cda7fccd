// A parameter as TPE's kernels see it: one internal coordinate per parameter. Floats live on their range (in
// log-space when log-scaled); an integer k on the cell [k - 1/2, k + 1/2] (mapped to log-space when log-scaled),
// so the range is widened by half a step at each end and every integer gets the same share of the line; a
// categorical is the index of its choice.
import type { Param } from '../space.js';

export interface Axis {
  /** Bounds of the numerical coordinate (unused for categoricals). */
  lo: number;
  hi: number;
  /** Number of choices of a categorical; 0 for numbers. */
  choices: number;
  /** The coordinate of a value (a choice's index for categoricals). */
  toCoord(v: unknown): number;
  /** The value at a coordinate (rounded to the parameter's grid, inside its range). */
  fromCoord(x: number): unknown;
  /** Integers: the cell of the integer a coordinate stands for. */
  cell?: (x: number) => [number, number];
}

const key = (v: unknown) => JSON.stringify(v);
const isPlain = (v: unknown) => v === null || typeof v !== 'object';

export function axisOf(p: Param): Axis {
  const d = p.dist;
  if (d.kind === 'categorical') {
    const keys = d.values.map(key);
    // a plain value (string, number, boolean, null) finds its index without JSON: a value equal to a choice has
    // that choice's key, and the index is the first choice with that key, as indexOf finds it
    const plain = new Map<unknown, number>();
    d.values.forEach((v, i) => {
      if (isPlain(v) && !plain.has(v)) plain.set(v, keys.indexOf(keys[i]!));
    });
    return {
      lo: 0,
      hi: 0,
      choices: d.values.length,
      toCoord: (v) => (isPlain(v) ? plain.get(v) : undefined) ?? keys.indexOf(key(v)),
      fromCoord: (x) => d.values[x],
    };
  }
  const t = d.log ? Math.log : (v: number) => v;
  const inv = d.log ? Math.exp : (v: number) => v;
  if (d.kind === 'float')
    return {
      lo: t(d.lo),
      hi: t(d.hi),
      choices: 0,
      toCoord: (v) => t(v as number),
      fromCoord: (x) => Math.min(d.hi, Math.max(d.lo, Number(inv(x).toPrecision(6)))),
    };
  const round = (x: number) => Math.min(d.hi, Math.max(d.lo, Math.round(inv(x))));
  return {
    lo: t(d.lo - 0.5),
    hi: t(d.hi + 0.5),
    choices: 0,
    toCoord: (v) => t(v as number),
    fromCoord: round,
    cell: (x) => {
      const k = round(x);
      return [t(k - 0.5), t(k + 0.5)];
    },
  };
}
