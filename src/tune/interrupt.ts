// Ctrl-C or SIGTERM during a study (TuneOptions.signal aborted, its reason the signal's name): the trial threads are
// stopped, this process's running trials are failed `interrupted: SIGINT to HOST:PID` and enqueued again unless
// tune.retries is 0 (a stop the user asked for uses none of the retries, which are for crashes; stale.ts):
// `--resume`, or another worker of the study at once, trains them again. The run folders the stopped threads were
// writing are removed by the caller's removeUnfinishedRunFolders (run/folder.ts), which watches the study's runs
// folder.
import { SeqtuneError } from '../errors.js';
import { type FrozenTrial, ownerText, type Storage } from '../storage/index.js';
import type { Heartbeat } from './heartbeat.js';
import type { WorkerPool } from './pool.js';
import { GRACE_HEARTBEATS, ownerOf } from './stale.js';

/** A study stopped by its abort signal; its running trials were failed as interrupted. */
export class StudyInterrupted extends SeqtuneError {
  constructor(
    message: string,
    /** What stopped it: a signal's name (`SIGINT`, `SIGTERM`) or `abort`. */
    readonly reason: string,
  ) {
    super(message);
  }
}

/** The signal's name (`SIGINT`) when the abort reason is one, else `abort`. */
export const abortReason = (signal: AbortSignal): string =>
  typeof signal.reason === 'string' ? signal.reason : 'abort';

/**
 * Throws the study loop's StudyInterrupted where `signal` is aborted: what the loop throws at its next turn, and what
 * auto's ranking of lookbacks and its end step throw at theirs (between candidates, at the ridge fits' turns).
 */
export function throwIfInterrupted(study: string, signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const why = abortReason(signal);
  throw new StudyInterrupted(`study ${study}: interrupted (${why})`, why);
}

export interface Interruptible {
  storage: Storage;
  study: string;
  /**
   * The study's creation time as this process opened it: a study deleted and made again under its name since is
   * refused (StudyRemade), its trials left to their own processes.
   */
  created?: string;
  pool: WorkerPool | null;
  heartbeat: Heartbeat;
  /** tune.heartbeat, seconds. */
  seconds: number;
  retries: number;
  log: (l: string) => void;
}

/** Stops the trial threads and fails this process's running trials as interrupted by `reason`; the trials now. */
export async function interruptTrials(x: Interruptible, reason: string): Promise<FrozenTrial[]> {
  await x.pool?.close(); // a terminated thread writes nothing more: no report, no run folder
  await x.heartbeat.close();
  const me = ownerText(ownerOf());
  const r = await x.storage.failStale(
    x.study,
    {
      graceMs: GRACE_HEARTBEATS * x.seconds * 1000,
      deadOwners: [me],
      retries: x.retries,
      reason: `${reason} to ${me}`,
      interrupt: true,
    },
    { created: x.created },
  );
  // with the creation time too: a study deleted and made again since the sweep is another, whose trials of these
  // numbers are not the ones failed here
  const now = await x.storage.getTrials(x.study, { created: x.created });
  for (const n of r.failed) {
    const t = now.find((y) => y.number === n)!;
    const again = t.attrs.retried_as !== undefined ? `; enqueued again as #${t.attrs.retried_as}` : '';
    x.log(`trial ${n} failed: ${t.error}${again}`);
  }
  return now;
}
