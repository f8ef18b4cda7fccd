// The tune: section of a config read into TuneSettings: the strategy, the objective, the trial and
// time budgets, the pruner, the storage (a relative SQLite file sits beside the config) and the space.
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { ConfigError, type RawConfig } from '../config/index.js';
import { storageUrlFrom } from '../storage/index.js';
import { AshaPruner, HyperbandPruner, MedianPruner, type Pruner } from './pruners/index.js';
import { parseSpace } from './space.js';
import type { Strategy, TuneSettings } from './types.js';

export function parseDuration(v: unknown, key: string): number {
  if (v === undefined) return Infinity;
  if (typeof v === 'number' && v > 0) return v;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(v.trim()) : null;
  if (!m) throw new ConfigError(`${key}: expected a duration like 30m, 2h or 900s, received ${JSON.stringify(v)}`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
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
  const pruner = prunerOf(t.pruner, cfg.train?.epochs ?? 50, file);
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
    heartbeat: parseDuration(t.heartbeat ?? 10, `${file}: tune.heartbeat`),
    retries: retriesOf(t.retries, file),
    storage: storageUrlFrom((t.storage as string | undefined) ?? 'sqlite:seqtune.db', dirname(file)),
    space,
    order: t.order as string[] | undefined,
    seed: cfg.seed ?? 42,
  };
}

/** tune.retries: how many times a stale or interrupted trial is enqueued again (0: never). */
function retriesOf(v: unknown, file: string): number {
  if (v === undefined) return 1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new ConfigError(`${file}: tune.retries: expected a non-negative integer, received ${JSON.stringify(v)}`);
  return v;
}

/** tune.pruner: a name, or {name: options}; epochs (train.epochs) bounds the successive-halving pruners. */
function prunerOf(value: unknown, epochs: number, file: string): Pruner | undefined {
  const p = value as Record<string, Record<string, number>> | string | undefined;
  if (!p) return undefined;
  const [name, o] = typeof p === 'string' ? [p, {}] : Object.entries(p)[0]!;
  if (name === 'median') return new MedianPruner(o.startup_trials ?? 5, o.warmup_epochs ?? 2);
  if (name === 'asha') return new AshaPruner(o.min_epochs ?? 1, o.reduction_factor ?? 3, epochs);
  if (name === 'hyperband') return new HyperbandPruner(o.min_epochs ?? 1, epochs, o.reduction_factor ?? 3);
  throw new ConfigError(`${file}: tune.pruner: expected median, asha or hyperband, received ${JSON.stringify(name)}`);
}
