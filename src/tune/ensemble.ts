// `seqtune study ensemble NAME --top K`: fuses the saved models of the K best distinct trials of a study (mean,
// 1/MSE-weighted or a least-squares stacker fitted on validation) without training anything. The result is a run
// folder: ensemble.json and the members' run folders (member-1, ...), which predict and evaluate read like any run.
// Trials that are the same model as a better one (the same effective config, or bit-identical weights: settings
// that never acted, such as a clipnorm the gradients never reached) are skipped, and said so. A fusion that does not
// beat its best member on validation (cross-fitted: train/ensembles.ts crossFitPredict) is reported as such, and
// the folder then uses the best member alone.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { baselinesOf, type LoadedConfig, type RawConfig, ridgeAsModel } from '../config/index.js';
import { type BaselineSpec, baselineScores, type PreparedData, scoreForecast } from '../data/index.js';
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
  crossFitPredict,
  denseRows,
  type FusionMethod,
  fuseModels,
  loadModel,
  type Model,
  saveModel,
} from '../train/index.js';
import { applyParams, canonical } from './space.js';
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
 * `home`: studyPath); the ones skipped and why.
 */
async function distinctMembers(
  name: string,
  base: RawConfig,
  ranked: FrozenTrial[],
  top: number,
  home: string | undefined,
): Promise<{ members: Member[]; skipped: Skipped[] }> {
  const data = canonical(applyParams(base, ranked[0]!.params).data);
  const members: Member[] = [],
    skipped: Skipped[] = [];
  for (const t of ranked) {
    if (members.length === top) break;
    const stored = t.attrs.run_dir as string | undefined;
    if (!stored)
      throw new StorageError(
        `study "${name}": trial ${t.number} kept no model (it ran with saveBest off, or under an older seqtune); ` +
          'run the study again to ensemble it',
      );
    const cfg = applyParams(base, t.params);
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
  return { members, skipped };
}

/** The fusion's and each member's validation MSE (the fusion's cross-fitted), and what the folder uses. */
function choose(d: PreparedData, models: Model[], method: FusionMethod) {
  const [xv, yv] = splitTensors(d, 'val', models[0]!);
  const fusion = fuseModels(models, { method, validation: [xv, yv] });
  const valMse = (pred: ArrayLike<number>) => scoreForecast(d, 'val', pred).scaled.mse;
  const memberVal = models.map((m) => valMse(m.predict(xv).data));
  const fusionVal = valMse(crossFitPredict(models, method, [denseRows(xv), denseRows(yv)]).data);
  const best = memberVal.indexOf(Math.min(...memberVal));
  const useFusion = models.length > 1 && fusionVal < memberVal[best]!;
  const use: EnsembleUse = useFusion
    ? { method, members: models.map((_, i) => `member-${i + 1}`), weights: fusion.weights }
    : { method: 'mean', members: [`member-${best + 1}`], weights: [1] };
  return { fusion, memberVal, fusionVal, best, useFusion, use };
}

/** A member's name in the lines: its trial, or the linear baseline. */
const nameOf = (m: Member | LinearMember) => ('trial' in m ? `trial ${m.trial.number}` : 'the linear baseline');

/** One line per member and per skipped trial, and the fusion's verdict when it does not beat its best member. */
function say(
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
  if (all.length > 1 && !r.useFusion)
    log(
      `the ${r.method} fusion does not beat its best member on validation (MSE ${r.fusionVal.toPrecision(4)}, ` +
        `cross-fitted, vs ${r.memberVal[r.best]!.toPrecision(4)} for ${best}): the folder uses ${best} alone`,
    );
}

/** The linear baseline as an ensemble member: its model and the run folder it is saved in (saveLinear). */
interface LinearMember {
  dir: string;
  model: Model;
  lookback: number;
}

/**
 * The `linear` baseline at the members' lookback (config/build.ts ridgeAsModel) saved as a run folder beside the
 * first member's (linear-<hash of the data section>), once: model/ and the member's model/data.json, which
 * predict, evaluate and export read like a trained run's. Later calls (auto tries several candidates) load it
 * instead of fitting the ridge again.
 */
async function saveLinear(d: PreparedData, first: Member, dataSection: unknown): Promise<LinearMember> {
  const lookback = first.model.inputShape!.T!;
  const hash = createHash('sha256').update(canonical(dataSection)).digest('hex').slice(0, 10);
  const dir = join(dirname(first.dir), `linear-${hash}`);
  if (existsSync(join(dir, 'model', 'data.json'))) return { dir, model: await loadModel(join(dir, 'model')), lookback };
  const model = ridgeAsModel(d, lookback);
  const folder = await RunFolder.create(freePath(dir));
  try {
    await saveModel(model, folder.path('model'));
    await cp(join(first.dir, 'model', 'data.json'), folder.path(join('model', 'data.json')));
    return { dir: await folder.commit(), model, lookback };
  } catch (e) {
    await folder.abort();
    model.dispose();
    throw e;
  }
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
}

export async function studyEnsemble(storage: Storage, name: string, o: EnsembleOptions) {
  const log = o.log ?? (() => {});
  const method = o.method ?? 'mean';
  const { base, file, home, trials, ranked: all, attrs } = await rankedTrials(storage, name);
  if (o.members) checkMembers(name, trials, o.members);
  // the best K: the best as the study names it first (auto's choice by the mean over seeds, not its luckiest seed)
  const chosen = all.findIndex((t) => t.number === chosenBest(attrs));
  const ranked = o.members
    ? all.filter((t) => o.members!.includes(t.number))
    : chosen > 0
      ? [all[chosen]!, ...all.slice(0, chosen), ...all.slice(chosen + 1)]
      : all;
  const loaded: LoadedConfig = { raw: base, file, dir: dirname(file), name };
  const dataCache = o.dataCache ?? new Map<string, PreparedData>();
  const env = { loaded, base, storage, study: name, repeats: 1, objective: 'val_loss', dataCache };
  const d = await prepareFor(env, applyParams(base, ranked[0]!.params));
  const { members, skipped } = await distinctMembers(name, base, ranked, o.top, home);
  let linear: LinearMember | undefined;
  try {
    if (o.linear) linear = await saveLinear(d, members[0]!, applyParams(base, ranked[0]!.params).data);
    const all = linear ? [...members, linear] : members;
    const c = choose(
      d,
      all.map((m) => m.model),
      method,
    );
    say(log, { members, linear, skipped, top: o.top, method, ...c });
    const result = ensembleResult(name, method, d, all, skipped, c, baselinesOf(base));
    if (o.write === false) return { ...result, dir: undefined };
    return {
      ...result,
      // two ensembles within a second get -2, -3, ... as two runs do
      dir: await writeEnsemble(
        o.out ?? freePath(defaultRunDir(name, loaded.dir).replace(/([^/]+)$/, 'ensemble-$1')),
        result,
      ),
    };
  } finally {
    for (const m of members) m.model.dispose();
    linear?.model.dispose();
  }
}

/** What ensemble.json records: the members, how they are used, and their validation and test scores. */
function ensembleResult(
  name: string,
  method: FusionMethod,
  d: PreparedData,
  all: (Member | LinearMember)[],
  skipped: Skipped[],
  c: ReturnType<typeof choose>,
  baselines: BaselineSpec[],
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
    },
    weights: c.fusion.weights,
    test: {
      ensemble: c.useFusion ? fusionTest : scoreOf(best.model.predict(xt).data),
      fusion: fusionTest,
      members: all.map((m) => scoreOf(m.model.predict(xt).data)),
      baselines: baselineScores(d, 'test', baselines),
    },
  };
}

/** The ensemble folder: ensemble.json and a copy of each member's run folder. */
export async function writeEnsemble(
  out: string,
  result: { members: { dir: string; from: string }[] },
): Promise<string> {
  const folder = await RunFolder.create(out);
  try {
    for (const m of result.members) await cp(m.from, folder.path(m.dir), { recursive: true });
    await folder.json('ensemble.json', result);
    return await folder.commit();
  } catch (e) {
    await folder.abort();
    throw e;
  }
}
