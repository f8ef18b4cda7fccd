// A layer stack that trains: compile (optimizer, loss, clipping), fit, evaluate, predict.
// Batches are gathered into time-major buffers in engine memory; one training step is
// forward, loss, backward, clip, optimizer update, and allocates nothing after the first batch.

import { type Buf, blockFloats, type ElementwiseCall, runElementwise } from '../engine/index.js';
import { expected, ShapeError, ValueError } from '../errors.js';
import { type Act, actOf, getLoss, type Layer, type Loss, type LossLike, Stack, type Tensor } from '../nn/index.js';
import {
  clipByGlobalNorm,
  clipByValue,
  getOptimizer,
  getSchedule,
  type Optimizer,
  type OptimizerLike,
  type ScheduleLike,
} from '../optim/index.js';
import { type MetricLike, type MetricName, MetricState, metricName } from './metrics.js';
import { divergedReason, NAN_POLICIES, type NanPolicy, skippedWarning } from './nan-policy.js';
import { ProgressLogger } from './progress.js';
import { gatherSamples, isTensor, type Samples, sampleSize, sliceSamples } from './samples.js';
import { saveModel } from './save.js';
import { type GradRanges, rangesLength, STEP, shareOf } from './threads/layout.js';
import { type FitThreads, startFitThreads, threadPlan, threadsWorth } from './threads/pool.js';
import type { CompiledStack, FitCallback, Logs } from './types.js';
import { fitWarnings } from './warnings.js';

/** fit's batch size when none is given (Keras' default). */
const DEFAULT_BATCH_SIZE = 32;
/** The most samples a batch of predict and evaluate holds, without a batchSize, on a model no fit has run on. */
const INFERENCE_BATCH_SIZE = 256;

export interface CompileOptions {
  optimizer?: OptimizerLike;
  loss?: LossLike;
  /** Clip the global gradient norm to this value before each step (torch clip_grad_norm_). */
  clipnorm?: number;
  /** Clamp every gradient to [-clipvalue, clipvalue]. */
  clipvalue?: number;
  /** Metrics reported per epoch next to the loss (and as val_<name> on validation data). */
  metrics?: MetricLike[];
  /** A step whose loss or gradient norm is not finite: stop as diverged (default), skip its batch, or continue. */
  onNan?: NanPolicy;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /** Shuffle sample order every epoch (default true; time-series users often want false). */
  shuffle?: boolean;
  validationData?: [Samples, Samples];
  /** Fraction of samples taken from the END of x, y (chronologically last) for validation. */
  validationSplit?: number;
  /** Usually `Callback` subclasses; anything with the `FitCallback` hooks will do. */
  callbacks?: FitCallback<Model>[];
  /** Learning-rate schedule applied at the start of every epoch, from the optimizer's base rate. */
  schedule?: ScheduleLike;
  /** 0 silent (default), 1 one line per epoch, 'auto' a progress bar on a TTY and one line per epoch otherwise. */
  verbose?: 0 | 1 | 'auto';
  /** Where warnings go (default console.warn). */
  onWarning?: (message: string) => void;
  /**
   * Threads that share each batch (default 1): the main thread and threads - 1 training threads, each with a
   * replica of the model (see train/threads). Falls back to one thread, with a warning saying why, where it cannot.
   * Ignored while threads of model.openThreads are open (the fit uses those).
   */
  threads?: number;
}

export interface History {
  /** Keras history: one value per epoch for loss, val_loss, metrics, lr. */
  history: Record<string, number[]>;
  /** Epochs actually run. */
  epochs: number;
  /** Why training ended before `epochs`, if it did (and the weights a callback restored at the end). */
  stopReason?: string;
  /** True when a non-finite step (onNan 'stop') or TerminateOnNaN ended the run. */
  diverged: boolean;
  /** Batches left out because their loss or gradient norm was not finite (onNan 'skip_batch'). */
  skippedBatches: number;
  /** Warnings given at the start. */
  warnings: string[];
  /**
   * The threads the fit trained on (set by fit): FitOptions.threads, or fewer where it fell back (and said why), or
   * those of model.openThreads. What a run folder records as train.threads, so that its config repeats it bit for bit.
   */
  threads?: number;
}

interface BatchBuffers {
  x: Buf;
  y: Buf;
  dy: Buf;
}

/** The longest a fit's epoch runs without a turn of the event loop (trainEpoch), in milliseconds. */
const TURN_MS = 50;

export class Model extends Stack implements CompiledStack {
  optimizer?: Optimizer;
  loss?: Loss;
  clipnorm?: number;
  clipvalue?: number;
  onNan: NanPolicy = 'stop';
  metrics: MetricName[] = [];
  /** Steps of the running fit left out under onNan 'skip_batch'. */
  skippedBatches = 0;
  /** Where the running fit is (epoch, batch), for the message of a non-finite step. */
  private at = { epoch: 0, batch: 0 };
  /** Set by a callback to end training after the current epoch (or batch). */
  stopTraining = false;
  stopReason?: string;
  diverged = false;
  /** Epochs the running fit was asked for (for progress displays). */
  epochsPlanned = 0;
  /** The batch size of the last fit. */
  fitBatchSize?: number;
  /**
   * The most samples one thread's workspace holds in the last fit (its share of a full batch: fitBatchSize on one
   * thread): evaluate and predict default to it, so inference reuses the main thread's training buffers instead of
   * making another set (a recurrent layer's scale with batch x timesteps x units).
   * At fitBatchSize they made a set twice its size once the threads had stopped, beside the threads' freed blocks,
   * which are cut to their sizes: a GRU(64) at lookback 4300, batch 256 on 2 threads trained, then ran out of memory
   * predicting the 300 validation windows (806 MiB more, over the 4096).
   */
  private fitShare?: number;
  /** The rate schedules start from; compile sets it from the optimizer. */
  baseLearningRate = 0;
  /** Whether the fit under way sets the rate from a schedule as each epoch begins (before the callbacks' hook). */
  scheduled = false;
  private trainMetrics = new MetricState([]);
  private readonly batchBuffers = new Map<number, BatchBuffers>();

