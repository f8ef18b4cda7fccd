// seqtune predict RUN_DIR --csv FILE [--out FILE]: forecasts of a trained run as CSV.

import type { Command } from 'commander';
import { predictRun, writeWhole } from '../../run/index.js';
import { type CliContext, withExamples } from '../context.js';

interface PredictOptions {
  csv: string;
  out?: string;
}

export function addPredict(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('predict')
    .argument('<run_dir>', 'a run folder')
    .requiredOption('--csv <file>', 'CSV of new rows, read as the training CSV was')
    .option('--out <file>', 'write the forecasts here instead of stdout (- is stdout)')
    .description('forecast with a trained run')
    .action(async (runDir: string, o: PredictOptions) => {
      const text = await predictRun(runDir, o.csv);
      if (o.out && o.out !== '-') await writeWhole(o.out, text);
      else io.out(text);
    });
  return withExamples(
    cmd,
    'seqtune predict runs/my-forecast/<time> --csv new.csv',
    'seqtune predict runs/my-forecast/<time> --csv new.csv --out forecasts.csv',
  );
}
