// Robust, scale-free trend of one loss curve over its recent part: the curve is read in log space
// (so 1e-4 and 1e3 read the same), the slope is a Theil-Sen estimate (median of pairwise slopes,
// robust to spikes), and the noise is the MAD of the residuals around that line.

export type Direction = 'falling' | 'flat' | 'rising';

export interface Trend {
  direction: Direction;
  /** Relative change per epoch over the window (exp(slope) - 1, so -0.05 = 5% lower each epoch). */
  slope: number;
  /** Log change across the window (slope x (window - 1)). */
  change: number;
  /** Threshold the change had to pass to count as falling or rising. */
  threshold: number;
  /** Robust standard deviation of the residuals around the trend line (log units ~ relative). */
  noise: number;
  /** Fraction of sign changes between consecutive differences (0: monotone, ~0.67: white noise, 1: zig-zag). */
  signChanges: number;
  /** Distance of the change from the decision threshold, in thresholds (higher = clearer). */
  margin: number;
}

export const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b),
    n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

/** Values to work on: logs when the curve is positive, else values over the median magnitude. */
export function logScale(values: number[]): number[] {
  if (values.every((v) => v > 0)) return values.map(Math.log);
  const m = median(values.map(Math.abs)) || 1;
  return values.map((v) => v / m);
}

export function theilSen(y: number[]): { slope: number; intercept: number } {
  const slopes: number[] = [];
  for (let i = 0; i < y.length; i++) for (let j = i + 1; j < y.length; j++) slopes.push((y[j]! - y[i]!) / (j - i));
  const slope = slopes.length ? median(slopes) : 0;
  return { slope, intercept: median(y.map((v, i) => v - slope * i)) };
}

/** Trend of the last `window` points of a curve (already finite). minChange is the smallest log change that counts. */
export function trendOf(values: number[], window: number, minChange = 0.03): Trend {
  const y = logScale(values).slice(-window);
  const w = y.length;
  const { slope, intercept } = theilSen(y);
  const res = y.map((v, i) => v - (intercept + slope * i));
  const noise = 1.4826 * median(res.map(Math.abs));
  const change = slope * (w - 1);
  const se = w > 2 ? (noise / Math.sqrt((w * (w * w - 1)) / 12)) * (w - 1) : Infinity;
  const threshold = Math.max(minChange, 2.5 * se);
  const d = y.slice(1).map((v, i) => v - y[i]!);
  let flips = 0;
  for (let i = 1; i < d.length; i++) if (d[i]! * d[i - 1]! < 0) flips++;
  const direction: Direction = change < -threshold ? 'falling' : change > threshold ? 'rising' : 'flat';
  const margin =
    direction === 'flat' ? (threshold - Math.abs(change)) / threshold : (Math.abs(change) - threshold) / threshold;
  return {
    direction,
    slope: Math.expm1(slope),
    change,
    threshold,
    noise,
    signChanges: d.length > 1 ? flips / (d.length - 1) : 0,
    margin,
  };
}
