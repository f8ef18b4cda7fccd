// The `auto` strategy: train the baseline, diagnose its curves, turn the diagnosis' machine-readable
// advice into the next factor to sweep (one factor at a time, holding the rest), adopt the best value,
// re-diagnose the best so far, and go on until the budget is spent or no advice is left. Stateless:
// the plan is replayed from the trials in storage (each trial records why it was run), so --resume
// continues the same plan.
import { adviceFor, type Advice, type Evidence } from '../diagnose/index.js';
import type { FrozenTrial } from '../storage/index.js';
import { finishedWith, runningWith } from './samplers/index.js';
import { getPath, type Params } from './space.js';
import type { TuneSettings } from './study.js';
import type { TrialEnv } from './trial.js';

interface Diag { pattern: string; confidence: number; advice: Advice[] }

/** Advice the tuner can act on by changing one config value (checks and structural additions are for people). */
function actionable(a: Advice, base: unknown): boolean {
  if (!a.values || a.values.length === 0 || a.param.startsWith('check.') || a.action === 'add') return false;
  if (a.param.startsWith('train.optimizer.') || a.param === 'train.optimizer' || a.param === 'train.schedule' || a.param === 'train.clipnorm' || a.param === 'train.epochs' || a.param === 'train.batch_size') return true;
  const parent = a.param.slice(0, a.param.lastIndexOf('.'));
  return getPath(base, parent) !== undefined;
}

export interface AutoBudget {
  /** Seconds of the time budget left. */
  remaining(): number;
  /** Estimated seconds a trial with these params takes. */
  estimate(params: Params, reference: FrozenTrial): Promise<number>;
}

/**
 * The next trial of the plan; null when there is nothing to start now (a sweep is still running, or the
 * advice is used up). With a time budget, a value whose trial would not finish in the time left is not
 * started (a GRU(256) sweep 20 minutes before the end would only spend the rest of the budget).
 */
export async function autoNext(env: TrialEnv, s: TuneSettings, trials: readonly FrozenTrial[], attrs: Readonly<Record<string, unknown>> = {}, budget?: AutoBudget): Promise<{ params: Params; why: string } | null> {
  const lrRange = attrs.lr_find as { min: number; max: number; best: number } | undefined;
  const done = (p: Params) => finishedWith(trials, p);
  const pending = (p: Params) => runningWith(trials, p);
  let current: Params = {};
  const baseline = done(current);
  if (!baseline) return pending(current) ? null : { params: {}, why: 'baseline: the config as written' };
  let best = baseline.state === 'complete' ? baseline.value ?? Infinity : Infinity;
  let bestTrial = baseline;
  const swept = new Set<string>();
  // User-given values for a factor win over the advice's suggestions.
  const userValues = (param: string) => s.space.find((p) => p.name === param && p.dist.kind === 'categorical')?.dist as { values: unknown[] } | undefined;
  for (let guard = 0; guard < 50; guard++) {
    const diag = bestTrial.attrs.diagnosis as Diag | undefined;
    if (!diag) return null;
    // The diagnosis' own advice first; when that is used up, the other levers of the method in turn
    // (learning rate, schedule, batch size, capacity, regularization, clipping, optimizer).
    const hist = bestTrial.attrs.history as { val_loss?: number[] } | undefined;
    const ev = { epochs: hist?.val_loss?.length ?? env.base.train?.epochs ?? 30, bestEpoch: 0 } as Evidence;
    const fallback = (['plateau', 'overfitting', 'unstable', 'underfitting'] as const).flatMap((p) => adviceFor(p, ev, { config: env.base }));
    let advice = diag.advice.find((a) => actionable(a, env.base) && !swept.has(a.param));
    let reason = `best so far reads "${diag.pattern}" (confidence ${diag.confidence})`;
    if (!advice) {
      advice = fallback.find((a) => actionable(a, env.base) && !swept.has(a.param) && a.factor !== 'epochs');
      reason = `the advice for "${diag.pattern}" is used up; next lever of the method`;
    }
    if (!advice) return null;
    // Learning-rate sweeps take lr-find's range (its low end, its suggestion, its high end) unless the user gave values.
    const fromLrFind = advice.factor === 'learning_rate' && lrRange && !userValues(advice.param) ? [...new Set([lrRange.min, lrRange.best, lrRange.max])] : undefined;
    const values = userValues(advice.param)?.values ?? fromLrFind ?? advice.values!;
    const candidates: Params[] = [], skipped: string[] = [];
    for (const v of values) {
      const c = { ...current, [advice.param]: v };
      const est = budget && !done(c) && !pending(c) ? await budget.estimate(c, baseline) : 0;
      if (budget && est > budget.remaining()) skipped.push(`${JSON.stringify(v)} (about ${(est / 60).toFixed(0)} min, ${(budget.remaining() / 60).toFixed(0)} min left)`);
      else candidates.push(c);
    }
    const why = `${reason}; sweeping ${advice.param} over ${JSON.stringify(candidates.map((c) => c[advice!.param]))}: ${advice.text}${skipped.length ? `; not started, too long for the time left: ${skipped.join(', ')}` : ''}`;
    // The values of one sweep run side by side (--jobs); the next decision waits for all of them.
    const missing = candidates.find((c) => !done(c) && !pending(c));
    if (missing) return { params: missing, why };
    if (candidates.some((c) => !done(c))) return null;
    swept.add(advice.param);
    for (const c of candidates) {
      const t = done(c)!;
      if (t.state === 'complete' && t.value !== null && t.value < best) { best = t.value; bestTrial = t; current = c; }
    }
  }
  return null;
}
