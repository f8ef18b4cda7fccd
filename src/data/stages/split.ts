// Stage 4 of prepare (split): the row ranges of train, validation and test (data.split, 70/15/15 by
// default), after checking that the rows hold one window at all. With a trained model's encoding
// (predict on new data) every split is all the rows, and one window needs only its lookback inputs:
// a forecast from the last lookback rows has no targets to read.
import { DataError, plural } from '../errors.js';
import type { DataConfig, Ranges } from '../types.js';
import { splitRanges } from '../window.js';

/** data.split where the config gives none. */
export const DEFAULT_SPLIT = { train: 0.7, val: 0.15, test: 0.15 };

/**
 * `dropped`: the rows data.missing: drop removed, which `rows` no longer counts, and `kept` the file row of each row
 * left (PreparedData.kept): the split is of the file's rows, each range the rows left in it; `skipName`: what set the
 * rows skipped at the start (FixedEncoding.skipName).
 */
export function splitRows(
  cfg: DataConfig,
  file: string,
  rows: number,
  fixed: boolean,
  dropped = 0,
  skipName = 'data.skip_rows',
  kept?: Int32Array | null,
): Ranges {
  const lookback = cfg.lookback,
    horizon = cfg.horizon ?? 1;
  const usable = () => usableRows(rows, cfg.skip_rows ?? 0, dropped, skipName);
  if (fixed && rows < lookback)
    throw new DataError(`${file}: ${usable()}, but a forecast needs lookback ${plural(lookback, 'row')}`);
  if (!fixed && rows < lookback + horizon)
    throw new DataError(
      `${file}: ${usable()}, ` +
        `but one window needs lookback ${lookback} + horizon ${horizon} = ${lookback + horizon}`,
    );
  if (fixed)
    return {
      train: [0, rows] as [number, number],
      val: [0, rows] as [number, number],
      test: [0, rows] as [number, number],
    };
  try {
    const ranges = splitRanges(rows + (kept ? dropped : 0), cfg.split ?? DEFAULT_SPLIT);
    return kept ? keptRanges(ranges, kept) : ranges;
  } catch (e) {
    // splitRanges names the key (data.split.test: ...); the message names the file too.
    if (e instanceof DataError) throw new DataError(`${file}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Ranges of the file's rows as ranges of the rows data.missing: drop left (`kept`: the file row of each). Split over
 * the rows left, the boundaries moved with every row dropped after them: 10 missing cells in the test rows of 300 moved
 * the training rows' end from 210 to 203, and the test rows chose the training windows and the epochs kept.
 */
function keptRanges(ranges: Ranges, kept: Int32Array): Ranges {
  const at = (row: number) => {
    let lo = 0,
      hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid]! < row) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const of = ([a, b]: [number, number]): [number, number] => [at(a), at(b)];
  return { train: of(ranges.train), val: of(ranges.val), test: of(ranges.test) };
}

/**
 * "16 usable rows" ("1 usable row"), and where the file's other rows went when the config left some out: predict skips
 * data.skip_rows in a new CSV too, so 40 rows of it give 16 at skip_rows 24, which the count alone does not explain.
 */
function usableRows(rows: number, skip: number, dropped: number, skipName: string): string {
  const why = [
    ...(skip ? [`${skipName} leaves out the first ${skip}`] : []),
    ...(dropped ? [`data.missing: drop ${dropped} with a missing value`] : []),
  ];
  const all = why.length ? ` (of ${plural(rows + skip + dropped, 'data row')}: ${why.join(', ')})` : '';
  return `${plural(rows, 'usable row')}${all}`;
}
