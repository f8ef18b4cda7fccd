// data/: CSV, cleaning, scaling, windowing, splits, baselines, synthetic series.

export type { BaselineSpec, Scores } from './baselines.js';
export { baselineForecast, baselineName, score } from './baselines.js';
export type { Table } from './csv.js';
export { readCsv } from './csv.js';
export { DataError, MissingValuesError } from './errors.js';
export type { DataConfig, FixedEncoding, MissingPolicy, PreparedData } from './prepare.js';
export {
  baselineScores,
  MISSING_TOKENS,
  originalTargets,
  prepareData,
  prepareTable,
  scoreForecast,
  unscaleTargets,
} from './prepare.js';
export type { ScalerKind, ScalerState } from './scale.js';
export { SCALERS, Scaler } from './scale.js';
export type { SyntheticOptions } from './synthetic.js';
export { syntheticCsv, syntheticSeries } from './synthetic.js';
export type { Windows } from './window.js';
export { absolute, makeWindows, splitRanges, windowStarts } from './window.js';
