// The Gram sums of the ridge baseline (linear.ts) for designs whose columns are lags of a few series, as
// sliding windows are: column j of window s is series_j[s + lag_j] (minus series_j[s - 1] when relative).
// For two lagged columns, sum_s a[s + i] b[s + j] over a run of consecutive starts [s0, s1] changes by one
// product at each end when both lags move by one:
//   P(i + 1, j + 1) = P(i, j) + a[s1 + 1 + i] b[s1 + 1 + j] - a[s0 + i] b[s0 + j]
// so each diagonal of the lag-by-lag Gram costs one sum over the windows and O(1) per further entry (per run of
// starts). Every pair of the F series has about 2 (L+H) diagonals, so the sums are O(n F^2 (L+H)) for lookback L and
// horizon H (linearFitSeconds's estimate, n S^2 span), against O(n (L F)^2) for the row-by-row sums (ETTm1, 7 series,
// lookback 96, horizon 96: 34k windows, 22 s -> a fraction of a second). Relative columns are differences of two
// lagged columns (the lag and lag -1), so their sums are sums of four such products; the series are centred
// first (a relative column does not change), which keeps that difference from cancelling digits.

import { runSteps, type Steps } from './steps.js';

/** Sums over the rows of a design: G = sum z z^T (q x q, q = p + 1, upper triangle), C = sum z y^T, sum y^2. */
export interface Grams {
  n: number;
  q: number;
  m: number;
  g: Float64Array;
  c: Float64Array;
  yy: number;
}

/** A design as lags of series: the inputs x and the outputs y are (series, lag) columns. */
export interface Lagged {
  readonly series: readonly ArrayLike<number>[];
  readonly x: readonly { series: number; lag: number }[];
  readonly y: readonly { series: number; lag: number }[];
  /** Every column minus its series at s - 1 (data.relative). */
  readonly relative: boolean;
  /** Each series' constant taken off its columns where they are not relative (the design's `shift`), or none. */
  readonly shift?: readonly number[];
  /** The windows' starts, ascending; every s + lag (and s - 1) is inside its series. */
  readonly starts: ArrayLike<number>;
}

/** More runs of consecutive starts than this (a stride, gaps) and the row-by-row sums are as fast. */
const MAX_RUNS = 16;

/** The runs [first, last] of consecutive starts; null when the starts are not ascending or too broken up. */
function runsOf(starts: ArrayLike<number>): [number, number][] | null {
  const runs: [number, number][] = [];
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    const last = runs.at(-1);
    if (last && s === last[1] + 1) last[1] = s;
    else if (last && s <= last[1]) return null;
    else runs.push([s, s]);
    if (runs.length > MAX_RUNS) return null;
  }
  return runs;
}

/** Whether windows with these starts have their Gram sums taken along the lags (laggedGrams), not row by row. */
export const laggable = (starts: ArrayLike<number>): boolean => runsOf(starts) !== null;

/** Every series' lags as one contiguous block of base columns: where each block starts and its lowest lag. */
function baseColumns(l: Lagged) {
  const lo = l.series.map(() => Infinity),
    hi = l.series.map(() => -Infinity);
  const cols = [...l.x, ...l.y];
  for (const c of [...cols, ...(l.relative ? cols.map((c) => ({ ...c, lag: -1 })) : [])]) {
    lo[c.series] = Math.min(lo[c.series]!, c.lag);
    hi[c.series] = Math.max(hi[c.series]!, c.lag);
  }
  const at: number[] = [];
  let width = 0;
  for (let u = 0; u < l.series.length; u++) {
    at.push(width);
    if (hi[u]! >= lo[u]!) width += hi[u]! - lo[u]! + 1;
  }
  return { lo, len: hi.map((h, u) => Math.max(0, h - lo[u]! + 1)), at, width };
}

/**
 * The series as Float64, centred on their mean when relative (a relative column is the same either way), else less
 * their shift (the design's columns are).
 */
function seriesOf(l: Lagged): Float64Array[] {
  return l.series.map((s, u) => {
    const a = Float64Array.from(s);
    if (!l.relative) {
      const c = l.shift?.[u] ?? 0;
      if (c !== 0) for (let i = 0; i < a.length; i++) a[i]! -= c;
      return a;
    }
    const mean = a.reduce((x, v) => x + v, 0) / Math.max(1, a.length);
    for (let i = 0; i < a.length; i++) a[i]! -= mean;
    return a;
  });
}

/** sum over the starts (runs [first, last]) of a[s + i] b[s + j]. */
function dot(a: Float64Array, i: number, b: Float64Array, j: number, runs: [number, number][]): number {
  let acc0 = 0,
    acc1 = 0;
  for (const [s0, s1] of runs) {
    let s = s0;
    for (; s + 1 <= s1; s += 2) {
      acc0 += a[s + i]! * b[s + j]!;
      acc1 += a[s + 1 + i]! * b[s + 1 + j]!;
    }
    if (s === s1) acc0 += a[s + i]! * b[s + j]!;
  }
  return acc0 + acc1;
}

/**
 * The base Gram (width x width, full) over every series' lag block, one diagonal at a time: a step a diagonal (a sum
 * over the windows at GRAM_RATE, about a third of the tiles' FIT_RATE: yields 3 multiply-adds a window).
 */
