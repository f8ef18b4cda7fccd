// Several real `seqtune tune` and `seqtune worker` processes on one study (SQLite or PostgreSQL), for the tests of
// studies that many processes share: a grid of 24 configurations over the synthetic series, each trial a second or
// less.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { openStorage } from '../../src/storage/index.js';

const cli = join(import.meta.dirname, 'cli.ts');

export interface Proc {
  child: ChildProcess;
  done: Promise<{ code: number | null; err: string }>;
}

/** Starts `seqtune tune ARGS...` from source in its own process. */
export const tune = (args: string[]): Proc => seqtune(['tune', ...args]);

/** Starts `seqtune worker --storage URL --study NAME` from source in its own process. */
export const worker = (url: string, study: string): Proc => seqtune(['worker', '--storage', url, '--study', study]);

/** Starts `seqtune study create CONFIG` from source in its own process (the study made, no trial run). */
export const create = (config: string): Proc => seqtune(['study', 'create', config]);

/** Starts `seqtune ARGS...` from source in its own process. */
function seqtune(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const done = new Promise<{ code: number | null; err: string }>((res) =>
    child.once('exit', (code) => res({ code, err })),
  );
  return { child, done };
}

/** Polls storage until `ok` holds for the study's trials (or its existence); false after `tries` looks. */
export async function until(
  url: string,
  study: string,
  ok: (trials: Awaited<ReturnType<ReturnType<typeof openStorage>['getTrials']>> | null) => boolean,
  tries = 2400,
): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    const s = openStorage(url);
    try {
      const t = (await s.getStudy(study)) ? await s.getTrials(study) : null;
      if (ok(t)) return true;
    } catch {
      // the file is being made
    } finally {
      await s.close();
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  return false;
}

/** The tune: lines of a 24-configuration grid study stored at `url`. */
export const gridTune = (url: string, extra = '') =>
  `  strategy: grid\n  trials: 24\n  jobs: 1\n  heartbeat: 1s\n  storage: "${url}"\n${extra}` +
  '  space:\n    model.layers[0].gru.units: [2, 3, 4, 5, 6, 7]\n    train.batch_size: [16, 32, 64, 128]\n';
