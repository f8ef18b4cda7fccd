// run/: one training run from a config to a run folder; predict and evaluate on saved runs; the demo.
export { trainRun, splitTensors, checkOutputWidth, metricsTable } from './train.js';
export type { RunResult, RunMetrics, SplitMetrics, TrainRunOptions } from './train.js';
export { predictRun, evaluateRun } from './predict.js';
export { demoRun, DEMO_CONFIG } from './demo.js';
export { STARTER_CONFIG } from './init.js';
export { RunFolder, RunFolderError, defaultRunDir } from './folder.js';
