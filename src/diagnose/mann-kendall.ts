// The Mann-Kendall trend test with Sen's slope, corrected for autocorrelation after Hamed & Rao.
//
// Why this test: a loss curve's trend is monotone but rarely linear (fast then slow), its noise is
// heavy-tailed (spikes), and consecutive epochs are correlated (the weights carry over). Mann-Kendall
// (Mann 1945; Kendall 1975) only counts which of two epochs is higher, so it needs no linearity and
// no normal noise; Sen's slope (Sen 1968) is the matching robust effect size with a distribution-free
// confidence interval (Gilbert 1987, sec. 16.5). Serial correlation inflates the test's significance
// (a smooth random walk looks like a trend); the variance correction of Hamed & Rao (1998, "A modified
// Mann-Kendall trend test for autocorrelated data", J. Hydrology 204:182-196) scales Var(S) by n/n*,
// estimated from the significant lags of the autocorrelation of the ranks of the detrended series.
// Prewhitening (Yue et al. 2002) was the alternative; it needs an AR(1) model the loss noise seldom
// follows and it weakens real trends, so the variance correction is used.
import { autocorrelation, median, normalCdf, ranks } from './stats.js';

export interface MannKendall {
  /** Points tested. */
  n: number;
  /** The statistic S = sum over i<j of sign(y_j - y_i). */
  s: number;
  /** Kendall's tau = S / (n(n-1)/2): -1 (strictly falling) .. 1 (strictly rising). */
  tau: number;
  /** Var(S) after the Hamed-Rao correction. */
  variance: number;
  /** n/n*: the factor autocorrelation multiplied the variance by (1 = independent epochs). */
  correction: number;
  /** Standardised statistic (continuity corrected). */
  z: number;
  /** Two-sided p-value of "no trend". */
  p: number;
  /** Sen's slope: the median of the pairwise slopes, per point. */
  slope: number;
  /** 95% confidence interval of Sen's slope (Gilbert 1987), per point. */
  low: number;
  high: number;
  intercept: number;
}

function pairwiseSlopes(y: number[]): { slopes: number[]; s: number } {
  const slopes: number[] = [];
  let s = 0;
  for (let i = 0; i < y.length; i++)
    for (let j = i + 1; j < y.length; j++) {
      const d = y[j]! - y[i]!;
      slopes.push(d / (j - i));
      s += d > 0 ? 1 : d < 0 ? -1 : 0;
    }
  return { slopes: slopes.sort((a, b) => a - b), s };
}

/** Hamed & Rao's n/n*: 1 + 2/(n(n-1)(n-2)) sum_k (n-k)(n-k-1)(n-k-2) rho_k over the lags significant at 5%. */
function hamedRao(y: number[], slope: number): number {
  const n = y.length;
  if (n < 6) return 1;
  const r = ranks(y.map((v, i) => v - slope * i));
  const bound = 1.96 / Math.sqrt(n);
  let sum = 0;
  for (let k = 1; k < n - 2; k++) {
    const rho = autocorrelation(r, k);
    if (Math.abs(rho) > bound) sum += (n - k) * (n - k - 1) * (n - k - 2) * rho;
  }
  return Math.max(1, 1 + (2 * sum) / (n * (n - 1) * (n - 2)));
}

/** The corrected Mann-Kendall test and Sen's slope of y (equally spaced points). */
export function mannKendall(y: number[]): MannKendall {
  const n = y.length;
  const { slopes, s } = pairwiseSlopes(y);
  const slope = slopes.length ? median(slopes) : 0;
  const intercept = median(y.map((v, i) => v - slope * i));
  const v0 = (n * (n - 1) * (2 * n + 5)) / 18;
  const correction = hamedRao(y, slope);
  const variance = v0 * correction;
  const z = variance > 0 ? (s - Math.sign(s)) / Math.sqrt(variance) : 0;
  const c = 1.96 * Math.sqrt(variance),
    N = slopes.length;
  const lo = Math.max(0, Math.floor((N - c) / 2) - 1),
    hi = Math.min(N - 1, Math.ceil((N + c) / 2) - 1);
  return {
    n,
    s,
    tau: N ? s / N : 0,
    variance,
    correction,
    z,
    p: 2 * (1 - normalCdf(Math.abs(z))),
    slope,
    low: N ? slopes[lo]! : 0,
    high: N ? slopes[hi]! : 0,
    intercept,
  };
}
