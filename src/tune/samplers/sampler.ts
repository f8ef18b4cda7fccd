// A sampler proposes the next parameters from the study's past trials.
import type { Rng } from '../../nn/random.js';
import type { FrozenTrial } from '../../storage/index.js';
import type { Params, Space } from '../space.js';

export interface Sampler {
  readonly name: string;
  /** The next parameters, or null when the sampler has nothing left to propose (grid, OFAT). */
  sample(space: Space, trials: readonly FrozenTrial[], rng: Rng): Params | null;
}

export const sameParams = (a: Readonly<Params>, b: Readonly<Params>): boolean => {
  const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && JSON.stringify(a[k]) === JSON.stringify(b[k]));
};
