// The layer contract. Activations live in engine memory; sequences are time-major: row (t, b)
// of a (T, B, F) activation sits at off + (t*B + b)*ld. Vectors (T = null) have row b at off + b*ld.
import { type ActivationName, type Buf, blockFloats, type Engine, type Mat, type Ops } from '../engine/index.js';
import { getInitializer, type Initializer, type InitializerLike } from './initializers.js';
import type { Rng, StepDraws } from './random.js';
import type { Regularizer, RegularizerLike } from './regularizers.js';

/** Per-sample shape: a sequence of T steps of F features, or (T = null) a vector of F. */
export interface SeqShape {
  readonly T: number | null;
  readonly F: number;
}

/** A batch of activations (or their gradients) in engine memory. */
export interface Act {
  readonly buf: Buf;
  readonly off: number;
  readonly ld: number;
  readonly B: number;
  readonly T: number | null;
  readonly F: number;
}

export const rowsOf = (a: { B: number; T: number | null }): number => (a.T ?? 1) * a.B;
export const asMat = (a: Act): Mat => ({ buf: a.buf, off: a.off, ld: a.ld });
/** A contiguous activation over a whole buffer. */
export const actOf = (buf: Buf, B: number, T: number | null, F: number, off = 0): Act => ({ buf, off, ld: F, B, T, F });

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly initializer: Initializer;
  readonly regularizer?: Regularizer;
  /**
   * false for state that is saved but not trained (batch-norm moving statistics);
   * it lives in `state`, not `params`.
   */
  readonly trainable?: boolean;
  /**
   * true when the backward pass never writes this parameter's gradient at the built shapes (a recurrent kernel over
   * one timestep: no step has a previous state). Its gradient stays 0, so the model neither zeroes, sums nor
   * measures it (Stack.gradRanges), and the optimizer steps it only with weight decay, which alone can move it
   * (Model's stepRanges; PyTorch steps it with a zero gradient, to the same effect).
   */
  readonly gradientFree?: boolean;
}
/** Where one parameter lives inside the model's flat parameter (and gradient) buffer. */
export interface ParamRef {
  readonly name: string;
  readonly shape: readonly number[];
  readonly off: number;
  readonly size: number;
  readonly trainable: boolean;
}

/** What a built model hands its layers: kernels, the flat parameter/gradient buffers, and the model's random stream. */
export interface LayerContext {
  readonly ops: Ops;
  readonly engine: Engine;
  readonly params: Buf;
  readonly grads: Buf;
  /** Non-trainable weights (moving statistics). */
  readonly state: Buf;
  readonly rng: Rng;
  /** A training step's dropout masks and noise, the same however the batch is split between threads. */
  readonly draws: StepDraws;
  /**
   * The forward pass under way: `inference` while one runs that neither trains nor has a backward pass after it
   * (predict, evaluate, validation), whose workspaces leave out the buffers only training and backward use.
   */
  readonly pass: ForwardPass;
}

/** What the model says of its forward pass under way (LayerContext.pass); Stack.forward sets it. */
export interface ForwardPass {
  inference: boolean;
}

export type LayerConfig = Record<string, unknown>;

/**
 * How many batch sizes' workspaces a layer keeps (Layer.workspace): a fit with validation runs three, its full batch,
 * its last partial batch and the validation's last batch, and with two kept each epoch freed and made two of them
 * again, in blocks cut from each other's: the engine's memory grew by 60% over the workspaces in use (GRU(64),
 * lookback 500, batch 128, 300 windows and 75 to validate: 232 MiB in use, 375 reserved by the fourth epoch).
 */
export const WORKSPACES_KEPT = 3;

/** The buffers allocSizes makes for a record of sizes: a buffer for each number, null where a size may be null. */
export type Allocated<S> = { [K in keyof S]: null extends S[K] ? Buf | null : Buf };

let layerCounter = 0;

export abstract class Layer {
  abstract readonly className: string;
  readonly name: string;
  inShape?: SeqShape;
  outShape?: SeqShape;
  /** Penalty on this layer's output, added to the loss (divided by the batch size, as Keras). */
  activityRegularizer?: Regularizer;
  protected ctx!: LayerContext;
  protected p: Record<string, ParamRef> = {};
  private readonly workspaces = new Map<number, { value: unknown; bufs: Buf[]; inference: boolean }>();
  private owned: Buf[] = [];

  /** Whether training changes this layer's non-trainable state (batch statistics), not only its parameters. */
  get updatesState(): boolean {
    return false;
  }

