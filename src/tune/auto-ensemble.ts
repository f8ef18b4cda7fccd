// How an `auto` study ends: the best configuration by its mean over seeds (a lucky seed does not win), then an
// ensemble of the best trials (the seeds of the best configuration, or of the best two, fused with
// ensemble.ts's mean; or the best trial or its seeds blended with the linear baseline), cross-fitted on
// validation, kept when it beats the single best on validation by more than train's TIE. Nothing
// is trained again: the members are the trials' own run folders. The study's attributes say what was chosen
// (best_by_mean, ensemble) for `study show`, and the last lines put the test scores of the ensemble, the single
// best and the baselines (linear included) side by side.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RawConfig } from '../config/index.js';
import type { PreparedData } from '../data/index.js';
import { bestBaseline, freePath, TIE, withinTie } from '../run/index.js';
import type { FrozenTrial, Storage } from '../storage/index.js';
import { type BestRun, keepBest } from './best.js';
import { endRidge, memberSeconds } from './budget.js';
import { digitsApart } from './digits.js';
import { studyEnsemble, writeEnsemble } from './ensemble.js';
import { StudyInterrupted, throwIfInterrupted } from './interrupt.js';
import { chosenGroup, namedBy, type SeedGroup, seedGroups, seedSpread, severalSeeds } from './seeds.js';
import { applyParams, canonical } from './space.js';
import { luckOf, steadyValue } from './steady.js';
import { dataKey } from './trial.js';

/** The best configuration by its mean over seeds, and the runner-up, among those run with more than one seed. */
export function bestByMean(base: RawConfig, trials: readonly FrozenTrial[]): SeedGroup[] {
  return seedGroups(base, trials).filter(severalSeeds);
}

const configName = (g: SeedGroup) => `#${namedBy(g).number}'s configuration`;

/** A trial's value and, when its curve is not steady (by more than 0.1%), its steady value: what valueText prints. */
const valuesOf = (t: FrozenTrial): number[] => {
  const luck = luckOf(t);
  return luck > 1e-3 ? [t.value!, t.value! * (1 + luck)] : [t.value!];
};
/** `0.08682 (steady 0.09168)`, or the value alone when its curve is steady; d significant digits (digitsApart). */
const valueText = (t: FrozenTrial, d = 4) => {
  const [v, s] = valuesOf(t).map((x) => x.toPrecision(d));
  return s === undefined ? v! : `${v} (steady ${s})`;
};
const seedsText = (g: SeedGroup, d: number) =>
  `${configName(g)}: mean ${g.mean.toPrecision(d)} over ${g.trials.length} seeds ` +
  `(${g.trials.map((t) => `#${t.number} ${valueText(t, d)}`).join(', ')})`;

/**
 * `best by the mean over seeds: #20's configuration: mean 0.08682 over 3 seeds (#20 ..., #23 ...); then #17's ...`:
 * the configurations' means, which rank them, printed apart (digitsApart), their seeds' values alike.
 */
export function meansLine(ranked: readonly SeedGroup[]): string {
  const shown = ranked.slice(0, 3),
    d = digitsApart(shown.map((g) => g.mean));
  const [top, ...others] = shown.map((g) => seedsText(g, d));
  return `best by the mean over seeds: ${top}${others.length ? `; then ${others.join('; ')}` : ''}`;
}

/** What finishAuto needs of the study. */
export interface AutoEnd {
  storage: Storage;
  name: string;
  strategy: string;
  objective: string;
  base: RawConfig;
  log: (l: string) => void;
  /** The time budget's end (Date.now() milliseconds): the candidates that would run past it are not scored. */
  endAt?: number;
  /** Seconds the trial loop kept from its trials for this step (endStepReserve); none: 0. */
  reserve?: number;
  /**
   * The study's abort signal (Ctrl-C, SIGTERM): the ensemble step stops before its next candidate and at the ridge
   * fits' turns, and the best trial stands (finishAuto's `interrupted`).
   */
  signal?: AbortSignal;
}

/** The study attributes in which the end records its choices (study-json.ts reads them). */
const END_ATTRS = ['best_by_mean', 'best_by_steady', 'ensemble', 'ensemble_cut'] as const;

/**
 * The end of an auto study: the best trial (the best seed of the configuration seeds.ts chosenGroup names: the best
 * by its mean over seeds, unless one run on one seed is below that by more than the study's seed spread; else the
 * best trial; by steady values, steady.ts), its run folder kept as keepBest keeps it, then the ensemble step.
 * Returns the best trial and the run folder the study points at (the ensemble's when it was kept).
 */
