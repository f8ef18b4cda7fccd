// seqtune worker --storage URL --study NAME [--jobs N] [--threads N] [--data-root DIR] [--out DIR]: joins an existing
// study (its config is read from storage) and runs its trials beside every other process of the study until its
// trial or time budget is spent, keeping each trial's run folder as tune does (and, when it finished the study's last
// trial, the end step). Exit 2 when the study does not exist or its data cannot be read (nothing is touched then).

import type { Command } from 'commander';
import { type StudyResult, storedConfig } from '../../tune/index.js';
import { type CliContext, trialsText, WorkFailed, withExamples } from '../context.js';
import { positiveInt, THREADS_OPTION, withThreads } from '../options.js';
import { interruptibleStudy } from './study-run.js';

interface WorkerOptions {
  storage: string;
  study: string;
  jobs?: number;
  threads?: number;
  dataRoot?: string;
  out?: string;
}

export function addWorker(parent: Command, { log }: CliContext): Command {
  const cmd = parent
    .command('worker')
    .requiredOption('--storage <url>', 'where the study is stored (postgres://USER:PASSWORD@HOST:PORT/DB, sqlite:FILE)')
    .requiredOption('--study <name>', 'the study to work on')
    .option(
      '--jobs <n>',
      'trials at once, in worker threads (default: tune.jobs, else the cores / train.threads)',
      positiveInt('--jobs'),
    )
    .option(...THREADS_OPTION)
    .option(
      '--data-root <dir>',
      "the folder the study's data.csv path is read from on this machine, in place of its config's folder",
    )
    .option(
      '--out <dir>',
      "folder of the trials' run folders (default: runs/<study> beside the study's config file, or under --data-root)",
    )
    .description('join a stored study and run its trials until its budget is spent')
    .action(async (o: WorkerOptions) => {
      // --threads as tune takes it: this machine's cores are not those of the one that created the study
      const loaded = withThreads(await storedConfig(o.storage, o.study, o.dataRoot), o.threads);
      const opts = { resume: true, storage: o.storage, jobs: o.jobs, out: o.out, log };
      const r = await interruptibleStudy(loaded, opts, ({ trials }) => {
        const waiting = trials.filter((t) => t.state === 'waiting').length;
        const n = `${waiting} trial${waiting === 1 ? '' : 's'}`;
        return `study ${o.study}: ${n} waiting for a worker; start one again with the same command`;
      });
      if (r.finished) {
        const tune = loaded.raw.tune;
        log(
          finishedLine(r, (tune?.strategy ?? 'auto') === 'auto', (tune?.objective as string | undefined) ?? 'val_loss'),
        );
        // as tune --resume: a finished study with no successful trial is a failed study (exit 1)
        if (!r.best) throw new WorkFailed(`study ${r.name}: no trial completed`);
        return;
      }
      const where = r.bestRun ? `; result in ${r.bestRun.dir}` : '';
      log(`worker: study ${r.name}: ${r.stopReason}; ${shareText(r)}${where}`);
    });
  return withExamples(
    cmd,
    'seqtune worker --storage postgres://tuner:secret@db.lan:5432/studies --study pm25 --jobs 4',
    'seqtune worker --storage sqlite:seqtune.db --study pm25 --data-root /data/pm25',
  );
}

/**
 * How many of the study's trials this worker trained: one that joined while other processes ran the study's last
 * trials said "trial budget spent; 4 trials in storage", as if it had spent the budget itself.
 */
function shareText({ trials, trained = 0, stopReason }: StudyResult): string {
  const share = `this worker trained ${trained || 'none'} of the study's ${trialsText(trials.length)}`;
  return !trained && stopReason.startsWith('trial budget')
    ? `${share}: other processes took the remaining ones`
    : share;
}

/**
 * A worker that joined a finished study trained nothing: the line says so, why, and what runs more of it (a worker
 * has no budget of its own; it said "trial budget spent; 6 trials in storage" as if it had run them).
 */
function finishedLine({ name, stopReason: reason, trials, best }: StudyResult, auto: boolean, objective: string) {
  // the objective named, as tune's lines name it ("best #2 0.0123" said not which value)
  const bestText = best ? `best #${best.number} ${objective} ${best.value!.toPrecision(4)}` : 'no trial completed';
  // auto's plan grows with more trials; a fixed space has run every configuration it has (as tune --resume says)
  const more =
    !auto && reason.startsWith('search space exhausted')
      ? 'add values to tune.space and run seqtune tune CONFIG --resume --force'
      : 'seqtune tune CONFIG --resume --trials N (or --time-budget D)';
  const state = `${reason}; ${trialsText(trials.length)}, ${bestText}`;
  return (
    `worker: study ${name} is already finished (${state}): this worker trained nothing; to run more: ${more}, ` +
    `or add a trial with seqtune study enqueue ${name} --params JSON`
  );
}
