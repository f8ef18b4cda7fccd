// The main thread's side of a fit on several threads: starts the training threads (replica.ts), hands each its
// share of every batch, and adds their gradients, losses and metrics to its own share's. See layout.ts.
import type { Worker } from 'node:worker_threads';
import type { Buf, ElementwiseCall, Engine, Ops } from '../../engine/index.js';
import { expected, SeqtuneError, ValueError } from '../../errors.js';
import type { Loss, SavedLayer, SeqShape } from '../../nn/index.js';
import type { MetricState } from '../metrics.js';
import { gatherSamples, type Samples } from '../samples.js';
import {
  CMD,
  ELEMENTWISE_STEP,
  EVAL,
  GEN,
  type GradRanges,
  jobWords,
  PENDING,
  REDUCE,
  type ReplicaData,
  rangesLength,
  reducedSumsq,
  reduceSlice,
  replicaSeed,
  SHARES,
  SLICED_WEIGHTS,
  STEP,
  STOP,
  shareOf,
  spinUntil,
  stepSlice,
  writeCall,
  writeReduce,
  writeStepSeed,
} from './layout.js';
import { siblingModule, startThread } from './start.js';

/** What the threads read of the model they replicate. */
export interface Replicable {
  readonly engine: Engine;
  readonly ops: Ops;
  readonly params: Buf;
  readonly grads: Buf;
  /** The spans of `grads` a backward pass writes (Stack.gradRanges); the threads' replicas have the same. */
  readonly gradRanges: GradRanges;
  /**
   * The weights each step passes over (the gradient sum, its norm, the update): the gradient's spans, or every weight
   * when the optimizer has weight decay (Model's stepRanges).
   */
  readonly stepWeights: number;
  /** Non-trainable weights: frozen ones are copied to the threads once; batch statistics keep a fit on one. */
  readonly state: Buf;
  readonly updatesState: boolean;
  readonly seed: number;
  readonly loss?: Loss;
  readonly inputShape?: SeqShape;
  readonly outputShape?: SeqShape;
  layerConfigs(): SavedLayer[];
}

type WaitAsync = (a: Int32Array, i: number, v: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

/**
 * How long the training threads may take to start (load the kernels, build the replica) before the fit goes on
 * without them. A thread starts in well under a second from built code and in a few seconds from source (a test
 * through tsx, whose loader runs in every thread); one that has not started after a minute is stuck.
 */
export const START_TIMEOUT_MS = 60_000;

/** How often a wait for the threads looks at the pending count again, should a notification be lost. */
const RECHECK_MS = 1000;

/**
 * A training thread still busy STALL_FACTOR times as long as the main thread took for its own share of the same
 * command, and at least STALL_MS, is stuck: the fit stops with an error instead of waiting for ever. The shares are
 * equal (at most one sample apart), so a thread that is merely slow, on a machine with more threads than cores, is a
 * few times slower, not fifty.
 */
export const STALL_MS = 120_000;
const STALL_FACTOR = 50;

/** How long close() waits for the threads to hand back their engine blocks before it ends them anyway. */
const CLOSE_MS = 10_000;

/** Time limits of a pool's threads (tests shorten them). */
export interface ThreadLimits {
  /** To start (START_TIMEOUT_MS). */
  startMs?: number;
  /** To finish a share after the main thread finished its own (STALL_MS, or STALL_FACTOR times its time). */
  stallMs?: number;
}

/** The training threads did not all report ready in time. */
class StartTimeout extends SeqtuneError {}

const seconds = (ms: number) => `${(ms / 1000).toPrecision(2)} s`;

/** `started`, or a StartTimeout after ms milliseconds. */
function inTime(started: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StartTimeout(`the training threads did not start within ${ms / 1000} s`)), ms);
  });
  return Promise.race([started, late]).finally(() => clearTimeout(timer));
}

/**
 * The most threads one fit may be asked for: more than the cores of the machines seqtune trains on (a count above the
 * cores is allowed, so that runs on machines with other core counts agree bit for bit), few enough to start. Each
 * training thread is a worker with its own replica: 64 threads of a GRU(4) took 1.4 GB of memory (22 MB each) and
 * 11 s to start on 2 cores, so `threads: 100000` with batches of 1,024 would have started 1,023 of them (22 GB).
 */
