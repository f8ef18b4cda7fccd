// The trial loop, one for every strategy and for `tune` and `worker` alike: each turn it sweeps stale trials
// (stale.ts), claims a waiting trial first (a rerun of an interrupted trial, a user's enqueued one), else asks the
// proposer (propose.ts) for the next trial and creates it, and runs it in the pool's threads (pool.ts) or here with
// one job, under this process's heartbeat (heartbeat.ts), until the trial budget, the time budget (budget.ts) or the
// proposals run out. Any number of processes of the study run the same loop over the same storage.
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fitThreads } from '../config/index.js';
import { SeqtuneError } from '../errors.js';
import { threadsOverCores, watchRunFolders } from '../run/index.js';
import { DuplicateTrial, type FrozenTrial, redactUrl, StorageError, StudyRemade } from '../storage/index.js';
import { baselineOverBudget, endStepReserve, firstReserve, TimeBudget } from './budget.js';
import { Heartbeat } from './heartbeat.js';
import { abortReason, interruptTrials, throwIfInterrupted } from './interrupt.js';
import { type TrialOutcome, WorkerPool } from './pool.js';
import { bestOf, liveLine, sameListAsAbove, trialReport, trialsNamed } from './progress.js';
import { type Proposal, type Proposer, proposerOf } from './propose.js';
import { lookRunning, QuietLine } from './quiet.js';
import { inFlight } from './samplers/index.js';
import { trialLimit } from './settings.js';
import { ownerOf, saySwept, staleRule, sweepStale } from './stale.js';
import { retriesOf, type StudyContext } from './study-context.js';
import { assertSomeFit, notStarted, REFUSED_IN_A_ROW, refuseTooBig } from './too-big.js';
import { runTrial, sharedBaseData, type TrialEnv } from './trial.js';

/** The trial loop's state. */
interface Loop {
  env: TrialEnv;
  proposer: Proposer;
  maxTrials: number;
  budget: TimeBudget;
  jobs: number;
  pool: WorkerPool | null;
  heartbeat: Heartbeat;
  /** Trials running in this process, by number; each promise ends when its trial is reported. */
  running: Map<number, Promise<number>>;
  tty: boolean;
  /** Resolves once an abort of TuneOptions.signal has interrupted this process's trials (never without one). */
  halted: Promise<void>;
  /** Stops listening for the abort: a signal after the loop has no trial of it to fail (haltOn). */
  unhalt?: () => void;
  /** The parameters the last refused (DuplicateTrial) proposal had: the same refusal twice waits a moment. */
  refused?: string;
  /** A trial was claimed or created while an abort was being handled: it is failed as interrupted too. */
  late?: boolean;
  /** The reason the last trial line printed, whose list a next line with the same list says as "as above". */
  lastWhy?: string;
  /** A trial of this process that a full disk failed (trial.ts, failNoSpace): the study stops. */
  noSpace?: FrozenTrial;
  /** Proposals the memory check refused since a trial last started (too-big.ts). */
  refusedInARow: number;
  /** The line that this process waits for other processes' trials, its budget spent, was said. */
  saidWait?: boolean;
  /** Trials of this process that ended because the study was deleted under them (`study delete --force`). */
  deleted: number[];
}

/** A study stopped because the disk is full; its trials that met it wait to run again. Exit 1. */
export class StudyStopped extends SeqtuneError {}

/** A study deleted from storage (`seqtune study delete --force`) while this process ran it. Exit 1. */
export class StudyDeleted extends StudyStopped {}

/**
 * Where no live line shows the trials' epochs (no terminal, or jobs > 1: trials in threads), a line at most once a
 * minute of nothing else said, of this process's running trials as storage has them (quiet.ts); returns the stop.
 */
function quietLine(c: StudyContext, l: Loop): (() => void) | undefined {
  if (l.jobs === 1 && (l.tty || c.o.verbose)) return undefined;
  const log = c.log;
  const mine = () => new Set(l.running.keys());
  const look = lookRunning(c.storage, c.name, { created: c.created }, mine, c.s.objective);
  const q = new QuietLine(log, look).start();
  c.log = q.wrap(log);
  return () => {
    q.stop();
    c.log = log;
  };
}

