// GRU, LSTM and SimpleRNN layers, fused over the whole sequence as cuDNN does: each step is one
// GEMM (against a weight packed once per pass) plus one fused gate kernel, and the weight gradients
// are one GEMM each at the end of the backward pass. GRU projects the inputs of all timesteps by one
// GEMM first (its candidate gate needs x Wx and h Wh apart); LSTM and SimpleRNN take bias + x_t Wx +
// h_{t-1} Wh in each step's GEMM, against [Wx; Wh] packed as one (see stacked). Weights: kernel (F, G*H),
// recurrentKernel (H, G*H), bias (G*H), GRU also recurrentBias (G*H) (reset-after). Gate blocks in PyTorch
// order: GRU r, z, n; LSTM i, f, g, o.

import { type Buf, blockFloats, type Mat, mat, Ops, type PackedB } from '../engine/index.js';
import type { Cell } from '../engine/reference.js';
import { assertOptionalBool, assertPositiveInt, assertRate, expected, ShapeError, ValueError } from '../errors.js';
import { bool, optionsObject, posInt, Registry, rate } from '../registry.js';
import { type ActivationName, activationId, activationOption } from './activations.js';
import { kernelOptions, type LayerEntry, optionsLayer } from './entry.js';
import { getInitializer, type Initializer, type InitializerLike, initializerOption } from './initializers.js';
import { type Act, actOf, asMat, Layer, type LayerConfig, type ParamSpec, type SeqShape } from './layer.js';
import { getRegularizer, type Regularizer, type RegularizerLike, regularizerOption } from './regularizers.js';

export type { Cell };

export interface RecurrentOptions {
  /** Hidden units H. */
  units: number;
  /** Candidate / cell activation (default tanh). */
  activation?: ActivationName;
  /** Gate activation for GRU and LSTM (default sigmoid). */
  recurrentActivation?: ActivationName;
  useBias?: boolean;
  /** Output every timestep (T, H) instead of the last state (H). */
  returnSequences?: boolean;
  /** Process the sequence from the last step to the first (output order reversed, as Keras). */
  goBackwards?: boolean;
  kernelInitializer?: InitializerLike;
  recurrentInitializer?: InitializerLike;
  biasInitializer?: InitializerLike;
  /** LSTM: forget-gate bias starts at 1 (Keras default true). */
  unitForgetBias?: boolean;
  /** Fraction of input features dropped, one mask per sequence, training only. */
  dropout?: number;
  /** Fraction of recurrent state dropped before the recurrent product, one mask per sequence, training only. */
  recurrentDropout?: number;
  kernelRegularizer?: RegularizerLike;
  recurrentRegularizer?: RegularizerLike;
  biasRegularizer?: RegularizerLike;
  activityRegularizer?: RegularizerLike;
  /** [T, F] of the input, when this is the first layer. */
  inputShape?: [number, number];
  name?: string;
}

const GATES: Record<Cell, number> = { gru: 3, lstm: 4, simple_rnn: 1 };

interface Workspace {
  xm: Buf | null;
  inMask: Buf | null;
  recMask: Buf | null;
  /**
   * Stacked steps: the step's pre-activations (B, GH); LSTM and SimpleRNN over one step: its input projection (B, GH);
   * null for GRU, whose input projection is written into the first 3H columns of g (see projectInputs).
   */
  xp: Buf | null;
  hp: Buf | null;
  /** Stacked steps: row block t holds [x_t | the state step t continues from], (T*B, F+H). */
  xh: Buf | null;
  h: Buf;
  hm: Buf | null;
  g: Buf | null;
  c: Buf | null;
  a: Buf | null;
  out: Buf | null;
  // the backward pass's (null in an inference pass's workspace)
  dxp: Buf | null;
  dhp: Buf | null;
  dcarry: Buf | null;
  dcc: Buf | null;
  tmp: Buf | null;
  dx: Buf | null;
  dyRev: Buf | null;
}

export class Recurrent extends Layer {
  readonly className: string;
  readonly units: number;
  readonly options: Required<
    Omit<RecurrentOptions, 'inputShape' | 'name' | `${'kernel' | 'recurrent' | 'bias' | 'activity'}Regularizer`>
  > & { inputShape?: [number, number] };
  readonly regularizers: { kernel?: Regularizer; recurrent?: Regularizer; bias?: Regularizer };
  /** Bidirectional sets this on its backward copy: process backwards, but output in time order. */
  timeOrderOutput = false;
  private readonly act: number;
  private readonly ract: number;
  private whPack?: PackedB;
  private whtPack?: PackedB;
  private zeros?: Buf;
  private last?: { x: Act; xin: Mat; B: number; training: boolean; ws: Workspace };

