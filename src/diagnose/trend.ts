// Trend of one loss curve over a window of epochs, decided by significance and effect size together.
// The curve is read in log space when it is positive (so 1e-4 and 1e3 read the same; a change of 0.05
// is about 5%), else in units of its whole-run spread (negative losses). The test is Mann-Kendall with
// Sen's slope and the Hamed-Rao autocorrelation correction (mann-kendall.ts says why). A window longer
// than MAX_POINTS epochs is tested on block means (the trend is kept, the test stays O(MAX_POINTS^2)).
// Oscillation figures (sign changes of the differences, swing amplitude against the trend) are read on
// the raw epochs: they tell a curve that swings around its level from one that is noisy while moving.
import { mannKendall } from './mann-kendall.js';
import { mad, median, quantile, sigmoid } from './stats.js';

export type Direction = 'falling' | 'flat' | 'rising';

export interface Trend {
  direction: Direction;
  /** Relative change per epoch over the window (exp(slope) - 1, so -0.05 = 5% lower each epoch). */
  slope: number;
  /** Log change across the window (Sen's slope x (window - 1)). */
  change: number;
  /** The smallest change (log units) that counts as falling or rising: the effect-size floor. */
  threshold: number;
  /** Robust standard deviation of the residuals around Sen's line (log units ~ relative). */
  noise: number;
  /** Fraction of sign changes between consecutive differences (0: monotone, ~0.67: white noise, 1: zig-zag). */
  signChanges: number;
  /** How clearly the direction was read: 0 (on the edge) .. 1 (beyond doubt). */
  margin: number;
  /** Epochs [from, to) (0-based) the trend was read on; 1-based [from, to] in the JSON output (evidenceFrom1). */
  from?: number;
  to?: number;
  /** Mann-Kendall statistic S, Kendall's tau, the corrected z and its two-sided p-value. */
  s?: number;
  tau?: number;
  z?: number;
  p?: number;
  /** Hamed-Rao variance factor n/n* (1: no autocorrelation). */
  correction?: number;
  /** 95% interval of the relative change per epoch (from Sen's slope interval). */
  slopeLow?: number;
  slopeHigh?: number;
  /** Probabilities of the three directions given significance and effect size. */
  pFalling?: number;
  pFlat?: number;
  pRising?: number;
  /** Typical swing from one epoch to the next (80th percentile of |differences| / 1.81, log units). */
  amplitude?: number;
}

/** The trend-test and oscillation settings (the defaults were chosen on the development corpus only). */
export const TREND = {
  /** Points the test is run on at most (longer windows are averaged in blocks). */
  maxPoints: 120,
  /** z the Mann-Kendall test must pass, and the softness of that edge. */
  z: 2,
  zSoft: 0.5,
  /** Smallest log change across the window that counts as a trend, and the softness of that edge. */
  effect: 0.04,
  effectSoft: 0.3,
};

export { median };

/** Units of a curve with values <= 0 (see logScale). */
export const SCALE = { unit: 0.7 };

/**
 * Values to work on: logs when the curve is positive, else values over their spread (p90 - p10). `linear` reads a
 * positive curve in spread units too: the caller knows its loss has no natural zero (the other curve of the run
 * went below zero, so both carry an arbitrary offset and a relative change means nothing).
 */
export function logScale(values: number[], linear = false): number[] {
  if (!linear && values.every((v) => v > 0)) return values.map(Math.log);
  // The unit: the larger of the spread (p90 - p10) and the typical size |v|, so that the noise of a flat
  // curve near zero is not its own yardstick.
  const spread = Math.max(quantile(values, 0.9) - quantile(values, 0.1), median(values.map(Math.abs))) || 1;
  return values.map((v) => (SCALE.unit * v) / spread);
}

export function theilSen(y: number[]): { slope: number; intercept: number } {
  const { slope, intercept } = mannKendall(y);
  return { slope, intercept };
}

/** Block means of y down to at most `max` points; `size` is epochs per point. */
function blocks(y: number[], max: number): { y: number[]; size: number } {
  if (y.length <= max) return { y, size: 1 };
  const size = y.length / max,
    out: number[] = [];
  for (let b = 0; b < max; b++) {
    const a = Math.floor(b * size),
      e = Math.floor((b + 1) * size);
    let s = 0;
    for (let i = a; i < e; i++) s += y[i]!;
    out.push(s / (e - a));
  }
  return { y: out, size };
}

function signChangesOf(d: number[]): number {
  let flips = 0,
    pairs = 0;
  for (let i = 1; i < d.length; i++) {
    if (d[i] === 0 || d[i - 1] === 0) continue;
    pairs++;
    if (d[i]! * d[i - 1]! < 0) flips++;
  }
  return pairs ? flips / pairs : 0;
}

/** Trend of already-scaled values y (logScale) over [from, to). */
export function trendOfScaled(y: number[], from: number, to: number, minChange = TREND.effect): Trend {
  const win = y.slice(from, to),
    w = win.length;
  const b = blocks(win, TREND.maxPoints);
  const mk = mannKendall(b.y);
  const slope = mk.slope / b.size;
  const change = slope * (w - 1);
  const res = win.map((v, i) => v - (mk.intercept + slope * (i - (b.size - 1) / 2)));
  const noise = mad(res);
  const d = win.slice(1).map((v, i) => v - win[i]!);
  // The 80th percentile of |differences| over 1.81 is the noise sd for white noise, and counts swings
  // and spikes that come back in at least a fifth of the epochs (a median would ignore them).
  const amplitude = d.length > 1 ? quantile(d.map(Math.abs), 0.8) / 1.81 : 0;
  const sig = (sgn: number) => sigmoid((sgn * mk.z - TREND.z) / TREND.zSoft);
  const eff = (sgn: number) => sigmoid((sgn * change - minChange) / (TREND.effectSoft * minChange));
  const pRising = w >= 3 ? sig(1) * eff(1) : 0,
    pFalling = w >= 3 ? sig(-1) * eff(-1) : 0;
  const pFlat = Math.max(0, 1 - pRising - pFalling);
  const top = Math.max(pRising, pFalling, pFlat);
  const direction: Direction = top === pFalling ? 'falling' : top === pRising ? 'rising' : 'flat';
  return {
    direction,
    slope: Math.expm1(slope),
    change,
    threshold: minChange,
    noise,
    signChanges: signChangesOf(d),
    margin: 2 * top - 1,
    from,
    to,
    s: mk.s,
    tau: mk.tau,
    z: mk.z,
    p: mk.p,
    correction: mk.correction,
    slopeLow: Math.expm1(mk.low / b.size),
    slopeHigh: Math.expm1(mk.high / b.size),
    pFalling,
    pFlat,
    pRising,
    amplitude,
  };
}

/** Trend of the last `window` points of a curve (already finite). minChange is the smallest log change that counts. */
export function trendOf(values: number[], window: number, minChange = TREND.effect): Trend {
  const y = logScale(values);
  return trendOfScaled(y, Math.max(0, y.length - window), y.length, minChange);
}