  compile(opts: CompileOptions = {}): this {
    this.optimizer = getOptimizer(opts.optimizer ?? 'adam');
    this.loss = getLoss(opts.loss ?? 'mse');
    if (opts.clipnorm !== undefined && !(opts.clipnorm > 0))
      throw new ValueError(expected('clipnorm', 'a positive number', opts.clipnorm));
    if (opts.clipvalue !== undefined && !(opts.clipvalue > 0))
      throw new ValueError(expected('clipvalue', 'a positive number', opts.clipvalue));
    if (opts.onNan !== undefined && !NAN_POLICIES.includes(opts.onNan))
      throw new ValueError(expected('onNan', NAN_POLICIES.join(', '), opts.onNan));
    this.clipnorm = opts.clipnorm;
    this.clipvalue = opts.clipvalue;
    this.onNan = opts.onNan ?? 'stop';
    this.baseLearningRate = this.optimizer.learningRate;
    this.metrics = (opts.metrics ?? []).map((m, i) => metricName(m, `metrics[${i}]`));
    this.trainMetrics = new MetricState(this.metrics);
    return this;
  }

  private checkData(x: Samples, y: Samples | null, what: string): number {
    this.assertLive(what);
    if (!this.built) this.build(x.shape.slice(1));
    const inS = this.inputShape!,
      outS = this.outputShape!;
    const want = inS.T === null ? [inS.F] : [inS.T, inS.F];
    const N = x.shape[0]!;
    if (x.shape.length !== want.length + 1 || want.some((d, i) => x.shape[i + 1] !== d)) {
      throw new ShapeError(`${what} x: expected shape [N, ${want.join(', ')}], received [${x.shape.join(', ')}]`);
    }
    if (y) {
      const outN = (outS.T ?? 1) * outS.F;
      const size = isTensor(y) ? y.data.length : N * sampleSize(y);
      if (y.shape[0] !== N || size !== N * outN) {
        const wantY = outS.T === null ? `[${N}, ${outS.F}]` : `[${N}, ${outS.T}, ${outS.F}]`;
        throw new ShapeError(
          `${what} y: expected shape ${wantY} for the model's output, received [${y.shape.join(', ')}]`,
        );
      }
    }
    return N;
  }

  private buffers(B: number): BatchBuffers {
    let b = this.batchBuffers.get(B);
    if (!b) {
      const inS = this.inputShape!,
        outS = this.outputShape!;
      const outN = (outS.T ?? 1) * outS.F;
      b = {
        x: this.engine.alloc((inS.T ?? 1) * inS.F * B),
        y: this.engine.alloc(outN * B),
        dy: this.engine.alloc(outN * B),
      };
      this.batchBuffers.set(B, b);
    }
    return b;
  }

  /** Copies samples idx[start..start+B) into time-major (T, B, F) rows (a tensor's, or a source's gathered). */
  private gather(
    src: Samples,
    T: number | null,
    F: number,
    idx: ArrayLike<number>,
    start: number,
    B: number,
    dst: Buf,
  ): void {
    gatherSamples(src, idx, start, B, T ?? 1, F, this.engine.view(dst));
  }

  private inputAct(x: Samples, idx: ArrayLike<number>, start: number, B: number, bufs: BatchBuffers): Act {
    const inS = this.inputShape!;
    this.gather(x, inS.T, inS.F, idx, start, B, bufs.x);
    return actOf(bufs.x, B, inS.T, inS.F);
  }

  /** Loss of the output against the gathered targets; writes dL/dout into bufs.dy when grad is set. */
  private lossOf(out: Act, bufs: BatchBuffers, grad: boolean, metrics?: MetricState): number {
    const rows = (out.T ?? 1) * out.B;
    const f32 = this.engine.f32;
    const target = this.engine.view(bufs.y, 0, rows * out.F);
    const poff = (out.buf.ptr >>> 2) + out.off;
    metrics?.update(f32, poff, out.ld, target, rows, out.F);
    return this.loss!.compute(
      f32,
      poff,
      out.ld,
      target,
      rows,
      out.F,
      grad ? this.engine.view(bufs.dy, 0, rows * out.F) : undefined,
    );
  }

  /**
   * One optimizer step on samples idx[start..start+B). Returns the batch loss. A step whose loss or gradient norm
   * is not finite applies no update under onNan 'stop' (which ends the fit as diverged) or 'skip_batch'.
   */
  trainStep(x: Samples, y: Samples, idx: ArrayLike<number>, start: number, B: number): number {
    const state = this.beginStep();
    const bufs = this.gatherBatch(x, y, idx, start, B);
    return this.finishStep(this.batchGrads(B, bufs, this.trainMetrics), state);
  }

  /**
   * trainStep with the batch split between the main thread (share 0, this model) and the training threads:
   * share i's gradient and loss count B_i / B, so their sum is the whole batch's; clipping and the step follow.
   */
  private async threadStep(
    pool: FitThreads,
    x: Samples,
    y: Samples,
    idx: ArrayLike<number>,
    start: number,
    B: number,
  ): Promise<number> {
    if (B > pool.batchSize)
      throw new ValueError(`trainStepAsync: a batch of ${B} samples; the threads were opened for ${pool.batchSize}`);
    const state = this.beginStep();
    pool.dispatch(x, y, idx, start, B, STEP, this.draws.stepSeed);
    const b0 = shareOf(B, pool.threads, 0);
    const own = this.batchGrads(b0, this.gatherBatch(x, y, idx, start, b0), this.trainMetrics);
    if (!pool.sliced) {
      // the spans a backward pass writes: GRU(1000) at lookback 1 has 3 of its 3.03 million weights outside them
      for (const [off, n] of this.gradRanges) this.ops.scale(this.grads, b0 / B, off, n);
      const rest = await pool.collect(this.grads, this.trainMetrics);
      return this.finishStep(own * (b0 / B) + rest, state);
    }
    // Many weights: the gradient sum, its norm and the update run in slices on every thread.
    const rest = await pool.collect(null, this.trainMetrics);
    const norm = Math.sqrt(await pool.reduce(this.grads));
    const { loss, update } = this.settleStep(own * (b0 / B) + rest, state, norm);
    if (update) await pool.step(update, this.stepsSpans);
    return loss;
  }

