// `seqtune study ensemble NAME --top K`: fuses the saved models of the K best distinct trials of a study (mean,
// 1/MSE-weighted or a least-squares stacker fitted on validation) without training anything; the best as the
// study's end reads its trials (studyReading: seeds.ts studyOrder, steady values), not by their lowest value. The
// result is a run folder: ensemble.json and the members' run folders (member-1, ...), which predict and evaluate read
// like any run.
// Trials that are the same model as a better one (the same effective config, or bit-identical weights: settings
// that never acted, such as a clipnorm the gradients never reached) are skipped, and said so. A fusion that does not
// beat its best member on validation (cross-fitted: train/ensembles.ts crossFitPredict) is reported as such, and
// the folder then uses the best member alone.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { baselinesOf, type LoadedConfig, type RawConfig, ridgeAsModel } from '../config/index.js';
import { type BaselineSpec, baselineScoresAsync, type PreparedData, scoreForecast } from '../data/index.js';
import {
  defaultRunDir,
  ENSEMBLE_FORMAT,
  ENSEMBLE_VERSION,
  type EnsembleUse,
  freePath,
  RunFolder,
  splitTensors,
  studyHome,
  studyPath,
} from '../run/index.js';
import { type FrozenTrial, type Storage, StorageError } from '../storage/index.js';
import {
  BLEND_MAX_MEMBERS,
  crossFitPredict,
  denseRows,
  type FusionMethod,
  fuseModels,
  loadModel,
  type Model,
  saveModel,
} from '../train/index.js';
import { digitsApart } from './digits.js';
import { namedBy, type SeedGroup, seedGroups, studyOrder } from './seeds.js';
import { applyParams, canonical } from './space.js';
import { luckOf, steadyValue } from './steady.js';
import { chosenBest } from './study-json.js';
import { prepareFor } from './trial.js';

/** A member: a trial's saved run folder and its model. */
interface Member {
  trial: FrozenTrial;
  dir: string;
  model: Model;
  config: string;
  sha256: string;
}

/** A trial left out because a better trial is the same model. */
export interface Skipped {
  trial: number;
  same_as: number;
  why: string;
}

/** Why trial b is the same model as trial a: the same effective config, or the same weights despite settings. */
function sameModel(a: Member, b: Member): string | null {
  if (a.config === b.config) return 'the same effective configuration';
  if (a.sha256 !== b.sha256) return null;
  const differ = Object.keys({ ...a.trial.params, ...b.trial.params }).filter(
    (k) => canonical(a.trial.params[k]) !== canonical(b.trial.params[k]),
  );
  const which = differ.length ? differ.join(', ') : 'nothing';
  return `bit-identical weights: ${which} differ${differ.length === 1 ? 's' : ''} but never acted`;
}

/**
 * The best `top` trials that are distinct models, loaded from their run folders (read beside the study's file in
 * `home`: studyPath); the ones skipped and why. An ensemble needs members on the same windows: a trial named
 * (`named`: --trials, auto's seeds) on another data section than the first is an error; one that --top reaches
 * (an auto study that swept data.lookback, its best at one lookback and the next best at another) is left out,
 * in `otherData`, and the next best on the first's windows taken: `study ensemble NAME --top 2` on such a study was
 * "trial 20 has another data section than trial 3", exit 2, though the study had 16 trials on trial 3's windows.
 */
async function distinctMembers(
  name: string,
  base: RawConfig,
  ranked: FrozenTrial[],
  o: { top: number; named: boolean },
  home: string | undefined,
): Promise<{ members: Member[]; skipped: Skipped[]; otherData: number[] }> {
  const data = canonical(applyParams(base, ranked[0]!.params).data);
  const members: Member[] = [],
    skipped: Skipped[] = [],
    otherData: number[] = [];
  for (const t of ranked) {
    if (members.length === o.top) break;
    const cfg = applyParams(base, t.params);
    if (canonical(cfg.data) !== data && !o.named) {
      otherData.push(t.number);
      continue;
    }
    const stored = t.attrs.run_dir as string | undefined;
    if (!stored)
      throw new StorageError(
        `study "${name}": trial ${t.number} kept no model (it ran with saveBest off, or under an older seqtune); ` +
          'run the study again to ensemble it',
      );
    if (canonical(cfg.data) !== data)
      throw new StorageError(
        `trial ${t.number} has another data section than trial ${ranked[0]!.number}; ` +
          'an ensemble needs members on the same windows',
      );
    const dir = studyPath(stored, home);
    const modelJson = join(dir, 'model', 'model.json');
    if (!existsSync(modelJson))
      throw new StorageError(`trial ${t.number}'s run folder has no model: ${modelJson} is not there (removed?)`);
    const json = JSON.parse(await readFile(modelJson, 'utf8')) as { sha256: string };
    const m: Member = { trial: t, dir, model: await loadModel(join(dir, 'model')), config: canonical(cfg), sha256: '' };
    m.sha256 = json.sha256;
    const dup = members.map((a) => ({ a, why: sameModel(a, m) })).find((x) => x.why);
    if (dup) {
      skipped.push({ trial: t.number, same_as: dup.a.trial.number, why: dup.why! });
      m.model.dispose();
    } else members.push(m);
  }
  return { members, skipped, otherData };
}

