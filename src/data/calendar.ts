// The calendar's rules for a time read from a cell or from year, month, day, ... columns: a month from 1 to 12, a day
// its month has, a time of day from 00:00 to 23:59:59 (or 24:00, the end of the day, as ISO 8601 writes it), a UTC
// offset under 24 hours. Date.parse and Date.UTC roll what is past them over into another date ("2024-02-30" is
// 1 March, "2024-04-31" 1 May, "Jan 1 2024 23:60" 23:00), so a time is checked against them before it is read.

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** Days in month `m` (1 to 12) of year `y` (the Gregorian calendar: 29 in February of a leap year). */
export function daysIn(y: number, m: number): number {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return m === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
}

/** A time's parts as written (the month 1-based); those not written are absent. */
export interface TimeParts {
  y: number;
  mo: number;
  d?: number | undefined;
  h?: number | undefined;
  mi?: number | undefined;
  s?: number | undefined;
}

/**
 * What makes the parts no time, in words ("February 2023 has no day 29 (it has 28 days)", "there is no month 13
 * (months are 1 to 12)"), or '' when they are one.
 */
export function calendarProblem({ y, mo, d, h, mi, s }: TimeParts): string {
  if (mo < 1 || mo > 12) return `there is no month ${mo} (months are 1 to 12)`;
  if (d !== undefined && (d < 1 || d > daysIn(y, mo)))
    return `${MONTH_NAMES[mo - 1]} ${y} has no day ${d} (it has ${daysIn(y, mo)} days)`;
  return clockProblem(h, mi, s);
}

/** What makes a time of day none ("there is no hour 25 (hours are 0 to 23)"), or '' when it is one. */
function clockProblem(h?: number, mi?: number, s?: number): string {
  const endOfDay = h === 24 && !mi && !s;
  if (h !== undefined && h > 23 && !endOfDay) return `there is no hour ${h} (hours are 0 to 23)`;
  if (mi !== undefined && mi > 59) return `there is no minute ${mi} (minutes are 0 to 59)`;
  if (s !== undefined && s >= 60) return `there is no second ${s} (seconds are 0 to 59)`;
  return '';
}

/** A UTC offset as ISO 8601 writes it (+05:30, -0800, Z): '' when it is one, else what is wrong with it. */
export function offsetProblem(zone: string | undefined): string {
  if (!zone || zone === 'Z') return '';
  const h = Number(zone.slice(1, 3)),
    m = Number(zone.slice(-2));
  return h > 23 || m > 59 ? `there is no UTC offset ${zone} (offsets are under 24 hours)` : '';
}

/** A month's name or its first three letters (Jan, Sept., march). */
const MONTH_WORD = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?![a-z])/i;
/** A time of day in text: 13:05, 13:05:59, 7:05:09.5. */
const CLOCK = /(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?!\d)/;
/** A time of day and the UTC offset after it, if any (13:05 -0500). */
const CLOCK_ZONE = new RegExp(`${CLOCK.source}\\s*([+-]\\d{2}:?\\d{2})?`);
/** A date year first with slashes or points: 2024/02/29, 2024.2.29. */
const YEAR_FIRST = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?!\d)/;

/**
 * What makes a date in a form left to Date.parse no date ('' when it is one, or when its parts cannot be told apart):
 * year first with slashes or points (2024/02/30), a month by its name and a day (30-Feb-2024, Feb 30, 2024,
 * Fri, 30 Feb 2024 00:00:00 GMT), and the time of day in any of them (Jan 1 2024 23:60).
 */
export function writtenDateProblem(text: string): string {
  const clock = CLOCK.exec(text);
  const [h, mi, s] = clock ? [clock[1], clock[2], clock[3]].map((v) => (v === undefined ? undefined : Number(v))) : [];
  const ymd = YEAR_FIRST.exec(text);
  if (ymd) return calendarProblem({ y: Number(ymd[1]), mo: Number(ymd[2]), d: Number(ymd[3]), h, mi, s });
  const month = MONTH_WORD.exec(text);
  // the numbers once the time of day and a UTC offset after it are left out: a four-digit year and the day
  const rest = text.replace(CLOCK_ZONE, ' ');
  const numbers = rest.match(/\d+/g) ?? [];
  const year = numbers.filter((n) => n.length === 4);
  const day = numbers.filter((n) => n.length <= 2);
  const mo = month ? MONTH_NAMES.findIndex((n) => n.slice(0, 3).toLowerCase() === month[1]!.toLowerCase()) + 1 : 0;
  if (mo > 0 && year.length === 1 && day.length === 1 && numbers.length === 2)
    return calendarProblem({ y: Number(year[0]), mo, d: Number(day[0]), h, mi, s });
  return clockProblem(h, mi, s);
}
