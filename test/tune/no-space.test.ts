// A study whose runs folder fills up: the trial that met the full disk is failed with the path and enqueued again,
// and the study stops (exit 1) instead of training every later trial for nothing; once space is freed, --resume
// trains the waiting trial first. The full disk is node's own writeFile made to fail with ENOSPC on the runs
// folder's PNGs (as a real one does: no path, from a write into an open file).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { exitCodeFor } from '../../src/cli/exit.js';
import { loadConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { openStorage } from '../../src/storage/index.js';
import { runStudy, StudyStopped } from '../../src/tune/index.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-no-space-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 3 }));

const fsp = createRequire(import.meta.url)('node:fs/promises') as typeof import('node:fs/promises');
const writeFile = fsp.writeFile;
/** Makes every write of a PNG under `runs` fail as a full disk does, until the returned call. */
function fillUp(runs: string): () => void {
  fsp.writeFile = ((file: unknown, ...rest: unknown[]) => {
    if (String(file).startsWith(runs) && String(file).endsWith('.png'))
      return Promise.reject(
        Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' }),
      );
    return (writeFile as (...a: unknown[]) => Promise<void>)(file, ...rest);
  }) as typeof writeFile;
  syncBuiltinESMExports();
  return () => {
    fsp.writeFile = writeFile;
    syncBuiltinESMExports();
  };
}

test('a full runs folder stops the study after the trial that met it, which waits to run again on --resume', async () => {
  // it went on: a 6-trial study on a full runs folder trained all 6, failed 5 as they saved ('ENOSPC: no space left
  // on device, write'), exited 0 with 'trial budget spent', and --resume had nothing left to train
  const db = join(dir, 'full.db');
  const runs = join(dir, 'runs');
  const space = '  space:\n    model.layers[0].gru.units: [2, 3, 4, 5, 6, 7]\n';
  const f = studyConfig(dir, 'full', `  strategy: grid\n  jobs: 1\n  trials: 6\n  storage: sqlite:${db}\n${space}`, 2);
  const lines: string[] = [];
  const freed = fillUp(runs);
  let thrown: unknown;
  try {
    await runStudy(await loadConfig(f), { log: (l) => lines.push(l), out: runs });
  } catch (e) {
    thrown = e;
  } finally {
    freed();
  }
  assert.ok(thrown instanceof StudyStopped, `stopped: ${thrown}\n${lines.join('\n')}`);
  const err: string[] = [];
  assert.equal(exitCodeFor(thrown, { out: () => {}, err: (s) => err.push(s) }), 1);
  assert.match(
    err.join(''),
    new RegExp(
      String.raw`^seqtune: study full stopped: \S+/runs/trial-0/(loss|forecast)\.png: no space left on the device ` +
        String.raw`\(ENOSPC\); trial 0 waits to run again as #1: free some space, then resume`,
    ),
  );
  const s = openStorage(`sqlite:${db}`);
  const before = await s.getTrials('full');
  assert.deepEqual(
    before.map((t) => [t.number, t.state, t.params]),
    [
      [0, 'failed', { 'model.layers[0].gru.units': 2 }],
      [1, 'waiting', { 'model.layers[0].gru.units': 2 }],
    ],
    'one trial trained, none after it',
  );
  assert.deepEqual(
    [before[0]!.attrs.no_space, before[0]!.attrs.retried_as, before[1]!.attrs.rerun_of],
    ['ENOSPC', 1, 0],
  );
  await s.close();

  // space freed: the resume trains the waiting trial first, and the failed one counts against no budget
  const r = await runStudy(await loadConfig(f), { log: () => {}, out: runs, resume: true });
  assert.equal(r.trials[1]!.state, 'complete');
  assert.equal(r.trials.filter((t) => t.state === 'complete').length, 6, 'the whole budget of 6 trained');
});
