// Householder tridiagonalisation of a symmetric matrix, Q^T A Q = T, blocked as LAPACK's dsytrd/dlatrd (upper):
// the reflectors of a panel of NB rows are made one row at a time against the panel's pending update, which is then
// applied to the rest of the matrix at once as A -= U^T W + W^T U (a rank-2 NB update in 4 x 4 tiles, dot4x4). Q is
// never formed: products with Q and Q^T apply the panels as compact WY blocks, I - V S V^T (dlarft, dlarfb), again in
// tiles. A = H_{n-1} ... H_1 T H_1 ... H_{n-1}, H_i = I - u_i u_i^T / h_i with u_i in coordinates 0..i-1, so
// Q = H_{n-1} ... H_1. O(n^3): 4n^3/3 for T, 2 n^2 k to apply Q to k columns; half of T's arithmetic is the product
// of the pending matrix with each u (4 rows at a time), the rest tiles. The ridge baseline (linear-path.ts) scores
// every lambda from T in O(n^2). The unblocked reduction (EISPACK tred2, as in JAMA) with Q formed took 27 of the
// 94 s of CPU a ridge fit over 2,000 inputs took on a 2-core EPYC, the eigenvectors of T (tql2) another 23.
import { dot4x4 } from '../engine/float64.js';
import { runSteps, type Steps } from './steps.js';

/** Rows of a panel: the reflectors made against a pending update before it is applied in tiles. */
const NB = 32;

/** T (diagonal d, off-diagonal e: e[i] = T[i][i + 1]) and the reflectors of Q, with products by Q and Q^T. */
export interface Tridiagonal {
  n: number;
  d: Float64Array;
  e: Float64Array;
  /** B <- Q^T B in place, for bt = B^T (k x n row-major: the k columns of B as rows). */
  qtTimes(bt: Float64Array, k: number): void;
  /** B <- Q B in place, for bt = B^T (k x n row-major). */
  qTimes(bt: Float64Array, k: number): void;
  /** qtTimes a panel at a time (steps.ts). */
  qtSteps(bt: Float64Array, k: number): Steps<void>;
  /** qTimes a panel at a time (steps.ts). */
  qSteps(bt: Float64Array, k: number): Steps<void>;
}

const up4 = (x: number) => Math.ceil(x / 4) * 4;

/** The tridiagonal form of the symmetric (n x n, row-major, full) a; a is not changed. */
export function tridiagonal(a: Float64Array, n: number): Tridiagonal {
  return runSteps(tridiagonalSteps(a, n));
}

/**
 * tridiagonal() a row at a time (steps.ts): about 2 top^2 multiply-adds a row of the active block [0, top) (its
 * product with the block, 4 rows at a time), and the panel's update of the block a band of ROWS rows at a time.
 */
export function* tridiagonalSteps(a: Float64Array, n: number): Steps<Tridiagonal> {
  const ld = up4(n);
  // the active block, full (both triangles), padded to a multiple of 4 with zeros; row i keeps u_i once made
  const w = new Float64Array(ld * ld);
  for (let i = 0; i < n; i++) w.set(a.subarray(i * n, i * n + n), i * ld);
  const d = new Float64Array(n),
    e = new Float64Array(n),
    h = new Float64Array(n);
  const panels: [number, number][] = [];
  for (let top = n; top > 1; ) {
    const nb = Math.min(NB, top - 1),
      lo = top - nb;
    yield* reducePanel(w, ld, top, nb, d, e, h);
    panels.push([lo, top]);
    top = lo;
  }
  d[0] = w[0]!;
  const qtSteps = (bt: Float64Array, k: number) => applyPanels(w, ld, h, panels, bt, k, n, false),
    qSteps = (bt: Float64Array, k: number) => applyPanels(w, ld, h, [...panels].reverse(), bt, k, n, true);
  return {
    n,
    d,
    e,
    qtTimes: (bt, k) => runSteps(qtSteps(bt, k)),
    qTimes: (bt, k) => runSteps(qSteps(bt, k)),
    qtSteps,
    qSteps,
  };
}

