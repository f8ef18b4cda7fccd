// train/: the training loop over the layer stack, callbacks, metrics, saving, ensembles.

export type {
  CallbackEntry,
  EarlyStoppingOptions,
  ModelCheckpointOptions,
  ReduceLROnPlateauOptions,
} from './callbacks.js';
export {
  BatchLogger,
  Callback,
  callbackRegistry,
  EarlyStopping,
  LearningRateScheduler,
  ModelCheckpoint,
  ReduceLROnPlateau,
  TerminateOnNaN,
} from './callbacks.js';
export type { FusionMethod, Predictor, SnapshotOptions } from './ensembles.js';
export {
  BLEND_MAX_MEMBERS,
  crossFitPredict,
  FUSION_METHODS,
  Fusion,
  fitSnapshotEnsemble,
  fuseModels,
  SnapshotEnsemble,
} from './ensembles.js';
export { loadModel } from './load.js';
export type { MetricEntry, MetricLike, MetricName } from './metrics.js';
export { METRICS, MetricState, metricName, metricRegistry } from './metrics.js';
export type { CompileOptions, FitOptions, History } from './model.js';
export { Model, sequential, sliceRows } from './model.js';
export { NAN_POLICIES, type NanPolicy } from './nan-policy.js';
export { formatLogs, liveProgress, PROGRESS_LINE_MS, ProgressLogger, stopLiveProgress } from './progress.js';
export type { SampleSource, Samples } from './samples.js';
export { denseRows, gatherSamples, isTensor, sampleSize, sliceSamples, spreadRows } from './samples.js';
export type { SavedModel } from './save.js';
export { MODEL_FORMAT, ModelFileError, saveModel } from './save.js';
export { MAX_THREADS } from './threads/pool.js';
export type { CompiledStack, FitCallback, Logs } from './types.js';
export { fitWarnings } from './warnings.js';