  constructor(
    readonly cell: Cell,
    opts: RecurrentOptions,
  ) {
    super(opts?.name, cell);
    this.className = cell === 'gru' ? 'GRU' : cell === 'lstm' ? 'LSTM' : 'SimpleRNN';
    const key = (k: string) => `${this.className}.${k}`;
    this.units = assertPositiveInt(key('units'), opts.units);
    for (const k of ['useBias', 'returnSequences', 'goBackwards', 'unitForgetBias'] as const)
      assertOptionalBool(key(k), opts[k]);
    this.options = {
      units: this.units,
      activation: opts.activation ?? 'tanh',
      recurrentActivation: opts.recurrentActivation ?? 'sigmoid',
      useBias: opts.useBias ?? true,
      returnSequences: opts.returnSequences ?? false,
      goBackwards: opts.goBackwards ?? false,
      kernelInitializer: opts.kernelInitializer ?? 'glorotUniform',
      recurrentInitializer: opts.recurrentInitializer ?? 'orthogonal',
      biasInitializer: opts.biasInitializer ?? 'zeros',
      unitForgetBias: opts.unitForgetBias ?? true,
      dropout: assertRate(key('dropout'), opts.dropout ?? 0),
      recurrentDropout: assertRate(key('recurrentDropout'), opts.recurrentDropout ?? 0),
      inputShape: opts.inputShape,
    };
    this.regularizers = {
      kernel: getRegularizer(opts.kernelRegularizer, key('kernelRegularizer')),
      recurrent: getRegularizer(opts.recurrentRegularizer, key('recurrentRegularizer')),
      bias: getRegularizer(opts.biasRegularizer, key('biasRegularizer')),
    };
    this.activityRegularizer = getRegularizer(opts.activityRegularizer, key('activityRegularizer'));
    this.act = activationId(this.options.activation, key('activation'));
    this.ract = activationId(this.options.recurrentActivation, key('recurrentActivation'));
    for (const k of ['kernelInitializer', 'recurrentInitializer', 'biasInitializer'] as const)
      getInitializer(this.options[k], key(k));
  }

  get gates(): number {
    return GATES[this.cell];
  }
  private get reverse(): boolean {
    return this.options.goBackwards;
  }
  /**
   * Whether each step's GEMM takes the input too ([x_t | h_{t-1}] [Wx; Wh]): LSTM and SimpleRNN over two or more
   * steps. One product of K = F + H a step instead of a product of K = H plus all steps' projection by a K = F GEMM,
   * whose (T*B, GH) result the step kernels then read back from far caches. Alternating runs on one machine (median
   * of 5, s/epoch): medium-lstm 0.475 -> 0.460, small-lstm 0.267 -> 0.256. Not GRU: its candidate gate needs x_t Wx
   * and h Wh apart.
   */
  private stacked(T: number): boolean {
    return this.cell !== 'gru' && T >= 2;
  }

  protected computeOutShape(s: SeqShape): SeqShape {
    if (s.T === null)
      throw new ShapeError(
        `${this.name}: ${this.className} needs a sequence input (T, F), received a vector of ${s.F}`,
      );
    return { T: this.options.returnSequences ? s.T : null, F: this.units };
  }

  override paramSpecs(): ParamSpec[] {
    const F = this.inShape!.F,
      H = this.units,
      GH = this.gates * H;
    const specs: ParamSpec[] = [
      {
        name: 'kernel',
        shape: [F, GH],
        initializer: getInitializer(this.options.kernelInitializer),
        regularizer: this.regularizers.kernel,
      },
      {
        name: 'recurrentKernel',
        shape: [H, GH],
        initializer: getInitializer(this.options.recurrentInitializer),
        regularizer: this.regularizers.recurrent,
        gradientFree: this.inShape!.T! < 2, // weightGrads: dWh sums over steps with a previous state
      },
    ];
    if (this.options.useBias) {
      let bias: Initializer = getInitializer(this.options.biasInitializer);
      if (this.cell === 'lstm' && this.options.unitForgetBias) {
        const base = bias;
        bias = {
          config: base.config,
          init: (shape, rng) => {
            const v = base.init(shape, rng);
            v.fill(1, H, 2 * H);
            return v;
          },
        };
      }
      specs.push({ name: 'bias', shape: [GH], initializer: bias, regularizer: this.regularizers.bias });
      if (this.cell === 'gru')
        specs.push({
          name: 'recurrentBias',
          shape: [GH],
          initializer: getInitializer(this.options.biasInitializer),
          regularizer: this.regularizers.bias,
        });
    }
    return specs;
  }

