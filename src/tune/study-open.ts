// Opening a study: `tune` creates it (for auto, after the data and network checks and lr-find, whose range the
// study keeps), `--resume` and `worker` join it (the config must match the stored one unless --force; trials whose
// process died are failed and enqueued again, stale.ts), and a resumed study that already finished says so instead
// of training anything.
import { checkRun, lrFind, lrSuggestionText } from '../check/index.js';
import { ConfigError, checkBaselines, compiledModel, compileOptions } from '../config/index.js';
import { SeqtuneError } from '../errors.js';
import { splitTensors, studyHome, studyPath } from '../run/index.js';
import { type MadeStudy, ownerText, redactUrl, rerunAttrs, type StudyRecord } from '../storage/index.js';
import { type ConfigChange, configDiff, diffLine } from './config-diff.js';
import { counted } from './loop.js';
import { bestOf } from './progress.js';
import { trialLimit } from './settings.js';
import { ownerOf, sweepStale } from './stale.js';
import { retriesOf, type StudyContext, type StudyResult } from './study-context.js';
import { chosenBest } from './study-json.js';
import { prepareFor } from './trial.js';

/** The auto strategy refused to tune: a sanity check failed. */
export class TuneRefused extends SeqtuneError {}

/**
 * With --resume, a study whose last run ended by its trial budget, its time budget or an exhausted space is
 * finished unless the command gives more (a larger trial budget, a new time budget, interrupted trials to rerun;
 * for a study whose space was exhausted, a time budget or more trials than it has) or a trial waits to run:
 * what to return instead of training anything, with the line that says so.
 */
export async function finishedAlready(
  c: StudyContext,
): Promise<(Omit<StudyResult, 'name' | 'storage'> & { endStepLeft?: boolean }) | undefined> {
  const rec = await c.storage.getStudy(c.name);
  const fin = rec?.attrs.finished as { reason: string; trials: number } | undefined;
  // A changed config is not "nothing to resume": openStudy refuses it, or runs it with --force.
  if (!fin || c.o.rerunInterrupted || configDiff(rec!.attrs.config, c.base).length) return undefined;
  const trials = await c.storage.getTrials(c.name);
  // a trial a user enqueued after the end (study enqueue) is run whatever the budgets say, as it is in a running study
  if (trials.some((t) => t.state === 'waiting')) return undefined;
  const done = trials.filter((t) => t.state !== 'running' && t.state !== 'waiting').length;
  // the trials as the trial budget counts them (an interrupted trial that ran again counts once): a study of 3 trials
  // whose #1 was interrupted and ran again as #2 holds 4, and `--resume --trials 4` said "nothing to resume"
  const spent = counted(trials);
  // An exhausted space may have more now: auto's plan grows with its trials and with seqtune's method.
  const more =
    fin.reason.startsWith('time budget') || fin.reason.startsWith('search space exhausted')
      ? c.o.timeBudget !== undefined || (c.o.trials ?? 0) > spent
      : fin.reason.startsWith('trial budget') && spent < trialLimit(c.s, c.base, c.o);
  if (more) return undefined;
  // finished, but the end step (the best run folder, auto's seed means and ensemble) was cut short (a second Ctrl-C, a
  // kill): it is done now, and nothing trained. As finished, the resume said "nothing to resume" and named the lowest
  // value with the folder of the best the cut end had chosen (demo, 6 trials: "best #4 ... in .../trial-1").
  const end = rec!.attrs.end_step as { trials: number } | undefined;
  if (c.o.saveBest !== false && end?.trials !== trials.length)
    return { trials, best: null, stopReason: fin.reason, endStepLeft: true };
  // the best as the study's end chose it (auto: by the mean over seeds or the steady value), as study show names it
  const chosen = chosenBest(rec!.attrs);
  const best = (chosen !== undefined && trials.find((t) => t.number === chosen)) || bestOf(trials);
  const result = rec!.attrs.best_run_dir as string | undefined;
  const where = result ? ` in ${studyPath(result, studyHome(c.storage))}` : '';
  const bestText = best ? `best #${best.number} ${c.s.objective} ${best.value!.toPrecision(4)}${where}` : 'no best';
  const finished =
    `study ${c.name} is already finished: ${done} trial${done === 1 ? '' : 's'}, ${fin.reason}; ${bestText}; ` +
    (spaceRunOut(c, fin.reason)
      ? 'nothing to resume: every configuration of tune.space has run (add values to it and --force to run more)'
      : 'nothing to resume (raise --trials or give --time-budget to run more)');
  return { trials, best, stopReason: fin.reason, finished };
}

