// What a stored study is as JSON: `seqtune study show NAME --json` prints one, `seqtune study ls --json` one per
// study, and the dashboard's API (GET /api/studies, GET /api/studies/NAME) answers with the same objects. Kept
// here, below the CLI and the dashboard, so that both print exactly the same thing.

import { studyHome, studyPath } from '../run/index.js';
import { type FrozenTrial, type Storage, StorageError, staleGraceMs } from '../storage/index.js';
import type { ConfigChange } from './config-diff.js';
import { bestOf } from './progress.js';
import { importanceRead } from './report.js';
import { staleAfterS } from './stale.js';
import { timeLeft } from './time-left.js';

/**
 * The trial an auto study chose as its best, where that is not the lowest value: auto chooses by the mean of steady
 * values over seeds (a lucky seed does not win), else by the steady value (a dip of a noisy curve does not win:
 * steady.ts). undefined for other studies.
 */
export function chosenBest(attrs: Record<string, unknown>): number | undefined {
  const byMean = attrs.best_by_mean as { trial: number } | undefined;
  const bySteady = attrs.best_by_steady as { trial: number } | undefined;
  return byMean?.trial ?? bySteady?.trial;
}

/**
 * One study as `seqtune study show NAME --json` prints it (and `study ls --json`, one per study); its folders read
 * beside the study's file in `home` (studyHome), as studyPath finds them. `now`: the storage's clock at the read
 * (TrialsAt.now), by which a running trial's heartbeat is judged (silent_s); without it none is judged.
 */
export function studyJson(
  name: string,
  trials: readonly FrozenTrial[],
  attrs: Record<string, unknown>,
  home?: string,
  now?: number,
) {
  // auto's best (chosenBest), and an ensemble it may keep (issue 16)
  const byMean = attrs.best_by_mean as { trial: number; mean: number; seeds: unknown[] } | undefined;
  const bySteady = attrs.best_by_steady as { trial: number; steady: number; dip: unknown } | undefined;
  const chosen = chosenBest(attrs);
  const best = (chosen !== undefined && trials.find((t) => t.number === chosen)) || bestOf(trials);
  const mean =
    byMean && best?.number === byMean.trial
      ? { seed_mean: byMean.mean, seeds: byMean.seeds }
      : bySteady && best?.number === bySteady.trial
        ? { steady: bySteady.steady, dip: bySteady.dip }
        : {};
  const stored = (attrs.ensemble as EnsembleAttr | undefined) ?? null;
  const here = (dir: unknown) => (typeof dir === 'string' ? studyPath(dir, home) : null);
  const ensemble = stored && { ...stored, dir: here(stored.dir) };
  // best.run_dir is the best trial's own folder (where the study's plots go); the study's result, an ensemble folder
  // when auto kept one, is result_dir
  const resultDir = here(attrs.best_run_dir);
  const own = here(best?.attrs.run_dir) ?? (ensemble?.kept ? null : resultDir);
  const read = importanceRead(trials, attrs.strategy as string | undefined);
  return {
    name,
    direction: 'minimize',
    strategy: (attrs.strategy as string | undefined) ?? null,
    // why its last run ended (`time budget spent`) and its trials then; null while it runs or after an interrupt
    finished: (attrs.finished as { reason: string; trials: number } | null | undefined) ?? null,
    // each change of its config by `tune --resume --force` (when, by which process, what differed: stored -> then);
    // null when it runs the config it was created with (kept in its attributes as config_created once changed)
    config_changes: configChanges(attrs),
    best: best ? { number: best.number, value: best.value, params: best.params, run_dir: own, ...mean } : null,
    result_dir: resultDir,
    ensemble,
    importance: read.importance,
    // why the importance means nothing yet, in study show's words after `not enough trials yet`; null once it does
    importance_not_yet: read.notYet,
    // seconds until the latest end of the time budgets of the processes that run it now (live by their heartbeats, as
    // the stale rule judges them), and how many such processes; null and 0 when none runs with a time budget
    ...timeLeft(trials, attrs, now),
    trials: trials.map((t) => trialJson(t, attrs, now)),
  };
}

/** The study's changes of config by --force (study-open.ts), oldest first; null when none. */
function configChanges(attrs: Record<string, unknown>): ConfigChange[] | null {
  const all = attrs.config_changes;
  return Array.isArray(all) && all.length ? (all as ConfigChange[]) : null;
}

