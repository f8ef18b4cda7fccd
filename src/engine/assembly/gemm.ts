// GEMM kernels: C[M,N] = beta*C + op(A)[M,K] @ op(B)[K,N], row-major f32, byte pointers.
// op(A)[i][k] = transA ? A[k*lda + i] : A[i*lda + k]; op(B)[k][j] = transB ? B[j*ldb + k] : B[k*ldb + j].
// B is packed into panels of NR columns ([panel][k][NR], zero-padded); A is read in place through row/k strides,
// or, transposed with 16 rows or more, packed by row blocks first (gemm_slice). A 4x8 register-blocked
// micro-kernel does the work. K is blocked by KC so that one packed B slice stays in L2.
import { fma } from './simd';
import { fill_rows } from './vec';

export const MR: i32 = 4;
export const NR: i32 = 8;
export const KC: i32 = 256;

/** Packs op(B) rows [k0, k0+kc) x all N columns into panels of ps rows (ps >= kc): dst[(p*ps + k)*NR + j]. A
 *  panel stride above kc leaves room for rows packed by another call: [Wx; Wh] packed from two weights. */
export function pack_b(kc: i32, N: i32, B: usize, ldb: i32, transB: i32, k0: i32, dst: usize, ps: i32): void {
  const panels = (N + NR - 1) / NR;
  for (let p = 0; p < panels; p++) {
    const j0 = p * NR;
    const w = min(NR, N - j0);
    let d = dst + ((<usize>(p * ps) * NR) << 2);
    if (!transB) {
      let s = B + ((<usize>(k0 * ldb + j0)) << 2);
      const sstep = (<usize>ldb) << 2;
      if (w == NR) {
        for (let k = 0; k < kc; k++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          d += 32;
          s += sstep;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let j = 0; j < NR; j++) store<f32>(d + ((<usize>j) << 2), j < w ? load<f32>(s + ((<usize>j) << 2)) : 0);
          d += 32;
          s += sstep;
        }
      }
    } else if (w == NR) {
      // op(B)[k][j] = B[j*ldb + k]: read 8 rows of B four k at a time, transpose 4x4 blocks.
      const rb = (<usize>ldb) << 2;
      let s0 = B + ((<usize>(j0 * ldb + k0)) << 2);
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        for (let h: usize = 0; h < 2; h++) {
          const s = s0 + h * 4 * rb;
          const r0 = v128.load(s),
            r1 = v128.load(s + rb),
            r2 = v128.load(s + 2 * rb),
            r3 = v128.load(s + 3 * rb);
          const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5),
            t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
          const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7),
            t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
          const dh = d + h * 16;
          v128.store(dh, i64x2.shuffle(t0, t1, 0, 2));
          v128.store(dh + 32, i64x2.shuffle(t0, t1, 1, 3));
          v128.store(dh + 64, i64x2.shuffle(t2, t3, 0, 2));
          v128.store(dh + 96, i64x2.shuffle(t2, t3, 1, 3));
        }
        d += 128;
        s0 += 16;
      }
      for (; k < kc; k++) {
        for (let j = 0; j < NR; j++)
          store<f32>(d + ((<usize>j) << 2), load<f32>(B + ((<usize>((j0 + j) * ldb + k0 + k)) << 2)));
        d += 32;
      }
    } else {
      // op(B)[k][j] = B[j*ldb + k]
      for (let k = 0; k < kc; k++) {
        for (let j = 0; j < NR; j++) {
          store<f32>(d + ((<usize>j) << 2), j < w ? load<f32>(B + ((<usize>((j0 + j) * ldb + k0 + k)) << 2)) : 0);
        }
        d += 32;
      }
    }
  }
}

