// Study storage: the single source of truth for studies and trials. Records handed out are frozen
// (a finished trial never changes); trial states are explicit. Every implementation runs the same
// contract tests (test/storage/contract.ts).
import { SeqtuneError } from '../errors.js';

/** waiting: enqueued (a retry, a user's trial), taken by the next free worker; running: owned by a live worker. */
export type TrialState = 'waiting' | 'running' | 'complete' | 'pruned' | 'failed';
export const TRIAL_STATES: readonly TrialState[] = ['waiting', 'running', 'complete', 'pruned', 'failed'];
/** The states a trial ends in. */
export type EndState = Exclude<TrialState, 'running' | 'waiting'>;

export interface StudyRecord {
  readonly name: string;
  readonly direction: 'minimize';
  readonly created: string;
  readonly attrs: Readonly<Record<string, unknown>>;
}

/** What createStudy answers: the study, and whether this call made it (false: it was there, loadIfExists). */
export interface MadeStudy extends StudyRecord {
  readonly made: boolean;
}

/** Who runs a trial: a host, a process on it, and a worker (thread) of that process. */
export interface Owner {
  readonly host: string;
  readonly pid: number;
  readonly worker: number;
  /**
   * Seconds without a heartbeat after which the process's trials are stale (3 of its tune.heartbeat), kept in the
   * trial's attributes as `stale_after_s`: processes of one study may beat at different rates (tune.heartbeat may
   * change on --resume), and a sweeper that beats faster must not fail a live trial of one that beats slower.
   */
  readonly staleAfterS?: number;
  /**
   * The end of the process's time budget, as a Date.now() time of its own clock; none without a budget. A trial it
   * runs records the seconds then left of it as `budget_left_s`, from its `started`, which the storage writes by its
   * own clock (PostgreSQL's server's, as the heartbeats): the deadline on that clock is `started` plus them, whatever
   * the process's clock (trialDeadline).
   */
  readonly deadline?: number;
}

/** The attributes a trial records of the owner that runs it (Owner.staleAfterS, Owner.deadline). */
export const ownerAttrs = (o: Owner): Record<string, unknown> => ({
  ...(o.staleAfterS !== undefined ? { stale_after_s: o.staleAfterS } : {}),
  ...(o.deadline !== undefined ? { budget_left_s: Math.round(o.deadline - Date.now()) / 1000 } : {}),
});

/**
 * The end of the time budget of the process that runs (ran) trial `t`, in milliseconds since 1970 by the storage's
 * clock (the one its heartbeats are judged by, TrialsAt.now): its `started` plus the seconds its owner had left then
 * (Owner.deadline); undefined when its owner had no time budget.
 */
export function trialDeadline(t: { started: string; attrs: object }): number | undefined {
  const left = (t.attrs as { budget_left_s?: unknown }).budget_left_s;
  return typeof left === 'number' && Number.isFinite(left) ? Date.parse(t.started) + left * 1000 : undefined;
}

export interface FrozenTrial {
  readonly number: number;
  readonly state: TrialState;
  readonly params: Readonly<Record<string, unknown>>;
  /** The objective (lower is better); null unless complete (a pruned trial keeps its last value here). */
  readonly value: number | null;
  /** Objective per epoch, as reported while the trial ran. */
  readonly intermediate: readonly number[];
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly error: string | null;
  /** When it started running (a waiting trial: when it was enqueued), ISO 8601. */
  readonly started: string;
  readonly finished: string | null;
  // Storage always fills the three below; they are optional so that records written by hand (tests) need not.
  /** `host:pid` of the process that ran (runs) it; null for a trial nobody claimed or made without an owner. */
  readonly owner?: string | null;
  /** The worker (thread) of that process. */
  readonly worker?: number | null;
  /** The owner's last sign of life, ISO 8601 (null: never). */
  readonly heartbeat?: string | null;
}

