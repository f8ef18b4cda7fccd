// What a careful practitioner would point out before training starts.
import { gatherSamples, type Samples, sampleSize } from './samples.js';
import type { CompiledStack } from './types.js';

/**
 * Two FNV-1a hashes over the float bits of each sample's x and y (one 64-bit key a sample), sorted, to find
 * identical samples cheaply. The samples are read a chunk at a time (sample-major), so windows gathered from a
 * series are never all held at once, and the keys take 8 bytes a sample.
 */
function sampleHashes(x: Samples, y: Samples): BigUint64Array {
  const n = x.shape[0]!,
    px = sampleSize(x),
    py = sampleSize(y),
    chunk = Math.max(1, Math.min(n, 256));
  const xs = new Float32Array(chunk * px),
    ys = new Float32Array(chunk * py);
  const xb = new Uint32Array(xs.buffer),
    yb = new Uint32Array(ys.buffer);
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const out = new BigUint64Array(n);
  for (let a = 0; a < n; a += chunk) {
    const B = Math.min(chunk, n - a);
    gatherSamples(x, idx, a, B, 1, px, xs);
    gatherSamples(y, idx, a, B, 1, py, ys);
    for (let i = 0; i < B; i++) out[a + i] = hashSample(xb, i * px, px, yb, i * py, py);
  }
  return out.sort();
}

/** Whether the sorted keys hold k. */
function holds(sorted: BigUint64Array, k: bigint): boolean {
  let lo = 0,
    hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo] === k;
}

function hashSample(xb: Uint32Array, xo: number, px: number, yb: Uint32Array, yo: number, py: number): bigint {
  let h1 = 0x811c9dc5,
    h2 = 0x01000193;
  for (let j = 0; j < px; j++) {
    const v = xb[xo + j]!;
    h1 = Math.imul(h1 ^ v, 16777619) >>> 0;
    h2 = Math.imul(h2 ^ (v >>> 7), 2246822519) >>> 0;
  }
  for (let j = 0; j < py; j++) {
    const v = yb[yo + j]!;
    h1 = Math.imul(h1 ^ v, 16777619) >>> 0;
    h2 = Math.imul(h2 ^ (v >>> 7), 2246822519) >>> 0;
  }
  return (BigInt(h1) << 32n) | BigInt(h2);
}

export function fitWarnings(
  model: CompiledStack,
  x: Samples,
  y: Samples,
  validation: [Samples, Samples] | undefined,
  batchSize: number,
): string[] {
  const w: string[] = [];
  const N = x.shape[0]!;
  if (model.metrics.includes('accuracy')) {
    w.push(
      'metric "accuracy" on a regression target counts exact equality of prediction and target, ' +
        'which almost never happens with real numbers; it says nothing about a forecaster. Use mae or rmse.',
    );
  }
  const params = model.countParams({ trainableOnly: true });
  const targets = N * sampleSize(y);
  if (params > 10 * targets) {
    w.push(
      `the model has ${params.toLocaleString('en-US')} weights for ${targets.toLocaleString('en-US')} ` +
        `training targets (${(params / targets).toFixed(0)}x): expect it to memorise the training set. ` +
        'Use fewer units or layers, regularization, or more data.',
    );
  }
  if (batchSize > N)
    w.push(`batch size ${batchSize} is larger than the ${N} training samples; each epoch is one step of ${N}.`);
  if (validation) {
    const train = sampleHashes(x, y);
    const val = sampleHashes(validation[0], validation[1]);
    let shared = 0; // distinct validation samples found in the training set
    for (let i = 0; i < val.length; i++) if ((i === 0 || val[i] !== val[i - 1]) && holds(train, val[i]!)) shared++;
    if (shared > 0)
      w.push(
        `${shared} of ${validation[0].shape[0]} validation samples also appear in the training set: ` +
          'validation scores will be optimistic. Split the series chronologically without overlap.',
      );
  }
  return w;
}
