// The vocabulary diagnose.ts (which names the pattern) and advice.ts (which says what to try for
// it) share; it lives below both so that diagnose.ts can call advice.ts without a cycle.
import type { Trend } from './trend.js';
import type { Valley } from './valley.js';

/** The situations diagnose names (diagnose.ts lists them in PATTERNS and words them in PATTERN_NAMES). */
export type PatternId =
  | 'learning'
  | 'overfitting'
  | 'underfitting'
  | 'plateau'
  | 'architecture'
  | 'data'
  | 'diverged'
  | 'unstable';

/** What the curves showed, as numbers: the grounds of a diagnosis and the input of its advice. */
export interface Evidence {
  epochs: number;
  /** Epochs [from, to) (0-based) where the trends were read. */
  window: [number, number];
  train: Trend | null;
  val: Trend | null;
  /** Epoch (0-based) of the lowest validation loss (or train loss without validation). */
  bestEpoch: number;
  bestLoss: number;
  finalTrainLoss: number;
  finalValLoss: number | null;
  /** (val - train) / train at the last epoch: the generalization gap. */
  gap: number | null;
  /** How far the last validation loss sits above its best, relative. */
  valAboveBest: number | null;
  /** First epoch with a non-finite loss, if any (none when every one was followed by finite losses: notFinite). */
  firstNonFinite: number | null;
  /**
   * Epochs whose validation loss was NaN or infinite while the training loss stayed finite and validation was finite
   * again by the last epoch: a run that recovered did not diverge, so these epochs are left out of the reading.
   */
  notFinite?: number[];
  /** The best loss over the worst naive baseline's, when 100x or more (a run that blew up; RunContext.baseline). */
  aboveBaseline?: number;
  /**
   * The learning rate at the start of the recent window and at the last epoch, when the history records it (`lr`, as
   * seqtune's history.json and Keras' logs under a schedule do).
   */
  lr?: { from: number; last: number };
  /** The trends over every epoch. */
  whole?: { train: Trend; val: Trend | null };
  /** The trends from the best validation epoch to the end (null when that part is too short). */
  sinceBest?: { train: Trend; val: Trend } | null;
  /** How much the curves swing around their level rather than move. */
  oscillation?: Oscillation;
  /** 0..1: how clearly validation rose since its best epoch while training did not. */
  overfitSinceBest?: number;
  /** 0..1: how clearly training fell over the late run (last 70%) while validation never moved there. */
  underfitWhole?: number;
  /** The valley (fall, then rise) regression of the validation loss: its bottom, the rise to the end level, t. */
  valley?: Valley | null;
}

/** How much a run's curves swing around their level rather than move (read over the recent window). */
export interface Oscillation {
  /** 0..1: how much the curves swing around their level rather than move (the u above). */
  score: number;
  /** Swing (twice the typical epoch-to-epoch move) over the trend's change across the recent window, train. */
  swingOverTrend: number;
  /** Typical epoch-to-epoch swing of the training loss (log units) and its sign-change rate, recent window. */
  amplitude: number;
  signChanges: number;
  /** The same figures of the validation loss (null without one). */
  valAmplitude: number | null;
  valSignChanges: number | null;
}

/** Every pattern at probability 0: the record a reading fills in. */
export const noProbabilities = (): Record<PatternId, number> => ({
  learning: 0,
  overfitting: 0,
  underfitting: 0,
  plateau: 0,
  architecture: 0,
  data: 0,
  diverged: 0,
  unstable: 0,
});
