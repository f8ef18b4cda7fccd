// tune/samplers/: who proposes the next trial.
export type { Sampler } from './sampler.js';
export { sameParams, finishedWith, runningWith } from './sampler.js';
export { RandomSampler, drawOne } from './random.js';
export { GridSampler } from './grid.js';
export { OfatSampler, sweepValues } from './ofat.js';
export type { OfatStep } from './ofat.js';
export { TpeSampler } from './tpe.js';
