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

  sample(space: Space, trials: readonly FrozenTrial[], rng: Rng): Params {
    const out: Params = {};
    if (inStartup(trials, this.startup(space))) {
      for (const param of space) if (isActive(param, out)) out[param.name] = drawOne(param.dist, rng);
      return out;
    }
    let running = this.constantLiar ? trials.filter((t) => t.state === 'running') : [];
    let pool = trials;
    let split = splitTrials(pool, this.constantLiar);
    const axisFor = new Map(space.map((p) => [p, axisOf(p)]));
    for (let g = nextGroup(space, out, this.multivariate); g; g = nextGroup(space, out, this.multivariate)) {
      const axes = g.params.map((p) => axisFor.get(p)!);
      const l = fitted(g.params, axes, split.good, split.threshold),
        bad = fitted(g.params, axes, split.bad, null);
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
 * The Parzen estimator of a group fitted to the trials where all its parameters have valid values: weighted by
 * improvement over the threshold (the good group), or by age (the bad group: threshold null).
 */
function fitted(group: Param[], axes: Axis[], trials: FrozenTrial[], threshold: number | null) {
  const obs: number[][] = [],
    values: (number | null)[] = [];
  for (const t of trials) {
    const row = new Array<number>(group.length);
    let valid = true;
    for (let d = 0; d < group.length && valid; d++) {
      const name = group[d]!.name,
        a = axes[d]!;
      const x = name in t.params ? a.toCoord(t.params[name]) : Number.NaN;
      valid = a.choices ? x >= 0 : x >= a.lo && x <= a.hi;
      row[d] = x;
    }
    if (!valid) continue;
    obs.push(row);
    values.push(t.state === 'complete' ? t.value : null);
  }
  const weights = threshold === null ? ageWeights(obs.length) : improvementWeights(values, threshold);
  return parzenOf(axes, obs, weights);
}