  /**
   * A training thread's share of a batch: x and y gathered time-major for B samples; in training the gradient (not
   * scaled) goes to `grads`, else only the forward pass runs (inference); the output rows go to `out`.
   * Returns the share's loss with its activity penalty.
   */
  shareStep(x: Float32Array, y: Float32Array, B: number, out: Float32Array, training = true): number {
    const bufs = this.buffers(B);
    this.engine.view(bufs.x).set(x.subarray(0, bufs.x.length));
    this.engine.view(bufs.y).set(y.subarray(0, bufs.y.length));
    const loss = training ? this.batchGrads(B, bufs) : this.batchLoss(B, bufs);
    const o = this.lastOut!,
      f32 = this.engine.f32,
      base = (o.buf.ptr >>> 2) + o.off;
    for (let r = 0, rows = (o.T ?? 1) * o.B; r < rows; r++)
      out.set(f32.subarray(base + r * o.ld, base + r * o.ld + o.F), r * o.F);
    return loss;
  }

  /** Before a step: the moving statistics to restore and the metrics mark, under the nan policy. */
  private beginStep(): Float32Array | null {
    if (!this.optimizer || !this.loss) throw new ValueError('model: call compile() before training');
    // the step's dropout masks and noise come from one seed (drawn only where a layer draws: a model without
    // dropout keeps its random stream for the shuffles), the same for the training threads' shares (pool.dispatch)
    this.draws.begin(this.drawsRandom ? this.rng.nextU32() : 0, 0);
    const state = this.onNan !== 'continue' ? this.stateBefore() : null;
    if (this.onNan === 'skip_batch') this.trainMetrics.mark();
    return state;
  }

  /** Gathers samples idx[start..start+B) and their targets into the buffers for B. */
  private gatherBatch(x: Samples, y: Samples, idx: ArrayLike<number>, start: number, B: number): BatchBuffers {
    const outS = this.outputShape!;
    const bufs = this.buffers(B);
    this.inputAct(x, idx, start, B, bufs);
    this.gather(y, outS.T, outS.F, idx, start, B, bufs.y);
    return bufs;
  }

  /** Forward (training), loss and backward over a gathered batch; gradients in `grads`; loss plus activity penalty. */
  private batchGrads(B: number, bufs: BatchBuffers, metrics?: MetricState): number {
    const inS = this.inputShape!,
      outS = this.outputShape!;
    const out = this.forward(actOf(bufs.x, B, inS.T, inS.F), true);
    this.lastOut = out;
    const loss = this.lossOf(out, bufs, true, metrics) + this.activityPenalty;
    this.zeroGrads();
    this.backward(actOf(bufs.dy, B, outS.T, outS.F));
    return loss;
  }
  private lastOut?: Act;

  /** Forward (inference) and loss over a gathered batch, for evaluate; loss plus activity penalty. */
  private batchLoss(B: number, bufs: BatchBuffers, metrics?: MetricState): number {
    const inS = this.inputShape!;
    const out = this.forward(actOf(bufs.x, B, inS.T, inS.F), false, B, false);
    this.lastOut = out;
    return this.lossOf(out, bufs, false, metrics) + this.activityPenalty;
  }

  /** Weight penalty, the nan policy, clipping and the optimizer step on the batch's gradient. Returns the loss. */
  private finishStep(batchLoss: number, state: Float32Array | null): number {
    const { loss, update } = this.settleStep(batchLoss, state);
    if (update) for (const [off, n] of this.stepRanges) runElementwise(this.engine, update, off, off + n);
    return loss;
  }

  /**
   * The optimizer steps only the spans of the gradient a backward pass writes (gradRanges) when a zero gradient
   * moves no weight (no weight decay): the same weights to the bit, without a pass over weights that never get a
   * gradient (GRU(1000) at lookback 1: its recurrent kernel, 3 of 3.03 million weights). PyTorch steps them with a
   * zero gradient, which leaves them as they are.
   */
  private get stepsSpans(): boolean {
    return this.optimizer!.weightDecay === 0;
  }
  private get stepRanges(): GradRanges {
    return this.stepsSpans ? this.gradRanges : [[0, this.params.length]];
  }
  /** The weights a step passes over (the threads' rules: worthwhileThreads, SLICED_WEIGHTS). */
  get stepWeights(): number {
    return rangesLength(this.stepRanges);
  }

  /**
   * Weight penalty, the nan policy and clipping on the batch's gradient; returns the loss and the optimizer's update
   * to run (null when the nan policy skips it). `reducedNorm`: the gradient's norm when the caller has it (the
   * threads' sum), used unless the weight penalty changes the gradient.
   */
  private settleStep(
    batchLoss: number,
    state: Float32Array | null,
    reducedNorm?: number,
  ): { loss: number; update: ElementwiseCall | null } {
    let loss = batchLoss;
    if (this.regularized) loss += this.weightPenalty(true);
    const norm = reducedNorm !== undefined && !this.regularized ? reducedNorm : Math.sqrt(this.gradSumsq());
    if (!(Number.isFinite(loss) && Number.isFinite(norm)) && this.onNan !== 'continue') {
      if (state) this.engine.view(this.state).set(state); // moving statistics the bad batch touched
      if (this.onNan === 'skip_batch') {
        this.trainMetrics.rewind();
        this.skippedBatches++;
      } else {
        this.stopTraining = true;
        this.diverged = true;
        this.stopReason = divergedReason(this.at.epoch, this.at.batch, loss, norm);
      }
      return { loss, update: null };
    }
    if (this.clipvalue !== undefined) clipByValue(this.ops, this.grads, this.clipvalue);
    if (this.clipnorm !== undefined)
      clipByGlobalNorm(this.ops, this.grads, this.clipnorm, this.clipvalue === undefined ? norm : undefined);
    return { loss, update: this.optimizer!.prepare(this.ops, this.params, this.grads) };
  }

  /** A copy of the moving statistics (batch normalization) before a step, when the model has any. */
  private stateBefore(): Float32Array | null {
    if (!this.built || this.state.length === 0) return null;
    this.savedState ??= new Float32Array(this.state.length);
    this.savedState.set(this.engine.view(this.state));
    return this.savedState;
  }
  private savedState?: Float32Array;

