// What `auto` does with the budget a round without gain leaves: finer steps around the best value of each
// numeric factor swept so far (the geometric midpoints between the best value and its nearest tried
// neighbours; integers stay integers), then repeats of the best two configurations with more seeds, so
// the choice between them rests on a mean over seeds rather than on one lucky draw.
import type { FrozenTrial } from '../storage/index.js';
import { isJoint } from './auto-joint.js';
import { FINER, MEASURED_ONLY, type Replay, type Step, withValue } from './auto-replay.js';
import { applyParams, getPath, type Params, same } from './space.js';

const PARTNER = 'a network without the linear path';
const SEEDS = 'repeats with more seeds';

const isFiner = (t: FrozenTrial) => String(t.attrs.why ?? '').includes(FINER);
const isSeed = (t: FrozenTrial) => 'seed' in t.params;

/** Numeric factors the plan has swept, in the order they were first swept. */
function sweptNumbers(trials: readonly FrozenTrial[]): string[] {
  const keys: string[] = [];
  for (const t of trials.filter((x) => !isJoint(x)))
    for (const [k, v] of Object.entries(t.params))
      if (k !== 'seed' && typeof v === 'number' && !keys.includes(k)) keys.push(k);
  return keys;
}

/** Midpoints between the best value of param and its nearest neighbours among the values the sweeps tried. */
export function finerValues(r: Replay, param: string): number[] {
  const value = (p: Params) => getPath(applyParams(r.env.base, p), param);
  const v = value(r.current);
  if (typeof v !== 'number') return [];
  const tried = new Set<number>([value({}) as number]);
  for (const t of r.trials) {
    if (isFiner(t) || isSeed(t) || isJoint(t)) continue; // before the config is made: most trials of a long study
    const x = value(t.params);
    if (typeof x === 'number') tried.add(x);
  }
  const sorted = [...tried].filter(Number.isFinite).sort((a, b) => a - b);
  const ints = sorted.every(Number.isInteger);
  const mid = (a: number, b: number) => {
    const m = a > 0 && b > 0 ? Math.sqrt(a * b) : (a + b) / 2;
    return ints ? Math.round(m) : Number(m.toPrecision(2));
  };
  const lo = sorted.filter((x) => x < v).at(-1),
    hi = sorted.find((x) => x > v);
  const out = [lo, hi].filter((x): x is number => x !== undefined).map((x) => mid(x, v));
  return [...new Set(out)].filter((x) => x !== v && x !== lo && x !== hi);
}

/**
 * When the best configuration has the linear path (`model.linear_skip`), networks without it at the same data: the
 * best configuration with the path taken out, and the config as written at the best's data (a network tuned to
 * correct the ridge is not always the best one on its own). A network without the path errs unlike the ridge, so the
 * end of the study can blend the two (auto-ensemble.ts): on ETTh1 h168 a GRU(64) at lookback 336, 2.4% worse on test
 * than the ridge at 336, blended with it half and half was 3.3% better than the ridge. Measured, never adopted: they
 * stand beside the best, they do not replace it.
 */
export async function plainPartners(r: Replay): Promise<Step> {
  const cfg = applyParams(r.env.base, r.current);
  if (!cfg.model.linear_skip) return 'done';
  const noPath = withValue(
    r.env.base,
    r.current,
    'model.linear_skip',
    r.env.base.model.linear_skip ? false : undefined,
  );
  const asWritten: Params = Object.fromEntries(Object.entries(r.current).filter(([k]) => k.startsWith('data.')));
  const candidates = [noPath, asWritten].filter(
    (c, i, all) => !applyParams(r.env.base, c).model.linear_skip && all.findIndex((d) => same(d, c)) === i,
  );
  const fit: Params[] = [];
  for (const c of candidates) if (r.done(c) || r.pending(c) || (await r.fits(c))) fit.push(c);
  if (fit.length === 0) return 'done';
  const why =
    `${PARTNER} at the best's data (#${r.bestTrial.number}), ` +
    `to blend with the linear baseline at the end (${MEASURED_ONLY})`;
  return r.step({ param: 'model.linear_skip', candidates: fit, why, adopt: false });
}

/**
 * The finer epochs that would train a model not trained yet. A run is the same run as one of the same configuration
 * with more epochs up to its last epoch, and a trial's value is its best epoch's: fewer epochs than the best's can
 * only score worse, and more score what a done run of the best configuration with more epochs did by then, or what
 * the best did where its training stopped early (Replay.stoppedEarly). On monthly sunspots the finer step of 21
 * epochs between the best's 15 and its 30-epoch trial gave that trial's value to the last digit.
 */
function newEpochs(r: Replay, values: number[]): number[] {
  const own = applyParams(r.env.base, r.current).train?.epochs ?? 0;
  if (values.length === 0 || r.stoppedEarly()) return [];
  // the epochs the sweeps set (a key of its own: withValue never sets it inside a whole value)
  const longer = [...new Set(r.trials.map((t) => t.params['train.epochs']))].filter(
    (e): e is number =>
      typeof e === 'number' && e > own && !!r.done(withValue(r.env.base, r.current, 'train.epochs', e)),
  );
  return values.filter((v) => v > own && !longer.some((e) => e >= v));
}

/** Finer steps around the best values, pass after pass while a pass improves the best (three at most). */
export async function refine(r: Replay): Promise<Step> {
  for (let pass = 0; pass < 3; pass++) {
    r.improved = false;
    for (const param of sweptNumbers(r.trials)) {
      const values = param === 'train.epochs' ? newEpochs(r, finerValues(r, param)) : finerValues(r, param);
      if (values.length === 0) continue;
      const best = getPath(applyParams(r.env.base, r.current), param);
      const why = `${FINER} the best ${param} (${JSON.stringify(best)}) after a round without gain`;
      const step = await r.step({ param, values, why });
      if (step !== 'done') return step;
    }
    if (!r.improved) return 'done';
  }
  return 'done';
}

/** The best two configurations (distinct, seed repeats aside), best first. */
function topConfigs(r: Replay): FrozenTrial[] {
  const seen = new Set<string>();
  return r.trials
    .filter((t) => t.state === 'complete' && t.value !== null && !isSeed(t) && !isJoint(t))
    .sort((a, b) => a.value! - b.value!)
    .filter((t) => {
      const k = JSON.stringify(applyParams(r.env.base, t.params));
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .slice(0, 2);
}

/**
 * Repeats of the best two configurations with more seeds. The end of the study compares their means over seeds, with
 * those of every configuration the joint search runs on several seeds after them (finishAuto in auto-ensemble.ts, by
 * steady values): a verdict here, in the plan's notes, was stale by then, and named the configuration by another
 * trial than the study's best, which is its best seed ("#20 is the better configuration)); best #53").
 */
export async function repeatSeeds(r: Replay): Promise<Step> {
  for (const [i, t] of topConfigs(r).entries()) {
    const candidates = r.seedRepeats(t.params);
    const who = i === 0 ? `the best configuration (#${t.number})` : `the runner-up (#${t.number})`;
    const why = `${SEEDS} of ${who}: the mean over seeds decides between the best two`;
    const step = await r.step({ param: 'seed', candidates, why, adopt: false });
    if (step !== 'done') return step;
  }
  return 'done';
}
