// Orthonormal rows for the orthogonal initializer, by Cholesky QR (Stathopoulos & Wu 2002; Fukaya et al. 2014):
// the Gram matrix G = A A^T, its Cholesky factor G = L L^T, and Q = L^-1 A. For n rows of length m that is
// n^2 m + n^3 / 3 + n^2 m flops in two matrix products, where modified Gram-Schmidt did its 2 n^2 m flops (twice)
// as vector operations that stream every earlier row from memory: GRU(1000)'s recurrent kernel (1000 rows of 3000)
// took 13 s to initialise, and takes 2.4 s this way.
//
// Q is the Q of the QR factorisation with a positive diagonal in R (R = L^T), the matrix Gram-Schmidt gives, to
// rounding. Cholesky QR loses orthogonality as u kappa(A)^2 (u: the float64 unit roundoff), so a second pass runs
// when the Cholesky factor shows a condition number that could cost float32 digits (CholeskyQR2); a normal matrix
// with far fewer rows than columns is well conditioned (kappa about (sqrt m + sqrt n) / (sqrt m - sqrt n): 3.7 at
// 1000 x 3000), a square one is not. A factor that is not positive definite (a rank-deficient A) falls back to
// Gram-Schmidt.
import { cholesky, dot4x4 } from '../engine/float64.js';
import { Rng } from './random.js';

/**
 * The conditioning of A, estimated from the factor's diagonal (a lower bound), above which a second pass runs. A
 * normal 1000 x 3000 matrix shows about 1.2; a square one 30 or more (its kappa is in the thousands).
 */
const SECOND_PASS_KAPPA = 30;
/** Columns per chunk of the Gram product (4 rows' chunks of 256 float64 stay in the first-level cache). */
const KC = 256;

/** Calibration of orthonormalSeconds: one n x m matrix, small enough to take tens of milliseconds. */
const CALIBRATION: readonly [number, number] = [256, 768];
let rate = 0;

/**
 * Seconds orthonormalRows takes for n rows of length m on this machine: n^2 m (the Gram product and the solve, one
 * pass) at the rate measured once per process on a CALIBRATION matrix. On the Zen 5 machine of BENCHMARKS.md the
 * rate held within 10% from 192 x 576 to 1000 x 3000 (2.6-2.8 x 10^9 n^2 m per second); a near-square matrix that
 * needs the second pass takes up to twice the estimate.
 */
export function orthonormalSeconds(n: number, m: number): number {
  if (rate === 0) {
    const [cn, cm] = CALIBRATION;
    const a = new Float64Array(cn * cm),
      rng = new Rng(1);
    let best = Infinity;
    for (let r = 0; r < 2; r++) {
      for (let i = 0; i < a.length; i++) a[i] = rng.normal();
      const t0 = performance.now();
      orthonormalRows(a, cn, cm);
      best = Math.min(best, performance.now() - t0);
    }
    rate = (cn * cn * cm) / (Math.max(best, 1e-3) / 1000);
  }
  return (n * n * m) / rate;
}

/**
 * Orthonormalises the n rows of length m >= n of `a` (row-major, overwritten): afterwards they are the rows of Q,
 * a = R^T Q with R upper triangular, positive diagonal.
 */
export function orthonormalRows(a: Float64Array, n: number, m: number): void {
  for (let pass = 0; pass < 2; pass++) {
    const l = gram(a, n, m);
    if (!cholesky(l, n)) {
      gramSchmidt(a, n, m);
      return;
    }
    solveLower(l, a, n, m);
    if (conditionOf(l, n) < SECOND_PASS_KAPPA) return;
  }
}

/** A A^T (n x n, row-major); only the lower triangle is read (the diagonal blocks write a little above it). */
function gram(a: Float64Array, n: number, m: number): Float64Array {
  const g = new Float64Array(n * n);
  const n4 = n - (n % 4);
  for (let k0 = 0; k0 < m; k0 += KC) {
    const k1 = Math.min(m, k0 + KC);
    for (let i = 0; i < n4; i += 4) {
      for (let j = 0; j <= i; j += 4) dot4x4(a, a, m, m, i, j, k0, k1, g, i * n + j, n);
    }
    for (let i = n4; i < n; i++)
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = k0; k < k1; k++) s += a[i * m + k]! * a[j * m + k]!;
        g[i * n + j]! += s;
      }
  }
  return g;
}

/** max / min of L's diagonal (R's, the norms of the rows' residuals): a lower bound on kappa(A) = kappa(L). */
function conditionOf(l: Float64Array, n: number): number {
  let lo = Infinity,
    hi = 0;
  for (let i = 0; i < n; i++) {
    const d = l[i * n + i]!;
    lo = Math.min(lo, d);
    hi = Math.max(hi, d);
  }
  return hi / lo;
}

/**
 * a <- L^-1 a (forward substitution for the m columns of `a` at once). Works on the transpose, where a column of
 * `a` is a contiguous row: four columns by four rows at a time, each block's sum over the rows already solved in
 * the same 4 x 4 dot-product kernel as the Gram matrix, then the block's own triangle.
 */
function solveLower(l: Float64Array, a: Float64Array, n: number, m: number): void {
  const t = new Float64Array(m * n); // t = a^T: row k holds column k of a
  for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) t[k * n + i] = a[i * m + k]!;
  const s = new Float64Array(16);
  for (let k0 = 0; k0 < m; k0 += 4) {
    const kw = Math.min(4, m - k0);
    for (let i0 = 0; i0 < n; i0 += 4) {
      const iw = Math.min(4, n - i0);
      // s[c * 4 + r] = sum over j < i0 of L[i0 + r][j] q_{k0 + c}[j]
      s.fill(0);
      if (i0 > 0) {
        if (iw === 4 && kw === 4) dot4x4(t, l, n, n, k0, i0, 0, i0, s, 0, 4);
        else
          for (let c = 0; c < kw; c++)
            for (let r = 0; r < iw; r++) {
              let v = 0;
              for (let j = 0; j < i0; j++) v += l[(i0 + r) * n + j]! * t[(k0 + c) * n + j]!;
              s[c * 4 + r] = v;
            }
      }
      for (let c = 0; c < kw; c++) {
        const row = (k0 + c) * n;
        for (let r = 0; r < iw; r++) {
          const i = i0 + r;
          let v = t[row + i]! - s[c * 4 + r]!;
          for (let j = i0; j < i; j++) v -= l[i * n + j]! * t[row + j]!;
          t[row + i] = v / l[i * n + i]!;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) a[i * m + k] = t[k * n + i]!;
}

/** Modified Gram-Schmidt, twice: the fallback for a rank-deficient matrix (a zero row stays zero). */
function gramSchmidt(q: Float64Array, n: number, m: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < n; i++) {
      const vi = q.subarray(i * m, (i + 1) * m);
      for (let j = 0; j < i; j++) {
        const vj = q.subarray(j * m, (j + 1) * m);
        let d = 0;
        for (let k = 0; k < m; k++) d += vi[k]! * vj[k]!;
        for (let k = 0; k < m; k++) vi[k]! -= d * vj[k]!;
      }
      let s = 0;
      for (let k = 0; k < m; k++) s += vi[k]! * vi[k]!;
      s = Math.sqrt(s) || 1;
      for (let k = 0; k < m; k++) vi[k]! /= s;
    }
  }
}