  /**
   * Trains for a number of epochs and returns the per-epoch history.
   * @example
   * import { adam, dense, gru, sequential, tensor } from 'seqtune';
   * const x = tensor(new Float32Array(256 * 24), [256, 24, 1]); // 256 windows of 24 steps, one feature
   * const y = tensor(new Float32Array(256), [256, 1]);
   * const [xv, yv] = [tensor(new Float32Array(64 * 24), [64, 24, 1]), tensor(new Float32Array(64), [64, 1])];
   * const model = sequential([gru({ units: 32, inputShape: [24, 1] }), dense({ units: 1 })]);
   * model.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'mse' });
   * const { history } = await model.fit(x, y, { epochs: 10, batchSize: 32, validationData: [xv, yv] });
   */
  async fit(x: Samples, y: Samples, opts: FitOptions = {}): Promise<History> {
    if (!this.optimizer || !this.loss) throw new ValueError('model: call compile() before fit');
    this.checkData(x, y, 'fit');
    let validation = opts.validationData;
    if (opts.validationSplit !== undefined) {
      if (validation) throw new ValueError('fit: give validationData or validationSplit, not both');
      [x, y, validation] = this.holdOut(x, y, opts.validationSplit);
    }
    if (validation) this.checkData(validation[0], validation[1], 'fit validationData');
    const epochs = opts.epochs ?? 1;
    const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(epochs) || epochs < 0)
      throw new ValueError(expected('fit.epochs', 'a non-negative integer', opts.epochs));
    if (!Number.isInteger(batchSize) || batchSize <= 0)
      throw new ValueError(expected('fit.batchSize', 'a positive integer', opts.batchSize));
    const bs = Math.min(batchSize, x.shape[0]!);
    // the threads of openThreads hold batches of their size at most: said here, not by trainStepAsync at the first step
    if (this.pool && bs > this.pool.batchSize)
      throw new ValueError(
        `fit.batchSize: ${bs} samples a batch, more than the ${this.pool.batchSize} that model.openThreads opened ` +
          `the threads for; open them for ${bs}, or close them (closeThreads) and give fit threads`,
      );
    // (threads opened before hold workspaces this engine cannot count as free: their fit is not judged here)
    if (!this.pool) {
      for (const l of this.layers) l.releaseWorkspaces();
      const on = this.threadsFor(opts.threads ?? 1, bs, bs);
      const blocks = this.stepBlocksByThread(bs, x.shape[0]!, on, validation?.[0].shape[0] ?? 0, opts.callbacks);
      this.assertStepFits(bs, x.shape[0]!, on, blocks);
    }
    this.ops.reserveScratch(this.scratchFloats);
    const warn = opts.onWarning ?? ((m: string) => console.warn(`seqtune warning: ${m}`));
    const warnings = fitWarnings(this, x, y, validation, batchSize);
    for (const w of warnings) warn(w);
    const own = !this.pool; // threads openThreads opened before are used and left open
    if (own)
      await this.openThreads(opts.threads ?? 1, bs, (w) => {
        warnings.push(w);
        warn(w);
      });
    try {
      return await this.trainEpochs(x, y, validation, opts, { epochs, bs, warnings, warn });
    } finally {
      if (own) await this.closeThreads();
    }
  }

  /**
   * The bytes a fit's steps add to engine memory, beside the weights and gradients the model holds: what fit asks the
   * engine for before its first step, to refuse (MemoryLimitError) a fit whose steps cannot fit. Each thread, for each
   * batch size its share of the fit runs, holds its layers' workspaces (workspaceFloats: every layer counts the
   * buffers it allocates) and the batch's input, target and output gradient; the sizes are the full batch's, the last
   * partial one's and, with `validation` samples, the validation's last batch's, all three in memory together from
   * the first epoch on (a layer keeps WORKSPACES_KEPT). Each training thread's replica holds a gradient of its own,
   * and the optimizer makes its state at the first step (stateFloats). Each thread's layers make buffers of their own
   * once (fixedFloats: a recurrent layer's packed weights; the main thread's only where not made yet), and
   * its gemm kernel the scratch of the largest product (scratchFloats). The fit's `callbacks` count what they take
   * (engineFloats: EarlyStopping's restoreBestWeights and TerminateOnNaN keep a copy of the weights). A size only
   * the validation runs holds an inference pass's workspace (workspaceFloats' inference: no backward buffers).
   */
  stepBytes(
    batchSize: number,
    samples: number,
    threads: number,
    validation = 0,
    callbacks: readonly FitCallback<Model>[] = [],
  ): number {
    return this.stepBlocksByThread(batchSize, samples, threads, validation, callbacks)
      .flat()
      .reduce((s, b) => s + b, 0);
  }

  /**
   * The blocks stepBytes adds up, in bytes, one a buffer (a layer's fixed buffers, a callback's copies: one for all),
   * by the thread that allocates them: what fit asks the engine to find room for (Engine.assertFits), each thread's in
   * the order its fit asks for them (Engine.fitsBlocks places them so): [0] this thread's: its gemm scratch where it
   * must grow, the callbacks' copies, then for each batch size its share runs (the full batch's, the last's, the
   * validation's) the batch's buffers and the layers' workspaces, at the first size each layer's fixed buffers not made
   * yet (forward ones after its workspace, the backward pass's in the backward order) and the optimizer's state (the
   * first step's update); [i] training thread i's: its replica's gradient and gemm scratch, then its share's as this
   * thread's (all fixed buffers its own), which its engine cuts from the blocks parked for it (Engine.park) before the
   * top of the memory.
   */
  stepBlocksByThread(
    batchSize: number,
    samples: number,
    threads: number,
    validation = 0,
    callbacks: readonly FitCallback<Model>[] = [],
  ): number[][] {
    const scratch = blockFloats(this.scratchFloats),
      state = this.optimizer?.stateFloats(this.params.length) ?? 0,
      weights = blockFloats(this.params.length);
    const byThread: number[][] = [];
    for (let i = 0; i < threads; i++) {
      const floats: number[] = [];
      const add = (n: number, times = 1) => {
        for (let k = 0; k < times && n > 0; k++) floats.push(n);
      };
      if (i > 0) add(blockFloats(this.grads.length));
      if (i > 0 || this.scratchFloats > this.ops.scratchHeld) add(scratch);
      if (i === 0) for (const c of callbacks) add(c.engineFloats?.(this) ?? 0);
      for (const [k, [b, inference]] of shareSizes(batchSize, samples, validation, threads, i).entries()) {
        if (i > 0 || !this.batchBuffers.has(b)) floats.push(...this.batchBlocks(b));
        const toMake = i === 0;
        for (const l of this.layers) {
          floats.push(...l.workspaceBlocks(b, inference));
          if (k === 0) add(l.fixedFloats(toMake, true));
        }
        if (k > 0) continue;
        for (const l of [...this.layers].reverse()) add(l.fixedFloats(toMake) - l.fixedFloats(toMake, true));
        if (i === 0) add(weights, state / weights); // the optimizer's state: buffers of one float a weight
      }
      byThread.push(floats.map((n) => n * 4));
    }
    return byThread;
  }

  /** Floats of the blocks of a batch's input, target and output gradient for b samples (buffers). */
  private batchBlocks(b: number): number[] {
    const inS = this.inputShape!,
      outS = this.outputShape!,
      out = blockFloats((outS.T ?? 1) * outS.F * b);
    return [blockFloats((inS.T ?? 1) * inS.F * b), out, out];
  }

  /**
   * The batches predict and evaluate run N samples in: of `batchSize`; else, after a fit, of the fit's (its main
   * thread's share), the last filled up with copies of the last sample (filled), which the workspaces the fit made
   * serve; else of inferenceBatch (chosen). idx: each row's sample. The gemm scratch of their products is made first.
   */
  private inferenceBatches(
    N: number,
    batchSize?: number,
  ): { bs: number; filled: boolean; chosen: boolean; idx: Int32Array } {
    const filled = batchSize === undefined && this.fitShare !== undefined,
      chosen = batchSize === undefined && !filled;
    const bs = filled ? this.fitShare! : chosen ? this.inferenceBatch(N) : Math.max(1, Math.min(batchSize!, N));
    this.ops.reserveScratch(this.inferenceScratch);
    const idx = Int32Array.from({ length: filled ? Math.ceil(N / bs) * bs : N }, (_, i) => Math.min(i, N - 1));
    return { bs, filled, chosen, idx };
  }

  /**
   * Before a batch of `run` samples of predict or evaluate, its buffers made: where inferenceBatch chose their batch of
   * `bs` and this last one is smaller, the full batches' workspaces go back, so that its own are cut from theirs and
   * the batches take what inferenceBytes counted, no more (beside them, a GRU(64) at lookback 6000 predicting 300
   * windows in batches of 256 took 2205 MiB, its batch of 256 1881). Its buffers, which stay, are made before: cut
   * from the workspaces' blocks, they split them, and the next prediction's batch of 256 found no block for its own.
   */
  private beforeBatch(run: number, bs: number, chosen: boolean): void {
    if (chosen && run < bs) for (const l of this.layers) l.releaseWorkspaces();
  }

  /**
   * The batch predict and evaluate run on N samples without a batchSize on a model no fit has run on (a loaded one):
   * up to INFERENCE_BATCH_SIZE samples, halved while what it makes (inferenceBytes) does not fit in the engine memory
   * left. Each sample's prediction is its own whatever the batch. At 256, a GRU(64) trained at lookback 6000 in
   * batches of 32 (841 MiB for its steps) needed 4131 MiB to predict or evaluate its run folder.
   */
  private inferenceBatch(N: number): number {
    return this.engine.largestThatFits(Math.min(INFERENCE_BATCH_SIZE, N), (b) => this.inferenceBlocks(b, N));
  }

  /**
   * The bytes predict and evaluate of `samples` samples (one batch unless said) add to engine memory in batches of
   * `batchSize` samples where no workspace of a fit serves them: each layer's inference workspace (workspaceFloats'
   * inference: no backward buffers; a smaller last batch's are cut from them, beforeBatch), the buffers its layers
   * make once for a forward pass and have not yet (fixedFloats), the batches' buffers and the gemm scratch where it
   * must grow. What inferenceBatch halves its batch by.
   */
  inferenceBytes(batchSize: number, samples = batchSize): number {
    return this.inferenceBlocks(batchSize, samples).reduce((s, b) => s + b, 0);
  }

  /**
   * The blocks inferenceBytes adds up, in bytes, one a buffer (a layer's fixed buffers: one for all), in the order a
   * prediction asks for them: the gemm scratch, the full batch's buffers, each layer's workspace and fixed buffers,
   * the last batch's buffers.
   */
  private inferenceBlocks(batchSize: number, samples = batchSize): number[] {
    const floats: number[] = [];
    if (this.inferenceScratch > this.ops.scratchHeld) floats.push(blockFloats(this.inferenceScratch));
    const batches = (b: number) => (b > 0 && !this.batchBuffers.has(b) ? this.batchBlocks(b) : []);
    floats.push(...batches(batchSize));
    for (const l of this.layers) {
      floats.push(...l.workspaceBlocks(batchSize, true));
      const fixed = l.fixedFloats(true, true);
      if (fixed > 0) floats.push(fixed);
    }
    floats.push(...batches(samples % batchSize));
    return floats.map((n) => n * 4);
  }

  /** Floats of gemm scratch a training step's largest product needs (Layer.scratchFloats): a thread reserves them. */
  get scratchFloats(): number {
    return this.layers.reduce((s, l) => Math.max(s, l.scratchFloats()), 0);
  }

  /**
   * Floats of gemm scratch an inference pass's largest product needs, reserved before predict's and evaluate's first
   * batch: made once, not grown product by product with each smaller one left behind as a hole.
   */
  private get inferenceScratch(): number {
    return this.layers.reduce((s, l) => Math.max(s, l.scratchFloats(true)), 0);
  }

  /**
   * Throws the engine's MemoryLimitError when the buffers of stepBlocksByThread cannot be allocated beside what is in
   * use; `blocks`: stepBlocksByThread when the caller has them (fit and check, with their validation and callbacks).
   */
  assertStepFits(
    batchSize: number,
    samples: number,
    threads: number,
    blocks: readonly (readonly number[])[] = this.stepBlocksByThread(batchSize, samples, threads),
  ): void {
    const bs = Math.min(batchSize, samples),
      what = `a training step of ${bs} samples on ${threads} thread${threads === 1 ? '' : 's'}`;
    const [own = [], ...others] = blocks;
    this.engine.assertFits(own, what, others);
  }

  /**
   * How many threads a fit of `samples` samples with `threads` asked and fit's `batchSize` trains on, before it starts
   * any: fewer for a small model, a model with batch statistics, or where shared memory is missing.
   */
  threadsFor(threads: number, batchSize: number | undefined, samples: number): number {
    return threadPlan(this, threads, Math.max(1, Math.min(batchSize ?? DEFAULT_BATCH_SIZE, samples))).n;
  }

  /**
   * How many of `threads` free threads a fit of `epochs` epochs over `samples` samples in batches of `batchSize` gains
   * from, where nobody asked for a count (threadsWorth): 1 for a fit too small to pay for starting them.
   */
  threadsWorth(threads: number, batchSize: number | undefined, samples: number, epochs: number): number {
    return threadsWorth(this, threads, batchSize ?? DEFAULT_BATCH_SIZE, samples, epochs);
  }

  /**
   * Starts `threads - 1` training threads that share batches of up to `batchSize` samples with this thread, for
   * trainStepAsync and every fit until closeThreads (a fit without them opens and closes its own, per `threads`).
   * Falls back to one thread, with `warn` saying why, where it cannot.
   */
  async openThreads(
    threads: number,
    batchSize: number,
    warn: (line: string) => void = (m) => console.warn(`seqtune warning: ${m}`),
  ): Promise<void> {
    if (!this.optimizer || !this.loss) throw new ValueError('model: call compile() before openThreads');
    await this.closeThreads();
    this.pool = await startFitThreads(this, threads, batchSize, warn);
  }

  /** Stops the training threads openThreads started (nothing when none run). */
  async closeThreads(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  /** trainStep on the threads of openThreads (on this thread alone when none are open). */
  async trainStepAsync(x: Samples, y: Samples, idx: ArrayLike<number>, start: number, B: number): Promise<number> {
    return this.pool ? this.threadStep(this.pool, x, y, idx, start, B) : this.trainStep(x, y, idx, start, B);
  }
  /** The training threads open (none on one thread). */
  private pool?: FitThreads | null;

  /** fit's loop over the epochs, its callbacks, validation and history. */
  private async trainEpochs(
    x: Samples,
    y: Samples,
    validation: [Samples, Samples] | undefined,
    opts: FitOptions,
    run: { epochs: number; bs: number; warnings: string[]; warn: (m: string) => void },
  ): Promise<History> {
    const { epochs, bs, warnings } = run;
    const N = x.shape[0]!;
    const schedule = opts.schedule !== undefined ? getSchedule(opts.schedule) : undefined;
    const callbacks = this.fitCallbacks(opts, epochs, Math.ceil(N / bs));
    this.stopTraining = false;
    this.stopReason = undefined;
    this.diverged = false;
    this.skippedBatches = 0;
    this.epochsPlanned = epochs;
    this.scheduled = schedule !== undefined;
    this.fitBatchSize = bs;
    this.fitShare = shareOf(bs, this.pool?.threads ?? 1, 0);
    const history = this.emptyHistory(Boolean(validation));
    const identity = Int32Array.from({ length: N }, (_, i) => i);
    for (const c of callbacks) await c.onTrainBegin();
    let ran = 0;
    for (let e = 0; e < epochs && !this.stopTraining; e++) {
      this.at.epoch = e;
      if (schedule) this.optimizer!.learningRate = schedule.lrAt(e, this.baseLearningRate);
      for (const c of callbacks) await c.onEpochBegin(e);
      const lr = this.optimizer!.learningRate;
      const order = (opts.shuffle ?? true) ? this.rng.permutation(N) : identity;
      const logs = await this.trainEpoch(x, y, order, bs, callbacks);
      if (validation) await this.validate(validation, bs, logs, Object.keys(history));
      logs.lr = lr;
      ran++;
      for (const k of Object.keys(history)) history[k]!.push(logs[k] ?? NaN);
      for (const c of callbacks) await c.onEpochEnd(e, logs);
      await new Promise<void>((r) => setImmediate(r));
    }
    for (const c of callbacks) await c.onTrainEnd();
    if (this.skippedBatches) {
      const w = skippedWarning(this.skippedBatches, ran * Math.ceil(N / bs));
      warnings.push(w);
      run.warn(w);
    }
    const { stopReason, diverged, skippedBatches } = this;
    const threads = this.pool?.threads ?? 1;
    return { history, epochs: ran, stopReason, diverged, skippedBatches, warnings, threads };
  }

  /** fit's validationSplit: the last fraction f of the samples (chronologically last) held out. */
  private holdOut(x: Samples, y: Samples, f: number): [Samples, Samples, [Samples, Samples]] {
    if (!(f > 0 && f < 1)) throw new ValueError(expected('fit.validationSplit', 'a number in (0, 1)', f));
    const n = x.shape[0]!,
      nVal = Math.floor(n * f);
    if (nVal < 1 || nVal >= n)
      throw new ValueError(`fit.validationSplit: ${f} of ${n} samples leaves an empty training or validation set`);
    const validation: [Samples, Samples] = [sliceSamples(x, n - nVal, n), sliceSamples(y, n - nVal, n)];
    return [sliceSamples(x, 0, n - nVal), sliceSamples(y, 0, n - nVal), validation];
  }

  /** The caller's callbacks, with a progress logger when verbose, each given this model. */
  private fitCallbacks(opts: FitOptions, epochs: number, batches: number): FitCallback<Model>[] {
    const callbacks: FitCallback<Model>[] = [...(opts.callbacks ?? [])];
    const verbose = opts.verbose ?? 0;
    if (verbose !== 0)
      callbacks.push(new ProgressLogger(epochs, batches, verbose === 'auto' && Boolean(process.stderr.isTTY)));
    for (const c of callbacks) c.setModel(this);
    return callbacks;
  }

  /** History keys in their order: loss, the metrics, val_loss and val_ metrics (with validation), lr. */
  private emptyHistory(validation: boolean): Record<string, number[]> {
    const history: Record<string, number[]> = { loss: [] };
    for (const m of this.metrics) history[m] = [];
    if (validation) {
      history.val_loss = [];
      for (const m of this.metrics) history[`val_${m}`] = [];
    }
    history.lr = [];
    return history;
  }

  /**
   * One epoch of training steps over the samples in order; returns the epoch's mean loss and train metrics. The event
   * loop turns at least every TURN_MS (a step on the training threads turns it anyway; one on this thread alone settles
   * without a turn), so that Ctrl-C's and SIGTERM's handlers run during the epoch: a one-thread `seqtune train` of
   * GRU(48) at lookback 336 on ETTh1 (7 s epochs) stopped two epochs after SIGTERM, 11.6 s, the first turn at an
   * epoch's end coming before the signal was read.
   */
  private async trainEpoch(
    x: Samples,
    y: Samples,
    order: ArrayLike<number>,
    bs: number,
    callbacks: FitCallback<Model>[],
  ): Promise<Logs> {
    const N = x.shape[0]!;
    let sum = 0,
      seen = 0,
      batch = 0;
    this.trainMetrics.reset();
    let turnAt = performance.now() + TURN_MS;
    for (let start = 0; start < N && !this.stopTraining; start += bs, batch++) {
      if (performance.now() >= turnAt) {
        await new Promise<void>((r) => setImmediate(r));
        turnAt = performance.now() + TURN_MS;
      }
      const B = Math.min(bs, N - start);
      const skipped = this.skippedBatches;
      this.at.batch = batch;
      const l = await this.trainStepAsync(x, y, order, start, B);
      if (this.skippedBatches === skipped) {
        sum += l * B;
        seen += B;
      }
      for (const c of callbacks) await c.onBatchEnd(batch, { loss: l, size: B });
    }
    return { loss: seen ? sum / seen : N ? Number.NaN : 0, ...this.trainMetrics.result() };
  }

  /**
   * Adds the val_ figures of an epoch to its logs. A diverged epoch is not evaluated: its figures are NaN, so
   * callbacks that monitor them (early stopping, checkpoints) see a bad epoch instead of a missing key.
   */
  private async validate(validation: [Samples, Samples], bs: number, logs: Logs, keys: string[]): Promise<void> {
    if (this.diverged) {
      for (const k of keys) if (k.startsWith('val_')) logs[k] = Number.NaN;
      return;
    }
    const ev = await this.evaluateAsync(validation[0], validation[1], bs);
    for (const [k, v] of Object.entries(ev)) logs[`val_${k}`] = v;
  }

  override dispose(): void {
    if (this.disposed) return;
    void this.closeThreads();
    super.dispose();
    for (const b of this.batchBuffers.values()) for (const buf of [b.x, b.y, b.dy]) this.engine.release(buf);
    this.batchBuffers.clear();
    this.optimizer?.dispose(this.ops);
  }

  /** Writes the model (config and weights) to a folder; see loadModel. */
  async save(dir: string): Promise<void> {
    this.assertLive('save');
    await saveModel(this, dir);
  }

  /**
   * Mean loss and the compiled metrics over x, y (inference mode: dropout off). After a fit, without a batchSize, it
   * runs batches of the fit's size (its main thread's share) as predict does, the last filled up with copies of the
   * last sample that neither the loss, the metrics nor an activity penalty read: the same figures, to the bit, as
   * batches of that size with a smaller last one, without making that one's workspace beside the fit's three.
   */
  evaluate(x: Samples, y: Samples, opts: { batchSize?: number } = {}): { loss: number; [metric: string]: number } {
    if (!this.loss) throw new ValueError('model: call compile() before evaluate');
    const N = this.checkData(x, y, 'evaluate');
    const outS = this.outputShape!;
    const { bs, filled, chosen, idx } = this.inferenceBatches(N, opts.batchSize);
    let sum = 0;
    const metrics = new MetricState(this.metrics);
    for (let start = 0; start < N; start += bs) {
      const B = Math.min(bs, N - start),
        run = filled ? bs : B;
      const bufs = this.buffers(run);
      this.beforeBatch(run, bs, chosen);
      this.gather(y, outS.T, outS.F, idx, start, B, bufs.y); // the B real samples' targets, (T, B, F)
      const out = this.forward(this.inputAct(x, idx, start, run, bufs), false, B, false);
      sum += (this.lossOf(this.firstSamples(out, B), bufs, false, metrics) + this.activityPenalty) * B;
    }
    // as predict's: the next one's full batch finds the blocks of this one's (a fit's validation keeps its sizes')
    if (chosen) for (const l of this.layers) l.releaseWorkspaces();
    const penalty = this.regularized ? this.weightPenalty(false) : 0;
    return { loss: sum / N + penalty, ...metrics.result() };
  }

  /**
   * The first B samples of a batch's output, rows (t, b < B) moved in place to (t * B + b) for a sequence: the rows
   * the loss of B samples reads (evaluate's last batch, filled up past them). The output's other rows are left as
   * they are; nothing reads them before the next forward pass writes them again.
   */
  private firstSamples(out: Act, B: number): Act {
    if (B === out.B) return out;
    const f32 = this.engine.f32,
      base = (out.buf.ptr >>> 2) + out.off;
    for (let t = 1; t < (out.T ?? 1); t++)
      for (let b = 0; b < B; b++) {
        const from = base + (t * out.B + b) * out.ld;
        f32.copyWithin(base + (t * B + b) * out.ld, from, from + out.F);
      }
    return { ...out, B };
  }

  /** evaluate with each batch split between the threads of openThreads (evaluate itself when none are open). */
  async evaluateAsync(x: Samples, y: Samples, batchSize = 256): Promise<{ loss: number; [metric: string]: number }> {
    const pool = this.pool,
      N = x.shape[0] ?? 0;
    if (!pool || Math.min(batchSize, N) > pool.batchSize) return this.evaluate(x, y, { batchSize });
    if (!this.loss) throw new ValueError('model: call compile() before evaluate');
    this.checkData(x, y, 'evaluate');
    const metrics = new MetricState(this.metrics);
    const own = (idx: Int32Array, start: number, B: number) =>
      this.batchLoss(B, this.gatherBatch(x, y, idx, start, B), metrics);
    const loss = await pool.evaluate(x, y, batchSize, own, metrics);
    const penalty = this.regularized ? this.weightPenalty(false) : 0;
    return { loss: loss + penalty, ...metrics.result() };
  }

  /**
   * Predictions (N, out) or (N, T, out), inference mode. After a fit, without a batchSize, every batch has the size of
   * the fit's (its main thread's share), the last one filled up with copies of the last sample, whose outputs are
   * dropped (each sample's output is its own, to the bit): the workspaces the fit made and its memory check counted
   * serve it. A last batch of another size made a fourth workspace beside the fit's three, in a block none of theirs
   * could be, past what the check counted: GRU(64) at lookback 500, +86 MiB (26%) to predict a split.
   */
  predict(x: Samples, opts: { batchSize?: number } = {}): Tensor {
    const N = this.checkData(x, null, 'predict');
    const outS = this.outputShape!;
    const steps = outS.T ?? 1,
      F = outS.F;
    const res = new Float32Array(N * steps * F);
    const { bs, filled, chosen, idx } = this.inferenceBatches(N, opts.batchSize);
    for (let start = 0; start < N; start += bs) {
      const B = Math.min(bs, N - start),
        run = filled ? bs : B;
      const bufs = this.buffers(run);
      this.beforeBatch(run, bs, chosen);
      const act = this.inputAct(x, idx, start, run, bufs);
      const out = this.toHost(this.forward(act, false, run, false)).data;
      res.set(run === B ? out : out.subarray(0, B * steps * F), start * steps * F);
    }
    // the training batch's buffers stay (a callback may predict between epochs); the prediction's go back
    for (const l of this.layers) l.releaseWorkspaces(this.fitShare);
    return { data: res, shape: outS.T === null ? [N, F] : [N, steps, F] };
  }

  /** Every layer's output for x (inference mode), sample-major: [N, ...layer output shape]. */
  activations(x: Samples): Tensor[] {
    const N = this.checkData(x, null, 'activations');
    const idx = Int32Array.from({ length: N }, (_, i) => i);
    let a = this.inputAct(x, idx, 0, N, this.buffers(N));
    const res: Tensor[] = [];
    this.pass.inference = true;
    for (const layer of this.layers) {
      a = layer.forward(a, false);
      res.push(this.toHost(a));
    }
    return res;
  }

  /** Copies a time-major activation out to a sample-major host tensor. */
  private toHost(a: Act): Tensor {
    const steps = a.T ?? 1,
      F = a.F,
      B = a.B;
    const res = new Float32Array(B * steps * F);
    const f32 = this.engine.f32,
      base = (a.buf.ptr >>> 2) + a.off;
    for (let b = 0; b < B; b++)
      for (let t = 0; t < steps; t++)
        for (let f = 0; f < F; f++) res[(b * steps + t) * F + f] = f32[base + (t * B + b) * a.ld + f]!;
    return { data: res, shape: a.T === null ? [B, F] : [B, steps, F] };
  }

  /** Loss and gradients for one batch without an update (for gradient checks); grads stay in the gradient buffer. */
  lossAndGrads(
    x: Samples,
    y: Samples,
    opts: { needDx?: boolean; training?: boolean } = {},
  ): { loss: number; dx: Float32Array | null } {
    if (!this.loss) throw new ValueError('model: call compile() before lossAndGrads');
    const N = this.checkData(x, y, 'lossAndGrads');
    const outS = this.outputShape!;
    const idx = Int32Array.from({ length: N }, (_, i) => i);
    const bufs = this.buffers(N);
    this.gather(y, outS.T, outS.F, idx, 0, N, bufs.y);
    const out = this.forward(this.inputAct(x, idx, 0, N, bufs), opts.training ?? false);
    let loss = this.lossOf(out, bufs, true) + this.activityPenalty;
    this.zeroGrads();
    const dxAct = this.backward(actOf(bufs.dy, N, outS.T, outS.F), opts.needDx ?? false);
    if (this.regularized) loss += this.weightPenalty(true);
    return { loss, dx: dxAct ? this.toHost(dxAct).data : null };
  }
}

