// A trial worker thread: its own engine (module state is per thread), its own storage connection.
// Receives {number}, runs that (already created) trial, answers {number, state}.
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig, resolveConfig } from '../config/index.js';
import { openStorage } from '../storage/index.js';
import type { WorkerData } from './pool.js';
import { tuneSettings } from './settings.js';
import { runTrial, type TrialEnv } from './trial.js';

const { file, storage: url, study, runs, deadline } = workerData as WorkerData;
const loaded = await loadConfig(file);
const base = resolveConfig(loaded.raw, loaded.name);
const s = tuneSettings(base, loaded.file);
const storage = openStorage(url);
const env: TrialEnv = {
  loaded,
  base,
  storage,
  study,
  pruner: s.pruner,
  repeats: s.repeats,
  objective: s.objective,
  dataCache: new Map(),
  runs,
  deadline,
};

parentPort!.on('message', async (msg: { number: number } | 'close') => {
  if (msg === 'close') {
    await storage.close();
    parentPort!.close();
    return;
  }
  const trial = (await storage.getTrials(study)).find((t) => t.number === msg.number)!;
  const done = await runTrial(env, trial);
  parentPort!.postMessage({ number: done.number, state: done.state });
});
parentPort!.postMessage('ready');
