// seqtune train CONFIG [--out DIR] [--threads N]: one run folder from a config.

import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { trainRun } from '../../run/index.js';
import { type CliContext, verbosity, withExamples } from '../context.js';
import { THREADS_OPTION, withThreads } from '../options.js';

interface TrainOptions {
  out?: string;
  threads?: number;
  quiet?: boolean;
}

export function addTrain(parent: Command, { log }: CliContext): Command {
  const cmd = parent
    .command('train')
    .argument('<config>', 'YAML config file')
    .option('--out <dir>', 'write the run folder exactly here')
    .option('-q, --quiet', 'no progress display')
    .option(...THREADS_OPTION)
    .description('train the model of a config and write a run folder')
    .action(async (config: string, o: TrainOptions) => {
      await trainRun(withThreads(await loadConfig(config), o.threads), { out: o.out, verbose: verbosity(o), log });
    });
  return withExamples(
    cmd,
    'seqtune train my.yaml',
    'seqtune train my.yaml --out runs/first --quiet',
    'seqtune train my.yaml --threads 2',
  );
}
