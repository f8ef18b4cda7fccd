// Reads train/validation loss curves the way the tuning method does and names the situation:
//   train falling, val falling -> learning        train falling, val rising -> overfitting
//   train falling, val flat    -> underfitting    train flat,    val flat   -> plateau (bottleneck)
//   train rising,  val rising  -> architecture    train rising,  val falling -> data
//   NaN/Inf, explosion, or a loss 100x a naive baseline's -> diverged;  oscillation larger than the trend -> unstable.
// Other combinations are structure or data problems: train flat + val rising reads as overfitting
// (the model has converged and only memorises), train flat + val falling as data, train rising +
// val flat as architecture. Trends are decided by a Mann-Kendall test with an autocorrelation
// correction and an effect-size floor (trend.ts), read over the recent window, the whole run and since
// the best epoch (read.ts); the result is a probability per pattern, calibrated on the development part
// of the labelled corpus (calibrate.ts). Pure: a history in, a diagnosis out.
import { type Advice, adviceFor, type RunContext } from './advice.js';
import { calibrated, ranked } from './calibrate.js';
import { earlyVerdict } from './early.js';
import { HistoryError, type LossHistory } from './history.js';
import { patternProbabilities, type Readings, readings, recentWindow } from './read.js';
import { median } from './stats.js';
import type { Trend } from './trend.js';
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

/** Below this confidence the text says "probably X; could be Y". */
export const LOW_CONFIDENCE = 0.8;

export interface Diagnosis {
  pattern: PatternId;
  name: string;
  /** 0..1, calibrated: of the diagnoses given with confidence >= 0.8, at least 95% were right on held-out curves. */
  confidence: number;
  /** The second most likely pattern and its probability. */
  runner_up: { pattern: PatternId; confidence: number };
  /** Probability of every pattern (sums to 1). */
  probabilities: Record<PatternId, number>;
  /** True when there was no validation curve and the diagnosis rests on the training loss alone. */
  trainOnly: boolean;
  summary: string;
  evidence: Evidence;
  advice: Advice[];
}

/** The recent part of training the trends are read from: the last 40% of epochs, at least 8 (or all). */
export function windowOf(n: number): number {
  return recentWindow(n);
}

/**
 * Diagnoses a history. `context` (the run's config, its baselines) makes the advice concrete.
 * @example
 * import { diagnose } from 'seqtune';
 * const loss = [1, 0.6, 0.4, 0.3, 0.24, 0.2, 0.17, 0.15, 0.13, 0.12];
 * const val_loss = [1, 0.7, 0.55, 0.5, 0.52, 0.56, 0.6, 0.65, 0.7, 0.76];
 * diagnose({ loss, val_loss }).pattern; // 'overfitting' (six epochs of this were too few to tell: 'underfitting')
 */
export function diagnose(history: LossHistory, context: RunContext = {}): Diagnosis {
  // a history without its loss list read as "learning" (readHistory's result passed whole, its .history inside)
  if (!Array.isArray(history?.loss) || history.loss.length === 0)
    throw new HistoryError(
      'diagnose: expected a history with a non-empty "loss" list (a Keras History.history; readHistory returns ' +
        `{ history, source }: pass its .history), received keys ${Object.keys(history ?? {}).join(', ') || 'none'}`,
    );
  // a list of anything but numbers (strings from a hand-made history, null from a JSON) read as "diverged"
  for (const k of ['loss', 'val_loss'] as const) {
    const i = history[k]?.findIndex((v) => typeof v !== 'number') ?? -1;
    if (i >= 0)
      throw new HistoryError(
        `diagnose: ${k}[${i}]: expected a number (NaN for a missing value), received ${JSON.stringify(history[k]![i])}`,
      );
  }
  const loss = history.loss;
  const val = validationOf(loss, history.val_loss);
  const evidence = evidenceOf(loss, val, history.lr ?? history.learning_rate);
  const early = earlyVerdict(loss, val, evidence, context.baseline);
  let probabilities: Record<PatternId, number>;
  let why: string;
  if (early) {
    probabilities = early.probabilities;
    why = early.summary;
  } else {
    const r = readFinite(loss, val, evidence);
    Object.assign(evidence, evidenceOfReadings(r));
    probabilities = calibrated(patternProbabilities(r));
    why = trendWords(r, evidence);
  }
  why += notFiniteWords(val, evidence);
  const [first, second] = ranked(probabilities);
  const pattern = first![0],
    confidence = +first![1].toFixed(3);
  const runnerUp = { pattern: second![0], confidence: +second![1].toFixed(3) };
  const hedge =
    confidence < LOW_CONFIDENCE
      ? `probably ${PATTERN_NAMES[pattern]}; could be ${PATTERN_NAMES[runnerUp.pattern]}. `
      : '';
  return {
    pattern,
    name: PATTERN_NAMES[pattern],
    confidence,
    runner_up: runnerUp,
    probabilities,
    trainOnly: val === null,
    summary: `${hedge}${why}`,
    evidence,
    advice: adviceFor(pattern, evidence, context),
  };
}

