// Reads the curves into probabilities of the patterns. Three readings of each curve:
//   recent:     the last 40% of epochs (at least 8): what the run is doing now;
//   whole:      every epoch: the shape of the run;
//   sinceBest:  from the best validation epoch to the end: a run that overfits after epoch 30 of 400
//               is seen even when the last 40% is flat (validation climbed, then stayed high).
// Each reading is a Mann-Kendall / Sen's slope trend (trend.ts) with probabilities of falling, flat and
// rising. A recent reading that is flat only for want of significance (a real change under heavy noise)
// takes the direction of the whole run when the two agree in sign. The pattern probabilities are a mixture
//   p = u [unstable] + (1 - u) (o [overfitting] + (1 - o) (s [underfitting] + (1 - s) pairs(train, val)))
// where u is the oscillation score (the training loss, an average over an epoch, zig-zags around its
// level with swings larger than its trend), o the score of overfitting read since the best epoch, and s
// the score of a run whose training loss kept falling over the late run (the last 70%) while validation never
// moved there (the early drop both curves make at the start is not part of either reading: it made the whole-run
// validation "falling" and hid the underfitting row, and the whole-run training "falling" made plateaus underfit).
import { median, minOf, runningMedian, sigmoid } from './stats.js';
import { logScale, TREND, type Trend, trendOfScaled } from './trend.js';
import { noProbabilities, type Oscillation, type PatternId } from './types.js';
import { despiked, VALLEY, type Valley, valleyOf } from './valley.js';

export interface Readings {
  recent: { train: Trend; val: Trend | null };
  /** The last READ.lendShare of the run: what a recent reading that lacks significance borrows its sign from. */
  late: { train: Trend; val: Trend | null };
  whole: { train: Trend; val: Trend | null };
  sinceBest: { train: Trend; val: Trend } | null;
  oscillation: Oscillation;
  /** Score of overfitting read since the best validation epoch (0..1). */
  overfitSinceBest: number;
  /** Score of "training fell over the late run (last 70%), validation never moved there" (0..1). */
  underfitWhole: number;
  /** The valley regression of the validation loss (valley.ts), null without one. */
  valley: Valley | null;
}

/** The decision settings (chosen on the development corpus only; see docs/diagnosis.md). */
export const READ = {
  /** Share of the epochs in the recent window, and its smallest size. */
  recentShare: 0.4,
  recentMin: 8,
  /** Train swing (log units) that starts to count as oscillation. */
  trainSwing: 0.06,
  /** Sign-change rate of an oscillating curve (white noise ~0.67, a trend ~0). */
  signChanges: 0.4,
  /** How far above its best validation must end (log units) for overfitting read since the best epoch. */
  aboveBest: 0.05,
  /** Since-best windows longer than this start after the best epoch; the rise must clear this many noise sds. */
  skipBestAbove: 20,
  /** Weight of a flat training loss since the best epoch in the overfitting score (a falling one counts 1). */
  flatTrainOverfit: 0.3,
  aboveNoise: 1,
  /** The level test's margin over the smoothed curve's noise, in standard errors. */
  levelSe: 4,
  /** The t (rise over its standard error) the valley regression's end level must clear above its bottom. */
  valleyT: 4,
  /** The Mann-Kendall z the validation loss since its smoothed low must pass for the level test to count. */
  levelZ: 0.5,
  /** The z a rise since the best epoch must pass (one-sided). */
  sinceZ: 1.645,
  /** Share of the run a recent reading that lacks significance borrows its sign from (1: the whole run). */
  lendShare: 0.7,
};

export const recentWindow = (n: number): number =>
  Math.min(n, Math.max(READ.recentMin, Math.round(READ.recentShare * n)));

type Dir = 'falling' | 'flat' | 'rising';
const DIRS: Dir[] = ['falling', 'flat', 'rising'];
const PAIR: Record<Dir, Record<Dir, PatternId>> = {
  falling: { falling: 'learning', rising: 'overfitting', flat: 'underfitting' },
  flat: { flat: 'plateau', rising: 'overfitting', falling: 'data' },
  rising: { rising: 'architecture', falling: 'data', flat: 'architecture' },
};
const probs = (t: Trend): Record<Dir, number> => ({
  falling: t.pFalling ?? 0,
  flat: t.pFlat ?? 1,
  rising: t.pRising ?? 0,
});

