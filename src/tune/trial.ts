// One trial: the base config with the trial's parameters applied, trained (repeats x seeds), its
// objective per epoch reported to storage as it happens, pruned when the pruner says so.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  baselinesOf,
  builtModel,
  callbacksOf,
  compiledModel,
  compileOptions,
  dataSpec,
  type LoadedConfig,
  type RawConfig,
  scheduleOf,
  TRAIN_DEFAULTS,
  threadsOfFit,
} from '../config/index.js';
import {
  type DataConfig,
  DataError,
  isLinear,
  linearFitSeconds,
  linearFitted,
  linearModel,
  linearModelAsync,
  linearTooWide,
  type PreparedData,
  prepareData,
  rewindow,
  ridgeShape,
  type SharedPreparedData,
  seriesKey,
  shareData,
} from '../data/index.js';
import { diagnose } from '../diagnose/index.js';
import { MemoryLimitError, noSpaceCode, SeqtuneError } from '../errors.js';
import { withSketchedInit } from '../nn/index.js';
import { checkOutputWidth, freePath, saveRun, splitTensors } from '../run/index.js';
import { type FrozenTrial, rerunAttrs, type Storage } from '../storage/index.js';
import { Callback, type History, type Logs, type Model } from '../train/index.js';
import type { Pruner } from './pruners/index.js';
import { applyParams } from './space.js';

export interface TrialEnv {
  loaded: LoadedConfig;
  base: RawConfig;
  storage: Storage;
  study: string;
  /**
   * The study's creation time as this process opened it (StudyContext.created): the trial's reports and end are
   * written to that study only, never to one made again under its name since (Storage.report's `of`).
   */
  created?: string;
  pruner?: Pruner;
  repeats: number;
  objective: string;
  dataCache: Map<string, PreparedData>;
  /** Live progress of the running trial (one call per epoch). */
  onEpoch?: (trial: number, epoch: number, epochs: number, value: number) => void;
  /**
   * Where a completed trial keeps its model, as a run folder `<runs>/trial-<number>` (the study's result points at
   * the best one; study ensemble reuses them). None: the trials keep no model.
   */
  runs?: string;
  /** The time budget's end (Date.now() milliseconds): a running trial stops at the first epoch end past it. */
  deadline?: number;
  /** Threads of each trial's training (train.threads shared between the study's jobs); default 1. */
  threads?: number;
  /**
   * The study's abort (Ctrl-C, SIGTERM): a trial training in this thread stops at its next epoch end and records
   * nothing more; the study fails it as interrupted (interrupt.ts).
   */
  signal?: AbortSignal;
}

class Reporter extends Callback {
  best = Infinity;
  /** The weights and moving statistics at the best epoch: what the trial's value was measured on. */
  bestWeights?: [Float32Array, Float32Array];
  pruned = false;
  /** The epoch (from 1) the pruner stopped it at, kept as `pruned_epoch`; 0 while it is not pruned. */
  prunedEpoch = 0;
  outOfTime = false;
  constructor(
    readonly env: TrialEnv,
    readonly trial: FrozenTrial,
    readonly active: boolean,
  ) {
    super();
  }
  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.env.signal?.aborted) {
      this.model.stopTraining = true;
      return;
    }
    const v = logs[this.env.objective]!;
    if (v < this.best) {
      this.best = v;
      if (this.env.runs) {
        const e = this.model.engine;
        this.bestWeights = [e.view(this.model.params).slice(), e.view(this.model.state).slice()];
      }
    }
    this.env.onEpoch?.(this.trial.number, epoch, this.model.epochsPlanned, v);
    if (this.env.deadline !== undefined && Date.now() >= this.env.deadline && epoch + 1 < this.model.epochsPlanned) {
      this.outOfTime = true;
      this.model.stopTraining = true;
      this.model.stopReason = `time budget spent: stopped at epoch ${epoch + 1} of ${this.model.epochsPlanned}`;
    }
    if (!this.active) return;
    await this.env.storage.report(this.env.study, this.trial.number, epoch, v, { created: this.env.created });
    if (this.outOfTime || !this.env.pruner || this.env.pruner.decidesAt?.(epoch) === false) return;
    const trials = await this.env.storage.getTrials(this.env.study);
    const me = trials.find((t) => t.number === this.trial.number)!;
    if (this.env.pruner.shouldPrune(me, epoch, trials)) {
      this.pruned = true;
      this.prunedEpoch = epoch + 1;
      this.model.stopTraining = true;
      const rule = this.env.pruner.rule ? ` was ${this.env.pruner.rule}` : '';
      this.model.stopReason =
        `pruned by ${this.env.pruner.name} at epoch ${epoch + 1} of ${this.model.epochsPlanned}: ` +
        `its best ${this.env.objective} so far, ${this.best.toPrecision(4)},${rule}`;
    }
  }
  /** Puts the best epoch's weights back into the model. */
  restoreBest(): void {
    if (!this.bestWeights) return;
    const e = this.model.engine;
    e.view(this.model.params).set(this.bestWeights[0]);
    e.view(this.model.state).set(this.bestWeights[1]);
  }
}