  private pmat(name: string, ld: number, grads = false): Mat {
    return mat(grads ? this.ctx.grads : this.ctx.params, ld, this.p[name]!.off);
  }

  /**
   * The packed recurrent kernel for the forward pass and its transpose for the backward pass (packRecurrent; not in
   * `inference`), and the zero row of a cell without GRU's recurrent bias (recurrentBiasRow); with `toMake`, those
   * not made yet.
   */
  override fixedFloats(toMake = false, inference = false): number {
    const F = this.inShape!.F,
      H = this.units,
      GH = this.gates * H,
      T = this.inShape!.T!;
    const count = (made: unknown, floats: number) => (toMake && made ? 0 : blockFloats(floats));
    const zeros = this.cell === 'gru' && this.options.useBias ? 0 : count(this.zeros, GH);
    if (T < 2) return zeros;
    return (
      zeros +
      count(this.whPack, Ops.packedSize(this.stacked(T) ? F + H : H, GH)) +
      (inference ? 0 : count(this.whtPack, Ops.packedSize(GH, H)))
    );
  }

  /**
   * The input projection (N = GH), the weight gradients (x and h transposed: up to F + H rows), dx (N = F); in
   * inference the projection alone.
   */
  override scratchFloats(inference = false): number {
    const F = this.inShape!.F,
      GH = this.gates * this.units;
    if (inference) return Ops.scratchFloats(GH, false, 0);
    return Math.max(Ops.scratchFloats(GH, true, F + this.units), Ops.scratchFloats(F, false, 0));
  }

  /** A training step's buffers; an inference pass's leave out dropout's and the backward pass's. */
  protected override workspaceSizes(B: number, inference = false): Record<keyof Workspace, number | null> {
    const T = this.inShape!.T!,
      F = this.inShape!.F,
      H = this.units,
      GH = this.gates * H,
      TB = T * B;
    const o = this.options;
    const stacked = this.stacked(T);
    const dropout = inference ? 0 : o.dropout,
      recurrentDropout = inference ? 0 : o.recurrentDropout;
    const back = (n: number | null) => (inference ? null : n);
    const reversed = o.returnSequences && this.reverse && !this.timeOrderOutput;
    return {
      xm: dropout > 0 && !stacked ? TB * F : null,
      inMask: dropout > 0 ? B * F : null,
      recMask: recurrentDropout > 0 ? B * H : null,
      xp: this.cell === 'gru' ? null : stacked ? B * GH : TB * GH,
      hp: stacked ? null : B * GH,
      // not zeroed: the first step's block has no state part read (its product is x_t Wx alone; the weight
      // gradients skip that block)
      xh: stacked ? TB * (F + H) : null,
      h: TB * H,
      hm: recurrentDropout > 0 && !stacked ? TB * H : null,
      g: this.cell === 'simple_rnn' ? null : TB * 4 * H,
      c: this.cell === 'lstm' ? TB * H : null,
      a: this.cell === 'lstm' ? TB * H : null,
      out: reversed ? TB * H : null,
      dxp: back(TB * GH),
      dhp: back(this.cell === 'gru' ? TB * GH : null),
      dcarry: back(B * H),
      dcc: back(this.cell === 'lstm' ? B * H : null),
      tmp: back(recurrentDropout > 0 && this.cell === 'gru' ? B * H : null),
      dx: back(TB * F),
      dyRev: back(reversed ? TB * H : null),
    };
  }

  private ws(B: number): Workspace {
    return this.workspace(B, (inference) => this.allocSizes(this.workspaceSizes(B, inference)) as Workspace);
  }

  override get drawsRandom(): boolean {
    return this.options.dropout > 0 || this.options.recurrentDropout > 0;
  }

  /** One mask per sequence: B rows of the buffer's width (F inputs or H units). */
  private fillMask(buf: Buf, rate: number, B: number): void {
    const v = this.ctx.engine.view(buf);
    this.ctx.draws.mask(v, B, v.length / B, rate, 1 / (1 - rate));
  }

