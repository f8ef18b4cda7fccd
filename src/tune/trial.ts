// One trial: the base config with the trial's parameters applied, trained (repeats x seeds), its
// objective per epoch reported to storage as it happens, pruned when the pruner says so.

import {
  callbacksOf,
  compiledModel,
  dataSpec,
  type LoadedConfig,
  type RawConfig,
  scheduleOf,
} from '../config/index.js';
import { type PreparedData, prepareData } from '../data/index.js';
import { diagnose } from '../diagnose/index.js';
import { checkOutputWidth, splitTensors } from '../run/index.js';
import type { FrozenTrial, Storage } from '../storage/index.js';
import { Callback, type Logs } from '../train/index.js';
import type { Pruner } from './pruners/index.js';
import { applyParams } from './space.js';

export interface TrialEnv {
  loaded: LoadedConfig;
  base: RawConfig;
  storage: Storage;
  study: string;
  pruner?: Pruner;
  repeats: number;
  objective: string;
  dataCache: Map<string, PreparedData>;
  /** Live progress of the running trial (one call per epoch). */
  onEpoch?: (trial: number, epoch: number, epochs: number, value: number) => void;
}

class Reporter extends Callback {
  best = Infinity;
  pruned = false;
  constructor(
    readonly env: TrialEnv,
    readonly trial: FrozenTrial,
    readonly active: boolean,
  ) {
    super();
  }
  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const v = logs[this.env.objective]!;
    if (v < this.best) this.best = v;
    this.env.onEpoch?.(this.trial.number, epoch, this.model.epochsPlanned, v);
    if (!this.active) return;
    await this.env.storage.report(this.env.study, this.trial.number, epoch, v);
    if (!this.env.pruner || this.env.pruner.decidesAt?.(epoch) === false) return;
    const trials = await this.env.storage.getTrials(this.env.study);
    const me = trials.find((t) => t.number === this.trial.number)!;
    if (this.env.pruner.shouldPrune(me, epoch, trials)) {
      this.pruned = true;
      this.model.stopTraining = true;
      this.model.stopReason = `pruned by ${this.env.pruner.name} at epoch ${epoch + 1}`;
    }
  }
}

export async function prepareFor(env: TrialEnv, cfg: RawConfig): Promise<PreparedData> {
  const key = JSON.stringify(cfg.data);
  let d = env.dataCache.get(key);
  if (!d) {
    const { spec, csvPath } = dataSpec(cfg, env.loaded.dir);
    d = await prepareData(spec, csvPath);
    env.dataCache.set(key, d);
  }
  return d;
}

/**
 * Seconds of training per window for a config, from a few timed optimizer steps on one batch. The
 * auto strategy compares candidates with it to tell whether a trial can finish in the time left.
 */
export async function secondsPerWindow(env: TrialEnv, cfg: RawConfig, steps = 3): Promise<number> {
  const d = await prepareFor(env, cfg);
  const model = compiledModel(env.loaded.file, cfg, d.features.length);
  try {
    const [x, y] = splitTensors(d, 'train', model);
    const B = Math.max(1, Math.min(cfg.train?.batch_size ?? 32, x.shape[0]!));
    const idx = Uint32Array.from({ length: B }, (_, i) => i);
    model.trainStep(x, y, idx, 0, B); // the first step allocates and packs
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) model.trainStep(x, y, idx, 0, B);
    return (performance.now() - t0) / 1000 / (steps * B);
  } finally {
    model.dispose();
  }
}

const gradNorms = new WeakMap<TrialEnv, Map<string, Promise<number>>>();

/**
 * The largest global gradient norm (before clipping) over the first training steps of a config (one epoch, at
 * most `steps` batches), measured once per config and study. The auto strategy skips clipnorm values it would
 * never reach.
 */
export function gradientNorm(env: TrialEnv, cfg: RawConfig, steps = 50): Promise<number> {
  const byCfg = gradNorms.get(env) ?? new Map<string, Promise<number>>();
  gradNorms.set(env, byCfg);
  const key = JSON.stringify({ ...cfg, tune: undefined });
  let v = byCfg.get(key);
  if (!v) {
    v = measureGradientNorm(env, cfg, steps).catch(() => Infinity);
    byCfg.set(key, v);
  }
  return v;
}

async function measureGradientNorm(env: TrialEnv, cfg: RawConfig, steps: number): Promise<number> {
  const d = await prepareFor(env, cfg);
  const model = compiledModel(env.loaded.file, cfg, d.features.length);
  try {
    model.clipnorm = undefined;
    model.clipvalue = undefined;
    const [x, y] = splitTensors(d, 'train', model);
    const N = x.shape[0]!,
      B = Math.max(1, Math.min(cfg.train?.batch_size ?? 32, N));
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

/** Runs a created (running) trial to its end and records the result. Never throws for a failing trial. */
export async function runTrial(env: TrialEnv, trial: FrozenTrial): Promise<FrozenTrial> {
  const started = performance.now();
  const histories: Record<string, number[]>[] = [];
  try {
    const cfg = applyParams(env.base, trial.params);
    const d = await prepareFor(env, cfg);
    const values: number[] = [];
    let pruned = false;
    for (let r = 0; r < env.repeats; r++) {
      const model = compiledModel(env.loaded.file, cfg, d.features.length, (cfg.seed ?? 42) + r);
      checkOutputWidth(env.loaded.file, cfg, model, d);
      const rep = new Reporter(env, trial, r === 0);
      const t = cfg.train!;
      const h = await model.fit(...splitTensors(d, 'train', model), {
        epochs: t.epochs,
        batchSize: t.batch_size,
        shuffle: t.shuffle,
        validationData: splitTensors(d, 'val', model),
        callbacks: [...callbacksOf(cfg), rep],
        schedule: scheduleOf(cfg),
        onWarning: () => {},
      });
      histories.push(h.history);
      values.push(rep.best);
      model.dispose();
      if (rep.pruned) {
        pruned = true;
        break;
      }
      if (h.diverged) break;
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    const first = histories[0]!;
    const diag = diagnose(first, { config: cfg });
    const attrs = {
      history: { loss: first.loss, val_loss: first.val_loss },
      values,
      spread: sd,
      seconds: (performance.now() - started) / 1000,
      epochs: first.loss!.length,
      diagnosis: { pattern: diag.pattern, confidence: diag.confidence, advice: diag.advice },
    };
    if (!Number.isFinite(mean))
      return await env.storage.finishTrial(env.study, trial.number, 'failed', null, {
        error: `the objective was ${mean} (diverged)`,
        attrs,
      });
    return await env.storage.finishTrial(env.study, trial.number, pruned ? 'pruned' : 'complete', mean, { attrs });
  } catch (e) {
    return env.storage.finishTrial(env.study, trial.number, 'failed', null, {
      error: (e as Error).message,
      attrs: { history: histories[0] ?? null, seconds: (performance.now() - started) / 1000 },
    });
  }
}