/** The key of a config's prepared data in TrialEnv.dataCache: configs with the same data section share it. */
export function dataKey(cfg: RawConfig): string {
  return JSON.stringify(cfg.data);
}

export async function prepareFor(env: TrialEnv, cfg: RawConfig): Promise<PreparedData> {
  const key = dataKey(cfg);
  let d = env.dataCache.get(key);
  if (!d) {
    const { spec, csvPath } = dataSpec(cfg, env.loaded.dir);
    // A data section that differs only in the windows (e.g. a lookback being tuned) cuts new windows from a
    // series already prepared (in a worker: the one shared with the main thread) instead of reading the CSV.
    const same = [...env.dataCache].find(([k]) => seriesKey(JSON.parse(k) as DataConfig) === seriesKey(spec));
    d = same ? rewindow(same[1], spec, csvPath) : await prepareData(spec, csvPath);
    env.dataCache.set(key, d);
  }
  return d;
}

/**
 * The base config's prepared data in shared memory, for the worker threads (each reads it instead of preparing
 * its own copy); undefined when the data cannot be prepared, so that each trial reports why, as before.
 */
export async function sharedBaseData(env: TrialEnv): Promise<SharedPreparedData | undefined> {
  try {
    return shareData(await prepareFor(env, env.base));
  } catch (e) {
    if (e instanceof DataError) return undefined;
    throw e;
  }
}

/** The most windows per timed step: the steps of the largest candidates run in the plan's thread. */
const TIMED_BATCH = 32;

/**
 * What a trial of a config costs: seconds of training per window, from a few timed optimizer steps on one batch (at
 * most 32 windows: a GRU(1000) over 96 steps at the seed's batch of 300 took minutes to time, while the plan's
 * thread, and so the free core, waited), and seconds to build its model, its initializers included (the orthogonal
 * initializer of GRU(4000)'s recurrent kernel takes minutes, GRU(8000)'s ten times more; Beijing PM2.5). That
 * initializer is sketched, its seconds estimated (withSketchedInit), not paid: the timing of a GRU(8000) candidate took
 * longer than its study's budget. The auto strategy compares candidates with it to tell whether a trial can finish in
 * the time left. `fits`: first check that steps of that many windows fit in the engine memory left (MemoryLimitError).
 */
export async function trainingCost(env: TrialEnv, cfg: RawConfig, steps = 3, fits?: number): Promise<TrainingCost> {
  const d = await prepareFor(env, cfg);
  const t0 = performance.now();
  const { value: model, skipped } = withSketchedInit(() => compiledModel(env.loaded.file, cfg, d));
  const build = (performance.now() - t0) / 1000 + skipped;
  try {
    if (fits !== undefined) model.assertStepFits(fits, fits, 1); // steps of `fits` windows, nothing validated
    const [x, y] = splitTensors(d, 'train', model);
    const B = Math.max(1, Math.min(cfg.train?.batch_size ?? 32, x.shape[0]!, TIMED_BATCH));
    const idx = Uint32Array.from({ length: B }, (_, i) => i);
    model.trainStep(x, y, idx, 0, B); // the first step allocates and packs
    const t1 = performance.now();
    for (let i = 0; i < steps; i++) model.trainStep(x, y, idx, 0, B);
    // an epoch trains every training window and runs the validation's forward passes (about a third of a step)
    const windows = x.shape[0]! + d.windows.val.starts.length / 3;
    return { perWindow: (performance.now() - t1) / 1000 / (steps * B), build, windows };
  } finally {
    model.dispose();
  }
}

