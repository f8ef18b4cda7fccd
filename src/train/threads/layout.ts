// What the fit loop and its training threads share: the control words, the engine memory and the small buffers.
//
// Design (issue 17). Data parallel, one replica per thread: the main thread keeps the model, its optimizer and the
// callbacks, and trains share 0 of every batch itself; each training thread has its own engine on the main thread's
// WebAssembly memory (shared; engine.ts, attachEngine) and a replica of the layers that reads the main thread's
// weights in place. Per batch each thread runs forward and backward over its share of the samples through all
// timesteps into its own gradient buffer, and writes its loss and outputs here. The main thread adds the gradients
// in thread order (fixed, so a thread count gives bit-identical runs), weighting share i by B_i / B (the loss is a
// mean, so the sum is the full-batch gradient), then clips and steps. Validation batches are split the same way
// (forward and loss only). Two synchronisations per batch (wake the threads, wait for them), as the coarse
// split; four for a model of SLICED_WEIGHTS or more, whose gradient sum and update run in slices too. No weight or
// gradient is copied between the threads: with one memory per thread, each batch copied every weight about five
// times, which made seed-gru1000 (3 million weights, 300 x 1 steps a batch) slower on 2 threads.
import {
  type Buf,
  ELEMENTWISE,
  type ElementwiseCall,
  type Engine,
  runElementwise,
  sliceOf,
} from '../../engine/index.js';
import type { LossConfig, SavedLayer } from '../../nn/index.js';

/** Indices into the Int32Array control words. */
export const GEN = 0; // bumped by the main thread for every command
export const PENDING = 1; // threads still working on the current batch
export const CMD = 2; // STEP, EVAL, REDUCE, ELEMENTWISE_STEP or STOP
export const SHARES = 3; // SHARES + i: the samples of thread i in the current batch (0: the main thread's)
export const STEP = 1; // forward, loss and backward of the share (training)
export const STOP = 2;
export const EVAL = 3; // forward and loss of the share (inference: validation)
export const REDUCE = 4; // a slice of the sum of the shares' gradients, and its sum of squares (reduceSlice)
export const ELEMENTWISE_STEP = 5; // a slice of the optimizer's element-wise step (writeCall / readCall)

/**
 * Models whose step passes over at least this many weights (Model.stepWeights) split the weight passes of a step
 * between the threads too: the sum of the shares' gradients, its norm and the optimizer's update (seed-gru1000 before
 * its step skipped the 3 million weights no gradient reaches: 5 of its 10 ms a batch, the forward and backward of
 * 300 samples x 1 step the rest). Each split costs one more wake-and-wait of the threads, so smaller models (the
 * standard workloads: 10,000-70,000 weights)
 * keep those passes on the main thread. A rule of the model, not of timing, so a run stays reproducible.
 */
export const SLICED_WEIGHTS = 1 << 18;

/**
 * How long a side that waits for the other (a training thread for the next command, the main thread for the
 * threads' shares) polls the control words before it blocks: a wake-up through the kernel (Atomics.wait, or
 * waitAsync's event-loop task) costs tens of microseconds on a virtual machine, every batch, and the gap between two
 * batches is a fraction of a millisecond. OpenMP runtimes spin the same way (for 200 ms by default); this spins for
 * one millisecond at most, so an idle pool costs nothing between fits.
 */
export const SPIN_MS = 1;

/** Polls ctl[i] until `done` holds of it or SPIN_MS passes; returns whether it holds. */
export function spinUntil(ctl: Int32Array, i: number, done: (v: number) => boolean): boolean {
  const end = performance.now() + SPIN_MS;
  for (;;) {
    for (let k = 0; k < 64; k++) if (done(Atomics.load(ctl, i))) return true;
    if (performance.now() > end) return false;
  }
}

