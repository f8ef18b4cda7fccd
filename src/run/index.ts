// run/: one training run from a config to a run folder; predict and evaluate on saved runs; the demo.

export { baselineLoss } from './baseline-loss.js';
export { DEMO_CONFIG, demoRun } from './demo.js';
export {
  defaultRunDir,
  freePath,
  RunFolder,
  RunFolderError,
  refuseOutFile,
  refuseUnwritable,
  removeUnfinishedRunFolders,
  replaceable,
  trackUnfinished,
  watchRunFolders,
  writeWhole,
} from './folder.js';
export { STARTER_CONFIG, starterConfig } from './init.js';
export type { CsvStart } from './init-csv.js';
export { STARTER_SPLIT, startFromCsv, WEIGHTS_PER_TARGET } from './init-csv.js';
export type { EnsembleUse, SavedData } from './load.js';
export { checkRunDir, ENSEMBLE_FORMAT, ENSEMBLE_VERSION, loadRun } from './load.js';
export { evaluateRun, ForecastFailed, predictRun, trainingMoves } from './predict.js';
export { studyHome, studyPath } from './study-paths.js';
export type { RunMetrics, RunResult, SplitMetrics, TrainRunOptions } from './train.js';
export {
  bestBaseline,
  checkOutputWidth,
  forecastsNotFinite,
  metricsTable,
  saveRun,
  splitTensors,
  TIE,
  threadsOverCores,
  trainRun,
  withinTie,
} from './train.js';
