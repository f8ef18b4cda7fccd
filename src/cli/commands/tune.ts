// seqtune tune CONFIG [--resume] [--trials N] [--time-budget D] [--jobs N]: a tuning study; each completed trial
// keeps its model in a run folder and the study points at the best one. Exit 1 when no trial completed.

import { hostname } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { type FrozenTrial, isMemory, ownerText, redactUrl } from '../../storage/index.js';
import { budgetCount, deadOwners, type StudyResult } from '../../tune/index.js';
import { type CliContext, shellWord, trialsText, WorkFailed, withExamples } from '../context.js';
import { duration, positiveInt, THREADS_OPTION, withThreads } from '../options.js';
import { bestText } from './study-report.js';
import { interruptibleStudy } from './study-run.js';

interface TuneOptions {
  resume?: boolean;
  rerunInterrupted?: boolean;
  force?: boolean;
  storage?: string;
  trials?: number;
  timeBudget?: number;
  jobs?: number;
  threads?: number;
  out?: string;
  verbose?: boolean;
}

/** Trials this process failed on the signal (interrupt.ts: `interrupted: SIGINT to HOST:PID (...)`). */
const interruptedHere = (t: FrozenTrial) =>
  t.state === 'failed' && new RegExp(`^interrupted: SIG\\w+ to \\S+:${process.pid} `).test(t.error ?? '');

/**
 * What an interrupted `tune` says: the trials storage keeps, the running ones it failed as interrupted (enqueued
 * again: a resume trains them first), or those a resume will mark interrupted, those that other processes of the
 * study run on, and the command that resumes.
 */
export function interruptedText(
  config: string,
  storage: string | undefined,
  trials: readonly FrozenTrial[],
  study?: { name: string; storage: string },
): string {
  const plural = (n: number) => (n > 1 ? 's' : '');
  const stopped = trials.filter(interruptedHere);
  const here = stopped.map((t) => `#${t.number}`);
  const them = stopped.length > 1 ? 'them' : 'it';
  const again = stopped.every((t) => t.attrs.retried_as !== undefined)
    ? ` (enqueued again: the resume trains ${them} first)`
    : ` (tune.retries 0: not enqueued again; \`--resume --rerun-interrupted\` trains ${them})`;
  const count = (state: string) => trials.filter((t) => t.state === state).length;
  const kept = [`${count('complete')} trial${count('complete') === 1 ? '' : 's'} complete`];
  const failed = count('failed') - here.length;
  if (count('pruned')) kept.push(`${count('pruned')} pruned`);
  if (failed) kept.push(`${failed} failed`);
  // a trial of another live process of the study runs on (a resume never fails a fresh one): only this process's
  // and a dead one's of this host are marked interrupted (a SIGINT beside two workers said so of their trials)
  const dead = new Set(deadOwners(trials));
  const me = ownerText({ host: hostname(), pid: process.pid, worker: 0 });
  const running = trials.filter((t) => t.state === 'running');
  const left = (t: FrozenTrial) => !t.owner || t.owner === me || dead.has(t.owner);
  const orphans = running.filter(left).map((t) => `#${t.number}`);
  const others = running.filter((t) => !left(t));
  const where = study ? `study ${study.name} in ${redactUrl(study.storage)}: ` : '';
  let marked = orphans.length
    ? `; the running trial${plural(orphans.length)} ${orphans.join(', ')} will be marked interrupted`
    : '';
  if (others.length) {
    const owners = [...new Set(others.map((t) => t.owner))];
    const numbers = others.map((t) => `#${t.number}`).join(', ');
    const who = owners.length > 1 ? 'other processes' : 'another process';
    marked += `; ${numbers} ${others.length > 1 ? 'run' : 'runs'} on in ${who} (${owners.join(', ')})`;
  }
  if (here.length)
    marked += `; the running trial${plural(here.length)} ${here.join(', ')} failed as interrupted${again}`;
  const resume = ['seqtune', 'tune', config, '--resume', ...(storage ? ['--storage', redactUrl(storage)] : [])];
  return `${where}kept ${kept.join(', ')}${marked}\nresume with: ${resume.map(shellWord).join(' ')}`;
}

/**
 * The end of a study in two lines: how many trials and why it stopped, then the best, why it is the best (auto's
 * choice by the mean over seeds) and where the result is. On one line, a reason with the plan's notes in parentheses
 * of its own closed them twice and pushed the best to the end: "(... #20 is the better configuration)); best #53".
 */
