// The tune: section of a config read into TuneSettings: checked by its zod schema (tuneSchema, with "did you mean"
// for a near-miss key, as the rest of the config), then the strategy, the objective (a key every epoch reports),
// the trial and time budgets, the pruner, the storage (a relative SQLite file sits beside the config) and the space
// (each key a real path of the config: checkSpace).
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ConfigError, epochKeys, metricsIssue, type RawConfig, unknownKeyHint } from '../config/index.js';
import {
  bool,
  didYouMean,
  e,
  firstIssue,
  issueSentence,
  nearestName,
  nonNegInt,
  oneOf,
  posInt,
  posNum,
  showValue,
  str,
  valueAt,
} from '../registry.js';
import { storageUrlFrom, storageUrlProblem } from '../storage/index.js';
import { metricRegistry } from '../train/index.js';
import { AshaPruner, HyperbandPruner, MedianPruner, type Pruner } from './pruners/index.js';
import type { TpeOptions } from './samplers/index.js';
import { checkSpace, gridOf, parseSpace, type Space } from './space.js';
import type { Strategy, TuneSettings } from './types.js';

export function parseDuration(v: unknown, key: string): number {
  if (v === undefined) return Infinity;
  if (typeof v === 'number' && v > 0) return v;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(v.trim()) : null;
  const seconds = m ? Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1) : 0;
  if (!(seconds > 0))
    throw new ConfigError(`${key}: expected a positive duration like 30m, 2h or 900s, received ${JSON.stringify(v)}`);
  return seconds;
}

/** Trials a study runs when tune.trials is not set and neither is a time budget. */
const DEFAULT_TRIALS = 20;
const durationSchema = z.union([posNum(), str()], e('a duration like 30m, 2h or 900s'));
const factor = () => z.number(e('an integer >= 2')).int(e('an integer >= 2')).min(2, e('an integer >= 2'));
/** Each pruner's options, as tune.pruner writes them: `{asha: {min_epochs: 5, reduction_factor: 3}}`. */
const PRUNER_OPTIONS = {
  median: z.strictObject({ startup_trials: nonNegInt().optional(), warmup_epochs: nonNegInt().optional() }),
  asha: z.strictObject({ min_epochs: posInt().optional(), reduction_factor: factor().optional() }),
  hyperband: z.strictObject({ min_epochs: posInt().optional(), reduction_factor: factor().optional() }),
} as const;
type PrunerName = keyof typeof PRUNER_OPTIONS;
const PRUNERS = Object.keys(PRUNER_OPTIONS) as PrunerName[];

/** The tune: section. Unknown keys are errors (with the nearest known key); space is checked by checkSpace. */
export const tuneSchema = z.strictObject(
  {
    strategy: oneOf(['auto', 'ofat', 'grid', 'random', 'tpe']).optional(),
    objective: str('the name of an epoch log such as val_loss').optional(),
    trials: posInt().optional(),
    time_budget: durationSchema.optional(),
    repeats: posInt().optional(),
    jobs: posInt().optional(),
    pruner: z.unknown().optional(),
    storage: str('a storage URL such as sqlite:seqtune.db').optional(),
    space: z.record(z.string(), z.unknown(), e('{config.path: distribution}')).optional(),
    order: z.array(str('a key of tune.space'), e('a list of keys of tune.space')).optional(),
    heartbeat: durationSchema.optional(),
    retries: nonNegInt().optional(),
    sampler: z
      .strictObject(
        {
          tpe: z.strictObject(
            { multivariate: bool().optional(), n_startup: nonNegInt().optional(), constant_liar: bool().optional() },
            e('{multivariate, n_startup, constant_liar}'),
          ),
        },
        e('{tpe: {multivariate, n_startup, constant_liar}}'),
      )
      .optional(),
  },
  e('the tune: section (strategy, objective, trials, space, ...)'),
);
export type TuneSection = z.infer<typeof tuneSchema>;

/**
 * The trials a run of the study may start: --trials, else tune.trials; a --time-budget given without either lifts the
 * default of 20, as a time budget in the config does.
 */
export function trialLimit(s: TuneSettings, cfg: RawConfig, o: { trials?: number; timeBudget?: number }): number {
  if (o.trials !== undefined) return o.trials;
  return o.timeBudget !== undefined && cfg.tune?.trials === undefined ? Infinity : s.trials;
}

