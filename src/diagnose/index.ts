// diagnose/: loss-curve analysis and advice (pure functions over histories), and history readers.

export type { Advice, RunContext } from './advice.js';
export { adviceFor } from './advice.js';
export type { Diagnosis } from './diagnose.js';
export { diagnose, LOW_CONFIDENCE, PATTERN_NAMES, PATTERNS, windowOf } from './diagnose.js';
export { explainText } from './explain.js';
export type { LossHistory } from './history.js';
export { HistoryError, parseCsvLog, parseLooseJson, readHistory } from './history.js';
export { lintConfig } from './lint.js';
export type { MannKendall } from './mann-kendall.js';
export { mannKendall } from './mann-kendall.js';
export { diagnosisChart, diagnosisText, evidenceFrom1 } from './report.js';
export type { Direction, Trend } from './trend.js';
export { logScale, theilSen, trendOf } from './trend.js';
export type { Evidence, Oscillation, PatternId } from './types.js';
