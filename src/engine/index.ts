// engine/: WebAssembly kernels and the memory they work in. Everything above goes through Ops.

export type { Buf, RawKernels, SimdLevel } from './engine.js';
export { Engine, getEngine, KC, NR } from './engine.js';
export { assertPositiveInt, assertRate, expected, SeqtuneError, ShapeError, ValueError } from './errors.js';
export type { ActivationName, Mat, PackedB } from './ops.js';
export { ACT, getOps, mat, Ops } from './ops.js';
export * as reference from './reference.js';
