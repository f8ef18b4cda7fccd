// seqtune train CONFIG [--out DIR] [--threads N]: one run folder from a config; exit 1 when the run diverged (no finite
// forecast, or a diagnosis of diverged: a loss that blew up; the folder is kept, to be diagnosed).

import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { forecastsNotFinite, trainRun } from '../../run/index.js';
import { type CliContext, verbosity, WorkFailed, withExamples } from '../context.js';
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
      const r = await trainRun(withThreads(await loadConfig(config), o.threads), {
        out: o.out,
        verbose: verbosity(o),
        log,
      });
      if (forecastsNotFinite(r.metrics))
        throw new WorkFailed(
          `${r.dir}: the model's forecasts are not finite: the run diverged (${r.diagnosis.summary}); the folder ` +
            'keeps its curves and diagnosis; train again with a lower learning rate',
        );
      // a loss that blew up to finite values (1e61) is as failed a run: the diagnosis says diverged, so does the exit
      if (r.diagnosis.pattern === 'diverged')
        throw new WorkFailed(
          `${r.dir}: the run diverged (${r.diagnosis.summary}); the folder keeps its curves and diagnosis; ` +
            'train again with a lower learning rate',
        );
    });
  return withExamples(
    cmd,
    'seqtune train my.yaml',
    'seqtune train my.yaml --out runs/first --quiet',
    'seqtune train my.yaml --threads 2',
  );
}
