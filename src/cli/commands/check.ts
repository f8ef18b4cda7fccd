// seqtune check CONFIG [--json]: data and network sanity checks before tuning; exit 1 when one fails.

import type { Command } from 'commander';
import { checkRun } from '../../check/index.js';
import { loadConfig } from '../../config/index.js';
import { type CliContext, WorkFailed, withExamples } from '../context.js';
import { THREADS_OPTION, withThreads } from '../options.js';

interface CheckOptions {
  json?: boolean;
  threads?: number;
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));

/** A check's evidence on one line: `name value` pairs, nested objects in braces, numbers to 4 digits. */
export function evidenceText(e: Record<string, unknown>): string {
  const item = (v: unknown): string =>
    typeof v === 'number'
      ? num(v)
      : Array.isArray(v)
        ? `[${v.map(item).join(', ')}]`
        : v !== null && typeof v === 'object'
          ? `{${evidenceText(v as Record<string, unknown>)}}`
          : String(v);
  return Object.entries(e)
    .map(([k, v]) => `${k} ${item(v)}`)
    .join(', ');
}

export function addCheck(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('check')
    .argument('<config>', 'YAML config file')
    .option('--json', 'print {"checks": [...]} as JSON')
    .option(...THREADS_OPTION)
    .description('sanity checks of data and network before tuning (exit 1 when one fails)')
    .action(async (config: string, o: CheckOptions) => {
      // a slow step's notice goes to stderr: stdout is the report (JSON with --json)
      const report = await checkRun(withThreads(await loadConfig(config), o.threads), { log: (l) => io.err(`${l}\n`) });
      if (o.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
      else
        for (const c of report.checks) {
          io.out(`${c.status.toUpperCase().padEnd(4)}  ${c.id.padEnd(28)} ${c.advice}\n`);
          const ev = evidenceText(c.evidence);
          if (ev) io.out(`${' '.repeat(6)}${ev}\n`);
        }
      const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
      if (failed.length) throw new WorkFailed(`${failed.join(', ')} failed`);
    });
  return withExamples(cmd, 'seqtune check my.yaml', 'seqtune check my.yaml --json');
}