export async function finishAuto(
  c: AutoEnd,
  trials: readonly FrozenTrial[],
  fallback: FrozenTrial | null,
): Promise<{ best: FrozenTrial | null; bestRun?: BestRun; bestBy?: string; interrupted?: string }> {
  // an end replayed (a resume, more trials) says only what it chose: a choice an earlier end recorded and this one
  // does not make (a best by steady value, an ensemble it could not build) would contradict the study's result
  for (const k of END_ATTRS) await c.storage.setStudyAttr(c.name, k, null);
  const groups = seedGroups(c.base, trials);
  const ranked = groups.filter(severalSeeds);
  const chosen = chosenGroup(groups);
  // the best configuration by its mean over seeds, where one was chosen among those run on several
  const top = chosen && severalSeeds(chosen) ? chosen : undefined;
  const best = chosen?.trials[0] ?? fallback;
  if (!best) return { best };
  let bestBy = chosen && !top && ranked[0] ? oneSeedBest(chosen, ranked, groups, c.log) : undefined;
  if (!top && fallback && fallback.number !== best.number) {
    bestBy ??= 'by the steady value of its curve';
    const d = digitsApart([...valuesOf(best), ...valuesOf(fallback)]);
    c.log(
      `\nbest by the steady value of its curve: #${best.number} ${valueText(best, d)}; trial #${fallback.number}, ` +
        `${valueText(fallback, d)}, is a dip below its neighbouring epochs`,
    );
    await c.storage.setStudyAttr(c.name, 'best_by_steady', {
      trial: best.number,
      steady: steadyValue(best),
      dip: { trial: fallback.number, value: fallback.value, steady: steadyValue(fallback) },
    });
  }
  if (top) {
    bestBy = chosenBy(best, top, ranked[1]);
    c.log(`\n${meansLine(ranked)}`);
    if (fallback && fallback.number !== best.number) c.log(passedOver(fallback, best, top, groups, seedSpread(groups)));
    await c.storage.setStudyAttr(c.name, 'best_by_mean', {
      trial: best.number,
      mean: top.mean,
      seeds: top.trials.map((t) => ({ trial: t.number, value: t.value })),
    });
  }
  const bestRun = await keepBest(c, trials, best);
  if (!bestRun) return { best, bestBy };
  // the ensemble is a bonus: a member that cannot be read (a removed run folder) costs it, not the study
  const ens = await ensembleStep(c, trials, best, bestRun.dir, top).catch((e: Error) => {
    if (e instanceof StudyInterrupted) return e;
    c.log(`no ensemble: ${e.message}`);
    return undefined;
  });
  // interrupted, the best trial stands, and the step is left for a resume (runStudy records no end_step)
  if (ens instanceof StudyInterrupted) {
    c.log(
      `the end step was interrupted (${ens.reason}) before an ensemble was chosen: the study's result is best trial ` +
        `#${best.number} (${bestRun.dir}); --resume does the end step`,
    );
    return { best, bestRun, bestBy, interrupted: ens.reason };
  }
  return { best, bestRun: ens ? { dir: ens, trial: best.number } : bestRun, bestBy };
}

/**
 * Why the lowest value of the study (`low`) is not the best chosen by the mean over seeds: a dip of a seed of the best
 * configuration, a configuration run on one seed whose steady value is below the best mean (the mean is taken only
 * over configurations run on several), else a lucky seed or a dip of a configuration worse on average. On daily
 * minimum temperatures (3 minutes) the line called #42 (0.3161, steady 0.3164) a configuration worse on average than
 * the baseline's 0.3209 over 3 seeds: #42's ran on one seed, and the budget ended before it was repeated.
 */
