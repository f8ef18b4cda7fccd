// Element-wise and reduction kernels on strided matrices (M rows of N, leading dimension ld).

/** dst[i][j] = v[j]: broadcast a row vector (bias) into every row. */
export function fill_rows(M: i32, N: i32, dst: usize, ld: i32, v: usize): void {
  for (let i = 0; i < M; i++) memory.copy(dst + ((<usize>(i * ld)) << 2), v, (<usize>N) << 2);
}

/** dst (M x N, ldd) = src (M x N, lds). */
export function copy_rows(M: i32, N: i32, src: usize, lds: i32, dst: usize, ldd: i32): void {
  for (let i = 0; i < M; i++)
    memory.copy(dst + ((<usize>(i * ldd)) << 2), src + ((<usize>(i * lds)) << 2), (<usize>N) << 2);
}

/** dst (M x N, ldd) = src (M x N, lds) * mask (M x N contiguous). In place allowed. */
export function mul_rows(M: i32, N: i32, src: usize, lds: i32, mask: usize, dst: usize, ldd: i32): void {
  for (let i = 0; i < M; i++) {
    let s = src + ((<usize>(i * lds)) << 2),
      d = dst + ((<usize>(i * ldd)) << 2),
      m = mask + ((<usize>(i * N)) << 2);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      v128.store(d, f32x4.mul(v128.load(s), v128.load(m)));
      s += 16;
      d += 16;
      m += 16;
    }
    for (; j < N; j++) {
      store<f32>(d, load<f32>(s) * load<f32>(m));
      s += 4;
      d += 4;
      m += 4;
    }
  }
}

/** dst (M x N, ldd) += src (M x N, lds). */
export function add_rows(M: i32, N: i32, src: usize, lds: i32, dst: usize, ldd: i32): void {
  for (let i = 0; i < M; i++) {
    let s = src + ((<usize>(i * lds)) << 2),
      d = dst + ((<usize>(i * ldd)) << 2);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      v128.store(d, f32x4.add(v128.load(d), v128.load(s)));
      s += 16;
      d += 16;
    }
    for (; j < N; j++) {
      store<f32>(d, load<f32>(d) + load<f32>(s));
      s += 4;
      d += 4;
    }
  }
}

/** out[j] = beta*out[j] + sum_i A[i][j]; rows are read in order (one pass over A). */
export function colsum(M: i32, N: i32, A: usize, lda: i32, out: usize, beta: f32): void {
  if (beta != 1) {
    for (let j = 0; j < N; j++) {
      const o = out + ((<usize>j) << 2);
      store<f32>(o, beta == 0 ? 0 : load<f32>(o) * beta);
    }
  }
  // Four rows a turn: out + a0 + a1 + a2 + a3 in that order (the sums of one row at a time, to the bit) with one
  // load and one store of out per four rows instead of four.
  const rb = (<usize>lda) << 2;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    let a = A + ((<usize>(i * lda)) << 2),
      o = out;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const s = f32x4.add(f32x4.add(v128.load(o), v128.load(a)), v128.load(a + rb));
      v128.store(o, f32x4.add(f32x4.add(s, v128.load(a + 2 * rb)), v128.load(a + 3 * rb)));
      a += 16;
      o += 16;
    }
    for (; j < N; j++) {
      const s = load<f32>(o) + load<f32>(a) + load<f32>(a + rb);
      store<f32>(o, s + load<f32>(a + 2 * rb) + load<f32>(a + 3 * rb));
      a += 4;
      o += 4;
    }
  }
  for (; i < M; i++) {
    let a = A + ((<usize>(i * lda)) << 2),
      o = out;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      v128.store(o, f32x4.add(v128.load(o), v128.load(a)));
      a += 16;
      o += 16;
    }
    for (; j < N; j++) {
      store<f32>(o, load<f32>(o) + load<f32>(a));
      a += 4;
      o += 4;
    }
  }
}

// Sums of squares add into f64x2 accumulators, one per 4 floats of a turn of 8: an f64 add waits for the one before
// it on the same accumulator.

