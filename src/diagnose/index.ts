// diagnose/: loss-curve analysis and advice (pure functions over histories), and history readers.
export { diagnose, windowOf, PATTERNS, PATTERN_NAMES } from './diagnose.js';
export type { Diagnosis, Evidence, PatternId } from './diagnose.js';
export type { Advice, RunContext } from './advice.js';
export { trendOf, theilSen, logScale } from './trend.js';
export type { Trend, Direction } from './trend.js';
export { readHistory, parseLooseJson, parseCsvLog, HistoryError } from './history.js';
export type { LossHistory } from './history.js';
export { diagnosisChart, diagnosisText } from './report.js';
export { lintConfig } from './lint.js';
export { adviceFor } from './advice.js';
