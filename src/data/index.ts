// data/: CSV, cleaning, scaling, windowing, splits, baselines, synthetic series.

export type { BaselineSpec, LinearSpec, NaiveSpec, Scores, SeasonalSpec } from './baselines.js';
export { baselineForecast, baselineName, DEFAULT_BASELINES, isLinear, score } from './baselines.js';
export type { CsvFormat, ReadCsvOptions, Table } from './csv.js';
export { csvField, readCsv, separatorHint } from './csv.js';
export { MISSING_TOKENS, TableColumn } from './csv-column.js';
export { cellAt, DataError, MissingValuesError, plural } from './errors.js';
export type { BaselineScores, SplitScores } from './evaluate.js';
export {
  baselineProblem,
  baselineScores,
  baselineScoresAsync,
  linearFitNotices,
  linearFits,
  originalTargets,
  scoreForecast,
  splitScores,
  splitScoresAsync,
  targetScores,
  unscaleTargets,
} from './evaluate.js';
export { gapsAdvice, gapsText, type TimeGaps, timeGaps } from './gaps.js';
export type { Design, RidgeModel } from './linear.js';
export {
  fitRidge,
  LINEAR_MAX_INPUTS,
  linearFitSeconds,
  linearFitted,
  linearForecast,
  linearForecastSeconds,
  linearModel,
  linearModelAsync,
  linearTooWide,
  type RidgeShape,
  ridgeForecast,
  ridgeShape,
} from './linear.js';
export { csvFormat, prepareData, prepareTable, rewindow, seriesKey } from './prepare.js';
export type { ScalerKind, ScalerState } from './scale.js';
export { SCALERS, Scaler } from './scale.js';
export type { SharedPreparedData } from './share.js';
export { fromShared, shareData } from './share.js';
export { numericColumn, sourceColumns, textCells } from './stages/encode.js';
export {
  calendarMonths,
  epochMs,
  fromParts,
  headerHint,
  newestFirstHint,
  parseStamp,
  partsProblem,
  repeatedTimeHint,
  slashDayFirst,
  stackedSeriesHint,
  stampProblem,
  timeOfDayColumn,
  usualStep,
} from './stages/read.js';
export type { CoarseColumn } from './stages/scale.js';
export { coarseColumns, coarseText } from './stages/scale.js';
export { turn } from './steps.js';
export type { SyntheticOptions } from './synthetic.js';
export { syntheticCsv, syntheticSeries } from './synthetic.js';
export type { DataConfig, FixedEncoding, MissingPolicy, PreparedData } from './types.js';
export type { DenseWindows, SharedTargets, WindowSamples, WindowSeries } from './window.js';
export {
  absolute,
  FEW_TEST_WINDOWS,
  fewTestWindows,
  fileRow,
  forecastsOf,
  makeWindows,
  sharedTargets,
  splitRanges,
  Windows,
  windowStarts,
} from './window.js';
