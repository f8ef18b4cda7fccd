// The time budget of a study (tune.time_budget or --time-budget), counted from the start of its trial
// loop: no trial starts once it is spent, a running trial stops at the first epoch end past it (and keeps
// what it has), and the auto strategy reads it to leave out trials that would not finish in time. An auto study
// keeps a reserve for its end step (endStepReserve): its trials stop that much earlier.
import type { RawConfig } from '../config/index.js';
import { linearFitSeconds, linearFitted, linearTooWide, ridgeShape } from '../data/index.js';
import { type FrozenTrial, ownerText } from '../storage/index.js';
import { type AutoBudget, span } from './auto-replay.js';
import { applyParams, type Params } from './space.js';
import { ownerOf } from './stale.js';
import {
  dataKey,
  perStudy,
  prepareFor,
  type RidgePaid,
  ridgeLookbacks,
  type TrainingCost,
  type TrialEnv,
  trainingCost,
} from './trial.js';

export class TimeBudget {
  private readonly t0 = performance.now();
  /**
   * Seconds kept for the study's end step (endStepReserve): no trial starts in them, and a trial started stops at
   * the first epoch end past the budget less them.
   */
  reserve = 0;

  /** seconds: the budget (Infinity: none). */
  constructor(readonly seconds: number) {}

  /** Seconds left to the trials (negative once spent): the budget less the end step's reserve. */
  remaining(): number {
    return this.seconds - this.reserve - (performance.now() - this.t0) / 1000;
  }

  spent(): boolean {
    return this.remaining() <= 0;
  }

  /**
   * When a trial started now stops, as a Date.now() time: the trials (worker threads included) stop at the first
   * epoch end past it; undefined without a budget.
   */
  deadline(): number | undefined {
    return Number.isFinite(this.seconds) ? Date.now() + this.remaining() * 1000 : undefined;
  }

  /** The budget's end, the end step's reserve included, as a Date.now() time; undefined without a budget. */
  end(): number | undefined {
    return Number.isFinite(this.seconds) ? Date.now() + (this.remaining() + this.reserve) * 1000 : undefined;
  }

  /** Minutes since the start. */
  minutes(): number {
    return (performance.now() - this.t0) / 60000;
  }

  /** What auto needs to judge whether a trial fits in the time left; undefined without a budget. */
  forAuto(env: TrialEnv, base: RawConfig, jobs = 1): AutoBudget | undefined {
    return Number.isFinite(this.seconds) ? timeLeft(env, base, () => this.remaining(), jobs) : undefined;
  }
}

/** The members whose predictions the end step's reserve holds time for: one candidate of three (auto-ensemble.ts). */
const RESERVED_MEMBERS = 3;

/**
 * Seconds an auto study keeps for its end step (finishAuto): the ridge model at the best trial's lookback, fitted
 * again there for its blends, and the predictions of RESERVED_MEMBERS members over the validation and test windows,
 * each about twice what the best trial's scores and run folder took (save_seconds). The end step scores its
 * candidates while they fit in what is left (fuseCandidates) and says which it left out. At lookback 2000, horizon 500
 * on 2 cores a 2-minute study's end step took 132 s after its trials, 110 s of it that ridge fit. Before a trial
 * finished: `first`, the ridge fit at the base config's lookback as expected (firstReserve).
 */
export function endStepReserve(
  base: RawConfig,
  best: FrozenTrial | null,
  trials: readonly FrozenTrial[],
  first = 0,
): number {
  if (!best) return first;
  const save = Number(best.attrs.save_seconds ?? 0);
  return endRidge(base, best, trials) + RESERVED_MEMBERS * memberSeconds(save);
}

/** Seconds the end step spends on one member's predictions, from a trial's save_seconds (its own scores). */
export const memberSeconds = (save: number): number => 2 * save;

/**
 * Seconds of the ridge fit the end step pays at the best trial's lookback (its data prepared anew): as expected, scaled
 * as the fits the study timed ran (ridgeSeconds; a trial of an older seqtune that recorded no expectation: as it
 * took); 0 where no trial fitted one at that lookback (too many inputs: none is fitted).
 */
export function endRidge(base: RawConfig, best: FrozenTrial, trials: readonly FrozenTrial[]): number {
  const paid = trials.flatMap((t) => (t.attrs.ridge as RidgePaid[] | undefined) ?? []);
  const lookback = applyParams(base, best.params).data.lookback;
  const at = paid.find((r) => r.lookback === lookback);
  if (!at) return 0;
  return at.expected ? ridgeSeconds([{ ...at, expected: at.expected, fitted: false, paidBy: 0 }], 1, paid) : at.seconds;
}

