// seqtune demo [--out DIR]: a run on a built-in synthetic series, with pictures.

import type { Command } from 'commander';
import { demoRun } from '../../run/index.js';
import { type CliContext, verbosity, withExamples } from '../context.js';

interface DemoOptions {
  out?: string;
  quiet?: boolean;
}

export function addDemo(parent: Command, { log }: CliContext): Command {
  const cmd = parent
    .command('demo')
    .option('--out <dir>', 'write the run folder exactly here')
    .option('-q, --quiet', 'no progress display')
    .description('train on a built-in synthetic series and write a run folder with pictures')
    .action(async (o: DemoOptions) => {
      await demoRun({ out: o.out, verbose: verbosity(o), log });
    });
  return withExamples(cmd, 'seqtune demo', 'seqtune demo --out demo-run');
}
