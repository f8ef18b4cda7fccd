// train/: the training loop over the layer stack, callbacks, metrics, saving, ensembles.

export type { EarlyStoppingOptions, Logs, ModelCheckpointOptions, ReduceLROnPlateauOptions } from './callbacks.js';
export {
  BatchLogger,
  Callback,
  EarlyStopping,
  LearningRateScheduler,
  ModelCheckpoint,
  ReduceLROnPlateau,
  TerminateOnNaN,
} from './callbacks.js';
export type { FusionMethod, Predictor, SnapshotOptions } from './ensembles.js';
export { Fusion, fitSnapshotEnsemble, fuseModels, SnapshotEnsemble } from './ensembles.js';
export type { MetricLike, MetricName } from './metrics.js';
export { METRICS, MetricState, metricName } from './metrics.js';
export type { CompileOptions, FitOptions, History } from './model.js';
export { Model, sequential, sliceRows } from './model.js';
export { formatLogs, ProgressLogger } from './progress.js';
export type { SavedModel } from './save.js';
export { loadModel, MODEL_FORMAT, ModelFileError, saveModel } from './save.js';
export { fitWarnings } from './warnings.js';