/**
 * How the study reads the members (EnsembleOptions.studyReading): each one's luck (steady.ts; 0 for the linear
 * baseline), and what each stands for alone as a factor of its validation MSE, null for a trial the study ranks
 * below the first (never the folder's single model).
 */
interface Reading {
  luck: number[];
  alone: (number | null)[];
  /** Where the first member's alone is its configuration's mean over seeds: that configuration (namedBy) and seeds. */
  mean?: MeanOverSeeds;
}

/**
 * The configuration whose mean over seeds (steady) the study's best stands for, where it is the best seed of several:
 * the trial the configuration is named by (seeds.ts namedBy) and how many seeds.
 */
export interface MeanOverSeeds {
  configuration: number;
  seeds: number;
}

/**
 * What the single model a fusion must beat stands for (val.steady.best_member), in the words after "for":
 * `trial 56 (steady)`, `#14's configuration (the mean over its 3 seeds; trial 56 is its best seed)` where the
 * study's best is the best seed of several, `the linear baseline`. `study ensemble airline-passengers` printed "vs
 * 0.02483 (steady) for trial 56": 0.02483 was #14's configuration's mean over 3 seeds, trial 56's own 0.02440.
 */
export function standsFor(val: { best_trial: number | null; steady?: { mean_over_seeds?: MeanOverSeeds } }): string {
  if (val.best_trial === null) return 'the linear baseline';
  const m = val.steady?.mean_over_seeds;
  if (!m) return `trial ${val.best_trial}${val.steady ? ' (steady)' : ''}`;
  return (
    `#${m.configuration}'s configuration (the mean over its ${m.seeds} seeds, steady; trial ${val.best_trial} is ` +
    'its best seed)'
  );
}

/**
 * The fusion's and each member's validation MSE (the fusion's cross-fitted), and what the folder uses: the fusion
 * when it beats each member; else the member lowest on validation. With the study's reading the fusion must also beat
 * the single model the study would use, both read steady (its members' luck as it weighs them), and that model is
 * the folder's otherwise: the first member (the study's best) or the linear baseline, whichever is lower.
 */
function choose(d: PreparedData, models: Model[], method: FusionMethod, read?: Reading) {
  const [xv, yv] = splitTensors(d, 'val', models[0]!);
  const fusion = fuseModels(models, { method, validation: [xv, yv] });
  const valMse = (pred: ArrayLike<number>) => scoreForecast(d, 'val', pred).scaled.mse;
  const memberVal = models.map((m) => valMse(m.predict(xv).data));
  const fusionVal = valMse(crossFitPredict(models, method, [denseRows(xv), denseRows(yv)]).data);
  const lowest = memberVal.indexOf(Math.min(...memberVal));
  const alone = read ? memberVal.map((v, i) => (read.alone[i] === null ? Infinity : v * read.alone[i]!)) : memberVal;
  const best = alone.indexOf(Math.min(...alone));
  // a stacker's weights are per output: its members count alike
  const share = (i: number) =>
    typeof fusion.weights[i] === 'number' ? (fusion.weights[i] as number) : 1 / models.length;
  const fusionRead = read ? fusionVal * (1 + read.luck.reduce((a, l, i) => a + share(i) * l, 0)) : fusionVal;
  const useFusion = models.length > 1 && fusionVal < memberVal[lowest]! && fusionRead < alone[best]!;
  const use: EnsembleUse = useFusion
    ? { method, members: models.map((_, i) => `member-${i + 1}`), weights: fusion.weights }
    : { method: 'mean', members: [`member-${best + 1}`], weights: [1] };
  // the first member's reading stands for its configuration's mean only where it is the single model compared
  const mean = read?.mean && best === 0 ? { mean_over_seeds: read.mean } : {};
  return {
    fusion,
    memberVal,
    fusionVal,
    best,
    lowest,
    useFusion,
    use,
    ...(read ? { read: { fusionRead, alone, ...mean } } : {}),
  };
}