  forward(x: Act, training: boolean): Act {
    const T = x.T!,
      B = x.B,
      F = this.inShape!.F;
    if (x.F !== F || x.T !== this.inShape!.T)
      throw new ShapeError(`${this.name}: expected input (${this.inShape!.T}, ${F}), received (${x.T}, ${x.F})`);
    const w = this.ws(B);
    const xin = w.xh ? this.stackInputs(x, training, w) : this.projectInputs(x, training, w);
    const recMask = training && w.recMask ? w.recMask : null;
    if (recMask) this.fillMask(recMask, this.options.recurrentDropout, B);
    const whp = this.packRecurrent(T, false);
    const [bh, bhOff] = this.recurrentBiasRow();
    for (let s = 0; s < T; s++) this.forwardStep(s, B, T, w, whp, bh, bhOff, recMask);
    this.last = { x, xin, B, training, ws: w };
    return this.output(w, B, T);
  }

  /** Processing step s -> the timestep it reads and the timestep of the state it continues from. */
  private timesOf(s: number, T: number): [number, number] {
    const t = this.reverse ? T - 1 - s : s;
    return [t, this.reverse ? t + 1 : t - 1];
  }

  /** Stacked steps: the inputs (after input dropout, in training) into the x part of xh's row blocks. */
  private stackInputs(x: Act, training: boolean, w: Workspace): Mat {
    const { ops } = this.ctx;
    const T = x.T!,
      B = x.B,
      F = this.inShape!.F,
      ld = F + this.units;
    if (training && w.inMask) {
      this.fillMask(w.inMask, this.options.dropout, B);
      for (let t = 0; t < T; t++)
        ops.mulRows(B, F, mat(x.buf, x.ld, x.off + t * B * x.ld), mat(w.inMask, F), mat(w.xh!, ld, t * B * ld));
    } else ops.copyRows(T * B, F, asMat(x), mat(w.xh!, ld));
    return mat(w.xh!, ld);
  }

  /** Input dropout (training) and the input projection of every timestep as one GEMM: XP = x Wx + b, (T*B, GH). */
  private projectInputs(x: Act, training: boolean, w: Workspace): Mat {
    const { ops } = this.ctx;
    const T = x.T!,
      B = x.B,
      F = this.inShape!.F,
      GH = this.gates * this.units;
    let xin = asMat(x);
    if (training && w.inMask && w.xm) {
      this.fillMask(w.inMask, this.options.dropout, B);
      for (let t = 0; t < T; t++)
        ops.mulRows(B, F, mat(x.buf, x.ld, x.off + t * B * x.ld), mat(w.inMask, F), mat(w.xm, F, t * B * F));
      xin = mat(w.xm, F);
    }
    const XP = this.projection(w, B, 0);
    const kernel = this.pmat('kernel', GH);
    if (this.options.useBias)
      ops.gemmBias(T * B, GH, F, xin, false, kernel, false, XP, this.ctx.params, this.p.bias!.off);
    else ops.gemm(T * B, GH, F, xin, false, kernel, false, XP, 0);
    return xin;
  }

  /**
   * Where timestep t's input projection is (row block t): GRU's in the first 3H columns of g, the columns its step
   * kernel overwrites in place with r, z and n (in a buffer of its own, the kernel read it back from far caches and
   * wrote g to fresh ones: medium-gru's step kernel 0.75 -> 0.65 ms a batch, seed-gru1000 0.043 -> 0.034 s/epoch);
   * else xp.
   */
  private projection(w: Workspace, B: number, t: number): Mat {
    const H = this.units;
    if (this.cell === 'gru') return mat(w.g!, 4 * H, t * B * 4 * H);
    const GH = this.gates * H;
    return mat(w.xp!, GH, t * B * GH);
  }

  /**
   * Wh packed for the per-step products: as it is for the forward pass ([Wx; Wh] stacked for LSTM and SimpleRNN),
   * transposed for the backward pass. Null over one timestep (lookback 1, the seed's GRU(1000)): no step has a
   * previous state, Wh is never used, and packing it was a third of each seed-gru1000 batch.
   */
  private packRecurrent(T: number, transposed: boolean): PackedB | null {
    if (T < 2) return null;
    const F = this.inShape!.F,
      H = this.units,
      GH = this.gates * H;
    const stacked = !transposed && this.stacked(T);
    const [K, N] = transposed ? [GH, H] : [stacked ? F + H : H, GH];
    const slot = transposed ? 'whtPack' : 'whPack';
    this[slot] ??= { buf: this.alloc(Ops.packedSize(K, N)), K, N };
    const dst = this[slot].buf;
    const wh = this.pmat('recurrentKernel', GH);
    if (!stacked) return this.ctx.ops.packB(K, N, wh, transposed, dst);
    return this.ctx.ops.packBStacked(
      [
        { K: F, B: this.pmat('kernel', GH) },
        { K: H, B: wh },
      ],
      GH,
      dst,
    );
  }

