// Reads train/validation loss curves the way the tuning method does and names the situation:
//   train falling, val falling -> learning        train falling, val rising -> overfitting
//   train falling, val flat    -> underfitting    train flat,    val flat   -> plateau (bottleneck)
//   train rising,  val rising  -> architecture    train rising,  val falling -> data
//   NaN/Inf or explosion -> diverged;  large oscillation around a flat trend -> unstable.
// Other combinations are structure or data problems: train flat + val rising reads as overfitting
// (the model has converged and only memorises), train flat + val falling as data, train rising +
// val flat as architecture. Pure: a history in, a diagnosis out.
import { type Advice, adviceFor, type RunContext } from './advice.js';
import type { LossHistory } from './history.js';
import { type Direction, median, type Trend, trendOf } from './trend.js';
import type { Evidence, PatternId } from './types.js';

export const PATTERNS: readonly PatternId[] = [
  'learning',
  'overfitting',
  'underfitting',
  'plateau',
  'architecture',
  'data',
  'diverged',
  'unstable',
];
export const PATTERN_NAMES: Record<PatternId, string> = {
  learning: 'still learning',
  overfitting: 'overfitting',
  underfitting: 'underfitting',
  plateau: 'bottleneck (plateau)',
  architecture: 'network-structure problem',
  data: 'data-set problem',
  diverged: 'diverged',
  unstable: 'unstable (oscillating)',
};

export interface Diagnosis {
  pattern: PatternId;
  name: string;
  /** 0..1: how clearly the curves show the pattern. */
  confidence: number;
  /** True when there was no validation curve and the diagnosis rests on the training loss alone. */
  trainOnly: boolean;
  summary: string;
  evidence: Evidence;
  advice: Advice[];
}

const PAIR: Record<Direction, Record<Direction, PatternId>> = {
  falling: { falling: 'learning', rising: 'overfitting', flat: 'underfitting' },
  flat: { flat: 'plateau', rising: 'overfitting', falling: 'data' },
  rising: { rising: 'architecture', falling: 'data', flat: 'architecture' },
};

const finiteIndex = (v: number[]) => v.findIndex((x) => !Number.isFinite(x));
const squash = (m: number) => Math.max(0.05, Math.min(0.99, 0.5 + 0.5 * Math.tanh(m)));

/** The recent part of training the trends are read from: the last 40% of epochs, at least 5 (or all). */
export function windowOf(n: number): number {
  return Math.min(n, Math.max(5, Math.round(0.4 * n)));
}

/**
 * Diagnoses a history. `context` (the run's config) makes the advice concrete.
 * @example diagnose({ loss: [1, .5, .3, .2, .15, .12], val_loss: [1, .6, .5, .55, .62, .7] }).pattern // 'overfitting'
 */
export function diagnose(history: LossHistory, context: RunContext = {}): Diagnosis {
  const loss = history.loss ?? [];
  const val = history.val_loss?.some((v) => !Number.isNaN(v)) ? history.val_loss : null;
  const { evidence, best } = evidenceOf(loss, val);
  const v = readCurves(loss, val, evidence, best);
  return {
    pattern: v.pattern,
    name: PATTERN_NAMES[v.pattern],
    confidence: +v.confidence.toFixed(3),
    trainOnly: val === null,
    summary: v.summary,
    evidence,
    advice: adviceFor(v.pattern, evidence, context),
  };
}

/** A pattern named, how clearly, and in words. */
interface Verdict {
  pattern: PatternId;
  confidence: number;
  summary: string;
}
const verdict = (pattern: PatternId, confidence: number, summary: string): Verdict => ({
  pattern,
  confidence,
  summary,
});

/** The numbers a diagnosis rests on, before the trends are read (readCurves fills evidence.train/val). */
function evidenceOf(loss: number[], val: number[] | null): { evidence: Evidence; best: { v: number; i: number } } {
  const n = loss.length;
  const nonFinite = [finiteIndex(loss), val ? finiteIndex(val) : -1].filter((i) => i >= 0);
  const ref = val ?? loss;
  const finiteRef = ref.map((v, i) => ({ v, i })).filter((p) => Number.isFinite(p.v));
  const best = finiteRef.length ? finiteRef.reduce((a, b) => (b.v < a.v ? b : a)) : { v: NaN, i: 0 };
  const w = windowOf(n);
  const evidence: Evidence = {
    epochs: n,
    window: [n - w, n],
    train: null,
    val: null,
    bestEpoch: best.i,
    bestLoss: best.v,
    finalTrainLoss: loss[n - 1]!,
    finalValLoss: val ? val[n - 1]! : null,
    gap:
      val && Number.isFinite(loss[n - 1]) && loss[n - 1] !== 0
        ? (val[n - 1]! - loss[n - 1]!) / Math.abs(loss[n - 1]!)
        : null,
    valAboveBest: val && Number.isFinite(best.v) && best.v > 0 ? val[n - 1]! / best.v - 1 : null,
    firstNonFinite: nonFinite.length ? nonFinite.reduce((a, b) => Math.min(a, b)) : null,
  };
  return { evidence, best };
}

