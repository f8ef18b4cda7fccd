// The season init proposes, checked against the series itself: the calendar's cycle for the step between rows (a
// day of hours, a year of months) is kept where the sample autocorrelation (ACF) of the detrended target peaks at
// it; where it does not and the ACF has a clear peak elsewhere, that lag is the season (monthly sunspots: about 11
// years, not a year; daily temperatures: a year of days, not a week).

/** A local maximum of the ACF: its lag, its value, Bartlett's z and its prominence. */
export interface AcfPeak {
  lag: number;
  acf: number;
  /** acf over its standard error by Bartlett's formula, sqrt((1 + 2 sum_{j<lag} r_j^2) / n). */
  z: number;
  /** acf less the lowest ACF value at a smaller lag: how far it climbs back from the trough before it. */
  prominence: number;
}

/** What the ACF says of the calendar season, and the season to use. */
export interface SeasonCheck {
  /** The calendar's season, a clear peak's lag (or the calendar cycle near it), or null. */
  season: number | null;
  /**
   * short: too few rows to test the calendar season (kept); calendar: the ACF peaks at or near it (kept); peak: it
   * does not and the ACF peaks clearly at `season`; none: no clear peak anywhere (the calendar's kept where its ACF
   * is significant, else null: the data show no cycle at it).
   */
  how: 'short' | 'calendar' | 'peak' | 'none';
  /** The ACF at the calendar season, where the rows were enough to compute it. */
  calendarAcf: number | null;
  /** The clearest peak of the ACF (the largest z among the clear ones), where there is one. */
  peak: AcfPeak | null;
}

/**
 * Lags searched for a peak: at most this many, or three calendar seasons where that is more (a day of minutes).
 * A longer cycle (a year of hours) is beyond what a lookback of 336 at most sees, and its seasonal naive baseline
 * needs years of rows before the test split.
 */
const MAX_LAG = 1000;
/**
 * A clear peak climbs at least this far from the trough before it (and 8/sqrt(n) on short series): a cycle that
 * carries about 30% of the variance (a sine in white noise has ACF f cos(2 pi k / P), a swing of 2f). Measured on 200
 * series each of 36 to 3,000 rows, the significant local maxima of white noise climbed at most 0.71 (36 rows) and
 * 0.66 (100 rows), of AR(0.9) 0.50 (1,000 rows), of random walks and AR(0.99) 0.02; the cycles of monthly sunspots
 * (lag 125), daily temperatures (367) and airline passengers (12) climb 0.94, 1.01 and 1.21.
 */
const MIN_PROMINENCE = 0.6;
/**
 * Significance: acf at least this many standard errors by Bartlett's formula (R's acf(ci.type = "ma") bands), not
 * 2/sqrt(n): the ACF of a persistent series wanders far at long lags, and over 2/sqrt(n) the local maxima of random
 * walks and AR(0.9) climbed 0.8 to 1.0 from their troughs in the same measurement, as far as real cycles.
 */
const MIN_Z = 2;

/** How near a lag k another counts as the same peak: a tenth of k, at least 1. */
const near = (k: number) => Math.max(1, Math.floor(k / 10));

/** x less its least-squares line over the row index, so that a trend does not read as a long cycle. */
export function detrend(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  let sx = 0;
  let sxt = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i]!;
    sxt += i * x[i]!;
  }
  const tMean = (n - 1) / 2;
  const xMean = sx / n;
  const stt = (n * (n * n - 1)) / 12; // sum of (i - tMean)^2
  const slope = n > 1 ? (sxt - tMean * sx) / stt : 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i]! - xMean - slope * (i - tMean);
  return out;
}

/**
 * In-place radix-2 FFT of (re, im), length a power of two: X_k = sum_j x_j exp(-2 pi i jk / N).
 * Cooley-Tukey, bit-reversed order first, then butterflies of growing size.
 */
function fft(re: Float64Array, im: Float64Array): void {
  const N = re.length;
  for (let i = 1, j = 0; i < N; i++) {
    let bit = N >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let size = 2; size <= N; size <<= 1) {
    const half = size >> 1;
    const step = (-2 * Math.PI) / size;
    for (let k = 0; k < half; k++) {
      const wr = Math.cos(step * k);
      const wi = Math.sin(step * k);
      for (let s = k; s < N; s += size) {
        const t = s + half;
        const xr = re[t]! * wr - im[t]! * wi;
        const xi = re[t]! * wi + im[t]! * wr;
        re[t] = re[s]! - xr;
        im[t] = im[s]! - xi;
        re[s] = re[s]! + xr;
        im[s] = im[s]! + xi;
      }
    }
  }
}

/**
 * The sample ACF of x at lags 0..maxLag: r_k = sum_{i>=k} (x_i - m)(x_{i-k} - m) / sum_i (x_i - m)^2, m the mean
 * (the biased estimator, as R's acf and statsmodels' take it). Through the FFT (Wiener-Khinchin, zero-padded to at
 * least n + maxLag so that no lag wraps): O(n log n) whatever maxLag. A constant series has r_k = 0 for k > 0.
 * For instance, autocorrelation([1, 2, 1, 2, 1, 2], 2) is Float64Array [1, -0.8333.., 0.6666..]
 */