/**
 * The job words (a Float64Array) of REDUCE and ELEMENTWISE_STEP. The shares and the slices' partial sums come last,
 * with room for the pool's threads (jobWords). At fixed offsets (shares from 20, partial sums from 64, 129 words) a
 * pool of 22 threads or more had the words of its last shares overwritten by the partial sums while the threads still
 * read them (a wrong gradient for a model of SLICED_WEIGHTS: GRU(300) on 24 threads parted from one thread after one
 * SGD step), and one of 55 or more wrote past the end (on 70 threads a NaN norm stopped the fit as diverged).
 */
const JOB_N = 0,
  JOB_KERNEL = 1,
  JOB_PTRS = 2, // count, then up to 6 pointers
  JOB_SCALARS = 9, // count, then up to 9 scalars
  JOB_SPANS = 19, // ELEMENTWISE_STEP: 1 when the step runs over the gradient's spans only (stepSlice)
  JOB_STEP_SEED = 20, // STEP: the seed of the step's dropout masks and noise (StepDraws)
  JOB_SHARES = 21; // count, then (gradient pointer, weight) per share: two words for each of the threads
/** Where the sum of squares of slice j of `parts` (the threads) lies: after the shares' words. */
const partialAt = (parts: number, j: number) => JOB_SHARES + 1 + 2 * parts + j;
/** The job words of a pool of `threads` threads, the main one included. */
export const jobWords = (threads: number): number => partialAt(threads, threads);

/** STEP: the step's seed for the threads' draws, and the batch position of thread i's first sample. */
export function writeStepSeed(job: Float64Array, seed: number): void {
  job[JOB_STEP_SEED] = seed;
}
export function readStepDraws(job: Float64Array, ctl: Int32Array, i: number): { seed: number; offset: number } {
  let offset = 0;
  for (let k = 0; k < i; k++) offset += ctl[SHARES + k]!;
  return { seed: job[JOB_STEP_SEED]!, offset };
}

/**
 * Writes the shares' gradients and weights (share 0: the main thread's, summed in place) for REDUCE; n: the floats
 * of the gradient's spans (rangesLength).
 */
export function writeReduce(job: Float64Array, n: number, shares: readonly (readonly [number, number])[]): void {
  if (JOB_SHARES + 2 * shares.length >= job.length)
    throw new Error(`writeReduce: ${shares.length} shares do not fit ${job.length} job words`);
  job[JOB_N] = n;
  job[JOB_SHARES] = shares.length;
  shares.forEach(([ptr, w], i) => {
    job[JOB_SHARES + 1 + 2 * i] = ptr;
    job[JOB_SHARES + 2 + 2 * i] = w;
  });
}

/**
 * Slice j of REDUCE on engine e: share 0's gradient times its weight, plus each other share's times its weight, in
 * share order (the per-element arithmetic of one thread's sum), then the slice's sum of squares into the job; with
 * two shares in one pass (scale_axpy_sumsq). The slices split the spans a backward pass writes (`ranges`,
 * Stack.gradRanges), laid end to end; the rest of the gradient stays 0.
 */
export function reduceSlice(e: Engine, job: Float64Array, parts: number, j: number, ranges: GradRanges): void {
  const w = (i: number) => job[JOB_SHARES + 2 + 2 * i]!;
  const shares = job[JOB_SHARES]!;
  let sumsq = 0;
  for (const [off, n] of spansOf(ranges, ...sliceOf(job[JOB_N]!, parts, j))) {
    const at = (i: number) => job[JOB_SHARES + 1 + 2 * i]! + 4 * off;
    if (shares === 2) {
      sumsq += e.k.scale_axpy_sumsq(n, w(0), at(0), w(1), at(1));
      continue;
    }
    e.k.scale(at(0), n, w(0));
    for (let i = 1; i < shares; i++) e.k.axpy(n, w(i), at(i), at(0));
    sumsq += e.k.sumsq(at(0), n);
  }
  job[partialAt(parts, j)] = sumsq;
}

/** Spans [offset, floats] of a gradient buffer. */
export type GradRanges = readonly (readonly [number, number])[];