// 4 rows x 8 columns; a points at op(A)[i0][k0], ars = byte step between rows, aks = byte step along k.
// The tile starts from C (init LOAD_C), from zero (ZERO) or from the bias row at init (any other
// value is a pointer); in the last two cases C is only written.
@inline
function micro4x8(
  kc: i32,
  a: usize,
  ars: usize,
  aks: usize,
  b: usize,
  bks: usize,
  c: usize,
  ldcb: usize,
  init: usize,
): void {
  const c1 = c + ldcb,
    c2 = c1 + ldcb,
    c3 = c2 + ldcb;
  let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128;
  if (init == ZERO) {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = f32x4.splat(0);
  } else if (init != LOAD_C) {
    c00 = c10 = c20 = c30 = v128.load(init);
    c01 = c11 = c21 = c31 = v128.load(init, 16);
  } else {
    c00 = v128.load(c);
    c01 = v128.load(c, 16);
    c10 = v128.load(c1);
    c11 = v128.load(c1, 16);
    c20 = v128.load(c2);
    c21 = v128.load(c2, 16);
    c30 = v128.load(c3);
    c31 = v128.load(c3, 16);
  }
  const ars2 = ars + ars,
    ars3 = ars2 + ars;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b),
      b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a);
    const a1 = v128.load32_splat(a + ars);
    const a2 = v128.load32_splat(a + ars2);
    const a3 = v128.load32_splat(a + ars3);
    c00 = fma(a0, b0, c00);
    c01 = fma(a0, b1, c01);
    c10 = fma(a1, b0, c10);
    c11 = fma(a1, b1, c11);
    c20 = fma(a2, b0, c20);
    c21 = fma(a2, b1, c21);
    c30 = fma(a3, b0, c30);
    c31 = fma(a3, b1, c31);
    a += aks;
    b += bks;
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c1, c10);
  v128.store(c1, c11, 16);
  v128.store(c2, c20);
  v128.store(c2, c21, 16);
  v128.store(c3, c30);
  v128.store(c3, c31, 16);
}

