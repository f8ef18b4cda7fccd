// Gradient clipping over the flat gradient vector.
import type { Buf, Ops } from '../engine/index.js';

/**
 * As torch.nn.utils.clip_grad_norm_: scale by maxNorm / (norm + 1e-6) when that is below 1. Returns the norm
 * before clipping.
 */
export function clipByGlobalNorm(ops: Ops, grads: Buf, maxNorm: number): number {
  const norm = Math.sqrt(ops.sumsq(grads));
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) ops.scale(grads, coef);
  return norm;
}

/** Clamps every gradient to [-clipValue, clipValue] (Keras clipvalue). */
export function clipByValue(ops: Ops, grads: Buf, clipValue: number): void {
  ops.clamp(grads, -clipValue, clipValue);
}
