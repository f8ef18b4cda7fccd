// Median pruner (as Optuna's): after `warmupSteps` epochs, stop a trial whose best value so far is
// worse than the median of the other trials' best values at the same epoch (once `startupTrials` exist).
import type { FrozenTrial } from '../../storage/index.js';
import { bestUpTo, type Pruner } from './pruner.js';

export class MedianPruner implements Pruner {
  readonly name = 'median';
  readonly rule = "worse than the median of the other trials' best values at that epoch";
  constructor(
    readonly startupTrials = 5,
    readonly warmupSteps = 2,
  ) {}
  decidesAt(step: number): boolean {
    return step >= this.warmupSteps;
  }

  shouldPrune(trial: FrozenTrial, step: number, trials: readonly FrozenTrial[]): boolean {
    if (step < this.warmupSteps) return false;
    const others = trials
      .filter((t) => t.number !== trial.number && t.state !== 'failed' && t.intermediate.length > step)
      .map((t) => bestUpTo(t, step))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    if (others.length < this.startupTrials) return false;
    const m =
      others.length % 2
        ? others[(others.length - 1) / 2]!
        : (others[others.length / 2 - 1]! + others[others.length / 2]!) / 2;
    return bestUpTo(trial, step) > m;
  }
}