/** One trial as studyJson lists it; `now` as studyJson's. */
function trialJson(t: FrozenTrial, attrs: Record<string, unknown>, now?: number) {
  return {
    number: t.number,
    state: t.state,
    value: t.value,
    params: t.params,
    epochs: t.intermediate.length,
    repeats: (t.attrs.values as number[] | undefined) ?? null,
    spread: (t.attrs.spread as number | undefined) ?? null,
    diagnosis: (t.attrs.diagnosis as { pattern?: string } | undefined)?.pattern ?? null,
    why: t.attrs.why ?? null,
    // why its training ended before its epochs: the time budget (`time budget spent: stopped at epoch 18 of 100`,
    // trial.ts), so that its epochs and its diagnosis read as those of a curve cut short; null when it was not
    stopped: (t.attrs.stopped as string | undefined) ?? null,
    // where and why the pruner stopped it, so that its epochs and its diagnosis read as those of a curve cut short;
    // null when it was not pruned
    pruned: prunedJson(t),
    // the trial that runs a failed one's parameters again (interrupted, stale, a full disk); null when none does
    retried_as: (t.attrs.retried_as as number | undefined) ?? null,
    // a running trial whose process may have stopped: seconds without a heartbeat, once past the grace after which
    // the study's next tune or worker fails it as stale (storage's failStale); null for one that beats. A trial whose
    // process was killed read 'running' in study show for ever after.
    silent_s: now === undefined ? null : silentS(t, attrs, now),
    // who ran it (host:pid) and when: null while it waits; finished null while it waits or runs
    owner: t.owner ?? null,
    started: t.state === 'waiting' ? null : t.started,
    finished: t.finished,
    error: t.error,
  };
}

/**
 * A pruned trial's end: the epoch it was pruned at, and the pruner's words where the storage keeps them (trial.ts
 * records them: `pruned by median at epoch 2 of 100: its best val_loss so far, 0.2134, was worse than the median of
 * the other trials' best values at that epoch`); why is null for a trial pruned without them (ask-tell's tell, an
 * older seqtune), its epoch that of its last reported value (null before the first). The epoch is the number trial.ts
 * stores (`pruned_epoch`); a study written before it kept only the words, and the epoch is read out of them. null
 * when it was not pruned.
 */
export function prunedJson(t: FrozenTrial): { epoch: number | null; why: string | null } | null {
  if (t.state !== 'pruned') return null;
  const why = typeof t.attrs.pruned === 'string' ? t.attrs.pruned : null;
  const stored = t.attrs.pruned_epoch;
  if (typeof stored === 'number' && Number.isInteger(stored) && stored > 0) return { epoch: stored, why };
  const at = why?.match(/ at epoch (\d+) of /);
  return { epoch: at ? Number(at[1]) : t.intermediate.length || null, why };
}

/**
 * Seconds running trial `t` has gone without a heartbeat (its start, before the first) by the storage's clock
 * `now`, when that is past its grace (staleGraceMs: 3 of the study's tune.heartbeat, or of its owner's when longer);
 * else null.
 */
function silentS(t: FrozenTrial, attrs: Record<string, unknown>, now: number): number | null {
  if (t.state !== 'running') return null;
  const silent = now - Date.parse(t.heartbeat ?? t.started);
  return silent > staleGraceMs(t, { graceMs: staleAfterS(attrs) * 1000 }) ? Math.round(silent / 1000) : null;
}

/** What auto's ensemble step recorded (auto-ensemble.ts). */
interface EnsembleAttr {
  what: string;
  kept: boolean;
  /** Why it is not kept where its values do not say it (auto-ensemble.ts notKeptWhy; absent in older studies). */
  why_not?: string;
  dir: string | null;
  /**
   * Steady values (steady.ts) with `cross_fitted` beside them; studies ended before it stored plain ones. `against`
   * says what `best` is: the best trial alone, or its configuration's mean over seeds (absent in older studies).
   */
  val: { ensemble: number; best: number; against?: string; cross_fitted?: number };
  test: { scaled: { mse: number } };
}

export type StudyJson = ReturnType<typeof studyJson>;

/**
 * Every stored study as `seqtune study ls --json` prints them; `home`, where their folders are read (default: the
 * storage's, studyHome).
 */
export async function studiesJson(
  st: Pick<Storage, 'listStudies' | 'getTrialsAt'>,
  home = studyHome(st),
): Promise<StudyJson[]> {
  const all = [];
  for (const s of await st.listStudies()) {
    const { trials, now } = await st.getTrialsAt(s.name);
    all.push(studyJson(s.name, trials, s.attrs as Record<string, unknown>, home, now));
  }
  return all;
}

/**
 * One stored study as `seqtune study show NAME --json` prints it, with its trials and attributes; `home` as for
 * studiesJson.
 */
export async function studyShowJson(
  st: Pick<Storage, 'getStudy' | 'getTrialsAt'>,
  name: string,
  where: string,
  home = studyHome(st),
): Promise<{ json: StudyJson; trials: FrozenTrial[]; attrs: Record<string, unknown> }> {
  const rec = await st.getStudy(name);
  if (!rec) throw new StorageError(`no study named "${name}" in ${where}`);
  const { trials, now } = await st.getTrialsAt(name);
  const attrs = rec.attrs as Record<string, unknown>;
  return { json: studyJson(name, trials, attrs, home, now), trials, attrs };
}