/**
 * The validation curve, or null without one. A list of NaN only (a column with no number in it) is no validation
 * when it is shorter than the run, but a validation loss that was NaN or infinite at every epoch of a run (seqtune
 * and Keras' TerminateOnNaN stop after the first, so it is often one epoch long) is a diverged run, not a missing
 * curve.
 */
function validationOf(loss: number[], v: number[] | undefined): number[] | null {
  if (!v?.length) return null;
  if (v.some((x) => !Number.isNaN(x))) return v.slice(0, loss.length);
  return v.length >= loss.length && loss.length > 0 ? v.slice(0, loss.length) : null;
}

/**
 * The epochs whose validation loss was NaN or infinite in a run that went on: the training loss finite at every
 * epoch and validation finite again at the last. Such a run recovered; it did not diverge. Empty otherwise: a
 * non-finite training loss, or a validation loss that is still not finite at the end, is divergence (Keras'
 * TerminateOnNaN stops at the first; a run that was not stopped ends that way).
 */
function recoveredEpochs(loss: number[], val: number[] | null): number[] {
  if (!val || !loss.every(Number.isFinite) || !Number.isFinite(val[loss.length - 1])) return [];
  return val.flatMap((v, i) => (Number.isFinite(v) ? [] : [i]));
}

/** The numbers a diagnosis rests on, before the trends are read. */
function evidenceOf(loss: number[], val: number[] | null, lr?: number[]): Evidence {
  const n = loss.length;
  const notFinite = recoveredEpochs(loss, val);
  const finiteIndex = (v: number[]) => v.findIndex((x) => !Number.isFinite(x));
  const nonFinite = notFinite.length ? [] : [finiteIndex(loss), val ? finiteIndex(val) : -1].filter((i) => i >= 0);
  const ref = val ?? loss;
  const finiteRef = ref.map((v, i) => ({ v, i })).filter((p) => Number.isFinite(p.v));
  const best = finiteRef.length ? finiteRef.reduce((a, b) => (b.v < a.v ? b : a)) : { v: NaN, i: 0 };
  const w = windowOf(n);
  const last = loss[n - 1]!;
  const lrAt = lr && lr.length >= n && Number.isFinite(lr[n - w]) && Number.isFinite(lr[n - 1]);
  return {
    epochs: n,
    window: [n - w, n],
    train: null,
    val: null,
    bestEpoch: best.i,
    bestLoss: best.v,
    finalTrainLoss: last,
    finalValLoss: val ? val[n - 1]! : null,
    gap: val && Number.isFinite(last) && last !== 0 ? (val[n - 1]! - last) / Math.abs(last) : null,
    valAboveBest: val && Number.isFinite(best.v) && best.v > 0 ? val[n - 1]! / best.v - 1 : null,
    firstNonFinite: nonFinite.length ? nonFinite.reduce((a, b) => Math.min(a, b)) : null,
    ...(notFinite.length ? { notFinite } : {}),
    ...(lrAt ? { lr: { from: lr[n - w]!, last: lr[n - 1]! } } : {}),
  };
}

/**
 * The readings of a run, on the epochs where both losses are finite when some validation epochs were not
 * (e.notFinite), with every window and index numbered as the run's epochs.
 */
function readFinite(loss: number[], val: number[] | null, e: Evidence): Readings {
  const skip = new Set(e.notFinite);
  if (!val || skip.size === 0) return readings(loss, val, e.bestEpoch);
  const kept = loss.flatMap((_, i) => (skip.has(i) ? [] : [i]));
  const r = readings(
    kept.map((i) => loss[i]!),
    kept.map((i) => val[i]!),
    kept.indexOf(e.bestEpoch),
  );
  return renumbered(r, kept);
}

