// A pruner judges a running trial from its intermediate values (the objective per epoch).
import type { FrozenTrial } from '../../storage/index.js';

export interface Pruner {
  readonly name: string;
  /** What a pruned trial's best value so far failed, in words (`worse than the median of ...`). */
  readonly rule?: string;
  /** Should `trial`, which has just reported epoch `step` (0-based), stop now? */
  shouldPrune(trial: FrozenTrial, step: number, trials: readonly FrozenTrial[]): boolean;
  /** Whether the pruner can decide anything at this step (lets the runner skip reading the study). */
  decidesAt?(step: number): boolean;
}

/** Best (lowest) value of a trial up to and including a step. */
export function bestUpTo(t: FrozenTrial, step: number): number {
  let b = Infinity;
  for (let i = 0; i <= step && i < t.intermediate.length; i++) {
    const v = t.intermediate[i]!;
    if (v < b) b = v;
  }
  return b;
}
