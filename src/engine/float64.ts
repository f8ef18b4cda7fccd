// Plain TypeScript float64 kernels for the closed-form fits: the ridge models' Gram matrices and solves
// (data/linear.ts) and the orthogonal initializer's Cholesky QR (nn/orthonormal.ts). Float64 in JavaScript reaches
// 3-4 GFLOP/s on one core with the register-blocked 4 x 4 tile below; the WebAssembly kernels are float32.

/**
 * g[out + r ldg + c] += sum over k in [k0, k1) of x[(i+r) ldx + k] y[(j+c) ldy + k], r, c < 4: sixteen dot products
 * from eight loads per step.
 */
export function dot4x4(
  x: Float64Array,
  y: Float64Array,
  ldx: number,
  ldy: number,
  i: number,
  j: number,
  k0: number,
  k1: number,
  g: Float64Array,
  out: number,
  ldg: number,
): void {
  const a0 = i * ldx,
    a1 = a0 + ldx,
    a2 = a1 + ldx,
    a3 = a2 + ldx;
  const b0 = j * ldy,
    b1 = b0 + ldy,
    b2 = b1 + ldy,
    b3 = b2 + ldy;
  let s00 = 0,
    s01 = 0,
    s02 = 0,
    s03 = 0,
    s10 = 0,
    s11 = 0,
    s12 = 0,
    s13 = 0,
    s20 = 0,
    s21 = 0,
    s22 = 0,
    s23 = 0,
    s30 = 0,
    s31 = 0,
    s32 = 0,
    s33 = 0;
  for (let k = k0; k < k1; k++) {
    const x0 = x[a0 + k]!,
      x1 = x[a1 + k]!,
      x2 = x[a2 + k]!,
      x3 = x[a3 + k]!;
    const y0 = y[b0 + k]!,
      y1 = y[b1 + k]!,
      y2 = y[b2 + k]!,
      y3 = y[b3 + k]!;
    s00 += x0 * y0;
    s01 += x0 * y1;
    s02 += x0 * y2;
    s03 += x0 * y3;
    s10 += x1 * y0;
    s11 += x1 * y1;
    s12 += x1 * y2;
    s13 += x1 * y3;
    s20 += x2 * y0;
    s21 += x2 * y1;
    s22 += x2 * y2;
    s23 += x2 * y3;
    s30 += x3 * y0;
    s31 += x3 * y1;
    s32 += x3 * y2;
    s33 += x3 * y3;
  }
  let r = out;
  g[r]! += s00;
  g[r + 1]! += s01;
  g[r + 2]! += s02;
  g[r + 3]! += s03;
  r += ldg;
  g[r]! += s10;
  g[r + 1]! += s11;
  g[r + 2]! += s12;
  g[r + 3]! += s13;
  r += ldg;
  g[r]! += s20;
  g[r + 1]! += s21;
  g[r + 2]! += s22;
  g[r + 3]! += s23;
  r += ldg;
  g[r]! += s30;
  g[r + 1]! += s31;
  g[r + 2]! += s32;
  g[r + 3]! += s33;
}

/** In-place Cholesky of a symmetric positive definite (n, n) matrix (lower triangle); false if not SPD. */
export function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]!;
    for (let k = 0; k < j; k++) d -= a[rj + k]! * a[rj + k]!;
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    a[rj + j] = l;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = s / l;
    }
  }
  return true;
}

/** Solves L L^T X = B in place for B (n, m) row-major, L from cholesky(). */
export function cholSolve(l: Float64Array, n: number, b: Float64Array, m: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < i; k++) {
      const f = l[ri + k]!;
      if (f !== 0) for (let c = 0; c < m; c++) b[i * m + c]! -= f * b[k * m + c]!;
    }
    const d = l[ri + i]!;
    for (let c = 0; c < m; c++) b[i * m + c]! /= d;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const f = l[k * n + i]!;
      if (f !== 0) for (let c = 0; c < m; c++) b[i * m + c]! -= f * b[k * m + c]!;
    }
    const d = l[i * n + i]!;
    for (let c = 0; c < m; c++) b[i * m + c]! /= d;
  }
}