/** Readings of the kept epochs with their windows and the valley's bottom as epochs of the whole run. */
function renumbered(r: Readings, kept: number[]): Readings {
  const at = (t: Trend): Trend =>
    t.from === undefined || t.to === undefined ? t : { ...t, from: kept[t.from]!, to: kept[t.to - 1]! + 1 };
  const pair = (p: { train: Trend; val: Trend | null }) => ({ train: at(p.train), val: p.val && at(p.val) });
  return {
    ...r,
    recent: pair(r.recent),
    late: pair(r.late),
    whole: pair(r.whole),
    sinceBest: r.sinceBest && { train: at(r.sinceBest.train), val: at(r.sinceBest.val) },
    valley: r.valley && { ...r.valley, bottom: kept[r.valley.bottom]! },
  };
}

/**
 * k when the validation curve has a value every k-th epoch (k >= 2) and NaN at every other (Keras' validation_freq,
 * Lightning's check_val_every_n_epoch: a log's blank or NA), the last epoch validated; else null.
 */
function validationEvery(val: number[], notFinite: number[]): number | null {
  if (!notFinite.every((i) => Number.isNaN(val[i]))) return null;
  const first = val.findIndex((v) => Number.isFinite(v));
  const k = first + 1;
  if (k < 2 || val.length % k !== 0) return null;
  return val.every((v, i) => ((i + 1) % k === 0 ? Number.isFinite(v) : Number.isNaN(v))) ? k : null;
}

/** The note on validation epochs that were not finite in a run that went on (e.notFinite), or nothing. */
function notFiniteWords(val: number[] | null, e: Evidence): string {
  const k = e.notFinite ?? [];
  if (!val || k.length === 0) return '';
  const every = validationEvery(val, k);
  if (every)
    return (
      `; validation ran every ${every} epochs (a log leaves the others blank or NA): the reading uses the epochs ` +
      'with both curves'
    );
  const one = k.length === 1;
  const shown = k.slice(0, 8).map((i) => `${i + 1} (${val[i]})`);
  const which = one
    ? `${val[k[0]!]} at epoch ${k[0]! + 1}`
    : `not finite at epochs ${shown.join(', ')}${k.length > 8 ? ` and ${k.length - 8} more` : ''}`;
  return (
    `; the validation loss was ${which} and finite after ${one ? 'it' : 'them'}, the training loss finite ` +
    `throughout: ${one ? 'that epoch is' : 'those epochs are'} left out of the reading (the run went on, ` +
    'so it is not taken for divergence)'
  );
}

function evidenceOfReadings(r: Readings): Partial<Evidence> {
  return {
    // the recent window as read: the last epochs of the run, or of its finite epochs (readFinite)
    window: [r.recent.train.from!, r.recent.train.to!],
    train: r.recent.train,
    val: r.recent.val,
    whole: r.whole,
    sinceBest: r.sinceBest,
    oscillation: r.oscillation,
    overfitSinceBest: r.overfitSinceBest,
    underfitWhole: r.underfitWhole,
    valley: r.valley,
  };
}

function trendWords(r: Readings, e: Evidence): string {
  const t = r.recent.train,
    v = r.recent.val;
  const [a, b] = e.window;
  const words =
    `training loss ${t.direction} (${fmtPct(t.slope)}/epoch)` +
    (v ? `, validation loss ${v.direction} (${fmtPct(v.slope)}/epoch)` : '') +
    ` over epochs ${a + 1}-${b}`;
  if (!v) return `${words}; no validation curve, so generalization cannot be judged`;
  const since =
    r.overfitSinceBest > 0.5 ? `; validation has risen ${(100 * (e.valAboveBest ?? 0)).toFixed(0)}% since` : ';';
  const osc =
    r.oscillation.score > 0.5
      ? `; the training loss swings about ${(100 * r.oscillation.amplitude).toFixed(0)}% from epoch to epoch`
      : '';
  return `${words}${since} best validation ${e.bestLoss.toPrecision(4)} at epoch ${e.bestEpoch + 1}${osc}`;
}

function fmtPct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
}

export { median };
