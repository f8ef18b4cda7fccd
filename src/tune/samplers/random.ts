// Independent random sampling of every active parameter (log-uniform where the space says log).
import type { Rng } from '../../nn/random.js';
import { type Distribution, isActive, type Params, type Space } from '../space.js';
import type { Sampler } from './sampler.js';

export function drawOne(d: Distribution, rng: Rng): unknown {
  if (d.kind === 'categorical') return d.values[rng.int(d.values.length)];
  const u = rng.uniform();
  const v = d.log ? Math.exp(Math.log(d.lo) + u * (Math.log(d.hi) - Math.log(d.lo))) : d.lo + u * (d.hi - d.lo);
  if (d.kind === 'int') return Math.min(d.hi, Math.max(d.lo, Math.round(v)));
  return Number(v.toPrecision(6));
}

export class RandomSampler implements Sampler {
  readonly name = 'random';
  sample(space: Space, _trials: unknown, rng: Rng): Params {
    const p: Params = {};
    for (const param of space) if (isActive(param, p)) p[param.name] = drawOne(param.dist, rng);
    return p;
  }
}