export const MAX_THREADS = 256;

/**
 * The threads a fit of `batchSize`-sample batches trains on when `threads` are asked, and why it is fewer (null when
 * it is not): known before any thread starts, so a run's header can say it (startFitThreads' fallback when threads
 * fail to start aside).
 */
export function threadPlan(model: Replicable, threads: number, batchSize: number): { n: number; why: string | null } {
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS))
    throw new ValueError(expected('fit.threads', `an integer from 1 to ${MAX_THREADS}`, threads));
  const n = Math.min(threads, batchSize, worthwhileThreads(model, batchSize));
  const asked = `threads: ${threads} asked, training on`;
  if (n < Math.min(threads, batchSize))
    return {
      n,
      why:
        `${asked} ${n}: ${model.stepWeights.toLocaleString('en-US')} weights are ` +
        `many for batches of ${batchSize} x ${model.inputShape!.T ?? 1} steps (adding the gradients of the ` +
        'threads to the batch gradient would cost more than they save)',
    };
  if (n <= 1) return { n: 1, why: null };
  if (typeof SharedArrayBuffer !== 'function' || typeof waitAsync !== 'function')
    return { n: 1, why: `${asked} 1 thread: SharedArrayBuffer or Atomics.waitAsync is unavailable` };
  if (model.updatesState)
    return { n: 1, why: `${asked} 1 thread: BatchNormalization needs the statistics of the whole batch` };
  return { n, why: null };
}

/**
 * The training threads of one fit, or null when it runs on one thread: threads is 1, the batch has one sample,
 * or (with `warn` saying why) shared memory is unavailable or the model has batch statistics (threadPlan).
 */
export async function startFitThreads(
  model: Replicable,
  threads: number,
  batchSize: number,
  warn: (line: string) => void,
  limits: ThreadLimits = {},
): Promise<FitThreads | null> {
  const { n, why } = threadPlan(model, threads, batchSize);
  if (why) warn(why);
  if (n <= 1) return null;
  const pool = new FitThreads(model, n, batchSize, limits);
  try {
    await pool.ready;
  } catch (e) {
    if (!(e instanceof StartTimeout)) {
      await pool.close();
      throw e;
    }
    await pool.abandon();
    warn(`threads: ${threads} asked, training on 1 thread: ${e.message}`);
    return null;
  }
  return pool;
}

/**
 * The most threads worth a batch: every share needs at least one sample-timestep per 1,000 weights, unless the model
 * has SLICED_WEIGHTS weights or more (layout.ts), where the weight passes are split between the threads too. Below
 * that size the main thread alone adds each thread's gradient into the batch's and steps, a pass over every weight
 * per thread, while a share's forward and backward pass does work in proportion to its sample-timesteps. Measured on
 * 2 threads when each batch also copied the weights (BENCHMARKS.md, issue 17): the standard workloads have 4 to 70
 * weights per sample-timestep of a share and ran 1.4-2x faster. A rule of the model and the batch, not of timing, so
 * a run stays reproducible.
 */
export function worthwhileThreads(model: Replicable, batchSize: number): number {
  if (model.stepWeights >= SLICED_WEIGHTS) return batchSize; // the weight passes are split too
  const work = batchSize * (model.inputShape!.T ?? 1);
  return Math.max(1, Math.floor((1000 * work) / Math.max(1, model.stepWeights)));
}

/**
 * The least work (weights the step passes over x the sample-timesteps of a thread's share) a share of a batch holds
 * for threads to gain where nobody asked for them (threadsWorth), and the least a whole fit holds to pay for starting
 * them (each thread loads the kernels and builds its replica: 0.33-0.40 s on AMD EPYC family 23, on every fit). On
 * that machine, 2 threads against 1 per batch (openThreads once, the best of 3 fits of 5 epochs): GRU(4) at 12 steps,
 * batches of 32 (a share of 25 thousand) 0.54x; GRU(8) at 24 (123 thousand) 0.9x; GRU(16) at 24 (362 thousand)
 * 1.0-1.2x; LSTM(16) at 24 (627 thousand) 1.17x; GRU(24) at 24 (774 thousand) 1.3x; GRU(16) at 48, batches of 64
 * (1.45 million) 1.38x; tiny-gru (2.6 million) 1.5x. A fit gains about a quarter of its one-thread time, some 0.3-0.7
 * ns a weight-timestep, so 0.35 s of starting pays back past about 4 billion.
 */