  /** GRU's recurrent bias (applied inside the reset gate), or a zero row for the other cells. */
  private recurrentBiasRow(): [Buf, number] {
    if (this.cell === 'gru' && this.options.useBias) return [this.ctx.params, this.p.recurrentBias!.off];
    this.zeros ??= this.alloc(this.gates * this.units, true);
    return [this.zeros, 0];
  }

  /**
   * Step s (in processing order): its product (stacked: bias + [x_t | h_prev] [Wx; Wh]; GRU: hp = h_prev Wh), h_prev
   * masked by recurrent dropout, then the cell's gate kernel.
   */
  private forwardStep(
    s: number,
    B: number,
    T: number,
    w: Workspace,
    whp: PackedB | null,
    bh: Buf,
    bhOff: number,
    recMask: Buf | null,
  ): void {
    const { ops } = this.ctx;
    const H = this.units,
      GH = this.gates * H;
    const [t, pt] = this.timesOf(s, T);
    const hprev = s === 0 ? null : mat(w.h, H, pt * B * H);
    let hp: Mat | null = null;
    if (w.xh) {
      this.stackedProduct(s, t, B, w, whp!);
    } else if (hprev) {
      let a = hprev;
      if (recMask) {
        a = mat(w.hm!, H, pt * B * H);
        ops.mulRows(B, H, hprev, mat(recMask, H), a);
      }
      hp = mat(w.hp!, GH);
      ops.gemmPacked(B, a, false, whp!, hp, 0);
    }
    // An LSTM that returns its last state alone needs the others only as the next steps' inputs: written there.
    const direct = w.xh !== null && this.cell === 'lstm' && !this.options.returnSequences && s < T - 1;
    const xpt = w.xh ? mat(w.xp!, GH) : this.projection(w, B, t),
      ht = direct ? this.nextState(t, B, w) : mat(w.h, H, t * B * H),
      gt = w.g ? mat(w.g, 4 * H, t * B * 4 * H) : null;
    if (this.cell === 'gru') {
      ops.gruForwardStep(B, H, xpt, hp, bh, bhOff, hprev, ht, gt!, this.act, this.ract);
    } else if (this.cell === 'lstm') {
      const cprev = s === 0 ? null : mat(w.c!, H, pt * B * H);
      const ct = mat(w.c!, H, t * B * H),
        at = mat(w.a!, H, t * B * H);
      ops.lstmForwardStep(B, H, xpt, hp, cprev, ct, at, ht, gt!, this.act, this.ract);
    } else {
      ops.rnnForwardStep(B, H, xpt, hp, ht, this.act);
    }
    if (w.xh && s < T - 1) this.handOn(t, B, w, ht, recMask);
  }

  /**
   * Stacked step s (timestep t): xp = bias + [x_t | h_prev] [Wx; Wh], one GEMM on xh's row block t; the first
   * step has no previous state, so x_t Wx alone (Wx read in place: one small packing a pass).
   */
  private stackedProduct(s: number, t: number, B: number, w: Workspace, whp: PackedB): void {
    const { ops, params } = this.ctx;
    const F = this.inShape!.F,
      GH = this.gates * this.units,
      ld = F + this.units;
    const a = mat(w.xh!, ld, t * B * ld),
      xp = mat(w.xp!, GH);
    const bias = this.options.useBias ? this.p.bias!.off : -1;
    if (s > 0) ops.gemmPacked(B, a, false, whp, xp, 0, bias >= 0 ? params : undefined, bias);
    else if (bias >= 0) ops.gemmBias(B, GH, F, a, false, this.pmat('kernel', GH), false, xp, params, bias);
    else ops.gemm(B, GH, F, a, false, this.pmat('kernel', GH), false, xp, 0);
  }

  /** Stacked steps: the h part of the row block of the step after timestep t. */
  private nextState(t: number, B: number, w: Workspace): Mat {
    const F = this.inShape!.F,
      ld = F + this.units;
    return mat(w.xh!, ld, (this.reverse ? t - 1 : t + 1) * B * ld + F);
  }