function* baseGram(
  z: Float64Array[],
  b: ReturnType<typeof baseColumns>,
  runs: [number, number][],
): Steps<Float64Array> {
  const W = b.width,
    out = new Float64Array(W * W);
  let n = 0;
  for (const [s0, s1] of runs) n += s1 - s0 + 1;
  for (let u = 0; u < z.length; u++)
    for (let v = u; v < z.length; v++) {
      const nu = b.len[u]!,
        nv = b.len[v]!;
      // diagonals start on the first row (i = 0, j >= 0) or the first column (j = 0, i > 0; u = v: mirrored)
      const firsts: [number, number][] = [];
      for (let j = 0; j < nv; j++) firsts.push([0, j]);
      if (u !== v) for (let i = 1; i < nu; i++) firsts.push([i, 0]);
      for (const [i0, j0] of firsts) {
        diagonal(z, b, runs, u, v, i0, j0, out);
        yield 3 * n;
      }
    }
  return out;
}

/** The diagonal of series u's lags by series v's that starts at (i0, j0) of their blocks, into out (baseGram). */
function diagonal(
  z: Float64Array[],
  b: ReturnType<typeof baseColumns>,
  runs: [number, number][],
  u: number,
  v: number,
  i0: number,
  j0: number,
  out: Float64Array,
): void {
  const W = b.width;
  const [A, B] = [z[u]!, z[v]!];
  const [lu, lv, nu, nv] = [b.lo[u]!, b.lo[v]!, b.len[u]!, b.len[v]!];
  let acc = dot(A, lu + i0, B, lv + j0, runs);
  for (let i = i0, j = j0; i < nu && j < nv; i++, j++) {
    if (i > i0) {
      const [x, y] = [lu + i - 1, lv + j - 1];
      for (const [s0, s1] of runs) acc += A[s1 + 1 + x]! * B[s1 + 1 + y]! - A[s0 + x]! * B[s0 + y]!;
    }
    out[(b.at[u]! + i) * W + b.at[v]! + j] = acc;
    out[(b.at[v]! + j) * W + b.at[u]! + i] = acc;
  }
}

/** The sums over the starts of every base column, one lag after another. */
function baseSums(z: Float64Array[], b: ReturnType<typeof baseColumns>, l: Lagged, runs: [number, number][]) {
  const out = new Float64Array(b.width);
  for (let u = 0; u < z.length; u++) {
    const A = z[u]!;
    let acc = 0;
    for (let k = 0; k < l.starts.length; k++) acc += A[l.starts[k]! + b.lo[u]!]!;
    for (let i = 0; i < b.len[u]!; i++) {
      if (i > 0) for (const [s0, s1] of runs) acc += A[s1 + b.lo[u]! + i]! - A[s0 + b.lo[u]! + i - 1]!;
      out[b.at[u]! + i] = acc;
    }
  }
  return out;
}

/** The Gram sums of a lagged design; null when its starts are too broken up for the diagonal walk to pay. */
export function laggedGrams(l: Lagged): Grams | null {
  return runSteps(laggedGramsSteps(l));
}

/** laggedGrams a diagonal at a time (steps.ts). */
export function* laggedGramsSteps(l: Lagged): Steps<Grams | null> {
  const runs = runsOf(l.starts);
  if (!runs || l.starts.length === 0) return null;
  const b = baseColumns(l);
  const z = seriesOf(l);
  const BG = yield* baseGram(z, b, runs),
    S = baseSums(z, b, l, runs),
    W = b.width;
  // a column of the design: its base column, and the base column subtracted from it (relative), or -1
  const col = (c: { series: number; lag: number }) => ({
    at: b.at[c.series]! + c.lag - b.lo[c.series]!,
    ref: l.relative ? b.at[c.series]! - 1 - b.lo[c.series]! : -1,
  });
  const xs = l.x.map(col),
    ys = l.y.map(col);
  const prod = (i: { at: number; ref: number }, j: { at: number; ref: number }) => {
    let v = BG[i.at * W + j.at]!;
    if (i.ref >= 0) v -= BG[i.ref * W + j.at]!;
    if (j.ref >= 0) v -= BG[i.at * W + j.ref]!;
    if (i.ref >= 0 && j.ref >= 0) v += BG[i.ref * W + j.ref]!;
    return v;
  };
  const sum = (i: { at: number; ref: number }) => S[i.at]! - (i.ref >= 0 ? S[i.ref]! : 0);
  const p = xs.length,
    q = p + 1,
    m = ys.length,
    n = l.starts.length;
  const g = new Float64Array(q * q),
    c = new Float64Array(q * m);
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) g[i * q + j] = prod(xs[i]!, xs[j]!);
    g[i * q + p] = sum(xs[i]!);
    for (let k = 0; k < m; k++) c[i * m + k] = prod(xs[i]!, ys[k]!);
  }
  g[p * q + p] = n;
  for (let k = 0; k < m; k++) c[p * m + k] = sum(ys[k]!);
  const yy = ys.reduce((a, y) => a + prod(y, y), 0);
  return { n, q, m, g, c, yy };
}
