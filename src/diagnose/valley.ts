// Did the validation loss turn up and stay up? A valley (unimodal) regression of the curve: the best fit
// that falls and then rises (Frisén 1986, "Unimodal regression", The Statistician 35:479-485; Stout 2008,
// "Unimodal regression via prefix isotonic regression", Comput. Stat. Data Anal. 53:289-297), found in O(n)
// from the prefix fits of a falling isotonic regression (pool-adjacent-violators) and the suffix fits of a
// rising one. The fit pools the epochs around the low into one level and the epochs at the end into another,
// whatever the shape between them: a rise that levels off (the curve turned up, then stayed there) is as
// visible as a steady climb, which the Mann-Kendall trend since the best epoch is not (its pairs are mostly
// level). The rise is the end level over the bottom level, in standard errors of the two pooled means; the
// noise is the robust sd of the residuals, widened for their lag-1 autocorrelation (the variance of a mean of
// AR(1) noise grows by (1 + rho) / (1 - rho)). Upward spikes (a bad batch) are clipped first (a Hampel filter),
// so one spike at the end cannot make a level.
import { autocorrelation, mad, minOf, runningMedian } from './stats.js';

export interface Valley {
  /** Index of the lowest fitted epoch and the sizes of the pooled bottom and end levels. */
  bottom: number;
  nBottom: number;
  nEnd: number;
  /** End level minus bottom level (in the curve's units, log for a positive loss). */
  rise: number;
  /** rise over its standard error (the two pooled means, autocorrelated noise). */
  t: number;
  /** Robust noise sd of the residuals and their lag-1 autocorrelation (clamped to 0..0.8). */
  noise: number;
  rho: number;
}

/** The smallest pooled levels: a share of the run and a number of epochs (chosen on the development part). */
export const VALLEY = { bottomShare: 1 / 20, endShare: 1 / 10, minEpochs: 3, spikeSds: 3, swingSpikeSds: 4 };

interface Block {
  sum: number;
  sq: number;
  n: number;
}
const sse = (b: Block) => b.sq - (b.sum * b.sum) / b.n;

/** Falling isotonic fits of every prefix (pool-adjacent-violators, online): the SSE of y[0..i) for i = 0..n. */
function fallingPrefixes(y: number[]): number[] {
  const stack: Block[] = [],
    out = [0];
  let total = 0;
  for (const v of y) {
    let b: Block = { sum: v, sq: v * v, n: 1 };
    while (stack.length && stack[stack.length - 1]!.sum / stack[stack.length - 1]!.n < b.sum / b.n) {
      const p = stack.pop()!;
      total -= sse(p);
      b = { sum: b.sum + p.sum, sq: b.sq + p.sq, n: b.n + p.n };
    }
    stack.push(b);
    total += sse(b);
    out.push(Math.max(0, total));
  }
  return out;
}

/** The falling isotonic fit of y, as per-point values. */
function fallingFit(y: number[]): number[] {
  const stack: Block[] = [];
  for (const v of y) {
    let b: Block = { sum: v, sq: v * v, n: 1 };
    while (stack.length && stack[stack.length - 1]!.sum / stack[stack.length - 1]!.n < b.sum / b.n) {
      const p = stack.pop()!;
      b = { sum: b.sum + p.sum, sq: b.sq + p.sq, n: b.n + p.n };
    }
    stack.push(b);
  }
  return stack.flatMap((b) => new Array<number>(b.n).fill(b.sum / b.n));
}

/**
 * Upward spikes (more than k robust sds of the differences above the running median, half-window 3) clipped to
 * that edge, or, with `drop`, replaced by the running median.
 */
export function despiked(y: number[], k = VALLEY.spikeSds, drop = false): number[] {
  const sd = mad(y.slice(1).map((v, i) => v - y[i]!)) / Math.SQRT2;
  const ms = runningMedian(y, 3);
  return y.map((v, i) => {
    const m = ms[i]!;
    return sd > 0 && v > m + k * sd ? (drop ? m : m + k * sd) : v;
  });
}

/** The valley regression of y and the rise from its bottom to its end, or null when y is too short. */
export function valleyOf(raw: number[]): Valley | null {
  const n = raw.length;
  if (n < 6) return null;
  const y = despiked(raw);
  const pre = fallingPrefixes(y);
  const rev = [...y].reverse();
  const suf = fallingPrefixes(rev); // suf[k]: SSE of the rising fit of the last k points
  let split = n,
    best = Infinity;
  for (let m = 1; m <= n; m++) {
    const e = pre[m]! + suf[n - m]!;
    if (e < best - 1e-12) {
      best = e;
      split = m;
    }
  }
  const fit = [...fallingFit(y.slice(0, split)), ...fallingFit(rev.slice(0, n - split)).reverse()];
  const low = minOf(fit);
  const first = fit.indexOf(low),
    last = fit.lastIndexOf(low);
  // The fit's extreme levels are biased (its lowest level pools the lowest epochs, its end level the highest
  // last ones): both levels are read as plain means over at least a twentieth (bottom) and a tenth (end) of the
  // run, around the fitted bottom and at the end.
  const wB = Math.max(last - first + 1, Math.round(n * VALLEY.bottomShare), VALLEY.minEpochs);
  const mid = Math.round((first + last) / 2);
  const b0 = Math.max(0, Math.min(n - wB, mid - Math.floor(wB / 2)));
  const wE = Math.min(n - (b0 + wB), Math.max(countEnd(fit), Math.round(n * VALLEY.endShare), VALLEY.minEpochs));
  if (wE < 2) return { bottom: mid, nBottom: wB, nEnd: 0, rise: 0, t: 0, noise: 0, rho: 0 };
  const mean = (a: number, b: number) => y.slice(a, b).reduce((s, v) => s + v, 0) / (b - a);
  const res = y.map((v, i) => v - fit[i]!);
  const rho = Math.min(0.8, Math.max(0, autocorrelation(res, 1)));
  // The noise: the residuals' robust sd, at least that of the epoch-to-epoch differences (a fit this flexible
  // follows some of the noise), and at least 0.5% (curves printed with few digits). The differences are taken
  // around their own running median (5 epochs): on a short steep run the differences are mostly the trend, and a
  // smooth fall of 20% an epoch is not 14% noise.
  const noise = Math.max(mad(res), diffNoise(y), 0.005);
  const se = noise * Math.sqrt((1 + rho) / (1 - rho)) * Math.sqrt(1 / wB + 1 / wE);
  const rise = mean(n - wE, n) - mean(b0, b0 + wB);
  return { bottom: mid, nBottom: wB, nEnd: wE, rise, t: rise / se, noise, rho };
}

/** Epochs in the last fitted level. */
function countEnd(fit: number[]): number {
  const e = fit[fit.length - 1]!;
  let k = 0;
  for (let i = fit.length - 1; i >= 0 && fit[i] === e; i--) k++;
  return k;
}

/** Robust sd of white noise read from the epoch-to-epoch differences less their local level (running median). */
export function diffNoise(y: number[]): number {
  const d = y.slice(1).map((v, i) => v - y[i]!);
  const m = runningMedian(d, 2);
  return mad(d.map((v, i) => v - m[i]!)) / Math.SQRT2;
}