/** What a user who asked for more than the cores, or for epochs of trials run elsewhere, is told once. */
function sharingLines(c: StudyContext, jobs: number, threads: number): string[] {
  const cores = availableParallelism();
  const asked = c.base.train?.threads;
  const lines: string[] = [];
  const turns = threadsOverCores(threads, cores);
  if (jobs > cores) lines.push(`tune: ${jobs} jobs on ${cores} cores: the trials share the cores, one thread each`);
  else if (asked !== undefined && asked > threads)
    lines.push(
      `tune: train.threads ${asked} lowered to ${threads}, so that ${jobs} jobs x threads fit the ${cores} cores`,
    );
  // one job trains on the threads asked, more than the cores too (fitThreads): said once here, as train says it
  // before its fit; `tune --jobs 1 --threads 3` on 2 cores said nothing
  else if (turns) lines.push(`warning: ${turns}`);
  if (c.o.verbose && jobs > 1)
    lines.push(
      `tune: --verbose prints the epochs of trials this process runs itself: none with ${jobs} jobs (--jobs 1)`,
    );
  return lines;
}

/** Runs trials until the trial budget, the time budget or the proposals run out; returns why it stopped. */
export async function runTrials(c: StudyContext): Promise<string> {
  const { o, s, loaded, base } = c;
  const tty = o.progress === true;
  const env = trialEnvOf(c, tty);
  const jobs = c.url.startsWith('memory') ? 1 : Math.max(1, o.jobs ?? s.jobs);
  env.threads = fitThreads(base, jobs);
  for (const l of sharingLines(c, jobs, env.threads)) c.log(l);
  const shared = jobs > 1 ? await sharedBaseData(env) : undefined;
  const data = { file: loaded.file, loaded, storage: c.url, study: c.name, created: c.created, data: shared };
  // each trial takes the loop's deadline with it (start)
  const threads = { ...data, runs: env.runs, threads: env.threads };
  const pool = jobs > 1 ? await WorkerPool.start(jobs, threads, { script: o.workerScript }) : null;
  const retries = retriesOf(c);
  const heartbeat = await Heartbeat.start(
    c.url,
    c.name,
    s.heartbeat,
    {
      rule: staleRule(s.heartbeat, retries),
      onSwept: (r) => void saySwept(c.storage, c.name, r, retries, c.log, { created: c.created }).catch(() => {}),
    },
    { created: c.created },
  );
  // said before the budget counts: timing the baseline's steps is not the trials' time
  if (s.strategy === 'auto' && !(await c.storage.getTrials(c.name)).length) {
    const over = await baselineOverBudget(env, o.timeBudget ?? s.timeBudget);
    if (over) c.log(over);
  }
  // The time budget counts from here, once the trial threads and the heartbeat are up (seconds from source, under
  // load): a study of 'time_budget: 3s' on a loaded machine had spent it before its first trial and ran none.
  const budget = new TimeBudget(o.timeBudget ?? s.timeBudget);
  env.deadline = budget.deadline();
  c.endAt = budget.end();
  const auto = { env, storage: c.storage, study: c.name, budget: budget.forAuto(env, base, jobs) };
  const l: Loop = {
    ...{ env, proposer: proposerOf(s, auto), maxTrials: trialLimit(s, base, o), budget, jobs, pool, heartbeat },
    ...{ running: new Map(), tty, halted: new Promise<void>(() => {}), refusedInARow: 0, deleted: [] },
  };
  if (o.signal) l.halted = haltOn(c, l, o.signal);
  const release = env.runs ? watchRunFolders(env.runs) : () => {};
  const quiet = quietLine(c, l);
  try {
    return await loopTrials(c, l);
  } catch (e) {
    throw (await deletedUnder(c, l, e)) ?? e;
  } finally {
    if (!o.signal?.aborted) await Promise.allSettled(l.running.values());
    // no abort from here fails this process's trials (none runs): a listener left on did, through the storage the
    // caller closes next ('Cannot use a pool after calling end on the pool'); one under way is waited for, as the
    // loop may end without it (its study deleted and made again) and the storage would close under it
    l.unhalt?.();
    if (o.signal?.aborted) await l.halted;
    quiet?.();
    await heartbeat.close();
    await pool?.close();
    release();
  }
}

