// Search spaces from the `tune: space:` section: each key is a config path (model.layers[0].gru.units,
// train.optimizer.adam.learning_rate, ...) and each value a distribution:
//   [a, b, c]                      categorical (a list of values)
//   {choice: [...]}                categorical, for values that are lists themselves (model.layers)
//   {uniform: [lo, hi]} / {loguniform: [lo, hi]}
//   {int: [lo, hi], log: true}     integers
//   {stack: {cell: gru, layers: [1, 2], units: [32, 64]}}   model.layers as a grid of depth x units
//   ... when: {other.path: value}  conditional: sampled only when another parameter has that value
// A key is a path of own keys: `__proto__`, `constructor` and `prototype` are never walked or set. In a study
// (tuneSettings), checkSpace also makes sure every key names a real path of the config and every value gives a
// valid config.
import {
  ConfigError,
  checkConfig,
  configSchema,
  type RawConfig,
  resolveConfig,
  unknownKeyHint,
} from '../config/index.js';
import { didYouMean, firstIssue, issueSentence, isUnknownKey, nearestName, showValue, valueAt } from '../registry.js';

export type Distribution =
  | { kind: 'categorical'; values: unknown[] }
  | { kind: 'float'; lo: number; hi: number; log: boolean }
  | { kind: 'int'; lo: number; hi: number; log: boolean };

export interface Param {
  name: string;
  dist: Distribution;
  when?: Record<string, unknown>;
}
export type Space = Param[];
export type Params = Record<string, unknown>;

const err = (key: string, what: string, got: unknown) =>
  new ConfigError(`tune.space.${key}: expected ${what}, received ${showValue(got)}`);

/** Names a path may not walk: they reach the prototypes every object shares. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** The parts of a path like model.layers[0].gru.units; a ConfigError for an empty or forbidden part. */
export function pathParts(path: string, key = `tune.space.${path}`): string[] {
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  const bad = parts.find((p) => p === '' || FORBIDDEN.has(p));
  if (bad !== undefined)
    throw new ConfigError(
      `${key}: expected a config path such as model.layers[0].gru.units, received ${JSON.stringify(path)}` +
        (bad ? ` ("${bad}" is not a config key)` : ''),
    );
  return parts;
}

/** The keys a distribution object may have, besides `when` (and `log` with int). */
const KINDS = ['choice', 'stack', 'uniform', 'loguniform', 'int'];
const STACK_KEYS = ['cell', 'layers', 'units', 'options'];

/**
 * What a key of Optuna's or Ray Tune's spaces that a distribution here does not take is written as instead: a step
 * (suggest_int's step, quniform's q) has no key, its values are a list; a log scale of floats is loguniform.
 */
const INSTEAD: Record<string, string> = {
  step: 'a range with a step is the list of its values ([16, 32, 48, 64])',
  q: 'a range with a step is the list of its values ([16, 32, 48, 64])',
  log: 'a float range on a log scale is {loguniform: [low, high]}',
};

/** Unknown keys of a distribution (or a stack spec) are errors naming the nearest known one. */
function checkKeys(key: string, o: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!known.includes(k))
      throw new ConfigError(
        `tune.space.${key}.${k}: unknown key` +
          (didYouMean(nearestName(k, known)) ||
            `; expected one of ${known.join(', ')}${Object.hasOwn(INSTEAD, k) ? ` (${INSTEAD[k]})` : ''}`),
      );
}

/** Expands {stack: {...}} into the list of layer stacks it stands for (each ends in the output head). */
export function stackChoices(spec: Record<string, unknown>, headUnits: number, key = 'model.layers'): unknown[] {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw err(`${key}.stack`, '{cell, layers, units, options}', spec);
  checkKeys(`${key}.stack`, spec, STACK_KEYS);
  const ints = (k: string, def: number[]): number[] => {
    const v = spec[k] ?? def;
    if (!Array.isArray(v) || !v.length || !v.every((x) => Number.isInteger(x) && x > 0))
      throw err(`${key}.stack.${k}`, 'a non-empty list of positive integers', v);
    return v as number[];
  };
  const cell = spec.cell ?? 'gru';
  if (typeof cell !== 'string') throw err(`${key}.stack.cell`, 'a recurrent layer such as gru or lstm', cell);
  const depths = ints('layers', [1]);
  const units = ints('units', [64]);
  const extra = spec.options ?? {};
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra))
    throw err(`${key}.stack.options`, 'the options of each layer, such as {dropout: 0.1}', extra);
  const out: unknown[] = [];
  for (const d of depths)
    for (const u of units) {
      const layers: unknown[] = [];
      for (let i = 0; i < d; i++)
        layers.push({ [cell]: { units: u, ...extra, ...(i < d - 1 ? { return_sequences: true } : {}) } });
      layers.push({ dense: { units: headUnits } });
      out.push(layers);
    }
  return out;
}

