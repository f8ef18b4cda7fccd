// tune/samplers/: who proposes the next trial.

export { GridSampler } from './grid.js';
export type { OfatStep } from './ofat.js';
export { OfatSampler, sweepValues } from './ofat.js';
export { drawOne, RandomSampler } from './random.js';
export type { Sampler, SamplerAnswer } from './sampler.js';
export { finishedWith, inFlight, keptByParams, paramsKey, runningWith, sameParams } from './sampler.js';
export type { TpeOptions } from './tpe.js';
export { TpeSampler } from './tpe.js';