export interface TrainingCost {
  /** Seconds of training per window. */
  perWindow: number;
  /** Seconds to build the model (initializers included). */
  build: number;
  /** The windows an epoch trains, and a third of those it validates: perWindow x windows is its training. */
  windows?: number;
}

/**
 * A memo of one study's measurements: make(env, arg) runs once per study (TrialEnv) and keyOf(arg), and every later
 * call gets its promise.
 */
export function perStudy<A, T>(keyOf: (arg: A) => string, make: (env: TrialEnv, arg: A) => Promise<T>) {
  const memo = new WeakMap<TrialEnv, Map<string, Promise<T>>>();
  return (env: TrialEnv, arg: A): Promise<T> => {
    const byKey = memo.get(env) ?? new Map<string, Promise<T>>();
    memo.set(env, byKey);
    const key = keyOf(arg);
    let v = byKey.get(key);
    if (!v) {
      v = make(env, arg);
      byKey.set(key, v);
    }
    return v;
  };
}

/**
 * The largest global gradient norm (before clipping) over the first training steps of a config (one epoch, at
 * most 50 batches), measured once per config and study. The auto strategy skips clipnorm values it would
 * never reach. Where the steps cannot fit in the engine memory left (fit's check, before the first: their buffers,
 * made one by one, grew the memory to the limit before one failed), why, as the engine says it; Infinity where the
 * config cannot be built (its trials say why).
 */
export const gradientNorm = perStudy(
  (cfg: RawConfig) => JSON.stringify({ ...cfg, tune: undefined }),
  (env, cfg): Promise<number | string> =>
    measureGradientNorm(env, cfg, 50).catch((e) => (e instanceof MemoryLimitError ? e.message : Infinity)),
);

/**
 * The most seconds the plan spends measuring a gradient norm, and at most a quarter of the time budget left. It runs in
 * the plan's thread, where no finished trial is read and no trial starts meanwhile: on Beijing PM2.5 the norm of a
 * GRU of thousands of units at the seed's batch of 300 (its orthogonal initializer, then 23 steps of 300 windows) held
 * the plan for 20 minutes, from 42 s before the end of a 30-minute budget.
 */
export const GRADIENT_NORM_SECONDS = 120;

/** The seconds a gradient norm may take now (GRADIENT_NORM_SECONDS), and what bounds them, in words. */
function normLimit(env: TrialEnv): { seconds: number; why: string } {
  const left = env.deadline === undefined ? Infinity : Math.max(0, (env.deadline - Date.now()) / 1000);
  return left / 4 < GRADIENT_NORM_SECONDS
    ? { seconds: left / 4, why: `a quarter of the ${secondsText(left)} of the time budget left` }
    : { seconds: GRADIENT_NORM_SECONDS, why: `at most ${GRADIENT_NORM_SECONDS} s` };
}

/**
 * The largest gradient norm over the first `steps` training steps of cfg; where that measurement would take more than
 * the plan may wait (normLimit: its model's build with its initializers and its steps, as trainingCost times them),
 * why, in words that follow "not measured: ".
 */
export async function measureGradientNorm(
  env: TrialEnv,
  cfg: RawConfig,
  steps: number,
  limit = normLimit(env),
): Promise<number | string> {
  const d = await prepareFor(env, cfg);
  const N = d.windows.train.starts.length,
    B = Math.max(1, Math.min(cfg.train?.batch_size ?? 32, N));
  // its steps' memory checked first (full batches on this thread): the timing's own steps are smaller
  const n = Math.min(steps, Math.floor(N / B)),
    cost = await trainingCost(env, cfg, 3, B);
  const seconds = cost.build + cost.perWindow * n * B;
  if (seconds > limit.seconds)
    return (
      `its model's build and ${n} steps of ${B} windows would take about ${secondsText(seconds)} in the plan's ` +
      `thread, where no trial starts meanwhile (${limit.why})`
    );
  return peakGradientNorm(env, cfg, d, n, B);
}

