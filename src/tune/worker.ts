// A trial worker thread: its own engine (module state is per thread), its own storage connection.
// Receives {number}, runs that (already created) trial, answers {number, state}, or {number, error, stack} when
// something failed outside the trial's own error handling (the pool then fails the trial with that reason).
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig, resolveConfig } from '../config/index.js';
import { fromShared } from '../data/index.js';
import { openStorage } from '../storage/index.js';
import type { WorkerData } from './pool.js';
import { tuneSettings } from './settings.js';
import { dataKey, runTrial, type TrialEnv } from './trial.js';

const { file, loaded: given, storage: url, study, created, data, runs, deadline, threads } = workerData as WorkerData;
// The parent's config as loaded (a `seqtune worker` reads it from storage: there may be no file on this machine).
const loaded = given ?? (await loadConfig(file));
const base = resolveConfig(loaded.raw, loaded.name);
const s = tuneSettings(base, loaded.file);
const storage = openStorage(url);
const env: TrialEnv = {
  loaded,
  base,
  storage,
  study,
  created,
  pruner: s.pruner,
  repeats: s.repeats,
  objective: s.objective,
  // The study's prepared data, in memory shared with the main thread (pool.ts), instead of a copy of its own.
  dataCache: new Map(data ? [[dataKey(base), fromShared(data)]] : []),
  runs,
  deadline,
  threads,
};

parentPort!.on('message', async (msg: { number: number; deadline?: number } | 'close') => {
  if (msg === 'close') {
    await storage.close();
    parentPort!.close();
    return;
  }
  try {
    // of the study the parent opened: in one deleted and made again under its name since, this number is another's
    const trial = (await storage.getTrials(study, { created })).find((t) => t.number === msg.number);
    if (!trial) throw new Error(`study "${study}" has no trial ${msg.number}`);
    // the loop's deadline for this trial (the budget less the end step's reserve at its start), else the study's
    const done = await runTrial({ ...env, deadline: msg.deadline ?? env.deadline }, trial);
    parentPort!.postMessage({ number: done.number, state: done.state });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    parentPort!.postMessage({ number: msg.number, error: err.message, stack: err.stack });
  }
});
parentPort!.postMessage('ready');
