// A tuning study: a proposer (samplers, or auto) proposes, the trial runner trains and reports, the pruner judges,
// storage holds everything. `seqtune tune CONFIG` runs one; `--resume` continues one after any interruption (trials
// whose process died are failed and enqueued again, stale.ts; completed ones are kept); `seqtune worker` joins one
// from its stored config and runs the same loop. The study is opened by study-open.ts, its trials run by loop.ts
// (proposals from propose.ts, threads from pool.ts, the time budget from budget.ts), its settings come from
// settings.ts, and Ctrl-C is handled by interrupt.ts.

import { existsSync, rmSync } from 'node:fs';
import { ConfigError, type LoadedConfig, resolveConfig } from '../config/index.js';
import { refuseUnwritable, trackUnfinished } from '../run/index.js';
import { type FrozenTrial, isStale, openStorage, ownerText, type Storage, sqliteFileOf } from '../storage/index.js';
import { finishAuto } from './auto-ensemble.js';
import { keepBest } from './best.js';
import { runsFolder, runTrials } from './loop.js';
import { bestOf } from './progress.js';
import { tuneSettings } from './settings.js';
import { alive, deadOwners, GRACE_HEARTBEATS, ownerOf, parseOwner } from './stale.js';
import type { StudyContext, StudyResult, TuneOptions } from './study-context.js';
import { finishedAlready, openStudy } from './study-open.js';

export { bestOf } from './progress.js';
export type { StudyResult, TuneOptions } from './study-context.js';
export { TuneRefused } from './study-open.js';

/**
 * A config's study (its tune: section), as `seqtune tune` does: trials run and stored, each keeping its run folder,
 * the best one and, for auto, the study's result folder named in the result. Quiet unless `log` or `progress` say
 * otherwise; `signal` stops it (the promise rejects with StudyInterrupted once the running trials are failed; during
 * auto's end step it resolves with the best trial, the step left for a resume).
 * @example
 * import { loadConfig, runStudy } from 'seqtune';
 * const s = await runStudy(await loadConfig('my.yaml'), { trials: 20, log: console.log });
 * console.log(s.best?.params, s.bestRun?.dir);
 */
export async function runStudy(loaded: LoadedConfig, o: TuneOptions = {}): Promise<StudyResult> {
  if (o.rerunInterrupted && !o.resume)
    throw new ConfigError(
      '--rerun-interrupted goes with --resume (it reruns the trials a resumed study finds interrupted)',
    );
  if (o.force && !o.resume)
    throw new ConfigError('--force goes with --resume (it resumes a study although its config changed)');
  const c = contextOf(loaded, o);
  const { storage, name, url, s, log } = c;
  try {
    const finished = o.resume ? await finishedAlready(c) : undefined;
    if (finished && !finished.endStepLeft) return { ...finished, name, storage: url };
    // where the trials keep their run folders is made by the first trial that completes: one that cannot be made
    // (a read-only mount, a file in the way) is refused before the study exists or a resumed or joined one trains
    // (each trial failed at once with EROFS, and the study ended 'no trial completed', exit 1)
    const runs = runsFolder(c);
    if (runs) await refuseUnwritable(runs);
    await openStudy(c);
    // running again: finished only when this run ends by a budget (an interrupted run leaves it unfinished)
    if (o.resume && !finished) await storage.setStudyAttr(name, 'finished', null);
    if (finished) log(`study ${name} finished (${finished.stopReason}), but its end step was cut short: done now`);
    const stopReason = finished ? finished.stopReason : await runTrials(c);
    // with storage's clock: another host's trial is judged by when it finished, which PostgreSQL writes with its now();
    // with the study's creation time: one deleted and made again under its name as the loop ended is another's, and
    // was read as this tune's (its trials listed, the study marked finished, a --resume of it told so)
    const { trials, now } = await storage.getTrialsAt(name, { created: c.created });
    // a time budget counts from each process's start: one whose budget is spent leaves a study that others still run
    // unfinished, to them (it had done the end step while they trained, and a worker joining then was told the study
    // was finished)
    const others = finished ? [] : runningElsewhere(trials, s.heartbeat, now);
    if (!others.length) await storage.setStudyAttr(name, 'finished', { reason: stopReason, trials: trials.length });
    const best = bestOf(trials);
    const keep = { storage, name, strategy: s.strategy, objective: s.objective, log };
    const last = await endStepElsewhere(c, trials, now, others);
    if (last && o.saveBest !== false) {
      // auto's best is the end step's choice (the mean over seeds, the steady value), not yet made: this one is only
      // the lowest value, and says so
      const bestBy = s.strategy === 'auto' ? `the lowest value so far; ${last} chooses the study's best` : undefined;
      return { name, trials, best, ...(bestBy ? { bestBy } : {}), stopReason, storage: url, trained: c.trained ?? 0 };
    }
    if (s.strategy === 'auto' && o.saveBest !== false) {
      // best by the mean over seeds, then the ensemble step
      const { interrupted, ...auto } = await finishAuto(
        { ...keep, base: c.base, endAt: c.endAt, reserve: c.reserve, signal: o.signal },
        trials,
        best,
      );
      // an end step cut short by the signal is not recorded as done: a resume does it (finishedAlready)
      if (!interrupted) await endStepDone(c, trials.length);
      return { name, trials, ...auto, stopReason, storage: url, trained: c.trained ?? 0 };
    }
    const bestRun = best && o.saveBest !== false ? await keepBest(keep, trials, best) : undefined;
    if (o.saveBest !== false) await endStepDone(c, trials.length);
    return { name, trials, best, bestRun, stopReason, storage: url, trained: c.trained ?? 0 };
  } finally {
    await closeStudy(c);
  }
}