/**
 * Reduces rows top - 1 down to top - nb of the active block [0, top) of w (ld): each row is first brought up to date
 * with the panel's earlier reflectors (row i -= u_c w_c[i] + w_c u_c[i]), its reflector u made from entries 0..i-1
 * (reflector), and w_i = (A - pending) u / h less (u.w / 2h) u, so that H A H = A - u w^T - w u^T; then the block
 * [0, top - nb) is updated with all of them at once.
 */
function* reducePanel(
  w: Float64Array,
  ld: number,
  top: number,
  nb: number,
  d: Float64Array,
  e: Float64Array,
  h: Float64Array,
): Steps<void> {
  const lo = top - nb;
  // W of the panel: row c is w for the reflector of row top - 1 - c (entries 0..top - 1)
  const W = new Float64Array(nb * ld);
  const x = new Float64Array(ld);
  for (let c = 0; c < nb; c++) {
    reduceRow(w, ld, top, c, W, x, d, e, h);
    yield 2 * top * top;
  }
  if (lo > 0) yield* update(w, ld, lo, top, nb, W);
}

/** Row top - 1 - c of the panel (reducePanel): brought up to date, its reflector made, and its row of W. */
function reduceRow(
  w: Float64Array,
  ld: number,
  top: number,
  c: number,
  W: Float64Array,
  x: Float64Array,
  d: Float64Array,
  e: Float64Array,
  h: Float64Array,
): void {
  const i = top - 1 - c,
    ri = i * ld;
  for (let c2 = 0; c2 < c; c2++) {
    const ru = (top - 1 - c2) * ld,
      rw = c2 * ld;
    const wi = W[rw + i]!,
      ui = w[ru + i]!;
    for (let k = 0; k <= i; k++) w[ri + k]! -= w[ru + k]! * wi + W[rw + k]! * ui;
  }
  d[i] = w[ri + i]!;
  const hh = reflector(w, ri, i, e);
  h[i] = hh;
  if (hh === 0) return;
  // x = A[0:i, 0:i] u over the block as it was before this panel, 4 rows at a time
  symv(w, ld, i, ri, x);
  // less the panel's pending update: sum over earlier c2 of u_c2 (w_c2 . u) + w_c2 (u_c2 . u)
  for (let c2 = 0; c2 < c; c2++) {
    const ru = (top - 1 - c2) * ld,
      rw = c2 * ld;
    let wu = 0,
      uu = 0;
    for (let k = 0; k < i; k++) {
      wu += W[rw + k]! * w[ri + k]!;
      uu += w[ru + k]! * w[ri + k]!;
    }
    for (let k = 0; k < i; k++) x[k]! -= w[ru + k]! * wu + W[rw + k]! * uu;
  }
  let ux = 0;
  for (let k = 0; k < i; k++) {
    x[k]! /= hh;
    ux += w[ri + k]! * x[k]!;
  }
  const kk = ux / (2 * hh),
    rw = c * ld;
  for (let k = 0; k < i; k++) W[rw + k] = x[k]! - kk * w[ri + k]!;
}

/**
 * The reflector of row i (at ri in w) from its entries 0..i-1, written over them: u with H = I - u u^T / h, H x =
 * (0, ..., 0, e[i - 1]) for x the row; returns h (|u|^2 / 2), 0 when the row is zero already (H = I).
 */
function reflector(w: Float64Array, ri: number, i: number, e: Float64Array): number {
  let scale = 0;
  for (let k = 0; k < i; k++) scale += Math.abs(w[ri + k]!);
  if (scale === 0) {
    e[i - 1] = 0;
    return 0;
  }
  let h = 0;
  for (let k = 0; k < i; k++) {
    const u = w[ri + k]! / scale;
    w[ri + k] = u;
    h += u * u;
  }
  const f = w[ri + i - 1]!;
  const g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
  e[i - 1] = scale * g;
  h -= f * g;
  w[ri + i - 1] = f - g;
  return h;
}

