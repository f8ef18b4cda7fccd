// --raw-io: the data pipeline of predict as graph operators, so the exported model takes a window in the data's
// own units and returns forecasts in them. In float64 inside the graph, as seqtune does it:
//   window (batch, L, F) -> (window - center) / scale per feature -> minus its last step when data.relative
//   forecast -> plus each target's scaled last value when data.relative -> * scale + center per target
// The last value of a target comes from the window when every target is a feature, else from a second input,
// last_value (batch, targets), in original units.
import type { ScalerState } from '../data/index.js';
import { ExportError } from './errors.js';
import type { GraphBuilder } from './graph.js';
import type { Sym } from './types.js';

/** What the model's windows were cut from: the run's data description (model/data.json). */
export interface ExportData {
  lookback: number;
  horizon: number;
  /** Feature columns after encoding, in the order of the input's last axis. */
  features: string[];
  targets: string[];
  scaler: ScalerState;
  /** Inputs relative to the last input step, outputs added back to each target's last value. */
  relative: boolean;
  /**
   * Each categorical column's categories in code order (model/data.json's encodings): a label column's value is its
   * category's index, a one-hot column `col=value` is 1 where the cell is value. Without them a caller cannot
   * encode a window from a CSV.
   */
  encodings?: Record<string, string[]>;
}

/** Per-column center and scale of the named columns (one line if the scaler lacks one). */
function columns(d: ExportData, names: readonly string[]): { center: number[]; scale: number[] } {
  const idx = names.map((n) => {
    const i = d.scaler.columns.indexOf(n);
    if (i < 0)
      throw new ExportError(`data.scaler.columns: expected a column "${n}", found ${d.scaler.columns.join(', ')}`);
    return i;
  });
  return { center: idx.map((i) => d.scaler.center[i]!), scale: idx.map((i) => d.scaler.scale[i]!) };
}

/** (x - center) / scale in float64, per column on the last axis of `x` (already float64). */
function scale(g: GraphBuilder, x: string, cs: { center: number[]; scale: number[] }, hint: string): string {
  const n = cs.center.length;
  const c = g.constant(`${hint}_center`, cs.center, [n], 'double'),
    s = g.constant(`${hint}_scale`, cs.scale, [n], 'double');
  return g.node('Div', [g.node('Sub', [x, c], {}, `${hint}_centered`), s], {}, `${hint}_scaled`);
}

const DOUBLE = { to: { i: 11 } },
  FLOAT = { to: { i: 1 } };

/**
 * The columns float32 cannot carry to their spread or their moves, one line each: the raw graph's window, last_value
 * and forecast are float32 (24 significant bits), so a column at 1e12 that moves by 1e5 comes in rounded to a multiple
 * of 65536 and its forecast goes out so, whatever the float64 inside does. Flagged where float32's step at the
 * column's level (|center| + scale) is over 0.1% of its scale, or of its typical move from one row to the next
 * (`moves`: the mean |x_t - x_(t-1)| over the training rows, where the run's CSV is at hand): a meter at 1e7 that
 * spreads over 1,300 but moves by 5 a row comes in rounded to 1, a fifth of a move, and with data.relative the model
 * reads those moves (the ONNX forecasts were 1.15 from predict's, a third of the linear baseline's RMSE of 3.4). A
 * scaled export leaves the scaling to the caller, in float64.
 */
export function float32Losses(d: ExportData, moves?: Record<string, number> | null): string[] {
  const used = new Set([...d.features, ...d.targets]);
  return d.scaler.columns.flatMap((c, i) => {
    const scale = d.scaler.scale[i]!,
      level = Math.abs(d.scaler.center[i]!) + scale,
      move = moves?.[c];
    const step = 2 ** (Math.floor(Math.log2(level)) - 23);
    const byMove = move !== undefined && move > 0 && move < scale;
    if (!used.has(c) || !(step > 1e-3 * (byMove ? move : scale))) return [];
    const g = (v: number) => v.toPrecision(2);
    const [what, by] = byMove
      ? [`moves by about ${g(move)} a row`, 'move']
      : [`spreads over about ${g(scale)}`, 'spread'];
    return [
      `column "${c}" lies near ${g(level)} and ${what}: float32, which the --raw-io window and forecast are, rounds ` +
        `it to steps of ${g(step)} (${g((100 * step) / (byMove ? move : scale))}% of its ${by}); ` +
        'export without --raw-io and scale in float64 around the model (seqtune.scaler in its metadata), as ' +
        'seqtune predict does',
    ];
  });
}

