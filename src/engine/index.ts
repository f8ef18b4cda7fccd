// engine/: WebAssembly kernels and the memory they work in. Everything above goes through Ops.
export { Engine, getEngine, KC, NR } from './engine.js';
export type { Buf, RawKernels, SimdLevel } from './engine.js';
export { Ops, getOps, mat, ACT } from './ops.js';
export type { Mat, PackedB, ActivationName } from './ops.js';
export { SeqtuneError, ValueError, ShapeError, expected, assertPositiveInt, assertRate } from './errors.js';
export * as reference from './reference.js';
