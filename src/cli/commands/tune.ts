// seqtune tune CONFIG [--resume] [--trials N] [--time-budget D] [--jobs N]: a tuning study, then the best trial
// retrained into a run folder. Exit 1 when no trial completed.

import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { runStudy } from '../../tune/index.js';
import { type CliContext, WorkFailed, withExamples } from '../context.js';
import { duration, positiveInt } from '../options.js';
import { bestText } from './study-report.js';

interface TuneOptions {
  resume?: boolean;
  rerunInterrupted?: boolean;
  storage?: string;
  trials?: number;
  timeBudget?: number;
  jobs?: number;
  out?: string;
}

export function addTune(parent: Command, { log }: CliContext): Command {
  const cmd = parent
    .command('tune')
    .argument('<config>', 'YAML config with a tune: section')
    .option('--resume', 'continue an interrupted study')
    .option('--rerun-interrupted', 'with --resume: train the interrupted trials again first')
    .option('--storage <url>', "sqlite:FILE (default: the config's tune.storage, else seqtune.db beside the config)")
    .option('--trials <n>', 'trial budget', positiveInt('--trials'))
    .option('--time-budget <d>', 'time budget (30m, 2h)', duration('--time-budget'))
    .option('--jobs <n>', 'trials at once, in worker threads (default: the number of cores)', positiveInt('--jobs'))
    .option('--out <dir>', 'run folder of the retrained best trial')
    .description("tune the config's hyperparameters (strategy auto, ofat, grid, random or tpe)")
    .action(async (config: string, o: TuneOptions) => {
      const { resume, rerunInterrupted, storage, jobs, trials, timeBudget, out } = o;
      const opts = { resume, rerunInterrupted, storage, jobs, trials, timeBudget, out, log };
      const r = await runStudy(await loadConfig(config), opts);
      log(`\nstudy ${r.name}: ${r.trials.length} trials (${r.stopReason}); best ${bestText(r.best)}`);
      log(`stored in ${r.storage}; look again with: seqtune study show ${r.name} --storage ${r.storage}`);
      if (!r.best) throw new WorkFailed(`study ${r.name}: no trial completed`);
    });
  return withExamples(
    cmd,
    'seqtune tune my.yaml',
    'seqtune tune my.yaml --trials 40 --time-budget 30m --jobs 4',
    'seqtune tune my.yaml --resume --rerun-interrupted',
  );
}
