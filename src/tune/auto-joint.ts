// What `auto` does with the budget its plan leaves (the rounds, the finer steps and the seed repeats are over and
// time is left): a joint search over the factors the plan swept, by TPE (samplers/tpe.ts), modelled on every trial
// the plan ran in the best configuration's context, so what one factor at a time cannot see (a learning rate that
// suits more units) is looked for together. A configuration that beats the best mean over seeds on its one seed is
// repeated with more seeds first, since auto's final choice is by that mean (auto-ensemble.ts): a lucky draw is
// checked before the study can end on it. On the demo study the plan ran out after 2.4 of 10 minutes.
import { configSchema } from '../config/index.js';
import { Rng } from '../nn/random.js';
import type { FrozenTrial } from '../storage/index.js';
import { EXTRA_SEEDS, type Replay, type Step, withValue } from './auto-replay.js';
import { keptByParams, TpeSampler } from './samplers/index.js';
import { seedGroups } from './seeds.js';
import { applyParams, canonical, getPath, isInside, type Param, type Params, setPath } from './space.js';
import { prepareFor } from './trial.js';

export const JOINT = 'joint search after the plan';
export const isJoint = (t: FrozenTrial): boolean => String(t.attrs.why ?? '').startsWith(JOINT);
/** Seed repeats of a configuration ahead of the best mean over seeds with fewer seeds. */
const CHECK = 'repeats with more seeds of a configuration ahead of the best mean over seeds';
/** Draws tried before the phase gives up (each a repeat, an invalid config or too long for the time left). */
const DRAWS = 24;

/** A value compared by content (undefined too: a regularizer that is not set is one of the values tried). */
const key = (v: unknown): string => (v === undefined ? 'undefined' : canonical(v));
/** Whether a config has the object a path sets a value in (the value itself may be absent: no regularizer). */
const reachable = (cfg: unknown, k: string): boolean => {
  const cut = Math.max(k.lastIndexOf('.'), k.lastIndexOf('['));
  const parent = cut < 0 ? cfg : getPath(cfg, k.slice(0, cut));
  return parent !== null && typeof parent === 'object';
};

/** A trial's config (its params applied to the base), computed once per trial and proposal. */
type CfgOf = (t: FrozenTrial) => unknown;

/** A factor's value in a trial's config and that value's key. */
interface Factor {
  value: unknown;
  key: string;
}
/** A trial's factor by the factor's path, read once per trial (its params) and path. */
type FactorOf = (t: FrozenTrial, name: string) => Factor;

/** A dimension of the joint search: a factor, its distribution, and for a categorical its values by index. */
interface Dim {
  param: Param;
  choices?: unknown[];
  /** The choices' keys, in their order. */
  keys?: string[];
}

/**
 * The factors to search jointly: every parameter the plan's trials set, the seed aside. A whole value (a model.layers
 * list, an optimizer) that another factor reaches inside stays at the best configuration's, and the factor inside
 * is searched, where the best configuration has it (else the whole value is searched and the factor inside goes).
 * Numbers take the range the plan tried (log scale when positive; integers stay integers); other values are
 * categorical over those tried. A factor with one value in the context is no dimension.
 */
function dimsOf(keys: readonly string[], context: readonly FrozenTrial[], factorOf: FactorOf, bestCfg: unknown): Dim[] {
  const kept = keys.filter((k) => {
    if (!reachable(bestCfg, k)) return false;
    return !keys.some((s) => isInside(s, k) && reachable(bestCfg, s));
  });
  const dims: Dim[] = [];
  for (const name of kept) {
    const byKey = new Map<string, unknown>(); // each key's last value, in the order the keys come
    for (const t of context) {
      const f = factorOf(t, name);
      byKey.set(f.key, f.value);
    }
    const distinct = [...byKey.values()];
    if (distinct.length < 2) continue;
    if (distinct.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      const nums = distinct as number[];
      const lo = Math.min(...nums),
        hi = Math.max(...nums);
      const kind = nums.every(Number.isInteger) ? 'int' : 'float';
      dims.push({ param: { name, dist: { kind, lo, hi, log: lo > 0 } } });
    } else
      dims.push({
        param: { name, dist: { kind: 'categorical', values: distinct.map((_, i) => i) } },
        choices: distinct,
        keys: [...byKey.keys()],
      });
  }
  return dims;
}