const secondsText = (s: number): string => (s < 59.5 ? `${Math.round(s)} s` : `${(s / 60).toFixed(0)} min`);

async function peakGradientNorm(
  env: TrialEnv,
  cfg: RawConfig,
  d: PreparedData,
  steps: number,
  B: number,
): Promise<number> {
  const model = compiledModel(env.loaded.file, cfg, d);
  try {
    model.clipnorm = undefined;
    model.clipvalue = undefined;
    const [x, y] = splitTensors(d, 'train', model);
    const N = x.shape[0]!;
    model.assertStepFits(B, B, 1); // full batches on this thread, nothing validated
    const order = model.rng.permutation(N);
    let peak = 0;
    for (let i = 0, start = 0; i < steps && start + B <= N; i++, start += B) {
      model.trainStep(x, y, order, start, B);
      peak = Math.max(peak, Math.sqrt(model.ops.sumsq(model.grads)));
    }
    return peak;
  } finally {
    model.dispose();
  }
}

/**
 * The bytes a config's training steps take in engine memory, as fit counts them before its first step
 * (Model.stepBytes with fit's arguments: the batch, the training windows, the threads a trial trains on and the
 * validation windows fitRepeats validates on), measured once per config and study; 0 when the config cannot be built
 * (its trial says why). No trial starts whose steps cannot fit in MEMORY_LIMIT_BYTES (auto's sweeps, the samplers'
 * proposals). Without the validation's windows, a trial this passed could be refused by fit at once: GRU(192) at
 * lookback 2000, batch 200, 1,000 training and 1,500 validation windows counted 3,225 MiB here and 4,837 in fit.
 */
export const stepMemory = perStudy(
  (cfg: RawConfig) => JSON.stringify({ ...cfg, tune: undefined }),
  async (env, cfg) => {
    try {
      const d = await prepareFor(env, cfg);
      // built and compiled, not started from the ridge (linear_skip: ridge): the same layers, without the ridge's fit
      const { value: model } = withSketchedInit(() => builtModel(env.loaded.file, cfg, d.features.length));
      model.compile(compileOptions(cfg));
      try {
        const n = d.windows.train.starts.length,
          bs = Math.max(1, Math.min(cfg.train?.batch_size ?? 32, n)),
          threads = trialThreads(env, cfg, model, n);
        return model.stepBytes(bs, n, model.threadsFor(threads, bs, n), d.windows.val.starts.length, callbacksOf(cfg));
      } finally {
        model.dispose();
      }
    } catch {
      return 0;
    }
  },
);

/** The threads a trial's fit trains on: the study's share of the cores, where the fit gains from them. */
function trialThreads(env: TrialEnv, cfg: RawConfig, model: Model, samples: number): number {
  const t = cfg.train ?? {};
  return threadsOfFit(cfg, env.threads ?? 1, model, {
    batchSize: t.batch_size,
    samples,
    epochs: t.epochs ?? TRAIN_DEFAULTS.epochs,
  });
}

/** One repeat of a trial: the fitted model, its history and its reporter. */
interface Repeat {
  model: Model;
  history: History;
  rep: Reporter;
  seconds: number;
}

