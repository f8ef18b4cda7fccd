// Tree-structured Parzen estimator (Bergstra et al. 2011; multivariate as Falkner et al. 2018 and Optuna's
// multivariate TPE; components chosen as Watanabe 2023 measured them and as npm run bench:search confirms). After
// the start-up trials (random), split the finished trials into the best goodCount(n) ("good") and the rest ("bad";
// with the constant liar the running trials too), fit a Parzen estimator to each, l and g, per group of parameters
// sampled together (tpe-parzen.ts: joint truncated Gaussian / smoothed categorical kernels with a prior), draw
// candidates from l and keep the one with the largest log l - log g. With `when:` branches the groups follow the
// tree (tpe-split.ts, nextGroup): the parameters that choose a branch first, then the rest of the branch on the
// trials that took the same branch, split again among themselves, so a rarely taken branch is modelled on its own
// best trials rather than on the other branch's.
import type { Rng } from '../../nn/random.js';
import type { FrozenTrial } from '../../storage/index.js';
import { isActive, type Param, type Params, type Space } from '../space.js';
import { drawOne } from './random.js';
import type { Sampler } from './sampler.js';
import { type Parzen, parzenOf } from './tpe-parzen.js';
import { type Axis, axisOf } from './tpe-space.js';
import { inStartup, nextGroup, onBranch, splitTrials } from './tpe-split.js';
import { ageWeights, improvementWeights, startupFor } from './tpe-weights.js';

export interface TpeOptions {
  /** Joint kernels over the parameters sampled together (default true); false: each parameter on its own. */
  multivariate?: boolean;
  /**
   * Random trials before the model (default: 3 + the number of parameters, between 5 and 10; startupFor), counted
   * as asked, running ones included, so parallel workers make no more of them than one worker (inStartup).
   */
  nStartup?: number;
  /**
   * Running trials count as the worst in the bad group, and a candidate a running trial is already evaluating is
   * passed over, so parallel asks spread out (default true).
   */
  constantLiar?: boolean;
  /** Candidates drawn from l per group (default 24). */
  nCandidates?: number;
}

/**
 * @example
 * import { TpeSampler, createStudy } from 'seqtune';
 * const space = { lr: { loguniform: [1e-4, 1e-1] }, units: { choice: [16, 32, 64] } };
 * const study = await createStudy({ name: 's', space, sampler: new TpeSampler({ nStartup: 8 }) });
 */
export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  readonly multivariate: boolean;
  readonly constantLiar: boolean;
  readonly nCandidates: number;

  constructor(readonly options: TpeOptions = {}) {
    this.multivariate = options.multivariate ?? true;
    this.constantLiar = options.constantLiar ?? true;
    this.nCandidates = options.nCandidates ?? 24;
  }

  /** Random trials before the model for this space. */
  startup(space: Space): number {
    return this.options.nStartup ?? startupFor(space.length);
  }

  /**
   * Per space: its axes, and each trial's coordinates on them, computed once per trial instead of on every ask
   * (spaceCache).
   */
  private readonly spaces = new WeakMap<Space, SpaceCache>();

  sample(space: Space, trials: readonly FrozenTrial[], rng: Rng): Params {
    const out: Params = {};
    if (inStartup(trials, this.startup(space))) {
      for (const param of space) if (isActive(param, out)) out[param.name] = drawOne(param.dist, rng);
      return out;
    }
    let running = this.constantLiar ? trials.filter((t) => t.state === 'running') : [];
    let pool = trials;
    let split = splitTrials(pool, this.constantLiar);
    const cache = spaceCache(this.spaces, space);
    for (let g = nextGroup(space, out, this.multivariate); g; g = nextGroup(space, out, this.multivariate)) {
      const dims = g.params.map((p) => space.indexOf(p));
      const axes = dims.map((i) => cache.axes[i]!);
      const l = fitted(cache, dims, split.good, split.threshold),
        bad = fitted(cache, dims, split.bad, null);
      Object.assign(out, this.acquire(g.params, axes, l, bad, running, out, rng));
      if (!g.branch) continue;
      const same = onBranch(space, out);
      [pool, running] = [pool.filter(same), running.filter(same)];
      split = splitTrials(pool, this.constantLiar);
    }
    return out;
  }

  /**
   * The group's values: the candidate from l with the largest log l - log g, passing over candidates that complete
   * the values drawn before (`out`) to the whole point a running trial is already evaluating (they repeat in spaces
   * of choices and short integer ranges). A running trial with parameters not drawn yet is no collision: before,
   * a running trial's value of the parameter that chooses a `when:` branch (sampled on its own) was passed over, which
   * sent the second of every 4 parallel asks to the other branch, and so was, in independent mode, every value of
   * every parameter that a running trial had.
   */
  private acquire(group: Param[], axes: Axis[], l: Parzen, g: Parzen, running: FrozenTrial[], out: Params, rng: Rng) {
    const names = [...Object.keys(out), ...group.map((p) => p.name)];
    const whole = running.filter((t) => Object.keys(t.params).every((k) => names.includes(k)));
    const busy = new Set(whole.map((t) => JSON.stringify(names.map((k) => t.params[k]))));
    const drawn = Object.values(out);
    // candidates that land on the same point (choices, integers, floats rounded to 6 digits) are scored once
    const scored: { coords: number[]; s: number }[] = [];
    let best: unknown[] = [],
      bestScore = -Infinity,
      bestBusy = true;
    for (let c = 0; c < this.nCandidates; c++) {
      const values = l.draw(rng).map((x, d) => axes[d]!.fromCoord(x));
      const coords = values.map((v, d) => axes[d]!.toCoord(v));
      let s = scored.find((e) => e.coords.every((x, d) => Object.is(x, coords[d])))?.s;
      if (s === undefined) {
        s = l.logpdf(coords) - g.logpdf(coords);
        scored.push({ coords, s });
      }
      const isBusy = busy.size > 0 && busy.has(JSON.stringify([...drawn, ...values]));
      if ((bestBusy && !isBusy) || (isBusy === bestBusy && s > bestScore))
        [best, bestScore, bestBusy] = [values, s, isBusy];
    }
    return Object.fromEntries(group.map((p, d) => [p.name, best[d]]));
  }
}

