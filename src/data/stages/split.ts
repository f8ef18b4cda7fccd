// Stage 4 of prepare (split): the row ranges of train, validation and test (data.split, 70/15/15 by
// default), after checking that the rows hold one window at all. With a trained model's encoding
// (predict on new data) every split is all the rows, and one window needs only its lookback inputs:
// a forecast from the last lookback rows has no targets to read.
import { DataError } from '../errors.js';
import type { DataConfig, Ranges } from '../types.js';
import { splitRanges } from '../window.js';

export function splitRows(cfg: DataConfig, file: string, rows: number, fixed: boolean): Ranges {
  const lookback = cfg.lookback,
    horizon = cfg.horizon ?? 1;
  if (fixed && rows < lookback)
    throw new DataError(`${file}: ${rows} usable rows, but a forecast needs lookback ${lookback} rows`);
  if (!fixed && rows < lookback + horizon)
    throw new DataError(
      `${file}: ${rows} usable rows, ` +
        `but one window needs lookback ${lookback} + horizon ${horizon} = ${lookback + horizon}`,
    );
  if (fixed)
    return {
      train: [0, rows] as [number, number],
      val: [0, rows] as [number, number],
      test: [0, rows] as [number, number],
    };
  try {
    return splitRanges(rows, cfg.split ?? { train: 0.7, val: 0.15, test: 0.15 });
  } catch (e) {
    // splitRanges names the key (data.split.test: ...); the message names the file too.
    if (e instanceof DataError) throw new DataError(`${file}: ${e.message}`, { cause: e });
    throw e;
  }
}