/**
 * `left out trials 20, 19: another data section than trial 3 (an ensemble needs members on the same windows)`; the
 * first 5 of them named, and how many more.
 */
function otherDataLine(numbers: readonly number[], first: number): string {
  const more = numbers.length > 5 ? ` and ${numbers.length - 5} more` : '';
  return (
    `left out trial${numbers.length > 1 ? 's' : ''} ${numbers.slice(0, 5).join(', ')}${more}: another data section ` +
    `than trial ${first} (an ensemble needs members on the same windows)`
  );
}

/** A member's name in the lines: its trial, or the linear baseline. */
const nameOf = (m: Member | LinearMember) => ('trial' in m ? `trial ${m.trial.number}` : 'the linear baseline');

/** One line per member and per skipped trial, and the fusion's verdict when it does not beat its best member. */
export function say(
  log: (l: string) => void,
  r: { members: Member[]; linear?: LinearMember; skipped: Skipped[]; top: number; method: FusionMethod } & ReturnType<
    typeof choose
  >,
): void {
  const { members, top } = r;
  // counted over the members found (with the linear baseline), not the K asked for: --top 100 on a study of 6 trials
  // said "member 1/100"
  const count = members.length + (r.linear ? 1 : 0);
  for (const [i, m] of members.entries())
    log(
      `member ${i + 1}/${count}: trial ${m.trial.number} ${JSON.stringify(m.trial.params)}, ` +
        `its saved model in ${m.dir}`,
    );
  if (r.linear)
    log(`member ${count}/${count}: the linear baseline at lookback ${r.linear.lookback}, saved in ${r.linear.dir}`);
  for (const s of r.skipped) log(`skipped trial ${s.trial}: the same model as trial ${s.same_as} (${s.why})`);
  if (members.length < top)
    log(`only ${members.length} distinct trial${members.length === 1 ? '' : 's'} of the ${top} asked for`);
  const all = r.linear ? [...members, r.linear] : members;
  const best = nameOf(all[r.best]!);
  if (all.length < 2 || r.useFusion) return;
  // the figures a verdict compares, with the digits that tell them apart (digitsApart): at 4 always, a fusion 0.16708
  // against a member's 0.16709 read "0.1671 ... vs 0.1671"
  const d = digitsApart([r.fusionVal, ...r.memberVal, ...(r.read ? [r.read.fusionRead, ...r.read.alone] : [])]);
  const pd = (v: number) => v.toPrecision(d);
  if (!r.read)
    log(
      `the ${r.method} fusion does not beat its best member on validation (MSE ${pd(r.fusionVal)}, ` +
        `cross-fitted, vs ${pd(r.memberVal[r.best]!)} for ${best}): the folder uses ${best} alone`,
    );
  else if (r.fusionVal >= r.memberVal[r.lowest]!)
    log(
      `the ${r.method} fusion does not beat each member on validation (MSE ${pd(r.fusionVal)}, cross-fitted, vs ` +
        `${pd(r.memberVal[r.lowest]!)} for ${nameOf(all[r.lowest]!)}): the folder uses ${best} alone` +
        (r.lowest === r.best ? '' : ', the model the study reads as its best'),
    );
  else
    log(
      `the ${r.method} fusion does not beat ${best} on validation read steady (MSE ${pd(r.fusionVal)}, ` +
        `cross-fitted; steady ${pd(r.read.fusionRead)}, vs ${pd(r.read.alone[r.best]!)} for ` +
        `${standsFor({ best_trial: r.best < members.length ? members[r.best]!.trial.number : null, steady: r.read })}` +
        `): the folder uses ${best} alone`,
    );
}

/** The linear baseline as an ensemble member: its model and the run folder it is saved in (saveLinear). */
interface LinearMember {
  dir: string;
  model: Model;
  lookback: number;
  /**
   * The folder this call wrote, still under its temporary name (keepLinear moves it to `dir` once the ensemble is
   * made, an ensemble that fails removes it); none where the folder was saved before.
   */
  folder?: RunFolder;
}