export function autocorrelation(x: ArrayLike<number>, maxLag: number): Float64Array {
  const n = x.length;
  const L = Math.min(maxLag, n - 1);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let N = 1;
  while (N < n + L) N <<= 1;
  const re = new Float64Array(N);
  const im = new Float64Array(N);
  for (let i = 0; i < n; i++) re[i] = x[i]! - mean;
  fft(re, im);
  // the power spectrum is real and even, so a forward transform of it is N times the inverse: N * autocovariance
  for (let k = 0; k < N; k++) {
    re[k] = re[k]! * re[k]! + im[k]! * im[k]!;
    im[k] = 0;
  }
  fft(re, im);
  const r = new Float64Array(L + 1);
  const c0 = re[0]!;
  r[0] = 1;
  // a constant (or a straight line, once detrended) leaves rounding only: no cycle
  let scale = 0;
  for (let i = 0; i < n; i++) scale += x[i]! * x[i]!;
  if (!(c0 > 1e-20 * scale)) return r;
  for (let k = 1; k <= L; k++) r[k] = re[k]! / c0;
  return r;
}

/**
 * Whether the series less its trend is rounding only: a constant or a straight line (1.85 i + 2000 over 120 rows
 * leaves residuals of 1e-13 whose ACF "peaks" at 5), with no cycle to find.
 */
function flat(x: ArrayLike<number>, residual: Float64Array): boolean {
  let level = 0;
  let rest = 0;
  for (let i = 0; i < x.length; i++) {
    level += x[i]! * x[i]!;
    rest += residual[i]! * residual[i]!;
  }
  return !(rest > 1e-20 * level);
}

/** Whether r[k] is the highest ACF value within a tenth of k either side (ties to the lower lag). */
function isPeak(r: Float64Array, k: number): boolean {
  const w = near(k);
  if (k + w >= r.length) return false;
  for (let j = Math.max(1, k - w); j <= k + w; j++) if (r[j]! > r[k]! || (j < k && r[j] === r[k])) return false;
  return true;
}

/** Bartlett's z at each lag: r_k / sqrt((1 + 2 sum_{0<j<k} r_j^2) / n). */
function bartlettZ(r: Float64Array, n: number): Float64Array {
  const z = new Float64Array(r.length);
  let sum = 0;
  for (let k = 1; k < r.length; k++) {
    z[k] = r[k]! / Math.sqrt((1 + 2 * sum) / n);
    sum += r[k]! * r[k]!;
  }
  return z;
}

/** The clear peaks of the ACF at lags 2 and up: local maxima, significant, climbing far from the trough before. */
export function clearPeaks(r: Float64Array, n: number): AcfPeak[] {
  const z = bartlettZ(r, n);
  const minProminence = Math.max(MIN_PROMINENCE, 8 / Math.sqrt(n));
  const out: AcfPeak[] = [];
  let trough = r[1] ?? 0;
  for (let k = 2; k < r.length; k++) {
    trough = Math.min(trough, r[k - 1]!);
    const prominence = r[k]! - trough;
    if (z[k]! >= MIN_Z && prominence >= minProminence && isPeak(r, k))
      out.push({ lag: k, acf: r[k]!, z: z[k]!, prominence });
  }
  return out;
}

/**
 * The season of a series (its target, in row order, no gaps) given the calendar's (null where there is no time
 * column), and `cycles`, the calendar's longer ones in the same steps (a year of days: 365) that a peak near them is
 * read as. Rules, on the ACF of the series less its linear trend, at lags up to a third of the rows (three repeats):
 * 1. fewer rows than three calendar seasons (and a tenth): the calendar's, untested;
 * 2. the calendar season is significant and within a tenth of a local maximum: kept;
 * 3. else the clear peak (clearPeaks) of largest z, or the longer calendar cycle within a tenth of its lag;
 * 4. else the calendar's where its ACF is significant (rows a season apart alike), or null.
 * For instance, checkSeason(monthlySunspots, 12, []) on the monthly sunspot counts is
 * { season: 125, how: 'peak', calendarAcf: 0.727, peak: {...} }.
 */
export function checkSeason(values: ArrayLike<number>, calendar: number | null, cycles: number[] = []): SeasonCheck {
  const n = values.length;
  const maxLag = Math.min(Math.floor(n / 3), calendar === null ? MAX_LAG : Math.max(MAX_LAG, 3 * calendar));
  if (calendar !== null && calendar + near(calendar) > maxLag)
    return { season: calendar, how: 'short', calendarAcf: null, peak: null };
  if (maxLag < 3) return { season: calendar, how: 'none', calendarAcf: null, peak: null };
  const residual = detrend(values);
  if (flat(values, residual)) return { season: calendar, how: 'none', calendarAcf: null, peak: null };
  const r = autocorrelation(residual, maxLag);
  const calendarAcf = calendar === null ? null : r[calendar]!;
  const peaks = clearPeaks(r, n);
  // the largest z, not the largest acf: a cycle's multiples peak almost as high (a sine of period 50 in noise, 1,000
  // rows: 0.40 at 99, 0.37 at 50), while the standard error grows with the lag
  const peak = peaks.reduce<AcfPeak | null>((best, p) => (best === null || p.z > best.z ? p : best), null);
  const alike = calendar !== null && bartlettZ(r, n)[calendar]! >= MIN_Z;
  if (calendar !== null) {
    const w = near(calendar);
    let peaked = false;
    for (let k = calendar - w; k <= calendar + w && !peaked; k++) peaked = k >= 1 && isPeak(r, k);
    if (peaked && alike) return { season: calendar, how: 'calendar', calendarAcf, peak };
  }
  // the calendar's kept where rows a season apart are alike (an ACF decaying through it, hourly pm2.5 at 24), and
  // dropped where they are not: the last 60 rows of monthly sunspots have 0.005 at 12, and their seasonal naive of
  // 12 scored a test MSE 13 times persistence's
  if (peak === null) return { season: alike ? calendar : null, how: 'none', calendarAcf, peak };
  const cycle = cycles.find((c) => Math.abs(c - peak.lag) <= near(c));
  return { season: cycle ?? peak.lag, how: 'peak', calendarAcf, peak };
}