/** A study's trials as one read found them, with the storage's clock at that read (Storage.getTrialsAt). */
export interface TrialsAt {
  readonly trials: FrozenTrial[];
  /**
   * The storage's clock at the read, in milliseconds since 1970: the clock its heartbeats are written by, which a
   * heartbeat is judged against (isStale). PostgreSQL's server writes them with its own now(), read here in the same
   * statement as the trials: the clock of a machine that reads them may be minutes off (a study on a live worker was
   * deleted, a dead one's refused). SQLite and memory: this process's clock, which their writers share.
   */
  readonly now: number;
}

export class StorageError extends SeqtuneError {}
/**
 * createTrial with `unique`: a trial with the same parameters is waiting, running or finished (not failed); with
 * `unique: 'in-flight'`, waiting or running.
 */
export class DuplicateTrial extends StorageError {}

/**
 * Which study of a name a call is for: the one created at `created` (StudyRecord.created), as the process that calls
 * opened it; any when none.
 */
export interface OfStudy {
  created?: string;
}

/**
 * A write for a study (OfStudy) deleted since and made again under its name: the study of that name now is another,
 * whose trials share the numbers of the deleted one's.
 */
export class StudyRemade extends StorageError {}

/**
 * The StudyRemade of a call for the study of `name` created at `of.created`, when the one there now is not it; `done`
 * says what became of the call (a write: nothing is written; a read: NOTHING_READ).
 */
export function remadeError(
  name: string,
  where: string,
  now: string,
  of: OfStudy,
  done = 'nothing is written to the new study',
): StudyRemade | null {
  if (of.created === undefined || of.created === now) return null;
  return new StudyRemade(
    `study "${name}" in ${where} was deleted and made again under its name (created ${now}; the study asked for ` +
      `was created ${of.created}): ${done}`,
  );
}

/** remadeError's `done` for a delete: the study there now was not the one judged. */
export const NOTHING_DELETED = 'nothing is deleted (it was not the study judged: look at it again)';

/** remadeError's `done` for a read (a trial looked up by number): the new study's trials are not the deleted one's. */
export const NOTHING_READ = "its trials are not read as the deleted study's";

/**
 * Options of createTrial. `created` as report's (OfStudy): a study made again under the name since is refused
 * (StudyRemade), no trial of the deleted study's process made in it.
 */
export interface NewTrial extends OfStudy {
  /** Running, owned by this owner with a fresh heartbeat (default: running without an owner). */
  owner?: Owner;
  /** Waiting for a worker to claim it. */
  waiting?: boolean;
  /**
   * Refuse (DuplicateTrial) when the same parameters are waiting, running or done: grid, OFAT and auto never repeat;
   * 'in-flight': when they are waiting or running (random and TPE may draw a finished configuration again, but two
   * processes that drew from the same trials at the same moment must not train one configuration side by side).
   */
  unique?: boolean | 'in-flight';
}

/** Parameters as comparable text: keys sorted at the top level (a trial's values keep their own order). */
export const paramsKey = (p: Readonly<Record<string, unknown>>): string =>
  JSON.stringify(
    Object.keys(p)
      .sort()
      .map((k) => [k, p[k]]),
  );

/**
 * The DuplicateTrial for `params` when one of `taken` (trials' state and parameters) already has them: one not failed,
 * or with `unique` 'in-flight' one waiting or running (NewTrial.unique).
 */
export function duplicateOf(
  study: string,
  params: Readonly<Record<string, unknown>>,
  taken: readonly { state: string; params: Readonly<Record<string, unknown>> }[],
  unique: true | 'in-flight' = true,
): DuplicateTrial | null {
  const key = paramsKey(params);
  const counts = (state: string) =>
    unique === 'in-flight' ? state === 'waiting' || state === 'running' : state !== 'failed';
  if (!taken.some((t) => counts(t.state) && paramsKey(t.params) === key)) return null;
  const what = unique === 'in-flight' ? 'a trial waiting or running' : 'a trial';
  return new DuplicateTrial(`study "${study}" already has ${what} with the parameters ${JSON.stringify(params)}`);
}