/**
 * The study as storage has it now: `there` (the one this process opened, or storage cannot tell), `gone` (deleted
 * under this process) or `remade` (deleted, and another made under its name since: another creation time).
 */
async function studyNow(c: StudyContext): Promise<'there' | 'gone' | 'remade'> {
  try {
    const r = await c.storage.getStudy(c.name);
    return r === null ? 'gone' : c.created !== undefined && r.created !== c.created ? 'remade' : 'there';
  } catch {
    return 'there';
  }
}

/** Whether the study this process opened is gone from storage (deleted under it, or deleted and made again). */
const studyGone = async (c: StudyContext): Promise<boolean> => (await studyNow(c)) !== 'there';

/**
 * What a storage error `e` of the loop means when the study was deleted under it (`seqtune study delete --force`):
 * one line that says so, and what became of this process's trials, instead of the storage's "no study named".
 */
async function deletedUnder(c: StudyContext, l: Loop, e: unknown): Promise<StudyDeleted | undefined> {
  if (!(e instanceof StorageError)) return undefined;
  const now = await studyNow(c);
  return now === 'there' ? undefined : deletedLine(c, l, now, e);
}

/**
 * The line that ends the loop of a study deleted under it. A study made again under its name is another study: the
 * loop went on in it as if it were its own (its trials made there, failed there as stale), the trial it ran told
 * 'study "NAME" has no trial 0' at its next report.
 */
function deletedLine(c: StudyContext, l: Loop, now: 'gone' | 'remade', cause?: unknown): StudyDeleted {
  // those still running here stop too, at their next epoch's report (runTrials waits for them)
  const n = [...new Set([...l.deleted, ...l.running.keys()])].sort((a, b) => a - b);
  const stopped = n.length ? `; ${trialsNamed(n)} stopped at ` + `${n.length > 1 ? 'their' : 'its'} next epoch` : '';
  const remade =
    now === 'remade' ? ', and another study was made under its name since: this process does not join it' : '';
  return new StudyDeleted(
    `study ${c.name} was deleted from ${redactUrl(c.url)} while this process ran it (seqtune study delete ` +
      `--force)${remade}${stopped}; nothing more of it is stored`,
    cause === undefined ? undefined : { cause },
  );
}

/** Interrupts the loop's trials when `signal` aborts; resolves when they are (a failure is said, not thrown). */
function haltOn(c: StudyContext, l: Loop, signal: AbortSignal): Promise<void> {
  return new Promise<void>((res) => {
    const halt = () => void interruptHere(c, l, signal).finally(res);
    if (signal.aborted) halt();
    else {
      signal.addEventListener('abort', halt, { once: true });
      l.unhalt = () => signal.removeEventListener('abort', halt);
    }
  });
}

/** Fails this process's running trials as interrupted and passes the trials on (a failure is said, not thrown). */
async function interruptHere(c: StudyContext, l: Loop, signal: AbortSignal): Promise<void> {
  const x = {
    ...l,
    storage: c.storage,
    study: c.name,
    created: c.created,
    seconds: c.s.heartbeat,
    retries: retriesOf(c),
    log: c.log,
  };
  try {
    const trials = await interruptTrials(x, abortReason(signal));
    c.o.onTrials?.(trials, { name: c.name, storage: c.url });
  } catch (e) {
    // a study made again under its name: its refusal says what became of the call (nothing written, or the trials
    // failed, then not read back: 'could not be failed' was untrue of those)
    const what = (e as Error).message;
    const line = e instanceof StudyRemade ? what : `the running trials could not be failed (${what})`;
    c.log(`${abortReason(signal)}: ${line}`);
  }
}

/** The folder of the trials' run folders: --out, else runs/<name> beside the config; undefined: none kept. */
export const runsFolder = (c: StudyContext): string | undefined =>
  c.o.saveBest === false ? undefined : resolve(c.o.out ?? join(c.loaded.dir, 'runs', c.name));

