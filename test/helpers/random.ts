import type { Rng } from '../../src/nn/random.js';

/** n values uniform in [-scale, scale). */
export function randArray(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (2 * rng.uniform() - 1) * scale;
  return a;
}

/** Largest |a - b| / (atol + rtol |b|); <= 1 means within tolerance. */
export function worstRatio(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    const r = Math.abs(a[i]! - b[i]!) / (atol + rtol * Math.abs(b[i]!));
    if (!(r <= w)) w = Number.isNaN(r) ? Infinity : r;
  }
  return w;
}