export const MIN_SHARE_WORK = 2 ** 19;
export const MIN_FIT_WORK = 2 ** 32;

/**
 * The threads a fit of `epochs` epochs over `samples` samples in batches of `batchSize` trains on when nobody asked
 * for a count (train.threads unset) and `threads` are free: all of them where each share holds MIN_SHARE_WORK and
 * the whole fit MIN_FIT_WORK, fewer or 1 where not. A study of GRU(4) trials on 240 rows started a thread for every
 * trial and ran 4x longer than on one (24 trials: 25 s against 6.5 s). A rule of the model and the fit, not of
 * timing, so a run stays reproducible.
 */
export function threadsWorth(
  model: Replicable,
  threads: number,
  batchSize: number,
  samples: number,
  epochs: number,
): number {
  const T = model.inputShape!.T ?? 1,
    w = Math.max(1, model.stepWeights),
    bs = Math.max(1, Math.min(batchSize, samples));
  if (w * T * samples * epochs < MIN_FIT_WORK) return 1;
  const shares = Math.floor((w * T * bs) / MIN_SHARE_WORK);
  return Math.max(1, Math.min(threads, shares, worthwhileThreads(model, bs)));
}

/** A thread's share: its gradient in the engine memory (known once the thread is ready), and its sample buffers. */
interface Share {
  grads?: Buf;
  x: Float32Array;
  y: Float32Array;
  out: Float32Array;
}

export class FitThreads {
  readonly ready: Promise<void>;
  private readonly ctl: Int32Array;
  private readonly losses: Float64Array;
  private readonly job: Float64Array;
  private readonly shares: Share[] = [];
  /** The weight passes of a step (gradient sum, norm, update) are split between the threads too (SLICED_WEIGHTS). */
  readonly sliced: boolean;
  private readonly workers: Worker[] = [];
  private readonly failed: Promise<never>;
  private closing = false;
  private batch = 0;
  /** When the threads were last woken to a command (performance.now()). */
  private wokenAt = 0;
  private readonly stallMs: number;

  constructor(
    private readonly model: Replicable,
    readonly threads: number,
    /** The largest batch the buffers hold. */
    readonly batchSize: number,
    limits: ThreadLimits = {},
  ) {
    this.stallMs = limits.stallMs ?? STALL_MS;
    const maxShare = Math.ceil(batchSize / threads);
    const inS = model.inputShape!,
      outS = model.outputShape!;
    const sab = (floats: number, bytes = 4) => new SharedArrayBuffer(Math.max(floats, 1) * bytes);
    const data = {
      ctl: sab(SHARES + threads),
      losses: sab(threads, 8),
      job: sab(jobWords(threads), 8),
      threads,
      memory: model.engine.memory,
      params: { ptr: model.params.ptr, length: model.params.length },
      state: { ptr: model.state.ptr, length: model.state.length },
    };
    this.ctl = new Int32Array(data.ctl);
    this.losses = new Float64Array(data.losses);
    this.job = new Float64Array(data.job);
    this.sliced = model.stepWeights >= SLICED_WEIGHTS;
    let fail: (e: Error) => void = () => {};
    this.failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    this.failed.catch(() => {}); // read by ready and collect; a failure between batches is not unhandled
    const readies: Promise<void>[] = [];
    for (let i = 1; i < threads; i++) {
      const own = {
        x: sab((inS.T ?? 1) * inS.F * maxShare),
        y: sab((outS.T ?? 1) * outS.F * maxShare),
        out: sab((outS.T ?? 1) * outS.F * maxShare),
      };
      const share: Share = {
        x: new Float32Array(own.x),
        y: new Float32Array(own.y),
        out: new Float32Array(own.out),
      };
      this.shares.push(share);
      const worker = this.spawn(i, { ...data, ...own }, fail);
      readies.push(
        new Promise<void>((resolve) =>
          worker.on('message', (msg: { ready?: { grads: Buf } }) => {
            if (!msg?.ready) return;
            share.grads = msg.ready.grads;
            resolve();
          }),
        ),
      );
    }
    this.ready = inTime(
      Promise.race([Promise.all(readies).then(() => undefined), this.failed]),
      limits.startMs ?? START_TIMEOUT_MS,
    );
  }

