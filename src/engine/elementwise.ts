// A kernel call that treats its buffers element by element (the optimizer steps): pointers to n floats each, n,
// then scalars. Element i of the result depends only on element i of the inputs, so the call splits into slices
// [lo, hi) that threads on one shared memory can run side by side, with the same result as one call.
import type { Engine } from './engine.js';

/** The kernels of this form, by a number the threads pass in shared memory. */
export const ELEMENTWISE = ['sgd_step', 'adam_step', 'rmsprop_step', 'adagrad_step'] as const;
export type ElementwiseKernel = (typeof ELEMENTWISE)[number];

export interface ElementwiseCall {
  kernel: ElementwiseKernel;
  /** Byte pointers to the n-float buffers, in the kernel's argument order. */
  ptrs: number[];
  n: number;
  /** The arguments after n. */
  scalars: number[];
}

/** Runs elements [lo, hi) of a call (all of it by default). */
export function runElementwise(engine: Engine, c: ElementwiseCall, lo = 0, hi = c.n): void {
  if (hi <= lo) return;
  const f = engine.k[c.kernel] as unknown as (...args: number[]) => void;
  f(...c.ptrs.map((p) => p + 4 * lo), hi - lo, ...c.scalars);
}

/** Slice j of n elements split between `parts`: starts on a multiple of 16 floats (64 bytes), the last ends at n. */
export function sliceOf(n: number, parts: number, j: number): [number, number] {
  const at = (k: number) => (k >= parts ? n : Math.floor((n * k) / parts / 16) * 16);
  return [at(j), at(j + 1)];
}