  /**
   * Stacked steps: h_t (masked by recurrent dropout in training) into the h part of the next step's row block; where
   * the kernel wrote h_t there already (an LSTM returning its last state), only the mask, in place.
   */
  private handOn(t: number, B: number, w: Workspace, ht: Mat, recMask: Buf | null): void {
    const H = this.units;
    const dst = this.nextState(t, B, w);
    if (recMask) this.ctx.ops.mulRows(B, H, ht, mat(recMask, H), dst);
    else if (ht.buf !== dst.buf || ht.off !== dst.off) this.ctx.ops.copyRows(B, H, ht, dst);
  }

  /** The last state (H), or every state (T, H) in the layer's output order. */
  private output(w: Workspace, B: number, T: number): Act {
    const H = this.units;
    if (!this.options.returnSequences) return actOf(w.h, B, null, H, (this.reverse ? 0 : T - 1) * B * H);
    if (w.out) {
      for (let t = 0; t < T; t++)
        this.ctx.ops.copyRows(B, H, mat(w.h, H, t * B * H), mat(w.out, H, (T - 1 - t) * B * H));
      return actOf(w.out, B, T, H);
    }
    return actOf(w.h, B, T, H);
  }

  backward(dy: Act, needDx: boolean): Act | null {
    if (!this.last) throw new ValueError(`${this.name}: backward called before forward`);
    const { B, xin, training, ws: w } = this.last;
    const T = this.inShape!.T!,
      H = this.units;
    const recMask = training && w.recMask ? mat(w.recMask, H) : null;
    this.ctx.engine.view(w.dcarry!).fill(0);
    if (w.dcc) this.ctx.engine.view(w.dcc).fill(0);
    const whtp = this.packRecurrent(T, true);
    const dySeq = this.outputGradInTimeOrder(dy, B, T);
    for (let s = T - 1; s >= 0; s--) {
      const [t] = this.timesOf(s, T);
      const dyt = dySeq ? mat(dySeq.buf, dySeq.ld, dySeq.off + t * B * dySeq.ld) : s === T - 1 ? asMat(dy) : null;
      this.backwardStep(s, B, T, w, whtp, dyt, recMask);
    }
    this.weightGrads(B, T, xin, w, recMask !== null);
    return needDx ? this.inputGrad(B, T, training, w) : null;
  }

  /** dL/dh_t arriving from the output, in time order (null when only the last state is returned). */
  private outputGradInTimeOrder(dy: Act, B: number, T: number): Act | null {
    if (!this.options.returnSequences) return null;
    const w = this.last!.ws;
    if (!w.dyRev) return dy;
    const H = this.units;
    for (let t = 0; t < T; t++)
      this.ctx.ops.copyRows(B, H, mat(dy.buf, dy.ld, dy.off + (T - 1 - t) * B * dy.ld), mat(w.dyRev, H, t * B * H));
    return actOf(w.dyRev, B, T, H);
  }

  /**
   * Step s backwards: the cell's gate gradients into dXP_t (and GRU's dHP_t), then the state gradient carried to
   * the previous step, dcarry = dHP_t Wh^T (masked by recurrent dropout).
   */
  private backwardStep(
    s: number,
    B: number,
    T: number,
    w: Workspace,
    whtp: PackedB | null,
    dyt: Mat | null,
    recMask: Mat | null,
  ): void {
    const { ops } = this.ctx;
    const H = this.units,
      GH = this.gates * H;
    const [t, pt] = this.timesOf(s, T);
    const dcarry = mat(w.dcarry!, H);
    const dxpt = mat(w.dxp!, GH, t * B * GH);
    const gt = w.g ? mat(w.g, 4 * H, t * B * 4 * H) : null;
    if (this.cell === 'gru') {
      // The biases' gradients are summed by the kernel as it goes, so the first step's dHP, which feeds nothing else
      // (weightGrads reads the steps with a previous state), is not written: seed-gru1000's one step, 1.8 MB a thread.
      const dhpt = s === 0 ? null : mat(w.dhp!, GH, t * B * GH);
      const hprev = s === 0 ? null : mat(w.h, H, pt * B * H);
      const bias = this.options.useBias
        ? { grads: this.ctx.grads, x: this.p.bias!.off, h: this.p.recurrentBias!.off }
        : undefined;
      ops.gruBackwardStep(B, H, gt!, hprev, dyt, dcarry, dxpt, dhpt, this.act, this.ract, bias);
      if (s === 0) return;
      if (recMask) {
        const tmp = mat(w.tmp!, H);
        ops.gemmPacked(B, dhpt!, false, whtp!, tmp, 0);
        ops.mulRows(B, H, tmp, recMask, tmp);
        ops.addRows(B, H, tmp, dcarry);
      } else {
        ops.gemmPacked(B, dhpt!, false, whtp!, dcarry, 1);
      }
      return;
    }
    if (this.cell === 'lstm') {
      const cprev = s === 0 ? null : mat(w.c!, H, pt * B * H);
      const at = mat(w.a!, H, t * B * H);
      ops.lstmBackwardStep(B, H, gt!, cprev, at, dyt, dcarry, mat(w.dcc!, H), dxpt, this.act, this.ract);
    } else {
      ops.rnnBackwardStep(B, H, mat(w.h, H, t * B * H), dyt, dcarry, dxpt, this.act);
    }
    this.biasGrads(B, dxpt);
    if (s > 0) {
      ops.gemmPacked(B, dxpt, false, whtp!, dcarry, 0);
      if (recMask) ops.mulRows(B, H, dcarry, recMask, dcarry);
    }
  }