/**
 * The seconds an auto study keeps for its end step before any of its trials finished (endStepReserve's `first`): the
 * ridge fit at the base config's lookback as expected (linearFitSeconds), which the end step pays again; the
 * members' predictions are not known until a trial has scored itself. 0 where the data cannot be prepared or the
 * inputs are too many for a ridge.
 */
export async function firstReserve(env: TrialEnv): Promise<number> {
  const d = await prepareFor(env, env.base).catch(() => undefined);
  return d && !linearTooWide(d) ? linearFitSeconds(ridgeShape(d)) : 0;
}

/** What a finished trial measured of itself (runTrial's attrs), for the estimate of the next. */
export interface Reference {
  /** Its seconds, from its start to its run folder written. */
  seconds: number;
  /** Epochs it ran, and its config's. */
  ran: number;
  configured: number;
  /** Seconds of its epochs alone (fit_seconds); undefined for a trial of an older seqtune. */
  fit?: number;
  /** Seconds of the ridge models it fitted first (attrs.ridge). */
  ridge?: number;
}

/**
 * Seconds a trial is expected to take: the reference trial's seconds per epoch it actually ran (its epochs alone),
 * scaled by the timed steps (seconds per window), times the epochs the trial is expected to run (its configured
 * epochs, or, when the reference stopped early (early stopping), at most half as many again as the reference ran),
 * plus what the reference spent after its epochs (its scores over every window and its run folder, as much at least),
 * plus what building its model costs beyond the reference's (an initializer that takes minutes runs before the first
 * epoch, where the time budget cannot stop it), plus `ridge`: the seconds of the ridge models it will have to fit
 * (ridgeSeconds). A reference's ridge fit was read as training and scaled by the epochs: at lookback 2000 a baseline
 * of 20 epochs of 2 s took 226 s, 170 of them the ridge its run folder's linear baseline needed.
 */
export function expectedSeconds(
  ref: Reference,
  configured: number,
  cost: TrainingCost,
  refCost: TrainingCost,
  ridge = 0,
): number {
  const ratio = cost.perWindow / refCost.perWindow;
  if (!Number.isFinite(ratio)) return 0;
  const epochs = ref.ran < ref.configured ? Math.min(configured, Math.ceil(1.5 * ref.ran)) : configured;
  const training = ref.fit ?? ref.seconds;
  const after = ref.fit === undefined ? 0 : Math.max(0, ref.seconds - ref.fit - (ref.ridge ?? 0));
  return (
    epochSeconds(training / Math.max(1, ref.ran), cost, refCost) * epochs +
    after * Math.max(1, ratio) +
    Math.max(0, cost.build - refCost.build) +
    ridge
  );
}

/**
 * Seconds of an epoch of a trial whose reference took `refEpoch` a epoch: the part of it the timed steps account for
 * (its windows' training, perWindow x windows, at most the whole epoch) scaled by the two costs, the rest (validating
 * beyond the forward passes, callbacks, reporting to storage) as the reference's. The whole epoch was scaled: on
 * airline passengers (70 training windows, an epoch of GRU(64) 25 ms, most of it not the steps) GRU(256), timed 11-29
 * times slower a window, was skipped as 'about 15 min' in a 2-minute study and trained in 4.8 s.
 */
function epochSeconds(refEpoch: number, cost: TrainingCost, refCost: TrainingCost): number {
  if (cost.windows === undefined || refCost.windows === undefined)
    return refEpoch * (cost.perWindow / refCost.perWindow);
  const steps = Math.min(refEpoch, refCost.perWindow * refCost.windows);
  return refEpoch - steps + (steps * (cost.perWindow * cost.windows)) / (refCost.perWindow * refCost.windows);
}

/**
 * Seconds of the ridge fits a trial at these lookbacks may have to pay first: none for a lookback whose ridge every
 * thread of this process that runs trials has fitted already on the same data (as many of this process's trials as
 * there are jobs paid it, each thread once; with one job, the main thread's own), else its expected seconds
 * (linearFitSeconds) times the most any fit the study measured (`paid`) took over its own expectation, or as expected
 * without one. (The cube of the inputs, which this scaled by, made 1.4 s measured over 500 inputs 90 s over 2,000: the
 * fit's products with the outputs' columns, p^2 m, are as much of it as the cube there; 17 s measured.)
 */