/**
 * The batch sizes thread `i` of `threads` runs in a fit of `samples` samples in batches of `batchSize` with
 * `validation` samples to validate (its shares of the full batch, of the last partial one and of the validation's
 * batches), each once: the sizes whose workspaces its layers keep, each with whether only the validation runs it
 * (its workspace an inference pass's, Layer.workspace).
 */
function shareSizes(
  batchSize: number,
  samples: number,
  validation: number,
  threads: number,
  i: number,
): [number, boolean][] {
  const bs = Math.max(1, Math.min(batchSize, samples)),
    vbs = Math.min(bs, validation);
  const shares = (batches: number[]) => batches.filter((B) => B > 0).map((B) => shareOf(B, threads, i));
  const trained = new Set(shares([bs, samples % bs]).filter((b) => b > 0));
  const validated = new Set(shares([vbs, vbs > 0 ? validation % vbs : 0]).filter((b) => b > 0 && !trained.has(b)));
  return [
    ...[...trained].map((b): [number, boolean] => [b, false]),
    ...[...validated].map((b): [number, boolean] => [b, true]),
  ];
}

/** Rows [a, b) of a sample-major tensor (a copy-free view of the data). */
export function sliceRows(t: Tensor, a: number, b: number): Tensor {
  const per = t.shape.slice(1).reduce((p, d) => p * d, 1);
  return { data: t.data.subarray(a * per, b * per), shape: [b - a, ...t.shape.slice(1)] };
}

/**
 * A model from a list of layers.
 * @example
 * import { dense, lstm, sequential } from 'seqtune';
 * sequential([lstm({ units: 64, inputShape: [24, 8] }), dense({ units: 1 })], { seed: 1 })
 */
export function sequential(
  layers: Layer[],
  opts: { seed?: number; inputShape?: [number, number] | [number] } = {},
): Model {
  return new Model(layers, opts);
}
