// Gaps in the time column: steps longer than its usual one, which a window spans as if they were one step.
// `seqtune check` warns of them in the training rows (data.time_gaps), `seqtune train` says so too; `seqtune predict`
// says which forecasts read across one.

import { plural } from './errors.js';
import { calendarMonths, usualStep } from './stages/read.js';

/** The gaps of a time column (timeGaps). */
export interface TimeGaps {
  /** The usual step, as text: "1 h", "1 d", "2 weeks", "1 month", "1 year", or a numeric column's own number. */
  usual: string;
  /** The longest gap, as text (as `usual`); the usual step when there is no gap. */
  longest: string;
  /** The usable rows (0-based, as PreparedData.time) that a gap comes before, in order. */
  before: number[];
  /** How many steps the gaps skip in all (at least one a gap). */
  missing: number;
}

/**
 * Steps of the time column longer than its usual one (1.5x the median step): missing hours, days or months that a
 * window spans as if they were one step. A gap that data.missing: drop left is not one (no window spans it: `kept`,
 * PreparedData.kept). A column of whole months (calendarMonths) is stepped in months, so monthly data's step is a
 * month, not the median's 31 days. Null with fewer than 3 stamps.
 *
 * @example
 * import { timeGaps } from 'seqtune/data';
 * const g = timeGaps(Float64Array.of(0, 3600000, 7200000, 7 * 3600000)); // hourly, then a jump of 5 h
 * // g.before = [3], g.missing = 4, g.usual = '1 h', g.longest = '5 h'
 */
export function timeGaps(time: ArrayLike<number>, kept?: Int32Array | null): TimeGaps | null {
  const n = time.length;
  if (n < 3) return null;
  const months = calendarMonths(time),
    t = months ?? time;
  const usual = usualStep(t);
  const before: number[] = [];
  let missing = 0,
    longest = usual;
  for (let i = 1; i < n; i++) {
    const step = t[i]! - t[i - 1]!;
    const dropped = kept && kept[i] !== kept[i - 1]! + 1;
    if (dropped || !(step > 1.5 * usual)) continue;
    before.push(i);
    missing += Math.max(1, Math.round(step / usual) - 1);
    longest = Math.max(longest, step);
  }
  const unit = months ? monthsUnit : stepUnit;
  return { usual: unit(usual), longest: unit(longest), before, missing };
}

/**
 * The gaps as check and predict say them: "the time column skips 4 steps in 1 gap (the usual step is 1 h, the longest
 * gap 5 h, the first before row 41)"; `row` turns a usable row into the file's row (fileRow). Only where there is one.
 */
export function gapsText(g: TimeGaps, row: (i: number) => number): string {
  return (
    `the time column skips ${plural(g.missing, 'step')} in ${plural(g.before.length, 'gap')} (the usual step is ` +
    `${g.usual}, the longest gap ${g.longest}, the first before row ${row(g.before[0]!)})`
  );
}

/**
 * The gaps as check warns of them (data.time_gaps), with what to do: `seqtune train` says the same line, so that a
 * run trained without a check is not trained across a month-long hole unsaid.
 */
export function gapsAdvice(g: TimeGaps, row: (i: number) => number): string {
  return (
    `${gapsText(g, row)}: a window spans each gap as one step; add the missing rows (empty cells, with ` +
    "data.missing: interpolate), unless the series has no value there by nature (a market's weekends)"
  );
}

/** A step of calendar months: in years where it is whole ones. */
const monthsUnit = (v: number) => (v % 12 === 0 ? plural(v / 12, 'year') : plural(v, 'month'));

/**
 * A step of the time column: dates are milliseconds (a whole number of weeks, days, hours or seconds); a numeric time
 * column is shown as it is.
 */
function stepUnit(v: number): string {
  if (!(v >= 1000 && v % 1000 === 0)) return String(v);
  if (v % 604800000 === 0) return plural(v / 604800000, 'week');
  if (v % 86400000 === 0) return `${v / 86400000} d`;
  return v % 3600000 === 0 ? `${v / 3600000} h` : `${v / 1000} s`;
}
