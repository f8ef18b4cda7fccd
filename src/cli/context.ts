// What every command file shares: where output goes, the two errors a command throws on purpose, the shape of a
// command's registration function, and the Examples block of its --help.

import type { Command } from 'commander';
import { SeqtuneError } from '../errors.js';

/** Bad usage (an option value, an existing file): exit 2 with one line. */
export class UsageError extends SeqtuneError {}
/** The work itself failed (a failed check): exit 1 with one line. */
export class WorkFailed extends SeqtuneError {}

/** Where a command writes: stdout and stderr by default, replaceable for tests and embedding. */
export interface IO {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** What main.ts hands every command: its output, and `log`, which writes one line to it. */
export interface CliContext {
  io: IO;
  log: (line: string) => void;
}

/**
 * What to do and say if Ctrl-C or SIGTERM stops the process now: main.ts's signal handler first awaits every `stop`
 * registered here (a study fails its running trials as interrupted), then prints every note (one line each, on
 * stderr) and exits. A command registers while it runs and releases after.
 */
interface Interrupt {
  /** Null: the command has nothing to say (its stop is all it needs). */
  note: (() => string) | null;
  stop?: (signal: NodeJS.Signals) => Promise<void>;
}
const interrupts = new Set<Interrupt>();
export function onInterrupt(note: Interrupt['note'], stop?: Interrupt['stop']): () => void {
  const i = { note, stop };
  interrupts.add(i);
  return () => interrupts.delete(i);
}
export const interruptLines = (): string[] => [...interrupts].flatMap((i) => (i.note ? i.note().split('\n') : []));
/** Runs the registered stops (each at most `ms` milliseconds: a stuck database must not keep the process alive). */
export async function interruptStops(signal: NodeJS.Signals, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((res) => {
    timer = setTimeout(res, ms);
  });
  const stops = [...interrupts].map((i) => i.stop?.(signal).catch(() => {}));
  await Promise.race([Promise.all(stops), limit]);
  clearTimeout(timer);
}

/** Registers one command on `parent` (the program, or a command group) and returns it. */
export type AddCommand = (parent: Command, ctx: CliContext) => Command;

/** Appends an "Example:" (or "Examples:") block of command lines to `cmd`'s --help. */
export function withExamples(cmd: Command, ...lines: string[]): Command {
  const heading = lines.length > 1 ? 'Examples' : 'Example';
  return cmd.addHelpText('after', `\n${heading}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/** `--quiet` as the `verbose` option of training: no progress display, or one on a terminal. */
export function verbosity(o: { quiet?: boolean }): 0 | 'auto' {
  return o.quiet ? 0 : 'auto';
}

/** A command-line word as a shell reads it back: quoted when it holds anything but safe characters. */
export const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`);

/** `1 trial`, `3 trials`. */
export const trialsText = (n: number): string => `${n} trial${n === 1 ? '' : 's'}`;