/** The floats the spans hold together. */
export const rangesLength = (ranges: GradRanges): number => ranges.reduce((s, [, n]) => s + n, 0);

/** Floats [lo, hi) of the spans laid end to end, as spans of the buffer. */
export function* spansOf(ranges: GradRanges, lo: number, hi: number): Generator<[number, number]> {
  let start = 0;
  for (const [off, n] of ranges) {
    const a = Math.max(lo, start),
      b = Math.min(hi, start + n);
    if (a < b) yield [off + a - start, b - a];
    start += n;
  }
}

/** The sum of squares of the reduced gradient: the slices' partial sums in slice order. */
export function reducedSumsq(job: Float64Array, parts: number): number {
  let s = 0;
  for (let j = 0; j < parts; j++) s += job[partialAt(parts, j)]!;
  return s;
}

export function writeCall(job: Float64Array, c: ElementwiseCall, spans: boolean): void {
  if (c.ptrs.length > 6 || c.scalars.length > 9) throw new Error(`writeCall: ${c.kernel} has too many arguments`);
  job[JOB_N] = c.n;
  job[JOB_KERNEL] = ELEMENTWISE.indexOf(c.kernel);
  job[JOB_PTRS] = c.ptrs.length;
  c.ptrs.forEach((p, i) => {
    job[JOB_PTRS + 1 + i] = p;
  });
  job[JOB_SCALARS] = c.scalars.length;
  c.scalars.forEach((v, i) => {
    job[JOB_SCALARS + 1 + i] = v;
  });
  job[JOB_SPANS] = +spans;
}

/** The call writeCall wrote, and whether it runs over the gradient's spans only. */
export function readCall(job: Float64Array): { call: ElementwiseCall; spans: boolean } {
  const list = (at: number) => Array.from(job.subarray(at + 1, at + 1 + job[at]!));
  const call = {
    kernel: ELEMENTWISE[job[JOB_KERNEL]!]!,
    n: job[JOB_N]!,
    ptrs: list(JOB_PTRS),
    scalars: list(JOB_SCALARS),
  };
  return { call, spans: job[JOB_SPANS] === 1 };
}

/**
 * Slice j of `parts` of an optimizer step over `ranges` laid end to end: every weight ([[0, n]]), or only the spans
 * of the gradient a backward pass writes (Stack.gradRanges) when a zero gradient moves no weight (no weight decay).
 */
export function stepSlice(e: Engine, c: ElementwiseCall, ranges: GradRanges, parts: number, j: number): void {
  for (const [off, n] of spansOf(ranges, ...sliceOf(rangesLength(ranges), parts, j)))
    runElementwise(e, c, off, off + n);
}

/** What a training thread is started with (workerData): the model to replicate and its buffers. */
export interface ReplicaData {
  index: number;
  layers: SavedLayer[];
  inputShape: [number, number] | [number];
  /** Free blocks of the memory that an earlier thread of this index gave back (pool.ts close): its engine's first. */
  blocks: [number, number][];
  /** The replica's own seed (dropout masks of its share), derived from the model's seed and the index. */
  seed: number;
  loss: LossConfig;
  ctl: SharedArrayBuffer;
  losses: SharedArrayBuffer;
  /** jobWords(threads) float64 words: the arguments of REDUCE and ELEMENTWISE_STEP. */
  job: SharedArrayBuffer;
  /** The threads, the main one included: the number of slices of the weight passes. */
  threads: number;
  /** The main thread's engine memory, and where the model's weights and non-trainable weights lie in it. */
  memory: WebAssembly.Memory;
  params: Buf;
  state: Buf;
  /** This thread's inputs, targets and outputs of its share. */
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  out: SharedArrayBuffer;
}

/** The seed of replica i: a fixed function of the model's seed and the thread index. */
export const replicaSeed = (seed: number, index: number): number => (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;

/** Samples of share i when B samples are split between n threads (the first B % n shares one larger). */
export const shareOf = (B: number, n: number, i: number): number => Math.floor(B / n) + (i < B % n ? 1 : 0);
