// The heartbeat thread of a tuning process (heartbeat.ts starts it): its own storage connection and a timer that
// refreshes the heartbeat of the process's running trials every `seconds`. Training runs elsewhere (the main thread
// with one job, the pool's threads otherwise), so a long epoch never delays a beat. Messages: {add: n},
// {remove: n}, 'close'; it answers {swept} (heartbeat.ts). A beat that fails (the server restarting) is retried at
// the next tick. Beats and sweeps are for the study as the process opened it (`created`): one deleted and made again
// under its name since is refused (StudyRemade), and its trials of the same numbers are left to their own processes
// (the loop ends at its next look at the study).
import { parentPort, workerData } from 'node:worker_threads';
import { openStorage, type StaleRule } from '../storage/index.js';

const { url, study, created, seconds, rule } = workerData as {
  url: string;
  study: string;
  created?: string;
  seconds: number;
  rule: StaleRule | null;
};
const storage = openStorage(url);
const trials = new Set<number>();
let beating: Promise<void> | null = null;
let sweeping: Promise<void> | null = null;

const beat = () => {
  if (beating || !trials.size) return;
  beating = storage
    .heartbeat(study, [...trials], { created })
    .catch(() => {})
    .finally(() => {
      beating = null;
    });
};
const timer = setInterval(beat, seconds * 1000);

// The loop sweeps stale trials between trials only: while this process trains (with one job, for as long as its
// trial lasts), a trial whose process died would stay running, and its rerun unclaimed by a free worker, until then.
// Once a grace period this thread sweeps instead (a process with nothing running has its loop do it), never one of
// its own trials: they are alive, whatever a late beat left in storage.
const sweep = () => {
  if (sweeping || !trials.size || !rule) return;
  sweeping = storage
    .failStale(study, { ...rule, live: [...trials] }, { created })
    .then((r) => {
      if (r.failed.length) parentPort!.postMessage({ swept: r });
    })
    .catch(() => {})
    .finally(() => {
      sweeping = null;
    });
};
const sweeper = rule ? setInterval(sweep, rule.graceMs) : undefined;

parentPort!.on('message', async (m: { add: number } | { remove: number } | 'close') => {
  if (m === 'close') {
    clearInterval(timer);
    clearInterval(sweeper);
    await Promise.all([beating, sweeping]);
    await storage.close();
    parentPort!.close();
  } else if ('add' in m) trials.add(m.add);
  else trials.delete(m.remove);
});
parentPort!.postMessage('ready');
