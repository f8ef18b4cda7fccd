// seqtune study ensemble NAME [--top K] [--method M]: the best K trials retrained and fused.

import type { Command } from 'commander';
import { openStorage } from '../../storage/index.js';
import type { FusionMethod } from '../../train/index.js';
import { studyEnsemble } from '../../tune/index.js';
import { type CliContext, withExamples } from '../context.js';
import { oneOf, positiveInt } from '../options.js';

interface StudyEnsembleOptions {
  storage: string;
  top: number;
  method: FusionMethod;
  out?: string;
}

type Ensemble = Awaited<ReturnType<typeof studyEnsemble>>;

/** `ensemble of 3 (mean): test MSE ...; members ...; persistence ...  (DIR)` */
function summary(r: Ensemble): string {
  const mse = (x: { mse: number }) => x.mse.toPrecision(4);
  const members = r.test.members.map((m) => mse(m.scaled)).join(', ');
  const persistence = mse(r.test.baselines.scaled.persistence!);
  const head = `ensemble of ${r.members.length} (${r.method}): test MSE ${mse(r.test.ensemble.scaled)}`;
  return `${head}; members ${members}; persistence ${persistence}  (${r.dir})`;
}

export function addStudyEnsemble(parent: Command, { log }: CliContext): Command {
  const cmd = parent
    .command('ensemble')
    .argument('<name>', 'the study')
    .option('--storage <url>', 'where the studies are stored', 'sqlite:seqtune.db')
    .option('--top <k>', 'how many of the best trials', positiveInt('--top'), 3)
    .option(
      '--method <m>',
      'mean, weighted or stacked',
      oneOf<FusionMethod>('--method', ['mean', 'weighted', 'stacked']),
      'mean',
    )
    .option('--out <dir>', 'where to write ensemble.json and the members')
    .description('retrain the best K trials and fuse their forecasts')
    .action(async (name: string, o: StudyEnsembleOptions) => {
      const st = openStorage(o.storage, { existing: true });
      try {
        log(summary(await studyEnsemble(st, name, { top: o.top, method: o.method, out: o.out, log })));
      } finally {
        await st.close();
      }
    });
  return withExamples(cmd, 'seqtune study ensemble my-forecast --top 3 --method stacked');
}
