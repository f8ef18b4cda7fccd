// seqtune study delete NAME --yes [--storage URL] [--force]: removes a study and all its trials from storage (run
// folders on disk are left). Without --yes it says what it would delete and exits 2; a study a live process is
// running (a running trial not stale by storage's rule, its owner not a process of this host that has exited) is
// refused unless --force.

import type { Command } from 'commander';
import {
  type FrozenTrial,
  isStale,
  openStorage,
  redactUrl,
  type StaleRule,
  StorageError,
} from '../../storage/index.js';
import { deadOwners, parseOwner, staleAfterS, trialsNamed } from '../../tune/index.js';
import { type CliContext, trialsText, UsageError, withExamples } from '../context.js';

/** The owner a trial without one is read with: no process is known dead by that name, so its start alone counts. */
const NO_OWNER = '(no owner)';

/**
 * The live trials as the refusal names them, by the process (pid and host) that runs them, with its last heartbeat:
 * `trials #0, #1 by process 4242 on box (last heartbeat 2 s ago)`; and how many processes that is.
 */
function liveText(live: readonly FrozenTrial[], now: number): { text: string; processes: number } {
  const by = new Map<string, FrozenTrial[]>();
  for (const t of live) by.set(t.owner ?? '', [...(by.get(t.owner ?? '') ?? []), t]);
  const text = [...by].map(([owner, ts]) => {
    const last = Math.max(...ts.map((t) => Date.parse(t.heartbeat ?? t.started)));
    const beat = `last heartbeat ${Math.max(0, Math.round((now - last) / 1000))} s ago`;
    const numbers = trialsNamed(ts.map((t) => t.number));
    if (!owner) return `${numbers} with no owner (made through the library; ${beat})`;
    const { host, pid } = parseOwner(owner);
    return `${numbers} by process ${pid} on ${host} (${beat})`;
  });
  return { text: text.join('; '), processes: by.size };
}

export function addStudyDelete(parent: Command, { log }: CliContext): Command {
  const cmd = parent
    .command('delete')
    .argument('<name>', 'the study')
    .option('--storage <url>', 'where the studies are stored', 'sqlite:seqtune.db')
    .option('--yes', 'really delete it')
    .option('--force', 'delete it even while a process runs its trials')
    .description('delete a stored study and all its trials')
    .action(async (name: string, o: { storage: string; yes?: boolean; force?: boolean }) => {
      const st = openStorage(o.storage, { existing: true });
      try {
        const rec = await st.getStudy(name);
        if (!rec) throw new StorageError(`no study named "${name}" in ${redactUrl(o.storage)}`);
        // judged by storage's clock, read with the trials: PostgreSQL's heartbeats are the server's now(), and this
        // machine's clock minutes off it deleted a study under a live worker, or refused one nothing ran
        const { trials, now } = await st.getTrialsAt(name, { created: rec.created });
        const n = trials.length;
        if (!o.yes)
          throw new UsageError(`study delete: add --yes to delete study "${name}" and its ${trialsText(n)} for good`);
        // a running trial that is not stale has a live process: deleting under it ends that process with an error.
        // Stale by storage's own rule (isStale): the study's grace, or the trial's owner's (stale_after_s) where that
        // is longer (a worker beating every 60 s was judged by the study's 10 s and deleted under); a process of this
        // host that has exited (kill -9) runs nothing, however fresh its last beat. A trial without an owner, which
        // isStale calls dead at once, is judged by its last beat or start alone: one just made by the library
        // (ask/tell) may be running in this very moment.
        const grace = staleAfterS(rec.attrs) * 1000;
        const rule: StaleRule = { graceMs: grace, deadOwners: deadOwners(trials), retries: 0 };
        const live = trials.filter(
          (t) => t.state === 'running' && isStale({ ...t, owner: t.owner ?? NO_OWNER }, rule, now) === null,
        );
        if (live.length && !o.force) {
          const { text, processes } = liveText(live, now);
          throw new UsageError(
            `study delete: study "${name}" is running: ${text}; stop ${processes > 1 ? 'those processes' : 'that'} ` +
              `${processes > 1 ? '' : 'process '}first, or add --force to delete the study anyway: ` +
              `${processes > 1 ? 'each of them' : 'that process'} then stops with an error at its trial's next ` +
              'epoch, storing nothing more',
          );
        }
        // the study judged, not one made again under the name since (StudyRemade): that one is deleted unchecked
        await st.deleteStudy(name, { created: rec.created });
        log(`deleted study ${name} and its ${trialsText(n)} from ${redactUrl(o.storage)}`);
      } finally {
        await st.close();
      }
    });
  return withExamples(cmd, 'seqtune study delete old-study --yes');
}
