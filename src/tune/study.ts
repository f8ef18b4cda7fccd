// A tuning study: samplers propose, the trial runner trains and reports, the pruner judges, storage
// holds everything. `seqtune tune CONFIG` runs one; `--resume` continues one after any interruption
// (trials whose process died are failed and enqueued again, stale.ts; completed ones are kept). Other processes
// may run the same study at the same time: waiting trials are claimed first, the running trials of this process
// are kept alive by heartbeat.ts. The settings come from settings.ts, parallel trials run in pool.ts's workers,
// the time budget is budget.ts's.

import { join, resolve } from 'node:path';
import { checkRun, lrFind } from '../check/index.js';
import {
  ConfigError,
  compiledModel,
  compileOptions,
  type LoadedConfig,
  type RawConfig,
  resolveConfig,
} from '../config/index.js';
import { SeqtuneError } from '../errors.js';
import { Rng } from '../nn/random.js';
import { splitTensors } from '../run/index.js';
import { DuplicateTrial, type FrozenTrial, openStorage, type Storage } from '../storage/index.js';
import { type AutoBudget, autoNext } from './auto.js';
import { finishAuto } from './auto-ensemble.js';
import { type BestRun, keepBest } from './best.js';
import { TimeBudget } from './budget.js';
import { configDiff, diffLine } from './config-diff.js';
import { Heartbeat } from './heartbeat.js';
import { type TrialOutcome, WorkerPool } from './pool.js';
import { GridSampler, OfatSampler, RandomSampler, runningWith, type Sampler, TpeSampler } from './samplers/index.js';
import { tuneSettings } from './settings.js';
import type { Params } from './space.js';
import { ownerOf, sweepStale } from './stale.js';
import { prepareFor, runTrial, sharedBaseData, type TrialEnv } from './trial.js';
import type { TuneSettings } from './types.js';

function samplerOf(s: TuneSettings): Sampler {
  switch (s.strategy) {
    case 'grid':
      return new GridSampler();
    case 'random':
      return new RandomSampler();
    case 'tpe':
      return new TpeSampler();
    default:
      return new OfatSampler(s.order);
  }
}

/** The auto strategy refused to tune: a sanity check failed. */
export class TuneRefused extends SeqtuneError {}

export interface StudyResult {
  name: string;
  trials: FrozenTrial[];
  best: FrozenTrial | null;
  /** The best trial's run folder: its model as the trial trained it (no retraining). */
  bestRun?: BestRun;
  /** How the best was chosen when not by its own value (auto: `by the mean over 3 seeds`). */
  bestBy?: string;
  stopReason: string;
  /** Set when a resumed study had already finished: the one line that says so (nothing was trained). */
  finished?: string;
  /** The storage URL the study lives in (a relative SQLite file in the config resolved beside it). */
  storage: string;
}

export interface TuneOptions {
  resume?: boolean;
  /**
   * With resume: run the interrupted trials again (same parameters, new trial numbers) before anything new, even
   * when tune.retries is 0.
   */
  rerunInterrupted?: boolean;
  /** With resume: go on although the config differs from the one the study was created with. */
  force?: boolean;
  storage?: string;
  trials?: number;
  timeBudget?: number;
  log?: (l: string) => void;
  /**
   * Trials at once, each in its own worker thread (default: tune.jobs, else the number of cores; 1 with memory
   * storage).
   */
  jobs?: number;
  /** Show the running trial's epoch on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  /** One line per epoch of a trial run in this process, through `log` (instead of the terminal's progress line). */
  verbose?: boolean;
  /** Called with the study's trials whenever the loop reads them or starts one (what an interruption would keep). */
  onTrials?: (trials: readonly FrozenTrial[], study: { name: string; storage: string }) => void;
  /**
   * Each completed trial keeps its model in a run folder, and the study points at the best one (default true); off,
   * the trials keep nothing.
   */
  saveBest?: boolean;
  /** The folder of the trials' run folders (default: runs/<study name> beside the config). */
  out?: string;
  /** The module of the trial threads (default worker.ts; tests swap in one that crashes on purpose). */
  workerScript?: URL;
}

/** What every step of a study shares. */
interface StudyContext {
  loaded: LoadedConfig;
  base: RawConfig;
  s: TuneSettings;
  storage: Storage;
  /** The storage URL. */
  url: string;
  name: string;
  o: TuneOptions;
  log: (l: string) => void;
}