function trialEnvOf(c: StudyContext, tty: boolean): TrialEnv {
  const { s } = c;
  const epochText = (n: number, e: number, E: number, v: number) =>
    `trial ${n}: epoch ${e + 1}/${E} ${s.objective} ${v.toPrecision(4)}`;
  let onEpoch: TrialEnv['onEpoch'];
  if (c.o.verbose) onEpoch = (n, e, E, v) => c.log(epochText(n, e, E, v));
  else if (tty) onEpoch = (n, e, E, v) => process.stderr.write(liveLine(epochText(n, e, E, v), process.stderr.columns));
  return {
    loaded: c.loaded,
    base: c.base,
    storage: c.storage,
    study: c.name,
    created: c.created,
    pruner: s.pruner,
    repeats: s.repeats,
    objective: s.objective,
    dataCache: new Map(),
    onEpoch,
    runs: runsFolder(c),
    signal: c.o.signal,
  };
}

/**
 * The trials that count against the trial budget: all but a failed trial that was enqueued again, and one the memory
 * check kept from starting (too-big.ts).
 */
export function counted(trials: readonly FrozenTrial[]): number {
  const rerun = new Set(trials.map((t) => t.attrs.rerun_of));
  return trials.filter(
    (t) => t.state !== 'failed' || (t.attrs.retried_as === undefined && !rerun.has(t.number) && !notStarted(t)),
  ).length;
}

/**
 * The study's trials after this turn's sweep of stale trials (any other process's, and none this one runs: failed
 * and enqueued again).
 */
async function sweptTrials(c: StudyContext, l: Loop): Promise<FrozenTrial[]> {
  const of = { created: c.created }; // a study made again since the loop looked at it is refused (StudyRemade)
  const trials = await c.storage.getTrials(c.name, of);
  const o = { heartbeat: c.s.heartbeat, retries: retriesOf(c), log: c.log, trials, live: [...l.running.keys()] };
  const swept = await sweepStale(c.storage, c.name, { ...o, ...of });
  return swept.failed.length ? c.storage.getTrials(c.name, of) : trials;
}

async function loopTrials(c: StudyContext, l: Loop): Promise<string> {
  for (;;) {
    if (c.o.signal?.aborted) {
      await l.halted;
      if (l.late) await interruptHere(c, l, c.o.signal);
      throwIfInterrupted(c.name, c.o.signal);
    }
    if (l.noSpace) await stopForSpace(c, l, l.noSpace);
    // before anything is written: a study made again under its name is not this process's to sweep or add to
    if ((await studyNow(c)) === 'remade') throw deletedLine(c, l, 'remade');
    const trials = await sweptTrials(c, l);
    c.o.onTrials?.(trials, { name: c.name, storage: c.url });
    // auto's end step (its ensemble) runs after the trials, within the budget: the time it will take is kept from them
    // (before a trial finished, the ridge fit it will pay, as expected: the first trials stop in time for it too)
    if (c.s.strategy === 'auto' && c.o.saveBest !== false) {
      const best = bestOf(trials);
      const first = best || !Number.isFinite(l.budget.seconds) ? 0 : await firstReserve(l.env);
      c.reserve = l.budget.reserve = endStepReserve(c.base, best, trials, first);
    }
    if (l.budget.spent()) {
      if (l.running.size) await Promise.race([Promise.all(l.running.values()), l.halted]);
      return 'time budget spent';
    }
    const claimed = await claim(c, l);
    if (lateFor(c, l, claimed)) continue;
    if (claimed) {
      await start(c, l, claimed, (claimed.attrs.why as string | undefined) ?? '');
      continue;
    }
    const inBudget = counted(trials) < l.maxTrials;
    const next = inBudget ? await l.proposer.next(trials) : null;
    if (next === null || next === 'wait') {
      // Nothing to start now: wait for the trials in flight (here or in another process), or stop.
      if (!l.running.size && !trials.some(inFlight)) {
        assertSomeFit(c.name, trials);
        return inBudget ? l.proposer.exhausted() : 'trial budget spent';
      }
      if (!inBudget && !l.running.size) sayWaitForOthers(c, l, trials);
      await waitForAny(c, l);
      continue;
    }
    // a proposal can take minutes (auto times a GRU(4000) before it starts one): it may have spent what was left
    if (l.budget.spent()) continue;
    const owner = ownerOf(l.pool?.nextWorker() ?? 0, c.s.heartbeat, c.endAt);
    if (await refuseTooBig(c, l.env, next, { owner, unique: l.proposer.unique, created: c.created })) {
      if (++l.refusedInARow < REFUSED_IN_A_ROW) continue;
      assertSomeFit(c.name, await c.storage.getTrials(c.name));
      return `${REFUSED_IN_A_ROW} proposals in a row cannot fit in engine memory`;
    }
    l.refusedInARow = 0;
    const trial = await create(c, l, next);
    if (lateFor(c, l, trial)) continue;
    if (!trial) continue; // taken by another process: propose again from the trials as they are now
    if (await pastBudget(c, l, trial)) continue;
    c.o.onTrials?.([...trials, trial], { name: c.name, storage: c.url });
    await start(c, l, trial, next.why);
  }
}

