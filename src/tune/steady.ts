// A trial's value read the way a practitioner reads a curve: the best epoch against the epochs on either side of it.
// A curve that dips once between two much higher epochs (a learning rate at the edge of stability: ETTh1 h96's #11,
// 0.0917, 0.0868, 0.1061, then 0.2027) reports the dip as its value, and the model kept from that epoch is a lucky
// draw of that noise; its steady value is the lower neighbour, 0.0917. A smooth valley, a curve still falling at its
// last epoch or one best at its first loses nothing. Auto's end ranks trials and ensembles by it (auto-ensemble.ts).
import type { FrozenTrial } from '../storage/index.js';

/** The epoch (from 1) of a trial's best reported value; 0 when it reported none. */
export function bestEpoch(t: Pick<FrozenTrial, 'intermediate'>): number {
  let best = -1;
  t.intermediate.forEach((v, i) => {
    if (Number.isFinite(v) && (best < 0 || v < t.intermediate[best]!)) best = i;
  });
  return best + 1;
}

/**
 * How much a trial's value flatters it: the lower of its best epoch's two neighbours over the best value, minus 1
 * (0 when the best epoch is the first or the last). The first repeat's curve stands for the trial's
 * (the one reported).
 */
export function luckOf(t: Pick<FrozenTrial, 'intermediate'>): number {
  const c = t.intermediate;
  const b = bestEpoch(t) - 1;
  if (b <= 0 || b >= c.length - 1 || !(c[b]! > 0)) return 0;
  const side = (v: number) => (Number.isFinite(v) ? v : Infinity);
  return Math.min(side(c[b - 1]!), side(c[b + 1]!)) / c[b]! - 1;
}

/** The trial's value as its steady reading has it: its value scaled by 1 + its luck. */
export const steadyValue = (t: Pick<FrozenTrial, 'intermediate' | 'value'>): number => t.value! * (1 + luckOf(t));