export function ridgeSeconds(
  need: readonly { lookback: number; inputs: number; expected: number; fitted: boolean; paidBy: number }[],
  jobs: number,
  paid: readonly RidgePaid[],
): number {
  const slower = Math.max(0, ...paid.map((r) => (r.expected ? r.seconds / r.expected : 0)));
  let s = 0;
  for (const r of need) {
    if ((jobs === 1 && r.fitted) || r.paidBy >= jobs) continue;
    s += (slower > 0 ? slower : 1) * r.expected;
  }
  return s;
}

/** A config's training cost, measured once per study (a config that cannot be built: not a number, so no estimate). */
const costOfConfig = perStudy(
  (cfg: RawConfig) => JSON.stringify(cfg),
  (env, cfg) => trainingCost(env, cfg).catch((): TrainingCost => ({ perWindow: NaN, build: 0 })),
);

/**
 * The ridge fits a trial of cfg may pay first (ridgeSeconds), from the study's trials as the plan has them (it read
 * them all from storage again for each estimate: every candidate value of every sweep).
 */
async function ridgeOf(env: TrialEnv, cfg: RawConfig, jobs: number, trials: readonly FrozenTrial[]): Promise<number> {
  const d = await prepareFor(env, cfg).catch(() => undefined);
  if (!d) return 0;
  const me = ownerText(ownerOf()),
    key = dataKey(cfg);
  const paid = trials.flatMap((t) => (t.attrs.ridge as RidgePaid[] | undefined) ?? []);
  const mine = trials.filter((t) => t.owner === me && dataKey(applyParams(env.base, t.params)) === key);
  const need = ridgeLookbacks(env, cfg, d).map((lookback) => ({
    lookback,
    inputs: lookback * d.scaledFeatures.length,
    expected: linearFitSeconds(ridgeShape(d, lookback)),
    fitted: linearFitted(d, lookback),
    paidBy: mine.filter((t) => ((t.attrs.ridge as RidgePaid[] | undefined) ?? []).some((r) => r.lookback === lookback))
      .length,
  }));
  return ridgeSeconds(need, jobs, paid);
}

/**
 * A line for the start of an auto study whose baseline, as written, may take more than the whole time budget (its
 * configured epochs of its training as timed, trainingCost, and its model's build; early stopping may end it
 * sooner), or null. Daily minimum temperatures at lookback 336 (GRU(64), 100 epochs, a 5-minute budget): the baseline
 * took the whole budget and the study ended with it alone, with nothing said before.
 */
export async function baselineOverBudget(env: TrialEnv, budget: number): Promise<string | null> {
  if (!Number.isFinite(budget)) return null;
  const cost = await costOfConfig(env, applyParams(env.base, {}));
  if (!(cost.perWindow > 0) || cost.windows === undefined) return null;
  const epochs = env.base.train?.epochs ?? 1,
    epoch = cost.perWindow * cost.windows,
    total = cost.build + epochs * epoch;
  if (total <= budget) return null;
  return (
    `tune: the baseline as written may take up to about ${span(total)} (${epochs} epochs of about ` +
    `${epoch.toPrecision(2)} s, early stopping aside), more than the ${span(budget)} time budget: auto will have ` +
    'little to compare (a longer tune.time_budget, or fewer train.epochs, leaves it room)'
  );
}

/** What auto needs to judge whether a trial fits in the time left (expectedSeconds). */
function timeLeft(env: TrialEnv, base: RawConfig, remaining: () => number, jobs: number): AutoBudget {
  const costOf = (p: Params) => costOfConfig(env, applyParams(base, p));
  return {
    remaining,
    estimate: async (p, ref, trials) => {
      const seconds = ref.attrs.seconds as number | undefined;
      if (!seconds) return 0;
      const configured = (q: Params) => applyParams(base, q).train?.epochs ?? 1;
      const ran = (ref.attrs.epochs as number | undefined) ?? configured(ref.params);
      const refRidge = ((ref.attrs.ridge as RidgePaid[] | undefined) ?? []).reduce((a, r) => a + r.seconds, 0);
      const r: Reference = {
        seconds,
        ran,
        configured: configured(ref.params),
        fit: ref.attrs.fit_seconds as number | undefined,
        ridge: refRidge,
      };
      const ridge = await ridgeOf(env, applyParams(base, p), jobs, trials);
      return expectedSeconds(r, configured(p), await costOf(p), await costOf(ref.params), ridge);
    },
  };
}