/**
 * Stops the study after a trial met a full disk: every later trial would train for nothing and fail the same way,
 * spending the trial budget (a 6-trial study on a full runs folder ended 'trial budget spent' with 5 failed). The
 * trials running here end first; each one that met the disk waits to run again, for --resume or another worker.
 */
async function stopForSpace(c: StudyContext, l: Loop, t: FrozenTrial): Promise<never> {
  await Promise.race([Promise.all(l.running.values()), l.halted]);
  throw new StudyStopped(
    `study ${c.name} stopped: ${t.error}; trial ${t.number} waits to run again as #${t.attrs.retried_as}: free ` +
      'some space, then resume the study (seqtune tune CONFIG --resume, or the worker again)',
  );
}

/** Takes the lowest waiting trial for the next worker; in a study made again under its name since: StudyRemade. */
const claim = (c: StudyContext, l: Loop): Promise<FrozenTrial | null> =>
  c.storage.claimWaiting(c.name, ownerOf(l.pool?.nextWorker() ?? 0, c.s.heartbeat, c.endAt), {
    created: c.created,
  });

/** Whether the study is being aborted: then nothing more starts, and a trial just claimed or created is failed. */
function lateFor(c: StudyContext, l: Loop, trial: FrozenTrial | null): boolean {
  if (!c.o.signal?.aborted) return false;
  if (trial) l.late = true;
  return true;
}

/**
 * Creates the proposed trial, running, owned by the worker that will run it; null when the proposer never repeats a
 * configuration and another process created the same one a moment ago (the same refusal twice in a row waits for a
 * trial to end first, so a proposer that keeps proposing a taken configuration cannot spin).
 */
async function create(c: StudyContext, l: Loop, next: Proposal): Promise<FrozenTrial | null> {
  const attrs = next.why ? { why: next.why } : {};
  const owner = ownerOf(l.pool?.nextWorker() ?? 0, c.s.heartbeat, c.endAt);
  try {
    const unique = l.proposer.unique;
    const trial = await c.storage.createTrial(c.name, next.params, attrs, { owner, unique, created: c.created });
    l.refused = undefined;
    return trial;
  } catch (e) {
    if (!(e instanceof DuplicateTrial)) throw e;
    const key = JSON.stringify(next.params);
    if (l.refused === key) await waitForAny(c, l);
    l.refused = key;
    return null;
  }
}

/**
 * Whether `trial`, just made, is past the trial budget: another process made one between this loop's read of the
 * study and this trial (two `tune --resume` started at once both read it one short of the budget, and a study of
 * `trials: 3` ran 4). Of the trials made at once the later numbered one is recorded as failed without starting
 * (attrs.not_started, which no budget counts) and said in one line; the loop then finds the budget spent.
 */
async function pastBudget(c: StudyContext, l: Loop, trial: FrozenTrial): Promise<boolean> {
  if (!Number.isFinite(l.maxTrials)) return false;
  const upTo = (await c.storage.getTrials(c.name)).filter((t) => t.number <= trial.number);
  if (counted(upTo) <= l.maxTrials) return false;
  const error =
    `not started: the trials before it spend the trial budget of ${l.maxTrials} (another process made one at the ` +
    'same moment)';
  const end = { error, attrs: { not_started: 'budget' }, created: c.created };
  await c.storage.finishTrial(c.name, trial.number, 'failed', null, end);
  c.log(`trial ${trial.number} ${error}`);
  return true;
}

/**
 * Runs a trial this process owns (in the pool, or here with one job) under its heartbeat; returns once there is
 * room for another. A trial whose thread failed is failed with the reason.
 */
