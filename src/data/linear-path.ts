// The validation MSE of the ridge solution for any lambda, from one Householder tridiagonalisation of the
// training normal matrix A = Xc^T Xc = Q T Q^T (tridiagonal.ts). With R = Xc^T Yc, R~ = Q^T R and T_l = T + lambda I
// (positive definite when A + lambda I is: its LDL^T pivots say so):
//   W = (A + lambda I)^-1 R = Q X,  X = T_l^-1 R~,  n m MSE = tr(W^T G' W) - 2 tr(W^T C') + yy'
//   tr(W^T G' W) = tr(T_l^-1 G~ T_l^-1 K~) = sum_ij (T_l^-1 G~)_ij (T_l^-1 K~)_ji  (G~ = Q^T G' Q, K~ = R~ R~^T)
//   tr(W^T C')  = sum_ik X_ik C~_ik                                               (C~ = Q^T C')
// where G', C', yy' are the validation sums centred on the training means (the intercept's prediction). A solve
// with the tridiagonal T_l costs O(p) a column, so each lambda costs O(p^2) after an O(p^3 + p^2 m) preparation
// whose products are 4 x 4 tiles (dot4x4). The eigendecomposition of A this replaces gave O(p^2) a lambda too, but
// its eigenvectors (tql2's rotations on top of the tridiagonalisation) and the products with them were about three
// times the arithmetic, in loops at a third of the tiles' speed: 89 s of CPU for 2,000 inputs on a 2-core EPYC.
import { dot4x4 } from '../engine/float64.js';
import type { Grams } from './linear-lagged.js';
import { runSteps, type Steps } from './steps.js';
import { type Tridiagonal, tridiagonalSteps } from './tridiagonal.js';

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

/** Columns of a k-panel and rows of a j-panel of the blocked products below: 256 x 128 doubles stay in L2. */
const KB = 256,
  JB = 128;

/** x (r x c row-major) with its rows padded with zero rows to a multiple of 4 (x itself when they are). */
function padRows(x: Float64Array, r: number, c: number): Float64Array {
  const rp = Math.ceil(r / 4) * 4;
  if (rp === r) return x;
  const o = new Float64Array(rp * c);
  o.set(x.subarray(0, r * c));
  return o;
}

/** The transpose (c x r) of x (r x c row-major). */
export function transpose(x: Float64Array, r: number, c: number): Float64Array {
  const o = new Float64Array(r * c);
  for (let i0 = 0; i0 < r; i0 += 32)
    for (let j0 = 0; j0 < c; j0 += 32)
      for (let i = i0; i < Math.min(r, i0 + 32); i++)
        for (let j = j0; j < Math.min(c, j0 + 32); j++) o[j * r + i] = x[i * c + j]!;
  return o;
}

/**
 * out (r x c row-major) = x y^T for x (r x k) and y (c x k), both row-major: out_ij = row i of x . row j of y, in
 * 4 x 4 tiles (dot4x4), the k columns in panels of KB and the rows of y in panels of JB so that both stay in cache.
 * With `symmetric` (x y^T symmetric, r = c), only the upper tiles are summed and mirrored.
 */
export function timesT(
  x: Float64Array,
  y: Float64Array,
  r: number,
  c: number,
  k: number,
  symmetric = false,
): Float64Array {
  return runSteps(timesTSteps(x, y, r, c, k, symmetric));
}

/** timesT a pair of panels at a time (steps.ts): at most r JB KB multiply-adds a step. */
function* timesTSteps(
  x: Float64Array,
  y: Float64Array,
  r: number,
  c: number,
  k: number,
  symmetric = false,
): Steps<Float64Array> {
  const rp = Math.ceil(r / 4) * 4,
    cp = Math.ceil(c / 4) * 4;
  const xp = padRows(x, r, k),
    yp = symmetric && x === y ? xp : padRows(y, c, k);
  const t = new Float64Array(rp * cp);
  for (let k0 = 0; k0 < k; k0 += KB) {
    const k1 = Math.min(k, k0 + KB);
    for (let j0 = 0; j0 < cp; j0 += JB) {
      const j1 = Math.min(cp, j0 + JB);
      for (let i = 0; i < (symmetric ? j1 : rp); i += 4)
        for (let j = symmetric ? Math.max(j0, i) : j0; j < j1; j += 4)
          dot4x4(xp, yp, k, k, i, j, k0, k1, t, i * cp + j, cp);
      yield (symmetric ? j1 : rp) * (j1 - j0) * (k1 - k0);
    }
  }
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++)
    for (let j = symmetric ? i : 0; j < c; j++) {
      const v = t[i * cp + j]!;
      out[i * c + j] = v;
      if (symmetric) out[j * c + i] = v;
    }
  return out;
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
 * The LDL^T factors of the tridiagonal T + lambda I (diagonal d, off-diagonal e): pivots and multipliers; null when
 * a pivot is not positive (T + lambda I, and so A + lambda I, not positive definite).
 */
function factor(d: Float64Array, e: Float64Array, lambda: number): { piv: Float64Array; mul: Float64Array } | null {
  const n = d.length,
    piv = new Float64Array(n),
    mul = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const l = i > 0 ? e[i - 1]! / piv[i - 1]! : 0;
    mul[i] = l;
    piv[i] = d[i]! + lambda - (i > 0 ? l * e[i - 1]! : 0);
    if (!(piv[i]! > 0)) return null;
  }
  return { piv, mul };
}

