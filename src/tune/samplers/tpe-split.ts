// TPE's split of the study's trials into the good group (modelled by l) and the rest (modelled by g), and how
// parameters are grouped for joint sampling.
import type { FrozenTrial } from '../../storage/index.js';
import type { Param, Space } from '../space.js';
import { goodCount } from './tpe-weights.js';

/** Finished trials that inform the model: complete with a value, or pruned (they were stopped for being bad). */
export const informative = (t: FrozenTrial): boolean =>
  (t.state === 'complete' && t.value !== null) || t.state === 'pruned';

/** Complete trials by value (NaN as +Infinity), then pruned ones; ties by trial number. */
const score = (t: FrozenTrial) => (t.state === 'complete' && !Number.isNaN(t.value) ? t.value! : Infinity);

export interface Split {
  /** The best goodCount(n) finished trials, oldest first. */
  good: FrozenTrial[];
  /** The other finished trials, then (constant liar) the running ones, oldest first. */
  bad: FrozenTrial[];
  /** The best value outside the good group (Infinity when there is none). */
  threshold: number;
}

/**
 * Splits the trials. With the constant liar, running trials join the bad group as if they had the worst value
 * (Ginsbourger et al. 2010's CL-max, Optuna's constant_liar): parallel workers asking at once are steered away
 * from the points already being evaluated, while the good group stays made of real results.
 */
export function splitTrials(trials: readonly FrozenTrial[], liar: boolean): Split {
  const finished = trials.filter(informative);
  const ranked = [...finished].sort((a, b) => score(a) - score(b) || a.number - b.number);
  const n = goodCount(finished.length);
  const byNumber = (a: FrozenTrial, b: FrozenTrial) => a.number - b.number;
  const running = liar ? trials.filter((t) => t.state === 'running') : [];
  return {
    good: ranked.slice(0, n).sort(byNumber),
    bad: [...ranked.slice(n), ...running].sort(byNumber),
    threshold: ranked.length > n ? score(ranked[n]!) : Infinity,
  };
}

/**
 * The groups sampled jointly, in the order of the space: multivariate, the parameters that are active together
 * (the same `when:` condition) form one group, so a conditional branch gets its own joint model fitted on the
 * trials where it was active; independent, every parameter is its own group.
 */
export function groupsOf(space: Space, multivariate: boolean): Param[][] {
  if (!multivariate) return space.map((p) => [p]);
  const groups = new Map<string, Param[]>();
  for (const p of space) {
    const k = JSON.stringify(p.when ?? null);
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  return [...groups.values()];
}
