// A study's trials read as auto's end reads them: grouped by configuration (the seed aside), each configuration by
// the mean of its seeds' steady values (steady.ts), so that neither a lucky seed nor a dip of a noisy curve ranks a
// configuration first.
import type { RawConfig } from '../config/index.js';
import type { FrozenTrial } from '../storage/index.js';
import { keptByParams } from './samplers/index.js';
import { applyParams, canonical } from './space.js';
import { bestEpoch, steadyValue } from './steady.js';

/** One configuration and its trials over seeds, best seed first (by their steady values: steady.ts). */
export interface SeedGroup {
  trials: FrozenTrial[];
  /** The mean of the trials' steady values. */
  mean: number;
}

/** The configuration of a trial with its seed left out. */
const configOf = (base: RawConfig, t: FrozenTrial) => {
  const { seed: _, ...rest } = t.params;
  return applyParams(base, rest);
};

/**
 * canonical(configOf(base, t)), kept by base config and the trial's params: auto groups every trial by it for each
 * trial it proposes (checkSeeds), and a study's trials do not change their params (on a 1,300-trial study, 7 of every
 * 65 seconds of its main thread, more with every trial).
 */
const configKeys = new WeakMap<object, Map<string, string>>();
function configKey(base: RawConfig, t: FrozenTrial): string {
  const keys = configKeys.get(base) ?? new Map<string, string>();
  configKeys.set(base, keys);
  return keptByParams(keys, t.params, () => canonical(configOf(base, t)));
}

/**
 * The completed trials grouped by configuration (the seed aside), the lowest mean of their steady values first (a
 * dip of a noisy curve does not win: steady.ts). A seed repeat the time budget stopped early counts only when it is
 * a fair draw (fairDraws).
 */
export function seedGroups(base: RawConfig, trials: readonly FrozenTrial[]): SeedGroup[] {
  const groups = new Map<string, FrozenTrial[]>();
  for (const t of trials) {
    if (t.state !== 'complete' || t.value === null || !Number.isFinite(t.value)) continue;
    const k = configKey(base, t);
    groups.set(k, [...(groups.get(k) ?? []), t]);
  }
  return [...groups.values()]
    .map(fairDraws)
    .filter((g) => g.length > 0)
    .map((g) => {
      const read = g.map((t) => ({ t, v: steadyValue(t) })).sort((a, b) => a.v - b.v);
      return { trials: read.map((r) => r.t), mean: read.reduce((a, r) => a + r.v, 0) / read.length };
    })
    .sort((a, b) => a.mean - b.mean);
}

/**
 * A configuration's trials without the seed repeats the time budget stopped before the epoch at which the
 * configuration's other trials reached their best: those had no fair chance. One stopped later had: on ETTh1 h96
 * trial #11 reached 0.0868 at epoch 9 of 14 (lr 0.039, 0.2027 two epochs later), and its two repeats, stopped at
 * epoch 12, 0.0905 and 0.0904; left out, they left #11's lucky draw as the study's best.
 */
function fairDraws(g: FrozenTrial[]): FrozenTrial[] {
  const stopped = (t: FrozenTrial) => 'seed' in t.params && Boolean(t.attrs.stopped);
  const needed = Math.max(0, ...g.filter((t) => !stopped(t)).map(bestEpoch));
  return g.filter((t) => !stopped(t) || (needed > 0 && t.intermediate.length >= needed));
}

/** A configuration run on more than one seed. */
export const severalSeeds = (g: SeedGroup) => g.trials.length > 1;

/**
 * How far the seeds of one configuration fell apart in this study: the widest range of steady values over the seeds
 * of a configuration run on several (the highest less the lowest), over that configuration's mean; 0 when none ran on
 * several.
 */
export function seedSpread(groups: readonly SeedGroup[]): number {
  let widest = 0;
  for (const g of groups.filter(severalSeeds)) {
    const v = g.trials.map(steadyValue);
    widest = Math.max(widest, (Math.max(...v) - Math.min(...v)) / g.mean);
  }
  return widest;
}

/**
 * The configuration auto's end names best (groups: seedGroups, lowest mean first): the best by its mean over seeds
 * among those run on several (a lucky seed does not win), unless a configuration run on one seed is below that mean by
 * more than the seed spread the study measured (seedSpread): no luck of a seed the study saw explains that gap, and
 * the configuration was not repeated only because no process got to it (auto repeats such a configuration as soon as
 * its plan reaches the joint search: auto-joint.ts). With processes of different time budgets on one study, one near
 * its end repeated the seeds of #3 (mean 0.0384) at the fourth trial while the others ran 14 trials down to 0.0329 on
 * one seed each, and the end chose #3. Else, with no configuration run on several seeds, the steadiest.
 */
export function chosenGroup(groups: readonly SeedGroup[]): SeedGroup | undefined {
  const top = groups.find(severalSeeds);
  const lone = groups[0];
  if (!top || !lone || lone === top) return lone;
  return lone.mean < top.mean * (1 - seedSpread(groups)) ? lone : top;
}

/**
 * The trial a configuration is named by: its first trial without a seed of its own (the one the plan ran; its seed
 * repeats came after it), else its first. Not its best seed, which is the study's best: the plan's lines and the end's
 * name one configuration alike, and the best reads as "the best seed of #20's configuration".
 */
export function namedBy(g: SeedGroup): FrozenTrial {
  const first = (ts: FrozenTrial[]) => ts.reduce((a, b) => (b.number < a.number ? b : a));
  const unseeded = g.trials.filter((t) => !('seed' in t.params));
  return first(unseeded.length ? unseeded : g.trials);
}

/**
 * A study's completed trials as its end reads them (auto's reading, whatever the strategy): its best first (the one
 * the study names, `first`: auto's choice; else the best seed of the configuration chosenGroup names), then
 * configuration by configuration, the lowest mean of steady values over seeds first, each configuration's seeds
 * steadiest first; the trials seedGroups leaves out (a value that is not finite, a seed repeat
 * stopped before it had a fair chance) last, by value. `groups`: seedGroups of these trials, where the caller has them.
 */
export function studyOrder(
  base: RawConfig,
  trials: readonly FrozenTrial[],
  first?: number,
  groups: readonly SeedGroup[] = seedGroups(base, trials),
): FrozenTrial[] {
  const lead = first ?? chosenGroup(groups)?.trials[0]?.number;
  const read = groups.flatMap((g) => g.trials);
  const rest = trials
    .filter((t) => t.state === 'complete' && t.value !== null && !read.includes(t))
    .sort((a, b) => a.value! - b.value!);
  const all = [...read, ...rest];
  const i = all.findIndex((t) => t.number === lead);
  return i > 0 ? [all[i]!, ...all.slice(0, i), ...all.slice(i + 1)] : all;
}
