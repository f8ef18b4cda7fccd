// The categorical kernels of TPE's Parzen estimators. An observation of choice c is a kernel that puts most of
// its mass on c and spreads the prior's weight over every choice (eps = priorWeight / kernels each, so the
// smoothing fades as observations accumulate); the prior kernel is uniform. Laplace-style smoothing as Optuna's
// and Watanabe 2023 (sec. 3.4) describe it: a choice never observed keeps a non-zero density, so the ratio
// l/g stays finite and unobserved choices can still be proposed.
//   p_k(c) = (1[c = c_k] + eps) / (1 + C eps) for an observation k,  1 / C for the prior
import type { Rng } from '../../nn/random.js';

export class CategoricalKernels {
  /** log p of an observation kernel's own choice, and of any other choice. */
  private readonly logHit: number;
  private readonly logMiss: number;
  private readonly hit: number;

  /**
   * @param observed - the index of the choice each observation took.
   * @param choices - how many choices the parameter has.
   */
  constructor(
    readonly observed: readonly number[],
    readonly choices: number,
    priorWeight: number,
  ) {
    const eps = priorWeight / (observed.length + 1);
    this.hit = (1 + eps) / (1 + choices * eps);
    this.logHit = Math.log(this.hit);
    this.logMiss = Math.log(eps / (1 + choices * eps));
  }

  /** log p of choice c under kernel k (the last kernel is the prior). */
  logpdf(k: number, c: number): number {
    if (k === this.observed.length) return -Math.log(this.choices);
    return this.observed[k] === c ? this.logHit : this.logMiss;
  }

  /** Adds every kernel's log p of choice c to out[k]. */
  addLogpdf(c: number, out: Float64Array): void {
    const obs = this.observed;
    for (let k = 0; k < obs.length; k++) out[k]! += obs[k] === c ? this.logHit : this.logMiss;
    out[obs.length]! -= Math.log(this.choices);
  }

  /** A draw from kernel k: one uniform against the cumulative probabilities of the choices in order. */
  draw(k: number, rng: Rng): number {
    let u = rng.uniform();
    for (let c = 0; c < this.choices - 1; c++) {
      u -= Math.exp(this.logpdf(k, c));
      if (u < 0) return c;
    }
    return this.choices - 1;
  }
}