/** Whether the raw graph needs the last_value input: relative, with a target that is not a feature. */
export const needsLastValue = (d: ExportData): boolean => d.relative && !d.targets.every((t) => d.features.includes(t));

/** The raw window in, the model's input out; `scaled` is the scaled window (float64), for the targets' offsets. */
export function rawInput(g: GraphBuilder, d: ExportData, window: string): { model: string; scaled: string } {
  const xd = g.node('Cast', [window], DOUBLE, 'window_f64');
  const scaled = scale(g, xd, columns(d, d.features), 'window');
  let x = scaled;
  if (d.relative) {
    const L = d.lookback;
    const last = g.node(
      'Slice',
      [scaled, g.ints('L_1', [L - 1]), g.ints('L', [L]), g.ints('axis1', [1])],
      {},
      'last_step',
    );
    x = g.node('Sub', [scaled, last], {}, 'window_relative');
  }
  return { model: g.node('Cast', [x], FLOAT, 'model_input'), scaled };
}

/** Each target's scaled last value (batch, targets), float64: from the scaled window or from last_value. */
function targetOffsets(g: GraphBuilder, d: ExportData, scaledWindow: string, lastValue: string | null): string {
  if (lastValue) return scale(g, g.node('Cast', [lastValue], DOUBLE, 'last_value_f64'), columns(d, d.targets), 'last');
  const L = d.lookback;
  const step = g.node('Gather', [scaledWindow, g.constant('last_index', [L - 1], [], 'int64')], { axis: { i: 1 } });
  const idx = g.constant(
    'target_features',
    d.targets.map((t) => d.features.indexOf(t)),
    [d.targets.length],
    'int64',
  );
  return g.node('Gather', [step, idx], { axis: { i: 1 } }, 'target_last');
}

/** A per-target vector (or (batch, targets) value) repeated over the output's last axis (F = k * targets). */
function perOutput(g: GraphBuilder, v: string, y: Sym, nT: number, batched: boolean, hint: string): string {
  const reps = y.F / nT;
  let r = reps === 1 ? v : g.node('Tile', [v, g.ints(`${hint}_reps`, batched ? [1, reps] : [reps])], {}, hint);
  if (batched && y.T !== null) r = g.node('Unsqueeze', [r, g.ints('axis1', [1])], {}, `${hint}_steps`);
  return r;
}

/** The model's output (scaled, relative) in, forecasts in original units out. */
export function rawOutput(g: GraphBuilder, d: ExportData, y: Sym, scaledWindow: string, lastValue: string | null) {
  const nT = d.targets.length;
  if (y.F % nT !== 0)
    throw new ExportError(
      `rawIO: the model's output has ${y.F} values per step, not a multiple of the ${nT} targets ` +
        `(${d.targets.join(', ')})`,
    );
  let out = g.node('Cast', [y.name], DOUBLE, 'forecast_f64');
  if (d.relative) {
    const off = perOutput(g, targetOffsets(g, d, scaledWindow, lastValue), y, nT, true, 'offset');
    out = g.node('Add', [out, off], {}, 'forecast_absolute');
  }
  const cs = columns(d, d.targets);
  const s = perOutput(g, g.constant('target_scale', cs.scale, [nT], 'double'), y, nT, false, 'target_scale_all');
  const c = perOutput(g, g.constant('target_center', cs.center, [nT], 'double'), y, nT, false, 'target_center_all');
  out = g.node('Add', [g.node('Mul', [out, s], {}, 'forecast_rescaled'), c], {}, 'forecast_original');
  return g.node('Cast', [out], FLOAT, 'forecast_f32');
}
