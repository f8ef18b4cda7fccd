// Tree-structured Parzen estimator (Bergstra et al. 2011; Optuna's default, independent per parameter):
// after `startup` random trials, split the finished trials into the best gamma(n) = min(ceil(0.1 n), 25)
// ("good") and the rest; model each numeric parameter with Gaussian kernels in (log) space plus a wide
// prior, categorical ones with smoothed counts; draw candidates from the good model and keep the one
// with the largest good/bad density ratio.
import type { Rng } from '../../nn/random.js';
import type { FrozenTrial } from '../../storage/index.js';
import { type Distribution, isActive, type Params, type Space } from '../space.js';
import { drawOne } from './random.js';
import type { Sampler } from './sampler.js';

const toUnit = (d: Extract<Distribution, { kind: 'float' | 'int' }>, v: number) =>
  d.log ? (Math.log(v) - Math.log(d.lo)) / (Math.log(d.hi) - Math.log(d.lo)) : (v - d.lo) / (d.hi - d.lo);
const fromUnit = (d: Extract<Distribution, { kind: 'float' | 'int' }>, u: number) => {
  const x = Math.min(1, Math.max(0, u));
  const v = d.log ? Math.exp(Math.log(d.lo) + x * (Math.log(d.hi) - Math.log(d.lo))) : d.lo + x * (d.hi - d.lo);
  return d.kind === 'int' ? Math.round(v) : Number(v.toPrecision(6));
};

/** Parzen density on [0, 1]: a kernel per point (bandwidth from neighbour distances) and the uniform prior. */
function parzen(points: number[]): { pdf(x: number): number; draw(rng: Rng): number } {
  const mus = [...points, 0.5].sort((a, b) => a - b);
  const sig = mus.map((m, i) =>
    Math.min(1, Math.max(Math.max(mus[i + 1] ?? 1, 0) - m, m - (mus[i - 1] ?? 0), 1 / Math.min(100, 1 + mus.length))),
  );
  const prior = mus.indexOf(0.5);
  sig[prior] = 1;
  const w = 1 / mus.length;
  return {
    pdf: (x) =>
      mus.reduce(
        (s, m, i) => s + (w * Math.exp(-0.5 * ((x - m) / sig[i]!) ** 2)) / (sig[i]! * Math.sqrt(2 * Math.PI)),
        0,
      ),
    draw: (rng) => {
      const i = rng.int(mus.length);
      return mus[i]! + sig[i]! * rng.normal();
    },
  };
}

export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  constructor(
    readonly startup = 10,
    readonly candidates = 24,
  ) {}

  sample(space: Space, trials: readonly FrozenTrial[], rng: Rng): Params {
    const finished = trials.filter((t) => (t.state === 'complete' && t.value !== null) || t.state === 'pruned');
    if (finished.length < this.startup) {
      const p: Params = {};
      for (const param of space) if (isActive(param, p)) p[param.name] = drawOne(param.dist, rng);
      return p;
    }
    // Pruned trials rank below every complete one (they were stopped for being bad).
    const score = (t: FrozenTrial) => (t.state === 'complete' ? t.value! : Infinity);
    const ranked = [...finished].sort((a, b) => score(a) - score(b));
    const nGood = Math.min(Math.ceil(0.1 * ranked.length), 25);
    const good = ranked.slice(0, Math.max(1, nGood)),
      bad = ranked.slice(Math.max(1, nGood));
    const out: Params = {};
    for (const param of space) {
      if (!isActive(param, out)) continue;
      const d = param.dist;
      const g = good.filter((t) => param.name in t.params).map((t) => t.params[param.name]);
      const b = bad.filter((t) => param.name in t.params).map((t) => t.params[param.name]);
      if (d.kind === 'categorical') {
        const key = (v: unknown) => JSON.stringify(v);
        const weights = (obs: unknown[]) =>
          d.values.map((v) => (obs.filter((o) => key(o) === key(v)).length + 1 / d.values.length) / (obs.length + 1));
        const lw = weights(g),
          bw = weights(b);
        let bestI = 0,
          bestR = -Infinity;
        for (let c = 0; c < this.candidates; c++) {
          let u = rng.uniform() * lw.reduce((s, x) => s + x, 0),
            i = 0;
          while (u > lw[i]! && i < lw.length - 1) {
            u -= lw[i]!;
            i++;
          }
          const r = lw[i]! / bw[i]!;
          if (r > bestR) {
            bestR = r;
            bestI = i;
          }
        }
        out[param.name] = d.values[bestI];
      } else {
        const l = parzen(g.map((v) => toUnit(d, v as number))),
          q = parzen(b.map((v) => toUnit(d, v as number)));
        let best = 0.5,
          bestR = -Infinity;
        for (let c = 0; c < this.candidates; c++) {
          const x = Math.min(1, Math.max(0, l.draw(rng)));
          const r = Math.log(l.pdf(x) + 1e-12) - Math.log(q.pdf(x) + 1e-12);
          if (r > bestR) {
            bestR = r;
            best = x;
          }
        }
        out[param.name] = fromUnit(d, best);
      }
    }
    return out;
  }
}