export async function runStudy(loaded: LoadedConfig, o: TuneOptions = {}): Promise<StudyResult> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  if (o.rerunInterrupted && !o.resume)
    throw new ConfigError(
      '--rerun-interrupted goes with --resume (it reruns the trials a resumed study finds interrupted)',
    );
  const base = resolveConfig(loaded.raw, loaded.name);
  const s = tuneSettings(base, loaded.file);
  const url = o.storage ?? s.storage;
  const storage: Storage = openStorage(url);
  const c: StudyContext = { loaded, base, s, storage, url, name: loaded.name, o, log };
  try {
    const finished = o.resume ? await finishedAlready(c) : undefined;
    if (finished) return { ...finished, name: c.name, storage: url };
    await openStudy(c);
    // running again: finished only when this run ends by a budget (an interrupted run leaves it unfinished)
    if (o.resume) await storage.setStudyAttr(c.name, 'finished', null);
    const stopReason = await runTrials(c);
    const trials = await storage.getTrials(c.name);
    await storage.setStudyAttr(c.name, 'finished', { reason: stopReason, trials: trials.length });
    const best = bestOf(trials);
    const keep = { storage, name: c.name, strategy: s.strategy, objective: s.objective, log };
    if (s.strategy === 'auto' && o.saveBest !== false)
      // best by the mean over seeds, then the ensemble step
      return { name: c.name, trials, ...(await finishAuto({ ...keep, base }, trials, best)), stopReason, storage: url };
    const bestRun = best && o.saveBest !== false ? await keepBest(keep, trials, best) : undefined;
    return { name: c.name, trials, best, bestRun, stopReason, storage: url };
  } finally {
    await storage.close();
  }
}

/**
 * With --resume, a study whose last run ended by its trial budget, its time budget or an exhausted space is
 * finished unless the command gives more (a larger trial budget, a new time budget, interrupted trials to rerun):
 * what to return instead of training anything, with the line that says so.
 */
async function finishedAlready(c: StudyContext): Promise<Omit<StudyResult, 'name' | 'storage'> | undefined> {
  const rec = await c.storage.getStudy(c.name);
  const fin = rec?.attrs.finished as { reason: string; trials: number } | undefined;
  // A changed config is not "nothing to resume": openStudy refuses it, or runs it with --force.
  if (!fin || c.o.rerunInterrupted || configDiff(rec!.attrs.config, c.base).length) return undefined;
  const trials = await c.storage.getTrials(c.name);
  const done = trials.filter((t) => t.state !== 'running' && t.state !== 'waiting').length;
  const more = fin.reason.startsWith('time budget')
    ? c.o.timeBudget !== undefined || (c.o.trials ?? 0) > done
    : fin.reason.startsWith('trial budget') && done < (c.o.trials ?? c.s.trials);
  if (more) return undefined;
  const best = bestOf(trials);
  const where = rec!.attrs.best_run_dir ? ` in ${rec!.attrs.best_run_dir as string}` : '';
  const bestText = best ? `best #${best.number} ${c.s.objective} ${best.value!.toPrecision(4)}${where}` : 'no best';
  const finished =
    `study ${c.name} is already finished (${fin.reason}, ${done} trial${done === 1 ? '' : 's'}); ${bestText}; ` +
    'nothing to resume (raise --trials or give --time-budget to run more)';
  return { trials, best, stopReason: fin.reason, finished };
}

/**
 * `seqtune study create`: the study made as `tune` makes it (the checks and lr-find for auto) and no trial run, so
 * that workers can start first. An existing study of that name is an error.
 */
export async function createStudyOnly(
  loaded: LoadedConfig,
  o: { storage?: string; log?: (l: string) => void } = {},
): Promise<{ name: string; storage: string }> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const base = resolveConfig(loaded.raw, loaded.name);
  const s = tuneSettings(base, loaded.file);
  const url = o.storage ?? s.storage;
  const storage = openStorage(url);
  try {
    await openStudy({ loaded, base, s, storage, url, name: loaded.name, o: {}, log });
  } finally {
    await storage.close();
  }
  return { name: loaded.name, storage: url };
}

/**
 * Creates the study, or with --resume fails its trials whose process died (never one with a fresh heartbeat) and
 * enqueues them again while tune.retries (at least once with --rerun-interrupted) allows.
 */
