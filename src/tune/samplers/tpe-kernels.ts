// The numerical kernels of TPE's Parzen estimators: Gaussians truncated to the parameter's range and
// renormalised over it, so that every kernel is a proper density on [lo, hi] (Watanabe 2023, sec. 3.3; an
// untruncated kernel clipped to the bounds piles proposals onto the bounds). Coordinates are the parameter's
// internal ones (tpe-space.ts): log-space for log-scaled ranges, integers as cells [k - 1/2, k + 1/2].
import type { Rng } from '../../nn/random.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Coefficients of erfc's Chebyshev fit, Numerical Recipes 6.2 (erfcc). */
const ERFC = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223,
  0.17087277,
] as const;

const [C0, C1, C2, C3, C4, C5, C6, C7, C8, C9] = ERFC;

/** erfc(x), relative error below 1.2e-7 everywhere. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  // Horner's rule over ERFC written out (a tenth faster than the loop, the same operations in the same order)
  const poly = C0 + t * (C1 + t * (C2 + t * (C3 + t * (C4 + t * (C5 + t * (C6 + t * (C7 + t * (C8 + t * C9))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/**
 * log(Phi(b) - Phi(a)) for standard-normal bounds a < b, computed in the tail where both lie (so a cell far from
 * the kernel keeps its tiny mass instead of rounding to 0). -Infinity when the mass underflows.
 */
export function logNormalMass(a: number, b: number): number {
  const S = Math.SQRT1_2;
  const m =
    a >= 0
      ? 0.5 * (erfc(a * S) - erfc(b * S))
      : b <= 0
        ? 0.5 * (erfc(-b * S) - erfc(-a * S))
        : 1 - 0.5 * (erfc(-a * S) + erfc(b * S));
  return m > 0 ? Math.log(m) : -Infinity;
}

/** One numerical dimension of a mixture: kernel k is N(mu[k], sigma[k]) truncated to [lo, hi]. */
export class TruncatedGaussians {
  /** log of each kernel's mass inside [lo, hi] (its normaliser). */
  readonly logZ: Float64Array;
  private readonly inv: Float64Array;
  /** -log(sigma) - log(sqrt(2 pi)) - logZ: the constant part of each kernel's log density. */
  private readonly base: Float64Array;
  /**
   * Integers: the first kernel with the same mu and sigma as kernel k (k itself when none is before it). Many trials
   * share an integer's value (every trial with 2 layers), and their kernels share the normaliser and the cell masses,
   * computed once for the first.
   */
  private readonly first: Int32Array | null = null;

  /**
   * @param cell - integer parameters: the density at x is the mass of its cell, `cell(x)` = [x-, x+] (a pmf
   *   over the integers that sums to 1); absent for continuous ranges.
   */
  constructor(
    readonly mu: Float64Array,
    readonly sigma: Float64Array,
    readonly lo: number,
    readonly hi: number,
    readonly cell?: (x: number) => [number, number],
  ) {
    const n = mu.length;
    this.inv = new Float64Array(n);
    this.logZ = new Float64Array(n);
    this.base = new Float64Array(n);
    if (cell) this.first = firstOfEach(mu, sigma);
    // -log(sigma) - log(sqrt(2 pi)), computed again only when sigma changes (the observations share one)
    let logS = Number.NaN,
      lastS = Number.NaN;
    for (let k = 0; k < n; k++) {
      const s = sigma[k]!,
        j = this.first ? this.first[k]! : k;
      if (!Object.is(s, lastS)) {
        lastS = s;
        logS = -Math.log(s) - LOG_SQRT_2PI;
      }
      this.inv[k] = 1 / s;
      this.logZ[k] = j < k ? this.logZ[j]! : logNormalMass((lo - mu[k]!) / s, (hi - mu[k]!) / s);
      this.base[k] = logS - this.logZ[k]!;
    }
  }

  /** log density (continuous) or log mass of the integer's cell (integers) of kernel k at x. */
  logpdf(k: number, x: number): number {
    if (this.cell) return this.cellMasses(x)[k]!;
    const z = (x - this.mu[k]!) * this.inv[k]!;
    return this.base[k]! - 0.5 * z * z;
  }

  /** Adds every kernel's log density (or log cell mass) at x to out[k]: the inner loop of TPE's acquisition. */
  addLogpdf(x: number, out: Float64Array): void {
    const { mu, inv } = this;
    if (this.cell) {
      const masses = this.cellMasses(x);
      for (let k = 0; k < mu.length; k++) out[k]! += masses[k]!;
      return;
    }
    const base = this.base;
    for (let k = 0; k < mu.length; k++) {
      const z = (x - mu[k]!) * inv[k]!;
      out[k]! += base[k]! - 0.5 * z * z;
    }
  }

  /** Integers: every kernel's log mass of x's cell, computed once per integer (candidates repeat them). */
  private cellMasses(x: number): Float64Array {
    const [a, b] = this.cell!(x);
    const key = a + b;
    let m = this.cells.get(key);
    if (!m) {
      const { mu, inv, logZ, first } = this;
      const lo = Math.max(a, this.lo),
        hi = Math.min(b, this.hi);
      m = new Float64Array(mu.length);
      for (let k = 0; k < mu.length; k++) {
        const j = first![k]!;
        m[k] = j < k ? m[j]! : logNormalMass((lo - mu[k]!) * inv[k]!, (hi - mu[k]!) * inv[k]!) - logZ[k]!;
      }
      this.cells.set(key, m);
    }
    return m;
  }
  private readonly cells = new Map<number, Float64Array>();

  /** A draw from kernel k by rejection (each kernel keeps at least a third of its mass inside the range). */
  draw(k: number, rng: Rng): number {
    const m = this.mu[k]!,
      s = this.sigma[k]!;
    for (let i = 0; i < 1000; i++) {
      const x = m + s * rng.normal();
      if (x >= this.lo && x <= this.hi) return x;
    }
    return this.lo + rng.uniform() * (this.hi - this.lo);
  }
}

/**
 * For each k, the first index j <= k with mu[j] = mu[k] and sigma[j] = sigma[k]; k itself when the first kernel at
 * mu[k] has another sigma (the prior, wider than the observations' kernels).
 */
function firstOfEach(mu: Float64Array, sigma: Float64Array): Int32Array {
  const first = new Int32Array(mu.length);
  const byMu = new Map<number, number>();
  for (let k = 0; k < mu.length; k++) {
    const j = byMu.get(mu[k]!);
    if (j === undefined) byMu.set(mu[k]!, k);
    first[k] = j !== undefined && sigma[j] === sigma[k] ? j : k;
  }
  return first;
}
