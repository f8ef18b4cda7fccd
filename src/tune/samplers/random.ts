// Independent random sampling of every active parameter (log-uniform where the space says log). In a space small
// enough to list, a configuration already tried (in any state, running included) is not proposed again while an
// untried one exists; when every one has been tried the sampler has nothing left (the study stops: search space
// exhausted, as grid does).
import type { Rng } from '../../nn/random.js';
import type { FrozenTrial } from '../../storage/index.js';
import { type Distribution, gridOf, isActive, type Params, type Space } from '../space.js';
import { type Sampler, sameParams } from './sampler.js';

export function drawOne(d: Distribution, rng: Rng): unknown {
  if (d.kind === 'categorical') return d.values[rng.int(d.values.length)];
  const u = rng.uniform();
  const v = d.log ? Math.exp(Math.log(d.lo) + u * (Math.log(d.hi) - Math.log(d.lo))) : d.lo + u * (d.hi - d.lo);
  if (d.kind === 'int') return Math.min(d.hi, Math.max(d.lo, Math.round(v)));
  // six digits can round past an end ({uniform: [0.1, 0.1234566]} drew 0.123457): kept inside, as TPE's axis does
  return Math.min(d.hi, Math.max(d.lo, Number(v.toPrecision(6))));
}

/** Spaces with more distinct configurations than this are not listed (a repeat there is as rare as it is cheap). */
const MAX_LISTED = 10_000;

/** Every distinct configuration of a space of lists and short integer ranges, or null (continuous, or too many). */
export function distinctConfigs(space: Space): Params[] | null {
  let bound = 1;
  for (const p of space) {
    const d = p.dist;
    if (d.kind === 'categorical') bound *= d.values.length;
    else if (d.kind === 'int' && d.hi - d.lo <= 32) bound *= d.hi - d.lo + 1;
    else return null;
    if (bound > MAX_LISTED) return null;
  }
  return gridOf(space);
}

export class RandomSampler implements Sampler {
  readonly name = 'random';
  sample(space: Space, trials: readonly FrozenTrial[], rng: Rng): Params | null {
    const p: Params = {};
    for (const param of space) if (isActive(param, p)) p[param.name] = drawOne(param.dist, rng);
    const tried = (q: Params) => trials.some((t) => sameParams(t.params, q));
    if (!tried(p)) return p;
    const configs = distinctConfigs(space);
    if (!configs) return p;
    const untried = configs.filter((g) => !tried(g));
    return untried.length ? untried[rng.int(untried.length)]! : null;
  }
}