/** The trial's repeats (seeds seed, seed + 1, ...), until one is pruned, diverges or runs out of time. */
async function fitRepeats(env: TrialEnv, trial: FrozenTrial, cfg: RawConfig, d: PreparedData): Promise<Repeat[]> {
  const runs: Repeat[] = [];
  try {
    for (let r = 0; r < env.repeats; r++) {
      const model = compiledModel(env.loaded.file, cfg, d, (cfg.seed ?? 42) + r);
      const rep = new Reporter(env, trial, r === 0);
      const t = cfg.train!,
        t0 = performance.now();
      runs.push({
        model,
        history: { history: {}, epochs: 0, diverged: false, warnings: [], skippedBatches: 0 },
        rep,
        seconds: 0,
      });
      checkOutputWidth(env.loaded.file, cfg, model, d);
      const h = await model.fit(...splitTensors(d, 'train', model), {
        epochs: t.epochs,
        batchSize: t.batch_size,
        shuffle: t.shuffle,
        validationData: splitTensors(d, 'val', model),
        callbacks: [...callbacksOf(cfg), rep],
        schedule: scheduleOf(cfg),
        onWarning: () => {},
        threads: trialThreads(env, cfg, model, d.windows.train.starts.length),
      });
      Object.assign(runs.at(-1)!, { history: h, seconds: (performance.now() - t0) / 1000 });
      if (rep.pruned || rep.outOfTime || h.diverged || env.signal?.aborted) break;
    }
    return runs;
  } catch (e) {
    for (const r of runs) r.model.dispose();
    throw e;
  }
}

/** The run folder of a completed trial: its best repeat's model at its best epoch. */
async function keepModel(env: TrialEnv, trial: FrozenTrial, cfg: RawConfig, d: PreparedData, runs: Repeat[]) {
  const best = runs.reduce((a, r) => (r.rep.best < a.rep.best ? r : a));
  best.rep.restoreBest();
  const loaded = { ...env.loaded, name: `${env.study} trial ${trial.number}` };
  const out = freePath(join(env.runs!, `trial-${trial.number}`));
  return (await saveRun(loaded, cfg, { data: d, model: best.model, history: best.history, seconds: best.seconds }, out))
    .dir;
}

/** The most ridge inputs (lookback x features) a trial fits for linearVal: a few seconds at most. */
const LINEAR_VAL_INPUTS = 768;

/** Whether a trial records linearVal: the objective is val_loss, the loss MSE, and the ridge small. */
function linearValAsked(env: TrialEnv, cfg: RawConfig, d: PreparedData): boolean {
  const mse = (cfg.train?.loss ?? 'mse') === 'mse' && env.objective === 'val_loss';
  const small = cfg.data.lookback * d.features.length <= LINEAR_VAL_INPUTS;
  return mse && small && (cfg.train?.validation ?? 'val') === 'val';
}

/**
 * The `linear` baseline's validation MSE at the trial's lookback, in the units of val_loss (the objective is
 * val_loss and the loss MSE), so that auto can see a network that does not beat a ridge model; else nothing.
 */
function linearVal(env: TrialEnv, cfg: RawConfig, d: PreparedData): { linear_val?: number } {
  if (!linearValAsked(env, cfg, d)) return {};
  try {
    return { linear_val: linearModel(d, cfg.data.lookback).valMse };
  } catch {
    return {}; // a ridge model that cannot be fitted (too few windows) says nothing about the network
  }
}

/**
 * The lookbacks whose ridge model (the `linear` baseline's) a trial of a config fits: its linear path's
 * (linear_skip: ridge), its linear baselines' (scored in its run folder) and linearVal's. Each is fitted once per
 * prepared data and thread (linearModel keeps it), in a time that grows with the cube of its inputs: at lookback 2000
 * (horizon 500) 17 s of one core by linearFitSeconds, 15-18 s of CPU measured on a loaded 2-core machine (89 s before
 * 2026-12-07's faster fit, 197 s wall), seconds no epoch end can stop.
 */
export function ridgeLookbacks(env: TrialEnv, cfg: RawConfig, d: PreparedData): number[] {
  const L = cfg.data.lookback,
    out = new Set<number>();
  if (cfg.model.linear_skip === 'ridge') out.add(L);
  for (const spec of baselinesOf(cfg)) {
    if (!isLinear(spec)) continue;
    const at = (spec === 'linear' ? undefined : spec.linear.lookback) ?? L;
    if (!linearTooWide(d, at)) out.add(at);
  }
  if (linearValAsked(env, cfg, d)) out.add(L);
  return [...out];
}

/** A ridge model a trial fitted (payRidges): its lookback, inputs and seconds, and the seconds it was expected to. */
export interface RidgePaid {
  lookback: number;
  inputs: number;
  seconds: number;
  /** linearFitSeconds of its shape (none in trials of an older seqtune). */
  expected?: number;
}

