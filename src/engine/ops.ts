// The kernel interface the layers use: buffers plus float offsets, checked against the buffer's
// extent before the raw kernel runs (an out-of-range write would corrupt other buffers silently).

import { ValueError } from '../errors.js';
import { type Buf, type Engine, getEngine, KC, NR } from './engine.js';

/** A row-major matrix inside a buffer: element (i, j) at off + i*ld + j. */
export interface Mat {
  readonly buf: Buf;
  readonly off: number;
  readonly ld: number;
}

/** op(B) packed into NR-wide panels over its whole K, for a weight reused by many GEMMs. */
export interface PackedB {
  readonly buf: Buf;
  readonly K: number;
  readonly N: number;
}

/** Activation ids shared with the kernels (src/engine/assembly/act.ts). */
export const ACT = { linear: 0, sigmoid: 1, hard_sigmoid: 2, tanh: 3, relu: 4, softsign: 5, elu: 6 } as const;
export type ActivationName = keyof typeof ACT;

export function mat(buf: Buf, ld: number, off = 0): Mat {
  return { buf, off, ld };
}

function check(name: string, m: Mat, rows: number, cols: number): void {
  if (rows === 0 || cols === 0) return;
  const end = m.off + (rows - 1) * m.ld + cols;
  if (m.off < 0 || cols > m.ld || end > m.buf.length) {
    throw new ValueError(
      `${name}: a ${rows}x${cols} matrix at offset ${m.off} with ld ${m.ld} ` +
        `overruns a buffer of ${m.buf.length} floats`,
    );
  }
}

function checkSpan(name: string, b: Buf, off: number, n: number): void {
  if (off < 0 || n < 0 || off + n > b.length)
    throw new ValueError(`${name}: span [${off}, ${off + n}) outside a buffer of ${b.length} floats`);
}

const p = (m: Mat): number => m.buf.ptr + m.off * 4;

export class Ops {
  private work: Buf;
  constructor(readonly engine: Engine) {
    this.work = engine.alloc(KC * NR);
  }

  /** The gemm kernel's scratch for N columns: a packed slice of B (KC x N), and of a transposed A (KC x M) after it. */
  static scratchFloats(N: number, transA: boolean, M: number): number {
    return KC * (Math.ceil(N / NR) * NR + (transA ? M : 0));
  }

  /** Floats of the scratch this Ops holds: the largest any of its products has needed (it grows, never shrinks). */
  get scratchHeld(): number {
    return this.work.length;
  }

  private workFor(N: number, transA: boolean, M: number): number {
    this.reserveScratch(Ops.scratchFloats(N, transA, M));
    return this.work.ptr;
  }

  /**
   * Makes the scratch at least `floats` now: a training step reserves its largest product's before its first step,
   * so that the scratch is made once, not grown product by product, each smaller one left behind as a hole.
   */
  reserveScratch(floats: number): void {
    if (floats <= this.work.length) return;
    this.engine.release(this.work);
    this.work = this.engine.alloc(floats);
  }

  /** C = beta*C + op(A) @ op(B); op(A) is M x K, op(B) is K x N. */
  gemm(M: number, N: number, K: number, A: Mat, transA: boolean, B: Mat, transB: boolean, C: Mat, beta: number): void {
    this.checkedGemm('gemm', M, N, K, A, transA, B, transB, C, beta, 0);
  }

  /** C = (bias row, N floats from bias at boff, on every row) + op(A) @ op(B), without reading C first. */
  gemmBias(
    M: number,
    N: number,
    K: number,
    A: Mat,
    transA: boolean,
    B: Mat,
    transB: boolean,
    C: Mat,
    bias: Buf,
    boff: number,
  ): void {
    checkSpan('gemmBias bias', bias, boff, N);
    this.checkedGemm('gemmBias', M, N, K, A, transA, B, transB, C, 0, bias.ptr + boff * 4);
  }

  private checkedGemm(
    name: string,
    M: number,
    N: number,
    K: number,
    A: Mat,
    transA: boolean,
    B: Mat,
    transB: boolean,
    C: Mat,
    beta: number,
    biasPtr: number,
  ): void {
    check(`${name} A`, A, transA ? K : M, transA ? M : K);
    check(`${name} B`, B, transB ? N : K, transB ? K : N);
    check(`${name} C`, C, M, N);
    const work = this.workFor(N, transA, M);
    this.engine.k.gemm(M, N, K, p(A), A.ld, +transA, p(B), B.ld, +transB, p(C), C.ld, beta, work, biasPtr);
  }