  /** Starts training thread i; any error it reports, or its exit before close, rejects `failed`. */
  private spawn(
    i: number,
    buffers: Omit<ReplicaData, 'index' | 'layers' | 'inputShape' | 'seed' | 'loss' | 'blocks'>,
    fail: (e: Error) => void,
  ): Worker {
    const m = this.model,
      inS = m.inputShape!;
    const init: ReplicaData = {
      index: i,
      layers: m.layerConfigs(),
      inputShape: inS.T === null ? [inS.F] : [inS.T, inS.F],
      seed: replicaSeed(m.seed, i),
      blocks: m.engine.unpark(i),
      loss: m.loss!.config,
      ...buffers,
    };
    const worker = startThread(siblingModule(import.meta.url, 'replica'), init);
    const failure = (why: string) => new SeqtuneError(`training thread ${i} of ${this.threads} failed: ${why}`);
    worker.on('message', (msg: unknown) => {
      if (msg && typeof msg === 'object' && 'error' in msg) fail(failure(String(msg.error)));
    });
    worker.on('error', (e) => fail(failure(e.message)));
    worker.on('exit', (code) => {
      if (!this.closing) fail(failure(`the thread exited (code ${code})`));
    });
    this.workers.push(worker);
    return worker;
  }

  /**
   * Gathers the threads' shares of samples idx[start..start+B) and wakes them to train (STEP) or to evaluate (EVAL)
   * their shares; they read the model's weights where they lie.
   */
  dispatch(x: Samples, y: Samples, idx: ArrayLike<number>, start: number, B: number, cmd = STEP, seed = 0): void {
    const m = this.model,
      inS = m.inputShape!,
      outS = m.outputShape!;
    this.ctl[SHARES] = shareOf(B, this.threads, 0);
    writeStepSeed(this.job, seed);
    let at = start + this.ctl[SHARES]!;
    for (let i = 1; i < this.threads; i++) {
      const b = shareOf(B, this.threads, i),
        s = this.shares[i - 1]!;
      this.ctl[SHARES + i] = b;
      if (b > 0) {
        gatherSamples(x, idx, at, b, inS.T ?? 1, inS.F, s.x);
        gatherSamples(y, idx, at, b, outS.T ?? 1, outS.F, s.y);
      }
      at += b;
    }
    this.batch = B;
    this.wake(cmd);
  }

  /** The training threads with samples in the current batch: index, samples, weight B_i / B and buffers, in order. */
  private *threadShares(): Generator<{ i: number; b: number; w: number; s: Share }> {
    for (let i = 1; i < this.threads; i++) {
      const b = this.ctl[SHARES + i]!;
      if (b > 0) yield { i, b, w: b / this.batch, s: this.shares[i - 1]! };
    }
  }

  /** Sets the command and wakes every thread to it. */
  private wake(cmd: number): void {
    Atomics.store(this.ctl, PENDING, this.threads - 1);
    Atomics.store(this.ctl, CMD, cmd);
    Atomics.add(this.ctl, GEN, 1);
    this.wokenAt = performance.now();
    Atomics.notify(this.ctl, GEN);
  }

  /**
   * After collect(null, ...) of a STEP (sliced pools): the batch gradient into `grads`, the main thread's share
   * (summed in place) times B_0 / B plus each thread's times B_i / B in thread order, every thread summing one slice
   * of the weights. Returns the sum of squares of the result.
   */
  async reduce(grads: Buf): Promise<number> {
    const shares: [number, number][] = [[grads.ptr, shareOf(this.batch, this.threads, 0) / this.batch]];
    for (const { w, s } of this.threadShares()) shares.push([s.grads!.ptr, w]);
    writeReduce(this.job, rangesLength(this.model.gradRanges), shares);
    this.wake(REDUCE);
    reduceSlice(this.model.engine, this.job, this.threads, 0, this.model.gradRanges);
    await this.settled();
    return reducedSumsq(this.job, this.threads);
  }

