// seqtune range CONFIG --param KEY [--json]: a brief sweep of one knob to find its useful range.

import type { Command } from 'commander';
import { rangeRun } from '../../check/index.js';
import { loadConfig } from '../../config/index.js';
import { type CliContext, withExamples } from '../context.js';
import { THREADS_OPTION, withThreads } from '../options.js';

interface RangeOptions {
  param: string;
  json?: boolean;
  threads?: number;
}

type RangeRow = Awaited<ReturnType<typeof rangeRun>>['rows'][number];

const rowLine = (r: RangeRow) =>
  `batch ${String(r.batch_size).padStart(5)}  val_loss ${r.val_loss.toPrecision(4)}  ${r.windows_per_second} windows/s`;

export function addRange(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('range')
    .argument('<config>', 'YAML config file')
    .requiredOption('--param <key>', 'the knob to sweep (train.batch_size)')
    .option('--json', 'print JSON')
    .option(...THREADS_OPTION)
    .description('sweep a knob briefly to find its useful range')
    .action(async (config: string, o: RangeOptions) => {
      const res = await rangeRun(withThreads(await loadConfig(config), o.threads), o.param);
      if (o.json) io.out(`${JSON.stringify(res)}\n`);
      else
        io.out(
          `${res.rows.map(rowLine).join('\n')}\nsuggested batch size: ${res.suggested} ` +
            `(the fastest within 10% of the best val_loss, on ${res.threads} thread${res.threads === 1 ? '' : 's'})\n`,
        );
    });
  return withExamples(cmd, 'seqtune range my.yaml --param train.batch_size');
}