/** Recent direction probabilities, with flatness that is only want of significance lent to the whole run's sign. */
function blended(recent: Trend, whole: Trend): Record<Dir, number> {
  const p = probs(recent);
  const big = sigmoid((Math.abs(recent.change) - TREND.effect) / (TREND.effectSoft * TREND.effect));
  const dir: Dir = recent.change < 0 ? 'falling' : 'rising';
  const lend = p.flat * big * (whole[dir === 'falling' ? 'pFalling' : 'pRising'] ?? 0);
  p.flat -= lend;
  p[dir] += lend;
  return p;
}

function oscillationOf(t: Trend, v: Trend | null, w: number): Oscillation {
  const amp = t.amplitude ?? 0;
  const swingOverTrend = (2 * amp) / Math.max(Math.abs(t.change), 1e-12);
  const score =
    sigmoid((t.signChanges - READ.signChanges) / 0.05) *
    sigmoid((amp - READ.trainSwing) / (0.25 * READ.trainSwing)) *
    sigmoid((swingOverTrend - 1) / 0.25) *
    sigmoid((w - 7) / 1.5);
  return {
    score,
    swingOverTrend,
    amplitude: amp,
    signChanges: t.signChanges,
    valAmplitude: v ? (v.amplitude ?? 0) : null,
    valSignChanges: v ? v.signChanges : null,
  };
}

/** Running median of y over an odd window k. */
const smooth = (y: number[], k: number): number[] => runningMedian(y, (k - 1) / 2);

/**
 * How much the training loss since the best validation epoch speaks for overfitting: a falling training loss
 * fully (the model keeps fitting while validation worsens), a flat one partly (converged and memorising, or a
 * noisy plateau whose best validation epoch was a low outlier), a rising one not at all.
 */
const trainStillLearns = (t: Trend) => (t.pFalling ?? 0) + READ.flatTrainOverfit * (t.pFlat ?? 0);

/**
 * Probability that a curve rises, tested one-sided (READ.sinceZ): after its best epoch validation can only
 * be asked whether it went up, so the one-sided 5% point (1.645) is the natural edge, with the effect floor.
 */
const risingOneSided = (t: Trend) =>
  sigmoid(((t.z ?? 0) - READ.sinceZ) / TREND.zSoft) *
  sigmoid((t.change - TREND.effect) / (TREND.effectSoft * TREND.effect));

/** Overfitting since the best epoch: validation rising since (Mann-Kendall), or its level well above its low. */
function overfitScore(yt: number[], yv: number[], best: number, recent: { train: Trend; val: Trend }) {
  const n = yv.length,
    tailOk = (b: number) => b >= 0 && n - b >= Math.max(4, 0.1 * n);
  const trainNotUp = 1 - (recent.train.pRising ?? 0);
  let since: { train: Trend; val: Trend } | null = null,
    mk = 0;
  if (tailOk(best)) {
    // The trend from the epoch after the best (a window that starts at its minimum is biased upward; a short
    // tail, as early stopping leaves, keeps it), and the rise from the level around the best (the best of a
    // noisy curve is a low outlier) to the level at the end.
    const from = n - best > READ.skipBestAbove ? best + 1 : best;
    since = { train: trendOfScaled(yt, from, n), val: trendOfScaled(yv, from, n) };
    const h = Math.max(1, Math.round(n / 40));
    const above =
      median(yv.slice(n - Math.max(3, Math.round((n - best) / 4)))) -
      median(yv.slice(Math.max(0, best - h), best + h + 1));
    const thrMk = Math.max(READ.aboveBest, READ.aboveNoise * recent.val.noise);
    mk = risingOneSided(since.val) * trainStillLearns(since.train) * sigmoid((above - thrMk) / (0.25 * thrMk));
  }
  const k = Math.max(3, 2 * Math.round(n / 20) + 1);
  const s = smooth(yv, k);
  const low = s.indexOf(minOf(s));
  let level = 0;
  if (tailOk(low) && n >= 8) {
    const w = recentWindow(n);
    const rise = median(yv.slice(n - w)) - s[low]!;
    const thr = Math.max(READ.aboveBest, (READ.levelSe * recent.val.noise) / Math.sqrt(k));
    const trainSince = trendOfScaled(yt, low, n),
      valSince = trendOfScaled(yv, low, n);
    // A level above the low counts when the stretch since also leans upward (z past READ.levelZ).
    level =
      sigmoid((rise - thr) / (0.25 * thr)) *
      sigmoid(((valSince.z ?? 0) - READ.levelZ) / 0.5) *
      trainStillLearns(trainSince);
  }
  const vy = valleyOf(yv);
  let valley = 0;
  if (vy && n - vy.bottom >= 3)
    valley =
      sigmoid((vy.t - READ.valleyT) / 0.5) *
      sigmoid((vy.rise - READ.aboveBest) / (0.25 * READ.aboveBest)) *
      trainStillLearns(trendOfScaled(yt, vy.bottom, n));
  return { since, valley: vy, score: Math.max(mk, level, valley) * trainNotUp };
}

