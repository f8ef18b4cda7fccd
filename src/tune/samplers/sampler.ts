// A sampler proposes the next parameters from the study's past trials.
import type { Rng } from '../../nn/random.js';
import type { FrozenTrial } from '../../storage/index.js';
import type { Params, Space } from '../space.js';

export interface Sampler {
  readonly name: string;
  /**
   * The next parameters, or null when the sampler has nothing left to propose (grid, OFAT, random in a small
   * space).
   */
  sample(space: Space, trials: readonly FrozenTrial[], rng: Rng): Params | null;
}

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
  const all = trials.filter((t) => t.state !== 'running' && sameParams(t.params, p));
  return all.find((t) => t.state !== 'failed') ?? all[0];
};

/** Whether a trial with these parameters is running now. */
export const runningWith = (trials: readonly FrozenTrial[], p: Readonly<Params>): boolean =>
  trials.some((t) => t.state === 'running' && sameParams(t.params, p));