async function openStudy(c: StudyContext): Promise<void> {
  const { storage, name, o, s } = c;
  const existing = await storage.getStudy(name);
  if (existing && !o.resume) {
    const fin = existing.attrs.finished as { reason: string } | null | undefined;
    const state = fin ? `is finished (${fin.reason})` : 'already exists';
    const more = fin ? ' with --trials N or --time-budget D to run more' : ' to continue it';
    throw new ConfigError(`study "${name}" ${state} in ${c.url}; add --resume${more} or rename the config (name:)`);
  }
  if (!existing) {
    const attrs: Record<string, unknown> = {
      config: c.base,
      config_file: c.loaded.file,
      strategy: s.strategy,
      objective: s.objective,
    };
    if (s.strategy === 'auto') Object.assign(attrs, await checkBeforeAuto(c));
    // With --resume, a study another process created in the meantime is joined; without, it is refused.
    await storage.createStudy(name, attrs, { loadIfExists: o.resume });
    return;
  }
  const diffs = configDiff(existing.attrs.config, c.base);
  if (diffs.length && !o.force)
    throw new ConfigError(
      `${c.loaded.file}: --resume: the config differs from the one study "${name}" was created with ` +
        `(${diffLine(diffs)}); add --force to resume with this config anyway`,
    );
  if (diffs.length) c.log(`resume --force: the config differs from the study's (${diffLine(diffs)})`);
  const log = (l: string) => c.log(`resume: ${l}`);
  await sweepStale(storage, name, { heartbeat: s.heartbeat, retries: retriesOf(c), log });
}

/** How often a trial whose process died is enqueued again. */
const retriesOf = (c: StudyContext) => (c.o.rerunInterrupted ? Math.max(1, c.s.retries) : c.s.retries);

/**
 * The method: data and network first. A failed check stops here, before any tuning. Returns the study
 * attributes the auto strategy reads: the checks and, unless tune.space gives one, lr-find's range.
 */
async function checkBeforeAuto(c: StudyContext): Promise<Record<string, unknown>> {
  const report = await checkRun(c.loaded, { steps: 200 });
  const failed = report.checks.filter((x) => x.status === 'fail');
  if (failed.length)
    throw new TuneRefused(
      `tune: refusing to tune ${c.name}: ${failed.map((x) => `${x.id} failed (${x.advice})`).join('; ')}. ` +
        `Run seqtune check ${c.loaded.file}`,
    );
  const attrs: Record<string, unknown> = { checks: report.checks.map((x) => ({ id: x.id, status: x.status })) };
  if (!c.s.space.some((p) => p.name.includes('learning_rate'))) attrs.lr_find = await lrRange(c);
  return attrs;
}

/** The learning-rate range from lr-find on the base config. */
async function lrRange(c: StudyContext): Promise<{ min: number; max: number; best: number }> {
  const { loaded, base, storage, name } = c;
  const d = await prepareFor(
    { loaded, base, storage, study: name, repeats: 1, objective: c.s.objective, dataCache: new Map() },
    base,
  );
  const make = () => compiledModel(loaded.file, base, d.features.length, base.seed);
  const probe = make();
  const [x, y] = splitTensors(d, 'train', probe);
  const lf = lrFind(make, x, y, { batchSize: base.train?.batch_size, optimizer: compileOptions(base).optimizer });
  probe.dispose();
  const { best, min, max, flat } = lf.suggested;
  c.log(
    `lr-find: ${flat ? "flat curve (auto keeps the diagnosis' rates); " : ''}suggested ${best} (range ${min} - ${max})`,
  );
  return lf.suggested;
}

/** The trial loop's state. */
interface Loop {
  env: TrialEnv;
  sampler: Sampler;
  maxTrials: number;
  budget: TimeBudget;
  autoBudget?: AutoBudget;
  jobs: number;
  pool: WorkerPool | null;
  heartbeat: Heartbeat;
  /** Trials running in this process, by number; each promise ends when its trial is reported. */
  running: Map<number, Promise<number>>;
  tty: boolean;
}