  /** Whether training draws random numbers in this layer (dropout, noise): each step then gets a seed. */
  get drawsRandom(): boolean {
    return false;
  }

  /** name: given, else prefix_N (N counts layers made in this thread). */
  constructor(name: string | undefined, prefix: string) {
    this.name = name ?? `${prefix}_${++layerCounter}`;
  }

  /** Fixes the input shape and returns the output shape. */
  build(inShape: SeqShape): SeqShape {
    this.inShape = inShape;
    this.outShape = this.computeOutShape(inShape);
    return this.outShape;
  }

  protected abstract computeOutShape(inShape: SeqShape): SeqShape;

  /** Parameters this layer owns (after build). */
  paramSpecs(): ParamSpec[] {
    return [];
  }

  /** Binds the layer to its model's memory. */
  attach(ctx: LayerContext, refs: readonly ParamRef[]): void {
    this.ctx = ctx;
    this.p = {};
    for (const r of refs) this.p[r.name] = r;
  }

  /**
   * Forward pass over a batch; `training` turns dropout on. The returned activation stays valid until the next
   * forward with the same batch size.
   */
  abstract forward(x: Act, training: boolean): Act;

  /** Backward pass: adds parameter gradients into the model's gradient buffer and returns dL/dx when asked. */
  abstract backward(dy: Act, needDx: boolean): Act | null;

  /** Keras-style config, enough to rebuild the layer. */
  abstract getConfig(): LayerConfig;

  /**
   * Buffers for one batch size, made on first use and reused after. Only the WORKSPACES_KEPT most recently used batch
   * sizes keep theirs (a fit's: the full batch, the last partial one and the validation's last batch; a prediction's:
   * the training batch and the split's last): a workspace scales with batch x timesteps x units, and keeping one per
   * size ever seen filled the 4 GiB of a WebAssembly memory (GRU(256) at lookback 192 reserved 3.4 GB). The current
   * one is never evicted, so a backward pass always finds the buffers of its forward pass. `make(inference)` makes
   * them for the pass under way (LayerContext.pass): an inference pass's leave out what training and the backward
   * pass use, and serve no training step (one at that size makes its workspace anew); a training step's serve both.
   */
  protected workspace<W>(B: number, make: (inference: boolean) => W): W {
    const inference = this.ctx.pass.inference;
    let w = this.workspaces.get(B);
    if (w !== undefined && (inference || !w.inference)) {
      this.workspaces.delete(B);
      this.workspaces.set(B, w);
      return w.value as W;
    }
    if (w !== undefined) this.evict(B);
    else if (this.workspaces.size >= WORKSPACES_KEPT) this.evict(this.workspaces.keys().next().value!);
    const before = this.owned.length;
    w = { value: make(inference), bufs: [], inference };
    w.bufs = this.owned.slice(before);
    this.workspaces.set(B, w);
    return w.value as W;
  }

  /**
   * The engine buffers of B samples' workspace by name, their sizes in floats (null: not made), as a training
   * step (forward and backward) makes them, or with `inference` as an inference pass does (LayerContext.pass):
   * allocSizes allocates from them, and workspaceFloats adds them up, so what a fit or a prediction is told it needs
   * before its first batch is what its batches take. A layer without buffers has none.
   */
  protected workspaceSizes(_B: number, _inference = false): Record<string, number | null> {
    return {};
  }

  /** One buffer of each size in `sizes` (null for null), this layer's: a workspace made from workspaceSizes. */
  protected allocSizes<S extends Record<string, number | null>>(sizes: S): Allocated<S> {
    const w: Record<string, Buf | null> = {};
    for (const [k, n] of Object.entries(sizes)) w[k] = n === null ? null : this.alloc(n);
    return w as Allocated<S>;
  }

  /**
   * Gives back the buffers of every batch size but `keep`, this layer's and its inner layers': a prediction over a
   * split calls it when done, so that the members of an ensemble do not each keep theirs (ETTh1 h96: three GRU(128)
   * and GRU(256) members at lookback 336 held 4 GiB of workspaces sized for 256 windows and ran out of memory).
   */
  releaseWorkspaces(keep?: number): void {
    for (const B of [...this.workspaces.keys()]) if (B !== keep) this.evict(B);
    for (const l of this.inner()) l.releaseWorkspaces(keep);
  }

