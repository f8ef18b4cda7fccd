// Eigendecomposition of a symmetric matrix, A = V diag(d) V^T: Householder reduction to tridiagonal form and
// the implicit QL method (EISPACK tred2 and tql2, as in JAMA's EigenvalueDecomposition). O(n^3); the ridge
// baseline uses it once per fit to score every lambda on validation in O(n^2) each (linear-path.ts).

/** Eigenvalues d (n, unsorted) and eigenvectors as the rows of vt (n x n row-major: row i is the i-th vector). */
export interface SymEigen {
  d: Float64Array;
  vt: Float64Array;
}

/**
 * Householder tridiagonalisation of the symmetric v (n x n), overwritten by the transformation V transposed; d, e
 * out. JAMA's V[r][c] is v[c * n + r] throughout (here and in accumulate): the O(n^3) loops run down V's columns,
 * which are then rows of v, read in memory order. With V[r][c] at v[r * n + c], each step of those loops was a
 * cache miss once v outgrew the cache: at n = 2,400 (100 features over a lookback of 24) the fit took 15 minutes
 * of which 12 were tred2, against about 2 for the same arithmetic in this order.
 */
function tred2(v: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = v[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0,
      h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = v[j * n + i - 1]!;
        v[j * n + i] = 0;
        v[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        v[i * n + j] = f;
        g = e[j]! + v[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[j * n + k]! * d[k]!;
          e[k]! += v[j * n + k]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) v[j * n + k]! -= f * e[k]! + g * d[k]!;
        d[j] = v[j * n + i - 1]!;
        v[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  accumulate(v, n, d, e);
}

/** tred2's second half: the orthogonal transformation accumulated into v. */
function accumulate(v: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = 0; i < n - 1; i++) {
    v[i * n + n - 1] = v[i * n + i]!;
    v[i * n + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[(i + 1) * n + k]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[(i + 1) * n + k]! * v[j * n + k]!;
        for (let k = 0; k <= i; k++) v[j * n + k]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) v[(i + 1) * n + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[j * n + n - 1]!;
    v[j * n + n - 1] = 0;
  }
  v[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); the rotations are applied to the rows of vt (the transposed vectors). */
function tql2(vt: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0,
    tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n && Math.abs(e[m]!) > eps * tst1) m++;
    if (m > l) {
      for (let iter = 0; iter < 60 * n && Math.abs(e[l]!) > eps * tst1; iter++) f += qlStep(vt, n, d, e, l, m);
    }
    d[l]! += f;
    e[l] = 0;
  }
}

/** One implicit QL step on rows l..m; returns the shift applied. */
function qlStep(vt: Float64Array, n: number, d: Float64Array, e: Float64Array, l: number, m: number): number {
  let g = d[l]!;
  let p = (d[l + 1]! - g) / (2 * e[l]!);
  let r = Math.hypot(p, 1);
  if (p < 0) r = -r;
  d[l] = e[l]! / (p + r);
  d[l + 1] = e[l]! * (p + r);
  const dl1 = d[l + 1]!;
  let h = g - d[l]!;
  for (let i = l + 2; i < n; i++) d[i]! -= h;
  const shift = h;
  p = d[m]!;
  let c = 1,
    c2 = c,
    c3 = c,
    s = 0,
    s2 = 0;
  const el1 = e[l + 1]!;
  for (let i = m - 1; i >= l; i--) {
    c3 = c2;
    c2 = c;
    s2 = s;
    g = c * e[i]!;
    h = c * p;
    r = Math.hypot(p, e[i]!);
    e[i + 1] = s * r;
    s = e[i]! / r;
    c = p / r;
    p = c * d[i]! - s * g;
    d[i + 1] = h + s * (c * g + s * d[i]!);
    const a = i * n,
      b = (i + 1) * n;
    for (let k = 0; k < n; k++) {
      const x = vt[b + k]!;
      vt[b + k] = s * vt[a + k]! + c * x;
      vt[a + k] = c * vt[a + k]! - s * x;
    }
  }
  p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
  e[l] = s * p;
  d[l] = c * p;
  return shift;
}

/** The eigendecomposition of a symmetric (n, n) row-major matrix a (not changed; its upper triangle is read). */
export function symEigen(a: Float64Array, n: number): SymEigen {
  const v = Float64Array.from(a),
    d = new Float64Array(n),
    e = new Float64Array(n);
  tred2(v, n, d, e); // v is now the transformation transposed, the rows tql2 rotates
  tql2(v, n, d, e);
  return { d, vt: v };
}