/**
 * The `linear` baseline at the members' lookback (config/build.ts ridgeAsModel) saved as a run folder beside the
 * first member's (linear-<hash of the data section>), once: model/ and the member's model/data.json, which
 * predict, evaluate and export read like a trained run's. Later calls (auto tries several candidates) load it
 * instead of fitting the ridge again. The folder is written under a temporary name, which other ensembles do not
 * look for, and takes its name only when the ensemble it was fitted for is made (keepLinear): one that failed removed
 * the folder it had saved, while another process's ensemble of the study could have loaded it and then failed to
 * copy it into its own folder.
 */
async function saveLinear(
  d: PreparedData,
  first: Member,
  dataSection: unknown,
  onTurn?: () => void,
): Promise<LinearMember> {
  const lookback = first.model.inputShape!.T!;
  const hash = createHash('sha256').update(canonical(dataSection)).digest('hex').slice(0, 10);
  const dir = join(dirname(first.dir), `linear-${hash}`);
  const saved = () => existsSync(join(dir, 'model', 'data.json'));
  if (saved()) return { dir, model: await loadModel(join(dir, 'model')), lookback };
  const model = await ridgeAsModel(d, lookback, onTurn);
  // saved by another process during the fit: its folder holds this model, bit for bit (the same data's ridge)
  if (saved()) return { dir, model, lookback };
  let folder: RunFolder | undefined;
  try {
    // create refuses the name where another process's folder took it since the look above: that one is kept
    folder = await RunFolder.create(dir).catch((e) => {
      if (saved()) return undefined;
      throw e;
    });
    if (!folder) return { dir, model, lookback };
    await saveModel(model, folder.path('model'));
    await cp(join(first.dir, 'model', 'data.json'), folder.path(join('model', 'data.json')));
    return { dir, model, lookback, folder };
  } catch (e) {
    await folder?.abort();
    model.dispose();
    throw e;
  }
}

/**
 * The linear member's folder this call wrote (saveLinear) moved to its name, once its ensemble is made; where
 * another process saved the same ridge under that name meanwhile (commit then names this one `-2`), this copy goes.
 */
async function keepLinear(l: LinearMember | undefined): Promise<void> {
  if (!l?.folder) return;
  const at = await l.folder.commit();
  l.folder = undefined;
  if (at !== l.dir) await rm(at, { recursive: true, force: true });
}

/**
 * The study's reading of the members (choose): each trial's luck; the first (the study's best) alone as its steady
 * value, raised to its configuration's mean over seeds where it is the best of several (its own value is low by the
 * luck of that draw, as auto's end judges it: referenceVal); the linear baseline as it is; the other trials never.
 */
function reading(groups: readonly SeedGroup[], members: Member[], linear: boolean): Reading {
  const first = members[0]!.trial;
  const group = groups.find((g) => g.trials.includes(first));
  const mean = group && group.trials.length > 1 && group.trials[0] === first ? group.mean / steadyValue(first) : 1;
  const luck = members.map((m) => luckOf(m.trial));
  return {
    luck: linear ? [...luck, 0] : luck,
    alone: [(1 + luck[0]!) * Math.max(1, mean), ...members.slice(1).map(() => null), ...(linear ? [1] : [])],
    ...(group && mean > 1 ? { mean: { configuration: namedBy(group).number, seeds: group.trials.length } } : {}),
  };
}

/**
 * How the members were chosen, as study ensemble prints it, and the trials with a lower value than the last member
 * that this reading ranks below them (a dip of a noisy curve, or a lucky seed of a configuration worse on average).
 */
function readingLine(
  groups: readonly SeedGroup[],
  trials: readonly FrozenTrial[],
  members: Member[],
  skipped: Skipped[],
  named: boolean,
): string {
  const last = Math.max(...members.map((m) => m.trial.value!));
  const passed = named
    ? []
    : trials.filter(
        (t) =>
          t.state === 'complete' &&
          t.value !== null &&
          t.value < last &&
          !members.some((m) => m.trial === t) &&
          !skipped.some((x) => x.trial === t.number),
      );
  const lower = passed.sort((a, b) => a.value! - b.value!).slice(0, 3);
  return (
    `members ${named ? 'ordered' : 'chosen'} as the study's end reads its trials: its best first (trial ` +
    `${members[0]!.trial.number}), then configurations by the mean of their seeds' steady values (a best epoch read ` +
    "against its neighbours), each one's seeds steadiest first" +
    (lower.length ? `; ranked lower by that reading: ${lowerText(groups, lower)}` : '')
  );
}