  /** Floats needed to pack a K x N op(B). */
  static packedSize(K: number, N: number): number {
    return Math.max(1, K * Math.ceil(N / NR) * NR);
  }

  /** Packs op(B) (K x N) into dst, which holds packedSize(K, N) floats. */
  packB(K: number, N: number, B: Mat, transB: boolean, dst: Buf): PackedB {
    check('packB B', B, transB ? N : K, transB ? K : N);
    checkSpan('packB dst', dst, 0, Ops.packedSize(K, N));
    this.engine.k.pack_b(K, N, p(B), B.ld, +transB, 0, dst.ptr, K);
    return { buf: dst, K, N };
  }

  /** The matrices [B1; B2; ...] (each K_i x N, not transposed) stacked along K and packed as one: [Wx; Wh]. */
  packBStacked(parts: readonly { K: number; B: Mat }[], N: number, dst: Buf): PackedB {
    const K = parts.reduce((s, q) => s + q.K, 0);
    checkSpan('packBStacked dst', dst, 0, Ops.packedSize(K, N));
    let k0 = 0;
    for (const q of parts) {
      check('packBStacked B', q.B, q.K, N);
      this.engine.k.pack_b(q.K, N, p(q.B), q.B.ld, 0, 0, dst.ptr + k0 * NR * 4, K);
      k0 += q.K;
    }
    return { buf: dst, K, N };
  }

  /** C (M x N) = beta*C + op(A) (M x K) @ packed B, or with a bias (N floats at boff): bias row + op(A) @ B. */
  gemmPacked(M: number, A: Mat, transA: boolean, Bp: PackedB, C: Mat, beta: number, bias?: Buf, boff = 0): void {
    check('gemmPacked A', A, transA ? Bp.K : M, transA ? M : Bp.K);
    check('gemmPacked C', C, M, Bp.N);
    if (bias) checkSpan('gemmPacked bias', bias, boff, Bp.N);
    const bp = bias ? bias.ptr + boff * 4 : 0;
    this.engine.k.gemm_prepacked(M, Bp.N, Bp.K, p(A), A.ld, +transA, Bp.buf.ptr, p(C), C.ld, beta, bp);
  }

  fillRows(M: number, N: number, dst: Mat, v: Buf, voff = 0): void {
    check('fillRows dst', dst, M, N);
    checkSpan('fillRows v', v, voff, N);
    this.engine.k.fill_rows(M, N, p(dst), dst.ld, v.ptr + voff * 4);
  }
  copyRows(M: number, N: number, src: Mat, dst: Mat): void {
    check('copyRows src', src, M, N);
    check('copyRows dst', dst, M, N);
    this.engine.k.copy_rows(M, N, p(src), src.ld, p(dst), dst.ld);
  }
  /** dst = src * mask, mask M x N contiguous. */
  mulRows(M: number, N: number, src: Mat, mask: Mat, dst: Mat): void {
    check('mulRows src', src, M, N);
    check('mulRows mask', mask, M, N);
    check('mulRows dst', dst, M, N);
    if (mask.ld !== N) throw new ValueError(`mulRows: mask must be contiguous (ld ${N}), received ld ${mask.ld}`);
    this.engine.k.mul_rows(M, N, p(src), src.ld, p(mask), p(dst), dst.ld);
  }
  addRows(M: number, N: number, src: Mat, dst: Mat): void {
    check('addRows src', src, M, N);
    check('addRows dst', dst, M, N);
    this.engine.k.add_rows(M, N, p(src), src.ld, p(dst), dst.ld);
  }
  /** out[j] = beta*out[j] + sum_i A[i][j]. */
  colsum(M: number, N: number, A: Mat, out: Buf, ooff: number, beta: number): void {
    check('colsum A', A, M, N);
    checkSpan('colsum out', out, ooff, N);
    this.engine.k.colsum(M, N, p(A), A.ld, out.ptr + ooff * 4, beta);
  }
  actRows(id: number, M: number, N: number, x: Mat): void {
    check('actRows x', x, M, N);
    this.engine.k.act_rows(id, M, N, p(x), x.ld);
  }
  /** dy *= act'(y), act' written in terms of the output y. */
  dactRows(id: number, M: number, N: number, y: Mat, dy: Mat): void {
    check('dactRows y', y, M, N);
    check('dactRows dy', dy, M, N);
    this.engine.k.dact_rows(id, M, N, p(y), y.ld, p(dy), dy.ld);
  }
  sumsq(b: Buf, off = 0, n = b.length - off): number {
    checkSpan('sumsq', b, off, n);
    return this.engine.k.sumsq(b.ptr + off * 4, n);
  }
  sumabs(b: Buf, off = 0, n = b.length - off): number {
    checkSpan('sumabs', b, off, n);
    return this.engine.k.sumabs(b.ptr + off * 4, n);
  }
  scale(b: Buf, s: number, off = 0, n = b.length - off): void {
    checkSpan('scale', b, off, n);
    this.engine.k.scale(b.ptr + off * 4, n, s);
  }
  /** y += a x over n floats. */
  axpy(n: number, a: number, x: Buf, xoff: number, y: Buf, yoff: number): void {
    checkSpan('axpy x', x, xoff, n);
    checkSpan('axpy y', y, yoff, n);
    this.engine.k.axpy(n, a, x.ptr + xoff * 4, y.ptr + yoff * 4);
  }
  clamp(b: Buf, lo: number, hi: number): void {
    this.engine.k.clamp(b.ptr, b.length, lo, hi);
  }
  /** Adds the gradient of l1 sum|w| + l2 sum w^2 over params[off, off+n) into grads; returns the penalty. */
  regularize(params: Buf, grads: Buf, off: number, n: number, l1: number, l2: number): number {
    checkSpan('regularize params', params, off, n);
    checkSpan('regularize grads', grads, off, n);
    return this.engine.k.reg_apply(params.ptr + off * 4, grads.ptr + off * 4, n, l1, l2);
  }
  allFinite(b: Buf, off = 0, n = b.length - off): boolean {
    checkSpan('allFinite', b, off, n);
    return this.engine.k.all_finite(b.ptr + off * 4, n) === 1;
  }

