// The data: section of a config and what preparing it gives, shared by the stages of prepare.ts
// (stages/) and by the scoring of forecasts on prepared windows (evaluate.ts).
import type { ScalerKind, ScalerState } from './scale.js';
import type { Windows } from './window.js';

export type MissingPolicy = 'error' | 'drop' | 'ffill' | 'interpolate' | { constant: number };

export interface DataConfig {
  csv: string;
  /** What the CSV writes between fields: a comma (default), a semicolon or a tab. */
  separator?: ',' | ';' | '\t';
  /** The decimal mark of its numbers: a point (default) or a comma (with separator ';' or a tab). */
  decimal?: '.' | ',';
  time?: string | string[];
  drop?: string[];
  skip_rows?: number;
  missing?: MissingPolicy;
  categorical?: Record<string, 'label' | 'onehot'>;
  features?: string[];
  target: string | string[];
  lookback: number;
  horizon?: number;
  stride?: number;
  split?: Record<'train' | 'val' | 'test', number | [number, number]>;
  scale?: ScalerKind;
  /** Inputs and targets relative to the last input step (the model learns the change; outputs are added back). */
  relative?: boolean;
}

export interface PreparedData {
  /** Feature column names after encoding (one-hot columns are named column=value). */
  features: string[];
  targets: string[];
  rows: number;
  ranges: Record<'train' | 'val' | 'test', [number, number]>;
  windows: Record<'train' | 'val' | 'test', Windows>;
  scaler: ScalerState;
  /** Category -> code, for label-encoded columns. */
  encodings: Record<string, string[]>;
  /** Target series, original and scaled, full length (for baselines and plots). */
  targetSeries: { original: Float64Array[]; scaled: Float64Array[] };
  /** Scaled feature columns, full length (inputs for forecasts past the last target). */
  scaledFeatures: Float64Array[];
  /** Time stamps in ms (or row numbers when there is no time column). */
  time: Float64Array;
  /** Rows removed by the missing-value policy (drop). */
  droppedRows: number;
  /**
   * With rows dropped (data.missing: drop): each usable row's row in the file (0-based, after data.skip_rows), so that
   * no window spans a dropped one and messages name file rows. Null or absent when no row was dropped.
   */
  kept?: Int32Array | null;
  /**
   * Where data.missing filled a target cell (ffill, interpolate, constant): 1 there, per target in `targets` order,
   * full length. The test scores leave those cells out (a forecast scored against a value the fill made up: a
   * constant 0 in a series near 100). Null or absent when no target cell was filled.
   */
  filledTargets?: Uint8Array[] | null;
  /**
   * How the time column's slashed dates were read: day first (31/01/2024) or month first; absent when it has none.
   * A run folder keeps it (model/data.json) so that predict reads a new CSV's dates the same way.
   */
  dayFirst?: boolean;
  notes: string[];
}

/**
 * A scaler, category codes and date order fixed by a trained model, applied as they are (for predict on new data).
 * dayFirst: the order the training CSV's slashed dates were read in (absent: the new file's own, slashDayFirst).
 */
export interface FixedEncoding {
  scaler: ScalerState;
  encodings: Record<string, string[]>;
  dayFirst?: boolean;
  /**
   * What messages call the rows skipped at the start: data.skip_rows (the default), or the option that set them
   * instead (predict's --skip-rows), so that a user who typed `--skip-rows 40` is not told of a key they never wrote.
   */
  skipName?: string;
}

/** Row ranges [start, end) of the three splits. */
export type Ranges = PreparedData['ranges'];