/** Names the pattern: divergence and too-short runs first, then oscillation, then the two trends. */
function readCurves(loss: number[], val: number[] | null, evidence: Evidence, best: { v: number; i: number }): Verdict {
  const n = loss.length;
  const early = beforeTrends(loss, val, evidence);
  if (early) return early;
  const w = windowOf(n);
  const tTrain = trendOf(loss, w);
  evidence.train = tTrain;
  const tVal = val ? trendOf(val, w) : null;
  evidence.val = tVal;
  const unstable = oscillation(tTrain, tVal);
  if (unstable) return unstable;
  if (!tVal) {
    const p: PatternId =
      tTrain.direction === 'falling' ? 'learning' : tTrain.direction === 'flat' ? 'plateau' : 'architecture';
    return verdict(
      p,
      squash(tTrain.margin) * 0.8,
      `training loss ${tTrain.direction} (${fmtPct(tTrain.slope)} per epoch over the last ${w} epochs); ` +
        'no validation curve, so generalization cannot be judged',
    );
  }
  return fromTrends(tTrain, tVal, evidence, best);
}

/** No epochs, a non-finite loss, an explosion, or a run too short for trends (then evidence.train is set). */
function beforeTrends(loss: number[], val: number[] | null, evidence: Evidence): Verdict | null {
  const n = loss.length;
  const firstNonFinite = evidence.firstNonFinite;
  if (n === 0) return verdict('plateau', 0.05, 'no epochs recorded');
  if (firstNonFinite !== null)
    return verdict(
      'diverged',
      0.99,
      `the loss became ${String(firstNonFinite >= 0 ? (loss[firstNonFinite] ?? val?.[firstNonFinite]) : NaN)} ` +
        `at epoch ${firstNonFinite + 1}`,
    );
  // Explosion: the loss ends far above where it started and far above its best.
  const minTrain = loss.reduce((a, b) => Math.min(a, b), Infinity),
    lastTrain = loss[n - 1]!,
    firstTrain = loss[0]!;
  if (n >= 3 && minTrain > 0 && lastTrain > 20 * minTrain && lastTrain > 5 * firstTrain) {
    return verdict(
      'diverged',
      0.9,
      `the training loss exploded to ${lastTrain.toPrecision(3)} (${(lastTrain / minTrain).toFixed(0)}x its minimum)`,
    );
  }
  if (n < 4) {
    const tr = trendOf(loss, n, 0.03);
    evidence.train = tr;
    return verdict(
      tr.direction === 'falling' ? 'learning' : tr.direction === 'rising' ? 'architecture' : 'plateau',
      0.2,
      `only ${n} epochs: too short to read much`,
    );
  }
  return null;
}

/** Unstable: large oscillation around a trend that is small next to it. */
function oscillation(tTrain: Trend, tVal: Trend | null): Verdict | null {
  const osc = (t: Trend) => t.noise > 0.08 && t.signChanges >= 0.4 && Math.abs(t.change) < 2 * t.noise;
  const both = [tTrain, ...(tVal ? [tVal] : [])];
  const maxNoise = Math.max(...both.map((t) => t.noise));
  if (!(both.some(osc) && maxNoise > 0.12)) return null;
  return verdict(
    'unstable',
    squash((maxNoise - 0.12) / 0.1 + 0.5),
    `the loss swings by about ${(100 * maxNoise).toFixed(0)}% from epoch to epoch around a flat trend`,
  );
}

/** The pattern of the two trends (PAIR), with overfitting that the recent window reads as flat. */
function fromTrends(tTrain: Trend, tVal: Trend, evidence: Evidence, best: { v: number; i: number }): Verdict {
  const n = evidence.epochs,
    w = windowOf(n);
  let pattern = PAIR[tTrain.direction][tVal.direction];
  let confidence = squash(Math.min(tTrain.margin, tVal.margin));
  // Overfitting that the recent window reads as flat: validation well above its best, reached earlier.
  const above = evidence.valAboveBest ?? 0;
  if (
    (pattern === 'underfitting' || pattern === 'plateau') &&
    tTrain.direction !== 'rising' &&
    best.i < n - w / 2 &&
    above > Math.max(0.1, 3 * tVal.noise)
  ) {
    pattern = 'overfitting';
    confidence = squash(above / Math.max(0.1, 3 * tVal.noise) - 0.5);
  }
  const summary =
    `training loss ${tTrain.direction} (${fmtPct(tTrain.slope)}/epoch), ` +
    `validation loss ${tVal.direction} (${fmtPct(tVal.slope)}/epoch) over epochs ${n - w + 1}-${n}; ` +
    `best validation ${best.v.toPrecision(4)} at epoch ${best.i + 1}`;
  return verdict(pattern, confidence, summary);
}

function fmtPct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
}

export { median };