/** tune.storage as written, else the default; a value that is no storage URL is an error naming the key. */
function checkedStorage(url: string | undefined, file: string): string {
  const problem = url === undefined ? null : storageUrlProblem(url);
  if (problem) throw new ConfigError(`${file}: tune.storage: ${problem}`);
  return url ?? 'sqlite:seqtune.db';
}

/** `schema` applied to the value at `base` of `root`; a failure is one line naming the file and key path. */
function checked<S extends z.ZodType>(file: string, schema: S, root: unknown, base: PropertyKey[]): z.output<S> {
  const r = schema.safeParse(valueAt(root, base));
  if (r.success) return r.data;
  const issue = firstIssue(r.error.issues);
  const sentence = issueSentence(issue, base, (p) => showValue(valueAt(root, p)));
  throw new ConfigError(`${file}: ${sentence}${unknownKeyHint(schema, issue)}`);
}

export function tuneSettings(cfg: RawConfig, file: string): TuneSettings {
  const t = checked(file, tuneSchema.optional(), cfg, ['tune']) ?? {};
  const strategy: Strategy = t.strategy ?? 'auto';
  const H = (cfg.data.horizon ?? 1) * (Array.isArray(cfg.data.target) ? cfg.data.target.length : 1);
  const space = withFile(file, () => parseSpace(t.space ?? {}, H));
  if (strategy !== 'auto' && space.length === 0)
    throw new ConfigError(`${file}: tune.space: strategy ${strategy} needs at least one parameter to search`);
  checkSpace(space, cfg, file, strategy !== 'auto');
  if (strategy === 'grid') withFile(file, () => gridOf(space)); // a continuous range has no grid
  if (t.sampler && strategy !== 'tpe')
    throw new ConfigError(`${file}: tune.sampler.tpe: applies to strategy tpe, received strategy ${strategy}`);
  if (t.order && strategy !== 'ofat')
    throw new ConfigError(`${file}: tune.order: applies to strategy ofat, received strategy ${strategy}`);
  const keys = space.map((p) => p.name);
  for (const [i, k] of (t.order ?? []).entries())
    if (!keys.includes(k))
      throw new ConfigError(
        `${file}: tune.order[${i}]: "${k}" is not a key of tune.space${didYouMean(nearestName(k, keys))}`,
      );
  return {
    strategy,
    objective: objectiveOf(t.objective ?? 'val_loss', cfg, file),
    // A time budget alone ends the study when it is spent, as Optuna's timeout without n_trials (a default of 20
    // trials stopped the demo's 10-minute auto study after 23 seconds).
    trials: t.trials ?? (t.time_budget === undefined ? DEFAULT_TRIALS : Infinity),
    timeBudget: parseDuration(t.time_budget, `${file}: tune.time_budget`),
    repeats: t.repeats ?? 1,
    jobs: t.jobs ?? Math.max(1, Math.floor(availableParallelism() / (cfg.train?.threads ?? 1))),
    pruner: prunerOf(t.pruner, cfg.train?.epochs ?? 50, file, longestEpochs(space, cfg.train?.epochs ?? 50)),
    heartbeat: parseDuration(t.heartbeat ?? 10, `${file}: tune.heartbeat`),
    retries: t.retries ?? 1,
    storage: storageUrlFrom(checkedStorage(t.storage, file), dirname(file)),
    space,
    order: t.order,
    tpe: tpeOptionsOf(t.sampler?.tpe),
    seed: cfg.seed ?? 42,
  };
}

/** tune.sampler.tpe as TpeSampler's options (snake_case keys to camelCase; unset keys keep the defaults). */
function tpeOptionsOf(o: { multivariate?: boolean; n_startup?: number; constant_liar?: boolean } = {}): TpeOptions {
  const out: TpeOptions = {};
  if (o.multivariate !== undefined) out.multivariate = o.multivariate;
  if (o.n_startup !== undefined) out.nStartup = o.n_startup;
  if (o.constant_liar !== undefined) out.constantLiar = o.constant_liar;
  return out;
}

