// engine/: WebAssembly kernels and the memory they work in. Everything above goes through Ops.

// The root errors live in src/errors.ts; re-exported here as they always were.
export {
  assertPositiveInt,
  assertRate,
  expected,
  MemoryLimitError,
  SeqtuneError,
  ShapeError,
  ValueError,
} from '../errors.js';
export type { ElementwiseCall, ElementwiseKernel } from './elementwise.js';
export { ELEMENTWISE, runElementwise, sliceOf } from './elementwise.js';
export type { Buf, RawKernels, SimdLevel } from './engine.js';
export { attachEngine, blockFloats, Engine, getEngine, MEMORY_LIMIT_BYTES } from './engine.js';
export type { ActivationName, Mat, PackedB } from './ops.js';
export { ACT, getOps, mat, Ops } from './ops.js';
export * as reference from './reference.js';
