// tune/: studies, trials, search spaces, samplers, pruners, strategies.
export { runStudy, tuneSettings, parseDuration, bestOf, TuneRefused } from './study.js';
export type { Strategy, TuneSettings, StudyResult, TuneOptions } from './study.js';
export { runTrial } from './trial.js';
export type { TrialEnv } from './trial.js';
export { autoNext } from './auto.js';
export { parseSpace, applyParams, setPath, getPath, gridOf, stackChoices, isActive } from './space.js';
export type { Space, Param, Params, Distribution } from './space.js';
export * from './samplers/index.js';
export * from './pruners/index.js';
export { importance, historyChart, factorChart } from './report.js';
export type { Importance } from './report.js';
export { studyEnsemble } from './ensemble.js';
export { Study, createStudy } from './ask-tell.js';
export type { StudyOptions } from './ask-tell.js';
