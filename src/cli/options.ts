// Parsers for option values, given to commander as `.option(flags, description, parser, default)`. Each checks
// the text the user typed before any work starts and throws a UsageError (exit 2) that names the option, what
// was expected and what was received: `--trials: expected a positive integer, received "abc"`. Defaults are
// given already parsed (commander does not pass them through the parser).

import type { LoadedConfig } from '../config/index.js';
import { expected } from '../errors.js';
import { MAX_THREADS } from '../train/index.js';
import { parseDuration } from '../tune/index.js';
import { UsageError } from './context.js';

/** Turns the text of one option value into its typed value, or throws a UsageError. */
export type ParseOption<T> = (text: string) => T;

/** An integer of at least `min` (and at most `max`), written in decimal digits (no sign, fraction or exponent). */
export function integerAtLeast(option: string, min: number, max = Number.MAX_SAFE_INTEGER): ParseOption<number> {
  const what =
    max < Number.MAX_SAFE_INTEGER
      ? `an integer from ${min} to ${max}`
      : min === 1
        ? 'a positive integer'
        : `an integer >= ${min}`;
  return (text) => {
    const n = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!(Number.isSafeInteger(n) && n >= min && n <= max)) throw new UsageError(expected(option, what, text));
    return n;
  };
}

/** A positive integer: a count of trials, jobs, members. */
export function positiveInt(option: string): ParseOption<number> {
  return integerAtLeast(option, 1);
}

/** Trial numbers written as a comma-separated list (`3,7,12`): each a non-negative integer, none twice. */
export function trialNumbers(option: string): ParseOption<number[]> {
  const one = integerAtLeast(option, 0);
  return (text) => {
    const parts = text.split(',').map((x) => x.trim());
    const nums = parts.map((x) => {
      if (!/^\d+$/.test(x))
        throw new UsageError(expected(option, 'trial numbers separated by commas, like 3,7,12', text));
      return one(x);
    });
    const twice = nums.find((n, i) => nums.indexOf(n) !== i);
    if (twice !== undefined) throw new UsageError(`${option}: trial ${twice} is listed twice (in "${text}")`);
    return nums;
  };
}

/** A positive duration in seconds, written as the config writes one (30m, 2h, 900s or plain seconds). */
export function duration(option: string): ParseOption<number> {
  return (text) => {
    const seconds = parseDuration(text, option); // a ConfigError (exit 2) for anything but 30m, 2h, 900s
    if (!(seconds > 0)) throw new UsageError(expected(option, 'a positive duration like 30m, 2h or 900s', text));
    return seconds;
  };
}

/** A picture's file name: it ends in .svg or .png, which says what is written. */
export function pictureFile(option: string): ParseOption<string> {
  return (text) => {
    if (!/\.(svg|png)$/i.test(text)) throw new UsageError(expected(option, 'a file name ending in .svg or .png', text));
    return text;
  };
}

/** One of a few words: `--method: expected mean, weighted or stacked, received "median"`. */
export function oneOf<T extends string>(option: string, values: readonly T[]): ParseOption<T> {
  const what = values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values.at(-1)}` : String(values[0]);
  return (text) => {
    const hit = values.find((v) => v === text);
    if (hit === undefined) throw new UsageError(expected(option, what, text));
    return hit;
  };
}

/** The `--threads <n>` option of the commands that train: train.threads of the config, for this run only. */
export const THREADS_OPTION = [
  '--threads <n>',
  'threads that share each batch (default: train.threads, else the cores; in a study, the cores over --jobs)',
  integerAtLeast('--threads', 1, MAX_THREADS),
] as const;

/** The loaded config with train.threads set to `threads` (unchanged without one). */
export function withThreads(loaded: LoadedConfig, threads: number | undefined): LoadedConfig {
  if (threads === undefined) return loaded;
  return { ...loaded, raw: { ...loaded.raw, train: { ...loaded.raw.train, threads } } };
}
