// What a careful practitioner would point out before training starts.
import type { Tensor } from '../nn/index.js';
import type { CompiledStack } from './types.js';

/** FNV-1a over the float bits of each sample's x and y, to find identical samples cheaply. */
function sampleHashes(x: Tensor, y: Tensor): Map<string, number> {
  const n = x.shape[0]!,
    px = x.data.length / Math.max(n, 1),
    py = y.data.length / Math.max(n, 1);
  const xb = new Uint32Array(x.data.buffer, x.data.byteOffset, x.data.length),
    yb = new Uint32Array(y.data.buffer, y.data.byteOffset, y.data.length);
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    let h1 = 0x811c9dc5,
      h2 = 0x01000193;
    for (let j = 0; j < px; j++) {
      const v = xb[i * px + j]!;
      h1 = Math.imul(h1 ^ v, 16777619) >>> 0;
      h2 = Math.imul(h2 ^ (v >>> 7), 2246822519) >>> 0;
    }
    for (let j = 0; j < py; j++) {
      const v = yb[i * py + j]!;
      h1 = Math.imul(h1 ^ v, 16777619) >>> 0;
      h2 = Math.imul(h2 ^ (v >>> 7), 2246822519) >>> 0;
    }
    out.set(`${h1}:${h2}`, i);
  }
  return out;
}

export function fitWarnings(
  model: CompiledStack,
  x: Tensor,
  y: Tensor,
  validation: [Tensor, Tensor] | undefined,
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
  const targets = y.data.length;
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