/**
 * The trials readingLine ranks lower, each with its value, its steady value where that differs and its
 * configuration's mean over seeds, printed with the digits that tell them apart (digitsApart): at 4 always, two trials
 * of 0.400000 and 0.400030 read 'trial 3 (0.4000, ...), trial 5 (0.4000, ...)'.
 */
function lowerText(groups: readonly SeedGroup[], lower: readonly FrozenTrial[]): string {
  const figures = lower.map((t) => {
    const g = groups.find((x) => x.trials.includes(t));
    const steady = luckOf(t) > 1e-3 ? steadyValue(t) : undefined;
    return { t, steady, mean: g && g.trials.length > 1 ? { of: g.mean, seeds: g.trials.length } : undefined };
  });
  const d = digitsApart(figures.flatMap((f) => [f.t.value!, f.steady ?? f.t.value!, f.mean?.of ?? f.t.value!]));
  const text = ({ t, steady, mean }: (typeof figures)[number]) =>
    `trial ${t.number} (${t.value!.toPrecision(d)}${steady !== undefined ? `, steady ${steady.toPrecision(d)}` : ''}` +
    `${mean ? `, its configuration's mean ${mean.of.toPrecision(d)} over ${mean.seeds} seeds` : ''})`;
  return figures.map(text).join(', ');
}

/**
 * The study's trials, and its completed ones best first, with the config they were run from (its file read beside
 * the study's: its data and the default ensemble folder are those of the project folder the study is in now).
 */
async function rankedTrials(storage: Storage, name: string) {
  const rec = await storage.getStudy(name);
  if (!rec) throw new StorageError(`no study named "${name}"`);
  const base = rec.attrs.config as RawConfig,
    stored = rec.attrs.config_file as string;
  if (!base || !stored)
    throw new StorageError(`study "${name}" does not record its config; it was made by an older seqtune`);
  const trials = await storage.getTrials(name);
  const ranked = trials.filter((t) => t.state === 'complete' && t.value !== null).sort((a, b) => a.value! - b.value!);
  if (ranked.length === 0) throw new StorageError(`study "${name}" has no completed trial`);
  const home = studyHome(storage);
  return { base, file: studyPath(stored, home), home, trials, ranked, attrs: rec.attrs };
}

/**
 * Each trial named is in the study and complete (only a complete trial's model was kept), or a StorageError says
 * which is not.
 */
function checkMembers(name: string, trials: readonly FrozenTrial[], numbers: readonly number[]): void {
  if (numbers.length === 0) throw new StorageError(`study "${name}": an ensemble of no trials (none named)`);
  const last = Math.max(-1, ...trials.map((x) => x.number));
  for (const n of numbers) {
    const t = trials.find((x) => x.number === n);
    if (!t) throw new StorageError(`study "${name}" has no trial ${n} (its trials are numbered 0 to ${last})`);
    if (t.state !== 'complete' || t.value === null)
      throw new StorageError(
        `study "${name}": trial ${n} is ${t.state}, not complete; only a completed trial can be a member`,
      );
  }
}

/** What studyEnsemble fuses and where it writes the folder. */
export interface EnsembleOptions {
  top: number;
  method?: FusionMethod;
  /** The folder to write (default runs/ensemble-<name>/... beside the config). */
  out?: string;
  /** Only these trials (by number) are candidates, still best first (auto's seeds of one configuration). */
  members?: readonly number[];
  /** false: score the fusion and write nothing (the result has no dir). */
  write?: boolean;
  /**
   * The `linear` baseline at the members' lookback joins them as one more member (a ridge model, saved as a run
   * folder beside the first member's): a network and the ridge fused ('blend': the convex weights with the lowest
   * validation MSE) often beat both, as their errors differ.
   */
  linear?: boolean;
  log?: (l: string) => void;
  /**
   * The prepared data of earlier calls, by data section (TrialEnv.dataCache): the ridge model of the linear member
   * and baseline is fitted once for them all (auto's end step scores up to eight candidates; each prepared its data
   * anew and fitted the ridge again, 110 s at lookback 2000 on 2 cores).
   */
  dataCache?: Map<string, PreparedData>;
  /**
   * Rank and judge the members as the study's end reads its trials (`seqtune study ensemble`): the best K in
   * studyOrder (configurations by the mean over seeds of steady values, the study's best first) rather than by value,
   * each member's validation MSE read steady, and, where the fusion is not kept, the folder uses the study's best (or
   * the linear baseline) rather than the member lowest on validation, which may be a dip of a noisy curve or a lucky
   * seed. Auto's end compares its candidates itself (auto-ensemble.ts pickOf) and leaves it off.
   */
  studyReading?: boolean;
  /**
   * Called at each turn of the event loop during the ridge fits (the linear member, the linear baselines on test):
   * auto's end step throws there when the study is interrupted.
   */
  onTurn?: () => void;
}

