// The categorical kernels of TPE's Parzen estimators. An observation of choice c is a kernel that puts most of
// its mass on c and spreads the prior's weight over every choice (eps = priorWeight / kernels each, so the
// smoothing fades as observations accumulate); the prior kernel is uniform. Laplace-style smoothing as Optuna's
// and Watanabe 2023 (sec. 3.4) describe it: a choice never observed keeps a non-zero density, so the ratio
// l/g stays finite and unobserved choices can still be proposed.
import type { Rng } from '../../nn/random.js';

export class CategoricalKernels {
  /** log p of each choice, per kernel: rows[k][c]. The last kernel is the uniform prior. */
  readonly rows: Float64Array[];

  /**
   * @param observed - the index of the choice each observation took.
   * @param choices - how many choices the parameter has.
   */
  constructor(observed: readonly number[], choices: number, priorWeight: number) {
    const eps = priorWeight / (observed.length + 1);
    const rows = observed.map((c) => {
      const p = new Float64Array(choices).fill(eps);
      p[c]! += 1;
      return p.map((v) => Math.log(v / (1 + choices * eps)));
    });
    rows.push(new Float64Array(choices).fill(-Math.log(choices)));
    this.rows = rows;
  }

  logpdf(k: number, c: number): number {
    return this.rows[k]![c]!;
  }

  draw(k: number, rng: Rng): number {
    const row = this.rows[k]!;
    let u = rng.uniform();
    for (let c = 0; c < row.length - 1; c++) {
      u -= Math.exp(row[c]!);
      if (u < 0) return c;
    }
    return row.length - 1;
  }
}
