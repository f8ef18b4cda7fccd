// check/: sanity checks before tuning, and the ranges of the knobs (learning rate, batch size).

export type { CheckProgress, CheckReport, CheckResult, CheckStatus } from './checks.js';
export { checkRun, dataChecks, networkChecks } from './checks.js';
export { lrFindRun, rangeRun } from './commands.js';
export type { BatchRangeResult, BatchRangeRow, LrFindOptions, LrFindResult } from './ranges.js';
export { batchSizeRange, lrFind, lrSuggestionText, suggestBatchSize } from './ranges.js';