export async function studyEnsemble(storage: Storage, name: string, o: EnsembleOptions) {
  const log = o.log ?? (() => {});
  const method = o.method ?? 'mean';
  const { base, file, home, trials, ranked: all, attrs } = await rankedTrials(storage, name);
  // the folder judged before the members are fitted and scored, the default beside the config as an --out: a default
  // that could not be made (runs/<name> a file) was told after them all, when the folder was written; two ensembles
  // within a second get -2, -3, ... as two runs do
  const out =
    o.write === false
      ? undefined
      : await RunFolder.refuseTaken(
          o.out ?? freePath(defaultRunDir(name, dirname(file)).replace(/([^/]+)$/, 'ensemble-$1')),
        );
  if (o.members) checkMembers(name, trials, o.members);
  const { ranked, groups } = memberOrder(o, base, trials, all, attrs);
  const loaded: LoadedConfig = { raw: base, file, dir: dirname(file), name };
  const dataCache = o.dataCache ?? new Map<string, PreparedData>();
  const env = { loaded, base, storage, study: name, repeats: 1, objective: 'val_loss', dataCache };
  const d = await prepareFor(env, applyParams(base, ranked[0]!.params));
  const named = o.members !== undefined;
  const { members, skipped, otherData } = await distinctMembers(name, base, ranked, { top: o.top, named }, home);
  if (otherData.length) log(otherDataLine(otherData, ranked[0]!.number));
  checkBlendSize(name, method, members.length, o.linear === true);
  let linear: LinearMember | undefined;
  try {
    if (o.linear) linear = await saveLinear(d, members[0]!, applyParams(base, ranked[0]!.params).data, o.onTurn);
    const all = linear ? [...members, linear] : members;
    if (o.studyReading) log(readingLine(groups, trials, members, skipped, o.members !== undefined));
    const c = choose(
      d,
      all.map((m) => m.model),
      method,
      o.studyReading ? reading(groups, members, linear !== undefined) : undefined,
    );
    say(log, { members, linear, skipped, top: o.top, method, ...c });
    const result = await ensembleResult(name, method, d, all, skipped, c, baselinesOf(base), o.onTurn);
    if (out === undefined) {
      await keepLinear(linear);
      return { ...result, dir: undefined };
    }
    // the linear member copied from where this call wrote it, under its temporary name until the ensemble is made
    const written = await writeEnsemble(out, result, linear?.folder ? { [linear.dir]: linear.folder.tmp } : {});
    await keepLinear(linear);
    return { ...result, dir: written };
  } catch (e) {
    // the linear member saved for an ensemble that was not made goes with it: an --out that could not be written
    // left runs/<name>/linear-<hash>/ beside the trials, a folder no ensemble uses
    await linear?.folder?.abort();
    throw e;
  } finally {
    for (const m of members) m.model.dispose();
    linear?.model.dispose();
  }
}

/**
 * The trials in the order the members are taken, and the study's reading of them (its configurations and seeds,
 * grouped once for the order, the line and the choice, where `o.studyReading`): the best as the study names it first
 * (auto's choice by the mean over seeds, not its luckiest seed), then by value; only `o.members` where given.
 */
function memberOrder(
  o: EnsembleOptions,
  base: RawConfig,
  trials: FrozenTrial[],
  all: FrozenTrial[],
  attrs: Record<string, unknown>,
): { ranked: FrozenTrial[]; groups: SeedGroup[] } {
  const chosen = all.findIndex((t) => t.number === chosenBest(attrs));
  const named = (ts: FrozenTrial[]) => (o.members ? ts.filter((t) => o.members!.includes(t.number)) : ts);
  const groups = o.studyReading ? seedGroups(base, trials) : [];
  const ranked = o.studyReading
    ? named(studyOrder(base, trials, chosenBest(attrs), groups))
    : o.members
      ? named(all)
      : chosen > 0
        ? [all[chosen]!, ...all.slice(0, chosen), ...all.slice(chosen + 1)]
        : all;
  return { ranked, groups };
}