/** Runs `f`, giving a ConfigError it throws the file's name in front (messages of space.ts start at the key). */
function withFile<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ConfigError && !err.message.startsWith(`${file}:`))
      throw new ConfigError(`${file}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * tune.objective must be a value every epoch of a trial reports (loss, val_loss, a metric of train.metrics or its
 * val_ form); a name no epoch reports would make every trial look diverged.
 */
function objectiveOf(objective: string, cfg: RawConfig, file: string): string {
  const keys = epochKeys(cfg).filter((k) => k !== 'lr');
  if (keys.includes(objective)) return objective;
  const metric = metricRegistry.find(objective.replace(/^val_/, ''));
  const near = nearestName(objective, keys);
  // a percentage metric is refused on scaled or relative targets (metricsIssue): adding it would be refused next
  const added = metric && metricsIssue({ data: cfg.data, train: { ...cfg.train, metrics: [metric.name] } });
  const hint = added
    ? `; ${metric.name} is not taken here: ${added.replace(/^train\.metrics\[0\]: /, '')}`
    : metric
      ? `; add ${metric.name} to train.metrics to tune on it`
      : near !== undefined
        ? ` (did you mean "${near}"?)`
        : '';
  throw new ConfigError(
    `${file}: tune.objective: expected a value every epoch reports (${keys.join(', ')}), ` +
      `received ${JSON.stringify(objective)}${hint}`,
  );
}

/** The most epochs a trial trains: train.epochs, or the largest value of it the space searches. */
function longestEpochs(space: Space, epochs: number): number {
  const d = space.find((p) => p.name === 'train.epochs')?.dist;
  const values = !d ? [] : d.kind === 'categorical' ? d.values.filter((v) => typeof v === 'number') : [d.hi];
  return Math.max(epochs, ...values);
}

/**
 * tune.pruner: a name, or {name: options}; epochs (train.epochs) bounds the successive-halving pruners; `longest`, the
 * most epochs a trial of the space trains, the median pruner's warmup.
 */
function prunerOf(value: unknown, epochs: number, file: string, longest = epochs): Pruner | undefined {
  if (value === undefined || value === null) return undefined;
  const entries = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
  const [name, given] = typeof value === 'string' ? [value, {}] : entries.length === 1 ? entries[0]! : ['', {}];
  if (!PRUNERS.includes(name as PrunerName)) {
    const near = nearestName(name, PRUNERS);
    const got = typeof value === 'string' || entries.length === 1 ? JSON.stringify(name) : showValue(value);
    throw new ConfigError(
      `${file}: tune.pruner: expected median, asha or hyperband, or {name: {options}}, received ${got}` +
        (near ? ` (did you mean "${near}"?)` : ''),
    );
  }
  const n = name as PrunerName;
  const o = checked(file, PRUNER_OPTIONS[n], { tune: { pruner: { [n]: given ?? {} } } }, ['tune', 'pruner', n]);
  const p = o as { startup_trials?: number; warmup_epochs?: number; min_epochs?: number; reduction_factor?: number };
  if (n === 'median') {
    checkActs(file, 'median.warmup_epochs', p.warmup_epochs, 2, longest, 'it judges a trial only after them');
    return new MedianPruner(p.startup_trials ?? 5, p.warmup_epochs ?? 2);
  }
  checkActs(file, `${n}.min_epochs`, p.min_epochs, 1, epochs, 'its first rung is at that epoch');
  if (n === 'asha') return new AshaPruner(p.min_epochs ?? 1, p.reduction_factor ?? 3, epochs);
  return new HyperbandPruner(p.min_epochs ?? 1, epochs, p.reduction_factor ?? 3);
}

/**
 * A pruner whose first decision comes at or after train.epochs never stops a trial (asha with min_epochs 9 of 9
 * epochs, median's 2 warmup epochs of 2): accepted, it ran the study as if there were none, saying nothing.
 */
function checkActs(file: string, key: string, given: number | undefined, def: number, epochs: number, why: string) {
  const v = given ?? def;
  if (v >= epochs)
    throw new ConfigError(
      `${file}: tune.pruner.${key}: expected fewer than the epochs of a trial (${epochs}), received ${v}` +
        `${given === undefined ? ' (the default)' : ''}: ${why}, so it would never stop a trial`,
    );
}
