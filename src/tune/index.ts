// tune/: studies, trials, search spaces, samplers, pruners, strategies.

export type { StudyOptions } from './ask-tell.js';
export { createStudy, Study } from './ask-tell.js';
export { autoNext } from './auto.js';
export { type ConfigChange, configDiff, diffLine } from './config-diff.js';
export { digitsApart } from './digits.js';
export { standsFor, studyEnsemble } from './ensemble.js';
export { StudyInterrupted } from './interrupt.js';
export { storedConfig } from './join.js';
export { counted as budgetCount, StudyDeleted, StudyStopped } from './loop.js';
export { trialsNamed } from './progress.js';
export * from './pruners/index.js';
export type { Importance } from './report.js';
export { factorChart, historyChart, importance, importanceNotYet, importanceReadable } from './report.js';
export * from './samplers/index.js';
export { parseDuration, tuneSettings } from './settings.js';
export type { Distribution, Param, Params, Space } from './space.js';
export { applyParams, checkSpace, gridOf, isActive, parseSpace, stackChoices } from './space.js';
export { deadOwners, GRACE_HEARTBEATS, parseOwner, staleAfterS } from './stale.js';
export type { StudyResult, TuneOptions } from './study.js';
export { bestOf, createStudyOnly, runStudy, TuneRefused } from './study.js';
export type { StudyJson } from './study-json.js';
export { prunedJson, studiesJson, studyJson, studyShowJson } from './study-json.js';
export type { Strategy, TuneSettings } from './types.js';
