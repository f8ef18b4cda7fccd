// seqtune evaluate RUN_DIR [--json]: a trained run's test scores next to the naive baselines, again; exit 1 when the
// model gives no finite forecast or its diagnosis says diverged (a diverged run), as train.

import type { Command } from 'commander';
import { evaluateRun, forecastsNotFinite, metricsTable } from '../../run/index.js';
import { type CliContext, WorkFailed, withExamples } from '../context.js';
import { failIfDiverged } from '../diverged.js';

interface EvaluateOptions {
  json?: boolean;
}

export function addEvaluate(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('evaluate')
    .argument('<run_dir>', 'a run folder')
    .option('--json', 'print JSON')
    .description('score a trained run on its test split next to naive baselines')
    .action(async (runDir: string, o: EvaluateOptions) => {
      const m = await evaluateRun(runDir);
      const table = () => metricsTable({ ...m, windows: { train: 0, val: 0, test: 0 }, epochs_run: 0, seconds: 0 });
      io.out(o.json ? `${JSON.stringify(m, null, 2)}\n` : `${table()}\n`);
      // the baselines are shown; a model with no finite forecast is a failed run, as train says (exit 1)
      if (forecastsNotFinite({ test: m.test }))
        throw new WorkFailed(
          `${runDir}: the model's forecasts are not finite: the run diverged; ` +
            'train it again with a lower learning rate',
        );
      // a loss that blew up to finite values: train exited 1 for it, and so does evaluate (it said 0 with a test MSE
      // of 3.3e12 next to the baselines)
      await failIfDiverged(runDir);
    });
  return withExamples(
    cmd,
    'seqtune evaluate runs/my-forecast/<time>',
    'seqtune evaluate runs/my-forecast/<time> --json',
  );
}
