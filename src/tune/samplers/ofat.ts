// One factor at a time, the method's core rule: start from the baseline (the config as written),
// sweep the first factor while holding the rest, adopt its best value, then the next factor, in the
// order given. Stateless: the position in the plan is replayed from the trials in storage, so a
// resumed study continues where it stopped. A value the config already holds is the current configuration itself:
// it is not trained again.
import type { RawConfig } from '../../config/index.js';
import type { FrozenTrial } from '../../storage/index.js';
import { applyParams, getPath, isActive, type Param, type Params, type Space, same } from '../space.js';
import { finishedWith, runningWith, type Sampler, type SamplerAnswer } from './sampler.js';

/** The values OFAT tries for a parameter: the list, or 5 points over a range (log-spaced where log), both ends in. */
export function sweepValues(p: Param): unknown[] {
  const d = p.dist;
  if (d.kind === 'categorical') return d.values;
  const pts = Array.from({ length: 5 }, (_, i) => i / 4);
  const vals = pts.map((u) =>
    d.log ? Math.exp(Math.log(d.lo) + u * (Math.log(d.hi) - Math.log(d.lo))) : d.lo + u * (d.hi - d.lo),
  );
  [vals[0], vals[4]] = [d.lo, d.hi]; // exp(log(hi)) can miss hi by a rounding error
  return d.kind === 'int' ? [...new Set(vals.map(Math.round))] : shortestIn(vals, d.lo, d.hi);
}

/**
 * The values rounded to the fewest significant digits, 3 or more, that keep them inside [lo, hi] and apart: 3 digits
 * alone swept {uniform: [0.999, 0.9999]} as 0.999, 0.999, 0.999, 1, 1 (a beta_2 of 1, outside the range, three
 * times) and [1.0005, 1.0095] as 1, 1, 1, 1.01, 1.01.
 */
function shortestIn(vals: number[], lo: number, hi: number): number[] {
  for (let digits = 3; digits <= 17; digits++) {
    const r = vals.map((v) => Number(v.toPrecision(digits)));
    if (r.every((x) => x >= lo && x <= hi) && new Set(r).size === new Set(vals).size) return r;
  }
  return vals;
}

export interface OfatStep {
  factor: string;
  values: unknown[];
  best: unknown;
  bestValue: number | null;
}

export class OfatSampler implements Sampler {
  readonly name = 'ofat';
  /** `base`: the study's config, whose values of the factors are the baseline's (without it, none is known). */
  constructor(
    readonly order?: string[],
    readonly base?: RawConfig,
  ) {}

  /** The configuration with factor `f` at `v`: `current` itself when the config already holds `v` there. */
  private candidate(current: Params, f: Param, v: unknown): Params {
    const held = this.base ? getPath(applyParams(this.base, current), f.name) : current[f.name];
    return held !== undefined && same(held, v) ? current : { ...current, [f.name]: v };
  }

  /**
   * Whether factor f is swept from `current`: its `when:` keys have the values it names, as `current` sets them or
   * else as the config holds them (before, OFAT swept a conditional factor from any configuration, training trials
   * the space rules out).
   */
  private applies(f: Param, current: Params): boolean {
    if (!f.when) return true;
    const cfg = this.base ? applyParams(this.base, current) : undefined;
    const held: Params = {};
    for (const k of Object.keys(f.when)) held[k] = k in current ? current[k] : cfg ? getPath(cfg, k) : undefined;
    return isActive(f, held);
  }

  /**
   * Replays the plan over the trials: the steps finished, the current best params, and the next params to try:
   * 'wait' while the values of a sweep are all taken and some still run, null at the end of the plan.
   */
  plan(space: Space, trials: readonly FrozenTrial[]): { steps: OfatStep[]; current: Params; next: SamplerAnswer } {
    // tune.order first, then the factors it does not name in the order of the space (none is left out)
    const named = (this.order ?? []).map((n) => space.find((p) => p.name === n)).filter((p) => p !== undefined);
    const factors = [...named, ...space.filter((p) => !named.includes(p))];
    const done = (p: Params) => finishedWith(trials, p);
    const pending = (p: Params) => runningWith(trials, p);
    let current: Params = {};
    const steps: OfatStep[] = [];
    if (!done(current)) return { steps, current, next: pending(current) ? 'wait' : current };
    let bestValue = done(current)!.value ?? Infinity;
    for (const f of factors) {
      if (!this.applies(f, current)) continue; // its when: does not hold in the configuration the sweeps reached
      const values = sweepValues(f);
      const candidates = values.map((v) => this.candidate(current, f, v));
      const missing = candidates.find((c) => !done(c) && !pending(c));
      if (missing) return { steps, current, next: missing };
      if (candidates.some((c) => !done(c))) return { steps, current, next: 'wait' }; // others still running
      let best: unknown = current[f.name],
        improved = false;
      for (const c of candidates) {
        const v = done(c)!.state === 'complete' ? (done(c)!.value ?? Infinity) : Infinity;
        if (v < bestValue) {
          bestValue = v;
          best = c[f.name];
          improved = true;
        }
      }
      if (improved) current = { ...current, [f.name]: best };
      steps.push({
        factor: f.name,
        values,
        best: improved ? best : null,
        bestValue: Number.isFinite(bestValue) ? bestValue : null,
      });
    }
    return { steps, current, next: null };
  }

  sample(space: Space, trials: readonly FrozenTrial[]): SamplerAnswer {
    return this.plan(space, trials).next;
  }
}
