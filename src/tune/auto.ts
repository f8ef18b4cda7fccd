// The `auto` strategy: train the baseline, diagnose its curves, turn the diagnosis' machine-readable
// advice into the next factor to sweep (one factor at a time, holding the rest), adopt the best value,
// re-diagnose the best so far, and go on in rounds while a round brings a gain. After a round without
// gain the budget goes to networks without the linear path beside a best that has it (to blend with the ridge at
// the end), to finer steps around the best values (auto-refine.ts), then to repeats of the
// best configurations with more seeds, then to a joint search over the factors swept (auto-joint.ts) until the
// budget is spent. Stateless: the plan is replayed from the trials in storage (each
// trial records why it was run), so --resume continues the same plan.
import type { Advice } from '../diagnose/index.js';
import type { FrozenTrial } from '../storage/index.js';
import { joint } from './auto-joint.js';
import { type Diag, nextLever, sweepKey } from './auto-levers.js';
import { lookbackPlan } from './auto-lookback.js';
import { plainPartners, refine, repeatSeeds } from './auto-refine.js';
import { type AutoBudget, Replay, type Step } from './auto-replay.js';
import { finishedWith, inFlight, sameParams } from './samplers/index.js';
import { applyParams, type Params } from './space.js';
import { gradientNorm, type TrialEnv } from './trial.js';
import type { TuneSettings } from './types.js';

export type { AutoBudget } from './auto-replay.js';

type LrRange = { min: number; max: number; best: number; flat?: boolean };

/**
 * The next trial of the plan; null when there is nothing to start now (a sweep is still running, or the
 * plan is over). With a time budget, a value whose trial would not finish in the time left is not
 * started (a GRU(256) sweep 20 minutes before the end would only spend the rest of the budget).
 */
export async function autoNext(
  env: TrialEnv,
  s: TuneSettings,
  trials: readonly FrozenTrial[],
  attrs: Readonly<Record<string, unknown>> = {},
  budget?: AutoBudget,
): Promise<{ params: Params; why: string } | null> {
  const baseline = finishedWith(trials, {});
  if (!baseline) {
    const running = trials.find((t) => inFlight(t) && sameParams(t.params, {}));
    if (!running) return { params: {}, why: 'baseline: the config as written' };
    return besideBaseline(env, s, trials, running, attrs.lr_find as LrRange | undefined);
  }
  const r = new Replay(env, trials, baseline, budget);
  for (const phase of [rounds, plainPartners, refine, repeatSeeds, joint]) {
    const out = await phase(r, s, attrs.lr_find as LrRange | undefined);
    if (out === 'wait') return null;
    if (out !== 'done') return out;
  }
  if (budget) budget.notes = r.allNotes;
  return null;
}

/**
 * A trial to run beside the baseline while it trains, or null: the first lever of the method by expected effect (the
 * linear path, a longer lookback, the convolutional front, the units), which the first round reaches first unless the
 * baseline's curves read an urgent pattern. Until the baseline finished nothing else was proposed, and a core sat
 * idle: on daily minimum temperatures (lookback 336, horizon 7, GRU(64), jobs 2) the baseline took the whole
 * 5-minute budget on one core and the study ended with it alone. Not timed against the budget (there is no finished
 * trial to time it from): the budget stops it with the baseline's trial.
 */
async function besideBaseline(
  env: TrialEnv,
  s: TuneSettings,
  trials: readonly FrozenTrial[],
  baseline: FrozenTrial,
  lr: LrRange | undefined,
): Promise<{ params: Params; why: string } | null> {
  const r = new Replay(env, trials, baseline);
  const unread: Diag = { pattern: 'not read yet', confidence: 0, advice: [] };
  const lever = nextLever(env, baseline, unread, applyParams(env.base, {}), new Set(), 1);
  if (!lever) return null;
  const sweep = await sweepValues(r, s, lever.advice, lr);
  if ('note' in sweep) return null;
  const why = `started while the baseline still runs; ${lever.reason}`;
  const { param, also } = lever.advice;
  const step = await r.step({ param, values: sweep.values, also, why, text: sweep.text });
  return typeof step === 'object' ? step : null;
}