/** a + the squares of v's four floats, in f64. */
@inline
function squares(v: v128, a: v128): v128 {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f64x2.add(a, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
}

/** The four lanes of two accumulators added up. */
@inline
function lanes(a: v128, b: v128): f64 {
  const s = f64x2.add(a, b);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** sum of squares of n floats, accumulated in f64 lanes. */
export function sumsq(x: usize, n: i32): f64 {
  let a = f64x2.splat(0),
    b = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    a = squares(v128.load(x), a);
    b = squares(v128.load(x, 16), b);
    x += 32;
  }
  let acc = lanes(a, b);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x);
    acc += v * v;
    x += 4;
  }
  return acc;
}

/** sum of |x| of n floats. */
export function sumabs(x: usize, n: i32): f64 {
  let acc: f64 = 0;
  for (let i = 0; i < n; i++) acc += <f64>Mathf.abs(load<f32>(x + ((<usize>i) << 2)));
  return acc;
}

/** x[i] *= s. */
export function scale(x: usize, n: i32, s: f32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(x, f32x4.mul(v128.load(x), vs));
    x += 16;
  }
  for (; i < n; i++) {
    store<f32>(x, load<f32>(x) * s);
    x += 4;
  }
}

/** y[i] += a * x[i]. */
export function axpy(n: i32, a: f32, x: usize, y: usize): void {
  const va = f32x4.splat(a);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(y, f32x4.add(v128.load(y), f32x4.mul(va, v128.load(x))));
    x += 16;
    y += 16;
  }
  for (; i < n; i++) {
    store<f32>(y, load<f32>(y) + a * load<f32>(x));
    x += 4;
    y += 4;
  }
}

/**
 * y[i] = s * y[i] + a * x[i], rounded as scale then axpy are, and the sum of squares of the new y: one pass where
 * scale, axpy and sumsq took three (the sum of two threads' gradients and its norm, src/train/threads).
 */
export function scale_axpy_sumsq(n: i32, s: f32, y: usize, a: f32, x: usize): f64 {
  const vs = f32x4.splat(s),
    va = f32x4.splat(a);
  let sa = f64x2.splat(0),
    sb = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const v = f32x4.add(f32x4.mul(v128.load(y), vs), f32x4.mul(va, v128.load(x)));
    const w = f32x4.add(f32x4.mul(v128.load(y, 16), vs), f32x4.mul(va, v128.load(x, 16)));
    v128.store(y, v);
    v128.store(y, w, 16);
    sa = squares(v, sa);
    sb = squares(w, sb);
    x += 32;
    y += 32;
  }
  let acc = lanes(sa, sb);
  for (; i < n; i++) {
    const v: f32 = load<f32>(y) * s + a * load<f32>(x);
    store<f32>(y, v);
    acc += <f64>v * <f64>v;
    x += 4;
    y += 4;
  }
  return acc;
}

/** x[0..n) = 0 (a memset: the gradients before each backward pass). */
export function zero(x: usize, n: i32): void {
  memory.fill(x, 0, (<usize>n) << 2);
}

/** x[i] = clamp(x[i], lo, hi). */
export function clamp(x: usize, n: i32, lo: f32, hi: f32): void {
  const vl = f32x4.splat(lo),
    vh = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(x, f32x4.min(f32x4.max(v128.load(x), vl), vh));
    x += 16;
  }
  for (; i < n; i++) {
    store<f32>(x, min<f32>(max<f32>(load<f32>(x), lo), hi));
    x += 4;
  }
}

/** 1 when every one of n floats is finite, else 0. */
export function all_finite(x: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + ((<usize>i) << 2));
    if (!isFinite<f32>(v)) return 0;
  }
  return 1;
}

/**
 * Weight penalty l1 sum|w| + l2 sum w^2 (Keras' L1L2); adds its gradient l1 sign(w) + 2 l2 w to g.
 * Returns the penalty.
 */
export function reg_apply(p: usize, g: usize, n: i32, l1: f32, l2: f32): f64 {
  let pen: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    const w = load<f32>(p + o);
    pen += <f64>l1 * <f64>Mathf.abs(w) + <f64>l2 * <f64>w * <f64>w;
    const s: f32 = w > 0 ? 1 : w < 0 ? -1 : 0;
    store<f32>(g + o, load<f32>(g + o) + l1 * s + 2 * l2 * w);
  }
  return pen;
}