/**
 * Who does (or did) the study's end step when not this process, said in one line: the processes that still run its
 * trials, else the one that finished its last trial (every process of a study ends when its last trial does: the end
 * step, best run, auto's seed means and ensemble, is left to that one, so it is done once); undefined: this one.
 */
async function endStepElsewhere(
  c: StudyContext,
  trials: readonly FrozenTrial[],
  now: number,
  others: readonly string[],
): Promise<string | undefined> {
  const done = (await c.storage.getStudy(c.name))?.attrs.end_step as { by: string; trials: number } | undefined;
  // the process that finished the last trial may have done the end step and exited before this one got here
  const last = others.length
    ? others.join(', ')
    : done?.trials === trials.length
      ? done.by
      : lastFinisher(trials, c.s.heartbeat, now);
  if (last && c.o.saveBest !== false)
    c.log(
      others.length
        ? `the study's end step is left to ${last}, which still ${others.length > 1 ? 'run' : 'runs'} its trials`
        : done?.by === last
          ? `the study's end step was done by ${last}, which finished its last trial`
          : `the study's end step is left to ${last}, which finished its last trial`,
    );
  return last;
}

/** Records that this process did the end step over `trials` trials: a process that ends after it does not redo it. */
async function endStepDone(c: StudyContext, trials: number): Promise<void> {
  await c.storage.setStudyAttr(c.name, 'end_step', { by: ownerText(ownerOf()), trials, at: new Date().toISOString() });
}

/** Closes the study's storage; a SQLite file this command made and stored no study in is removed (bad data, a
 *  refused check: nothing the user saved is there). */
async function closeStudy(c: StudyContext): Promise<void> {
  const { fresh, storage } = c;
  c.keepFresh?.();
  const empty = fresh && (await storage.listStudies().catch(() => [null])).length === 0;
  await storage.close();
  if (empty) for (const f of [fresh, `${fresh}-wal`, `${fresh}-shm`]) rmSync(f, { force: true });
}

/** The SQLite file a storage URL names when it does not exist yet, else null. */
function newSqliteFile(url: string): string | null {
  const file = sqliteFileOf(url);
  return file && !existsSync(file) ? file : null;
}

/**
 * `seqtune study create`: the study made as `tune` makes it (the checks and lr-find for auto) and no trial run, so
 * that workers can start first. An existing study of that name is an error.
 */
export async function createStudyOnly(
  loaded: LoadedConfig,
  o: { storage?: string; log?: (l: string) => void } = {},
): Promise<{ name: string; storage: string; runs: string; runsError: NodeJS.ErrnoException | null }> {
  const c = contextOf(loaded, { storage: o.storage, log: o.log, createOnly: true });
  // where a worker keeps its trials' run folders unless its --out or --data-root says otherwise, checked as tune
  // checks its own: one that cannot be made is said (a worker there refuses to start), not refused (workers on other
  // machines give --out or --data-root)
  const runs = runsFolder(c)!;
  const runsError = await refuseUnwritable(runs).then(
    () => null,
    (e: NodeJS.ErrnoException) => e,
  );
  try {
    await openStudy(c);
  } finally {
    await closeStudy(c);
  }
  return { name: loaded.name, storage: c.url, runs, runsError };
}

/** The study's settings, its storage (opened here) and the options every step reads. */
function contextOf(loaded: LoadedConfig, o: TuneOptions): StudyContext {
  const log = o.log ?? (() => {});
  const base = resolveConfig(loaded.raw, loaded.name);
  const s = tuneSettings(base, loaded.file);
  const url = o.storage ?? s.storage;
  const fresh = newSqliteFile(url);
  // the loop and auto read the whole study for every trial: storage selects only what changed since its last read,
  // and its finished trials are the same objects at every read (what is kept by them is found again)
  const storage: Storage = openStorage(url);
  const held = fresh ? [fresh, `${fresh}-wal`, `${fresh}-shm`].map(trackUnfinished) : [];
  const keepFresh = () => {
    for (const release of held.splice(0)) release();
  };
  return { loaded, base, s, storage, url, name: loaded.name, o, log, fresh, keepFresh };
}

/**
 * The owners of the trials that other processes of the study still run: of this host and running, or of another host
 * with a heartbeat within the grace by `now`, storage's clock (what a sweep of stale trials leaves alone).
 */
function runningElsewhere(trials: readonly FrozenTrial[], heartbeat: number, now: number): string[] {
  const me = ownerText(ownerOf());
  const rule = { graceMs: GRACE_HEARTBEATS * heartbeat * 1000, retries: 0, deadOwners: deadOwners(trials) };
  const live = trials.filter((t) => t.state === 'running' && t.owner !== me && !isStale(t, rule, now));
  return [...new Set(live.map((t) => t.owner!))];
}

/**
 * The owner of the trial that finished last when that is another process that is still there (of this host and
 * running, or of another host and finished within the grace of heartbeats by `now`, storage's clock: TrialsAt.now);
 * undefined: this process should do it.
 */
function lastFinisher(trials: readonly FrozenTrial[], heartbeat: number, now: number): string | undefined {
  let last: FrozenTrial | undefined;
  for (const t of trials) {
    if (!t.finished || !t.owner || (t.state !== 'complete' && t.state !== 'pruned')) continue;
    if (!last || t.finished > last.finished! || (t.finished === last.finished && t.number > last.number)) last = t;
  }
  if (!last) return undefined;
  const { host, pid } = parseOwner(last.owner!);
  if (host === ownerOf().host) return pid !== process.pid && alive(pid) ? last.owner! : undefined;
  return now - Date.parse(last.finished!) < GRACE_HEARTBEATS * heartbeat * 1000 ? last.owner! : undefined;
}
