// Asynchronous successive halving (Li et al. 2020): rungs at minEpochs * eta^k epochs (epochs are the
// resource). When a trial reaches a rung it continues only if its best value so far is in the top
// 1/eta of every trial that has reached that rung; no waiting for a full bracket.
import type { FrozenTrial } from '../../storage/index.js';
import { bestUpTo, type Pruner } from './pruner.js';

export class AshaPruner implements Pruner {
  readonly name: string = 'asha';
  constructor(
    readonly minEpochs = 1,
    readonly eta = 3,
    readonly maxEpochs = Infinity,
  ) {}

  get rule(): string {
    return `not in the best 1/${this.eta} of the trials that reached that epoch`;
  }

  rungs(): number[] {
    const r: number[] = [];
    for (let e = this.minEpochs; e < this.maxEpochs && r.length < 20; e *= this.eta) r.push(e);
    return r;
  }

  decidesAt(step: number): boolean {
    return this.rungs().includes(step + 1);
  }

  shouldPrune(trial: FrozenTrial, step: number, trials: readonly FrozenTrial[]): boolean {
    const epoch = step + 1;
    if (!this.rungs().includes(epoch)) return false;
    const competing = trials
      .filter((t) => t.state !== 'failed' && t.intermediate.length >= epoch)
      .map((t) => bestUpTo(t, step))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    if (competing.length < this.eta) return false;
    const keep = Math.max(1, Math.floor(competing.length / this.eta));
    return bestUpTo(trial, step) > competing[keep - 1]!;
  }
}

/** Hyperband as brackets of ASHA with different minimum epochs; a trial's bracket is its number mod brackets. */
export class HyperbandPruner implements Pruner {
  readonly name = 'hyperband';
  private readonly brackets: AshaPruner[];
  constructor(
    readonly minEpochs = 1,
    readonly maxEpochs = 81,
    readonly eta = 3,
  ) {
    const n = Math.max(1, Math.floor(Math.log(maxEpochs / minEpochs) / Math.log(eta)) + 1);
    this.brackets = Array.from({ length: n }, (_, s) => new AshaPruner(minEpochs * eta ** s, eta, maxEpochs));
  }

  get rule(): string {
    return `not in the best 1/${this.eta} of the trials of its bracket that reached that epoch`;
  }
  decidesAt(step: number): boolean {
    return this.brackets.some((b) => b.decidesAt(step));
  }

  shouldPrune(trial: FrozenTrial, step: number, trials: readonly FrozenTrial[]): boolean {
    const k = this.brackets.length,
      b = trial.number % k;
    return this.brackets[b]!.shouldPrune(
      trial,
      step,
      trials.filter((t) => t.number % k === b),
    );
  }
}