/**
 * Whether the study ended with every configuration of a fixed space run (grid, OFAT, random in a small space): more
 * trials or time find nothing new there, only a wider tune.space does (auto's plan grows with its trials).
 */
const spaceRunOut = (c: StudyContext, reason: string): boolean =>
  c.s.strategy !== 'auto' && reason.startsWith('search space exhausted');

/** Why a run without --resume does not open an existing study (finished or not), and what to do instead. */
function refusal(c: StudyContext, fin: { reason: string } | null | undefined): ConfigError {
  if (c.o.createOnly)
    return new ConfigError(
      `study "${c.name}" already exists in ${redactUrl(c.url)}${fin ? ` (finished: ${fin.reason})` : ''}; ` +
        'run its trials with seqtune worker or seqtune tune --resume, delete it with seqtune study delete, ' +
        'or rename the config (name:)',
    );
  const state = fin ? `is finished (${fin.reason})` : 'already exists';
  const more = !fin
    ? ' to continue it'
    : spaceRunOut(c, fin.reason)
      ? ' --force with more values in tune.space to run more'
      : ' with --trials N or --time-budget D to run more';
  return new ConfigError(
    `study "${c.name}" ${state} in ${redactUrl(c.url)}; add --resume${more} or rename the config (name:)`,
  );
}

/**
 * Creates the study, or with --resume fails its trials whose process died (never one with a fresh heartbeat) and
 * enqueues them again while tune.retries (at least once with --rerun-interrupted) allows.
 */
export async function openStudy(c: StudyContext): Promise<void> {
  const { storage, name, o, s } = c;
  const existing = await storage.getStudy(name);
  if (existing && !o.resume) throw refusal(c, existing.attrs.finished as { reason: string } | null | undefined);
  if (!existing) {
    // created as without --resume (as Optuna's load_if_exists), but said: a mistyped --storage or name, or a study
    // deleted meanwhile, started a new study from trial 0 without a word
    if (o.resume) c.log(`resume: no study "${name}" in ${redactUrl(c.url)}; creating it`);
    const attrs: Record<string, unknown> = {
      config: c.base,
      config_file: c.loaded.file,
      strategy: s.strategy,
      objective: s.objective,
    };
    if (s.strategy === 'auto') Object.assign(attrs, await checkBeforeAuto(c));
    // data that cannot be read or windowed, or that cannot serve evaluate.baselines (as train refuses them), is
    // refused before the study exists (else a rerun with it fixed would meet an empty study to --resume --force)
    else checkBaselines(c.loaded.file, c.base, await prepareFor(envOf(c), c.base));
    // With --resume, a study another process created in the meantime is joined; without, it is refused with the
    // same words as above (the storage's own error said it differently, so two runs started at once failed one way
    // or the other depending on which check lost the race).
    let made: MadeStudy;
    try {
      made = await storage.createStudy(name, attrs, { loadIfExists: o.resume });
      c.keepFresh?.();
    } catch (e) {
      if (!o.resume && (await storage.getStudy(name))) throw refusal(c, null);
      throw e;
    }
    c.created = made.created;
    if (made.made) return;
    // two `tune --resume` of a new study started at once both said they were creating it, the one that joined too
    c.log(`resume: another process created study "${name}" meanwhile; this process joins it`);
    return resumeFound(c, made);
  }
  return resumeFound(c, existing);
}

/** --resume of a study that is there: its config compared with this one, its dead processes' trials swept. */
async function resumeFound(c: StudyContext, existing: StudyRecord): Promise<void> {
  const { storage, name, o, s } = c;
  c.created = existing.created;
  const diffs = configDiff(existing.attrs.config, c.base);
  // the study's config is the last one run with --force, once one was
  const was = existing.attrs.config_changes ? 'last ran with --force' : 'was created with';
  if (diffs.length && !o.force)
    throw new ConfigError(
      `${c.loaded.file}: --resume: the config differs from the one study "${name}" ${was} ` +
        `(${diffLine(diffs)}); add --force to resume with this config anyway`,
    );
  if (diffs.length) await forceConfig(c, existing, diffs);
  const log = (l: string) => c.log(`resume: ${l}`);
  await sweepStale(storage, name, { heartbeat: s.heartbeat, retries: retriesOf(c), log, created: c.created });
  if (o.rerunInterrupted) await enqueueInterrupted(c, log);
}

