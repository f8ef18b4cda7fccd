// The time budget of a study (tune.time_budget or --time-budget), counted from the start of its trial
// loop: no trial starts once it is spent, a running trial stops at the first epoch end past it (and keeps
// what it has), and the auto strategy reads it to leave out trials that would not finish in time.
import type { RawConfig } from '../config/index.js';
import type { AutoBudget } from './auto.js';
import { applyParams, type Params } from './space.js';
import { secondsPerWindow, type TrialEnv } from './trial.js';

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
 * What auto needs to judge whether a trial fits in the time left: the reference trial's seconds per epoch it
 * actually ran, scaled by timed steps, times the epochs the trial is expected to run: its configured epochs,
 * or, when the reference stopped early (early stopping), at most half as many again as the reference ran.
 */
function timeLeft(env: TrialEnv, base: RawConfig, remaining: () => number): AutoBudget {
  const perWindow = new Map<string, Promise<number>>();
  const spw = (p: Params) => {
    const k = JSON.stringify(p);
    let v = perWindow.get(k);
    if (!v) {
      v = secondsPerWindow(env, applyParams(base, p)).catch(() => NaN);
      perWindow.set(k, v);
    }
    return v;
  };
  return {
    remaining,
    estimate: async (p, ref) => {
      const seconds = ref.attrs.seconds as number | undefined;
      if (!seconds) return 0;
      const ratio = (await spw(p)) / (await spw(ref.params));
      const configured = (q: Params) => applyParams(base, q).train?.epochs ?? 1;
      const ran = (ref.attrs.epochs as number | undefined) ?? configured(ref.params);
      const expected = ran < configured(ref.params) ? Math.min(configured(p), Math.ceil(1.5 * ran)) : configured(p);
      return Number.isFinite(ratio) ? (seconds / Math.max(1, ran)) * ratio * expected : 0;
    },
  };
}