/** Runs trials until the trial budget, the time budget or the proposals run out; returns why it stopped. */
async function runTrials(c: StudyContext): Promise<string> {
  const { o, s, loaded, base } = c;
  const tty = Boolean(o.progress ?? process.stderr.isTTY);
  const env = trialEnvOf(c, tty);
  const jobs = c.url.startsWith('memory') ? 1 : Math.max(1, o.jobs ?? s.jobs);
  const budget = new TimeBudget(o.timeBudget ?? s.timeBudget);
  env.deadline = budget.deadline();
  const shared = jobs > 1 ? await sharedBaseData(env) : undefined;
  const data = { file: loaded.file, loaded, storage: c.url, study: c.name, data: shared };
  const threads = { ...data, runs: env.runs, deadline: env.deadline };
  const pool = jobs > 1 ? await WorkerPool.start(jobs, threads, { script: o.workerScript }) : null;
  const heartbeat = await Heartbeat.start(c.url, c.name, s.heartbeat);
  const loop: Loop = {
    env,
    sampler: samplerOf(s),
    maxTrials: o.trials ?? s.trials,
    budget,
    autoBudget: budget.forAuto(env, base),
    jobs,
    pool,
    heartbeat,
    running: new Map(),
    tty,
  };
  try {
    return await loopTrials(c, loop);
  } finally {
    await Promise.allSettled(loop.running.values());
    await heartbeat.close();
    await pool?.close();
  }
}

function trialEnvOf(c: StudyContext, tty: boolean): TrialEnv {
  const { s } = c;
  const epochText = (n: number, e: number, E: number, v: number) =>
    `trial ${n}: epoch ${e + 1}/${E} ${s.objective} ${v.toPrecision(4)}`;
  let onEpoch: TrialEnv['onEpoch'];
  if (c.o.verbose) onEpoch = (n, e, E, v) => c.log(epochText(n, e, E, v));
  else if (tty) onEpoch = (n, e, E, v) => process.stderr.write(`\r\x1b[2K${epochText(n, e, E, v)}`);
  return {
    loaded: c.loaded,
    base: c.base,
    storage: c.storage,
    study: c.name,
    pruner: s.pruner,
    repeats: s.repeats,
    objective: s.objective,
    dataCache: new Map(),
    onEpoch,
    runs: c.o.saveBest === false ? undefined : resolve(c.o.out ?? join(c.loaded.dir, 'runs', c.name)),
  };
}

/** A trial that counts against the trial budget: all but a failed trial that was enqueued again. */
const counts = (t: FrozenTrial) => t.state !== 'failed' || t.attrs.retried_as === undefined;
/** Trials of any process of the study that are still to end. */
const open = (trials: readonly FrozenTrial[]) => trials.some((t) => t.state === 'running' || t.state === 'waiting');

async function loopTrials(c: StudyContext, l: Loop): Promise<string> {
  const { storage, name } = c;
  const running = l.running;
  for (;;) {
    let trials = await storage.getTrials(name);
    const swept = await sweepStale(storage, name, {
      heartbeat: c.s.heartbeat,
      retries: retriesOf(c),
      log: c.log,
      trials,
    });
    if (swept.failed.length) trials = await storage.getTrials(name);
    c.o.onTrials?.(trials, { name, storage: c.url });
    if (l.budget.spent()) {
      if (running.size) await Promise.all(running.values());
      return 'time budget spent';
    }
    const claimed = await storage.claimWaiting(name, ownerOf(l.pool?.nextWorker() ?? 0));
    if (claimed) {
      await start(c, l, claimed, (claimed.attrs.why as string | undefined) ?? '');
      continue;
    }
    if (trials.filter(counts).length >= l.maxTrials) {
      if (!running.size && !open(trials)) return 'trial budget spent';
      await waitForAny(c, l);
      continue;
    }
    const next = await propose(c, l, trials);
    if (!next) {
      // Nothing new to propose until a running trial finishes (OFAT/auto wait for a sweep), or the space is exhausted.
      if (running.size || open(trials)) {
        await waitForAny(c, l);
        continue;
      }
      const notes = l.autoBudget?.notes?.length ? ` (${l.autoBudget.notes.join('; ')})` : '';
      return l.autoBudget?.skipped
        ? `time budget spent (no trial left in the plan finishes in the time left)${notes}`
        : `search space exhausted${notes}`;
    }
    const attrs = next.why ? { why: next.why } : {};
    // Grid and OFAT never repeat a configuration, even when another process proposed the same one at this moment.
    const unique = c.s.strategy === 'grid' || c.s.strategy === 'ofat';
    const owner = ownerOf(l.pool?.nextWorker() ?? 0);
    const trial = await storage.createTrial(name, next.params, attrs, { owner, unique }).catch((e: Error) => {
      if (e instanceof DuplicateTrial) return null;
      throw e;
    });
    if (!trial) continue; // taken by another process: propose again from the trials as they are now
    c.o.onTrials?.([...trials, trial], { name, storage: c.url });
    await start(c, l, trial, next.why);
  }
}