/** x[0..i) = rows 0..i-1 of w (ld) times the vector in row ri of w, entries 0..i-1. */
function symv(w: Float64Array, ld: number, i: number, ri: number, x: Float64Array): void {
  let j = 0;
  for (; j + 3 < i; j += 4) {
    const r0 = j * ld,
      r1 = r0 + ld,
      r2 = r1 + ld,
      r3 = r2 + ld;
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let k = 0; k < i; k++) {
      const u = w[ri + k]!;
      s0 += w[r0 + k]! * u;
      s1 += w[r1 + k]! * u;
      s2 += w[r2 + k]! * u;
      s3 += w[r3 + k]! * u;
    }
    x[j] = s0;
    x[j + 1] = s1;
    x[j + 2] = s2;
    x[j + 3] = s3;
  }
  for (; j < i; j++) {
    const r0 = j * ld;
    let s0 = 0;
    for (let k = 0; k < i; k++) s0 += w[r0 + k]! * w[ri + k]!;
    x[j] = s0;
  }
}

/** Rows of the bands that the panels' updates and products with Q take a step each (a multiple of 4). */
const ROWS = 128;

/**
 * w[0:lo, 0:lo] -= U^T W + W^T U for the panel's reflectors U (rows top - 1 - c of w) and W (rows c of W): the
 * upper 4 x 4 tiles as one product over 2 nb columns (dot4x4), ROWS rows of tiles a step, the lower triangle mirrored
 * from them.
 */
function* update(w: Float64Array, ld: number, lo: number, top: number, nb: number, W: Float64Array): Steps<void> {
  const lp = up4(lo),
    k2 = 2 * nb;
  // x row j: (-u_0[j], ..., -u_{nb-1}[j], -w_0[j], ...), y row j: (w_0[j], ..., u_0[j], ...); zero rows past lo
  const x = new Float64Array(lp * k2),
    y = new Float64Array(lp * k2);
  for (let c = 0; c < nb; c++) {
    const ru = (top - 1 - c) * ld,
      rw = c * ld;
    for (let j = 0; j < lo; j++) {
      const u = w[ru + j]!,
        v = W[rw + j]!;
      x[j * k2 + c] = -u;
      x[j * k2 + nb + c] = -v;
      y[j * k2 + c] = v;
      y[j * k2 + nb + c] = u;
    }
  }
  // tiles reaching past lo add zeros to rows and columns [lo, lp): panel rows keep their values
  for (let i0 = 0; i0 < lp; i0 += ROWS) {
    const i1 = Math.min(lp, i0 + ROWS);
    for (let i = i0; i < i1; i += 4)
      for (let j = i; j < lp; j += 4) dot4x4(x, y, k2, k2, i, j, 0, k2, w, i * ld + j, ld);
    yield (i1 - i0) * (lp - i0) * k2;
  }
  for (let i0 = 0; i0 < lo; i0 += 32)
    for (let j0 = 0; j0 <= i0; j0 += 32)
      for (let i = i0; i < Math.min(lo, i0 + 32); i++)
        for (let j = j0; j < Math.min(i, j0 + 32); j++) w[i * ld + j] = w[j * ld + i]!;
}

/**
 * B <- P_1 ... P_m B (transposed: bt (k x n) <- bt P_m^T ... ), for the panels in the order given, each P = H_lo ...
 * H_{top-1} = I - V S V^T (S upper triangular, dlarft forward: S_jj = 1 / h_j, S[0:j, j] = -S[0:j, 0:j] V^T v_j /
 * h_j), or its transpose I - V S^T V^T when `transposed` (Q B applies the panels' transposes, lowest first). A step a
 * panel: about 2 k NB top multiply-adds.
 */
