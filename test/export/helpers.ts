// Shared by the export tests: windows cut from the synthetic series, models with every weight set at random
// (biases and moving statistics included, so nothing is checked at a trivial zero), and the largest difference
// between ONNX Runtime's output and seqtune's predict.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { makeWindows, syntheticSeries } from '../../src/data/index.js';
import { type Exportable, exportOnnx } from '../../src/export/index.js';
import { Rng, tensor } from '../../src/nn/index.js';
import type { Model, Predictor } from '../../src/train/index.js';

const require = createRequire(import.meta.url);
export const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');

/** N windows of L steps of F standardised synthetic series (one seed per feature), sample-major (N, L, F). */
export function windows(N: number, L: number, F: number): Float32Array {
  const cols = Array.from({ length: F }, (_, f) => {
    const s = syntheticSeries({ length: N + L + 1, seed: 11 + f });
    let m = 0;
    for (const v of s) m += v / s.length;
    return Float64Array.from(s, (v) => (v - m) / 3);
  });
  const starts = Array.from({ length: N }, (_, i) => L + i);
  return makeWindows(starts, L, 1, cols, [cols[0]!]).x;
}

/** Every weight of the model drawn at random: kernels and biases in [-0.5, 0.5], variances in [0.5, 1.5]. */
export function randomize(model: Model, seed = 5): void {
  const rng = new Rng(seed);
  const values: Record<string, Float32Array> = {};
  for (const w of model.weights) {
    const v = new Float32Array(w.size);
    for (let i = 0; i < v.length; i++)
      v[i] = w.name.endsWith('movingVariance') ? 0.5 + rng.uniform() : rng.uniform() - 0.5;
    values[`${w.layer}/${w.name}`] = v;
  }
  model.setWeights(values);
}

/** Runs ONNX bytes in ONNX Runtime on the given inputs; returns the forecast output. */
export async function runOnnx(
  bytes: Uint8Array,
  inputs: Record<string, { data: Float32Array; dims: number[] }>,
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds = Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)]),
  );
  const out = (await session.run(feeds)).forecast!;
  await session.release();
  return out.data as Float32Array;
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(m) ? Infinity : m;
};

/**
 * Exports the model and runs it in ONNX Runtime on N real windows, and on the first window alone (the batch
 * dimension is dynamic); returns the largest absolute difference from seqtune's predict over both, and the largest
 * absolute output.
 */
export async function exportedDiff(model: Model, N = 16): Promise<{ diff: number; scale: number }> {
  return ensembleDiff(model, [model.inputShape!.T!, model.inputShape!.F], N);
}

/** exportedDiff for any model or ensemble exportOnnx takes, of windows [lookback, features]. */
export async function ensembleDiff(
  model: Exportable & Predictor,
  [L, F]: [number, number],
  N = 16,
): Promise<{ diff: number; scale: number }> {
  const x = windows(N, L, F);
  const want = model.predict(tensor(x, [N, L, F])).data;
  const bytes = exportOnnx(model);
  const all = await runOnnx(bytes, { window: { data: x, dims: [N, L, F] } });
  const one = await runOnnx(bytes, { window: { data: x.slice(0, L * F), dims: [1, L, F] } });
  const diff = Math.max(maxAbsDiff(all, want), maxAbsDiff(one, want.subarray(0, one.length)));
  return { diff, scale: want.reduce((m, v) => Math.max(m, Math.abs(v)), 0) };
}

/**
 * Asserts that the ONNX outputs `got` are NaN where seqtune's `want` are, that `want` holds both NaN and numbers (the
 * case tested is there), and that the numbers agree to 1e-5.
 */
export function assertSameNaNs(got: ArrayLike<number>, want: ArrayLike<number>): void {
  const nan = (a: ArrayLike<number>) => Array.from(a, (v) => Number.isNaN(v));
  assert.deepEqual(nan(got), nan(want));
  assert.ok(nan(want).includes(true) && nan(want).includes(false));
  const finite = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isNaN(v) ? 0 : v));
  assert.ok(maxAbsDiff(finite(got), finite(want)) <= 1e-5);
}