@inline
function micro1x8(kc: i32, a: usize, aks: usize, b: usize, bks: usize, c: usize, init: usize): void {
  let c00: v128, c01: v128;
  if (init == ZERO) {
    c00 = c01 = f32x4.splat(0);
  } else {
    const src = init == LOAD_C ? c : init;
    c00 = v128.load(src);
    c01 = v128.load(src, 16);
  }
  for (let k = 0; k < kc; k++) {
    const a0 = v128.load32_splat(a);
    c00 = fma(a0, v128.load(b), c00);
    c01 = fma(a0, v128.load(b, 16), c01);
    a += aks;
    b += bks;
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
}

// Slices with kc * N at most this (packed B of 32 KB) are walked row block by row block.
const ROW_OUTER_MAX: i32 = 8192;

// A 4x8 tile used at the right edge (N % 8 != 0): the valid part of C is copied in and out. Its place is set by each
// instance (set_edge_scratch): a global is the instance's own, while static data would be one place in a memory the
// threads of a fit share, and two threads' edge tiles would write over each other.
let EDGE: usize = 0;

/** Where this instance keeps its edge tile (MR * NR floats, 16-byte aligned); the engine sets it once. */
export function set_edge_scratch(p: usize): void {
  EDGE = p;
}

// Where a tile of C starts (micro-kernels' init): C's current values, zero, or a bias row (a pointer).
const LOAD_C: usize = 0;
const ZERO: usize = 1;

// The init of the tile at column j0: a bias pointer moves with the columns.
@inline
function initAt(init: usize, j0: i32): usize {
  return init > ZERO ? init + ((<usize>j0) << 2) : init;
}

// Fills an edge buffer row with what the tile starts from (w valid columns, the rest 0).
@inline
function edgeRow(dst: usize, w: i32, init: usize, crow: usize): void {
  for (let j = 0; j < NR; j++) {
    let v: f32 = 0;
    if (j < w) v = init == ZERO ? 0 : load<f32>((init == LOAD_C ? crow : init) + ((<usize>j) << 2));
    store<f32>(dst + ((<usize>j) << 2), v);
  }
}

// One 4-row tile of C against panel p (columns j0 .. j0+8, fewer at the right edge).
@inline
function tile4(
  kc: i32,
  a: usize,
  ars: usize,
  aks: usize,
  Bp: usize,
  p: i32,
  N: i32,
  crow: usize,
  ldcb: usize,
  init: usize,
): void {
  const j0 = p * NR;
  const b = Bp + ((<usize>(p * kc) * NR) << 2);
  const w = min(NR, N - j0);
  const c = crow + ((<usize>j0) << 2);
  if (w == NR) {
    micro4x8(kc, a, ars, aks, b, 32, c, ldcb, initAt(init, j0));
  } else {
    for (let r = 0; r < MR; r++) edgeRow(EDGE + ((<usize>(r * NR)) << 2), w, initAt(init, j0), c + <usize>r * ldcb);
    micro4x8(kc, a, ars, aks, b, 32, EDGE, NR * 4, LOAD_C);
    for (let r = 0; r < MR; r++)
      for (let j = 0; j < w; j++)
        store<f32>(c + <usize>r * ldcb + ((<usize>j) << 2), load<f32>(EDGE + ((<usize>(r * NR + j)) << 2)));
  }
}

// Rows [0, Mfull) of C, in blocks of MR, against the packed slice: row block i/MR of op(A) starts at
// a0 + (i/MR) * arbs, its rows ars bytes apart and its k steps aks bytes apart (in place, or packed by pack_a_trans).
@inline
function rowBlocks(
  Mfull: i32,
  N: i32,
  kc: i32,
  a0: usize,
  ars: usize,
  aks: usize,
  arbs: usize,
  Bp: usize,
  C: usize,
  ldcb: usize,
  init: usize,
): void {
  const panels = (N + NR - 1) / NR;
  const cbs = ldcb * MR;
  if (kc * N <= ROW_OUTER_MAX) {
    // A short slice (small K): all of packed B fits in L1, so go row block by row block and
    // write each C row from left to right (panel order would write half cache lines far apart).
    let a = a0,
      crow = C;
    for (let i = 0; i < Mfull; i += MR) {
      for (let p = 0; p < panels; p++) tile4(kc, a, ars, aks, Bp, p, N, crow, ldcb, init);
      a += arbs;
      crow += cbs;
    }
  } else {
    // Panel-outer order: one packed B panel (kc x 8) stays in L1 while every row block uses it.
    for (let p = 0; p < panels; p++) {
      let a = a0,
        crow = C;
      for (let i = 0; i < Mfull; i += MR) {
        tile4(kc, a, ars, aks, Bp, p, N, crow, ldcb, init);
        a += arbs;
        crow += cbs;
      }
    }
  }
}

// Rows [Mfull, M) of C, one at a time, op(A) read in place.
@inline
function lastRows(
  Mfull: i32,
  M: i32,
  N: i32,
  kc: i32,
  abase: usize,
  ars: usize,
  aks: usize,
  Bp: usize,
  C: usize,
  ldcb: usize,
  init: usize,
): void {
  const panels = (N + NR - 1) / NR;
  for (let i = Mfull; i < M; i++) {
    const a = abase + <usize>i * ars;
    const crow = C + <usize>i * ldcb;
    for (let p = 0; p < panels; p++) {
      const j0 = p * NR;
      const b = Bp + ((<usize>(p * kc) * NR) << 2);
      const w = min(NR, N - j0);
      const c = crow + ((<usize>j0) << 2);
      if (w == NR) {
        micro1x8(kc, a, aks, b, 32, c, initAt(init, j0));
      } else {
        edgeRow(EDGE, w, initAt(init, j0), c);
        micro1x8(kc, a, aks, b, 32, EDGE, LOAD_C);
        for (let j = 0; j < w; j++) store<f32>(c + ((<usize>j) << 2), load<f32>(EDGE + ((<usize>j) << 2)));
      }
    }
  }
}

/** Packs the rows [0, Mfull) of a transposed op(A) (op(A)[i][k] = A[k*lda + i]) over k [k0, k0+kc) into row
 *  blocks: dst[(i/MR * kc + k) * MR + i%MR]. In place, each k step of a row block reads a different row of A
 *  (lda floats apart, a cache line for 16 bytes); packed, a row block's slice is one contiguous run. */
function pack_a_trans(kc: i32, Mfull: i32, A: usize, lda: i32, k0: i32, dst: usize): void {
  const rb = (<usize>lda) << 2;
  const blockBytes = <usize>kc * MR * 4;
  let s = A + <usize>k0 * rb;
  let d = dst;
  for (let k = 0; k < kc; k++) {
    let di = d;
    for (let i = 0; i < Mfull; i += MR) {
      v128.store(di, v128.load(s + ((<usize>i) << 2)));
      di += blockBytes;
    }
    s += rb;
    d += 16;
  }
}

// Packing a transposed A pays for itself once it is read by at least this many panels of B, and when its rows
// (M floats at least) are longer than a cache line: shorter ones are read nearly contiguously in place.
const PACK_A_MIN_PANELS: i32 = 2;
const PACK_A_MIN_ROWS: i32 = 16;

/** C[M,N] = init + op(A)[M, k0:k0+kc] @ packed slice (panels of kc rows), where init is C itself (LOAD_C), zero
 *  (ZERO) or a bias row of N floats (its pointer). A transposed A is packed into Ap first when Ap is given (not 0),
 *  it has at least PACK_A_MIN_ROWS rows and B at least PACK_A_MIN_PANELS panels; else op(A) is read in place. */
function gemm_slice(
  M: i32,
  N: i32,
  kc: i32,
  A: usize,
  lda: i32,
  transA: i32,
  k0: i32,
  Bp: usize,
  C: usize,
  ldc: i32,
  init: usize,
  Ap: usize,
): void {
  const ars: usize = transA ? 4 : (<usize>lda) << 2;
  const aks: usize = transA ? (<usize>lda) << 2 : 4;
  const ldcb = (<usize>ldc) << 2;
  const abase = A + <usize>k0 * aks;
  const Mfull = M - (M % MR);
  if (Ap && transA && M >= PACK_A_MIN_ROWS && (N + NR - 1) / NR >= PACK_A_MIN_PANELS) {
    pack_a_trans(kc, Mfull, A, lda, k0, Ap);
    rowBlocks(Mfull, N, kc, Ap, 4, MR * 4, <usize>kc * MR * 4, Bp, C, ldcb, init);
  } else {
    rowBlocks(Mfull, N, kc, abase, ars, aks, ars * MR, Bp, C, ldcb, init);
  }
  lastRows(Mfull, M, N, kc, abase, ars, aks, Bp, C, ldcb, init);
}

// Products with at most this many rows of C read B where it lies instead of packing it: each packed panel would be
// read by one or two row blocks only, so packing (a write of all of B, and a read back from far caches) costs more
// than it saves. dWx = x^T dXP has the inputs' features as rows (1 for a univariate series): seed-gru1000's packed
// copy of dXP was 1.8 MB a thread, every batch.
const UNPACKED_B_MAX_M: i32 = 2 * MR;

/** gemm_slice for op(B) = B (not transposed) read in place, rows ldb floats apart: full panels of NR columns one
 *  after the other, every row of C against each; the last, narrower panel is packed (zero-padded) and done by
 *  gemm_slice. */
function gemm_slice_in_place(
  M: i32,
  N: i32,
  kc: i32,
  A: usize,
  lda: i32,
  transA: i32,
  k0: i32,
  B: usize,
  ldb: i32,
  C: usize,
  ldc: i32,
  init: usize,
  work: usize,
): void {
  const ars: usize = transA ? 4 : (<usize>lda) << 2;
  const aks: usize = transA ? (<usize>lda) << 2 : 4;
  const bks: usize = (<usize>ldb) << 2;
  const ldcb = (<usize>ldc) << 2;
  const abase = A + <usize>k0 * aks;
  const bbase = B + <usize>k0 * bks;
  const Mfull = M - (M % MR);
  const full = N / NR;
  for (let p = 0; p < full; p++) {
    const j0 = p * NR;
    const b = bbase + ((<usize>j0) << 2);
    const at = initAt(init, j0);
    let a = abase,
      c = C + ((<usize>j0) << 2);
    let i = 0;
    for (; i < Mfull; i += MR) {
      micro4x8(kc, a, ars, aks, b, bks, c, ldcb, at);
      a += ars * MR;
      c += ldcb * MR;
    }
    for (; i < M; i++) {
      micro1x8(kc, a, aks, b, bks, c, at);
      a += ars;
      c += ldcb;
    }
  }
  const j0 = full * NR;
  if (j0 < N) {
    pack_b(kc, N - j0, B + ((<usize>j0) << 2), ldb, 0, k0, work, kc);
    gemm_slice(M, N - j0, kc, A, lda, transA, k0, work, C + ((<usize>j0) << 2), ldc, initAt(init, j0), 0);
  }
}

/** C = beta*C on an M x N block with leading dimension ldc (beta 0 writes zeros, ignoring NaN in C). */
export function scale_block(M: i32, N: i32, C: usize, ldc: i32, beta: f32): void {
  if (beta == 1) return;
  const vb = f32x4.splat(beta);
  for (let i = 0; i < M; i++) {
    let c = C + ((<usize>(i * ldc)) << 2);
    let j = 0;
    if (beta == 0) {
      for (; j + 4 <= N; j += 4) {
        v128.store(c, f32x4.splat(0));
        c += 16;
      }
      for (; j < N; j++) {
        store<f32>(c, 0);
        c += 4;
      }
    } else {
      for (; j + 4 <= N; j += 4) {
        v128.store(c, f32x4.mul(v128.load(c), vb));
        c += 16;
      }
      for (; j < N; j++) {
        store<f32>(c, load<f32>(c) * beta);
        c += 4;
      }
    }
  }
}

/** General GEMM; work must hold KC * roundup(N, 8) floats for the packed B slice, and KC * M more after them when
 *  transA (the packed A slice).
 *  With bias not 0 (N floats): C = bias row + op(A) op(B), beta ignored and C never read. */
export function gemm(
  M: i32,
  N: i32,
  K: i32,
  A: usize,
  lda: i32,
  transA: i32,
  B: usize,
  ldb: i32,
  transB: i32,
  C: usize,
  ldc: i32,
  beta: f32,
  work: usize,
  bias: usize,
): void {
  if (K == 0 || M == 0 || N == 0) {
    if (bias) fill_rows(M, N, C, ldc, bias);
    else scale_block(M, N, C, ldc, beta);
    return;
  }
  let init = bias ? bias : beta == 0 ? ZERO : LOAD_C;
  if (init == LOAD_C) scale_block(M, N, C, ldc, beta);
  const Ap = work + ((<usize>(KC * (((N + NR - 1) / NR) * NR))) << 2);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    if (!transB && M <= UNPACKED_B_MAX_M) gemm_slice_in_place(M, N, kc, A, lda, transA, k0, B, ldb, C, ldc, init, work);
    else {
      pack_b(kc, N, B, ldb, transB, k0, work, kc);
      gemm_slice(M, N, kc, A, lda, transA, k0, work, C, ldc, init, Ap);
    }
    init = LOAD_C;
  }
}

/** GEMM against a B packed once with pack_b over its whole K (kc = K): for weights reused every timestep.
 *  With bias not 0 (N floats): C = bias row + op(A) op(B), beta ignored and C never read. */
export function gemm_prepacked(
  M: i32,
  N: i32,
  K: i32,
  A: usize,
  lda: i32,
  transA: i32,
  Bp: usize,
  C: usize,
  ldc: i32,
  beta: f32,
  bias: usize,
): void {
  if (K == 0 || M == 0 || N == 0) {
    if (bias) fill_rows(M, N, C, ldc, bias);
    else scale_block(M, N, C, ldc, beta);
    return;
  }
  if (!bias && beta != 0) scale_block(M, N, C, ldc, beta);
  gemm_slice(M, N, K, A, lda, transA, 0, Bp, C, ldc, bias ? bias : beta == 0 ? ZERO : LOAD_C, 0);
}