/** Trends of both curves over the three windows, the oscillation and the whole-run scores. */
export function readings(loss: number[], val: number[] | null, bestVal: number): Readings {
  const n = loss.length,
    w = recentWindow(n);
  // A run whose loss goes below zero in either curve (a log-likelihood with an offset) has no natural zero: both
  // curves are read in units of their spread, not relative to a level that the offset set.
  const offset = loss.some((v) => v <= 0) || (val?.some((v) => v <= 0) ?? false);
  const yt = logScale(loss, offset),
    yv = val ? logScale(val, offset) : null;
  const recent = { train: trendOfScaled(yt, n - w, n), val: yv ? trendOfScaled(yv, n - w, n) : null };
  const whole = { train: trendOfScaled(yt, 0, n), val: yv ? trendOfScaled(yv, 0, n) : null };
  const l = Math.max(w, Math.round(READ.lendShare * n));
  const late = { train: trendOfScaled(yt, n - l, n), val: yv ? trendOfScaled(yv, n - l, n) : null };
  let sinceBest: Readings['sinceBest'] = null,
    valley: Valley | null = null,
    overfitSinceBest = 0,
    underfitWhole = 0;
  if (yv && recent.val && whole.val) {
    const o = overfitScore(yt, yv, bestVal, { train: recent.train, val: recent.val });
    sinceBest = o.since;
    valley = o.valley;
    overfitSinceBest = o.score;
    underfitWhole =
      (late.train.pFalling ?? 0) * (late.val?.pFlat ?? 0) * (recent.val.pFlat ?? 0) * (1 - (recent.train.pRising ?? 0));
  }
  return {
    recent,
    late,
    whole,
    sinceBest,
    // Oscillation is read with isolated upward spikes clipped (valley.ts): one bad batch is not a swing.
    oscillation: oscillationOf(trendOfScaled(despiked(yt, VALLEY.swingSpikeSds), n - w, n), recent.val, w),
    overfitSinceBest,
    underfitWhole,
    valley,
  };
}

/** Probabilities of the trend patterns (not diverged) from the readings. */
export function patternProbabilities(r: Readings): Record<PatternId, number> {
  const p = noProbabilities();
  const t = blended(r.recent.train, r.late.train);
  if (r.recent.val && r.late.val && r.whole.val) {
    const v = blended(r.recent.val, r.late.val);
    for (const a of DIRS) for (const b of DIRS) p[PAIR[a][b]] += t[a] * v[b];
    // Training worse, validation holding what it gained over the run: the data-set row, not the structure one.
    const held = t.rising * v.flat * (r.whole.val.pFalling ?? 0);
    p.architecture -= held;
    p.data += held;
  } else {
    p.learning = t.falling;
    p.plateau = t.flat;
    p.architecture = t.rising;
  }
  const u = r.oscillation.score,
    o = r.overfitSinceBest,
    s = r.underfitWhole;
  for (const k of Object.keys(p) as PatternId[]) p[k] *= (1 - u) * (1 - o) * (1 - s);
  p.underfitting += (1 - u) * (1 - o) * s;
  p.overfitting += (1 - u) * o;
  p.unstable += u;
  return p;
}

export { TREND };
