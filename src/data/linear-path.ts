// The validation MSE of the ridge solution for any lambda, from one eigendecomposition of the training normal
// matrix A = Xc^T Xc = V diag(s) V^T (eigen.ts). With R = Xc^T Yc, U = V^T R and D = diag(1 / (s + lambda)):
//   W = V D U,  n m MSE = tr(W^T G' W) - 2 tr(W^T C') + yy'
//   tr(W^T G' W) = sum_ij d_i d_j M_ij K_ij   (M = V^T G' V, K = U U^T)
//   tr(W^T C')  = sum_i d_i sum_k U_ik E_ik   (E = V^T C')
// where G', C', yy' are the validation sums centred on the training means (the intercept's prediction). So each
// lambda costs O(p^2) instead of a solve with m right-hand sides and an O(p^2 m) score (linear.ts fitRidge).
import { dot4x4 } from '../engine/float64.js';
import { symEigen } from './eigen.js';
import type { Grams } from './linear-lagged.js';

/** The centred training normal equations (linear.ts centred()). */
export interface Normal {
  p: number;
  m: number;
  mx: Float64Array;
  my: Float64Array;
  /** Xc^T Xc (p x p, full). */
  a: Float64Array;
  /** Xc^T Yc (p x m). */
  rhs: Float64Array;
}

/** out (r x m) = vt (r x p rows) times b (p x m); for the few columns of U and E (m outputs), O(p^2 m). */
function rowsTimes(vt: Float64Array, r: number, p: number, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(r * m);
  for (let i = 0; i < r; i++) {
    const o = i * m;
    for (let a = 0; a < p; a++) {
      const f = vt[i * p + a]!;
      if (f === 0) continue;
      const ba = a * m;
      for (let k = 0; k < m; k++) out[o + k]! += f * b[ba + k]!;
    }
  }
  return out;
}

/** Symmetric s (r x r) with s_ij = row i of x . row j of y, for x, y (r x c); O(r^2 c) for K = U U^T. */
function rowDots(x: Float64Array, y: Float64Array, r: number, c: number): Float64Array {
  const out = new Float64Array(r * r);
  for (let i = 0; i < r; i++)
    for (let j = i; j < r; j++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += x[i * c + k]! * y[j * c + k]!;
      out[i * r + j] = s;
      out[j * r + i] = s;
    }
  return out;
}

/** Columns of a k-panel and rows of a j-panel of the blocked products below: 256 x 128 doubles stay in L2. */
const KB = 256,
  JB = 128;

/**
 * out (n x n, row-major, padded rows ld = np) += rows of x . rows of y over columns [0, c), for x, y with np rows (a
 * multiple of 4, zero rows past n) of ld c, in 4 x 4 tiles (dot4x4), the columns in panels of KB and the rows of y
 * in panels of JB so that both stay in cache; upper tiles only when `upper` (the caller mirrors them).
 */
function tileDots(x: Float64Array, y: Float64Array, np: number, c: number, upper: boolean): Float64Array {
  const out = new Float64Array(np * np);
  for (let k0 = 0; k0 < c; k0 += KB) {
    const k1 = Math.min(c, k0 + KB);
    for (let j0 = 0; j0 < np; j0 += JB) {
      const j1 = Math.min(np, j0 + JB);
      for (let i = 0; i < (upper ? j1 : np); i += 4)
        for (let j = upper ? Math.max(j0, i) : j0; j < j1; j += 4)
          dot4x4(x, y, c, c, i, j, k0, k1, out, i * np + j, np);
    }
  }
  return out;
}

/**
 * M = V^T G' V (p x p) from vt (the rows of V^T) and the symmetric G': T = V^T G' (row i of vt . row b of G'), then
 * M_ij = row i of T . row j of vt, both in blocked 4 x 4 tiles (tileDots). The triple loops these replace read G'
 * down its columns and took most of a fit's time at 2,400 inputs after the eigendecomposition itself.
 */
function sandwich(vt: Float64Array, g: Float64Array, p: number): Float64Array {
  const np = Math.ceil(p / 4) * 4;
  const pad = (a: Float64Array) => {
    if (np === p) return a;
    const o = new Float64Array(np * p);
    o.set(a);
    return o;
  };
  const v = pad(vt);
  const t = tileDots(v, pad(g), np, p, false);
  // T is np x np (ld np); its rows read back as rows of length p
  const tc = new Float64Array(np * p);
  for (let i = 0; i < np; i++) tc.set(t.subarray(i * np, i * np + p), i * p);
  const mp = tileDots(tc, v, np, p, true);
  const M = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = i; j < p; j++) {
      const x = mp[i * np + j]!;
      M[i * p + j] = x;
      M[j * p + i] = x;
    }
  return M;
}

/** The validation sums centred on the training means: G' (p x p), C' (p x m), yy'. */
function centredVal(cn: Normal, v: Grams) {
  const { p, m, mx, my } = cn,
    q = p + 1,
    n = v.n;
  const sx = (i: number) => v.g[i * q + p]!,
    sy = (k: number) => v.c[p * m + k]!;
  const g = new Float64Array(p * p),
    c = new Float64Array(p * m);
  for (let i = 0; i < p; i++)
    for (let j = i; j < p; j++) {
      const x = v.g[i * q + j]! - sx(i) * mx[j]! - mx[i]! * sx(j) + n * mx[i]! * mx[j]!;
      g[i * p + j] = x;
      g[j * p + i] = x;
    }
  for (let i = 0; i < p; i++)
    for (let k = 0; k < m; k++) c[i * m + k] = v.c[i * m + k]! - sx(i) * my[k]! - mx[i]! * sy(k) + n * mx[i]! * my[k]!;
  let yy = v.yy;
  for (let k = 0; k < m; k++) yy += -2 * my[k]! * sy(k) + n * my[k]! * my[k]!;
  return { g, c, yy };
}

/**
 * A function from lambda to the validation MSE of the ridge solution (NaN when A + lambda I is not positive
 * definite), after one O(p^3 + p^2 m) preparation.
 */
export function ridgePath(cn: Normal, val: Grams): (lambda: number) => number {
  const { p, m } = cn;
  const { d, vt } = symEigen(cn.a, p);
  const cv = centredVal(cn, val);
  const u = rowsTimes(vt, p, p, cn.rhs, m);
  const e = rowsTimes(vt, p, p, cv.c, m);
  const ue = Float64Array.from({ length: p }, (_, i) => {
    let s = 0;
    for (let k = 0; k < m; k++) s += u[i * m + k]! * e[i * m + k]!;
    return s;
  });
  const M = sandwich(vt, cv.g, p);
  const K = rowDots(u, u, p, m);
  const MK = Float64Array.from(M, (x, i) => x * K[i]!);
  const scale = Math.max(1, val.n * m);
  return (lambda) => {
    const inv = Float64Array.from(d, (s) => 1 / (s + lambda));
    if (d.some((s) => !(s + lambda > 0))) return NaN;
    let quad = 0,
      lin = 0;
    for (let i = 0; i < p; i++) {
      let row = 0;
      for (let j = 0; j < p; j++) row += MK[i * p + j]! * inv[j]!;
      quad += inv[i]! * row;
      lin += inv[i]! * ue[i]!;
    }
    return (quad - 2 * lin + cv.yy) / scale;
  };
}
