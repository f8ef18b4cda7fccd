// data/: CSV, cleaning, scaling, windowing, splits, baselines, synthetic series.
export { DataError, MissingValuesError } from './errors.js';
export { readCsv } from './csv.js';
export type { Table } from './csv.js';
export { prepareData, prepareTable, baselineScores, originalTargets, unscaleTargets, scoreForecast, MISSING_TOKENS } from './prepare.js';
export type { DataConfig, PreparedData, MissingPolicy, FixedEncoding } from './prepare.js';
export { Scaler, SCALERS } from './scale.js';
export type { ScalerKind, ScalerState } from './scale.js';
export { makeWindows, windowStarts, splitRanges, absolute } from './window.js';
export type { Windows } from './window.js';
export { baselineForecast, score, baselineName } from './baselines.js';
export type { BaselineSpec, Scores } from './baselines.js';
export { syntheticSeries, syntheticCsv } from './synthetic.js';
export type { SyntheticOptions } from './synthetic.js';
