// A tuning study: samplers propose, the trial runner trains and reports, the pruner judges, storage
// holds everything. `seqtune tune CONFIG` runs one; `--resume` continues one after any interruption
// (trials that were running are marked failed; completed ones are kept). The settings come from
// settings.ts, parallel trials run in pool.ts's workers, the time budget is budget.ts's.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import { renderSvg } from '../plot/index.js';
import { type RunResult, splitTensors, trainRun } from '../run/index.js';
import { type FrozenTrial, openStorage, type Storage } from '../storage/index.js';
import { type AutoBudget, autoNext } from './auto.js';
import { TimeBudget } from './budget.js';
import { WorkerPool } from './pool.js';
import { factorChart, historyChart, importance, importanceReadable } from './report.js';
import { GridSampler, OfatSampler, RandomSampler, runningWith, type Sampler, TpeSampler } from './samplers/index.js';
import { tuneSettings } from './settings.js';
import { applyParams, type Params } from './space.js';
import { prepareFor, runTrial, type TrialEnv } from './trial.js';
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
  bestRun?: RunResult;
  stopReason: string;
  /** The storage URL the study lives in (a relative SQLite file in the config resolved beside it). */
  storage: string;
}

export interface TuneOptions {
  resume?: boolean;
  /** With resume: run the interrupted trials again (same parameters, new trial numbers) before anything new. */
  rerunInterrupted?: boolean;
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
  /** Retrain the best trial into a normal run folder at the end (default true). */
  saveBest?: boolean;
  out?: string;
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
    const reruns = await openStudy(c);
    const stopReason = await runTrials(c, reruns);
    const trials = await storage.getTrials(c.name);
    const best = bestOf(trials);
    const bestRun = best && o.saveBest !== false ? await retrainBest(c, trials, best) : undefined;
    return { name: c.name, trials, best, bestRun, stopReason, storage: url };
  } finally {
    await storage.close();
  }
}

/**
 * Creates the study, or with --resume marks its interrupted trials failed; returns the trials to run
 * again first (--rerun-interrupted).
 */
async function openStudy(c: StudyContext): Promise<FrozenTrial[]> {
  const { storage, name, o, s } = c;
  const existing = await storage.getStudy(name);
  if (existing && !o.resume)
    throw new ConfigError(
      `study "${name}" already exists in ${c.url}; add --resume to continue it or rename the config (name:)`,
    );
  if (!existing) {
    const attrs: Record<string, unknown> = {
      config: c.base,
      config_file: c.loaded.file,
      strategy: s.strategy,
      objective: s.objective,
    };
    if (s.strategy === 'auto') Object.assign(attrs, await checkBeforeAuto(c));
    await storage.createStudy(name, attrs);
    return [];
  }
  const failed = await storage.failRunning(name, 'interrupted (the process stopped while the trial ran)');
  if (failed.length)
    c.log(
      `resume: interrupted trial${failed.length > 1 ? 's' : ''} ${failed.map((n) => `#${n}`).join(', ')} ` +
        `marked failed${o.rerunInterrupted ? '; running them again first' : ' (--rerun-interrupted runs them again)'}`,
    );
  if (!o.rerunInterrupted) return [];
  return (await storage.getTrials(name)).filter((t) => failed.includes(t.number));
}

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
  reruns: FrozenTrial[];
  maxTrials: number;
  budget: TimeBudget;
  autoBudget?: AutoBudget;
  jobs: number;
  pool: WorkerPool | null;
  /** Trials running in the pool, by number; each promise ends when its trial is reported. */
  running: Map<number, Promise<number>>;
  tty: boolean;
}

/** Runs trials until the trial budget, the time budget or the proposals run out; returns why it stopped. */
async function runTrials(c: StudyContext, reruns: FrozenTrial[]): Promise<string> {
  const { o, s, loaded, base } = c;
  const tty = Boolean(o.progress ?? process.stderr.isTTY);
  const env = trialEnvOf(c, tty);
  const jobs = c.url.startsWith('memory') ? 1 : Math.max(1, o.jobs ?? s.jobs);
  const budget = new TimeBudget(o.timeBudget ?? s.timeBudget);
  const pool = jobs > 1 ? await WorkerPool.start(jobs, { file: loaded.file, storage: c.url, study: c.name }) : null;
  const loop: Loop = {
    env,
    sampler: samplerOf(s),
    reruns,
    maxTrials: o.trials ?? s.trials,
    budget,
    autoBudget: budget.forAuto(env, base),
    jobs,
    pool,
    running: new Map(),
    tty,
  };
  try {
    return await loopTrials(c, loop);
  } finally {
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
  };
}

