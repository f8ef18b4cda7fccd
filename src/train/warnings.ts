// What a careful practitioner would point out before training starts.
import { gatherSamples, type Samples, sampleSize } from './samples.js';
import type { CompiledStack } from './types.js';

/**
 * FNV-1a over the float bits of each sample's x and y, to find identical samples cheaply. The samples are read
 * a chunk at a time (sample-major), so windows gathered from a series are never all held at once.
 */
function sampleHashes(x: Samples, y: Samples): Map<string, number> {
  const n = x.shape[0]!,
    px = sampleSize(x),
    py = sampleSize(y),
    chunk = Math.max(1, Math.min(n, 256));
  const xs = new Float32Array(chunk * px),
    ys = new Float32Array(chunk * py);
  const xb = new Uint32Array(xs.buffer),
    yb = new Uint32Array(ys.buffer);
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const out = new Map<string, number>();
  for (let a = 0; a < n; a += chunk) {
    const B = Math.min(chunk, n - a);
    gatherSamples(x, idx, a, B, 1, px, xs);
    gatherSamples(y, idx, a, B, 1, py, ys);
    for (let i = 0; i < B; i++) out.set(hashSample(xb, i * px, px, yb, i * py, py), a + i);
  }
  return out;
}

function hashSample(xb: Uint32Array, xo: number, px: number, yb: Uint32Array, yo: number, py: number): string {
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
  return `${h1}:${h2}`;
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
    let shared = 0;
    for (const h of val.keys()) if (train.has(h)) shared++;
    if (shared > 0)
      w.push(
        `${shared} of ${validation[0].shape[0]} validation samples also appear in the training set: ` +
          'validation scores will be optimistic. Split the series chronologically without overlap.',
      );
  }
  return w;
}
