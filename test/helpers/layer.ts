// Runs one layer alone on time-major data in engine memory, for comparison with the references.
import { getEngine } from '../../src/engine/index.js';
import { actOf, type Layer, Stack } from '../../src/nn/index.js';

export interface LayerRun {
  out: Float32Array;
  dx: Float32Array | null;
  grads: Record<string, Float32Array>;
  stack: Stack;
}

/** x: (T, B, F) time-major; dy: same layout as the output. Returns the output, dL/dx and every parameter's gradient. */
export function runLayer(
  layer: Layer,
  T: number,
  B: number,
  F: number,
  x: Float32Array,
  dyOf: (out: Float32Array) => Float32Array,
  setup?: (s: Stack) => void,
  training = false,
): LayerRun {
  const e = getEngine();
  const stack = new Stack([layer], { inputShape: [T, F], seed: 3 });
  setup?.(stack);
  const xb = e.alloc(x.length);
  e.view(xb).set(x);
  const out = stack.forward(actOf(xb, B, T, F), training);
  const rows = (out.T ?? 1) * out.B;
  const outHost = new Float32Array(rows * out.F);
  const f32 = e.f32,
    base = (out.buf.ptr >> 2) + out.off;
  for (let r = 0; r < rows; r++) for (let j = 0; j < out.F; j++) outHost[r * out.F + j] = f32[base + r * out.ld + j]!;
  const dy = dyOf(outHost);
  const dyb = e.alloc(dy.length);
  e.view(dyb).set(dy);
  stack.zeroGrads();
  const dxAct = stack.backward(actOf(dyb, B, out.T, out.F), true);
  const dx = dxAct ? e.view(dxAct.buf, dxAct.off, T * B * F).slice() : null;
  const grads: Record<string, Float32Array> = {};
  for (const w of stack.weights) grads[w.name] = e.view(stack.grads, w.off, w.size).slice();
  e.release(xb);
  e.release(dyb);
  return { out: outHost, dx, grads, stack };
}