function* applyPanels(
  w: Float64Array,
  ld: number,
  h: Float64Array,
  panels: [number, number][],
  bt: Float64Array,
  k: number,
  n: number,
  transposed: boolean,
): Steps<void> {
  const kp = up4(k);
  // B^T padded: kp x ld
  const b = new Float64Array(kp * ld);
  for (let r = 0; r < k; r++) b.set(bt.subarray(r * n, r * n + n), r * ld);
  for (const [lo, top] of panels) {
    const nb = top - lo,
      nbp = up4(nb),
      len = up4(top - 1);
    // vt: nbp x len, row c = u of reflector lo + c (0 where h is 0); v: len x nbp, its transpose
    const vt = new Float64Array(nbp * len),
      v = new Float64Array(len * nbp);
    for (let c = 0; c < nb; c++) {
      const i = lo + c;
      if (h[i] === 0) continue;
      for (let r = 0; r < i; r++) {
        const u = w[i * ld + r]!;
        vt[c * len + r] = u;
        v[r * nbp + c] = u;
      }
    }
    const s = blockFactor(vt, len, nb, h, lo);
    const z = new Float64Array(kp * nbp),
      z2 = new Float64Array(kp * nbp);
    // the rows of B^T are independent: ROWS of them a step
    for (let r0 = 0; r0 < kp; r0 += ROWS) {
      const r1 = Math.min(kp, r0 + ROWS);
      applyBand({ b, ld, vt, v, len, s, nb, nbp, top }, z, z2, r0, r1, Math.min(r1, k), transposed);
      yield 2 * (r1 - r0) * nbp * len;
    }
  }
  for (let r = 0; r < k; r++) bt.set(b.subarray(r * ld, r * ld + n), r * n);
}

/**
 * Rows [r0, r1) of B^T (rows past k: padding) times a panel's I - V S V^T (transposed: S^T): z = B^T V, then z S^T
 * (S when transposed), negated (z2), then B^T[:, 0:top-1] -= z2 V^T.
 */
function applyBand(
  q: {
    b: Float64Array;
    ld: number;
    vt: Float64Array;
    v: Float64Array;
    len: number;
    s: Float64Array;
    nb: number;
    nbp: number;
    top: number;
  },
  z: Float64Array,
  z2: Float64Array,
  r0: number,
  r1: number,
  rk: number,
  transposed: boolean,
): void {
  const { b, ld, vt, v, len, s, nb, nbp, top } = q;
  for (let i = r0; i < r1; i += 4)
    for (let j = 0; j < nbp; j += 4) dot4x4(b, vt, ld, len, i, j, 0, top - 1, z, i * nbp + j, nbp);
  for (let r = r0; r < rk; r++)
    for (let c = 0; c < nb; c++) {
      let acc = 0;
      if (transposed) for (let c2 = 0; c2 <= c; c2++) acc += z[r * nbp + c2]! * s[c2 * nb + c]!;
      else for (let c2 = c; c2 < nb; c2++) acc += z[r * nbp + c2]! * s[c * nb + c2]!;
      z2[r * nbp + c] = -acc;
    }
  for (let i = r0; i < r1; i += 4)
    for (let j = 0; j < len; j += 4) dot4x4(z2, v, nbp, nbp, i, j, 0, nb, b, i * ld + j, ld);
}

/** S (nb x nb, upper triangular) of a panel's compact WY form I - V S V^T, from its vectors vt (rows, ld len). */
function blockFactor(vt: Float64Array, len: number, nb: number, h: Float64Array, lo: number): Float64Array {
  const s = new Float64Array(nb * nb),
    t = new Float64Array(nb);
  for (let j = 0; j < nb; j++) {
    const hj = h[lo + j]!;
    if (hj === 0) continue;
    const tau = 1 / hj;
    for (let c = 0; c < j; c++) {
      let acc = 0;
      for (let r = 0; r < len; r++) acc += vt[c * len + r]! * vt[j * len + r]!;
      t[c] = acc;
    }
    for (let c = 0; c < j; c++) {
      let acc = 0;
      for (let c2 = c; c2 < j; c2++) acc += s[c * nb + c2]! * t[c2]!;
      s[c * nb + j] = -tau * acc;
    }
    s[j * nb + j] = tau;
  }
  return s;
}