  /**
   * The optimizer's update (Optimizer.prepare), every thread running one slice of the weights: all of them, or with
   * `spans` only the spans of the gradient a backward pass writes (Model's stepRanges).
   */
  async step(call: ElementwiseCall, spans: boolean): Promise<void> {
    writeCall(this.job, call, spans);
    this.wake(ELEMENTWISE_STEP);
    stepSlice(this.model.engine, call, spans ? this.model.gradRanges : [[0, call.n]], this.threads, 0);
    await this.settled();
  }

  /**
   * Waits for the threads, then adds share i's gradient times B_i / B into `grads` (none after EVAL) in thread order
   * (so the sum is the same every run) and its outputs to the metrics. Returns the threads' part of the batch loss.
   */
  async collect(grads: Buf | null, metrics: MetricState): Promise<number> {
    await this.settled();
    const m = this.model,
      outS = m.outputShape!;
    let loss = 0;
    for (const { i, b, w, s } of this.threadShares()) {
      loss += w * this.losses[i]!;
      metrics.update(s.out, 0, outS.F, s.y, (outS.T ?? 1) * b, outS.F);
      if (grads) for (const [off, n] of m.gradRanges) m.ops.axpy(n, w, s.grads!, off, grads, off);
    }
    return loss;
  }

  /**
   * The mean loss of samples x, y in batches of `bs` (at most the pool's), each split between the threads; `own`
   * computes share 0 on the main thread. The threads' outputs go to `metrics`.
   */
  async evaluate(
    x: Samples,
    y: Samples,
    bs: number,
    own: (idx: Int32Array, start: number, B: number) => number,
    metrics: MetricState,
  ): Promise<number> {
    const N = x.shape[0]!,
      idx = Int32Array.from({ length: N }, (_, i) => i);
    let sum = 0;
    for (let start = 0; start < N; start += bs) {
      const B = Math.min(bs, N - start),
        b0 = shareOf(B, this.threads, 0);
      this.dispatch(x, y, idx, start, B, EVAL);
      const mine = own(idx, start, b0) * b0;
      sum += mine + (await this.collect(null, metrics)) * B;
    }
    return sum / N;
  }

  /**
   * Resolves when every thread has finished the command; rejects when one failed, or when one is still busy long
   * after the main thread finished its own share (a stuck thread: an error naming the wait, not a hang).
   */
  private async settled(): Promise<void> {
    const since = performance.now(),
      own = since - this.wokenAt,
      limit = Math.max(this.stallMs, STALL_FACTOR * own);
    spinUntil(this.ctl, PENDING, (p) => p === 0);
    for (;;) {
      const p = Atomics.load(this.ctl, PENDING);
      if (p === 0) return;
      if (performance.now() - since > limit)
        throw new SeqtuneError(
          `training threads: ${p} of ${this.threads - 1} did not finish their share of the batch ` +
            `${seconds(limit)} after the main thread finished its own (in ${seconds(own)}); ` +
            'stopping the fit instead of waiting for ever',
        );
      const r = waitAsync!(this.ctl, PENDING, p);
      if (!r.async) continue;
      // An event-loop timer, not waitAsync's own timeout (a V8 task): it fires even if the notification is lost.
      let timer: NodeJS.Timeout | undefined;
      const recheck = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, RECHECK_MS);
      });
      await Promise.race([r.value, this.failed, recheck]).finally(() => clearTimeout(timer));
    }
  }

  /** Ends threads that never started: nothing to hand back, and no answer to wait for. */
  async abandon(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /**
   * Stops the threads. Each gives back the blocks it took from the engine memory, kept for the thread of the same
   * index the next time threads open on this memory (a study that opens threads for every training would otherwise
   * fill it); a thread that failed gives nothing back.
   */
  async close(): Promise<void> {
    this.closing = true;
    const returned = this.workers.map(
      (w) =>
        new Promise<[number, number][]>((resolve) => {
          w.on('message', (msg: { blocks?: [number, number][] }) => msg?.blocks && resolve(msg.blocks));
          w.once('exit', () => resolve([]));
        }),
    );
    Atomics.store(this.ctl, CMD, STOP);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    // A stuck thread never answers: after CLOSE_MS the threads are ended without their blocks.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), CLOSE_MS);
    });
    const blocks = await Promise.race([Promise.all(returned), this.failed.catch(() => null), late]).finally(() =>
      clearTimeout(timer),
    );
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const [i, b] of (blocks ?? []).entries()) this.model.engine.park(i + 1, b);
  }
}
