// Stage 5 of prepare (scale): one scaler over every feature column and every target that is not also
// a feature, fitted on the training rows only (data.scale, standard by default); with a trained
// model's encoding, its scaler as it is, after checking the columns match.
import { DataError, plural } from '../errors.js';
import { Scaler, type ScalerState } from '../scale.js';
import { sharedColumns } from '../share.js';
import type { DataConfig, FixedEncoding, PreparedData } from '../types.js';
import type { Imputed } from './impute.js';

export interface Scaled {
  scaler: Scaler;
  /** Scaled feature columns, in the order of the feature names. */
  features: Float64Array[];
  /** Scaled target columns, in the order of the target names. */
  targets: Float64Array[];
}

export function scaleColumns(
  cfg: DataConfig,
  file: string,
  names: { features: string[]; targets: string[] },
  clean: Imputed,
  train: [number, number],
  fixed?: FixedEncoding,
): Scaled {
  const extra = names.targets.filter((t) => !names.features.includes(t));
  const columns = [...names.features, ...extra];
  const data = [...clean.features, ...extra.map((t) => clean.targets[names.targets.indexOf(t)]!)];
  if (fixed) {
    const want = fixed.scaler.columns.join(', ');
    if (columns.join(', ') !== want)
      throw new DataError(
        `${file}: the columns after encoding are ${columns.join(', ')}, but the model was trained on ${want}`,
      );
  }
  const scaler = fixed
    ? new Scaler(fixed.scaler)
    : Scaler.fit(cfg.scale ?? 'standard', columns, data, train[0], train[1]);
  // In shared memory from the start: tuning's worker threads read these columns without a copy (share.ts).
  const out = sharedColumns(columns.length, clean.rows);
  const transform = (v: Float64Array, i: number, dst: Float64Array) => {
    const c = scaler.state.center[i]!,
      sc = scaler.state.scale[i]!;
    for (let r = 0; r < v.length; r++) dst[r] = (v[r]! - c) / sc; // Scaler.transform, inlined
    return dst;
  };
  const features = clean.features.map((v, i) => transform(v, i, out[i]!));
  // A target that is also a feature is that feature's scaled column (the same values), not a second copy.
  const targets = names.targets.map((t, k) => {
    const i = columns.indexOf(t);
    return i < features.length ? features[i]! : transform(clean.targets[k]!, i, out[i]!);
  });
  const scaled = { scaler, features, targets };
  checkRange(file, { ...names, kind: scaler.state.kind }, clean, scaled);
  return scaled;
}

/** Largest magnitude a scaled value may have: the model trains in float32 (max 3.4e38), with room for differences. */
export const MAX_SCALED = 1e37;

/** Every scaled value finite and within MAX_SCALED, else the first that is not, named by row and column. */
function checkRange(
  file: string,
  names: { features: string[]; targets: string[]; kind: string },
  clean: Imputed,
  scaled: Omit<Scaled, 'scaler'>,
): void {
  const sets = [
    { names: names.features, scaled: scaled.features, raw: clean.features },
    { names: names.targets, scaled: scaled.targets, raw: clean.targets },
  ];
  for (const set of sets)
    set.scaled.forEach((col, j) => {
      for (let i = 0; i < col.length; i++)
        if (!(Math.abs(col[i]!) <= MAX_SCALED))
          throw new DataError(
            `${file}: row ${clean.rowNumber(i)}, column "${set.names[j]}": ${set.raw[j]![i]} becomes ${col[i]} ` +
              `when scaled (data.scale: ${names.kind}); the model needs values within +-${MAX_SCALED}: ` +
              'rescale the column, or use another data.scale',
          );
    });
}

/** A column the model reads in float32 in steps too coarse for its variation (float32Coarse). */
export interface CoarseColumn {
  column: string;
  /** The largest magnitude of its values as the model reads them (scaled). */
  largest: number;
  /** float32's step at that magnitude. */
  step: number;
  /** The standard deviation of its training rows, as the model reads them. */
  sd: number;
}

/** A float32 step above this share of a column's training sd: it keeps fewer than about 3 digits of its variation. */
const COARSE_SHARE = 1e-3;

/** float32's step (ulp) at magnitude v: 2^-149 below its smallest normal value (1.2e-38), where it is subnormal. */
export const float32Step = (v: number): number => (v > 0 ? 2 ** Math.max(Math.floor(Math.log2(v)) - 23, -149) : 0);

/**
 * The columns the model reads as they are (not relative: with data.relative it reads differences taken in float64)
 * whose float32 step at their largest value is above COARSE_SHARE of their training sd: a level near 1e7 that moves
 * by 1 (data.scale: none) reaches the model in whole numbers, and it trained on noise.
 */
