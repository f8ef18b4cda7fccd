// train/: the training loop over the layer stack, callbacks, metrics, saving, ensembles.
export { Model, sequential, sliceRows } from './model.js';
export type { CompileOptions, FitOptions, History } from './model.js';
export { MetricState, metricName, METRICS } from './metrics.js';
export type { MetricName } from './metrics.js';
export { Callback, EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN, ModelCheckpoint, BatchLogger } from './callbacks.js';
export type { Logs, EarlyStoppingOptions, ReduceLROnPlateauOptions, ModelCheckpointOptions } from './callbacks.js';
export { ProgressLogger, formatLogs } from './progress.js';
export { saveModel, loadModel, ModelFileError, MODEL_FORMAT } from './save.js';
export type { SavedModel } from './save.js';
export { fitWarnings } from './warnings.js';
export { SnapshotEnsemble, Fusion, fitSnapshotEnsemble, fuseModels } from './ensembles.js';
export type { Predictor, SnapshotOptions, FusionMethod } from './ensembles.js';