/** The configuration with the dimensions' factors taken out: two trials in one context have the same. */
function contextKey(cfg: unknown, names: readonly string[]): string | null {
  const c = structuredClone(cfg) as Record<string, unknown>;
  delete c.seed;
  try {
    for (const n of names) setPath(c, n, null);
  } catch {
    return null; // the factor's path is not there: another model shape than the best's
  }
  return key(c);
}

/**
 * What the phase keeps between the trials it proposes, by base config: the trials' context keys and factors, by their
 * params. The phase reads every trial's context key and each factor's value four times for each trial it proposes,
 * and a trial's params do not change. Made again each time, a 1,400-trial auto study on the demo spent 16 of every 65
 * seconds of its main thread in contextKey; with the keys kept, at 2,500 trials the factors' values and keys (getPath
 * and canonical for each trial, factor and pass) were 68 of the 93 MB a proposal allocated and 31 of the 45 s of main
 * thread auto took in two minutes of the study. The trials' configs are not kept between proposals: only a new set
 * of names or a new trial reads them, and they were 6 of the 13 MB the phase held at 2,500 trials.
 */
interface Kept {
  /** By the names' key, then by params: only the name sets the last proposal asked for are kept (one per trial). */
  contexts: Map<string, Map<string, string | null>>;
  used: Set<string>;
  /** By params, then by the factor's path. */
  factors: Map<string, Map<string, Factor>>;
}
const kept = new WeakMap<object, Kept>();
function keptFor(base: object): Kept {
  const k = kept.get(base) ?? { contexts: new Map(), used: new Set(), factors: new Map() };
  kept.set(base, k);
  return k;
}
/** The kept context keys for these names (marked as used by this proposal). */
function contextKeysOf(base: object, names: readonly string[]): Map<string, string | null> {
  const { contexts, used } = keptFor(base);
  const n = names.join('\n');
  used.add(n);
  const of = contexts.get(n) ?? new Map<string, string | null>();
  contexts.set(n, of);
  return of;
}

const noFactors = () => new Map<string, Factor>();
/** A trial's factor, kept (keptFor): the value at the path in its config, and the value's key. */
function factorOf(base: object, t: FrozenTrial, cfgOf: CfgOf, name: string): Factor {
  const of = keptByParams(keptFor(base).factors, t.params, noFactors);
  let f = of.get(name);
  if (!f) {
    const value = getPath(cfgOf(t), name);
    f = { value, key: key(value) };
    of.set(name, f);
  }
  return f;
}

/** A trial as a point of the joint space (a categorical as its value's index), for TPE. */
function pointOf(t: FrozenTrial, factorOf: FactorOf, dims: readonly Dim[]): FrozenTrial {
  const params: Params = {};
  for (const d of dims) {
    const f = factorOf(t, d.param.name);
    params[d.param.name] = d.keys ? d.keys.indexOf(f.key) : f.value;
  }
  return { ...t, params };
}

/**
 * The trials in the best configuration's context: the same configuration but for the factors the plan swept.
 * Found in two passes: the factors swept anywhere give the first context, the dimensions are read from it, and the
 * context is taken again with only those dimensions free (a factor with one value in it is part of the context).
 */
function contextOf(
  r: Replay,
  cfgOf: CfgOf,
  factorOf: FactorOf,
  bestCfg: unknown,
): { dims: Dim[]; context: FrozenTrial[] } {
  const usable = r.trials.filter((t) => t.state === 'complete' || t.state === 'running' || t.state === 'pruned');
  const within = (names: string[]) => {
    const want = contextKey(bestCfg, names);
    const of = contextKeysOf(r.env.base, names);
    return usable.filter((t) => keptByParams(of, t.params, () => contextKey(cfgOf(t), names)) === want);
  };
  const keys = [...new Set(r.trials.flatMap((t) => Object.keys(t.params)))].filter((k) => k !== 'seed').sort();
  let dims = dimsOf(keys, within(keys.filter((k) => reachable(bestCfg, k))), factorOf, bestCfg);
  for (let pass = 0; pass < 2; pass++) dims = dimsOf(keys, within(dims.map((d) => d.param.name)), factorOf, bestCfg);
  return { dims, context: within(dims.map((d) => d.param.name)) };
}

/**
 * The next seed repeat of the best configuration whose mean is below the best mean over a full set of seeds
 * (1 + EXTRA_SEEDS) while it has fewer seeds, or null. One repeat at a time: a configuration whose first repeat
 * lifts its mean above the best stops there (a sequential test), one that stays below gets its full set.
 */
