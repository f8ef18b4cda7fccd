// A sampler proposes the next parameters from the study's past trials. It is the only place where strategies
// differ: the study loop (tune/loop.ts) asks it, through tune/propose.ts, and does the same with any answer.
import type { Rng } from '../../nn/random.js';
import type { FrozenTrial } from '../../storage/index.js';
import type { Params, Space } from '../space.js';

/**
 * What a sampler answers: the next parameters; 'wait' when there is nothing to start until a trial in flight (running
 * or waiting, in any process) ends, as when a sweep's values are all taken and the next decision needs their
 * results; or null when it has nothing left to propose (grid, OFAT, random in a small space).
 */
export type SamplerAnswer = Params | 'wait' | null;

export interface Sampler {
  readonly name: string;
  /** The next parameters, 'wait', or null (SamplerAnswer). A sampler that never waits may return `Params | null`. */
  sample(space: Space, trials: readonly FrozenTrial[], rng: Rng): SamplerAnswer;
}

/** A trial that is still to end: running, or waiting to be claimed (a rerun, a user's enqueued trial). */
export const inFlight = (t: FrozenTrial): boolean => t.state === 'running' || t.state === 'waiting';

export const sameParams = (a: Readonly<Params>, b: Readonly<Params>): boolean => {
  const ka = Object.keys(a).sort(),
    kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && JSON.stringify(a[k]) === JSON.stringify(b[k]));
};

/**
 * The finished trial with these parameters, preferring one that completed or was pruned over a failed one
 * (a rerun).
 */
export const finishedWith = (trials: readonly FrozenTrial[], p: Readonly<Params>): FrozenTrial | undefined => {
  const all = withParams(trials, p).filter((t) => !inFlight(t));
  return all.find((t) => t.state !== 'failed') ?? all[0];
};

/** Whether a trial with these parameters is in flight now: running, or waiting for a worker to run it. */
export const runningWith = (trials: readonly FrozenTrial[], p: Readonly<Params>): boolean =>
  withParams(trials, p).some(inFlight);

/**
 * What `make` gives for a study's params, kept in `kept` by their paramsKey (a trial's params do not change): auto
 * reads each trial's config for every trial it proposes. Cleared at `bound` entries.
 */
export function keptByParams<V>(kept: Map<string, V>, p: Readonly<Params>, make: () => V, bound = 100_000): V {
  const k = paramsKey(p);
  if (kept.has(k)) return kept.get(k)!;
  const v = make();
  if (kept.size >= bound) kept.clear();
  kept.set(k, v);
  return v;
}

/** paramsKey of stored trials' params, which are frozen. */
const keys = new WeakMap<object, string>();

/** The params as a string: two have the same exactly where sameParams says so. */
export const paramsKey = (p: Readonly<Params>): string => {
  const had = Object.isFrozen(p) ? keys.get(p) : undefined; // a stored trial's params (freezeTrial) stay as they are
  if (had !== undefined) return had;
  const k = JSON.stringify(
    Object.keys(p)
      .sort()
      .map((k) => [k, JSON.stringify(p[k])]),
  );
  if (Object.isFrozen(p)) keys.set(p, k);
  return k;
};

/**
 * The trials by their params' key, made once per trials array (and again if it grew: an array is read as one that
 * only grows; a trial's state is read at each answer). auto replays its whole plan for every trial it proposes,
 * asking finishedWith and runningWith for each value of each sweep: a scan of every trial each time made a study's
 * main thread slower with every trial (a 10-minute auto study on the demo ran 193 trials a minute in its third
 * minute and 99 in its last, its workers idle two thirds of the time).
 */
const byParams = new WeakMap<readonly FrozenTrial[], { n: number; index: Map<string, FrozenTrial[]> }>();
function withParams(trials: readonly FrozenTrial[], p: Readonly<Params>): FrozenTrial[] {
  let made = byParams.get(trials);
  if (!made || made.n !== trials.length) {
    const index = new Map<string, FrozenTrial[]>();
    for (const t of trials) {
      const k = paramsKey(t.params);
      const group = index.get(k);
      if (group) group.push(t);
      else index.set(k, [t]);
    }
    made = { n: trials.length, index };
    byParams.set(trials, made);
  }
  return made.index.get(paramsKey(p)) ?? [];
}
