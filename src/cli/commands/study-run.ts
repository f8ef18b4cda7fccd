// What `tune` and `worker` share: a study run in this process that Ctrl-C or SIGTERM interrupts cleanly. On the
// signal the study is aborted (its trial threads stop, its running trials are failed as interrupted and enqueued
// again: tune/interrupt.ts) before main.ts removes unfinished run folders, prints the note and exits 130 or 143.

import type { LoadedConfig } from '../../config/index.js';
import type { FrozenTrial } from '../../storage/index.js';
import { liveProgress } from '../../train/index.js';
import { runStudy, type StudyResult, type TuneOptions } from '../../tune/index.js';
import { onInterrupt } from '../context.js';

/** What the interrupt note is made from: the trials as the study last read them, and where it is. */
export interface Seen {
  trials: readonly FrozenTrial[];
  study?: { name: string; storage: string };
}

/** runStudy under the signal handler; `note` says what an interruption kept (from what the study last read). */
export async function interruptibleStudy(
  loaded: LoadedConfig,
  o: TuneOptions,
  note: (seen: Seen) => string,
): Promise<StudyResult> {
  let seen: Seen = { trials: [] };
  const onTrials = (t: readonly FrozenTrial[], study: { name: string; storage: string }) => {
    seen = { trials: t, study };
    o.onTrials?.(t, study);
  };
  const ac = new AbortController();
  let run: Promise<StudyResult> | undefined;
  const release = onInterrupt(
    () => note(seen),
    async (signal) => {
      ac.abort(signal);
      // Before the trial loop has read the study (checks, lr-find) nothing of this process runs in it: no wait.
      if (seen.study) await run?.catch(() => {});
    },
  );
  try {
    // the live epoch line only on a terminal that shows it (not TERM=dumb, not under CI)
    run = runStudy(loaded, { progress: liveProgress(), ...o, onTrials, signal: ac.signal });
    return await run;
  } finally {
    // Interrupted, the signal handler still prints the note, then exits.
    if (!ac.signal.aborted) release();
  }
}