export function parseSpace(raw: Record<string, unknown>, headUnits: number): Space {
  const space: Space = [];
  for (const [name, v] of Object.entries(raw ?? {})) {
    pathParts(name);
    if (Array.isArray(v)) {
      if (v.length === 0) throw err(name, 'a non-empty list', v);
      space.push({ name, dist: { kind: 'categorical', values: v } });
      continue;
    }
    if (v === null || typeof v !== 'object')
      throw err(name, 'a list of values or {uniform|loguniform|int|choice|stack: ...}', v);
    const o = v as Record<string, unknown>;
    const kinds = KINDS.filter((k) => k in o);
    if (kinds.length > 1) throw err(name, 'one of choice, stack, uniform, loguniform, int', v);
    checkKeys(name, o, [...KINDS, 'when', ...('int' in o ? ['log'] : [])]);
    const when = o.when as Record<string, unknown> | undefined;
    if (when !== undefined && (when === null || typeof when !== 'object' || Array.isArray(when)))
      throw err(`${name}.when`, '{other.path: value}', when);
    const range = (k: string): [number, number] => {
      const r = o[k];
      if (
        !Array.isArray(r) ||
        r.length !== 2 ||
        !r.every((x) => typeof x === 'number' && Number.isFinite(x)) ||
        !(r[0] < r[1])
      )
        throw err(`${name}.${k}`, '[low, high] with low < high', r);
      return r as [number, number];
    };
    let dist: Distribution;
    if ('choice' in o) {
      if (!Array.isArray(o.choice) || !o.choice.length) throw err(`${name}.choice`, 'a non-empty list', o.choice);
      dist = { kind: 'categorical', values: o.choice };
    } else if ('stack' in o)
      dist = { kind: 'categorical', values: stackChoices(o.stack as Record<string, unknown>, headUnits, name) };
    else if ('uniform' in o) {
      const [lo, hi] = range('uniform');
      dist = { kind: 'float', lo, hi, log: false };
    } else if ('loguniform' in o) {
      const [lo, hi] = range('loguniform');
      if (lo <= 0) throw err(`${name}.loguniform`, 'positive bounds', o.loguniform);
      dist = { kind: 'float', lo, hi, log: true };
    } else if ('int' in o) {
      const [lo, hi] = range('int');
      if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw err(`${name}.int`, 'integer bounds', o.int);
      if (o.log !== undefined && typeof o.log !== 'boolean') throw err(`${name}.log`, 'true or false', o.log);
      if (o.log && lo <= 0) throw err(`${name}.int`, 'positive bounds with log: true', o.int);
      dist = { kind: 'int', lo, hi, log: Boolean(o.log) };
    } else throw err(name, 'one of choice, stack, uniform, loguniform, int', v);
    space.push({ name, dist, when });
  }
  for (const p of space)
    for (const [k, v] of Object.entries(p.when ?? {})) {
      const q = space.find((q) => q.name === k && q !== p);
      if (!q) throw new ConfigError(`tune.space.${p.name}.when.${k}: expected another key of tune.space`);
      if (!takes(q.dist, v))
        throw err(`${p.name}.when.${k}`, `a value tune.space.${k} takes (${valuesText(q.dist)})`, v);
    }
  return whenOrder(space);
}

/** Whether a parameter can take the value v: a `when:` on a value it never takes would leave a key never sampled. */
const takes = (d: Distribution, v: unknown): boolean =>
  d.kind === 'categorical'
    ? d.values.some((x) => same(x, v))
    : typeof v === 'number' && v >= d.lo && v <= d.hi && (d.kind === 'float' || Number.isInteger(v));

const valuesText = (d: Distribution): string =>
  d.kind === 'categorical'
    ? d.values.map(showValue).join(', ')
    : `${d.kind === 'int' ? 'an integer' : 'a number'} in [${d.lo}, ${d.hi}]`;