function passedOver(
  low: FrozenTrial,
  best: FrozenTrial,
  top: SeedGroup,
  groups: readonly SeedGroup[],
  spread: number,
): string {
  const head = `(trial #${low.number}, ${valueText(low)},`;
  if (top.trials.some((t) => t.number === low.number))
    return `${head} dipped below its neighbours: its configuration's steadiest seed, #${best.number}, stands for it)`;
  const own = groups.find((g) => g.trials.some((t) => t.number === low.number));
  if (own?.trials.length === 1 && own.mean < top.mean)
    return (
      `${head} ran on one seed: its configuration was not repeated, and its steady value is within the ` +
      `spread of one configuration's seeds in this study (${pct(spread)}) of the best mean over seeds)`
    );
  return `${head} was a lucky seed or a dip of a noisy curve of a configuration that is worse on average)`;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * Why a configuration run on one seed is the best (seeds.ts chosenGroup), in the words after it in tune's summary
 * (logged with the means it was weighed against):
 * `on one seed: its steady value 0.03290 is 14.3% below the best mean over seeds (#3's configuration: 0.03840 over 3),
 * more than one configuration's seeds spread in this study (5.1%); not repeated, so its own mean is not known`.
 */
function oneSeedBest(
  lone: SeedGroup,
  ranked: readonly SeedGroup[],
  groups: readonly SeedGroup[],
  log: (l: string) => void,
): string {
  const top = ranked[0]!,
    d = digitsApart([lone.mean, top.mean]);
  const why =
    `on one seed: its steady value ${lone.mean.toPrecision(d)} is ${pct(1 - lone.mean / top.mean)} below the best ` +
    `mean over seeds (${configName(top)}: ${top.mean.toPrecision(d)} over ${top.trials.length}), more than one ` +
    `configuration's seeds spread in this study (${pct(seedSpread(groups))}); not repeated, so its own mean is ` +
    'not known';
  log(`\n${meansLine(ranked)}`);
  log(`best on one seed: #${lone.trials[0]!.number}, ${why}`);
  return why;
}

/**
 * Why the best is the best, in the words after it in tune's summary: `the best seed of #20's configuration; by the
 * mean over 3 seeds #20's configuration beats #17's (over 2)`, or `by the mean over 3 seeds its configuration beats
 * #17's` for the trial that names its configuration.
 */
function chosenBy(best: FrozenTrial, top: SeedGroup, runnerUp: SeedGroup | undefined): string {
  const own = namedBy(top).number === best.number;
  const seedOf = own ? '' : `the best seed of ${configName(top)}; `;
  const n = top.trials.length;
  if (!runnerUp) return `${seedOf}by the mean over ${n} seeds`;
  const m = runnerUp.trials.length;
  const beats = `${own ? 'its configuration' : configName(top)} beats #${namedBy(runnerUp).number}'s`;
  return `${seedOf}by the mean over ${n} seeds ${beats}${m !== n ? ` (over ${m})` : ''}`;
}

/** A candidate ensemble: trials fused with the mean, or blended with the linear baseline. */
interface Candidate {
  what: string;
  members: number[];
  linear?: boolean;
  /** A network at another lookback than the best trial's (its data section differs in that alone). */
  lookback?: number;
}

/**
 * Candidate member sets: the best configuration's seeds, those and the runner-up's, else the best 3 trials (fused
 * with the mean); and the best trial, the best configuration's seeds, the best trial and the best network without
 * a linear path, or each of the best PLAIN networks without it alone, with the linear baseline at the best trial's
 * lookback (blended: the convex weights with the lowest validation MSE). On ETTh1
 * at horizon 168 a GRU 2.4% worse than the ridge on test and the ridge blended half and half were 3.3% better
 * than the ridge.
 */
export function candidates(base: RawConfig, trials: readonly FrozenTrial[], best: FrozenTrial) {
  const data = canonical(applyParams(base, best.params).data);
  const sameData = (t: FrozenTrial) => canonical(applyParams(base, t.params).data) === data;
  const sets: Candidate[] = [];
  const all = seedGroups(base, trials);
  // the configurations on the best trial's windows only, so that every candidate is scored on the windows it is
  const groups = all.filter((g) => sameData(g.trials[0]!));
  const [a, b] = groups.filter(severalSeeds);
  if (a) sets.push({ what: `the ${a.trials.length} seeds of ${configName(a)}`, members: nums(a) });
  if (a && b) sets.push({ what: `the seeds of the best two configurations`, members: [...nums(a), ...nums(b)] });
  if (!a) {
    const top = groups.slice(0, 3).map((g) => g.trials[0]!.number);
    if (top.length > 1) sets.push({ what: `the best ${top.length} configurations`, members: top });
  }
  sets.push({ what: `#${best.number} and the linear baseline`, members: [best.number], linear: true });
  // A network without a linear path errs unlike the ridge, so the two blend best: on ETTh1 h168 the best such
  // trial blended with the ridge (validation 0.1009) beat the best trial, which had the ridge inside (0.1017).
  // Networks at another lookback stand in where the best trial's data has none, each alone with the ridge at its own
  // lookback (fuseCandidates checks that they forecast the same validation steps): the plan trains a plain network at
  // the lookback it has adopted, to blend here, and a finer step can move the best to another. ETTh1 h24
  // (thirty-ninth session): the plan's #6 (lookback 336) was left out when the best went to 310; #6 with the ridge
  // scored 0.04783 on validation (cross-fitted) against 0.04860 for the best, and 0.025559 on test, 1.3% below the
  // ridge, where the end kept the best alone (0.025896, a tie). Only where none is at the best's data: with every
  // lookback's plain networks in play, the fresh h48 study of the same session took #189 (lookback 299) with the
  // ridge, 0.06836 on validation against 0.06895 for #10 (336, the best's), and lost on test (0.03853 against
  // 0.03779, the ridge 0.03825): the more candidates, the more one of them fits the validation months by chance.
  const anyLookback = all
    .filter((g) => !applyParams(base, g.trials[0]!.params).model.linear_skip && lookbackAlone(base, best, g))
    .map((g) => g.trials[0]!)
    .filter((t) => t.number !== best.number);
  const here = anyLookback.filter(sameData);
  const plain = here.length ? here : anyLookback;
  const p = here[0];
  if (p)
    sets.push({
      what: `#${best.number}, #${p.number} (no linear path) and the linear baseline`,
      members: [best.number, p.number],
      linear: true,
    });
  // Each of the best PLAIN such networks alone with the ridge: two weights to fit on validation rather than three,
  // and not always the best plain network (ETTh1 h48: the config as written at lookback 336, 7.5% worse than the
  // ridge-path trials alone, blended with the ridge 0.06895 cross-fitted against 0.06914 for the best trial; with
  // the best trial as a third member 0.06924).
  for (const q of plain.slice(0, PLAIN)) {
    const at = sameData(q) ? undefined : applyParams(base, q.params).data.lookback;
    const why = at === undefined ? 'no linear path' : `no linear path, lookback ${at}`;
    const c: Candidate = { what: `#${q.number} (${why}) and the linear baseline`, members: [q.number], linear: true };
    sets.push(at === undefined ? c : { ...c, lookback: at });
  }
  if (a && a.trials.length > 1)
    sets.push({
      what: `the seeds of ${configName(a)} and the linear baseline`,
      members: nums(a),
      linear: true,
    });
  return sets;
}
const nums = (g: SeedGroup) => g.trials.map((t) => t.number);

/** Whether a configuration's data section is the best trial's but for data.lookback. */
function lookbackAlone(base: RawConfig, best: FrozenTrial, g: SeedGroup): boolean {
  const bare = (params: FrozenTrial['params']) => canonical({ ...applyParams(base, params).data, lookback: 0 });
  return bare(g.trials[0]!.params) === bare(best.params);
}

/**
 * Whether a candidate at another lookback forecast the validation steps the best trial's windows do (its scores
 * compare with theirs): they do where both lookbacks reach back from the validation rows' first, as on the examples'
 * fixed splits; not where a lookback longer than the rows before it moves the first window. Unknown (false) when the
 * best trial's data was not prepared (its candidates were not scored).
 */
export function sameValSteps(cache: Map<string, PreparedData>, base: RawConfig, best: FrozenTrial, other: FrozenTrial) {
  const val = (t: FrozenTrial) => cache.get(dataKey(applyParams(base, t.params)))?.windows.val.starts;
  const [a, b] = [val(best), val(other)];
  return !!a && !!b && a.length === b.length && a.every((s, i) => s === b[i]);
}
/** How many networks without the linear path are blended, each alone, with the linear baseline. */
const PLAIN = 3;

type Ensemble = Awaited<ReturnType<typeof studyEnsemble>>;

/**
 * Fuses each candidate set with the mean, keeps the one with the lowest cross-fitted validation MSE when it beats
 * the best trial alone on validation, writes it as a run folder beside the trials' and points the study at it.
 */
async function ensembleStep(
  c: AutoEnd,
  trials: readonly FrozenTrial[],
  best: FrozenTrial,
  bestDir: string,
  top: SeedGroup | undefined,
): Promise<string | undefined> {
  const { tried, cut } = await fuseCandidates(c, trials, best);
  return reportPick(c, trials, best, bestDir, { ...pickOf(tried, trials, best, top), cut });
}

/**
 * Each candidate set fused (with the mean, or blended with the linear baseline), as studyEnsemble scores it, over
 * one prepared data (one ridge fit). With a time budget (AutoEnd.endAt) a candidate is scored only while its
 * expected seconds fit in what is left: its members' predictions (memberSeconds of the best trial's save_seconds,
 * then as measured) and, for the first, the ridge fit (endRidge); the ones left out are said in one line and kept in
 * the study's attribute ensemble_cut.
 */
async function fuseCandidates(c: AutoEnd, trials: readonly FrozenTrial[], best: FrozenTrial) {
  const tried: { what: string; r: Ensemble }[] = [];
  const sets = candidates(c.base, trials, best),
    cut: string[] = [],
    dataCache = new Map();
  let perMember = memberSeconds(Number(best.attrs.save_seconds ?? 0)),
    ridge = endRidge(c.base, best, trials);
  // The first candidate has the seconds the trial loop kept for it (endStepReserve), whatever the clock says: the
  // trials in flight, the best run and its plots take it past the budget's end first (a 75-second demo study, its
  // reserve kept, scored none of its 8 candidates of 0.3 s); the others are scored while they fit in what is left.
  // The loop kept its reserve for the best by value at its last turn, this step's best is the mean over seeds and
  // the trials that finished after: the first candidate is scored wherever the loop kept anything (the demo study
  // scored none of 5 when its estimate was above the loop's reserve).
  const reserved = c.reserve ?? 0,
    endAt = c.endAt === undefined ? undefined : Math.max(c.endAt, Date.now() + 1000 * reserved);
  const fitted = new Set<number>(); // the lookbacks other than the best's whose ridge model the step has fitted
  const stop = stopper(c);
  for (const [i, set] of sets.entries()) {
    stop();
    const other = set.lookback === undefined ? undefined : trials.find((t) => t.number === set.members[0]);
    const fit = !other ? ridge : fitted.has(set.lookback!) ? 0 : endRidge(c.base, other, trials);
    const expected = set.members.length * perMember + fit;
    const first = i === 0 && (reserved > 0 || expected <= 0);
    if (endAt !== undefined && !first && Date.now() + expected * 1000 > endAt) {
      cut.push(set.what);
      continue;
    }
    // a long one is said before it starts: at 1,000,000 rows the log was silent for 2.5 minutes after the trials
    if (expected >= SAY_SCORING_S)
      c.log(`ensemble of ${set.what}: scoring it on the validation windows, about ${Math.round(expected)} s`);
    const t0 = performance.now();
    const r = await scoreSet(c, set, dataCache, stop);
    const took = (performance.now() - t0) / 1000;
    if (fit === 0) perMember = took / set.members.length;
    if (other) fitted.add(set.lookback!);
    else ridge = 0;
    if (other && !sameValSteps(dataCache, c.base, best, other)) {
      c.log(`ensemble of ${set.what}: not compared, its validation windows are not the best trial's`);
      continue;
    }
    if (r && r.members.length >= 2) tried.push({ what: set.what, r });
  }
  if (cut.length) {
    c.log(
      `ensemble: ${cut.length} of ${sets.length} candidates not scored, too long for what the time budget left: ` +
        cut.join('; '),
    );
    await c.storage.setStudyAttr(c.name, 'ensemble_cut', cut);
  }
  return { tried, cut: cut.length > 0 };
}

/**
 * What the end step calls before each candidate and at each turn of its ridge fits: throws StudyInterrupted once the
 * study's signal is aborted (the trial loop's error, auto-lookback.ts's stop). Without it, SIGTERM during the end
 * step waited for all of it (ETTh1 OT, lookback 96 to 336, horizon 96: exit 143 11.7 s after the signal).
 */
function stopper(c: AutoEnd): () => void {
  return () => throwIfInterrupted(c.name, c.signal);
}

/** Seconds from which the end step says a candidate's scoring before it starts. */
const SAY_SCORING_S = 20;

/** One candidate set fused as studyEnsemble scores it; a blend the linear baseline cannot join is said and skipped. */
function scoreSet(c: AutoEnd, set: Candidate, dataCache: Map<string, PreparedData>, onTurn: () => void) {
  return studyEnsemble(c.storage, c.name, {
    top: set.members.length,
    members: set.members,
    write: false,
    linear: set.linear,
    method: set.linear ? 'blend' : 'mean',
    dataCache,
    onTurn,
  }).catch((e: Error) => {
    if (!set.linear || e instanceof StudyInterrupted) throw e;
    c.log(`no blend with the linear baseline: ${e.message}`); // the trials' ensembles stand without it
    return undefined;
  });
}

/**
 * The candidate to report: one that can be kept wins over one that cannot, then the lower validation MSE; all
 * compared by steady values (steady.ts), since a member whose value is a dip of a noisy curve flatters its ensemble.
 * What a candidate must beat is the single best as auto ranks it (referenceVal).
 */
function pickOf(
  tried: { what: string; r: Ensemble }[],
  trials: readonly FrozenTrial[],
  best: FrozenTrial,
  top: SeedGroup | undefined,
) {
  const { value: alone, against } = referenceVal(tried, best, top);
  const steady = (r: Ensemble) => steadyFusion(r, trials);
  const canKeep = (r: Ensemble) => keepable(r, alone, steady(r));
  let pick: { what: string; r: Ensemble } | undefined;
  for (const t of tried) {
    const [k, kPick] = [canKeep(t.r), pick && canKeep(pick.r)];
    const better = !pick || (k && !kPick) || (k === kPick && steady(t.r) < steady(pick.r));
    if (better) pick = t;
  }
  return { pick, alone, against, steady, canKeep };
}

/**
 * The single best a candidate must beat on validation, as auto ranked it: when the best trial is the best seed of a
 * configuration run on several, that configuration's mean over its seeds (each seed's validation MSE on the
 * ensembles' windows, steady); else the best trial's own (steady). The best of k seeds is chosen on these validation
 * windows, so its own value is low by the luck of the draw: on a fresh ETTh1 h48 study the best seed (0.06822, its
 * configuration's mean 0.06909) kept out a plain network blended with the ridge (0.06907), and was 4.6% behind that
 * blend on test (0.03954 against 0.03779; the ridge alone 0.03825). Replayed on 19 other stored studies (the
 * ETTh1, PM2.5, demo and two small series' studies of the sessions before), the end chose as before.
 */
export function referenceVal(tried: { r: Ensemble }[], best: FrozenTrial, top?: SeedGroup) {
  const own = { value: aloneVal(tried, best) * (1 + luckOf(best)), against: `#${best.number} alone` };
  if (!top || top.trials.length < 2 || top.trials[0]!.number !== best.number) return own;
  let sum = 0;
  for (const t of top.trials) {
    const v = valMse(tried, t.number);
    if (v === undefined) return own;
    sum += v * (1 + luckOf(t));
  }
  const mean = sum / top.trials.length;
  const against = `${configName(top)} (the mean over its ${top.trials.length} seeds)`;
  return mean > own.value ? { value: mean, against } : own;
}

/** A trial's validation MSE on the ensembles' windows, from a candidate it is a member of. */
const valMse = (tried: { r: Ensemble }[], n: number) => {
  for (const { r } of tried) {
    const v = r.members.find((m) => m.trial === n)?.val_mse;
    if (typeof v === 'number') return v;
  }
  return undefined;
};

/** What c.log, the study's attributes and the result folder say of the picked candidate (ensembleStep's end). */
async function reportPick(
  c: AutoEnd,
  trials: readonly FrozenTrial[],
  best: FrozenTrial,
  bestDir: string,
  p: ReturnType<typeof pickOf> & { cut?: boolean },
): Promise<string | undefined> {
  const single = await testOf(bestDir);
  const { pick, alone, against, steady, canKeep } = p;
  if (!pick) {
    c.log(
      p.cut
        ? 'no ensemble: the time budget left none of its candidates time to be scored'
        : `no ensemble: fewer than two distinct trials on the best trial's windows`,
    );
    if (single) c.log(scoresLine(single, best.number));
    return undefined;
  }
  const { r, what } = pick;
  const kept = canKeep(r);
  const sole = soleMember(r);
  const linear = r.members.find((m) => m.trial === null);
  const val = { cross_fitted: r.val.fusion, ensemble: steady(r), best: alone, linear: linear?.val_mse };
  const whyNot = notKeptWhy(r, kept, { val, against });
  const verdict = kept ? 'kept' : whyNot ? `not kept (${whyNot})` : 'not kept';
  c.log(validationLine(`ensemble of ${what} (${r.method})`, val, against, verdict));
  const dir = kept ? await writeAuto(r, bestDir, trials.length) : undefined;
  // steady values (what was compared), and the cross-fitted one the steady ensemble value comes from
  const att = {
    what,
    kept,
    ...(whyNot ? { why_not: whyNot } : {}),
    dir: dir ?? null,
    val: {
      ensemble: val.ensemble,
      best: alone,
      against,
      ...(linear ? { linear: linear.val_mse } : {}),
      cross_fitted: val.cross_fitted,
    },
    test: r.test.fusion,
  };
  await c.storage.setStudyAttr(c.name, 'ensemble', att);
  if (single) c.log(scoresLine(single, best.number, { mse: r.test.fusion.scaled.mse, kept, sole }));
  if (dir) {
    await c.storage.setStudyAttr(c.name, 'best_run_dir', dir);
    c.log(`the study's result is the ensemble: ${dir} (seqtune predict and evaluate read it)`);
  }
  return dir;
}

/**
 * The member a fusion puts all its weight on ("#n" or "the linear baseline"), or undefined: a blend whose best convex
 * weights are one member's is that member, and its scores are that member's.
 */
export function soleMember(r: Pick<Ensemble, 'method' | 'weights' | 'members'>): string | undefined {
  if (r.method === 'stacked' || r.members.length < 2) return undefined;
  const w = r.weights as number[],
    i = w.findIndex((x) => Math.abs(x - 1) < 1e-9);
  if (i < 0 || w.some((x, j) => j !== i && Math.abs(x) > 1e-9)) return undefined;
  const t = r.members[i]!.trial;
  return t === null ? 'the linear baseline' : `#${t}`;
}

/**
 * Why a candidate is not kept where the values its line prints (steady values) do not say it, or undefined: its
 * weights all on one member, or a member alone ahead of its cross-fitted value on validation (studyEnsemble keeps a
 * fusion only where it beats each member). A study of shampoo sales printed "validation MSE 0.5202 (cross-fitted;
 * steady 0.5410) vs 0.5462 (steady) for #28 alone: not kept", every number for the ensemble; #28's own 0.5151 kept it
 * out. With `compared` (the values its line prints, and whom the single best stands for): a gain within TIE (gains).
 */
export function notKeptWhy(
  r: Pick<Ensemble, 'kept' | 'val' | 'method' | 'weights' | 'members'>,
  kept: boolean,
  compared?: { val: ValScores; against: string },
): string | undefined {
  if (kept) return undefined;
  const sole = soleMember(r);
  if (sole) return `its weights are all on ${sole}`;
  const { fusion, best_member: alone, best_trial: n } = r.val;
  if (r.kept === 'fusion' || alone === undefined) return tieWhy(compared?.val, compared?.against ?? 'the single best');
  const d = digitsApart([fusion, alone]);
  return (
    `its member ${n === null ? 'the linear baseline' : `#${n}`} alone scores ${alone.toPrecision(d)} on validation, ` +
    `below its cross-fitted ${fusion.toPrecision(d)}`
  );
}

/**
 * `within 0.05% of #1 alone: no real gain` (or of the linear baseline alone) where the values a candidate's line
 * compares are all in its favour but one by no more than TIE (keepable's gains).
 */
function tieWhy(v: ValScores | undefined, against: string): string | undefined {
  if (!v || v.ensemble >= v.best || (v.linear !== undefined && v.ensemble >= v.linear)) return undefined;
  const tied = withinTie(v.ensemble, v.best)
    ? against
    : v.linear !== undefined && withinTie(v.ensemble, v.linear)
      ? 'the linear baseline alone'
      : undefined;
  return tied && `within ${100 * TIE}% of ${tied}: no real gain`;
}

/**
 * The best trial's validation MSE on the ensembles' windows, from a candidate it is a member of (every candidate of
 * one study has the best trial's data, so the same windows); else the best member's of the first candidate.
 */
export function aloneVal(tried: { r: Ensemble }[], best: FrozenTrial): number {
  return valMse(tried, best.number) ?? tried[0]?.r.val.best_member ?? Infinity;
}

/**
 * A fusion that beats every member on validation (the linear baseline included), and the single best (`alone`,
 * referenceVal's) whether it is a member or not (a blend of a network without the linear path and the ridge stands
 * in for the study's best);
 * `fusion`: its validation MSE as compared (steadyFusion), its own by default, which must beat the linear baseline's
 * too. Beating is by more than train's TIE (gains): a fusion within it of the single best is no real gain.
 */
export const keepable = (r: Ensemble, alone: number, fusion = r.val.fusion) =>
  r.kept === 'fusion' && gains(fusion, alone) && r.members.every((m) => m.trial !== null || gains(fusion, m.val_mse!));

/**
 * Whether a fusion's validation MSE is below a single model's by more than TIE, the rule by which train and tune's end
 * say a test MSE matches a baseline rather than beats it (run/train.ts withinTie). Kept on any gain, daily minimum
 * temperatures kept #1 and the linear baseline blended at 0.31002 against #1's 0.31003 (0.002%), which scored
 * 0.2854 on test against #1's 0.2852. Of the 8 distinct ensembles kept by the auto studies stored on this machine in
 * the sessions before, the rule drops that one alone: the next smallest gains were 0.06% (a 1,000,000-row study, 0.04%
 * ahead on test) and 0.2% (the demo).
 */
const gains = (fusion: number, single: number) => fusion < single && !withinTie(fusion, single);

/**
 * A fusion's validation MSE as steady values would have it: scaled by 1 + its members' luck (steady.ts) weighted as
 * the fusion weights them (the linear baseline, fitted in closed form, has none). On ETTh1 h96 the mean of three
 * seeds at a learning rate on the edge of stability (luck 5.6%, 2.3%, 1.7%) was 2.5% ahead of a plain GRU blended
 * with the ridge on validation and 17% behind it on test.
 */
export function steadyFusion(r: Pick<Ensemble, 'val' | 'members' | 'weights'>, trials: readonly FrozenTrial[]): number {
  const w = r.weights as number[];
  let luck = 0;
  r.members.forEach((m, i) => {
    const t = m.trial === null ? undefined : trials.find((x) => x.number === m.trial);
    if (t) luck += (w[i] ?? 1 / r.members.length) * luckOf(t);
  });
  return r.val.fusion * (1 + luck);
}

/**
 * Writes the ensemble folder beside the trials' run folders (ensemble-after-N, N trials), once: a study ended again
 * (a second process, a resume) points at the folder already written when it holds the same members fused the same
 * way, and writes a new one beside it when not (an end replayed with other code chose another ensemble).
 */
export async function writeAuto(r: Ensemble, bestDir: string, n: number): Promise<string> {
  const want = join(dirname(bestDir), `ensemble-after-${n}`);
  const f = join(want, 'ensemble.json');
  if (existsSync(f)) {
    const had = JSON.parse(await readFile(f, 'utf8')) as Partial<Ensemble>;
    if (sameFusion(had, r)) return want;
  }
  return writeEnsemble(freePath(want), r);
}

const sameFusion = (a: Partial<Ensemble>, b: Ensemble) =>
  a.method === b.method && JSON.stringify(a.members?.map((m) => m.dir)) === JSON.stringify(b.members.map((m) => m.dir));

/** The validation MSEs the end compares a candidate by: its steady value against the single best's and linear's. */
export interface ValScores {
  /** The fusion's own, cross-fitted. */
  cross_fitted: number;
  /** The fusion's as compared (steadyFusion). */
  ensemble: number;
  /** The single best's as compared (referenceVal). */
  best: number;
  /** The linear baseline's, when it is a member. */
  linear?: number;
}

/**
 * `ensemble of ... (mean): validation MSE 0.1671 (cross-fitted; steady 0.1671) vs 0.1672 (steady) for #14 alone: kept`,
 * and `and 0.1700 for the linear baseline alone` before the verdict when linear is a member; the compared values
 * printed apart (digitsApart), the cross-fitted one with them.
 */
export function validationLine(head: string, v: ValScores, against: string, verdict: string): string {
  const d = digitsApart([v.ensemble, v.best, ...(v.linear === undefined ? [] : [v.linear])]),
    f = (x: number) => x.toPrecision(d);
  const linear = v.linear === undefined ? '' : ` and ${f(v.linear)} for the linear baseline alone`;
  return (
    `${head}: validation MSE ${f(v.cross_fitted)} (cross-fitted; steady ${f(v.ensemble)}) vs ${f(v.best)} (steady) ` +
    `for ${against}${linear}: ${verdict}`
  );
}

type Scores = Record<string, { mse: number }>;

/**
 * The test scores (scaled) of a run folder's metrics.json: the model's and every baseline's. A NaN score (a seasonal
 * naive whose season reaches before the first row) is written as null and read back as NaN: as null it failed
 * scoresLine with a TypeError (null.toPrecision), or sorted as 0 it would have been named the best baseline.
 */
async function testOf(dir: string): Promise<Scores | undefined> {
  const f = join(dir, 'metrics.json');
  if (!existsSync(f)) return undefined;
  const m = JSON.parse(await readFile(f, 'utf8')) as { test?: { scaled?: Record<string, { mse: number | null }> } };
  const scaled = m.test?.scaled;
  return scaled && Object.fromEntries(Object.entries(scaled).map(([k, v]) => [k, { mse: v.mse ?? Number.NaN }]));
}

/** `test MSE (scaled): ensemble x, best trial #n y, linear z, persistence ...; the result beats linear by 2.1%`;
 *  "ensemble (not kept)" when the study's result is the best trial (its test score shown all the same, for the
 *  record), without a score of its own when its weights are all on one member (`sole`: that member's score is on the
 *  line already). The scores are printed apart (digitsApart). The verdict holds the study's result (the kept
 *  ensemble, else the best trial) to the best baseline by train's rule: within TIE either way it matches it. */
export function scoresLine(s: Scores, n: number, ensemble?: { mse: number; kept: boolean; sole?: string }): string {
  const shown = ensemble && !(ensemble.sole && !ensemble.kept);
  const baselines = Object.entries(s).filter(([k]) => k !== 'model');
  const d = digitsApart([...(shown ? [ensemble.mse] : []), ...Object.values(s).map((v) => v.mse)]),
    f = (x: number) => x.toPrecision(d);
  const parts = !ensemble
    ? []
    : !shown
      ? [`ensemble (not kept: its weights are all on ${ensemble.sole})`]
      : [`ensemble${ensemble.kept ? '' : ' (not kept)'} ${f(ensemble.mse)}`];
  parts.push(`best trial #${n} ${f(s.model!.mse)}`);
  for (const [k, v] of baselines) parts.push(`${k} ${f(v.mse)}`);
  const result = ensemble?.kept ? ensemble.mse : s.model!.mse;
  const best = bestBaseline(s);
  return `test MSE (scaled): ${parts.join(', ')}${best ? `; the result ${versus(result, best.name, best.mse)}` : ''}`;
}

/** The study's result against the best baseline, in train's words (run/train.ts verdict): beats, matches or not. */
function versus(result: number, name: string, baseline: number): string {
  if (withinTie(result, baseline)) return `matches ${name} (within ${100 * TIE}%)`;
  return result < baseline
    ? `beats ${name} by ${(100 * (1 - result / baseline)).toFixed(1)}%`
    : `does NOT beat ${name}`;
}
