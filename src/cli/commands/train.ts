// seqtune train CONFIG [--out DIR]: one run folder from a config.

import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { trainRun } from '../../run/index.js';
import { type CliContext, verbosity, withExamples } from '../context.js';

interface TrainOptions {
  out?: string;
  quiet?: boolean;
}

export function addTrain(parent: Command, { log }: CliContext): Command {
  const cmd = parent
    .command('train')
    .argument('<config>', 'YAML config file')
    .option('--out <dir>', 'write the run folder exactly here')
    .option('-q, --quiet', 'no progress display')
    .description('train the model of a config and write a run folder')
    .action(async (config: string, o: TrainOptions) => {
      await trainRun(await loadConfig(config), { out: o.out, verbose: verbosity(o), log });
    });
  return withExamples(cmd, 'seqtune train my.yaml', 'seqtune train my.yaml --out runs/first --quiet');
}