/**
 * The space with each parameter after the ones its `when:` names, in the order written otherwise: the samplers draw
 * the parameters in this order and ask isActive of the values drawn so far, so a conditional key written above the
 * key it depends on was never drawn (random, grid and TPE's start-up left it out of every trial). A cycle of `when:`
 * keys can never be drawn: an error.
 */
function whenOrder(space: Space): Space {
  const out: Space = [];
  const left = [...space];
  while (left.length) {
    const i = left.findIndex((p) => Object.keys(p.when ?? {}).every((k) => out.some((q) => q.name === k)));
    if (i < 0) {
      const p = left.find((p) => p.when)!;
      const k = Object.keys(p.when!).find((k) => !out.some((q) => q.name === k))!;
      throw new ConfigError(
        `tune.space.${p.name}.when.${k}: expected a key that does not depend on ${p.name} in turn, received a cycle ` +
          `of when: keys (${left
            .filter((q) => q.when)
            .map((q) => q.name)
            .join(', ')})`,
      );
    }
    out.push(...left.splice(i, 1));
  }
  return out;
}

/** JSON with object keys sorted, so that two configs compare by content. */
export const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );

/**
 * Whether two values are the same configuration value (as stored: JSON), with no JSON when a is b or both are strings
 * (TPE asks it per trial).
 */
export const same = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === 'string' && typeof b === 'string' ? false : JSON.stringify(a) === JSON.stringify(b));

/** Is a parameter active given the values chosen so far? */
export const isActive = (p: Param, params: Params): boolean =>
  !p.when || Object.entries(p.when).every(([k, v]) => same(params[k], v));

/** Sets a value at a config path like model.layers[0].gru.units (creating objects on the way). */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = pathParts(path);
  let o: Record<string, unknown> = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i]!;
    // an optimizer or a loss given by name (loss: huber) is its {name: {}} form where a path goes into its options
    if (typeof o[k] === 'string' && o[k] === parts[i + 1] && Object.hasOwn(o, k)) o[k] = { [o[k] as string]: {} };
    if (!Object.hasOwn(o, k) || o[k] === null || typeof o[k] !== 'object') {
      throw new ConfigError(`tune.space.${path}: the config has no "${parts.slice(0, i + 1).join('.')}" to change`);
    }
    o = o[k] as Record<string, unknown>;
  }
  o[parts[parts.length - 1]!] = value;
}

/** Removes the key at a config path like model.layers[0].gru.dropout, where there is one (the value left out). */
export function deletePath(obj: unknown, path: string): void {
  const parts = pathParts(path);
  const parent = parts.slice(0, -1).reduce<unknown>(step, obj);
  if (parent !== null && typeof parent === 'object') delete (parent as Record<string, unknown>)[parts.at(-1)!];
}

/** One key down a config path: o[k], or undefined where o has no such key. */
const step = (o: unknown, k: string): unknown =>
  o !== null && typeof o === 'object' && Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined;

export function getPath(obj: unknown, path: string): unknown {
  return pathParts(path).reduce<unknown>(step, obj);
}

/**
 * The config with the trial's parameters applied (a deep copy). Optimizer paths follow a renamed optimizer. A key is
 * applied before the keys inside it (`train.optimizer` before `train.optimizer.sgd.momentum`), whatever the order of
 * `params`: the other way round, the outer value replaced the inner one, which the trial still recorded. The values
 * go in as copies: a key inside another was set into the object of the space's list (or the when: naming it) that
 * the outer value was, so checkSpace left {sgd: {..., nesterov: true}} in a when: that no draw then equalled, and a
 * key under it was never sampled.
 */
