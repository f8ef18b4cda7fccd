// Search spaces from the `tune: space:` section: each key is a config path (model.layers[0].gru.units,
// train.optimizer.adam.learning_rate, ...) and each value a distribution:
//   [a, b, c]                      categorical (a list of values)
//   {choice: [...]}                categorical, for values that are lists themselves (model.layers)
//   {uniform: [lo, hi]} / {loguniform: [lo, hi]}
//   {int: [lo, hi], log: true}     integers
//   {stack: {cell: gru, layers: [1, 2], units: [32, 64]}}   model.layers as a grid of depth x units
//   ... when: {other.path: value}  conditional: sampled only when another parameter has that value
import { ConfigError } from '../config/index.js';

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
  new ConfigError(`tune.space.${key}: expected ${what}, received ${JSON.stringify(got)}`);

/** Expands {stack: {...}} into the list of layer stacks it stands for (each ends in the output head). */
export function stackChoices(spec: Record<string, unknown>, headUnits: number): unknown[] {
  const cell = (spec.cell as string) ?? 'gru';
  const depths = (spec.layers as number[]) ?? [1];
  const units = (spec.units as number[]) ?? [64];
  const extra = (spec.options as Record<string, unknown>) ?? {};
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
    if (Array.isArray(v)) {
      if (v.length === 0) throw err(name, 'a non-empty list', v);
      space.push({ name, dist: { kind: 'categorical', values: v } });
      continue;
    }
    if (v === null || typeof v !== 'object')
      throw err(name, 'a list of values or {uniform|loguniform|int|choice|stack: ...}', v);
    const o = v as Record<string, unknown>;
    const when = o.when as Record<string, unknown> | undefined;
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
      dist = { kind: 'categorical', values: stackChoices(o.stack as Record<string, unknown>, headUnits) };
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
      dist = { kind: 'int', lo, hi, log: Boolean(o.log) };
    } else throw err(name, 'one of choice, stack, uniform, loguniform, int', v);
    space.push({ name, dist, when });
  }
  return space;
}

/** Is a parameter active given the values chosen so far? */
export const isActive = (p: Param, params: Params): boolean =>
  !p.when || Object.entries(p.when).every(([k, v]) => JSON.stringify(params[k]) === JSON.stringify(v));

/** Sets a value at a config path like model.layers[0].gru.units (creating objects on the way). */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let o: Record<string, unknown> = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i]!;
    if (o[k] === undefined || o[k] === null || typeof o[k] !== 'object') {
      throw new ConfigError(`tune.space.${path}: the config has no "${parts.slice(0, i + 1).join('.')}" to change`);
    }
    o = o[k] as Record<string, unknown>;
  }
  o[parts[parts.length - 1]!] = value;
}

export function getPath(obj: unknown, path: string): unknown {
  let o = obj;
  for (const k of path.replace(/\[(\d+)\]/g, '.$1').split('.'))
    o = o == null ? undefined : (o as Record<string, unknown>)[k];
  return o;
}

/** The config with the trial's parameters applied (a deep copy). Optimizer paths follow a renamed optimizer. */
export function applyParams<T>(config: T, params: Params): T {
  const c = structuredClone(config) as Record<string, unknown>;
  for (const [k, v] of Object.entries(params)) {
    if (k.startsWith('train.optimizer.') && k.split('.').length === 4) {
      const [, , name, opt] = k.split('.') as [string, string, string, string];
      const train = c.train as Record<string, unknown>;
      const cur = train.optimizer as Record<string, Record<string, unknown>>;
      if (!cur[name]) train.optimizer = { [name]: { ...(Object.values(cur)[0] ?? {}) } };
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