async function start(c: StudyContext, l: Loop, trial: FrozenTrial, why: string): Promise<void> {
  const n = trial.number;
  c.trained = (c.trained ?? 0) + 1;
  l.heartbeat.add(n);
  // it stops at the first epoch end past the budget less the end step's reserve as it is now
  const deadline = l.budget.deadline();
  const work: Promise<TrialOutcome> = l.pool
    ? l.pool.run(n, deadline)
    : runTrial({ ...l.env, deadline }, trial).then(
        (): TrialOutcome => ({ ok: true }),
        (e: Error): TrialOutcome => ({ ok: false, reason: e?.message ?? String(e), stack: e?.stack }),
      );
  const p = work
    .catch((e: Error): TrialOutcome => ({ ok: false, reason: e.message, stack: e.stack }))
    .then(async (out) => {
      if (c.o.signal?.aborted) return n; // failed as interrupted (interrupt.ts), whatever the thread says
      l.heartbeat.remove(n);
      if (!out.ok) await failBroken(c, l, n, out);
      l.running.delete(n);
      if (l.deleted.includes(n)) return n; // the loop's next read of the study says so (deletedUnder)
      const done = await report(c, l, n, why);
      if (done.attrs.no_space !== undefined) l.noSpace ??= done;
      return n;
    });
  l.running.set(n, p);
  if (l.running.size >= l.jobs) await Promise.race([...l.running.values(), l.halted]);
}

/**
 * Fails a trial whose thread (or whose own error handling) failed, with the reason and the stack; one whose study was
 * deleted under it (its reports refused) is only noted, for the line that ends the loop.
 */
async function failBroken(c: StudyContext, l: Loop, n: number, out: { reason: string; stack?: string }) {
  try {
    await c.storage.finishTrial(c.name, n, 'failed', null, {
      created: c.created,
      error: out.reason,
      attrs: out.stack ? { stack: out.stack } : {},
    });
  } catch (e) {
    if (await studyGone(c)) return void l.deleted.push(n);
    c.log(`trial ${n}: ${out.reason} (and it could not be marked failed: ${(e as Error).message})`);
  }
}

/**
 * Once: this process has no trial left to start, the study's trials having spent its trial budget, and it waits for
 * the trials other processes run (any that goes stale is run again here); `tune --resume --trials 1` on a study
 * another process still ran waited without a word until that process's trials ended.
 */
function sayWaitForOthers(c: StudyContext, l: Loop, trials: readonly FrozenTrial[]): void {
  if (l.saidWait) return;
  l.saidWait = true;
  const flying = trials.filter(inFlight);
  const owners = [...new Set(flying.map((t) => t.owner ?? 'no owner'))];
  const held = counted(trials);
  c.log(
    `study ${c.name}: its ${held} trial${held === 1 ? '' : 's'} already spend the trial budget of ${l.maxTrials}; ` +
      `waiting for ${flying.map((t) => `#${t.number}`).join(', ')}, run by ${owners.join(', ')}, to end (one whose ` +
      'process dies is run again here); Ctrl-C leaves them to that process',
  );
}

/** Waits for a trial of this process to end, or a moment (other processes' trials end, or go stale). */
async function waitForAny(c: StudyContext, l: Loop): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const pause = new Promise<void>((res) => {
    timer = setTimeout(res, Math.min(1000, c.s.heartbeat * 1000));
  });
  await Promise.race([...l.running.values(), pause, l.halted]);
  clearTimeout(timer);
}

/**
 * One line per finished trial: its result, why it ran, and the study so far; returns the trial. A study deleted and
 * made again under its name since is refused (StudyRemade): its trial of that number is another's.
 */
async function report(c: StudyContext, l: Loop, number: number, why: string): Promise<FrozenTrial> {
  if (l.tty) process.stderr.write('\r\x1b[2K');
  const all = await c.storage.getTrials(c.name, { created: c.created });
  c.o.onTrials?.(all, { name: c.name, storage: c.url });
  const done = all.find((t) => t.number === number)!;
  const said = sameListAsAbove(why, l.lastWhy);
  l.lastWhy = why;
  c.log(trialReport(done, all, { objective: c.s.objective, why: said, minutes: l.budget.minutes() }));
  return done;
}