export function applyParams<T>(config: T, params: Params): T {
  const c = structuredClone(config) as Record<string, unknown>;
  const depth = (k: string) => k.split(/[.[]/).length;
  const entries = Object.entries(structuredClone(params)).sort(([a], [b]) => depth(a) - depth(b)); // stable
  for (const [k, v] of entries) {
    if (k.startsWith('train.optimizer.') && k.split('.').length === 4) {
      const [, , name, opt] = pathParts(k) as [string, string, string, string];
      const train = c.train as Record<string, unknown>;
      // an optimizer given by name (train.optimizer: sgd, a choice of a space) has no options yet
      const named = train.optimizer;
      const cur = (typeof named === 'string' ? { [named]: {} } : named) as Record<string, Record<string, unknown>>;
      train.optimizer = cur;
      if (!Object.hasOwn(cur, name)) train.optimizer = { [name]: { ...(Object.values(cur)[0] ?? {}) } };
      (train.optimizer as Record<string, Record<string, unknown>>)[name]![opt] = v;
      continue;
    }
    setPath(c, k, v);
  }
  return c as T;
}

/** Every combination of the categorical (or int) parameters, for grid search. Floats must be given as lists. */
export function gridOf(space: Space): Params[] {
  let grid: Params[] = [{}];
  for (const p of space) {
    let values: unknown[];
    if (p.dist.kind === 'categorical') values = p.dist.values;
    else if (p.dist.kind === 'int' && p.dist.hi - p.dist.lo <= 32)
      values = Array.from({ length: p.dist.hi - p.dist.lo + 1 }, (_, i) => (p.dist as { lo: number }).lo + i);
    else if (p.dist.kind === 'int')
      throw new ConfigError(
        `tune.space.${p.name}: grid search takes an int range of at most 33 values, received ` +
          `[${p.dist.lo}, ${p.dist.hi}] (${p.dist.hi - p.dist.lo + 1} values); give the values as a list`,
      );
    else
      throw new ConfigError(
        `tune.space.${p.name}: grid search needs a list of values (a continuous range has no grid)`,
      );
    const next: Params[] = [];
    for (const g of grid) {
      if (!isActive(p, g)) {
        next.push(g);
        continue;
      }
      for (const v of values) next.push({ ...g, [p.name]: v });
    }
    grid = next;
  }
  return grid;
}

/** The values of a parameter a trial may take, for checking: a categorical's values, a range's two ends. */
const valuesOf = (d: Distribution): unknown[] => (d.kind === 'categorical' ? d.values : [d.lo, d.hi]);

/**
 * Checks that each key of the space names a real path of the config (`train.batch_size`, not `train.batchsize`)
 * and that each of its values (each end of a range) gives a valid config, by applying it to `cfg` and validating
 * the result as a config file is validated. One ConfigError naming the file, the key and what is wrong. `together`
 * (default): the keys' values go into one trial together, so a key inside another must be inside its values and
 * options of two optimizers cannot both apply; false for auto, which changes one key at a time and puts a value
 * inside one its configuration already sets (auto-replay.ts, withValue).
 */
export function checkSpace(space: Space, cfg: RawConfig, file: string, together = true): void {
  const resolved = resolveConfig(cfg, cfg.name ?? 'study');
  for (const p of space) {
    const head = pathParts(p.name)[0]!;
    if (!['seed', 'data', 'model', 'train', 'evaluate'].includes(head))
      throw new ConfigError(
        `${file}: tune.space.${p.name}: expected a path in seed, data, model, train or evaluate, received ` +
          `${JSON.stringify(p.name)}${didYouMean(nearestName(head, ['seed', 'data', 'model', 'train', 'evaluate']))}`,
      );
    // every trial trains on the threads the study gives it (the cores over its jobs), whatever it sampled: a trial
    // recorded train.threads 1 and trained on 2
    if (p.name === 'train.threads')
      throw new ConfigError(
        `${file}: tune.space.train.threads: expected a key that changes what a trial learns, received one that ` +
          'changes how fast it trains (the study shares the cores between its jobs); set train.threads or --threads',
      );
    // a conditional parameter is only ever applied with the values its when: names: it is checked with them
    for (const v of valuesOf(p.dist)) checkValue(p.name, v, resolved, file, p.when);
    if (together) for (const q of space) if (isInside(p.name, q.name)) checkInside(p, q, resolved, file);
  }
  if (together) checkOneOptimizer(space, file);
  if (together) for (const p of space) checkOptimizerTrained(p, space, resolved, file);
}

/** The optimizer a key sets an option of (train.optimizer.sgd.momentum: sgd), else undefined. */
const optimizerIn = (name: string): string | undefined => /^train\.optimizer\.([^.[]+)\.[^.[]+$/.exec(name)?.[1];

/**
 * An option of an optimizer the config does not train (train.optimizer.sgd.momentum in a config of adam), with no
 * train.optimizer in the space to choose that one: applying it renamed the optimizer (applyParams), so every trial
 * trained sgd with adam's options (its learning rate 0.003 for sgd's default 0.01) while the config said adam, where a
 * path of a layer the config does not have (model.layers[0].lstm.units for a gru) is refused.
 */
function checkOptimizerTrained(p: Param, space: Space, cfg: RawConfig, file: string): void {
  const opt: unknown = cfg.train?.optimizer,
    name = optimizerIn(p.name),
    current = typeof opt === 'string' ? opt : Object.keys(opt ?? {})[0];
  if (!name || !current || name === current || space.some((q) => q.name === 'train.optimizer')) return;
  throw new ConfigError(
    `${file}: tune.space.${p.name}: not a path of the config (its optimizer is ${current}, not ${name}); set ` +
      `train.optimizer: ${name}, or search both with train.optimizer: [${current}, ${name}] in the space and ` +
      `when: {train.optimizer: ${name}} on this key`,
  );
}

/** Whether two parameters are never sampled together: their when: names one key with different values. */
const exclusive = (p: Param, q: Param): boolean =>
  Object.entries(p.when ?? {}).some(([k, v]) => q.when && Object.hasOwn(q.when, k) && !same(q.when[k], v));

/**
 * Options of two optimizers (train.optimizer.adam.learning_rate and train.optimizer.sgd.learning_rate) sampled
 * together: a trial has one optimizer, and the key applied last renamed it (applyParams), so every trial trained
 * with that one while it recorded a value of the other.
 */
function checkOneOptimizer(space: Space, file: string): void {
  for (const [i, p] of space.entries())
    for (const q of space.slice(i + 1)) {
      const a = optimizerIn(p.name),
        b = optimizerIn(q.name);
      if (a && b && a !== b && !exclusive(p, q))
        throw new ConfigError(
          `${file}: tune.space.${q.name}: expected options of one optimizer, received ${b}'s beside ` +
            `tune.space.${p.name} (${a}'s): a trial trains with one; to search over optimizers give train.optimizer ` +
            `a list of them and each option when: {train.optimizer: ...}`,
        );
    }
}

/** Whether the config path `inner` lies inside `outer` (model.layers[0].gru.units inside model.layers). */
export const isInside = (inner: string, outer: string): boolean =>
  inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);

/**
 * A parameter p inside another one q (train.optimizer.adam.learning_rate inside train.optimizer) is applied after q,
 * into q's value: each value of q it can be sampled with (the one its `when:` names, else every one) must have p's
 * path and keep what it is (an optimizer that a learning rate of another optimizer would rename), else p's value is
 * dropped or q's choice undone while the trial records both.
 */
function checkInside(p: Param, q: Param, cfg: RawConfig, file: string): void {
  const rest = p.name.slice(q.name.length).replace(/^\./, '');
  const pv = valuesOf(p.dist)[0];
  const sampledWith = p.when && Object.hasOwn(p.when, q.name) ? [p.when[q.name]] : valuesOf(q.dist);
  for (const qv of sampledWith) {
    const outer = applyParams(cfg, { [q.name]: qv });
    let kept = true;
    try {
      setPath(outer, p.name, pv); // exactly at p's path, where q's value has it
      kept = same(getPath(applyParams(cfg, { [q.name]: qv, [p.name]: pv }), q.name), getPath(outer, q.name));
    } catch {
      kept = false;
    }
    if (!kept)
      throw new ConfigError(
        `${file}: tune.space.${p.name}: expected a path inside each value of tune.space.${q.name} it is sampled ` +
          `with, received one that the value ${showValue(qv)} has not (${rest}); give it when: {${q.name}: ...} ` +
          'naming a value that has it',
      );
  }
}

function checkValue(name: string, v: unknown, cfg: RawConfig, file: string, when: Params = {}): void {
  const where = `${file}: tune.space.${name}`;
  let applied: RawConfig;
  try {
    applied = applyParams(cfg, { ...when, [name]: v });
  } catch (e) {
    const why = (e as Error).message.replace(`tune.space.${name}: `, '');
    throw new ConfigError(`${where}: not a path of the config (${why})`, { cause: e });
  }
  const r = configSchema.safeParse(applied);
  if (!r.success) {
    const issue = firstIssue(r.error.issues);
    const sentence = issueSentence(issue, [], (q) => showValue(valueAt(applied, q)));
    const hint = unknownKeyHint(configSchema, issue);
    if (isUnknownKey(issue)) throw new ConfigError(`${where}: not a key of the config (${sentence}${hint})`);
    throw new ConfigError(`${where}: the value ${showValue(v)} gives an invalid config (${sentence}${hint})`);
  }
  try {
    checkConfig(file, r.data);
  } catch (e) {
    const why = (e as Error).message.replace(`${file}: `, '');
    throw new ConfigError(`${where}: the value ${showValue(v)} gives an invalid config (${why})`, { cause: e });
  }
}
