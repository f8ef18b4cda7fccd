// One trial as GET /api/studies/NAME/trials/N answers: its stored record (parameters, value, the objective per epoch,
// attributes), why it was run, its config as a difference from the study's baseline config, and, when it has a run
// folder, that folder's history, diagnosis, metrics and files. Also the curves of every trial of a study at once.

import { readdir } from 'node:fs/promises';
import type { RawConfig } from '../config/index.js';
import { studyHome, studyPath } from '../run/index.js';
import { type FrozenTrial, type Storage, staleGraceMs } from '../storage/index.js';
import { applyParams, configDiff, prunedJson, staleAfterS } from '../tune/index.js';
import { CONTENT_TYPES } from './files.js';
import { isRunFolder, readJson } from './runs.js';

/** The trial's config against the study's (the baseline's: a baseline trial has no parameters), `key: a -> b`. */
function diffFromBaseline(config: unknown, params: Readonly<Record<string, unknown>>): string[] {
  const asGiven = () => Object.entries(params).map(([k, v]) => `${k}: (study config) -> ${JSON.stringify(v)}`);
  if (config === null || typeof config !== 'object') return asGiven(); // a study made without a config (ask/tell)
  try {
    return configDiff(config, applyParams(config as Record<string, unknown>, { ...params }) as RawConfig);
  } catch {
    return asGiven();
  }
}

async function folderFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => Object.hasOwn(CONTENT_TYPES, n.slice(n.lastIndexOf('.')))).sort();
}

/** The run folder a trial names (its attributes' run_dir, read beside the study's file in `home`), or null. */
export const runDirOf = (t: FrozenTrial, home: string | undefined): string | null =>
  typeof t.attrs.run_dir === 'string' ? studyPath(t.attrs.run_dir, home) : null;

/**
 * The folder runDirOf names when it is a run folder (metrics.json, history.json or ensemble.json in it), the only
 * folder whose files the trial page reads, lists and serves; else null. Anyone who writes the storage writes run_dir
 * (a trial's attributes: a shared PostgreSQL, a study file from elsewhere): `/home/me/.docker` or `../..` made the
 * trial's answer list that folder's .json, .yaml, .csv, .txt and .log files, and served them.
 */
export async function runFolderOf(t: FrozenTrial, home: string | undefined): Promise<string | null> {
  return runFolder(runDirOf(t, home));
}

/** `dir` when it is a run folder, else null (runFolderOf). */
const runFolder = async (dir: string | null): Promise<string | null> => (dir && (await isRunFolder(dir)) ? dir : null);

/**
 * Seconds without a heartbeat after which running trial `t` of a study may be dead, by the rule storage's sweep
 * fails it by (staleGraceMs): 3 of the study's tune.heartbeat, or of its own owner's when longer (stale_after_s). A
 * trial whose process beats every 8 s was said stopped by a study whose heartbeat is 1 s after 3 s.
 */
const trialStaleAfterS = (studyAttrs: Readonly<Record<string, unknown>>, t: FrozenTrial): number =>
  staleGraceMs(t, { graceMs: staleAfterS(studyAttrs) * 1000 }) / 1000;

/** A trial of a stored study with everything the trial page shows; null when there is no such study or trial. */
export async function trialJson(st: Storage, study: string, number: number): Promise<Record<string, unknown> | null> {
  const rec = await st.getStudy(study);
  if (!rec) return null;
  const { trials, now } = await st.getTrialsAt(study);
  const t = trials.find((x) => x.number === number);
  if (!t) return null;
  // the folder the trial names, shown as run_dir, and read only when it is a run folder (studyPath looks once)
  const named = runDirOf(t, studyHome(st)),
    dir = await runFolder(named);
  const [history, diagnosis, metrics] = dir
    ? await Promise.all(['history.json', 'diagnosis.json', 'metrics.json'].map((n) => readJson(dir, n)))
    : [null, null, null];
  return {
    study,
    number: t.number,
    state: t.state,
    value: t.value,
    params: t.params,
    intermediate: t.intermediate,
    why: t.attrs.why ?? null,
    // where and why the pruner stopped it, as study show --json has it (null when it was not pruned)
    pruned: prunedJson(t),
    error: t.error,
    started: t.started,
    finished: t.finished,
    owner: t.owner ?? null,
    worker: t.worker ?? null,
    heartbeat: t.heartbeat ?? null,
    // the page tells a running trial whose process may be dead: no heartbeat for stale_after_s by `now`, storage's
    // clock (TrialsAt.now), which the page's own is corrected by
    stale_after_s: trialStaleAfterS(rec.attrs, t),
    now: new Date(now).toISOString(),
    attrs: t.attrs,
    run_dir: named,
    // whether run_dir is a run folder the answer read: a folder deleted or moved since the trial named it is not
    run_dir_found: dir !== null,
    history: history ?? t.attrs.history ?? null,
    diagnosis: diagnosis ?? t.attrs.diagnosis ?? null,
    metrics,
    files: dir ? await folderFiles(dir) : [],
    config_diff: diffFromBaseline(rec.attrs.config ?? null, t.params),
  };
}

/**
 * Every trial's objective per epoch (GET /api/studies/NAME/curves), with the study's strategy and objective, each
 * trial's last heartbeat and after how long without one it may be dead (the study's staleAfterS, and each trial's
 * own, trialStaleAfterS). The
 * values of all trials are one base64 string of little-endian float32 (NaN where a value is missing), trial after
 * trial in the order listed, `epochs` values each: a study of 5,000 trials x 100 epochs is 2.7 MB, built in a few
 * milliseconds, where the same numbers as JSON text take a large share of a second to write and to read. `only`:
 * those trials alone (?trials=, what a page asks for once it has read the whole).
 */
export async function curvesJson(
  st: Pick<Storage, 'getStudy' | 'getTrialsAt'>,
  study: string,
  only: ReadonlySet<number> | null = null,
): Promise<Record<string, unknown> | null> {
  const rec = await st.getStudy(study);
  if (!rec) return null;
  const read = await st.getTrialsAt(study);
  const now = read.now;
  const trials = only ? read.trials.filter((t) => only.has(t.number)) : read.trials;
  const values = new Float32Array(trials.reduce((a, t) => a + t.intermediate.length, 0));
  let at = 0;
  for (const t of trials) for (const v of t.intermediate) values[at++] = v ?? Number.NaN;
  return {
    name: study,
    strategy: rec.attrs.strategy ?? null,
    objective: rec.attrs.objective ?? null,
    created: rec.created,
    finished: rec.attrs.finished ?? null,
    stale_after_s: staleAfterS(rec.attrs),
    now: new Date(now).toISOString(), // storage's clock, the heartbeats' (TrialsAt.now)
    trials: trials.map((t) => ({
      number: t.number,
      state: t.state,
      started: t.started,
      finished: t.finished,
      heartbeat: t.heartbeat ?? null,
      stale_after_s: trialStaleAfterS(rec.attrs, t),
      epochs: t.intermediate.length,
    })),
    values: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64'),
  };
}
