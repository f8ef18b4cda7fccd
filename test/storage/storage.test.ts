import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryStorage, openStorage, SqliteStorage } from '../../src/storage/index.js';
import { runStorageContract } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-store-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runStorageContract('memory', () => new MemoryStorage());
runStorageContract('sqlite', () => new SqliteStorage(join(dir, `s${n++}.db`)));

test('sqlite: everything survives closing and reopening the file; the schema is versioned', async () => {
  const f = join(dir, 'persist.db');
  const a = openStorage(`sqlite:${f}`);
  await a.createStudy('p', { k: 1 });
  await a.createTrial('p', { u: 8 });
  await a.report('p', 0, 0, 0.5);
  await a.close();
  const b = openStorage(f);
  assert.deepEqual((await b.getTrials('p'))[0]!.intermediate, [0.5]);
  await b.close();
  writeFileSync(join(dir, 'junk.db'), 'not a database at all, just text '.repeat(200));
  assert.throws(() => new SqliteStorage(join(dir, 'junk.db')), /junk.db: cannot open the study database/);
});
