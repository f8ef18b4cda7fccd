// check/: sanity checks before tuning, and the ranges of the knobs (learning rate, batch size).
export { dataChecks, networkChecks, checkRun } from './checks.js';
export type { CheckResult, CheckStatus, CheckReport } from './checks.js';
export { lrFind, batchSizeRange } from './ranges.js';
export type { LrFindResult, LrFindOptions, BatchRangeResult, BatchRangeRow } from './ranges.js';
export { lrFindRun, rangeRun } from './commands.js';