/** Rounds of coordinate descent over the levers; a round that improved the best starts another around it. */
async function rounds(r: Replay, s: TuneSettings, lr: LrRange | undefined): Promise<Step> {
  const swept = new Set<string>();
  let round = 1;
  for (let guard = 0; guard < 500; guard++) {
    const diag = r.bestTrial.attrs.diagnosis as Diag | undefined;
    if (!diag) return 'done';
    const cfg = applyParams(r.env.base, r.current);
    const lever = nextLever(r.env, r.bestTrial, diag, cfg, swept, round);
    if (!lever) {
      if (!r.improved) return 'done';
      round++;
      r.improved = false;
      swept.clear();
      continue;
    }
    const { advice, reason } = lever;
    swept.add(sweepKey(advice));
    const idle = await cannotAct(r, advice);
    if (idle) {
      r.note(idle);
      continue;
    }
    const sweep = await sweepValues(r, s, advice, lr);
    if ('note' in sweep) {
      r.note(sweep.note);
      continue;
    }
    const step = await r.step({
      param: advice.param,
      values: sweep.values,
      also: advice.also,
      why: reason,
      text: sweep.text,
    });
    if (step !== 'done') return step;
    // the plain network beside the ridge path as soon as the lookback is settled, not after rounds that can take
    // the whole budget (ETTh1 h24 on one core: a GRU(256) at lookback 336 took 17 of 30 minutes)
    if (advice.param === 'data.lookback') {
      const partner = await plainPartners(r);
      if (partner !== 'done') return partner;
    }
  }
  return 'done';
}

/**
 * Why a lever cannot change anything, or null: clipping above the gradient norm the best configuration reaches;
 * recurrent dropout on windows of one step (the recurrent state it masks starts at zero and is never read again:
 * on Beijing PM2.5 two such trials gave the baseline's validation loss to the last digit); more epochs for a best
 * configuration whose training stopped before its epochs (Replay.stoppedEarly). Clipping is swept, with a note, where
 * the best configuration's gradient norm could not be measured (its steps do not fit in the engine memory left).
 */
async function cannotAct(r: Replay, a: Advice): Promise<string | null> {
  const cfg = applyParams(r.env.base, r.current);
  if (a.param === 'train.epochs' && a.action === 'increase') return r.stoppedEarly();
  if (a.factor === 'recurrent_dropout' && cfg.data.lookback === 1)
    return (
      `${a.param} not swept: with lookback 1 each recurrent layer reads one step, ` +
      'so it never uses the state recurrent dropout masks'
    );
  if (a.factor !== 'clipnorm') return null;
  const inPlay = [...(a.values as number[]), cfg.train?.clipnorm ?? Infinity];
  const g = await gradientNorm(r.env, cfg);
  if (typeof g === 'string') {
    r.note(`train.clipnorm swept without the gradient norm of the best configuration, not measured: ${g}`);
    return null;
  }
  if (!(g < Math.min(...inPlay))) return null;
  return (
    `train.clipnorm not swept: the gradient norm peaked at ${g.toPrecision(3)} in the first steps of the best ` +
    `configuration, below every clipnorm in play (${a.values!.join(', ')}), so clipping would change nothing`
  );
}

/**
 * The values to sweep and what they try: the user's own for the factor (tune.space), else for a longer lookback
 * the ones the ridge model ranks best (auto-lookback.ts; or a note saying why none is swept), else lr-find's range
 * for a learning rate (unless its curve was flat: then the advice's values, and a note), else the advice's.
 */
async function sweepValues(
  r: Replay,
  s: TuneSettings,
  advice: Advice,
  lr: LrRange | undefined,
): Promise<{ values: unknown[]; text: string } | { note: string }> {
  const userValues = s.space.find((p) => p.name === advice.param && p.dist.kind === 'categorical')?.dist as
    | { values: unknown[] }
    | undefined;
  const text = advice.text;
  // values from elsewhere than the advice: its words quoted, so that the numbers it names do not read as the sweep's
  const from = (source: string) => `the diagnosis advises "${text}"; the values are ${source}`;
  if (userValues) return { values: userValues.values, text: from("tune.space's for it") };
  if (advice.param === 'data.lookback' && advice.action === 'increase')
    return lookbackPlan(r.env, applyParams(r.env.base, r.current));
  if (advice.factor !== 'learning_rate' || !lr) return { values: advice.values!, text };
  if (lr.flat) {
    if (!r.allNotes.some((n) => n.startsWith('lr-find')))
      r.note("lr-find's curve was flat within its noise: the diagnosis' learning rates are swept instead");
    return { values: advice.values!, text };
  }
  return { values: [...new Set([lr.min, lr.best, lr.max])], text: from("lr-find's range and suggestion") };
}
