// Stage 6 of prepare (window): each split's windows of lookback inputs and horizon targets, every
// data.stride rows, as start indices into the scaled columns (relative to the last input step with
// data.relative); a batch's values are gathered when the model reads them.
// With a trained model's encoding (predict on new data) the windows are inputs only (horizon 0), one
// for every origin row from lookback - 1 to the last row, shared by the three splits.
import { DataError } from '../errors.js';
import type { DataConfig, PreparedData, Ranges } from '../types.js';
import { Windows, windowStarts } from '../window.js';
import type { Scaled } from './scale.js';

export function cutWindows(
  cfg: DataConfig,
  file: string,
  rows: number,
  ranges: Ranges,
  scaled: Pick<Scaled, 'features' | 'targets'>,
  fixed: boolean,
  kept?: Int32Array | null,
): PreparedData['windows'] {
  const lookback = cfg.lookback,
    horizon = cfg.horizon ?? 1,
    stride = cfg.stride ?? 1;
  const relative = cfg.relative ?? false;
  // checked here, on the config a run or trial really has (a tune space may turn relative off where lookback is 1)
  if (relative && lookback === 1)
    throw new DataError(
      `${file}: data.relative: with lookback 1 every input is 0 (a window is taken minus its own last step); ` +
        'use lookback 2 or more, or relative: false',
    );
  const series = { features: scaled.features, targets: scaled.targets };
  if (fixed) {
    const w = new Windows(windowStarts([0, rows], lookback, 0, 1, kept), lookback, 0, series, relative);
    return { train: w, val: w, test: w };
  }
  const windows = {} as PreparedData['windows'];
  for (const k of ['train', 'val', 'test'] as const) {
    const starts = windowStarts(ranges[k], lookback, horizon, stride, kept);
    if (starts.length === 0)
      throw new DataError(
        `${file}: the ${k} split (rows ${ranges[k][0]}-${ranges[k][1]}) ` +
          `holds no window of lookback ${lookback} + horizon ${horizon}` +
          `${kept ? ' without a dropped row inside' : ''}; ` +
          'use more data, a smaller lookback/horizon or another split',
      );
    windows[k] = new Windows(starts, lookback, horizon, series, relative);
  }
  return windows;
}