/**
 * Fits the ridge models a trial needs (ridgeLookbacks) that this thread has not fitted for the data yet, first and
 * timed, so that the trial records what they cost (attrs.ridge) apart from its epochs: the time budget's estimate of
 * a trial read them as training and scaled them by the epochs. A fit that fails is left to the trial to meet.
 * Fitted with turns of the event loop (linearModelAsync; the later linearModel of the ridge path, linearVal and the
 * baselines finds them kept), stopped at the first after the study's abort: a trial of `jobs: 1` runs on the main
 * thread, where SIGTERM waited for the fits (ETTh1 OT, lookback 720, linear_skip ridge: 6 s).
 */
async function payRidges(env: TrialEnv, cfg: RawConfig, d: PreparedData): Promise<RidgePaid[]> {
  const paid: RidgePaid[] = [];
  for (const lookback of ridgeLookbacks(env, cfg, d)) {
    if (linearFitted(d, lookback)) continue;
    const t0 = performance.now();
    try {
      await linearModelAsync(d, lookback, () => env.signal?.throwIfAborted());
    } catch (e) {
      if (env.signal?.aborted) throw e;
      continue;
    }
    const seconds = (performance.now() - t0) / 1000;
    const expected = linearFitSeconds(ridgeShape(d, lookback));
    paid.push({ lookback, inputs: lookback * d.scaledFeatures.length, seconds, expected });
  }
  return paid;
}

/**
 * Why a trial with no finite objective failed: `diverged: val_loss was never finite (NaN at epoch 1)`, from the
 * first repeat that had none (its best stayed Infinity: NaN compares as no improvement).
 */
function divergedText(objective: string, runs: Repeat[]): string {
  const curve = runs.find((r) => !Number.isFinite(r.rep.best))?.history.history[objective] ?? [];
  const at = curve.findIndex((v) => !Number.isFinite(v));
  return `diverged: ${objective} was never finite${at >= 0 ? ` (${curve[at]} at epoch ${at + 1})` : ''}`;
}

/**
 * Runs a created (running) trial to its end and records the result; a completed trial keeps its model in a run
 * folder when env.runs says where. Never throws for a failing trial. Interrupted (env.signal), it records nothing.
 */
export async function runTrial(env: TrialEnv, trial: FrozenTrial): Promise<FrozenTrial> {
  const started = performance.now();
  let runs: Repeat[] = [];
  try {
    const cfg = applyParams(env.base, trial.params);
    const d = await prepareFor(env, cfg);
    const ridge = await payRidges(env, cfg, d);
    const fitStart = performance.now();
    runs = await fitRepeats(env, trial, cfg, d);
    const fitSeconds = (performance.now() - fitStart) / 1000;
    if (env.signal?.aborted) return trial; // interrupted: the study fails it (interrupt.ts)
    const values = runs.map((r) => r.rep.best);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    const first = runs[0]!.history.history;
    const diag = diagnose(first, { config: cfg });
    const stopped = runs.find((r) => r.rep.outOfTime)?.history.stopReason;
    const prunedRun = runs.find((r) => r.rep.pruned);
    const pruned = prunedRun?.history.stopReason;
    const attrs: Record<string, unknown> = {
      history: { loss: first.loss, val_loss: first.val_loss },
      values,
      spread: sd,
      seconds: (performance.now() - started) / 1000,
      fit_seconds: fitSeconds,
      ...(ridge.length ? { ridge } : {}),
      epochs: first.loss!.length,
      diagnosis: { pattern: diag.pattern, confidence: diag.confidence, advice: diag.advice },
      ...(stopped ? { stopped } : {}),
      // the epoch as a number (study show's pruned.epoch), beside the pruner's words that name it too
      ...(pruned ? { pruned, pruned_epoch: prunedRun!.rep.prunedEpoch } : {}),
      ...linearVal(env, cfg, d),
    };
    if (!Number.isFinite(mean))
      return await env.storage.finishTrial(env.study, trial.number, 'failed', null, {
        created: env.created,
        error: divergedText(env.objective, runs),
        attrs,
      });
    if (!pruned && env.runs) {
      // its scores over every window and its run folder: seconds after the epochs that the budget cannot stop either
      const saveStart = performance.now();
      attrs.run_dir = await keepModel(env, trial, cfg, d, runs);
      attrs.save_seconds = (performance.now() - saveStart) / 1000;
      attrs.seconds = (performance.now() - started) / 1000;
    }
    return await finishKept(env, trial, pruned ? 'pruned' : 'complete', mean, attrs);
  } catch (e) {
    if (env.signal?.aborted) return trial;
    return failTrial(env, trial, e, {
      history: runs[0]?.history.history ?? null,
      seconds: (performance.now() - started) / 1000,
    });
  } finally {
    for (const r of runs) r.model.dispose();
  }
}

