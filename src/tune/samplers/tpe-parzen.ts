// A Parzen estimator over a group of parameters sampled together: a weighted mixture whose component k is a
// product of one kernel per parameter (truncated Gaussians for numbers, smoothed choices for categoricals), one
// component per observation plus a prior component (the range's middle with the range's width; uniform over
// choices). Multivariate TPE (Falkner et al. 2018; Watanabe 2023, sec. 3.2): the components are joint, so a draw
// keeps the observation's parameters together and the density sees their interactions.
//   density(x) = sum_k w_k prod_d kernel_{k,d}(x_d),   w = (observation weights..., priorWeight) / sum
import type { Rng } from '../../nn/random.js';
import { CategoricalKernels } from './tpe-categorical.js';
import { TruncatedGaussians } from './tpe-kernels.js';
import type { Axis } from './tpe-space.js';

/**
 * Scott-like bandwidth factor: sigma = SIGMA0 * n^(-1/(d+4)) * range. Optuna's multivariate TPE uses 0.2; 0.1
 * finds more in 60 trials on every problem of npm run bench:search (BENCHMARKS.md).
 */
const SIGMA0 = 0.1;
/** No numerical kernel narrower than this share of the range (Watanabe 2023's minimum bandwidth factor). */
const MIN_BANDWIDTH = 0.03;
/** The prior component's weight, against 1 for each observation (or the observation weights' scale). */
const PRIOR_WEIGHT = 1;
/**
 * The smoothing of categorical kernels: each observation's kernel gives every choice CATEGORICAL_PRIOR_WEIGHT /
 * (n + 1) before normalising. Twice Optuna's 1: with 1, a quarter of the seeds of the lr / units / optimizer /
 * dropout problem of npm run bench:search stayed on a worse optimizer (75th percentile of the best value at 60
 * trials 0.031 against 0.0063 with 2, seeds 21-60).
 */
const CATEGORICAL_PRIOR_WEIGHT = 2;

/** The log of the sum of exp(v) over v, without overflow. */
function logSumExp(v: Float64Array): number {
  let m = -Infinity;
  for (const x of v) if (x > m) m = x;
  if (m === -Infinity) return m;
  let s = 0;
  for (const x of v) s += Math.exp(x - m);
  return m + Math.log(s);
}

export class Parzen {
  private readonly logW: Float64Array;
  private readonly cumW: Float64Array;
  private readonly scratch: Float64Array;

  constructor(
    readonly dims: readonly (TruncatedGaussians | CategoricalKernels)[],
    weights: readonly number[],
  ) {
    const n = weights.length;
    let total = 0;
    for (let k = 0; k < n; k++) total += weights[k]!;
    this.logW = new Float64Array(n);
    this.cumW = new Float64Array(n);
    let c = 0;
    for (let k = 0; k < n; k++) {
      this.logW[k] = Math.log(weights[k]! / total);
      c += weights[k]! / total;
      this.cumW[k] = c;
    }
    this.scratch = new Float64Array(n);
  }

  /** log density of a point (one coordinate per dimension). */
  logpdf(x: readonly number[]): number {
    const s = this.scratch;
    s.set(this.logW);
    for (let d = 0; d < this.dims.length; d++) this.dims[d]!.addLogpdf(x[d]!, s);
    return logSumExp(s);
  }

  /** A draw: a component by weight, then each coordinate from that component's kernel. */
  draw(rng: Rng): number[] {
    const u = rng.uniform();
    let k = 0;
    while (k < this.cumW.length - 1 && u >= this.cumW[k]!) k++;
    return this.dims.map((dim) => dim.draw(k, rng));
  }
}

/**
 * The estimator of a group of parameters (axes) from observations (one coordinate row per trial, oldest first)
 * with their weights; the prior component comes last with weight PRIOR_WEIGHT. Bandwidth, one per dimension
 * shared by the observations: SIGMA0 * n^(-1/(d+4)) * range (Scott-like, as Optuna's multivariate TPE, with a
 * narrower SIGMA0), at least MIN_BANDWIDTH of the range (Watanabe 2023's minimum bandwidth factor, in place of
 * the magic clip range / min(100, n + 2), which held l's few kernels at a sixth to a tenth of the range); the
 * prior's is the range. d = 1 when parameters are sampled independently.
 */
export function parzenOf(axes: readonly Axis[], obs: readonly number[][], weights: readonly number[]): Parzen {
  const n = obs.length;
  const dims = axes.map((a, d) => {
    if (a.choices)
      return new CategoricalKernels(
        obs.map((o) => o[d]!),
        a.choices,
        CATEGORICAL_PRIOR_WEIGHT,
      );
    const range = a.hi - a.lo;
    const mu = new Float64Array(n + 1);
    for (let k = 0; k < n; k++) mu[k] = obs[k]![d]!;
    mu[n] = (a.lo + a.hi) / 2;
    const scott = SIGMA0 * Math.max(n, 1) ** (-1 / (axes.length + 4));
    const sigma = new Float64Array(n + 1).fill(Math.min(1, Math.max(MIN_BANDWIDTH, scott)) * range);
    sigma[n] = range;
    return new TruncatedGaussians(mu, sigma, a.lo, a.hi, a.cell);
  });
  return new Parzen(dims, [...weights, PRIOR_WEIGHT]);
}
