// The `auto` strategy: train the baseline, diagnose its curves, turn the diagnosis' machine-readable
// advice into the next factor to sweep (one factor at a time, holding the rest), adopt the best value,
// re-diagnose the best so far, and go on until the budget is spent or no advice is left. Stateless:
// the plan is replayed from the trials in storage (each trial records why it was run), so --resume
// continues the same plan.
import type { RawConfig } from '../config/index.js';
import { type Advice, adviceFor, type Evidence } from '../diagnose/index.js';
import type { FrozenTrial } from '../storage/index.js';
import { finishedWith, runningWith } from './samplers/index.js';
import { applyParams, getPath, type Params } from './space.js';
import type { TrialEnv } from './trial.js';
import type { TuneSettings } from './types.js';

interface Diag {
  pattern: string;
  confidence: number;
  advice: Advice[];
}

/** Advice the tuner can act on by changing one config value (checks and structural additions are for people). */
function actionable(a: Advice, base: unknown): boolean {
  if (!a.values || a.values.length === 0 || a.param.startsWith('check.') || a.action === 'add') return false;
  if (
    a.param.startsWith('train.optimizer.') ||
    a.param === 'train.optimizer' ||
    a.param === 'train.schedule' ||
    a.param === 'train.clipnorm' ||
    a.param === 'train.epochs' ||
    a.param === 'train.batch_size'
  )
    return true;
  const parent = a.param.slice(0, a.param.lastIndexOf('.'));
  return getPath(base, parent) !== undefined;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * current with param set to v. Values below param (an Adam learning rate when the optimizer changes) no
 * longer apply and go; a value equal to the base config's is left out, so one configuration has one name.
 */
function withValue(base: unknown, current: Params, param: string, v: unknown): Params {
  const c: Params = {};
  for (const [k, x] of Object.entries(current))
    if (k !== param && !k.startsWith(`${param}.`) && !k.startsWith(`${param}[`)) c[k] = x;
  if (!same(getPath(base, param), v)) c[param] = v;
  return c;
}

export interface AutoBudget {
  /** Seconds of the time budget left. */
  remaining(): number;
  /** Estimated seconds a trial with these params takes. */
  estimate(params: Params, reference: FrozenTrial): Promise<number>;
  /** Set by autoNext when it left a value out because it would not finish in time. */
  skipped?: boolean;
}

/**
 * The next trial of the plan; null when there is nothing to start now (a sweep is still running, or the
 * advice is used up). With a time budget, a value whose trial would not finish in the time left is not
 * started (a GRU(256) sweep 20 minutes before the end would only spend the rest of the budget).
 */
export async function autoNext(
  env: TrialEnv,
  s: TuneSettings,
  trials: readonly FrozenTrial[],
  attrs: Readonly<Record<string, unknown>> = {},
  budget?: AutoBudget,
): Promise<{ params: Params; why: string } | null> {
  const lrRange = attrs.lr_find as LrRange | undefined;
  const done = (p: Params) => finishedWith(trials, p);
  const pending = (p: Params) => runningWith(trials, p);
  let current: Params = {};
  const baseline = done(current);
  if (!baseline) return pending(current) ? null : { params: {}, why: 'baseline: the config as written' };
  let best = baseline.state === 'complete' ? (baseline.value ?? Infinity) : Infinity;
  let bestTrial = baseline;
  const swept = new Set<string>();
  // Rounds of coordinate descent: when every lever has been swept and the round improved the best,
  // sweep them again around the new best (values are relative to it); a round without gain ends the plan.
  let round = 1,
    improved = false;
  for (let guard = 0; guard < 500; guard++) {
    const diag = bestTrial.attrs.diagnosis as Diag | undefined;
    if (!diag) return null;
    const cfg = applyParams(env.base, current);
    const lever = nextLever(env, bestTrial, diag, cfg, swept, round);
    if (!lever) {
      if (!improved) return null;
      round++;
      improved = false;
      swept.clear();
      continue;
    }
    const { advice, reason } = lever;
    const values = sweepValues(s, advice, lrRange);
    const sweep = { base: env.base, cfg, current, param: advice.param, values };
    const { candidates, skipped } = await sweepCandidates(sweep, done, pending, baseline, budget);
    const why =
      `${reason}; sweeping ${advice.param} over ${JSON.stringify(candidates.map((c) => c[advice.param]))}: ` +
      `${advice.text}${skipped.length ? `; not started, too long for the time left: ${skipped.join(', ')}` : ''}`;
    // The values of one sweep run side by side (--jobs); the next decision waits for all of them.
    const missing = candidates.find((c) => !done(c) && !pending(c));
    if (missing) return { params: missing, why };
    if (candidates.some((c) => !done(c))) return null;
    swept.add(sweepKey(advice));
    for (const c of candidates) {
      const t = done(c)!;
      if (t.state === 'complete' && t.value !== null && t.value < best) {
        best = t.value;
        bestTrial = t;
        current = c;
        improved = true;
      }
    }
  }
  return null;
}

type LrRange = { min: number; max: number; best: number };

/** A factor is swept once per direction: overfitting's fewer units and underfitting's more units are two sweeps. */
const sweepKey = (a: Advice) => `${a.param}:${a.action}`;

/**
 * The next factor to sweep and why: the diagnosis' own advice first; when that is used up, the other
 * levers of the method in turn (learning rate, schedule, batch size, capacity, regularization, clipping,
 * optimizer). Null when every lever of this round has been swept.
 */
function nextLever(
  env: TrialEnv,
  bestTrial: FrozenTrial,
  diag: Diag,
  cfg: RawConfig,
  swept: Set<string>,
  round: number,
): { advice: Advice; reason: string } | null {
  const prefix = round > 1 ? `round ${round}: ` : '';
  const own = diag.advice.find((a) => actionable(a, cfg) && !swept.has(sweepKey(a)));
  if (own)
    return { advice: own, reason: `${prefix}best so far reads "${diag.pattern}" (confidence ${diag.confidence})` };
  const hist = bestTrial.attrs.history as { val_loss?: number[] } | undefined;
  const ev = { epochs: hist?.val_loss?.length ?? env.base.train?.epochs ?? 30, bestEpoch: 0 } as Evidence;
  const fallback = (['plateau', 'overfitting', 'unstable', 'underfitting'] as const).flatMap((p) =>
    adviceFor(p, ev, { config: cfg }),
  );
  const advice = fallback.find((a) => actionable(a, cfg) && !swept.has(sweepKey(a)) && a.factor !== 'epochs');
  if (!advice) return null;
  return { advice, reason: `${prefix}the advice for "${diag.pattern}" is used up; next lever of the method` };
}

/**
 * The values to sweep: the user's own for the factor (tune.space), else lr-find's range for a learning
 * rate, else the advice's.
 */
function sweepValues(s: TuneSettings, advice: Advice, lrRange: LrRange | undefined): unknown[] {
  const userValues = s.space.find((p) => p.name === advice.param && p.dist.kind === 'categorical')?.dist as
    | { values: unknown[] }
    | undefined;
  // Learning-rate sweeps take lr-find's range (its low end, its suggestion, its high end) unless the user gave values.
  const fromLrFind =
    advice.factor === 'learning_rate' && lrRange && !userValues
      ? [...new Set([lrRange.min, lrRange.best, lrRange.max])]
      : undefined;
  return userValues?.values ?? fromLrFind ?? advice.values!;
}

/**
 * The trials of one sweep: current with param set to each value the best does not have already; a value
 * whose trial would not finish in the time left is skipped (and said so).
 */
async function sweepCandidates(
  sweep: { base: RawConfig; cfg: RawConfig; current: Params; param: string; values: unknown[] },
  done: (p: Params) => FrozenTrial | undefined,
  pending: (p: Params) => boolean,
  baseline: FrozenTrial,
  budget?: AutoBudget,
): Promise<{ candidates: Params[]; skipped: string[] }> {
  const candidates: Params[] = [],
    skipped: string[] = [];
  for (const v of sweep.values) {
    if (same(getPath(sweep.cfg, sweep.param), v)) continue; // the best already has this value
    const c = withValue(sweep.base, sweep.current, sweep.param, v);
    const est = budget && !done(c) && !pending(c) ? await budget.estimate(c, baseline) : 0;
    const left = budget?.remaining() ?? Infinity;
    if (est > left) {
      budget!.skipped = true;
      skipped.push(`${JSON.stringify(v)} (about ${(est / 60).toFixed(0)} min, ${(left / 60).toFixed(0)} min left)`);
    } else candidates.push(c);
  }
  return { candidates, skipped };
}