  /**
   * Floats of the workspace a training step of B samples allocates, or with `inference` an inference pass: this
   * layer's (workspaceSizes) and its inner layers'. What a fit adds up before its first step to refuse a batch that
   * cannot fit (Model.stepBytes), and a prediction to choose its batch (Model.inferenceBatch).
   */
  workspaceFloats(B: number, inference = false): number {
    return this.workspaceBlocks(B, inference).reduce((s, n) => s + n, 0);
  }

  /** The blocks (floats, blockFloats) of the buffers workspaceFloats adds up, one a buffer: what fitsBlocks judges. */
  workspaceBlocks(B: number, inference = false): number[] {
    const blocks: number[] = [];
    if (this.inShape)
      for (const n of Object.values(this.workspaceSizes(B, inference))) if (n !== null) blocks.push(blockFloats(n));
    for (const l of this.inner()) blocks.push(...l.workspaceBlocks(B, inference));
    return blocks;
  }

  /**
   * Floats of the buffers a training step makes once, whatever the batch size (a recurrent layer's packed weights),
   * or with `inference` an inference pass: this layer's and its inner layers'; with `toMake`, only those not made yet
   * (a second fit finds the first's).
   */
  fixedFloats(toMake = false, inference = false): number {
    return this.inner().reduce((s, l) => s + l.fixedFloats(toMake, inference), 0);
  }

  /**
   * Floats of gemm scratch its largest product needs (Ops.scratchFloats), this layer's or an inner layer's, in a
   * training step or with `inference` in an inference pass.
   */
  scratchFloats(inference = false): number {
    return this.inner().reduce((s, l) => Math.max(s, l.scratchFloats(inference)), 0);
  }

  /** The layers this one runs inside its own passes (a linear skip's network, a bidirectional wrapper's pair). */
  protected inner(): Layer[] {
    return [];
  }

  private evict(B: number): void {
    const w = this.workspaces.get(B)!;
    this.workspaces.delete(B);
    const gone = new Set(w.bufs);
    this.owned = this.owned.filter((b) => !gone.has(b));
    for (const b of w.bufs) this.ctx.engine.release(b);
  }

  protected alloc(n: number, zero = false): Buf {
    const b = this.ctx.engine.alloc(n, zero);
    this.owned.push(b);
    return b;
  }

  /** Gives every buffer this layer allocated back to the engine; the layer must not run again. */
  dispose(): void {
    if (this.ctx) for (const b of this.owned) this.ctx.engine.release(b);
    this.owned = [];
    this.workspaces.clear();
  }

  /** A parameter's current values (a copy). */
  getWeight(name: string): Float32Array {
    const r = this.p[name]!;
    return this.ctx.engine.view(r.trainable ? this.ctx.params : this.ctx.state, r.off, r.size).slice();
  }

  /** Number of weights this layer owns (trainable and not). */
  countParams(): number {
    return this.paramSpecs().reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  }
}

/** A layer as a saved model records it: Keras' `{ class_name, config }`. */
export interface SavedLayer {
  className: string;
  config: LayerConfig;
}

/** A layer's saved form (Keras' `serialize`): its class name and what getConfig writes. */
export const serializeLayer = (layer: Layer): SavedLayer => ({ className: layer.className, config: layer.getConfig() });

/**
 * The weights of a layer that multiplies by a kernel and adds a bias (dense, conv1d): the kernel (glorot uniform
 * unless said otherwise) and, unless `useBias` is false, the bias (zeros unless said otherwise).
 */
/** The options of a layer that multiplies by a kernel and adds a bias (dense, conv1d), as Keras names them. */
export interface KernelLayerOptions {
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerLike;
  biasInitializer?: InitializerLike;
  kernelRegularizer?: RegularizerLike;
  biasRegularizer?: RegularizerLike;
  activityRegularizer?: RegularizerLike;
}

export function kernelAndBias(
  o: KernelLayerOptions,
  kernelShape: readonly number[],
  biasShape: readonly number[],
  regs: { kernel?: Regularizer; bias?: Regularizer },
): ParamSpec[] {
  const kernel = getInitializer(o.kernelInitializer ?? 'glorotUniform');
  const specs: ParamSpec[] = [{ name: 'kernel', shape: kernelShape, initializer: kernel, regularizer: regs.kernel }];
  if (o.useBias ?? true)
    specs.push({
      name: 'bias',
      shape: biasShape,
      initializer: getInitializer(o.biasInitializer ?? 'zeros'),
      regularizer: regs.bias,
    });
  return specs;
}
