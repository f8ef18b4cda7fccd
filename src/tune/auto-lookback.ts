// The lookback lever of the `auto` strategy. A longer history is the lever that mattered most on ETT (lookback
// 96 -> 336), and doubling one step at a time reaches 336 only in a third round, if ever. So the values come
// from the data: the ridge model of the `linear` baseline (closed form, seconds) is fitted at every candidate
// lookback, and the shortest within 1% of the lowest validation MSE, if it beats the current lookback's by 1%, is
// swept (pickLookback). When
// none does, the lever is left out (a trial at a longer lookback costs in proportion to it) and a note says why.
import type { RawConfig } from '../config/index.js';
import { linearModelAsync } from '../data/index.js';
import { throwIfInterrupted } from './interrupt.js';
import { perStudy, prepareFor, type TrialEnv } from './trial.js';

/** The lookbacks tried besides the current one's doublings: the usual ones of the forecasting literature. */
const USUAL = [24, 48, 96, 168, 192, 336, 512, 720];
/** The most ridge inputs (lookback x features) scored: one eigendecomposition of 720 took about 5 s on ETTh1. */
const MAX_INPUTS = 768;
/** A candidate must leave this many training windows per ridge input. */
const WINDOWS_PER_INPUT = 4;
/** A candidate must beat the current lookback's validation MSE by this fraction to be swept. */
const MIN_GAIN = 0.01;

export type LookbackPlan = { values: number[]; text: string } | { note: string };

/** The lookbacks worth sweeping from the config's, ranked by the ridge model's validation MSE (kept per study). */
export const lookbackPlan = perStudy((cfg: RawConfig) => JSON.stringify(cfg.data), rankLookbacks);

/** The candidate lookbacks longer than L0: its doublings and the usual ones, within the limits above. */
export function candidateLookbacks(L0: number, features: number, trainRows: number): number[] {
  const doublings = Array.from({ length: 12 }, (_, k) => L0 * 2 ** (k + 1));
  const fits = (L: number) => L * features <= MAX_INPUTS && trainRows - L >= WINDOWS_PER_INPUT * L * features;
  return [...new Set([...doublings, ...USUAL])].filter((L) => L > L0 && fits(L)).sort((a, b) => a - b);
}

async function rankLookbacks(env: TrialEnv, cfg: RawConfig): Promise<LookbackPlan> {
  const d = await prepareFor(env, cfg);
  const L0 = cfg.data.lookback;
  const F = d.features.length;
  const [a, b] = d.ranges.train;
  const candidates = candidateLookbacks(L0, F, b - a);
  if (candidates.length === 0)
    return {
      note: `data.lookback not swept: no longer lookback leaves ${WINDOWS_PER_INPUT} training windows per input`,
    };
  // fitted with turns of the event loop, and stopped at the first after an abort: on the main thread a signal waited
  // for every fit, and the study's interrupt for the ranking's end (ETTh1 OT at lookback 96: eight fits, up to 768
  // inputs, 10 to 20 s under load)
  const stop = () => throwIfInterrupted(env.study, env.signal);
  const mse = async (L: number) => (await linearModelAsync(d, L, stop)).valMse;
  const m0 = await mse(L0);
  const scored: Scored[] = [];
  for (const L of candidates) scored.push({ L, v: await mse(L) });
  scored.sort((x, y) => x.v - y.v);
  const fmt = (s: Scored) => `${s.L} (${s.v.toPrecision(4)})`;
  const pick = pickLookback(scored, m0);
  if (!pick)
    return {
      note:
        `data.lookback not swept: the ridge model's validation MSE at ${fmt({ L: L0, v: m0 })} is not beaten by ` +
        `${MIN_GAIN * 100}% at any longer lookback (${scored.slice(0, 3).map(fmt).join(', ')})`,
    };
  const best = scored[0]!;
  const why =
    pick.L === best.L
      ? `ranks lookback ${fmt(pick)} first`
      : `at lookback ${fmt(pick)} is within ${MIN_GAIN * 100}% of the best, ${fmt(best)}, which is longer`;
  return {
    values: [pick.L],
    text:
      `give each forecast a longer history: the ridge model's validation MSE ${why}, ` +
      `ahead of ${fmt({ L: L0, v: m0 })}`,
  };
}

type Scored = { L: number; v: number };

/**
 * The lookback to sweep: the shortest candidate within MIN_GAIN of the best validation MSE, among those that beat the
 * current lookback's by MIN_GAIN (undefined when none does). The rule that lets a longer lookback in at all, that it
 * must gain 1% to be worth its cost, applied between the candidates too: the simplest model within noise of the best
 * (the one-standard-error rule of Breiman et al. 1984, with the threshold in place of the standard error, since windows
 * at stride 1 are too correlated for one). On ETTh1 h96 the ridge model's validation MSE was 0.08960 at 336 and
 * 0.08951 at 512; the trained networks followed 512, which scored 0.05560 on test against 0.05296 at 336.
 */
export function pickLookback(scored: readonly Scored[], m0: number): Scored | undefined {
  const better = scored.filter((s) => s.v < m0 * (1 - MIN_GAIN));
  if (better.length === 0) return undefined;
  const best = Math.min(...better.map((s) => s.v));
  return better.filter((s) => s.v <= best * (1 + MIN_GAIN)).sort((a, b) => a.L - b.L)[0];
}
