// Small statistics the trend test needs: medians, ranks, the normal distribution, autocorrelation.

export const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b),
    n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

/**
 * The median of v over [i - h, i + h] (cut at the ends) for every i, as median(v.slice(i - h, i + h + 1)) gives it,
 * from one sorted window that gains a value and loses one per step (binary search, a shift of at most 2h + 1): a
 * sort per point took O(n h log h), and diagnose's smoothing over a tenth of the run (h = n / 20) took 6 s of a
 * 10,000-epoch history and 513 s of a 100,000-epoch one. A non-finite value falls back to the sorts.
 */
export function runningMedian(v: number[], h: number): number[] {
  const n = v.length;
  if (!v.every(Number.isFinite)) return v.map((_, i) => median(v.slice(Math.max(0, i - h), i + h + 1)));
  const w: number[] = [];
  const at = (x: number) => {
    let lo = 0,
      hi = w.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (w[m]! < x) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  for (let j = 0; j < Math.min(n, h + 1); j++) w.splice(at(v[j]!), 0, v[j]!);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    if (i > 0 && i + h < n) w.splice(at(v[i + h]!), 0, v[i + h]!);
    if (i - h - 1 >= 0) w.splice(at(v[i - h - 1]!), 1);
    const k = w.length;
    out[i] = k % 2 ? w[(k - 1) / 2]! : (w[k / 2 - 1]! + w[k / 2]!) / 2;
  }
  return out;
}

/**
 * Math.min(...v) (NaN where v holds one, Infinity when empty) in a loop: the spread overflows the call stack past
 * about 125,000 values (diagnose of a history that long exited 1, 'RangeError: Maximum call stack size exceeded').
 */
export function minOf(v: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (Number.isNaN(x)) return NaN;
    if (x < m) m = x;
  }
  return m;
}

/** The q-quantile (0..1) of v, by linear interpolation between order statistics. */
export function quantile(v: number[], q: number): number {
  const s = [...v].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const x = q * (s.length - 1),
    i = Math.floor(x);
  return i + 1 < s.length ? s[i]! + (x - i) * (s[i + 1]! - s[i]!) : s[i]!;
}

/** Robust standard deviation: 1.4826 x the median absolute deviation from the median. */
export const mad = (v: number[]): number => {
  const m = median(v);
  return 1.4826 * median(v.map((x) => Math.abs(x - m)));
};

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2,
    t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Ranks 1..n (ties get their mean rank). */
export function ranks(v: number[]): number[] {
  const idx = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(v.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
    for (let k = i; k <= j; k++) r[idx[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Sample autocorrelation of v at lag k. */
export function autocorrelation(v: number[], k: number): number {
  const n = v.length,
    m = v.reduce((a, b) => a + b, 0) / n;
  let num = 0,
    den = 0;
  for (let i = 0; i < n; i++) den += (v[i]! - m) ** 2;
  for (let i = 0; i + k < n; i++) num += (v[i]! - m) * (v[i + k]! - m);
  return den > 0 ? num / den : 0;
}

/** Pearson correlation of two equally long series (0 when either is constant). */
export function correlation(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  if (n < 3) return 0;
  const ma = a.slice(0, n).reduce((s, x) => s + x, 0) / n,
    mb = b.slice(0, n).reduce((s, x) => s + x, 0) / n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** The logistic function. */
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