/** What `failStale` looks for and what it does with what it finds. */
export interface StaleRule {
  /**
   * A running trial whose heartbeat (or, without one, start) is older than this many milliseconds is stale, or than
   * its own owner's `stale_after_s` when that is longer (Owner.staleAfterS).
   */
  graceMs: number;
  /** Owners (`host:pid`) known to be dead (a process of this host that no longer exists): stale at once. */
  deadOwners?: readonly string[];
  /**
   * Trials the sweeping process runs itself now (its heartbeat thread's): never stale, however old their heartbeat.
   * A beat held up past the grace (its connection lost, its answer after the sweep's) says nothing of a process that
   * is sweeping.
   */
  live?: readonly number[];
  /** A stale trial is enqueued again (a waiting trial, same parameters) while its retry count is below this. */
  retries: number;
  /**
   * Why the dead owners' trials ended, after `interrupted: ` (a process failing its own trials on Ctrl-C says
   * `SIGINT to HOST:PID`); default: that the owner is no longer running.
   */
  reason?: string;
  /**
   * The dead owners stopped their trials on a signal (Ctrl-C, SIGTERM): a stop the user asked for, not a crash, so it
   * uses none of `retries`. Such a trial is enqueued again whenever `retries` is above 0, its retry count unchanged.
   */
  interrupt?: boolean;
}

/** What `failStale` did: the trials it failed and the waiting trials it enqueued in their place. */
export interface StaleResult {
  failed: number[];
  enqueued: number[];
}

export interface Storage {
  /**
   * The file that holds the studies, for a storage kept in one (SQLite): the folder a study's stored run paths are
   * read against when the file was moved (run/study-paths.ts). None for PostgreSQL and memory.
   */
  readonly file?: string;
  /**
   * Creates a study; an existing name is an error unless `loadIfExists` (atomic: two creators, one wins), when it is
   * the study there that is answered, `made: false` (another process made it: a `tune --resume` that joins).
   */
  createStudy(name: string, attrs: Record<string, unknown>, opts?: { loadIfExists?: boolean }): Promise<MadeStudy>;
  getStudy(name: string): Promise<StudyRecord | null>;
  listStudies(): Promise<StudyRecord[]>;
  setStudyAttr(name: string, key: string, value: unknown): Promise<void>;
  /**
   * Deletes a study and all its trials; false when there was none. `of.created` as report's: a study made again under
   * the name since the caller judged it is refused (StudyRemade, NOTHING_DELETED), not deleted unchecked.
   */
  deleteStudy(name: string, of?: OfStudy): Promise<boolean>;
  /**
   * A new trial with the next number of the study (numbers never repeat, even across processes): running, owned by
   * `owner` with a fresh heartbeat, or `waiting` for a worker to claim it.
   */
  createTrial(
    study: string,
    params: Record<string, unknown>,
    attrs?: Record<string, unknown>,
    opts?: NewTrial,
  ): Promise<FrozenTrial>;
  /**
   * Atomically takes the lowest-numbered waiting trial for `owner` (now running), or null when none waits. `of.created`
   * as report's: a study made again under the name since is refused (StudyRemade), none of its trials taken.
   */
  claimWaiting(study: string, owner: Owner, of?: OfStudy): Promise<FrozenTrial | null>;
  /**
   * Refreshes the heartbeat of these trials (those still running; others are left as they are). `of.created` as
   * report's: a study made again under the name since is refused (StudyRemade), its trials of these numbers unbeaten.
   */
  heartbeat(study: string, numbers: readonly number[], of?: OfStudy): Promise<void>;
  /**
   * Records the objective at one step (epoch) of a running trial. `of.created`: the study's creation time as the
   * caller opened it (StudyRecord.created); a study deleted and made again under its name since is another study, and
   * the report is refused (StudyRemade), not written to its trial of that number.
   */
  report(study: string, number: number, step: number, value: number, of?: OfStudy): Promise<void>;
  /** Ends a running trial. Ending a finished trial is an error; `extra.created` as report's `of.created`. */
  finishTrial(
    study: string,
    number: number,
    state: EndState,
    value: number | null,
    extra?: { error?: string; attrs?: Record<string, unknown> } & OfStudy,
  ): Promise<FrozenTrial>;
  /**
   * The study's trials by number. `of.created` as report's: a study made again under the name since is refused
   * (StudyRemade), not read as the one the caller opened (a trial looked up by number there is another's).
   */
  getTrials(study: string, of?: OfStudy): Promise<FrozenTrial[]>;
  /** getTrials, with the storage's clock at the read (TrialsAt.now), by which a trial's heartbeat is judged. */
  getTrialsAt(study: string, of?: OfStudy): Promise<TrialsAt>;
  /**
   * Fails the running trials whose owner stopped beating (`stale: no heartbeat from HOST:PID since TIME`) or is
   * known dead (`interrupted: ...`), and enqueues their parameters again while `retries` allows; atomic, so two
   * processes never fail or enqueue one trial twice. `of.created` as report's: a study made again under the name since
   * is refused (StudyRemade), none of its trials failed or enqueued by a process of the deleted one.
   */
  failStale(study: string, rule: StaleRule, of?: OfStudy): Promise<StaleResult>;
  /** Marks every running trial of a study failed, live or not (for a study known to have no live process). */
  failRunning(study: string, reason: string): Promise<number[]>;
  close(): Promise<void>;
}

