// Gradient clipping over the flat gradient vector.
import type { Buf, Ops } from '../engine/index.js';

/**
 * As torch.nn.utils.clip_grad_norm_: scale by maxNorm / (norm + 1e-6) when that is below 1. Returns the norm
 * before clipping (`norm`, when the caller has it already). A gradient whose norm is not finite (a NaN or an
 * infinite value in it) has no direction to keep: it is set to zero, so clipping never writes NaN (Inf * 0)
 * and the update it feeds moves no weight along it.
 */
export function clipByGlobalNorm(ops: Ops, grads: Buf, maxNorm: number, norm = Math.sqrt(ops.sumsq(grads))): number {
  if (!Number.isFinite(norm)) {
    ops.engine.view(grads).fill(0);
    return norm;
  }
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) ops.scale(grads, coef);
  return norm;
}

/** Clamps every gradient to [-clipValue, clipValue] (Keras clipvalue). */
export function clipByValue(ops: Ops, grads: Buf, clipValue: number): void {
  ops.clamp(grads, -clipValue, clipValue);
}
