// Prepared data that worker threads share instead of each preparing its own copy: the series live in
// SharedArrayBuffers (the scale stage allocates the scaled columns there to begin with), and a structured clone
// (workerData, postMessage) of the plain record shareData makes carries the memory itself, not a copy of it.
import type { PreparedData } from './types.js';
import { Windows } from './window.js';

type Split = 'train' | 'val' | 'test';
const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/** PreparedData as plain data over shared memory: what a worker thread receives. */
export interface SharedPreparedData extends Omit<PreparedData, 'windows'> {
  windows: Record<Split, { starts: Int32Array; lookback: number; horizon: number; relative: boolean }>;
}

/** `count` columns of `rows` float64 each, in one SharedArrayBuffer. */
export function sharedColumns(count: number, rows: number): Float64Array[] {
  const buf = new SharedArrayBuffer(count * rows * 8);
  return Array.from({ length: count }, (_, i) => new Float64Array(buf, i * rows * 8, rows));
}

function shared<T extends Float64Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

/**
 * The prepared data with every column in shared memory (copied there once if it is not yet).
 * @example
 * import { Worker } from 'node:worker_threads';
 * import { prepareData, shareData } from 'seqtune/data';
 * const d = await prepareData({ csv: 'data.csv', target: 'value', lookback: 24 }, 'data.csv');
 * new Worker(new URL('./worker.js', import.meta.url), { workerData: shareData(d) }); // there: fromShared(workerData)
 */
export function shareData(d: PreparedData): SharedPreparedData {
  const windows = {} as SharedPreparedData['windows'];
  for (const k of SPLITS) {
    const w = d.windows[k];
    windows[k] = { starts: shared(w.starts), lookback: w.lookback, horizon: w.horizon, relative: w.relative };
  }
  return {
    ...d,
    windows,
    targetSeries: { original: d.targetSeries.original.map(shared), scaled: d.targetSeries.scaled.map(shared) },
    scaledFeatures: d.scaledFeatures.map(shared),
    time: shared(d.time),
  };
}

/** The PreparedData a worker works with, over the memory shareData put its columns in. */
export function fromShared(s: SharedPreparedData): PreparedData {
  const series = { features: s.scaledFeatures, targets: s.targetSeries.scaled };
  const windows = {} as PreparedData['windows'];
  for (const k of SPLITS) {
    const w = s.windows[k];
    windows[k] = new Windows(w.starts, w.lookback, w.horizon, series, w.relative);
  }
  return { ...s, windows };
}