export function float32Coarse(
  names: readonly string[],
  columns: readonly Float64Array[],
  [a, b]: [number, number],
): CoarseColumn[] {
  const out: CoarseColumn[] = [];
  columns.forEach((v, j) => {
    let largest = 0,
      sum = 0,
      sq = 0;
    for (let i = 0; i < v.length; i++) largest = Math.max(largest, Math.abs(v[i]!));
    for (let i = a; i < b; i++) sum += v[i]!;
    const mean = sum / Math.max(1, b - a);
    for (let i = a; i < b; i++) sq += (v[i]! - mean) ** 2;
    const sd = Math.sqrt(sq / Math.max(1, b - a)),
      step = float32Step(largest);
    if (sd > 0 && step > COARSE_SHARE * sd) out.push({ column: names[j]!, largest, step, sd });
  });
  return out;
}

/** What train and check say of a coarse column (float32Coarse). */
export function coarseText(c: CoarseColumn, kind: string): string {
  const g = (v: number) => Number(v.toPrecision(3)).toString();
  return (
    `column "${c.column}": the model reads it in float32, whose values near ${g(c.largest)} (data.scale: ${kind}) ` +
    `are ${g(c.step)} apart, against a standard deviation of ${g(c.sd)} over the training rows: ` +
    'it keeps fewer than 3 digits of its variation; use data.scale: standard (or data.relative: true)'
  );
}

/** float32Coarse of the columns prepared data feeds the model as they are: none with data.relative. */
export function coarseColumns(
  d: Pick<PreparedData, 'features' | 'targets' | 'scaledFeatures' | 'targetSeries' | 'ranges'>,
  relative: boolean,
): CoarseColumn[] {
  if (relative) return [];
  const extra = d.targets.flatMap((t, k) => (d.features.includes(t) ? [] : [{ t, v: d.targetSeries.scaled[k]! }]));
  return float32Coarse(
    [...d.features, ...extra.map((e) => e.t)],
    [...d.scaledFeatures, ...extra.map((e) => e.v)],
    d.ranges.train,
  );
}

/**
 * What train says of each target with one value in every training row (the scaler takes its scale as 1, and the
 * model learns that value): a target constant over training and varying after trained without a word, its
 * generalization gap 1698%.
 */
export function constantTargetNotes(
  names: readonly string[],
  targets: readonly Float64Array[],
  [a, b]: [number, number],
): string[] {
  const out: string[] = [];
  targets.forEach((v, k) => {
    const first = v[a]!;
    for (let i = a; i < b; i++) if (v[i] !== first) return;
    let later = 0;
    for (let i = b; i < v.length; i++) if (v[i] !== first) later++;
    out.push(
      `data.target "${names[k]}" has one value (${first}) in all ${b - a} training rows` +
        (later
          ? `, while ${plural(later, 'later row')} differ: the model can learn only that value (the scaler takes its ` +
            'scale as 1); move data.split so that the training rows hold its changes, or choose another target'
          : ' and in every later row: there is nothing to forecast; choose another target'),
    );
  });
  return out;
}

/**
 * What train and check say of each column data.scale: robust leaves as it is: one whose training rows vary but whose
 * interquartile range is 0 (a count that is 0 in most rows) gets scale 1, as a constant one does, and the model read
 * counts in the thousands (loss 1.2e6) where the scaler's name promised values near 1.
 */
export function robustUnscaled(
  scaler: Pick<ScalerState, 'kind' | 'columns' | 'center' | 'scale'>,
  data: readonly Float64Array[],
  [a, b]: [number, number],
): string[] {
  if (scaler.kind !== 'robust') return [];
  const out: string[] = [];
  data.forEach((v, j) => {
    if (scaler.scale[j] !== 1) return;
    const q = v.slice(a, b).sort();
    const at = (p: number) => {
      const i = p * (q.length - 1),
        lo = Math.floor(i);
      return q[lo]! + (q[Math.min(lo + 1, q.length - 1)]! - q[lo]!) * (i - lo);
    };
    // Scaler.fit's quantiles: a column whose interquartile range is 1 is scaled by it
    if (q.length === 0 || q[0] === q[q.length - 1] || at(0.75) - at(0.25) > 0) return;
    out.push(
      `column "${scaler.columns[j]}": data.scale: robust leaves it as it is (less its median ${scaler.center[j]}): ` +
        `its training rows vary from ${q[0]} to ${q[q.length - 1]} but their middle half holds one value, an ` +
        'interquartile range of 0; use data.scale: standard or minmax',
    );
  });
  return out;
}
