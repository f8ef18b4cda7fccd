// seqtune check CONFIG [--json]: data and network sanity checks before tuning; exit 1 when one fails.

import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { type CheckProgress, type CheckReport, type CheckResult, checkRun } from '../../check/index.js';
import { loadConfig } from '../../config/index.js';
import { liveProgress, PROGRESS_LINE_MS } from '../../train/index.js';
import { type CliContext, type IO, onInterrupt, WorkFailed, withExamples } from '../context.js';
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

/** A check's lines in the text report: its status, id and advice, then its evidence indented. */
function resultText(c: CheckResult): string {
  const ev = evidenceText(c.evidence);
  return `${c.status.toUpperCase().padEnd(4)}  ${c.id.padEnd(28)} ${c.advice}\n${ev ? `${' '.repeat(6)}${ev}\n` : ''}`;
}

/**
 * seqtune check as it goes (the checks of 200,000 rows x 20 took 125 s with nothing printed, then every result at
 * once): each check's lines on stdout as soon as its result is known (the text report, in its order and format;
 * --json prints the report at the end), and on stderr what runs now: on a live display one line redrawn in place
 * (`check: network.overfit_one_batch (step 120/300)...`), cleared before anything else is written; elsewhere (a log
 * file, CI) a line when a step begins or moves on at least `every` ms after the last one, as training's epochs do.
 */
export class CheckLog implements CheckProgress {
  private step = '';
  private drawn = false;
  private lastDraw = -Infinity;
  private lastLine: number;
  constructor(
    readonly io: IO,
    readonly json: boolean,
    readonly live: boolean,
    readonly every = PROGRESS_LINE_MS,
    private readonly started = performance.now(),
  ) {
    this.lastLine = started;
  }
  begin(step: string): void {
    this.step = step;
    this.show('', true);
  }
  tick(step: string, detail: string): void {
    this.step = step;
    this.show(detail, false);
  }
  done(c: CheckResult): void {
    this.clear();
    if (!this.json) this.io.out(resultText(c));
  }
  /** A line of its own on stderr (a slow fit's notice), the live line cleared first. */
  note(line: string): void {
    this.clear();
    this.io.err(`${line}\n`);
    this.lastLine = performance.now();
  }
  /** The live line erased (before other output, an error, Ctrl-C's message). */
  clear(): void {
    if (this.drawn) this.io.err('\r\x1b[K');
    this.drawn = false;
  }
  private show(detail: string, begins: boolean): void {
    const now = performance.now();
    if (this.live) {
      if (!begins && now - this.lastDraw < 200) return; // the probe's steps: at most 5 redraws a second
      this.lastDraw = now;
      this.drawn = true;
      this.io.err(`\r\x1b[Kcheck: ${this.step}${detail ? ` (${detail})` : ''}...`);
    } else if (now - this.lastLine >= this.every) {
      this.lastLine = now;
      const s = ((now - this.started) / 1000).toFixed(2);
      this.io.err(`check: ${this.step}${detail ? `, ${detail}` : ''} - ${s}s since the checks began\n`);
    }
  }
}

export function addCheck(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('check')
    .argument('<config>', 'YAML config file')
    .option('--json', 'print {"checks": [...]} as JSON')
    .option(...THREADS_OPTION)
    .description('sanity checks of data and network before tuning (exit 1 when one fails)')
    .action(async (config: string, o: CheckOptions) => {
      // a slow step's notice and what runs now go to stderr: stdout is the report (JSON with --json)
      const loaded = withThreads(await loadConfig(config), o.threads);
      const progress = new CheckLog(io, o.json === true, liveProgress());
      const release = onInterrupt(null, async () => progress.clear());
      let report: CheckReport;
      try {
        report = await checkRun(loaded, { log: (l) => progress.note(l), progress });
      } finally {
        progress.clear();
        release();
      }
      if (o.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
      const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
      if (failed.length) throw new WorkFailed(`${failed.join(', ')} failed`);
    });
  return withExamples(cmd, 'seqtune check my.yaml', 'seqtune check my.yaml --json');
}