  // Fused recurrent steps. Pointers are (buffer, float offset); a null buffer stands for zeros
  // (the zero initial state, or no gradient arriving from the output at this step).
  gruForwardStep(
    B: number,
    H: number,
    xp: Mat,
    hp: Mat | null,
    bh: Buf,
    bhOff: number,
    hprev: Mat | null,
    hout: Mat,
    g: Mat,
    act: number,
    ract: number,
  ): void {
    check('gru xp', xp, B, 3 * H);
    if (hp) check('gru hp', hp, B, 3 * H);
    checkSpan('gru bh', bh, bhOff, 3 * H);
    if (hprev) check('gru hprev', hprev, B, H);
    check('gru hout', hout, B, H);
    check('gru g', g, B, 4 * H);
    if (hprev && hprev.ld !== hout.ld) throw new ValueError('gru: hprev and hout must share a leading dimension');
    if ((hp && hp.ld !== 3 * H) || g.ld !== 4 * H) throw new ValueError('gru: hp and g must be contiguous rows');
    this.engine.k.gru_fwd_step(
      B,
      H,
      p(xp),
      xp.ld,
      hp ? p(hp) : 0,
      bh.ptr + bhOff * 4,
      hprev ? p(hprev) : 0,
      hout.ld,
      p(hout),
      p(g),
      act,
      ract,
    );
  }
  /**
   * One GRU step backwards (gru_bwd_step). dhp null writes no dhp (a step whose dhp feeds only the recurrent bias's
   * gradient); `bias` adds the step's column sums of dxp and dhp to the gradients of the input and recurrent biases
   * (3H floats each at offsets x and h of grads), as colsum would, to the bit.
   */
  gruBackwardStep(
    B: number,
    H: number,
    g: Mat,
    hprev: Mat | null,
    dy: Mat | null,
    dcarry: Mat,
    dxp: Mat,
    dhp: Mat | null,
    act: number,
    ract: number,
    bias?: { grads: Buf; x: number; h: number },
  ): void {
    check('gru g', g, B, 4 * H);
    if (hprev) check('gru hprev', hprev, B, H);
    if (dy) check('gru dy', dy, B, H);
    check('gru dcarry', dcarry, B, H);
    check('gru dxp', dxp, B, 3 * H);
    if (dhp) check('gru dhp', dhp, B, 3 * H);
    if (bias) {
      checkSpan('gru bias x', bias.grads, bias.x, 3 * H);
      checkSpan('gru bias h', bias.grads, bias.h, 3 * H);
    }
    if (g.ld !== 4 * H || dcarry.ld !== H || dxp.ld !== 3 * H || (dhp && dhp.ld !== 3 * H))
      throw new ValueError('gru backward: g, dcarry, dxp, dhp must be contiguous rows');
    this.engine.k.gru_bwd_step(
      B,
      H,
      p(g),
      hprev ? p(hprev) : 0,
      hprev ? hprev.ld : 0,
      dy ? p(dy) : 0,
      dy ? dy.ld : 0,
      p(dcarry),
      p(dxp),
      dhp ? p(dhp) : 0,
      act,
      ract,
      bias ? bias.grads.ptr + bias.x * 4 : 0,
      bias ? bias.grads.ptr + bias.h * 4 : 0,
    );
  }
  lstmForwardStep(
    B: number,
    H: number,
    xp: Mat,
    hp: Mat | null,
    cprev: Mat | null,
    c: Mat,
    a: Mat,
    hout: Mat,
    g: Mat,
    act: number,
    ract: number,
  ): void {
    check('lstm xp', xp, B, 4 * H);
    if (hp) check('lstm hp', hp, B, 4 * H);
    if (cprev) check('lstm cprev', cprev, B, H);
    check('lstm c', c, B, H);
    check('lstm a', a, B, H);
    check('lstm hout', hout, B, H);
    check('lstm g', g, B, 4 * H);
    if (
      xp.ld !== 4 * H ||
      (hp && hp.ld !== 4 * H) ||
      g.ld !== 4 * H ||
      c.ld !== H ||
      a.ld !== H ||
      (cprev && cprev.ld !== H)
    )
      throw new ValueError('lstm: xp, hp, g, c, a must be contiguous rows');
    this.engine.k.lstm_fwd_step(
      B,
      H,
      p(xp),
      hp ? p(hp) : 0,
      cprev ? p(cprev) : 0,
      p(c),
      p(a),
      p(hout),
      hout.ld,
      p(g),
      act,
      ract,
    );
  }
  lstmBackwardStep(
    B: number,
    H: number,
    g: Mat,
    cprev: Mat | null,
    a: Mat,
    dy: Mat | null,
    dch: Mat,
    dcc: Mat,
    dg: Mat,
    act: number,
    ract: number,
  ): void {
    check('lstm g', g, B, 4 * H);
    if (cprev) check('lstm cprev', cprev, B, H);
    check('lstm a', a, B, H);
    if (dy) check('lstm dy', dy, B, H);
    check('lstm dch', dch, B, H);
    check('lstm dcc', dcc, B, H);
    check('lstm dg', dg, B, 4 * H);
    if (g.ld !== 4 * H || a.ld !== H || dch.ld !== H || dcc.ld !== H || dg.ld !== 4 * H || (cprev && cprev.ld !== H))
      throw new ValueError('lstm backward: buffers must be contiguous rows');
    this.engine.k.lstm_bwd_step(
      B,
      H,
      p(g),
      cprev ? p(cprev) : 0,
      p(a),
      dy ? p(dy) : 0,
      dy ? dy.ld : 0,
      p(dch),
      p(dcc),
      p(dg),
      act,
      ract,
    );
  }
  rnnForwardStep(B: number, H: number, xp: Mat, hp: Mat | null, hout: Mat, act: number): void {
    check('rnn xp', xp, B, H);
    if (hp) check('rnn hp', hp, B, H);
    check('rnn hout', hout, B, H);
    if (xp.ld !== H || (hp && hp.ld !== H)) throw new ValueError('rnn: xp and hp must be contiguous rows');
    this.engine.k.rnn_fwd_step(B, H, p(xp), hp ? p(hp) : 0, p(hout), hout.ld, act);
  }
  rnnBackwardStep(B: number, H: number, h: Mat, dy: Mat | null, dcarry: Mat, dg: Mat, act: number): void {
    check('rnn h', h, B, H);
    if (dy) check('rnn dy', dy, B, H);
    check('rnn dcarry', dcarry, B, H);
    check('rnn dg', dg, B, H);
    if (dcarry.ld !== H || dg.ld !== H) throw new ValueError('rnn backward: dcarry and dg must be contiguous rows');
    this.engine.k.rnn_bwd_step(B, H, p(h), h.ld, dy ? p(dy) : 0, dy ? dy.ld : 0, p(dcarry), p(dg), act);
  }
}

let sharedOps: Ops | undefined;
/** The kernel interface over this thread's engine. */
export function getOps(engine?: Engine): Ops {
  if (engine) return new Ops(engine);
  if (!sharedOps) sharedOps = new Ops(getEngine());
  return sharedOps;
}
