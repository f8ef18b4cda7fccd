// The dashboard's own reader of a SQLite study (trials-sqlite.ts): the storage's records less the attributes'
// history, in the file's schema as it is at each read; and it reads again only the rows that can have changed since its
// last read, as the storage does: after each write of a running study, a reader that has read before gives what a new
// reader does, and what the storage gives less each trial's history, with the same objects for the trials it had seen
// finished.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteTrials } from '../../src/dashboard/trials-sqlite.js';
import { type FrozenTrial, SqliteStorage } from '../../src/storage/index.js';
import { SQLITE_MIGRATIONS } from '../../src/storage/sqlite-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-trials-sqlite-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('a version 1 file migrated by a tune while the dashboard reads it: the owner columns are read from then on', async () => {
  const f = join(dir, 'v1.db');
  const db = new Database(f); // as the seqtune of schema version 1 made it
  db.exec('CREATE TABLE seqtune_schema (version INTEGER NOT NULL)');
  db.exec(SQLITE_MIGRATIONS[0]!.sql);
  db.prepare('INSERT INTO seqtune_schema (version) VALUES (1)').run();
  db.prepare("INSERT INTO studies (name, direction, attrs, created) VALUES ('s', 'minimize', '{}', ?)").run(
    new Date().toISOString(),
  );
  db.close();
  const light = new SqliteTrials(f);
  const tune = new SqliteStorage(f); // opens it read-write: migrates it to this seqtune's version
  try {
    assert.deepEqual(await light.getTrials('s'), []);
    await tune.createTrial('s', { x: 1 }, {}, { owner: { host: 'h', pid: 7, worker: 0 } });
    const [t] = await light.getTrials('s');
    assert.deepEqual(t, (await tune.getTrials('s'))[0], 'as the storage reads it: owner, worker and heartbeat');
    assert.equal(t?.owner, 'h:7');
  } finally {
    light.close();
    await tune.close();
  }
});

const withoutHistory = (ts: readonly FrozenTrial[]) =>
  ts.map(({ attrs: { history: _h, ...attrs }, ...t }) => ({ ...t, attrs }));

test("the dashboard's reader, read after every write of a study, gives what a new reader and the storage give", async () => {
  const f = join(dir, 's.db');
  const w = new SqliteStorage(f);
  await w.createStudy('s', {});
  const light = new SqliteTrials(f);
  const owner = { host: 'h', pid: 1, worker: 0 };
  const writes: [string, () => Promise<unknown>][] = [
    ['a running trial', () => w.createTrial('s', { a: 0 }, {}, { owner })],
    ['a report', () => w.report('s', 0, 0, 0.5)],
    ['another report', () => w.report('s', 0, 1, Number.NaN)],
    ['a waiting trial', () => w.createTrial('s', { a: 1 }, {}, { waiting: true })],
    ['trial 0 ends', () => w.finishTrial('s', 0, 'complete', 0.4, { attrs: { history: { loss: [1, 2] } } })],
    ['the waiting one claimed', () => w.claimWaiting('s', owner)],
    ['its report', () => w.report('s', 1, 0, 0.7)],
    ['a trial swept stale', () => w.failStale('s', { graceMs: 60_000, deadOwners: ['h:1'], retries: 1 })],
    ['its retry claimed', () => w.claimWaiting('s', { ...owner, pid: 2 })],
    ['the retry ends', () => w.finishTrial('s', 2, 'pruned', 0.9)],
    ['the study made again', async () => (await w.deleteStudy('s')) && w.createStudy('s', {})],
    ['a trial of the new study', () => w.createTrial('s', { b: 0 }, {}, { owner })],
  ];
  let before: FrozenTrial[] = await light.getTrials('s');
  try {
    for (const [what, write] of writes) {
      await write();
      const fresh = new SqliteTrials(f);
      const now = await fresh.getTrials('s');
      fresh.close();
      const got = await light.getTrials('s');
      assert.deepStrictEqual(got, now, `after ${what}: as a new reader`);
      assert.deepStrictEqual(got, withoutHistory(await w.getTrials('s')), `after ${what}: as the storage`);
      if (what !== 'the study made again')
        for (const t of before.filter((x) => x.state !== 'running' && x.state !== 'waiting'))
          assert.equal(got[t.number], t, `after ${what}: trial ${t.number} is the same object`);
      before = got;
    }
    assert.deepEqual(await light.getTrials('none'), [], 'no such study: no trials');
  } finally {
    light.close();
    await w.close();
  }
});
