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
  const all = trials.filter((t) => !inFlight(t) && sameParams(t.params, p));
  return all.find((t) => t.state !== 'failed') ?? all[0];
};

/** Whether a trial with these parameters is in flight now: running, or waiting for a worker to run it. */
export const runningWith = (trials: readonly FrozenTrial[], p: Readonly<Params>): boolean =>
  trials.some((t) => inFlight(t) && sameParams(t.params, p));
