// seqtune check CONFIG [--json]: data and network sanity checks before tuning; exit 1 when one fails.

import type { Command } from 'commander';
import { checkRun } from '../../check/index.js';
import { loadConfig } from '../../config/index.js';
import { type CliContext, WorkFailed, withExamples } from '../context.js';

interface CheckOptions {
  json?: boolean;
}

export function addCheck(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('check')
    .argument('<config>', 'YAML config file')
    .option('--json', 'print {"checks": [...]} as JSON')
    .description('sanity checks of data and network before tuning (exit 1 when one fails)')
    .action(async (config: string, o: CheckOptions) => {
      const report = await checkRun(await loadConfig(config));
      if (o.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
      else
        for (const c of report.checks) io.out(`${c.status.toUpperCase().padEnd(4)}  ${c.id.padEnd(28)} ${c.advice}\n`);
      const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
      if (failed.length) throw new WorkFailed(`${failed.join(', ')} failed`);
    });
  return withExamples(cmd, 'seqtune check my.yaml', 'seqtune check my.yaml --json');
}