async function loopTrials(c: StudyContext, l: Loop): Promise<string> {
  const { storage, name } = c;
  const running = l.running;
  for (;;) {
    const trials = await storage.getTrials(name);
    c.o.onTrials?.(trials, { name, storage: c.url });
    const finished = trials.filter((t) => t.state !== 'running').length;
    if (finished + running.size >= l.maxTrials) {
      if (!running.size) return 'trial budget spent';
      await Promise.race(running.values());
      continue;
    }
    if (l.budget.spent()) {
      if (running.size) await Promise.all(running.values());
      return 'time budget spent';
    }
    const next = await propose(c, l, trials);
    if (!next) {
      // Nothing new to propose until a running trial finishes (OFAT/auto wait for a sweep), or the space is exhausted.
      if (running.size) {
        await Promise.race(running.values());
        continue;
      }
      const notes = l.autoBudget?.notes?.length ? ` (${l.autoBudget.notes.join('; ')})` : '';
      return l.autoBudget?.skipped
        ? `time budget spent (no trial left in the plan finishes in the time left)${notes}`
        : `search space exhausted${notes}`;
    }
    const { why, rerun } = next;
    const trial = await storage.createTrial(name, next.params, {
      ...(why ? { why } : {}),
      ...(rerun ? { rerun_of: rerun.number } : {}),
    });
    c.o.onTrials?.([...trials, trial], { name, storage: c.url });
    if (!l.pool) {
      await runTrial(l.env, trial);
      await report(c, l, trial.number, why);
      continue;
    }
    const p = l.pool.run(trial.number).then(async () => {
      running.delete(trial.number);
      await report(c, l, trial.number, why);
      return trial.number;
    });
    running.set(trial.number, p);
    if (running.size >= l.jobs) await Promise.race(running.values());
  }
}

/**
 * The next trial's parameters: an interrupted trial to run again, auto's next step or the sampler's
 * proposal. Null when there is none now, or when it is a trial that is already running.
 */
async function propose(
  c: StudyContext,
  l: Loop,
  trials: FrozenTrial[],
): Promise<{ params: Params; why: string; rerun?: FrozenTrial } | null> {
  const { s } = c;
  const rerun = l.reruns.shift();
  if (rerun)
    return {
      params: { ...rerun.params },
      why: `rerun of interrupted trial #${rerun.number}${rerun.attrs.why ? `: ${rerun.attrs.why as string}` : ''}`,
      rerun,
    };
  let params: Params | null;
  let why = '';
  if (s.strategy === 'auto') {
    if (l.autoBudget) l.autoBudget.skipped = false;
    const next = await autoNext(l.env, s, trials, (await c.storage.getStudy(c.name))!.attrs, l.autoBudget);
    params = next?.params ?? null;
    why = next?.why ?? '';
  } else params = l.sampler.sample(s.space, trials, new Rng(s.seed * 1000003 + trials.length));
  if (!params || (l.running.size && runningWith(trials, params))) return null;
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
      `${done.error ? ` (${done.error})` : ''}${why ? `  -- ${why}` : ''}  | ` +
      `${all.filter((t) => t.state !== 'running').length} done, ` +
      `best ${best ? `#${best.number} ${best.value!.toPrecision(4)}` : '-'}, ${l.budget.minutes().toFixed(1)} min`,
  );
}

/** How long a finished trial ran, in seconds with one decimal. */
function secondsOf(t: FrozenTrial): string {
  return ((Date.parse(t.finished ?? t.started) - Date.parse(t.started)) / 1000).toFixed(1);
}

/** Retrains the best trial into a run folder, with the study's history, importance and factor plots. */
async function retrainBest(c: StudyContext, trials: FrozenTrial[], best: FrozenTrial): Promise<RunResult> {
  const { storage, name, s, log } = c;
  log(`\nbest trial #${best.number} (${s.objective} ${best.value!.toPrecision(4)}): retraining it into a run folder`);
  const bestRun = await trainRun(c.loaded, {
    override: (cfg) => applyParams(cfg, best.params),
    out: c.o.out,
    verbose: 0,
    log,
  });
  await storage.setStudyAttr(name, 'best_run_dir', bestRun.dir);
  const imp = importance(trials, s.strategy);
  await storage.setStudyAttr(name, 'importance', imp);
  await writeFile(join(bestRun.dir, 'study-history.svg'), renderSvg(historyChart(name, trials)));
  await writeFile(join(bestRun.dir, 'study-importance.json'), `${JSON.stringify(imp, null, 2)}\n`);
  for (const [i, f] of imp.entries()) {
    const chart = factorChart(name, f.param, trials);
    if (chart) await writeFile(join(bestRun.dir, `study-factor-${i + 1}.svg`), renderSvg(chart));
  }
  const completed = trials.filter((t) => t.state === 'complete' && t.value !== null).length;
  const shown = importanceReadable(trials, s.strategy)
    ? imp.map((x) => `${x.param} ${(100 * x.importance).toFixed(0)}%`).join(', ') || 'n/a'
    : `not enough trials yet (${completed} completed)`;
  log(`factor importance: ${shown}  (plots in ${bestRun.dir})`);
  return bestRun;
}

export function bestOf(trials: readonly FrozenTrial[]): FrozenTrial | null {
  return trials
    .filter((t) => t.state === 'complete' && t.value !== null)
    .reduce<FrozenTrial | null>((a, t) => (!a || t.value! < a.value! ? t : a), null);
}