/**
 * Runs a trial this process owns (in the pool, or here with one job) under its heartbeat; returns once there is
 * room for another. A trial whose thread failed is failed with the reason.
 */
async function start(c: StudyContext, l: Loop, trial: FrozenTrial, why: string): Promise<void> {
  const n = trial.number;
  l.heartbeat.add(n);
  const work: Promise<TrialOutcome> = l.pool
    ? l.pool.run(n)
    : runTrial(l.env, trial).then(
        (): TrialOutcome => ({ ok: true }),
        (e: Error): TrialOutcome => ({ ok: false, reason: e?.message ?? String(e), stack: e?.stack }),
      );
  const p = work
    .catch((e: Error): TrialOutcome => ({ ok: false, reason: e.message, stack: e.stack }))
    .then(async (out) => {
      l.heartbeat.remove(n);
      if (!out.ok) await failBroken(c, n, out);
      l.running.delete(n);
      await report(c, l, n, why);
      return n;
    });
  l.running.set(n, p);
  if (l.running.size >= l.jobs) await Promise.race(l.running.values());
}

/** Fails a trial whose thread (or whose own error handling) failed, with the reason and the stack. */
async function failBroken(c: StudyContext, n: number, out: { reason: string; stack?: string }): Promise<void> {
  try {
    await c.storage.finishTrial(c.name, n, 'failed', null, {
      error: out.reason,
      attrs: out.stack ? { stack: out.stack } : {},
    });
  } catch (e) {
    c.log(`trial ${n}: ${out.reason} (and it could not be marked failed: ${(e as Error).message})`);
  }
}

/** Waits for a trial of this process to end, or a moment (other processes' trials end, or go stale). */
async function waitForAny(c: StudyContext, l: Loop): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const pause = new Promise<void>((res) => {
    timer = setTimeout(res, Math.min(1000, c.s.heartbeat * 1000));
  });
  await Promise.race([...l.running.values(), pause]);
  clearTimeout(timer);
}

/**
 * The next trial's parameters: auto's next step or the sampler's proposal. Null when there is none now, or when it
 * is a trial that is already running (here or in another process).
 */
async function propose(
  c: StudyContext,
  l: Loop,
  trials: FrozenTrial[],
): Promise<{ params: Params; why: string } | null> {
  const { s } = c;
  let params: Params | null;
  let why = '';
  if (s.strategy === 'auto') {
    if (l.autoBudget) l.autoBudget.skipped = false;
    const next = await autoNext(l.env, s, trials, (await c.storage.getStudy(c.name))!.attrs, l.autoBudget);
    params = next?.params ?? null;
    why = next?.why ?? '';
  } else params = l.sampler.sample(s.space, trials, new Rng(s.seed * 1000003 + trials.length));
  if (!params || runningWith(trials, params)) return null;
  return { params, why };
}

/** One line per finished trial: its result, why it ran, and the study so far. */
async function report(c: StudyContext, l: Loop, number: number, why: string): Promise<void> {
  if (l.tty) process.stderr.write('\r\x1b[2K');
  const all = await c.storage.getTrials(c.name);
  c.o.onTrials?.(all, { name: c.name, storage: c.url });
  const done = all.find((t) => t.number === number)!,
    best = bestOf(all);
  c.log(
    `trial ${done.number} ${done.state}` +
      `${done.value !== null ? ` ${c.s.objective} ${done.value.toPrecision(4)}` : ''} ` +
      `${JSON.stringify(done.params)} in ${secondsOf(done)} s` +
      `${done.error ? ` (${done.error})` : ''}${done.attrs.stopped ? ` (${done.attrs.stopped as string})` : ''}` +
      `${why ? `  -- ${why}` : ''}  | ` +
      `${all.filter((t) => t.state !== 'running' && t.state !== 'waiting').length} done, ` +
      `best ${best ? `#${best.number} ${best.value!.toPrecision(4)}` : '-'}, ${l.budget.minutes().toFixed(1)} min`,
  );
}

/** How long a finished trial ran, in seconds with one decimal. */
function secondsOf(t: FrozenTrial): string {
  return ((Date.parse(t.finished ?? t.started) - Date.parse(t.started)) / 1000).toFixed(1);
}

export function bestOf(trials: readonly FrozenTrial[]): FrozenTrial | null {
  return trials
    .filter((t) => t.state === 'complete' && t.value !== null)
    .reduce<FrozenTrial | null>((a, t) => (!a || t.value! < a.value! ? t : a), null);
}