  /**
   * The input bias's gradient, the column sums of one step's gate gradients, added while the step's rows are in cache
   * (a sum over all T*B rows at the end of the pass read them back from far caches: medium-lstm's column sums 0.19 ->
   * 0.06 ms a batch). GRU's kernel adds its biases' gradients itself.
   */
  private biasGrads(B: number, dxpt: Mat): void {
    if (!this.options.useBias) return;
    this.ctx.ops.colsum(B, this.gates * this.units, dxpt, this.ctx.grads, this.p.bias!.off, 1);
  }

  /** dWx = xin^T dXP and dWh = sum over steps with a previous state of h_prev^T dHP_t. */
  private weightGrads(B: number, T: number, xin: Mat, w: Workspace, masked: boolean): void {
    const { ops } = this.ctx;
    const F = this.inShape!.F,
      H = this.units,
      GH = this.gates * H,
      TB = T * B;
    const dXP = mat(w.dxp!, GH),
      dHP = w.dhp ? mat(w.dhp, GH) : dXP;
    const dWx = this.pmat('kernel', GH, true);
    if (w.xh && this.p.recurrentKernel!.off === this.p.kernel!.off + F * GH) {
      this.stackedWeightGrads(B, T, w);
      return;
    }
    ops.gemm(F, GH, TB, xin, true, dXP, false, dWx, 1);
    if (T < 2) return;
    // One GEMM over (T-1)*B rows: the states that had a successor, against the gradients of those successors.
    // Stacked, they sit in the h parts of xh's row blocks (masked as the products used them), beside the next input.
    const dOff = this.reverse ? 0 : B * GH;
    const dWh = this.pmat('recurrentKernel', GH, true);
    const ld = F + H;
    const hs = w.xh
      ? mat(w.xh, ld, (this.reverse ? 0 : B * ld) + F)
      : mat(masked ? w.hm! : w.h, H, this.reverse ? B * H : 0);
    ops.gemm(H, GH, (T - 1) * B, hs, true, mat(dHP.buf, GH, dOff), false, dWh, 1);
  }

  /**
   * Stacked steps, where Wh's gradient follows Wx's in memory: [dWx; dWh] += [x_t | h_prev]^T dXP_t over the steps
   * with a previous state in one GEMM (xh's row blocks as they are; dXP packed once, where dWx and dWh apart packed
   * it twice), and x^T dXP of the first step alone. medium-lstm (F 8, H 128): 4.59 -> 4.35 ms a batch.
   */
  private stackedWeightGrads(B: number, T: number, w: Workspace): void {
    const { ops } = this.ctx;
    const F = this.inShape!.F,
      GH = this.gates * this.units,
      ld = F + this.units;
    const dW = this.pmat('kernel', GH, true);
    const [rest, first] = this.reverse ? [0, T - 1] : [1, 0];
    const xh = (t: number) => mat(w.xh!, ld, t * B * ld),
      dXP = (t: number) => mat(w.dxp!, GH, t * B * GH);
    ops.gemm(ld, GH, (T - 1) * B, xh(rest), true, dXP(rest), false, dW, 1);
    ops.gemm(F, GH, B, xh(first), true, dXP(first), false, dW, 1);
  }