export function freezeTrial(t: FrozenTrial): FrozenTrial {
  return Object.freeze({
    ...t,
    params: Object.freeze({ ...t.params }),
    attrs: Object.freeze({ ...t.attrs }),
    intermediate: Object.freeze([...t.intermediate]),
  });
}

export const ownerText = (o: Owner): string => `${o.host}:${o.pid}`;

/** The failure message of a stale (or dead) trial and the attributes of the waiting trial that retries it. */
export function staleOutcome(
  t: { number: number; owner?: string | null; heartbeat?: string | null; started: string; attrs: object },
  dead: boolean,
  rule: StaleRule,
): { error: string; retry: Record<string, unknown> | null } {
  const { retries, reason } = rule;
  const since = t.heartbeat ?? t.started;
  const error = !t.owner
    ? `interrupted: the trial records no owner to keep it alive (started ${t.started})`
    : dead
      ? `interrupted: ${reason ?? `${t.owner} is no longer running`} (last heartbeat ${since})`
      : `stale: no heartbeat from ${t.owner} since ${since}`;
  const done = Number((t.attrs as { retry?: number }).retry ?? 0);
  const signal = dead && rule.interrupt === true;
  return { error, retry: (signal ? retries > 0 : done < retries) ? rerunAttrs(t, signal ? done : done + 1) : null };
}

/** The attributes of a waiting trial that reruns trial `t` (its `retry` count as given). */
export function rerunAttrs(t: { number: number; attrs: object }, retry: number): Record<string, unknown> {
  const why = (t.attrs as { why?: string }).why;
  return { rerun_of: t.number, retry, why: `rerun of interrupted trial #${t.number}${why ? `: ${why}` : ''}` };
}

/**
 * Milliseconds without a heartbeat after which a running trial is stale under a rule: the rule's grace, or its own
 * owner's (`stale_after_s`, Owner.staleAfterS) when that is longer. The dashboard tells a stale trial by it too.
 */
export function staleGraceMs(t: { attrs: object }, r: Pick<StaleRule, 'graceMs'>): number {
  const own = Number((t.attrs as { stale_after_s?: unknown }).stale_after_s);
  return Number.isFinite(own) ? Math.max(r.graceMs, own * 1000) : r.graceMs;
}

/** Whether a running trial is stale under a rule, given the current time in milliseconds. */
export function isStale(
  t: { number: number; owner?: string | null; heartbeat?: string | null; started: string; attrs: object },
  r: StaleRule,
  now: number,
): 'dead' | 'stale' | null {
  if (r.live?.includes(t.number)) return null;
  if (!t.owner || r.deadOwners?.includes(t.owner)) return 'dead';
  return now - Date.parse(t.heartbeat ?? t.started) > staleGraceMs(t, r) ? 'stale' : null;
}