function summaryLines(r: StudyResult): string[] {
  const by = r.bestBy ? ` (${r.bestBy})` : '';
  const where = r.bestRun ? `; result in ${r.bestRun.dir}` : '';
  // trials that failed and ran again are stored and not counted against --trials: "6 trials, trial budget spent"
  // for a budget of 4 read as an overrun
  const rerun = r.trials.length - budgetCount(r.trials);
  const again = rerun > 0 ? ` (${rerun} of them failed and ran again: not counted against the trial budget)` : '';
  return [
    `\nstudy ${r.name}: ${trialsText(r.trials.length)}${again}, ${r.stopReason}`,
    `best ${bestText(r.best)}${by}${where}`,
  ];
}

/** A 2-minute study went on to trial 29 on --resume: a time budget alone sets no trial budget (trialLimit). */
const TRIALS_HELP = 'trial budget (default: tune.trials, else 20; none where a time budget is given without either)';

/** --force's help: the study keeps the config it ran (study-open.ts forceConfig), as a later --resume compares. */
const FORCE_HELP =
  "with --resume: go on although the config differs from the study's; the study keeps this config from then on " +
  '(study show says what changed, and when)';

export function addTune(parent: Command, { log }: CliContext): Command {
  const cmd = parent
    .command('tune')
    .argument('<config>', 'YAML config; its tune: section says how (without one: auto, 20 trials)')
    .option('--resume', 'continue an interrupted study')
    .option('--rerun-interrupted', 'with --resume: train the interrupted trials again first')
    .option('--force', FORCE_HELP)
    .option(
      '--storage <url>',
      'sqlite:FILE or postgres://USER:PASSWORD@HOST:PORT/DB ' +
        "(default: the config's tune.storage, else seqtune.db beside the config)",
    )
    .option('--trials <n>', TRIALS_HELP, positiveInt('--trials'))
    .option('--time-budget <d>', 'time budget (30m, 2h)', duration('--time-budget'))
    .option(
      '--jobs <n>',
      'trials at once, in worker threads (default: the cores / train.threads)',
      positiveInt('--jobs'),
    )
    .option(...THREADS_OPTION)
    .option('--out <dir>', "folder of the trials' run folders (default: runs/<name> beside the config)")
    .option('--verbose', 'one line per epoch of each trial (trials run in this process: --jobs 1)')
    .description("tune the config's hyperparameters (strategy auto, ofat, grid, random or tpe)")
    .action(async (config: string, o: TuneOptions) => {
      const { resume, rerunInterrupted, force, storage, jobs, trials, timeBudget, out, verbose } = o;
      let told = false;
      // once the study is open: the command that watches it live
      const onTrials = (_t: readonly FrozenTrial[], study: { storage: string }) => {
        if (!told && !isMemory(study.storage))
          // memory: is this process's alone: no other command can read it
          log(`watch it live in the browser: seqtune dashboard --storage ${shellWord(redactUrl(study.storage))}`);
        told = true;
      };
      const opts = { resume, rerunInterrupted, force, storage, jobs, trials, timeBudget, out, log, verbose, onTrials };
      const r = await interruptibleStudy(withThreads(await loadConfig(config), o.threads), opts, (seen) =>
        interruptedText(config, storage, seen.trials, seen.study),
      );
      if (r.finished) {
        log(r.finished);
        // a finished study with no successful trial is a failed study, however often it is resumed (exit 1)
        if (!r.best) throw new WorkFailed(`study ${r.name}: no trial completed`);
        return;
      }
      for (const l of summaryLines(r)) log(l);
      const at = redactUrl(r.storage);
      const show = ['seqtune', 'study', 'show', r.name, '--storage', at].map(shellWord).join(' ');
      if (isMemory(r.storage)) log('stored in memory: only (gone with this process)');
      else log(`stored in ${at}; look again with: ${show}`);
      if (!r.best) throw new WorkFailed(`study ${r.name}: no trial completed`);
    });
  return withExamples(
    cmd,
    'seqtune tune my.yaml',
    'seqtune tune my.yaml --trials 40 --time-budget 30m --jobs 4',
    'seqtune tune my.yaml --resume --rerun-interrupted',
  );
}