/**
 * A blend of more members than it fuses (BLEND_MAX_MEMBERS) is refused before the linear member is fitted and the
 * members are scored, naming how many to ask for: `--top 12 --linear --method blend` ended in "ValueError: fuseModels:
 * method "blend" fuses at most 12 models, received 13", exit 1 as a bug in seqtune.
 */
function checkBlendSize(name: string, method: FusionMethod, trials: number, linear: boolean): void {
  const n = trials + (linear ? 1 : 0);
  if (method !== 'blend' || n <= BLEND_MAX_MEMBERS) return;
  const most = BLEND_MAX_MEMBERS - (linear ? 1 : 0);
  throw new StorageError(
    `study "${name}": a blend fuses at most ${BLEND_MAX_MEMBERS} models, found ${n} (${trials} distinct trials` +
      `${linear ? ' and the linear baseline' : ''}); ask for at most ${most} trials` +
      `${linear ? ' with --linear' : ''}, ` +
      'or use another --method',
  );
}

/**
 * What ensemble.json records: the members, how they are used, and their validation and test scores (the baselines'
 * with turns of the event loop during the linear ones' fits, so that Ctrl-C and SIGTERM stop the command).
 */
async function ensembleResult(
  name: string,
  method: FusionMethod,
  d: PreparedData,
  all: (Member | LinearMember)[],
  skipped: Skipped[],
  c: ReturnType<typeof choose>,
  baselines: BaselineSpec[],
  onTurn?: () => void,
) {
  const [xt] = splitTensors(d, 'test', all[0]!.model);
  const scoreOf = (pred: Float32Array) => scoreForecast(d, 'test', pred);
  const fusionTest = scoreOf(c.fusion.predict(xt).data);
  const best = all[c.best]!;
  return {
    format: ENSEMBLE_FORMAT,
    version: ENSEMBLE_VERSION,
    study: name,
    method,
    kept: c.useFusion ? ('fusion' as const) : ('best member' as const),
    use: c.use,
    members: all.map((m, i) => ({
      dir: `member-${i + 1}`,
      trial: 'trial' in m ? m.trial.number : null,
      params: 'trial' in m ? m.trial.params : { linear: { lookback: m.lookback } },
      objective: 'trial' in m ? m.trial.value : null,
      val_mse: c.memberVal[i],
      from: m.dir,
    })),
    skipped,
    val: {
      fusion: c.fusionVal,
      best_member: c.memberVal[c.best],
      best_trial: 'trial' in best ? best.trial.number : null,
      // the study's reading (studyReading): the fusion and the single model it must beat, read steady
      // (mean_over_seeds: the single model is the study's best, read as its configuration's mean over seeds)
      ...(c.read
        ? {
            steady: {
              fusion: c.read.fusionRead,
              best_member: c.read.alone[c.best],
              ...(c.read.mean_over_seeds ? { mean_over_seeds: c.read.mean_over_seeds } : {}),
            },
          }
        : {}),
    },
    weights: c.fusion.weights,
    test: {
      ensemble: c.useFusion ? fusionTest : scoreOf(best.model.predict(xt).data),
      fusion: fusionTest,
      members: all.map((m) => scoreOf(m.model.predict(xt).data)),
      baselines: await baselineScoresAsync(d, 'test', baselines, onTurn),
    },
  };
}

/**
 * The ensemble folder: ensemble.json and a copy of each member's run folder (from `from`, or where `writtenAt` says
 * a folder not yet under that name is: studyEnsemble's linear member).
 */
export async function writeEnsemble(
  out: string,
  result: { members: { dir: string; from: string }[] },
  writtenAt: Readonly<Record<string, string>> = {},
): Promise<string> {
  const folder = await RunFolder.create(out);
  try {
    for (const m of result.members) await cp(writtenAt[m.from] ?? m.from, folder.path(m.dir), { recursive: true });
    await folder.json('ensemble.json', result);
    return await folder.commit();
  } catch (e) {
    await folder.abort();
    throw e;
  }
}
