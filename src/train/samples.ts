// What the fit loop reads samples from: a dense tensor, or a source that writes the samples of one batch on
// demand (the windows of a series are start indices into it; copying every window would take rows x lookback x
// features floats). Either way a batch is gathered into the engine's time-major buffer, and nothing else
// of the samples is held.
import { ShapeError } from '../errors.js';
import type { Tensor } from '../nn/index.js';

/**
 * Samples gathered per batch. `shape` is [N, ...per-sample shape]; `gather` writes samples
 * idx[start, start + B) time-major: dst[(t * B + b) * F + f] = value t * F + f of sample idx[start + b],
 * where steps x F is the size of one sample.
 */
export interface SampleSource {
  readonly shape: readonly number[];
  gather(idx: ArrayLike<number>, start: number, B: number, steps: number, F: number, dst: Float32Array): void;
}

/** What fit, evaluate and predict take as x or y. */
export type Samples = Tensor | SampleSource;

export function isTensor(s: Samples): s is Tensor {
  return (s as Tensor).data instanceof Float32Array;
}

/** Values per sample (the product of the shape after the first axis). */
export function sampleSize(s: Samples): number {
  return s.shape.slice(1).reduce((p, d) => p * d, 1);
}

/** Gathers samples idx[start, start + B) of s time-major into dst (see SampleSource). */
export function gatherSamples(
  s: Samples,
  idx: ArrayLike<number>,
  start: number,
  B: number,
  steps: number,
  F: number,
  dst: Float32Array,
): void {
  if (!isTensor(s)) {
    s.gather(idx, start, B, steps, F, dst);
    return;
  }
  const src = s.data;
  for (let b = 0; b < B; b++) {
    const o0 = idx[start + b]! * steps * F;
    for (let t = 0; t < steps; t++) {
      const o = (t * B + b) * F,
        so = o0 + t * F;
      for (let f = 0; f < F; f++) dst[o + f] = src[so + f]!;
    }
  }
}

/** Rows [a, b) of samples: a copy-free view (a subarray of a tensor, an index offset into a source). */
export function sliceSamples(s: Samples, a: number, b: number): Samples {
  const shape = [b - a, ...s.shape.slice(1)];
  if (isTensor(s)) {
    const per = sampleSize(s);
    return { data: s.data.subarray(a * per, b * per), shape };
  }
  let moved = new Int32Array(0);
  return {
    shape,
    gather(idx, start, B, steps, F, dst) {
      if (moved.length < B) moved = new Int32Array(B);
      for (let i = 0; i < B; i++) moved[i] = idx[start + i]! + a;
      s.gather(moved, 0, B, steps, F, dst);
    },
  };
}

/**
 * Rows [a, b) as a dense sample-major tensor: a copy, for the few samples a check or a fusion reads value by value.
 * Gathering B samples with steps = 1 and F = the sample size is the sample-major layout itself.
 */
export function denseRows(s: Samples, a = 0, b = s.shape[0] ?? 0): Tensor {
  if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a <= b && b <= (s.shape[0] ?? 0)))
    throw new ShapeError(`denseRows: rows [${a}, ${b}) of ${s.shape[0]} samples`);
  return rowsAt(
    s,
    Int32Array.from({ length: b - a }, (_, i) => a + i),
  );
}

/**
 * n rows spread evenly over the samples, in order (every row when n is not less), dense as denseRows gives them: a
 * batch that stands for the whole set, where the first rows may not (a series flat before it starts moving).
 */
export function spreadRows(s: Samples, n: number): Tensor {
  const N = s.shape[0] ?? 0,
    k = Math.min(Math.max(0, Math.floor(n)), N);
  return rowsAt(
    s,
    Int32Array.from({ length: k }, (_, i) => Math.floor((i * N) / k)),
  );
}

/** The rows idx of the samples as a dense sample-major tensor. */
function rowsAt(s: Samples, idx: Int32Array): Tensor {
  const per = sampleSize(s),
    out = new Float32Array(idx.length * per);
  gatherSamples(s, idx, 0, idx.length, 1, per, out);
  return { data: out, shape: [idx.length, ...s.shape.slice(1)] };
}
