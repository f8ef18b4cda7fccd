// Grid search: every combination, in order, each once (trials already in the study are skipped).
import type { FrozenTrial } from '../../storage/index.js';
import { gridOf, type Params, type Space } from '../space.js';
import { type Sampler, sameParams } from './sampler.js';

export class GridSampler implements Sampler {
  readonly name = 'grid';
  sample(space: Space, trials: readonly FrozenTrial[]): Params | null {
    for (const g of gridOf(space)) if (!trials.some((t) => sameParams(t.params, g))) return g;
    return null;
  }
}
