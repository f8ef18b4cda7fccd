// A line at most once a minute while this process's trials run and nothing else was said: where no live line shows
// their epochs (no terminal: a log file, CI; or trials in the pool's threads, jobs > 1, whose epochs only storage
// hears), a study of long trials was silent until one ended (a GRU(256) trial of 13 minutes, 110 s at a million rows).
import type { FrozenTrial, OfStudy, Storage } from '../storage/index.js';
import { PROGRESS_LINE_MS } from '../train/index.js';

/** Says `look()`'s line when `every` ms passed since the last line said through `wrap`ped logs or by itself. */
export class QuietLine {
  private last: number;
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly log: (l: string) => void,
    private readonly look: () => Promise<string | null>,
    private readonly every = PROGRESS_LINE_MS,
    private readonly now = Date.now,
  ) {
    this.last = now();
  }

  /** `log` that counts as a line said: the quiet line waits a whole interval after it. */
  wrap(log: (l: string) => void): (l: string) => void {
    return (l) => {
      this.last = this.now();
      log(l);
    };
  }

  start(): this {
    this.timer = setInterval(() => void this.tick(), Math.max(10, Math.min(this.every / 4, 5000)));
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One look at the clock (the timer's, every quarter interval up to 5 s): the line when the interval passed. */
  async tick(): Promise<void> {
    if (this.busy || this.now() - this.last < this.every) return;
    this.busy = true;
    try {
      const line = await this.look();
      if (line) this.log(line);
    } catch {
      // a storage that cannot be read now: the loop itself meets it and says it
    } finally {
      this.last = this.now();
      this.busy = false;
    }
  }
}

/**
 * The running trials among `mine`, each with its epochs so far, its last objective value and its minutes:
 * `running: trial 3 epoch 12 val_loss 0.01234 (4.2 min); trial 4 no epoch yet (0.5 min)`; null when none runs.
 */
export function runningLine(
  trials: readonly FrozenTrial[],
  mine: ReadonlySet<number>,
  objective: string,
  now = Date.now(),
): string | null {
  const running = trials.filter((t) => t.state === 'running' && mine.has(t.number));
  if (!running.length) return null;
  const one = (t: FrozenTrial) => {
    const n = t.intermediate.length,
      minutes = `${(Math.max(0, now - Date.parse(t.started)) / 60_000).toFixed(1)} min`;
    return n
      ? `trial ${t.number} epoch ${n} ${objective} ${t.intermediate[n - 1]!.toPrecision(4)} (${minutes})`
      : `trial ${t.number} no epoch yet (${minutes})`;
  };
  return `running: ${running.map(one).join('; ')}`;
}

/**
 * The look of a study's quiet line: runningLine of the trials numbered `mine()` in the study of `name` created at
 * `of.created`, as this process opened it; a study made again under the name since is not read (StudyRemade, which
 * the line says nothing of): its trials of those numbers are another process's.
 */
export const lookRunning =
  (storage: Storage, name: string, of: OfStudy, mine: () => ReadonlySet<number>, objective: string) =>
  async (): Promise<string | null> =>
    runningLine(await storage.getTrials(name, of), mine(), objective);
