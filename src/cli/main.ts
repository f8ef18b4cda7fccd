// The seqtune command: the program assembled from one file per command (src/cli/commands/); exit.ts maps what a
// command throws to an exit code (docs/config.md): 0 success; 1 the work itself failed (or a bug in seqtune, said as
// such); 2 bad input or usage, with one line on stderr naming the file, row, column, key or option.

import { Command, Help, type Option } from 'commander';
import { removeUnfinishedRunFolders } from '../run/index.js';
import { stopLiveProgress } from '../train/index.js';
import { addCheck } from './commands/check.js';
import { addDashboard } from './commands/dashboard.js';
import { addDemo } from './commands/demo.js';
import { addDiagnose } from './commands/diagnose.js';
import { addEvaluate } from './commands/evaluate.js';
import { addExport } from './commands/export.js';
import { addInit } from './commands/init.js';
import { addLrFind } from './commands/lr-find.js';
import { addPredict } from './commands/predict.js';
import { addRange } from './commands/range.js';
import { addStudy } from './commands/study.js';
import { addTrain } from './commands/train.js';
import { addTune } from './commands/tune.js';
import { addWorker } from './commands/worker.js';
import {
  type AddCommand,
  type CliContext,
  type IO,
  interruptLines,
  interruptStops,
  UsageError,
  WorkFailed,
  withExamples,
} from './context.js';
import { exitCodeFor, signalExitCode } from './exit.js';
import { packageVersion } from './version.js';

export { type IO, UsageError, WorkFailed };

/** Every command, in the order `seqtune --help` lists them (`study` adds its own ls, show and ensemble). */
const COMMANDS: readonly AddCommand[] = [
  addTrain,
  addDemo,
  addPredict,
  addEvaluate,
  addExport,
  addDiagnose,
  addCheck,
  addLrFind,
  addRange,
  addTune,
  addWorker,
  addStudy,
  addDashboard,
  addInit,
];

/**
 * stdout and stderr once a reader closed them (`seqtune train my.yaml | head -1`, a terminal that hung up): what is
 * written there after is dropped and the command goes on, so the work it was asked for (a run folder, a study, a
 * dashboard) is finished and its exit code is the work's, not a stack or a half-written run folder.
 */
const closed = { out: false, err: false };
const processIO: IO = {
  out: (s) => {
    if (!closed.out) process.stdout.write(s);
  },
  err: (s) => {
    if (!closed.err) process.stderr.write(s);
  },
};

/** Commander's option line in --help, with "(required)" after a required option (commander shows nothing). */
const plainHelp = new Help();
function optionDescription(option: Option): string {
  const text = plainHelp.optionDescription(option);
  return option.mandatory ? `${text} (required)` : text;
}

/**
 * Commander's usage error as seqtune's one line: \"error: unknown command 'report'\\n(Did you mean export?)\" reads
 * \"seqtune: unknown command 'report' (did you mean export?)\".
 */
function usageLine(text: string): string {
  const one = text
    .trim()
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .replace('(Did you mean', '(did you mean');
  return `seqtune: ${one}\n`;
}

export function program(io: IO = processIO): Command {
  // Set before the commands are added: each command copies the output, help and exit settings of its parent.
  const p = new Command('seqtune')
    .description('train and tune recurrent time-series forecasters')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeErr: io.err, writeOut: io.out, outputError: (text, write) => write(usageLine(text)) })
    .configureHelp({ optionDescription });
  const ctx: CliContext = { io, log: (l) => io.out(`${l}\n`) };
  for (const add of COMMANDS) add(p, ctx);
  return withExamples(p, 'seqtune demo', 'seqtune train my.yaml', 'seqtune tune my.yaml', 'seqtune train --help');
}

/**
 * Ctrl-C (SIGINT), SIGTERM or SIGHUP (the terminal closed, the ssh connection dropped) while a command runs in its
 * own process: the command's own stop runs first (context.ts's onInterrupt: a study fails its running trials as
 * interrupted and stops its trial threads), then a run folder being written is removed (it would be half-written),
 * the command's interrupt note is printed (tune's says what was kept and the command that resumes), and the process
 * exits 130, 143 or 129, as a shell reports a command stopped by the signal. A second signal while the stop runs
 * removes the run folders being written and exits at once.
 */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function onSignals(io: IO): () => void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    const code = signalExitCode(signal);
    stopLiveProgress(); // a progress bar mid-epoch: its line cleared, the cursor and line wrap back before any message
    if (stopping) {
      removeUnfinishedRunFolders(); // the first signal's stop is cut short: what its threads wrote is still removed
      process.exit(code);
    }
    stopping = true;
    await interruptStops(signal, 20000);
    const removed = removeUnfinishedRunFolders();
    if (removed.length) io.err(`seqtune: ${signal}: removed the unfinished ${removed.join(', ')}\n`);
    for (const line of interruptLines()) io.err(`seqtune: ${signal}: ${line}\n`);
    process.exit(code);
  };
  const onStop = (signal: NodeJS.Signals) => void stop(signal);
  for (const signal of STOP_SIGNALS) process.on(signal, onStop);
  return () => {
    if (stopping) return; // the handler is still at work and exits the process itself
    for (const signal of STOP_SIGNALS) process.off(signal, onStop);
  };
}

/** The errors of a write whose reader is gone: a closed pipe, a terminal that hung up, a socket closed. */
const READER_GONE = new Set(['EPIPE', 'EIO', 'ECONNRESET', 'ERR_STREAM_DESTROYED']);

/**
 * `seqtune ... | head`: once the reader closes the pipe, nothing more can be said there; the command goes on quietly
 * (its output there dropped), as it does when stderr's reader is gone. Another error of the stream is thrown.
 */
const onClosedOut = (e: NodeJS.ErrnoException): void => {
  if (!READER_GONE.has(e.code ?? '')) throw e;
  closed.out = true;
};
const onClosedErr = (e: NodeJS.ErrnoException): void => {
  if (!READER_GONE.has(e.code ?? '')) throw e;
  closed.err = true;
};

export async function main(argv: string[], io: IO = processIO): Promise<number> {
  const release = io === processIO ? onSignals(io) : () => {};
  if (io === processIO && !process.stdout.listeners('error').includes(onClosedOut)) {
    process.stdout.on('error', onClosedOut);
    process.stderr.on('error', onClosedErr);
  }
  try {
    const p = program(io);
    // `seqtune help NOSUCH`: commander prints the whole help and exits 2; as `seqtune NOSUCH` it is one line that
    // names the command and the one meant
    const [first, second] = argv;
    const unknownHelp = first === 'help' && second !== undefined && !p.commands.some((c) => c.name() === second);
    await p.parseAsync(unknownHelp ? [second] : argv, { from: 'user' });
    return 0;
  } catch (e) {
    stopLiveProgress(); // an error mid-epoch: its message on a line of its own, the cursor back
    return exitCodeFor(e, io);
  } finally {
    release();
  }
}
