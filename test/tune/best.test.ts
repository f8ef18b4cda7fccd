// What a study adds to its best trial's run folder (study-history, study-importance, the factor plots) is written
// again by every resume, over the last run's: whole or not at all. A full disk that stops the write leaves the
// files as they were, where it left a PNG cut off in the middle.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MemoryStorage } from '../../src/storage/index.js';
import { keepBest } from '../../src/tune/best.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-best-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const fsp = createRequire(import.meta.url)('node:fs/promises') as typeof import('node:fs/promises');
const writeFile = fsp.writeFile;

test("a full disk while a resume writes the study's plots leaves the last ones whole", async () => {
  const run = join(dir, 'trial-0');
  mkdirSync(run);
  const storage = new MemoryStorage();
  await storage.createStudy('s', {});
  for (const [units, value] of [
    [2, 0.5],
    [4, 0.25],
  ] as const) {
    const t = await storage.createTrial('s', { 'model.layers[0].gru.units': units });
    await storage.finishTrial('s', t.number, 'complete', value, { attrs: { run_dir: run } });
  }
  const trials = await storage.getTrials('s');
  const c = { storage, name: 's', strategy: 'grid', objective: 'val_loss', log: () => {} };
  await keepBest(c, trials, trials[1]!);
  const before = readFileSync(join(run, 'study-history.png'));
  writeFileSync(join(run, 'study-history.png'), before); // the last run's, as a resume finds it
  // the disk fills halfway through the PNG: half of it reaches the file, then ENOSPC
  fsp.writeFile = (async (file: string, data: Uint8Array) => {
    if (!String(file).includes('study-history.png')) return writeFile(file, data);
    await writeFile(file, data.subarray(0, data.length >> 1));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
  }) as typeof writeFile;
  syncBuiltinESMExports();
  try {
    await assert.rejects(keepBest(c, trials, trials[1]!), (e: NodeJS.ErrnoException) => {
      assert.deepEqual([e.code, e.path], ['ENOSPC', join(run, 'study-history.png')]);
      return true;
    });
  } finally {
    fsp.writeFile = writeFile;
    syncBuiltinESMExports();
  }
  assert.equal(readFileSync(join(run, 'study-history.png')).length, before.length, 'the PNG was cut off');
  assert.deepEqual(
    readdirSync(run).filter((n) => n.includes('.partial')),
    [],
  );
});
