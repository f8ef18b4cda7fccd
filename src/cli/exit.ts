// How an error thrown by a command ends the process (docs/config.md, "Exit codes"): bad input or usage is exit 2
// with one line; the work failing (a failed check, no completed trial) or storage busy or locked by another process
// is exit 1 with one line; a path the system refused (a missing folder, a file where a folder should be) is exit 2
// with one line naming it; a full disk or a spent quota (ENOSPC, EDQUOT, SQLite's SQLITE_FULL), with a path or
// without one, is exit 1 with one line; work that needs more than the 4 GiB a WebAssembly memory holds
// (MemoryLimitError: a batch, lookback or model too large) is a config that cannot fit, exit 2; anything else is a
// bug in seqtune: exit 1 with the stack and one line that says so and where to report it. Only errors that name
// what the user gave count as bad input: a ValueError or ShapeError that reaches here (an engine bounds check, a
// missing build file) was not caused by the input, or was never checked.
import { constants } from 'node:os';
import { CommanderError } from 'commander';
import { ConfigError } from '../config/index.js';
import { DataError } from '../data/index.js';
import { HistoryError } from '../diagnose/index.js';
import { MemoryLimitError, SeqtuneError } from '../errors.js';
import { ExportError } from '../export/index.js';
import { ForecastFailed, RunFolderError } from '../run/index.js';
import { StorageError } from '../storage/index.js';
import { ModelFileError } from '../train/index.js';
import { StudyInterrupted, StudyStopped, TuneRefused } from '../tune/index.js';
import { type IO, UsageError, WorkFailed } from './context.js';
import { packageInfo } from './version.js';

const INPUT_ERRORS = [
  ConfigError,
  MemoryLimitError,
  DataError,
  ExportError,
  HistoryError,
  StorageError,
  ModelFileError,
  RunFolderError,
  UsageError,
];

/** SQLite's and PostgreSQL's codes for "another process holds the lock" (and SQLite's for a file it cannot use). */
const BUSY = /^(SQLITE_BUSY|SQLITE_LOCKED|55P03|40P01)/;
const NOT_A_DATABASE = /^(SQLITE_NOTADB|SQLITE_CORRUPT|SQLITE_CANTOPEN|SQLITE_READONLY|SQLITE_PERM)/;
/**
 * The codes of a disk that is full or a quota that is spent: the work failed, not the input. Node's write into a file
 * it opened (fs.promises.writeFile) says ENOSPC with no path, and SQLite's SQLITE_FULL names no file either.
 */
const NO_SPACE: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is spent',
  SQLITE_FULL: 'no space left on the device (or the database reached its size limit)',
};

/** The driver's error code of `e` or of an error it wraps (`cause`), if any. */
function codeOf(e: unknown): string | undefined {
  for (let x = e, depth = 0; x instanceof Error && depth < 5; x = x.cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Where a bug is reported: package.json's bugs URL, else its repository's issues, else in words. */
export function reportWhere(): string {
  const pkg = packageInfo();
  const bugs = typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs?.url;
  if (bugs) return `at ${bugs}`;
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (repo?.startsWith('git+https://') || repo?.startsWith('https://'))
    return `at ${repo.replace(/^git\+/, '').replace(/\.git$/, '')}/issues`;
  return "on the project's issue tracker";
}

/**
 * What the system said about a path the user gave (an output folder that is a file, a parent folder that does not
 * exist, a file where a folder should be), in words; a full disk is the work failing, not the input.
 */
const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EISDIR: 'is a folder, where a file was expected',
  ENOTDIR: 'a part of the path is a file, where a folder was expected',
  EEXIST: 'exists, and is not a folder',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'on a read-only file system',
  ENAMETOOLONG: 'a name in the path is longer than the file system allows (255 bytes, most often)',
};

/** What the system said about a path, in the words above (`a part of the path is a file, ...`), with its code. */
export const fileErrorText = (e: NodeJS.ErrnoException): string =>
  e.code && FILE_ERRORS[e.code] ? `${FILE_ERRORS[e.code]} (${e.code})` : e.message;

/** 128 + the signal's number, as a shell reports a command the signal stopped (SIGINT 130, SIGTERM 143, SIGHUP 129). */
export function signalExitCode(signal: string): number {
  const n = (constants.signals as Record<string, number | undefined>)[signal];
  return n === undefined ? 130 : 128 + n;
}

/** Writes what the user needs to read for `e` and returns the exit code. */
export function exitCodeFor(e: unknown, io: IO): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
    return 2; // commander already printed its one-line message
  }
  const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  if (e instanceof StudyInterrupted) {
    io.err(`seqtune: ${message}\n`);
    return signalExitCode(e.reason);
  }
  if (e instanceof StudyStopped) {
    io.err(`seqtune: ${message}\n`); // it says what the disk did, and where
    return 1;
  }
  const code = codeOf(e);
  const path = (e as { path?: unknown }).path;
  if (code && NO_SPACE[code]) {
    // the path when the system gave one, else what seqtune said (a StorageError names its file), else the code alone
    const what =
      typeof path === 'string'
        ? `${path}: `
        : e instanceof SeqtuneError
          ? `${message}: `
          : code === 'SQLITE_FULL'
            ? 'the study storage: '
            : '';
    io.err(`seqtune: ${what}${NO_SPACE[code]} (${code}); free some space and run the command again\n`);
    return 1;
  }
  if (code && BUSY.test(code)) {
    io.err(`seqtune: the study storage is busy: another process holds its lock (${code}: ${message}); try again\n`);
    return 1;
  }
  if (INPUT_ERRORS.some((k) => e instanceof k)) {
    io.err(`seqtune: ${(e as Error).message}\n`);
    return 2;
  }
  if (e instanceof WorkFailed || e instanceof TuneRefused || e instanceof ForecastFailed) {
    io.err(`seqtune: ${message}\n`);
    return 1;
  }
  if (code && typeof path === 'string' && FILE_ERRORS[code]) {
    io.err(`seqtune: ${path}: ${FILE_ERRORS[code]} (${code})\n`);
    return 2;
  }
  if (code && NOT_A_DATABASE.test(code)) {
    io.err(`seqtune: the study storage cannot be used (${code}: ${message}); name another with --storage\n`);
    return 2;
  }
  const stack = e instanceof Error ? (e.stack ?? message) : String(e);
  io.err(`seqtune: ${stack}\n`);
  io.err(
    `seqtune: this is a bug in seqtune ${packageInfo().version}, not a problem with your input; please report it ` +
      `${reportWhere()} with the command line and the output above\n`,
  );
  return 1;
}
