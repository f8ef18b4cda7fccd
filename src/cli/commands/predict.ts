// seqtune predict RUN_DIR --csv FILE [--out FILE]: forecasts of a trained run as CSV; exit 1, nothing written, for a
// run that diverged (forecasts that are not finite, or a diagnosis that says diverged), as train, evaluate and export.

import type { Command } from 'commander';
import { predictRun, refuseOutFile, replaceable, writeWhole } from '../../run/index.js';
import { type CliContext, UsageError, withExamples } from '../context.js';
import { failIfDiverged } from '../diverged.js';
import { integerAtLeast } from '../options.js';

interface PredictOptions {
  csv: string;
  out?: string;
  skipRows?: number;
}

/**
 * --out is checked before the forecasts are made: a path that cannot be written (a folder, a folder that is not
 * there) was told after the whole file was forecast. An existing file there is replaced only where it holds forecasts
 * predict wrote (its header begins with origin_row): `--out new.csv` wrote the forecasts over the very CSV they were
 * made from, and `--out my.yaml` over the config, both with exit 0.
 */
async function checkOut(out: string): Promise<void> {
  await refuseOutFile('--out', out);
  if (replaceable(out, (head) => head.toString('utf8') === 'origin_row,', 11)) return;
  throw new UsageError(
    `--out ${out}: expected a new file or forecasts seqtune predict wrote, found another file; predict replaces only ` +
      'its own forecasts: remove the file or choose another --out',
  );
}

export function addPredict(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('predict')
    .argument('<run_dir>', 'a run folder')
    .requiredOption('--csv <file>', 'CSV of new rows, read as the training CSV was')
    .option('--out <file>', 'write the forecasts here instead of stdout (- is stdout); replaces only forecasts')
    .option(
      '--skip-rows <n>',
      "data rows to skip at the start of --csv (default: the run's data.skip_rows, as its training CSV's)",
      integerAtLeast('--skip-rows', 0),
    )
    .description('forecast with a trained run')
    .action(async (runDir: string, o: PredictOptions) => {
      const out = o.out && o.out !== '-' ? o.out : undefined;
      if (out) await checkOut(out);
      // forecasts that are not finite are refused by predictRun, naming the row; a loss that blew up to finite values
      // is refused here, before anything is written: train exited 1 for it, evaluate and export too, and predict wrote
      // what the blown-up weights say (shampoo sales at Adam 1e6: -1.0e8) with exit 0
      const log = (l: string) => io.err(`${l}\n`);
      const pieces = await predictRun(runDir, o.csv, {
        log,
        ...(o.skipRows === undefined ? {} : { skipRows: o.skipRows }),
      });
      await failIfDiverged(runDir, 'nothing to forecast with');
      if (out) await writeWhole(out, pieces);
      else for (const p of pieces) io.out(p);
    });
  return withExamples(
    cmd,
    'seqtune predict runs/my-forecast/<time> --csv new.csv',
    'seqtune predict runs/my-forecast/<time> --csv new.csv --out forecasts.csv',
  );
}