/** x = (T + lambda I)^-1 b for b, x (n x c row-major; x may be b), from factor()'s pivots and multipliers. */
function tridiagSolve(f: { piv: Float64Array; mul: Float64Array }, b: Float64Array, x: Float64Array, c: number): void {
  const { piv, mul } = f,
    n = piv.length;
  for (let k = 0; k < c; k++) x[k] = b[k]!;
  for (let i = 1; i < n; i++) {
    const l = mul[i]!,
      r = i * c,
      s = r - c;
    for (let k = 0; k < c; k++) x[r + k] = b[r + k]! - l * x[s + k]!;
  }
  const last = (n - 1) * c,
    inv = 1 / piv[n - 1]!;
  for (let k = 0; k < c; k++) x[last + k]! *= inv;
  for (let i = n - 2; i >= 0; i--) {
    const l = mul[i + 1]!,
      inv = 1 / piv[i]!,
      r = i * c,
      s = r + c;
    for (let k = 0; k < c; k++) x[r + k] = x[r + k]! * inv - l * x[s + k]!;
  }
}

/** The validation split's rows (inputs z: rows x p, outputs y: rows x m), not centred. */
export interface ValRows {
  rows: number;
  z: Float64Array;
  y: Float64Array;
}

/** The ridge path of centred normal equations on validation sums (ridgePath). */
export interface RidgePath {
  /** The validation MSE of the ridge solution for lambda; NaN when A + lambda I is not positive definite. */
  mse(lambda: number): number;
  /** The weights W (p x m) of the ridge solution for lambda; null when A + lambda I is not positive definite. */
  solve(lambda: number): Float64Array | null;
  /** solve a panel of Q at a time (steps.ts). */
  solveSteps(lambda: number): Steps<Float64Array | null>;
}

/**
 * G~ = Q^T G' Q and C~ = Q^T C' of the validation split, and yy': from its Gram sums (two products with Q^T of p
 * columns), or from its rows when it has fewer than p (Y = Q^T Zc^T: G~ = Y Y^T, C~ = Y Yc).
 */
function* rotatedVal(
  cn: Normal,
  t: Tridiagonal,
  val: Grams | ValRows,
): Steps<{
  n: number;
  g: Float64Array;
  c: Float64Array;
  yy: number;
}> {
  const { p, m, mx, my } = cn;
  if ('z' in val) {
    const nv = val.rows,
      z = Float64Array.from(val.z),
      yc = Float64Array.from(val.y);
    for (let r = 0; r < nv; r++) {
      for (let i = 0; i < p; i++) z[r * p + i]! -= mx[i]!;
      for (let k = 0; k < m; k++) yc[r * m + k]! -= my[k]!;
    }
    let yy = 0;
    for (const v of yc) yy += v * v;
    yield* t.qtSteps(z, nv); // rows of (Q^T Zc^T)^T
    const y = transpose(z, nv, p);
    const g = yield* timesTSteps(y, y, p, p, nv, true);
    return { n: nv, g, c: yield* timesTSteps(y, transpose(yc, nv, m), p, m, nv), yy };
  }
  const cv = centredVal(cn, val);
  yield p * p;
  const g = cv.g; // symmetric: its own transpose
  yield* t.qtSteps(g, p); // (Q^T G')^T
  const g2 = transpose(g, p, p);
  yield* t.qtSteps(g2, p); // (Q^T G' Q)^T = G~
  const ct = transpose(cv.c, p, m);
  yield* t.qtSteps(ct, m);
  return { n: val.n, g: g2, c: transpose(ct, m, p), yy: cv.yy };
}

/**
 * The validation MSE and the weights of the ridge solution for any lambda, after one O(p^3 + p^2 m) preparation;
 * `val`: the validation split's Gram sums, or its rows.
 */
export function ridgePath(cn: Normal, val: Grams | ValRows): RidgePath {
  return runSteps(ridgePathSteps(cn, val));
}

/** ridgePath's preparation a panel at a time (steps.ts). */
export function* ridgePathSteps(cn: Normal, val: Grams | ValRows): Steps<RidgePath> {
  const { p, m } = cn;
  const t = yield* tridiagonalSteps(cn.a, p);
  const { d, e } = t;
  const rtt = transpose(cn.rhs, p, m);
  yield* t.qtSteps(rtt, m);
  const rt = transpose(rtt, m, p); // R~ = Q^T R
  const v = yield* rotatedVal(cn, t, val);
  const kt = yield* timesTSteps(rt, rt, p, p, m, true); // K~ = R~ R~^T
  const scale = Math.max(1, v.n * m);
  function* solveSteps(lambda: number): Steps<Float64Array | null> {
    const f = factor(d, e, lambda);
    if (!f) return null;
    const xs = new Float64Array(p * m);
    tridiagSolve(f, rt, xs, m);
    const wt = transpose(xs, p, m);
    yield* t.qSteps(wt, m); // W = Q X
    return transpose(wt, m, p);
  }
  const y1 = new Float64Array(p * p),
    y2 = new Float64Array(p * p),
    x = new Float64Array(p * m);
  return {
    mse(lambda) {
      const f = factor(d, e, lambda);
      if (!f) return NaN;
      tridiagSolve(f, v.g, y1, p);
      tridiagSolve(f, kt, y2, p);
      tridiagSolve(f, rt, x, m);
      let quad = 0,
        lin = 0;
      // tr(Y1 Y2) = sum_ij Y1_ij Y2_ji, in 32 x 32 blocks
      for (let i0 = 0; i0 < p; i0 += 32)
        for (let j0 = 0; j0 < p; j0 += 32)
          for (let i = i0; i < Math.min(p, i0 + 32); i++)
            for (let j = j0; j < Math.min(p, j0 + 32); j++) quad += y1[i * p + j]! * y2[j * p + i]!;
      for (let i = 0; i < p * m; i++) lin += x[i]! * v.c[i]!;
      return (quad - 2 * lin + v.yy) / scale;
    },
    solve: (lambda) => runSteps(solveSteps(lambda)),
    solveSteps,
  };
}