/**
 * A space's axes, and the coordinates of each trial's parameters on them (NaN where the trial has none), keyed by
 * the trial's frozen params: a trial's parameters never change, so each is computed once, not on every ask (a
 * storage that returns the same record while a trial is unchanged, as memory storage does, finds them all; one that
 * makes new records computes them again). The space's parameters are checked to be the same objects on every ask.
 */
interface SpaceCache {
  params: Param[];
  dists: Param['dist'][];
  axes: Axis[];
  coords: WeakMap<object, Float64Array>;
}

function spaceCache(caches: WeakMap<Space, SpaceCache>, space: Space): SpaceCache {
  const c = caches.get(space);
  if (c && c.params.length === space.length && space.every((p, i) => p === c.params[i] && p.dist === c.dists[i]))
    return c;
  const fresh = { params: [...space], dists: space.map((p) => p.dist), axes: space.map(axisOf), coords: new WeakMap() };
  caches.set(space, fresh);
  return fresh;
}

/** A trial's coordinates of every parameter of the space, from the cache or computed once. */
function coordsOf(c: SpaceCache, t: FrozenTrial): Float64Array {
  let x = c.coords.get(t.params);
  if (!x) {
    x = new Float64Array(c.params.length);
    for (let i = 0; i < x.length; i++) {
      const name = c.params[i]!.name;
      x[i] = name in t.params ? c.axes[i]!.toCoord(t.params[name]) : Number.NaN;
    }
    c.coords.set(t.params, x);
  }
  return x;
}

/**
 * The Parzen estimator of a group (the space's parameters `dims`) fitted to the trials where all its parameters
 * have valid values: weighted by improvement over the threshold (the good group), or by age (the bad group:
 * threshold null).
 */
function fitted(c: SpaceCache, dims: number[], trials: FrozenTrial[], threshold: number | null) {
  const obs: number[][] = [],
    values: (number | null)[] = [];
  const axes = dims.map((i) => c.axes[i]!);
  next: for (const t of trials) {
    const x = coordsOf(c, t),
      row = new Array<number>(dims.length);
    for (let d = 0; d < dims.length; d++) {
      const a = axes[d]!,
        v = x[dims[d]!]!;
      if (!(a.choices ? v >= 0 : v >= a.lo && v <= a.hi)) continue next;
      row[d] = v;
    }
    obs.push(row);
    values.push(t.state === 'complete' ? t.value : null);
  }
  const weights = threshold === null ? ageWeights(obs.length) : improvementWeights(values, threshold);
  return parzenOf(axes, obs, weights);
}
