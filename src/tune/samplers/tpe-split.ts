// TPE's split of the study's trials into the good group (modelled by l) and the rest (modelled by g), and the
// order in which groups of parameters are sampled (the tree of `when:` branches).
import type { FrozenTrial } from '../../storage/index.js';
import { isActive, type Param, type Params, type Space } from '../space.js';
import { goodCount } from './tpe-weights.js';

/** Finished trials that inform the model: complete with a value, or pruned (they were stopped for being bad). */
export const informative = (t: FrozenTrial): boolean =>
  (t.state === 'complete' && t.value !== null) || t.state === 'pruned';

/**
 * Whether the next ask is still a random start-up one. The start-up is a number of proposals, not of results: the
 * trials asked (finished and running) count, so N workers asking at once spend nStartup random trials, as one worker
 * does, rather than up to nStartup + N - 1 (Optuna counts finished trials only: with 4 workers on Hartmann6, 12
 * random trials instead of 9, and the loss against one worker at 60 trials went from 0.116 to 0.074, seeds 21-60 and
 * 101-260, BENCHMARKS.md). The model still waits until half the start-up has finished.
 */
export function inStartup(trials: readonly FrozenTrial[], nStartup: number): boolean {
  let finished = 0,
    running = 0;
  for (const t of trials)
    if (informative(t)) finished++;
    else if (t.state === 'running') running++;
  return finished + running < nStartup || finished < Math.ceil(nStartup / 2);
}

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
  const n = goodCount(finished.length);
  const ranked = best(finished, n + 1);
  const good = ranked.slice(0, n);
  const inGood = new Set(good);
  const bad: FrozenTrial[] = [];
  for (const t of trials) if (informative(t) ? !inGood.has(t) : liar && t.state === 'running') bad.push(t);
  return { good: byNumber(good), bad: byNumber(bad), threshold: ranked.length > n ? score(ranked[n]!) : Infinity };
}

/** The trials in the order they were made (storage lists them so: then they are left as they are). */
function byNumber(trials: FrozenTrial[]): FrozenTrial[] {
  for (let i = 1; i < trials.length; i++)
    if (trials[i - 1]!.number > trials[i]!.number) return trials.sort((a, b) => a.number - b.number);
  return trials;
}

/**
 * The k first of the trials ranked by score, then by trial number (the order is total: numbers differ), in that
 * order: kept by insertion into a list of at most k, so a study of N trials costs about N comparisons, not a sort
 * of N (k is at most 26).
 */
function best(trials: readonly FrozenTrial[], k: number): FrozenTrial[] {
  const kept: FrozenTrial[] = [],
    scores: number[] = [];
  const before = (s: number, t: FrozenTrial, i: number) =>
    s < scores[i]! || (s === scores[i]! && t.number < kept[i]!.number);
  for (const t of trials) {
    const s = score(t);
    // the place to fill: a new one at the end while there is room, else the last one's (it drops out)
    let i = Math.min(kept.length, k - 1);
    if (kept.length === k && !before(s, t, i)) continue;
    for (; i > 0 && before(s, t, i - 1); i--) {
      kept[i] = kept[i - 1]!;
      scores[i] = scores[i - 1]!;
    }
    kept[i] = t;
    scores[i] = s;
  }
  return kept;
}

/** The next parameters to sample together, and whether they choose a branch (see nextGroup). */
export interface Group {
  params: Param[];
  /** The parameters decide which conditional ones are active: the later groups see only trials that agree. */
  branch: boolean;
}

/**
 * The next group to sample, given the values drawn so far (`out`), or null when every active parameter has one.
 * Pending: the parameters not drawn yet whose `when:` keys all have values and hold. Independent: the first
 * pending parameter alone. Multivariate, tree-structured (Bergstra et al. 2011's tree of conditional parameters,
 * one joint model per branch): the pending parameters that a `when:` names come first, together, as a branch;
 * then the rest of the pending ones together. In a space without `when:` that is one group of every parameter.
 */
export function nextGroup(space: Space, out: Params, multivariate: boolean): Group | null {
  const pending = space.filter(
    (p) => !(p.name in out) && Object.keys(p.when ?? {}).every((k) => k in out) && isActive(p, out),
  );
  if (pending.length === 0) return null;
  if (!multivariate) return { params: [pending[0]!], branch: false };
  const deciders = pending.filter((p) => space.some((q) => q.when && p.name in q.when && !(q.name in out)));
  return deciders.length > 0 ? { params: deciders, branch: true } : { params: pending, branch: false };
}

/**
 * The trials on the branch `out` took: every conditional parameter whose `when:` keys have values in `out` is active
 * in the trial exactly when it is active in `out` (the same parameters switched on). With `layers: {int: [1, 4]}`
 * and a parameter `when: {layers: 4}`, the branches are layers 4 and the rest, not one per value.
 */
export const onBranch = (space: Space, out: Params) => {
  const decided = space.filter((q) => q.when && Object.keys(q.when).every((k) => k in out));
  const on = decided.map((q) => isActive(q, out));
  return (t: FrozenTrial) => decided.every((q, i) => isActive(q, t.params) === on[i]);
};