function checkSeeds(r: Replay): { params: Params; why: string } | null {
  const groups = seedGroups(r.env.base, r.trials);
  const full = groups.filter((g) => g.trials.length > EXTRA_SEEDS);
  const bestMean = Math.min(...(full.length ? full : groups.filter((g) => g.trials.length > 1)).map((g) => g.mean));
  if (!Number.isFinite(bestMean)) return null;
  for (const g of groups) {
    if (g.mean >= bestMean) break;
    const t = g.trials.find((x) => !('seed' in x.params));
    if (g.trials.length > EXTRA_SEEDS || !t) continue;
    const missing = r.seedRepeats(t.params).find((p) => !r.done(p) && !r.pending(p));
    const n = g.trials.length;
    if (missing)
      return {
        params: missing,
        why:
          `${CHECK} (#${t.number}: ${g.mean.toPrecision(4)} over ${n} seed${n > 1 ? 's' : ''}, the best mean ` +
          `${bestMean.toPrecision(4)}), so the mean decides`,
      };
  }
  return null;
}

const BATCH = 'train.batch_size';

/**
 * p with a batch size that holds every training window named as the smallest such size the plan ran: each trains as
 * one batch of all the windows, the same training, so a draw of another is a repeat, not a new point. On airline
 * passengers (75 training windows) the joint search drew 106, 115, 118 and 125 beside the sweep's 128, and TPE
 * modelled a factor that changed nothing there. p as it is where the batch size was not searched or is smaller.
 */
async function wholeBatchAs(r: Replay, p: Params, tried: readonly number[]): Promise<Params> {
  if (tried.length === 0) return p;
  const cfg = applyParams(r.env.base, p);
  const b = cfg.train?.batch_size ?? 32;
  const n = (await prepareFor(r.env, cfg)).windows.train.starts.length;
  const name = Math.min(...tried.filter((v) => v >= n));
  return b < n || !Number.isFinite(name) || name === b ? p : withValue(r.env.base, p, BATCH, name);
}

/** The phase: seed checks of lucky draws first, else the next TPE point not run yet; 'done' when there is none. */
export async function joint(r: Replay): Promise<Step> {
  const check = checkSeeds(r);
  if (check && (await r.fits(check.params))) return check;
  const bestCfg = applyParams(r.env.base, r.current);
  const configs = new Map<string, unknown>(); // read only here (contextKey changes a copy)
  const cfgOf: CfgOf = (t) => keptByParams(configs, t.params, () => applyParams(r.env.base, t.params));
  const factor: FactorOf = (t, name) => factorOf(r.env.base, t, cfgOf, name);
  const held = keptFor(r.env.base);
  held.used.clear();
  const { dims, context } = contextOf(r, cfgOf, factor, bestCfg);
  for (const n of held.contexts.keys()) if (!held.used.has(n)) held.contexts.delete(n);
  if (dims.length === 0) return 'done';
  const space = dims.map((d) => d.param);
  const points = context.map((t) => pointOf(t, factor, dims));
  const tpe = new TpeSampler({ nStartup: 0 });
  const names = dims.map((d) => d.param.name).join(', ');
  const why = `${JOINT}: TPE over the ${dims.length} factors it swept (${names}), modelled on ${points.length} trials`;
  const batchesTried = dims.some((d) => d.param.name === BATCH)
    ? context.map((t) => factor(t, BATCH).value).filter((v): v is number => typeof v === 'number')
    : [];
  for (let draw = 0; draw < DRAWS; draw++) {
    const rng = new Rng((r.env.base.seed ?? 42) * 1000003 + r.trials.length * 101 + draw);
    const x = tpe.sample(space, points, rng);
    let p: Params = { ...r.current };
    // a copy: a choice is a part of a kept config (keptFor)
    for (const d of dims)
      p = withValue(
        r.env.base,
        p,
        d.param.name,
        d.choices ? structuredClone(d.choices[x[d.param.name] as number]) : x[d.param.name],
      );
    if (!configSchema.safeParse(applyParams(r.env.base, p)).success) continue;
    p = await wholeBatchAs(r, p, batchesTried);
    if (r.done(p) || r.pending(p)) continue;
    if (!(await r.fits(p))) continue;
    return { params: p, why };
  }
  return 'done';
}
