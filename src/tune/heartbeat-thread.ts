// The heartbeat thread of a tuning process (heartbeat.ts starts it): its own storage connection and a timer that
// refreshes the heartbeat of the process's running trials every `seconds`. Training runs elsewhere (the main thread
// with one job, the pool's threads otherwise), so a long epoch never delays a beat. Messages: {add: n},
// {remove: n}, 'close'. A beat that fails (the server restarting) is retried at the next tick.
import { parentPort, workerData } from 'node:worker_threads';
import { openStorage } from '../storage/index.js';

const { url, study, seconds } = workerData as { url: string; study: string; seconds: number };
const storage = openStorage(url);
const trials = new Set<number>();
let beating: Promise<void> | null = null;

const beat = () => {
  if (beating || !trials.size) return;
  beating = storage
    .heartbeat(study, [...trials])
    .catch(() => {})
    .finally(() => {
      beating = null;
    });
};
const timer = setInterval(beat, seconds * 1000);

parentPort!.on('message', async (m: { add: number } | { remove: number } | 'close') => {
  if (m === 'close') {
    clearInterval(timer);
    await beating;
    await storage.close();
    parentPort!.close();
  } else if ('add' in m) trials.add(m.add);
  else trials.delete(m.remove);
});
parentPort!.postMessage('ready');
