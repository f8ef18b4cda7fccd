// Reads the curves into probabilities of the patterns. Three readings of each curve:
//   recent:     the last 40% of epochs (at least 5): what the run is doing now;
//   whole:      every epoch: the shape of the run;
//   sinceBest:  from the best validation epoch to the end: a run that overfits after epoch 30 of 400
//               is seen even when the last 40% is flat (validation climbed, then stayed high).
// Each reading is a Mann-Kendall / Sen's slope trend (trend.ts) with probabilities of falling, flat and
// rising. The pattern probabilities are a mixture:
//   p = u * [unstable] + (1 - u) * (o * [overfitting] + (1 - o) * pairs(train recent, val recent))
// where u is the oscillation score (the training loss, an average over an epoch, zig-zags around its
// level with swings larger than its trend) and o the score of overfitting read since the best epoch.
import { logScale, TREND, type Trend, trendOfScaled } from './trend.js';
import { sigmoid } from './stats.js';
import type { Oscillation, PatternId } from './types.js';

export interface Readings {
  recent: { train: Trend; val: Trend | null };
  whole: { train: Trend; val: Trend | null };
  sinceBest: { train: Trend; val: Trend } | null;
  oscillation: Oscillation;
  /** Score of overfitting read since the best validation epoch (0..1). */
  overfitSinceBest: number;
}

/** The decision settings (chosen on the development corpus only; see docs/diagnosis.md). */
export const READ = {
  /** Share of the epochs in the recent window, and its smallest size. */
  recentShare: 0.4,
  recentMin: 5,
  /** Train swing (log units) that starts to count as oscillation, and the validation swing that counts alone. */
  trainSwing: 0.05,
  valSwing: 0.2,
  /** Sign-change rate of an oscillating curve (white noise ~0.67, a trend ~0). */
  signChanges: 0.4,
  /** How far above its best validation must end (relative) for overfitting read since the best epoch. */
  aboveBest: 0.08,
};

export const recentWindow = (n: number): number =>
  Math.min(n, Math.max(READ.recentMin, Math.round(READ.recentShare * n)));

const DIRS = ['falling', 'flat', 'rising'] as const;
const PAIR: Record<(typeof DIRS)[number], Record<(typeof DIRS)[number], PatternId>> = {
  falling: { falling: 'learning', rising: 'overfitting', flat: 'underfitting' },
  flat: { flat: 'plateau', rising: 'overfitting', falling: 'data' },
  rising: { rising: 'architecture', falling: 'data', flat: 'architecture' },
};
const probs = (t: Trend) => ({ falling: t.pFalling ?? 0, flat: t.pFlat ?? 1, rising: t.pRising ?? 0 });

function oscillationOf(t: Trend, v: Trend | null): Oscillation {
  const amp = t.amplitude ?? 0;
  const swingOverTrend = (2 * amp) / Math.max(Math.abs(t.change), 1e-12);
  const swings = (a: number, sc: number, floor: number, r: number) =>
    sigmoid((sc - READ.signChanges) / 0.05) * sigmoid((a - floor) / (0.25 * floor)) * sigmoid((r - 1) / 0.25);
  const onTrain = swings(amp, t.signChanges, READ.trainSwing, swingOverTrend);
  const vAmp = v?.amplitude ?? 0;
  const onVal = v
    ? swings(vAmp, v.signChanges, READ.valSwing, (2 * vAmp) / Math.max(Math.abs(v.change), 1e-12)) *
      sigmoid((amp - READ.trainSwing / 2) / (0.25 * READ.trainSwing))
    : 0;
  return {
    score: Math.max(onTrain, onVal),
    swingOverTrend,
    amplitude: amp,
    signChanges: t.signChanges,
    valAmplitude: v ? vAmp : null,
    valSignChanges: v ? v.signChanges : null,
  };
}

/** Trends of both curves over the three windows, the oscillation and the since-best overfitting score. */
export function readings(loss: number[], val: number[] | null, bestVal: number): Readings {
  const n = loss.length,
    w = recentWindow(n);
  const yt = logScale(loss),
    yv = val ? logScale(val) : null;
  const recent = { train: trendOfScaled(yt, n - w, n), val: yv ? trendOfScaled(yv, n - w, n) : null };
  const whole = { train: trendOfScaled(yt, 0, n), val: yv ? trendOfScaled(yv, 0, n) : null };
  const tail = n - bestVal;
  const sinceBest =
    yv && tail >= Math.max(4, 0.1 * n) && bestVal > 0
      ? { train: trendOfScaled(yt, bestVal, n), val: trendOfScaled(yv, bestVal, n) }
      : null;
  let overfitSinceBest = 0;
  if (sinceBest && yv) {
    const above = yv[n - 1]! - yv[bestVal]!;
    overfitSinceBest =
      (sinceBest.val.pRising ?? 0) *
      (1 - (sinceBest.train.pRising ?? 0)) *
      (1 - (recent.train.pRising ?? 0)) *
      sigmoid((above - READ.aboveBest) / (0.25 * READ.aboveBest));
  }
  return { recent, whole, sinceBest, oscillation: oscillationOf(recent.train, recent.val), overfitSinceBest };
}

/** Probabilities of the trend patterns (not diverged) from the readings. */
export function patternProbabilities(r: Readings): Record<PatternId, number> {
  const p: Record<PatternId, number> = {
    learning: 0,
    overfitting: 0,
    underfitting: 0,
    plateau: 0,
    architecture: 0,
    data: 0,
    diverged: 0,
    unstable: 0,
  };
  const t = probs(r.recent.train);
  if (r.recent.val) {
    const v = probs(r.recent.val);
    for (const a of DIRS) for (const b of DIRS) p[PAIR[a][b]] += t[a] * v[b];
  } else {
    p.learning = t.falling;
    p.plateau = t.flat;
    p.architecture = t.rising;
  }
  const o = r.overfitSinceBest,
    u = r.oscillation.score;
  for (const k of Object.keys(p) as PatternId[]) p[k] *= (1 - u) * (1 - o);
  p.overfitting += (1 - u) * o;
  p.unstable += u;
  return p;
}

export { TREND };
