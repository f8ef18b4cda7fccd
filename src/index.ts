// seqtune: recurrent forecasters on a fused WebAssembly engine.

export * from './check/index.js';
export * from './config/index.js';
export * from './data/index.js';
export * from './diagnose/index.js';
export * from './engine/index.js';
export * from './errors.js';
export * from './nn/index.js';
export * as layers from './nn/layers.js';
export * from './optim/index.js';
export * from './plot/index.js';
export * from './run/index.js';
export * from './storage/index.js';
export * from './train/index.js';
export * from './tune/index.js';
