// Training progress: a bar per epoch on a terminal (cli-progress), one line per epoch otherwise.
import cliProgress from 'cli-progress';
import type { FitCallback, Logs } from './types.js';

const fmt = (v: number) =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4);
export const formatLogs = (logs: Logs) =>
  Object.entries(logs)
    .filter(([k]) => k !== 'size')
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(' - ');

/**
 * Whether `stream` is a terminal that shows a live progress display: a TTY, not `TERM=dumb` (Emacs' shell, some CI
 * runners' pseudo-terminals: cursor moves would print as garbage), not under CI (`CI` set: its log keeps every
 * redraw). Elsewhere progress is one line per epoch.
 */
export function liveProgress(stream: { isTTY?: boolean } = process.stderr, env = process.env): boolean {
  return Boolean(stream.isTTY) && env.TERM !== 'dumb' && !('CI' in env && env.CI !== 'false' && env.CI !== '0');
}

/** The bars being drawn now (one per fit that shows one). */
const drawing = new Set<cliProgress.SingleBar>();
let stopOnExit = false;

/**
 * Stops every progress bar being drawn: the cursor shown again, line wrap back on, the bar's line cleared. A signal
 * handler calls it before it prints (Ctrl-C mid-epoch left the terminal with no cursor and no line wrap, the
 * message glued to the bar); the process's exit calls it too, whatever ends the process.
 */
export function stopLiveProgress(): void {
  for (const bar of drawing) bar.stop();
  drawing.clear();
}

/** Without a live display, a line within an epoch at most this often (ms): an epoch can take minutes. */
export const PROGRESS_LINE_MS = 60_000;

/**
 * fit's `verbose` display. It needs nothing of the model, so it implements the hooks without extending Callback.
 * Without a live display (a log file, CI) it writes a line per epoch, and within an epoch one every `every` ms with
 * the batches done: an epoch over a million rows (5,468 batches of 128) took minutes with nothing written.
 */
export class ProgressLogger implements FitCallback {
  private bar?: cliProgress.SingleBar;
  private started = 0;
  private lastLine = 0;
  private epoch = 0;
  /** The bar is drawn only where `tty` was asked for and the terminal shows it (liveProgress). */
  readonly tty: boolean;
  constructor(
    readonly epochs: number,
    readonly batches: number,
    tty: boolean,
    readonly write: (s: string) => void = (s) => process.stderr.write(s),
    readonly every = PROGRESS_LINE_MS,
  ) {
    this.tty = tty && liveProgress();
  }

  setModel(): void {}
  onTrainBegin(): void {}

  onEpochBegin(epoch: number): void {
    this.started = performance.now();
    this.lastLine = this.started;
    this.epoch = epoch;
    if (this.tty) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `epoch ${epoch + 1}/${this.epochs} [{bar}] {value}/{total} - loss {loss}`,
          hideCursor: true,
          clearOnComplete: true,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.batches, 0, { loss: '-' });
      drawing.add(this.bar);
      if (!stopOnExit) process.once('exit', stopLiveProgress);
      stopOnExit = true;
    }
  }
  onBatchEnd(batch: number, logs: Logs): void {
    this.bar?.update(batch + 1, { loss: fmt(logs.loss!) });
    const now = performance.now();
    if (this.tty || batch + 1 >= this.batches || now - this.lastLine < this.every) return;
    this.lastLine = now;
    const s = ((now - this.started) / 1000).toFixed(2),
      at = `epoch ${this.epoch + 1}/${this.epochs} - batch ${batch + 1}/${this.batches}`;
    this.write(`${at} - ${s}s - ${formatLogs(logs)}\n`);
  }
  onEpochEnd(epoch: number, logs: Logs): void {
    this.endBar();
    const s = ((performance.now() - this.started) / 1000).toFixed(2);
    this.write(`epoch ${epoch + 1}/${this.epochs} - ${s}s - ${formatLogs(logs)}\n`);
  }
  onTrainEnd(): void {
    this.endBar();
  }
  private endBar(): void {
    if (!this.bar) return;
    this.bar.stop();
    drawing.delete(this.bar);
    this.bar = undefined;
  }
}
