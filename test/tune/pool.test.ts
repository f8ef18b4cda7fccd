// Fault isolation in one process: a trial thread that throws outside the trial, calls process.exit or runs out of
// memory fails that trial with the reason; the thread is replaced and the other trials go on.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { SqliteStorage } from '../../src/storage/index.js';
import { runStudy } from '../../src/tune/index.js';
import { WorkerPool } from '../../src/tune/pool.js';
import { ownerOf } from '../../src/tune/stale.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-pool-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 300, seed: 3 }));
const faultWorker = new URL('../helpers/fault-worker.ts', import.meta.url);
afterEach(() => {
  delete process.env.SEQTUNE_TEST_FAULTS;
});

test('a thread that throws outside its trial and one that calls process.exit: those trials fail, the study goes on', async () => {
  const db = join(dir, 'faults.db');
  const f = studyConfig(
    dir,
    'faults',
    `  strategy: grid\n  trials: 6\n  jobs: 2\n  storage: sqlite:${db}\n` +
      '  space:\n    model.layers[0].gru.units: [2, 3, 4, 5, 6, 7]\n',
    2,
  );
  process.env.SEQTUNE_TEST_FAULTS = JSON.stringify({ 1: 'throw', 3: 'exit' });
  const r = await runStudy(await loadConfig(f), { log: () => {}, saveBest: false, workerScript: faultWorker });
  assert.deepEqual(
    r.trials.map((t) => t.state),
    ['complete', 'failed', 'complete', 'failed', 'complete', 'complete'],
  );
  assert.match(r.trials[1]!.error!, /^the worker thread crashed: a bug outside trial 1 \(test fault\)$/);
  assert.match(String(r.trials[1]!.attrs.stack), /TypeError: a bug outside trial 1[\s\S]*fault-worker\.ts/);
  assert.equal(r.trials[3]!.error, 'the worker thread exited (code 7) while it ran the trial');
  assert.equal(r.stopReason, 'trial budget spent');
});

test('a thread that runs out of memory fails its trial and is replaced; a thread that cannot start says why', async () => {
  const db = join(dir, 'oom.db');
  const f = studyConfig(dir, 'oom', `  strategy: grid\n  storage: sqlite:${db}\n  space: {train.batch_size: [8]}\n`, 1);
  const s = new SqliteStorage(db);
  await s.createStudy('oom', {});
  await s.createTrial('oom', {});
  await s.createTrial('oom', {});
  await s.close();
  process.env.SEQTUNE_TEST_FAULTS = JSON.stringify({ 0: 'oom' });
  const data = { file: f, storage: `sqlite:${db}`, study: 'oom' };
  const pool = await WorkerPool.start(1, data, { script: faultWorker, resourceLimits: { maxOldGenerationSizeMb: 48 } });
  try {
    const first = await pool.run(0);
    assert.equal(first.ok, false);
    assert.match((first as { reason: string }).reason, /^the worker thread ran out of memory/);
    assert.deepEqual(await pool.run(1), { ok: true }, 'the replacement thread runs the next trial');
  } finally {
    await pool.close();
  }
  process.env.SEQTUNE_TEST_FAULTS = JSON.stringify({ start: 'throw' });
  await assert.rejects(
    WorkerPool.start(2, data, { script: faultWorker }),
    /^PoolError: a trial worker thread could not start: this thread cannot start \(test fault\)$/,
  );
});

test('a pool closed while a trial runs ends that trial and starts no thread in its place', async () => {
  const db = join(dir, 'close.db');
  const f = studyConfig(
    dir,
    'close',
    `  strategy: grid\n  storage: sqlite:${db}\n  space: {train.batch_size: [8]}\n`,
    1,
  );
  const s = new SqliteStorage(db);
  await s.createStudy('close', {});
  await s.createTrial('close', {});
  await s.close();
  process.env.SEQTUNE_TEST_FAULTS = JSON.stringify({ 0: 'hang' });
  const pool = await WorkerPool.start(1, { file: f, storage: `sqlite:${db}`, study: 'close' }, { script: faultWorker });
  const running = pool.run(0);
  // A thread started from here on fails before it is ready: a replacement for the thread close() terminates (which
  // kept an aborted study's process alive) would make the running trial's run() reject with PoolError.
  process.env.SEQTUNE_TEST_FAULTS = JSON.stringify({ start: 'throw' });
  await pool.close();
  const out = await running;
  assert.equal(out.ok, false);
  assert.match((out as { reason: string }).reason, /^the worker thread exited \(code 1\) while it ran the trial$/);
  await assert.rejects(pool.run(0), /^PoolError: the trial threads were closed$/);
});

test("a trial thread of a study deleted and made again under its name does not run the new study's trial of its number", async () => {
  const db = join(dir, 'remade.db');
  const f = studyConfig(
    dir,
    'remade',
    `  strategy: grid\n  storage: sqlite:${db}\n  space: {train.batch_size: [8]}\n`,
    1,
  );
  const s = new SqliteStorage(db);
  const old = await s.createStudy('remade', {});
  await s.createTrial('remade', {}, {}, { owner: ownerOf() }); // the trial this process made for its thread
  // study delete --force and another tune under the name before the thread looked its trial up: trial #0 is another
  // process's (here its first epoch would train, and only its report be refused)
  await s.deleteStudy('remade');
  await new Promise((res) => setTimeout(res, 5)); // another creation time (milliseconds)
  await s.createStudy('remade', {});
  const theirs = await s.createTrial(
    'remade',
    { 'train.batch_size': 16 },
    {},
    { owner: { host: 'far', pid: 7, worker: 0 } },
  );
  const pool = await WorkerPool.start(1, { file: f, storage: `sqlite:${db}`, study: 'remade', created: old.created });
  try {
    const out = await pool.run(0);
    assert.equal(out.ok, false);
    assert.match(
      (out as { reason: string }).reason,
      /^study "remade" in .* was deleted and made again under its name \(.*\): its trials are not read as the deleted/,
    );
  } finally {
    await pool.close();
  }
  assert.deepEqual(await s.getTrials('remade'), [theirs], "the new study's trial #0 as its process made it");
  await s.close();
});
