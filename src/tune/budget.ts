// The time budget of a study (tune.time_budget or --time-budget), counted from the start of its trial
// loop: no trial starts once it is spent, a running trial stops at the first epoch end past it (and keeps
// what it has), and the auto strategy reads it to leave out trials that would not finish in time.
import type { RawConfig } from '../config/index.js';
import type { AutoBudget } from './auto.js';
import { applyParams, type Params } from './space.js';
import { perStudy, type TrainingCost, type TrialEnv, trainingCost } from './trial.js';

export class TimeBudget {
  private readonly t0 = performance.now();

  /** seconds: the budget (Infinity: none). */
  constructor(readonly seconds: number) {}

  /** Seconds left (negative once spent). */
  remaining(): number {
    return this.seconds - (performance.now() - this.t0) / 1000;
  }

  spent(): boolean {
    return (performance.now() - this.t0) / 1000 >= this.seconds;
  }

  /**
   * The budget's end as a Date.now() time, for the running trials (worker threads included), which stop at the
   * first epoch end past it; undefined without a budget.
   */
  deadline(): number | undefined {
    return Number.isFinite(this.seconds) ? Date.now() + this.remaining() * 1000 : undefined;
  }

  /** Minutes since the start. */
  minutes(): number {
    return (performance.now() - this.t0) / 60000;
  }

  /** What auto needs to judge whether a trial fits in the time left; undefined without a budget. */
  forAuto(env: TrialEnv, base: RawConfig): AutoBudget | undefined {
    return Number.isFinite(this.seconds) ? timeLeft(env, base, () => this.remaining()) : undefined;
  }
}

/**
 * Seconds a trial is expected to take: the reference trial's seconds per epoch it actually ran, scaled by the
 * timed steps (seconds per window), times the epochs the trial is expected to run (its configured epochs, or, when
 * the reference stopped early (early stopping), at most half as many again as the reference ran), plus what
 * building its model costs beyond the reference's (an initializer that takes minutes runs before the first epoch,
 * where the time budget cannot stop it).
 */
export function expectedSeconds(
  ref: { seconds: number; ran: number; configured: number },
  configured: number,
  cost: TrainingCost,
  refCost: TrainingCost,
): number {
  const ratio = cost.perWindow / refCost.perWindow;
  if (!Number.isFinite(ratio)) return 0;
  const epochs = ref.ran < ref.configured ? Math.min(configured, Math.ceil(1.5 * ref.ran)) : configured;
  return (ref.seconds / Math.max(1, ref.ran)) * ratio * epochs + Math.max(0, cost.build - refCost.build);
}

/** A config's training cost, measured once per study (a config that cannot be built: not a number, so no estimate). */
const costOfConfig = perStudy(
  (cfg: RawConfig) => JSON.stringify(cfg),
  (env, cfg) => trainingCost(env, cfg).catch((): TrainingCost => ({ perWindow: NaN, build: 0 })),
);

/** What auto needs to judge whether a trial fits in the time left (expectedSeconds). */
function timeLeft(env: TrialEnv, base: RawConfig, remaining: () => number): AutoBudget {
  const costOf = (p: Params) => costOfConfig(env, applyParams(base, p));
  return {
    remaining,
    estimate: async (p, ref) => {
      const seconds = ref.attrs.seconds as number | undefined;
      if (!seconds) return 0;
      const configured = (q: Params) => applyParams(base, q).train?.epochs ?? 1;
      const ran = (ref.attrs.epochs as number | undefined) ?? configured(ref.params);
      const r = { seconds, ran, configured: configured(ref.params) };
      return expectedSeconds(r, configured(p), await costOf(p), await costOf(ref.params));
    },
  };
}