/**
 * Records the trial's end. Where storage refuses it, the trial no longer running (failed as stale by another process
 * while it scored itself and wrote its run folder, its heartbeat late), the run folder it wrote is removed: no trial
 * points at it, and it was left as runs/<name>/trial-N of a failed trial beside the folder of the trial that ran its
 * parameters again (22 such folders in a study of 63 trials whose heartbeats stopped).
 */
async function finishKept(
  env: TrialEnv,
  trial: FrozenTrial,
  end: 'complete' | 'pruned',
  value: number,
  attrs: Record<string, unknown>,
): Promise<FrozenTrial> {
  try {
    return await env.storage.finishTrial(env.study, trial.number, end, value, { attrs, created: env.created });
  } catch (e) {
    const dir = attrs.run_dir;
    if (typeof dir === 'string' && (await notItsFolder(env, trial.number, dir)))
      await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Whether trial `n` is stored as another end than the one that keeps `dir` (a storage that cannot say: false). */
async function notItsFolder(env: TrialEnv, n: number, dir: string): Promise<boolean> {
  try {
    const t = (await env.storage.getTrials(env.study, { created: env.created })).find((x) => x.number === n);
    return t !== undefined && t.state !== 'running' && t.attrs.run_dir !== dir;
  } catch {
    return false;
  }
}

/** Fails a trial that threw. A seqtune error is the trial's own (a bad value, a shape); anything else is a bug,
 * and its stack is kept in the trial's attributes. A full disk is neither: see failNoSpace. */
async function failTrial(
  env: TrialEnv,
  trial: FrozenTrial,
  e: unknown,
  attrs: Record<string, unknown>,
): Promise<FrozenTrial> {
  const space = noSpaceCode(e);
  if (space) return failNoSpace(env, trial, e as NodeJS.ErrnoException, space, attrs);
  const bug = !(e instanceof SeqtuneError);
  return env.storage.finishTrial(env.study, trial.number, 'failed', null, {
    created: env.created,
    error: (e as Error)?.message ?? String(e),
    attrs: { ...attrs, ...(bug ? { stack: (e as Error)?.stack ?? String(e) } : {}) },
  });
}

/**
 * Fails a trial that a full disk (or a spent quota) stopped, most often as it wrote its run folder after training:
 * not the trial's fault, so its parameters are enqueued again (a waiting trial, its retry count unchanged, as an
 * interrupted trial's) and it counts against no budget; `no_space` (the code) tells the trial loop to stop the study
 * (loop.ts), where it went on and failed every later trial the same way, spending the whole trial budget.
 */
async function failNoSpace(
  env: TrialEnv,
  trial: FrozenTrial,
  e: NodeJS.ErrnoException,
  code: string,
  attrs: Record<string, unknown>,
): Promise<FrozenTrial> {
  const retry = Number(trial.attrs.retry ?? 0);
  const again = await env.storage.createTrial(env.study, { ...trial.params }, rerunAttrs(trial, retry), {
    waiting: true,
    created: env.created,
  });
  return env.storage.finishTrial(env.study, trial.number, 'failed', null, {
    created: env.created,
    error: `${e.path ? `${e.path}: ` : ''}no space left on the device (${code})`,
    attrs: { ...attrs, no_space: code, retried_as: again.number },
  });
}
