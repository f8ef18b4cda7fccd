// seqtune: recurrent forecasters on a fused WebAssembly engine.
//
// The package root is the public API the README documents: build, train, save and load models; read their
// curves; tune them; the config-driven runs the CLI makes. Everything else is reached through a named subpath
// (`seqtune/engine`, `seqtune/nn`, `seqtune/optim`, `seqtune/train`, `seqtune/data`, `seqtune/config`,
// `seqtune/diagnose`, `seqtune/tune`, `seqtune/storage`, `seqtune/check`, `seqtune/plot`, `seqtune/run`,
// `seqtune/export`), whose names may change between minor versions. test/api.test.ts holds this list.

// Checks before training and tuning.
export type { CheckReport, CheckResult, CheckStatus, LrFindOptions, LrFindResult } from './check/index.js';
export { checkRun, lrFind } from './check/index.js';
// The YAML config.
export type { LoadedConfig, RawConfig } from './config/index.js';
export { ConfigError, loadConfig, parseConfig } from './config/index.js';
// Data.
export { DataError, MissingValuesError, syntheticCsv } from './data/index.js';
// Reading loss curves.
export type { Advice, Diagnosis, LossHistory, PatternId } from './diagnose/index.js';
export { diagnose, HistoryError, readHistory } from './diagnose/index.js';
// Errors every part throws.
export { MemoryLimitError, SeqtuneError, ShapeError, ValueError } from './errors.js';
// ONNX export of trained models (and of run folders: what `seqtune export` does).
export type { Exportable, ExportData, ExportOptions, ExportRunOptions } from './export/index.js';
export { ExportError, exportOnnx, exportRun } from './export/index.js';
// Layers, tensors, regularizers.
export type {
  BatchNormalizationOptions,
  Conv1DOptions,
  DenseOptions,
  InitializerLike,
  Layer,
  LossLike,
  NormalizationOptions,
  PoolingOptions,
  RecurrentOptions,
  RegularizerLike,
  Tensor,
} from './nn/index.js';
export {
  averagePooling1d,
  batchNormalization,
  bidirectional,
  conv1d,
  dense,
  dropout,
  flatten,
  gaussianNoise,
  gru,
  l1,
  l1l2,
  l2,
  layerNormalization,
  lstm,
  maxPooling1d,
  repeatVector,
  selectTimestep,
  simpleRNN,
  tensor,
  timeDistributed,
} from './nn/index.js';
export * as layers from './nn/layers.js';
// Optimizers and schedules.
export type { OptimizerLike, ScheduleLike } from './optim/index.js';
export { adagrad, adam, adamw, Optimizer, rmsprop, sgd } from './optim/index.js';
// Config-driven runs: what `seqtune train`, `demo`, `predict` and `evaluate` do.
export type { RunResult, TrainRunOptions } from './run/index.js';
export { demoRun, evaluateRun, ForecastFailed, predictRun, RunFolderError, trainRun } from './run/index.js';
// Study storage.
export type { FrozenTrial, Storage, TrialState } from './storage/index.js';
export { MemoryStorage, openStorage, SqliteStorage, StorageError } from './storage/index.js';
// Models, training, callbacks, ensembles.
export type {
  CompileOptions,
  EarlyStoppingOptions,
  FitOptions,
  History,
  Logs,
  MetricLike,
  ModelCheckpointOptions,
  ReduceLROnPlateauOptions,
  SnapshotOptions,
} from './train/index.js';
export {
  Callback,
  EarlyStopping,
  fitSnapshotEnsemble,
  fuseModels,
  LearningRateScheduler,
  loadModel,
  Model,
  ModelCheckpoint,
  ModelFileError,
  ReduceLROnPlateau,
  sequential,
  TerminateOnNaN,
} from './train/index.js';
// Tuning: the ask/tell study for library users, and the config-driven study of `seqtune tune`.
export type {
  Distribution,
  Params,
  Pruner,
  Sampler,
  Space,
  StudyOptions,
  StudyResult,
  TpeOptions,
  TuneOptions,
} from './tune/index.js';
export {
  AshaPruner,
  createStudy,
  GridSampler,
  HyperbandPruner,
  MedianPruner,
  RandomSampler,
  runStudy,
  Study,
  StudyInterrupted,
  TpeSampler,
  TuneRefused,
} from './tune/index.js';