  /** dx = dXP Wx^T, masked by the input dropout of the forward pass. */
  private inputGrad(B: number, T: number, training: boolean, w: Workspace): Act {
    const { ops } = this.ctx;
    const F = this.inShape!.F,
      GH = this.gates * this.units;
    ops.gemm(T * B, F, GH, mat(w.dxp!, GH), false, this.pmat('kernel', GH), true, mat(w.dx!, F), 0);
    if (training && w.inMask)
      for (let t = 0; t < T; t++) {
        const m = mat(w.dx!, F, t * B * F);
        ops.mulRows(B, F, m, mat(w.inMask, F), m);
      }
    return actOf(w.dx!, B, T, F);
  }

  override dispose(): void {
    super.dispose();
    this.whPack = this.whtPack = this.zeros = undefined;
    this.last = undefined;
  }

  getConfig(): LayerConfig {
    const { inputShape, ...rest } = this.options;
    const cfg: LayerConfig = { name: this.name, ...rest };
    for (const [k, r] of Object.entries(this.regularizers)) if (r) cfg[`${k}Regularizer`] = r.config;
    if (this.activityRegularizer) cfg.activityRegularizer = this.activityRegularizer.config;
    if (inputShape) cfg.inputShape = inputShape;
    if (this.cell !== 'lstm') delete cfg.unitForgetBias;
    if (this.cell === 'simple_rnn') delete cfg.recurrentActivation;
    return cfg;
  }
}

function check(cell: Cell, opts: RecurrentOptions): RecurrentOptions {
  if (opts === null || typeof opts !== 'object')
    throw new ValueError(expected(cell, 'an options object with units', opts));
  return opts;
}

/**
 * Gated recurrent unit, reset-after (PyTorch, cuDNN, Keras reset_after=True).
 * @example
 * import { gru } from 'seqtune';
 * gru({ units: 64, returnSequences: true })
 */
export const gru = (opts: RecurrentOptions): Recurrent => new Recurrent('gru', check('gru', opts));
/**
 * Long short-term memory.
 * @example
 * import { lstm } from 'seqtune';
 * lstm({ units: 64, dropout: 0.1 })
 */
export const lstm = (opts: RecurrentOptions): Recurrent => new Recurrent('lstm', check('lstm', opts));
/**
 * Elman RNN, h = act(x Wx + h Wh + b).
 * @example
 * import { simpleRNN } from 'seqtune';
 * simpleRNN({ units: 32, activation: 'relu' })
 */
export const simpleRNN = (opts: RecurrentOptions): Recurrent => new Recurrent('simple_rnn', check('simple_rnn', opts));

/** The options every recurrent layer takes, as a config file writes them. */
const sharedOptions = {
  units: posInt(),
  ...kernelOptions,
  return_sequences: bool().optional(),
  go_backwards: bool().optional(),
  recurrent_initializer: initializerOption().optional(),
  dropout: rate().optional(),
  recurrent_dropout: rate().optional(),
  recurrent_regularizer: regularizerOption().optional(),
};
const what = 'an options object such as {units: 64}';
// Each cell takes only the options it uses, as Keras does: a GRU has no forget gate and a SimpleRNN no gates at all,
// so `unit_forget_bias` on a gru or `recurrent_activation` on a simple_rnn was accepted and silently did nothing.
const gatedOptions = { ...sharedOptions, recurrent_activation: activationOption().optional() };
const gruOptions = optionsObject(gatedOptions, what);
const lstmOptions = optionsObject({ ...gatedOptions, unit_forget_bias: bool().optional() }, what);
const simpleRnnOptions = optionsObject(sharedOptions, what);

/** GRU, LSTM and SimpleRNN in the layer registry. */
export const recurrentLayers: LayerEntry[] = [
  optionsLayer({
    name: 'gru',
    className: 'GRU',
    doc: 'reset-after, as PyTorch, cuDNN and Keras `reset_after=True`',
    options: gruOptions,
    example: { units: 64 },
    create: gru,
  }),
  optionsLayer({
    name: 'lstm',
    className: 'LSTM',
    doc: '`unit_forget_bias`',
    options: lstmOptions,
    example: { units: 64 },
    create: lstm,
  }),
  optionsLayer({
    name: 'simple_rnn',
    className: 'SimpleRNN',
    aliases: ['simpleRNN'],
    doc: 'h = act(x Wx + h Wh + b)',
    options: simpleRnnOptions,
    example: { units: 32, activation: 'relu' },
    create: simpleRNN,
  }),
];
/** The layers Bidirectional can wrap. */
export const recurrentRegistry = new Registry<LayerEntry>(
  { kind: 'recurrent layer', title: 'recurrent layers' },
  recurrentLayers,
);
