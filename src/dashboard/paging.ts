// The run list a page at a time: GET /api/runs?limit=50&offset=100&order=newest&q=grid answers one page of the run
// folders, in the order asked, with how many match (as TensorBoard, optuna-dashboard and MLflow page theirs). The
// whole list at 2,257 trial folders was 16 MB of JSON a poll; a page of 50 reads and sends only those 50 (their
// entries from runList's cache). Without any of these parameters /api/runs answers the whole list as before.

import { SeqtuneError } from '../errors.js';
import { type RunEntry, runList } from './runs.js';

/** A query parameter that is not what it should be: answered 400, naming it, what was expected and what came. */
export class QueryError extends SeqtuneError {
  constructor(
    readonly param: string,
    readonly expected: string,
    readonly received: string,
    message = `${param}: expected ${expected}, received ${JSON.stringify(received)}`,
  ) {
    super(message);
  }
}

/** `id`: by the run's path under --runs, numbers by value (the list's own order); `newest`: last written first. */
export const RUN_ORDERS = ['id', 'newest'] as const;
export type RunOrder = (typeof RUN_ORDERS)[number];

export interface RunQuery {
  limit: number;
  offset: number;
  order: RunOrder;
  /** Only the runs whose id holds this text, in any case ('' for all). */
  q: string;
}

export interface RunPage {
  /** How many runs match `q` (all of them when it is ''). */
  total: number;
  offset: number;
  limit: number;
  order: RunOrder;
  q: string;
  /** The offset of the page after this one, or null when this one is the last. */
  next_offset: number | null;
  runs: Record<string, unknown>[];
}

export const DEFAULT_LIMIT = 50;
/** A page's most runs: at ~1.7 KB a run (its scores and the diagnosis's pattern), 1,000 is ~1.7 MB. */
export const MAX_LIMIT = 1000;
const PARAMS = ['limit', 'offset', 'order', 'q'];

/** A count written as the API writes one: decimal digits only (no sign, point, exponent or space). */
function count(param: string, text: string, least: number, most: number, what: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n >= least && n <= most)) throw new QueryError(param, what, text);
  return n;
}

/**
 * The page that a request's query parameters ask for, or null when they name none of them (the whole list, as the
 * API answered before it paged). A parameter given twice, one that is not a paging parameter, or a value out of
 * its range is a QueryError.
 */
export function runQuery(params: Record<string, string[]>): RunQuery | null {
  const names = Object.keys(params);
  if (!names.length) return null;
  for (const name of names) {
    if (!PARAMS.includes(name))
      throw new QueryError(
        name,
        `one of ${PARAMS.join(', ')}`,
        name,
        `${name}: not a parameter of /api/runs (it takes ${PARAMS.join(', ')})`,
      );
    const values = params[name]!;
    if (values.length > 1) throw new QueryError(name, 'one value', values.join(', '));
  }
  const one = (name: string) => params[name]?.[0];
  const limit = one('limit'),
    offset = one('offset'),
    order = one('order') ?? 'id';
  if (!(RUN_ORDERS as readonly string[]).includes(order)) throw new QueryError('order', RUN_ORDERS.join(' or '), order);
  return {
    limit:
      limit === undefined ? DEFAULT_LIMIT : count('limit', limit, 1, MAX_LIMIT, `an integer from 1 to ${MAX_LIMIT}`),
    offset: offset === undefined ? 0 : count('offset', offset, 0, Number.MAX_SAFE_INTEGER, 'an integer, 0 or more'),
    order: order as RunOrder,
    q: one('q') ?? '',
  };
}

/** Last written first; folders written in the same millisecond by id. */
const newestFirst = (a: RunEntry, b: RunEntry) => (a.modified === b.modified ? 0 : a.modified < b.modified ? 1 : -1);

/**
 * One page of the run folders `all` (as findRuns lists them: by id) that `q` matches, in its order. Only the page's
 * folders are read (through runList's cache); the others stay in it.
 */
export async function pageOfRuns(all: readonly RunEntry[], q: RunQuery): Promise<RunPage> {
  const text = q.q.toLowerCase();
  const matching = text ? all.filter((r) => r.id.toLowerCase().includes(text)) : all;
  // Array.prototype.sort is stable: runs written in the same millisecond keep their order by id
  const ordered = q.order === 'newest' ? [...matching].sort(newestFirst) : matching;
  const end = q.offset + q.limit;
  return {
    total: matching.length,
    offset: q.offset,
    limit: q.limit,
    order: q.order,
    q: q.q,
    next_offset: end < matching.length ? end : null,
    runs: await runList(ordered.slice(q.offset, end), all),
  };
}

/** The most trial numbers one request may name (a page asks for the trials of about a second's events). */
export const MAX_TRIALS = 1000;

/**
 * The trials a study's answer is cut to, for a page that has read it whole and asks only for what changed since
 * (GET /api/studies/NAME?trials=3,17, and its curves): those numbers (`?trials=`: none, the study's own fields
 * alone); null when the request names none (the whole study). Any other parameter, a value given twice, or one that
 * is not trial numbers separated by commas, is a QueryError.
 */
export function trialsQuery(params: Record<string, string[]>): Set<number> | null {
  const names = Object.keys(params);
  if (!names.length) return null;
  const other = names.find((n) => n !== 'trials');
  if (other !== undefined)
    throw new QueryError(other, 'trials', other, `${other}: not a parameter of a study's answer (it takes trials)`);
  const values = params.trials!;
  if (values.length > 1) throw new QueryError('trials', 'one value', values.join(', '));
  const text = values[0]!;
  const list = text === '' ? [] : text.split(',');
  const what = `trial numbers separated by commas (at most ${MAX_TRIALS}), as 3,17`;
  if (list.length > MAX_TRIALS || !list.every((n) => /^(0|[1-9]\d{0,15})$/.test(n)))
    throw new QueryError('trials', what, text);
  return new Set(list.map(Number));
}