/**
 * --resume --force with a changed config: the study's config becomes this one, so that a later --resume (or a worker)
 * with it is no change, as it was not (`--resume --force`, then `--resume` with the same config: "the config differs"
 * again). The config the study was created with is kept (`config_created`, once), and each change (`config_changes`:
 * when, by which process, what differed) is said by study show.
 */
async function forceConfig(c: StudyContext, existing: StudyRecord, diffs: string[]): Promise<void> {
  c.log(`resume --force: the config differs from the study's (${diffLine(diffs)}); the study keeps this config now`);
  const { storage, name } = c;
  if (existing.attrs.config_created === undefined)
    await storage.setStudyAttr(name, 'config_created', existing.attrs.config ?? null);
  const before = (await storage.getStudy(name))?.attrs.config_changes;
  const change: ConfigChange = { at: new Date().toISOString(), by: ownerText(ownerOf()), differs: diffs };
  await storage.setStudyAttr(name, 'config_changes', [...(Array.isArray(before) ? before : []), change]);
  await storage.setStudyAttr(name, 'config', c.base);
}

/**
 * --rerun-interrupted: enqueues again each trial failed as interrupted or stale that nothing reruns yet (its retries
 * used up, or tune.retries 0), so a grid point or a plan's step is trained after all.
 */
async function enqueueInterrupted(c: StudyContext, log: (l: string) => void): Promise<void> {
  const trials = await c.storage.getTrials(c.name, { created: c.created });
  const rerun = new Set(trials.map((t) => t.attrs.rerun_of));
  for (const t of trials) {
    if (t.state !== 'failed' || !/^(interrupted|stale):/.test(t.error ?? '')) continue;
    if (t.attrs.retried_as !== undefined || rerun.has(t.number)) continue;
    const attrs = rerunAttrs(t, Number(t.attrs.retry ?? 0));
    const again = await c.storage.createTrial(c.name, t.params, attrs, { waiting: true, created: c.created });
    log(`trial ${t.number} (${t.error}) enqueued again as #${again.number}`);
  }
}

/**
 * The method: data and network first. A failed check stops here, before any tuning. Returns the study
 * attributes the auto strategy reads: the checks and, unless tune.space gives one, lr-find's range.
 */
async function checkBeforeAuto(c: StudyContext): Promise<Record<string, unknown>> {
  // as seqtune check runs them, which the refusal sends the user to; but for the baselines' scores, which the study
  // does not keep (the linear baseline's ridge fit took minutes at 10^6 rows, and the trials fit it again)
  const report = await checkRun(c.loaded, { baselines: false });
  const failed = report.checks.filter((x) => x.status === 'fail');
  if (failed.length)
    throw new TuneRefused(
      `tune: refusing to tune ${c.name}: ${failed.map((x) => `${x.id} failed (${x.advice})`).join('; ')}. ` +
        `Run seqtune check ${c.loaded.file}`,
    );
  // what the checks warn of is said before the trials (a study of airline passengers ran 484 trials on 10
  // validation windows, and on test values outside the training range, with nothing said)
  for (const x of report.checks) if (x.status === 'warn') c.log(`check: ${x.id}: ${x.advice}`);
  const attrs: Record<string, unknown> = { checks: report.checks.map((x) => ({ id: x.id, status: x.status })) };
  if (!c.s.space.some((p) => p.name.includes('learning_rate'))) attrs.lr_find = await lrRange(c);
  return attrs;
}

/** What prepareFor needs of a study, with a data cache of its own. */
const envOf = (c: StudyContext) => ({
  ...{ loaded: c.loaded, base: c.base, storage: c.storage, study: c.name },
  ...{ repeats: 1, objective: c.s.objective, dataCache: new Map() },
});

/** The learning-rate range from lr-find on the base config. */
async function lrRange(c: StudyContext): Promise<{ min: number; max: number; best: number }> {
  const { loaded, base } = c;
  const d = await prepareFor(envOf(c), base);
  const make = () => compiledModel(loaded.file, base, d, base.seed);
  const probe = make();
  const [x, y] = splitTensors(d, 'train', probe);
  const lf = await lrFind(make, x, y, { batchSize: base.train?.batch_size, optimizer: compileOptions(base).optimizer });
  probe.dispose();
  // a flat curve's pick is named as no guide, as seqtune lr-find names it: 'flat curve; suggested 0.000023' read as a
  // rate to use
  c.log(`lr-find: ${lrSuggestionText(lf.suggested)}${lf.suggested.flat ? "; auto keeps the diagnosis' rates" : ''}`);
  return lf.suggested;
}
