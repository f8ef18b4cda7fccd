// A tuning study: samplers propose, the trial runner trains and reports, the pruner judges, storage
// holds everything. `seqtune tune CONFIG` runs one; `--resume` continues one after any interruption
// (trials that were running are marked failed; completed ones are kept).

import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { Worker } from 'node:worker_threads';
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
import { AshaPruner, HyperbandPruner, MedianPruner, type Pruner } from './pruners/index.js';
import { factorChart, historyChart, importance } from './report.js';
import { GridSampler, OfatSampler, RandomSampler, runningWith, type Sampler, TpeSampler } from './samplers/index.js';
import { applyParams, type Params, parseSpace } from './space.js';
import { prepareFor, runTrial, secondsPerWindow, type TrialEnv } from './trial.js';
import type { Strategy, TuneSettings } from './types.js';

export function parseDuration(v: unknown, key: string): number {
  if (v === undefined) return Infinity;
  if (typeof v === 'number' && v > 0) return v;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(v.trim()) : null;
  if (!m) throw new ConfigError(`${key}: expected a duration like 30m, 2h or 900s, received ${JSON.stringify(v)}`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

/** A relative SQLite file in a config is relative to the config file's folder, as every path in a config is. */
function storageNextTo(configFile: string, url: string): string {
  const m = /^(sqlite:)?(.+)$/.exec(url);
  if (!m || url.startsWith('memory') || /^postgres(ql)?:\/\//.test(url) || isAbsolute(m[2]!)) return url;
  return `sqlite:${join(dirname(configFile), m[2]!)}`;
}

export function tuneSettings(cfg: RawConfig, file: string): TuneSettings {
  const t = (cfg.tune ?? {}) as Record<string, unknown>;
  const strategy = (t.strategy ?? 'auto') as Strategy;
  if (!['auto', 'ofat', 'grid', 'random', 'tpe'].includes(strategy))
    throw new ConfigError(
      `${file}: tune.strategy: expected auto, ofat, grid, random or tpe, received ${JSON.stringify(t.strategy)}`,
    );
  const H = (cfg.data.horizon ?? 1) * (Array.isArray(cfg.data.target) ? cfg.data.target.length : 1);
  const space = parseSpace((t.space ?? {}) as Record<string, unknown>, H);
  if (strategy !== 'auto' && space.length === 0)
    throw new ConfigError(`${file}: tune.space: strategy ${strategy} needs at least one parameter to search`);
  const epochs = cfg.train?.epochs ?? 50;
  let pruner: Pruner | undefined;
  const p = t.pruner as Record<string, Record<string, number>> | string | undefined;
  if (p) {
    const [name, o] = typeof p === 'string' ? [p, {}] : Object.entries(p)[0]!;
    if (name === 'median') pruner = new MedianPruner(o.startup_trials ?? 5, o.warmup_epochs ?? 2);
    else if (name === 'asha') pruner = new AshaPruner(o.min_epochs ?? 1, o.reduction_factor ?? 3, epochs);
    else if (name === 'hyperband') pruner = new HyperbandPruner(o.min_epochs ?? 1, epochs, o.reduction_factor ?? 3);
    else
      throw new ConfigError(
        `${file}: tune.pruner: expected median, asha or hyperband, received ${JSON.stringify(name)}`,
      );
  }
  const num = (k: string, def: number) => {
    const v = t[k] ?? def;
    if (typeof v !== 'number' || !(v >= 1) || !Number.isInteger(v))
      throw new ConfigError(`${file}: tune.${k}: expected a positive integer, received ${JSON.stringify(v)}`);
    return v;
  };
  return {
    strategy,
    objective: (t.objective as string) ?? 'val_loss',
    trials: num('trials', 20),
    timeBudget: parseDuration(t.time_budget, `${file}: tune.time_budget`),
    repeats: num('repeats', 1),
    jobs: num('jobs', availableParallelism()),
    pruner,
    storage: storageNextTo(file, (t.storage as string | undefined) ?? 'sqlite:seqtune.db'),
    space,
    order: t.order as string[] | undefined,
    seed: cfg.seed ?? 42,
  };
}

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
   * Trials at once, each in its own worker thread (default: tune.jobs, else the number of cores;
   * 1 with memory storage).
   */
  jobs?: number;
  /** Show the running trial's epoch on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  /** Retrain the best trial into a normal run folder at the end (default true). */
  saveBest?: boolean;
  out?: string;
}

export async function runStudy(loaded: LoadedConfig, o: TuneOptions = {}): Promise<StudyResult> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  if (o.rerunInterrupted && !o.resume)
    throw new ConfigError(
      '--rerun-interrupted goes with --resume (it reruns the trials a resumed study finds interrupted)',
    );
  const base = resolveConfig(loaded.raw, loaded.name);
  const s = tuneSettings(base, loaded.file);
  const storage: Storage = openStorage(o.storage ?? s.storage);
  const name = loaded.name;
  try {
    const existing = await storage.getStudy(name);
    if (existing && !o.resume)
      throw new ConfigError(
        `study "${name}" already exists in ${o.storage ?? s.storage}; ` +
          'add --resume to continue it or rename the config (name:)',
      );
    const reruns: FrozenTrial[] = [];
    if (existing) {
      const failed = await storage.failRunning(name, 'interrupted (the process stopped while the trial ran)');
      if (failed.length)
        log(
          `resume: interrupted trial${failed.length > 1 ? 's' : ''} ` +
            `${failed.map((n) => `#${n}`).join(', ')} marked failed` +
            `${o.rerunInterrupted ? '; running them again first' : ' (--rerun-interrupted runs them again)'}`,
        );
      if (o.rerunInterrupted) reruns.push(...(await storage.getTrials(name)).filter((t) => failed.includes(t.number)));
    } else {
      const attrs: Record<string, unknown> = {
        config: base,
        config_file: loaded.file,
        strategy: s.strategy,
        objective: s.objective,
      };
      if (s.strategy === 'auto') {
        // The method: data and network first. A failed check stops here, before any tuning.
        const report = await checkRun(loaded, { steps: 200 });
        const failed = report.checks.filter((c) => c.status === 'fail');
        if (failed.length)
          throw new TuneRefused(
            `tune: refusing to tune ${name}: ${failed.map((c) => `${c.id} failed (${c.advice})`).join('; ')}. ` +
              `Run seqtune check ${loaded.file}`,
          );
        attrs.checks = report.checks.map((c) => ({ id: c.id, status: c.status }));
        // The learning-rate range from lr-find, unless the user gave one in tune.space.
        if (!s.space.some((p) => p.name.includes('learning_rate'))) {
          const d = await prepareFor(
            { loaded, base, storage, study: name, repeats: 1, objective: s.objective, dataCache: new Map() },
            base,
          );
          const make = () => compiledModel(loaded.file, base, d.features.length, base.seed);
          const probe = make();
          const [x, y] = splitTensors(d, 'train', probe);
          const lf = lrFind(make, x, y, {
            batchSize: base.train?.batch_size,
            optimizer: compileOptions(base).optimizer,
          });
          attrs.lr_find = lf.suggested;
          probe.dispose();
          log(
            `lr-find: suggested learning rate ${lf.suggested.best} (range ${lf.suggested.min} - ${lf.suggested.max})`,
          );
        }
      }
      await storage.createStudy(name, attrs);
    }
    const tty = Boolean(o.progress ?? process.stderr.isTTY);
    const env: TrialEnv = {
      loaded,
      base,
      storage,
      study: name,
      pruner: s.pruner,
      repeats: s.repeats,
      objective: s.objective,
      dataCache: new Map(),
      onEpoch: tty
        ? (n, e, E, v) =>
            process.stderr.write(`\r\x1b[2Ktrial ${n}: epoch ${e + 1}/${E} ${s.objective} ${v.toPrecision(4)}`)
        : undefined,
    };
    const sampler = samplerOf(s);
    const maxTrials = o.trials ?? s.trials,
      budget = o.timeBudget ?? s.timeBudget;
    const url = o.storage ?? s.storage;
    const memory = url.startsWith('memory');
    const jobs = memory ? 1 : Math.max(1, o.jobs ?? s.jobs);
    const t0 = performance.now();
    let stopReason = 'trial budget spent';
    const pool = jobs > 1 ? await WorkerPool.start(jobs, { file: loaded.file, storage: url, study: name }) : null;
    const running = new Map<number, Promise<number>>();
    const autoBudget = Number.isFinite(budget)
      ? timeLeft(env, base, () => budget - (performance.now() - t0) / 1000)
      : undefined;
    const report = async (number: number, why: string) => {
      if (tty) process.stderr.write('\r\x1b[2K');
      const all = await storage.getTrials(name);
      const done = all.find((t) => t.number === number)!,
        best = bestOf(all);
      log(
        `trial ${done.number} ${done.state}` +
          `${done.value !== null ? ` ${s.objective} ${done.value.toPrecision(4)}` : ''} ` +
          `${JSON.stringify(done.params)}${done.error ? ` (${done.error})` : ''}${why ? `  -- ${why}` : ''}  | ` +
          `${all.filter((t) => t.state !== 'running').length} done, ` +
          `best ${best ? `#${best.number} ${best.value!.toPrecision(4)}` : '-'}, ` +
          `${((performance.now() - t0) / 60000).toFixed(1)} min`,
      );
    };
    try {
      for (;;) {
        const trials = await storage.getTrials(name);
        const finished = trials.filter((t) => t.state !== 'running').length;
        if (finished + running.size >= maxTrials) {
          if (running.size) {
            await Promise.race(running.values());
            continue;
          }
          break;
        }
        if ((performance.now() - t0) / 1000 >= budget) {
          stopReason = 'time budget spent';
          if (running.size) {
            await Promise.all(running.values());
          }
          break;
        }
        const rng = new Rng(s.seed * 1000003 + trials.length);
        let params: Params | null;
        let why = '';
        const rerun = reruns.shift();
        if (rerun) {
          params = { ...rerun.params };
          why = `rerun of interrupted trial #${rerun.number}${rerun.attrs.why ? `: ${rerun.attrs.why as string}` : ''}`;
        } else if (s.strategy === 'auto') {
          if (autoBudget) autoBudget.skipped = false;
          const next = await autoNext(env, s, trials, (await storage.getStudy(name))!.attrs, autoBudget);
          params = next?.params ?? null;
          why = next?.why ?? '';
        } else params = sampler.sample(s.space, trials, rng);
        if (!params || (!rerun && running.size && runningWith(trials, params))) {
          // Nothing new to propose until a running trial finishes (OFAT/auto wait for a sweep), or the space is
          // exhausted.
          if (running.size) {
            await Promise.race(running.values());
            continue;
          }
          stopReason = autoBudget?.skipped
            ? 'time budget spent (no trial left in the plan finishes in the time left)'
            : 'search space exhausted';
          break;
        }
        const trial = await storage.createTrial(name, params, {
          ...(why ? { why } : {}),
          ...(rerun ? { rerun_of: rerun.number } : {}),
        });
        if (!pool) {
          await runTrial(env, trial);
          await report(trial.number, why);
          continue;
        }
        const p = pool.run(trial.number).then(async () => {
          running.delete(trial.number);
          await report(trial.number, why);
          return trial.number;
        });
        running.set(trial.number, p);
        if (running.size >= jobs) await Promise.race(running.values());
      }
    } finally {
      await pool?.close();
    }
    const trials = await storage.getTrials(name);
    const best = bestOf(trials);
    let bestRun: RunResult | undefined;
    if (best && o.saveBest !== false) {
      log(
        `\nbest trial #${best.number} (${s.objective} ${best.value!.toPrecision(4)}): retraining it into a run folder`,
      );
      bestRun = await trainRun(loaded, { override: (c) => applyParams(c, best.params), out: o.out, verbose: 0, log });
      await storage.setStudyAttr(name, 'best_run_dir', bestRun.dir);
      const imp = importance(trials, s.strategy);
      await storage.setStudyAttr(name, 'importance', imp);
      await writeFile(join(bestRun.dir, 'study-history.svg'), renderSvg(historyChart(name, trials)));
      await writeFile(join(bestRun.dir, 'study-importance.json'), `${JSON.stringify(imp, null, 2)}\n`);
      for (const [i, f] of imp.entries()) {
        const c = factorChart(name, f.param, trials);
        if (c) await writeFile(join(bestRun.dir, `study-factor-${i + 1}.svg`), renderSvg(c));
      }
      log(
        `factor importance: ${imp.map((x) => `${x.param} ${(100 * x.importance).toFixed(0)}%`).join(', ') || 'n/a'}` +
          `  (plots in ${bestRun.dir})`,
      );
    }
    return { name, trials, best, bestRun, stopReason, storage: url };
  } finally {
    await storage.close();
  }
}

/** What auto needs to judge whether a trial fits in the time left: a trial's seconds, scaled by timed steps. */
function timeLeft(env: TrialEnv, base: RawConfig, remaining: () => number): AutoBudget {
  const perWindow = new Map<string, Promise<number>>();
  const spw = (p: Params) => {
    const k = JSON.stringify(p);
    let v = perWindow.get(k);
    if (!v) {
      v = secondsPerWindow(env, applyParams(base, p)).catch(() => NaN);
      perWindow.set(k, v);
    }
    return v;
  };
  return {
    remaining,
    estimate: async (p, ref) => {
      const seconds = ref.attrs.seconds as number | undefined;
      if (!seconds) return 0;
      const ratio = (await spw(p)) / (await spw(ref.params));
      const epochs = (applyParams(base, p).train?.epochs ?? 1) / (applyParams(base, ref.params).train?.epochs ?? 1);
      return Number.isFinite(ratio) ? seconds * ratio * epochs : 0;
    },
  };
}

/** Worker threads that each run one trial at a time (own engine, own storage connection). */
class WorkerPool {
  private idle: Worker[] = [];
  private waiting: ((w: Worker) => void)[] = [];
  private constructor(private readonly workers: Worker[]) {
    this.idle = [...workers];
  }

  static async start(n: number, data: { file: string; storage: string; study: string }): Promise<WorkerPool> {
    // From built code the worker is worker.js; from source (tests, tsx) a bootstrap registers tsx first.
    const fromSource = import.meta.url.endsWith('.ts');
    const url = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
    const workers = await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<Worker>((res, rej) => {
            const w = fromSource
              ? new Worker(
                  `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`,
                  { eval: true, workerData: data },
                )
              : new Worker(url, { workerData: data });
            w.once('message', () => res(w));
            w.once('error', rej);
          }),
      ),
    );
    return new WorkerPool(workers);
  }

  async run(number: number): Promise<void> {
    const w = this.idle.pop() ?? (await new Promise<Worker>((res) => this.waiting.push(res)));
    await new Promise<void>((res, rej) => {
      const onMsg = () => {
        w.off('error', onErr);
        res();
      };
      const onErr = (e: Error) => {
        w.off('message', onMsg);
        rej(e);
      };
      w.once('message', onMsg);
      w.once('error', onErr);
      w.postMessage({ number });
    });
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export function bestOf(trials: readonly FrozenTrial[]): FrozenTrial | null {
  return trials
    .filter((t) => t.state === 'complete' && t.value !== null)
    .reduce<FrozenTrial | null>((a, t) => (!a || t.value! < a.value! ? t : a), null);
}
