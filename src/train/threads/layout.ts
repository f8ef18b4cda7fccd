// What the fit loop and its training threads share: the control words and the buffers in SharedArrayBuffers.
//
// Design (issue 17). Data parallel, one replica per thread: the main thread keeps the model, its optimizer and the
// callbacks, and trains share 0 of every batch itself; each training thread holds its own engine (one WebAssembly
// memory per thread) with a replica of the layers, and per batch copies the published weights, runs forward and
// backward over its share of the samples through all timesteps, and writes its gradient, loss and outputs here.
// The main thread adds the gradients in thread order (fixed, so a thread count gives bit-identical runs),
// weighting share i by B_i / B (the loss is a mean, so the sum is the full-batch gradient), then clips and steps.
// Validation batches are split the same way (forward and loss only).
// Two synchronisations per batch (wake the threads, wait for them), as the coarse split; one shared
// WebAssembly memory would need AssemblyScript's shared memory and an allocator safe across threads, and would save
// only the weight and gradient copies, which are small next to forward and backward over a share.
import type { LossConfig, SavedLayer } from '../../nn/index.js';

/** Indices into the Int32Array control words. */
export const GEN = 0; // bumped by the main thread for every command
export const PENDING = 1; // threads still working on the current batch
export const CMD = 2; // STEP, EVAL or STOP
export const SHARES = 3; // SHARES + i: the samples of thread i in the current batch
export const STEP = 1; // forward, loss and backward of the share (training)
export const STOP = 2;
export const EVAL = 3; // forward and loss of the share (inference: validation)

/** What a training thread is started with (workerData): the model to replicate and its buffers. */
export interface ReplicaData {
  index: number;
  layers: SavedLayer[];
  inputShape: [number, number] | [number];
  /** The replica's own seed (dropout masks of its share), derived from the model's seed and the index. */
  seed: number;
  loss: LossConfig;
  ctl: SharedArrayBuffer;
  losses: SharedArrayBuffer;
  params: SharedArrayBuffer;
  /** The model's non-trainable weights when the fit starts (frozen weights: they do not change during it). */
  state: SharedArrayBuffer;
  /** This thread's gradient (the model's flat gradient layout), inputs, targets and outputs of its share. */
  grads: SharedArrayBuffer;
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  out: SharedArrayBuffer;
}

/** The seed of replica i: a fixed function of the model's seed and the thread index. */
export const replicaSeed = (seed: number, index: number): number => (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;

/** Samples of share i when B samples are split between n threads (the first B % n shares one larger). */
export const shareOf = (B: number, n: number, i: number): number => Math.floor(B / n) + (i < B % n ? 1 : 0);
