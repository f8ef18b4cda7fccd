// A study aborted (Ctrl-C, SIGTERM) while a trial trains in the main thread (one job): the trial stops at its next
// epoch end and records nothing more, so the study fails it as interrupted and enqueues it again, however long the
// interruption takes to reach storage. (The processes signalled for real: test/cli/tune-interrupt.test.ts.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, resolveConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { type FrozenTrial, MemoryStorage, openStorage, SqliteStorage, StudyRemade } from '../../src/storage/index.js';
import { Heartbeat } from '../../src/tune/heartbeat.js';
import { runStudy } from '../../src/tune/index.js';
import { interruptTrials, StudyInterrupted } from '../../src/tune/interrupt.js';
import { ownerOf } from '../../src/tune/stale.js';
import { runTrial, type TrialEnv } from '../../src/tune/trial.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-interrupt-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 3 }));

test('a trial whose study is aborted stops at the next epoch end and records nothing more', async () => {
  const f = studyConfig(dir, 'stop', '  strategy: grid\n  space:\n    model.layers[0].gru.units: [3]\n', 50);
  const loaded = await loadConfig(f);
  const storage = new MemoryStorage();
  await storage.createStudy('stop', {});
  const ac = new AbortController();
  const epochs: number[] = [];
  const env: TrialEnv = {
    ...{ loaded, base: resolveConfig(loaded.raw, loaded.name), storage, study: 'stop', repeats: 2 },
    ...{ objective: 'val_loss', dataCache: new Map(), runs: join(dir, 'stop-runs'), signal: ac.signal },
    onEpoch: (_n, e) => {
      epochs.push(e);
      if (e === 2) ac.abort('SIGINT');
    },
  };
  const t = await runTrial(env, await storage.createTrial('stop', {}));
  assert.deepEqual(epochs, [0, 1, 2], 'no epoch after the abort, and no second repeat');
  assert.equal(t.state, 'running', 'left for the study to fail as interrupted');
  const [stored] = await storage.getTrials('stop');
  assert.deepEqual([stored!.state, stored!.intermediate.length], ['running', 3]);
});

test('a study aborted mid-trial with one job: the trial is failed as interrupted and waits for a worker', async () => {
  const db = join(dir, 'int.db');
  const space = '  space:\n    model.layers[0].gru.units: [2, 3, 4]\n';
  const f = studyConfig(
    dir,
    'int',
    `  strategy: grid\n  jobs: 1\n  heartbeat: 1s\n  storage: sqlite:${db}\n${space}`,
    60,
  );
  // Aborted two epochs before the trial's end: it stops at the next epoch end instead of finishing while the
  // interruption reaches storage.
  const ac = new AbortController();
  const log = (l: string) => {
    if (/^trial 1: epoch 58\//.test(l)) ac.abort('SIGINT');
  };
  await assert.rejects(
    runStudy(await loadConfig(f), { log, verbose: true, signal: ac.signal, saveBest: false }),
    (e: unknown) => e instanceof StudyInterrupted && e.reason === 'SIGINT',
  );
  const s = openStorage(`sqlite:${db}`);
  const trials = await s.getTrials('int');
  await s.close();
  const show = trials.map((t) => `${t.number} ${t.state} ${t.error ?? ''}`).join('\n');
  assert.deepEqual(
    trials.map((t) => t.state),
    ['complete', 'failed', 'waiting'],
    show,
  );
  assert.match(trials[1]!.error!, /^interrupted: SIGINT to /);
  assert.equal(trials[1]!.intermediate.length, 58, 'stopped at the next epoch end');
  assert.deepEqual([trials[1]!.attrs.retried_as, trials[2]!.params], [2, trials[1]!.params]);
});

test("Ctrl-C of a process whose study was deleted and made again under its name fails none of the new study's trials", async () => {
  const s = new SqliteStorage(join(dir, 'remade.db'));
  const old = await s.createStudy('remade', {});
  await s.createTrial('remade', { u: 1 }, {}, { owner: ownerOf() }); // this process's trial, training
  // study delete --force and another tune under the name: a trial of a process elsewhere that stopped beating, one made
  // through the library (no owner), and one of this process's pid (the same number, another machine's process, say)
  await s.deleteStudy('remade');
  await new Promise((res) => setTimeout(res, 5)); // another creation time (milliseconds)
  await s.createStudy('remade', {});
  await s.createTrial('remade', { u: 2 }, {}, { owner: { host: 'elsewhere', pid: 1, worker: 0 } });
  await s.createTrial('remade', { u: 3 }, {});
  await s.createTrial('remade', { u: 4 }, {}, { owner: ownerOf() });
  await new Promise((res) => setTimeout(res, 20)); // past the grace of 3 beats of 1 ms
  const x = {
    ...{ storage: s, study: 'remade', created: old.created, pool: null, seconds: 0.001, retries: 1, log: () => {} },
    heartbeat: await Heartbeat.start('memory:', 'remade', 0.001),
  };
  await assert.rejects(interruptTrials(x, 'SIGINT'), StudyRemade);
  assert.deepEqual(
    (await s.getTrials('remade')).map((t) => [t.number, t.state, t.error]),
    [
      [0, 'running', null],
      [1, 'running', null],
      [2, 'running', null],
    ],
    'the new study as its processes left it: nothing failed, nothing enqueued',
  );
  await s.close();
});

test("Ctrl-C as the study is made again after its sweep reads none of the new study's trials as its own", async (t) => {
  const s = new SqliteStorage(join(dir, 'remade-after.db'));
  const old = await s.createStudy('after', {});
  await s.createTrial('after', { u: 1 }, {}, { owner: ownerOf() }); // this process's trial, training
  // study delete --force and another tune under the name, between the interrupt's sweep and its read of the trials:
  // the new study's #0 another process's, failed by it
  const failStale = s.failStale.bind(s);
  t.mock.method(s, 'failStale', async (...a: Parameters<typeof s.failStale>) => {
    const r = await failStale(...a);
    await s.deleteStudy('after');
    await new Promise((res) => setTimeout(res, 5)); // another creation time (milliseconds)
    await s.createStudy('after', {});
    const theirs = await s.createTrial('after', { u: 2 }, {}, { owner: { host: 'elsewhere', pid: 1, worker: 0 } });
    await s.finishTrial('after', theirs.number, 'failed', null, { error: 'their own error' });
    return r;
  });
  const said: string[] = [];
  const x = {
    ...{ storage: s, study: 'after', created: old.created, pool: null, seconds: 1, retries: 1 },
    ...{ heartbeat: await Heartbeat.start('memory:', 'after', 1), log: (l: string) => said.push(l) },
  };
  await assert.rejects(interruptTrials(x, 'SIGINT'), StudyRemade);
  assert.deepEqual(said, [], "no 'trial 0 failed: their own error': the new study's #0 is not the trial failed here");
  await s.close();
});

test('SIGTERM as a tune ends on its study deleted and made again under its name fails nothing through closed storage', async () => {
  const db = join(dir, 'late.db');
  const space = '  space:\n    model.layers[0].gru.units: [2]\n';
  const f = studyConfig(dir, 'late', `  strategy: grid\n  jobs: 1\n  storage: sqlite:${db}\n${space}`, 2);
  const other = new SqliteStorage(db);
  const ac = new AbortController();
  const said: string[] = [];
  // the loop's look after its trial: study delete --force and another tune under the name (SQLite writes within the
  // call); the tune ends on it, its storage closed, and SIGTERM comes as it exits (the CLI listens until it has)
  let looks = 0; // the first after the trial is its report's, the second the loop's
  const onTrials = (trials: readonly FrozenTrial[]) => {
    if (trials[0]?.state !== 'complete' || ++looks !== 2) return;
    void other.deleteStudy('late');
    void other.createStudy('late', {});
  };
  const log = (l: string) => said.push(l);
  await assert.rejects(
    runStudy(await loadConfig(f), { log, signal: ac.signal, saveBest: false, onTrials }),
    /study late was deleted .* and another study was made under its name since/,
  );
  ac.abort('SIGTERM');
  await new Promise((res) => setImmediate(res)); // what the abort's listeners do at once
  assert.deepEqual(
    said.filter((l) => l.startsWith('SIGTERM')),
    [],
    "no 'SIGTERM: the running trials could not be failed (The database connection is not open)' (PostgreSQL: " +
      "'Cannot use a pool after calling end on the pool'): the loop that would fail them is over",
  );
  await other.close();
});

test('a tune that ends as its interrupt is under way waits for it before its storage closes', async (t) => {
  const db = join(dir, 'held.db');
  const space = '  space:\n    model.layers[0].gru.units: [2]\n';
  const f = studyConfig(dir, 'held', `  strategy: grid\n  jobs: 1\n  storage: sqlite:${db}\n${space}`, 2);
  const other = new SqliteStorage(db);
  const ac = new AbortController();
  const said: string[] = [];
  const events: string[] = [];
  // The interrupt's sweep is held until the loop, ended meanwhile (below), has looked at the study and gone on to its
  // end: a loop that does not wait for the interrupt closes the storage within that turn, under the held sweep.
  let release = () => {};
  const held = new Promise<void>((res) => {
    release = res;
  });
  let [entered, looked] = [false, false];
  const go = () => entered && looked && setImmediate(release);
  const { failStale, getStudy, close } = SqliteStorage.prototype;
  t.mock.method(
    SqliteStorage.prototype,
    'failStale',
    async function (this: SqliteStorage, ...a: Parameters<typeof failStale>) {
      if (!a[1].interrupt) return failStale.apply(this, a);
      events.push('interrupt held');
      entered = true;
      go();
      await held;
      try {
        return await failStale.apply(this, a);
      } finally {
        events.push('interrupt done');
      }
    },
  );
  t.mock.method(SqliteStorage.prototype, 'getStudy', function (this: SqliteStorage, name: string) {
    if (ac.signal.aborted && !looked) {
      looked = true; // the loop's look at the study it ended on (deletedUnder)
      go();
    }
    return getStudy.call(this, name);
  });
  t.mock.method(SqliteStorage.prototype, 'close', function (this: SqliteStorage) {
    if (this !== other) events.push('storage closed');
    return close.call(this);
  });
  // SIGTERM at the loop's look after its trial, as the study is deleted and made again: the loop ends on it (its next
  // claim refused) while the interrupt's sweep is held (then refused too: the study is another)
  let looks = 0; // the first after the trial is its report's, the second the loop's
  const onTrials = (trials: readonly FrozenTrial[]) => {
    if (trials[0]?.state !== 'complete' || ++looks !== 2) return;
    void other.deleteStudy('held');
    void other.createStudy('held', {});
    ac.abort('SIGTERM');
  };
  const log = (l: string) => said.push(l);
  await assert.rejects(
    runStudy(await loadConfig(f), { log, signal: ac.signal, saveBest: false, onTrials }),
    /study held was deleted .* and another study was made under its name since/,
  );
  assert.deepEqual(events, ['interrupt held', 'interrupt done', 'storage closed'], said.join('\n'));
  const sigterm = said.filter((l) => l.startsWith('SIGTERM'));
  assert.equal(sigterm.length, 1, said.join('\n'));
  // the interrupt's own refusal of the study made again, not 'The database connection is not open'
  assert.match(
    sigterm[0]!,
    /^SIGTERM: study "held" in .* was deleted and made again .*: nothing is written to the new study$/,
  );
  await other.close();
});

test('Ctrl-C as the study is made again after its sweep says so, not that trials could not be failed', async (t) => {
  const db = join(dir, 'said.db');
  const space = '  space:\n    model.layers[0].gru.units: [2]\n';
  const f = studyConfig(dir, 'said', `  strategy: grid\n  jobs: 1\n  storage: sqlite:${db}\n${space}`, 50);
  const other = new SqliteStorage(db);
  // the interrupt fails the trial as interrupted; then study delete --force and another tune under the name, before
  // the interrupt reads the trials it failed (refused: the study is another)
  const { failStale } = SqliteStorage.prototype;
  t.mock.method(
    SqliteStorage.prototype,
    'failStale',
    async function (this: SqliteStorage, ...a: Parameters<typeof failStale>) {
      const r = await failStale.apply(this, a);
      if (!a[1].interrupt) return r;
      await other.deleteStudy('said');
      await new Promise((res) => setTimeout(res, 5)); // another creation time (milliseconds)
      await other.createStudy('said', {});
      return r;
    },
  );
  const ac = new AbortController();
  const said: string[] = [];
  const log = (l: string) => {
    said.push(l);
    if (/^trial 0: epoch 3\//.test(l)) ac.abort('SIGINT');
  };
  await assert.rejects(
    runStudy(await loadConfig(f), { log, verbose: true, signal: ac.signal, saveBest: false }),
    (e: unknown) => e instanceof StudyInterrupted,
  );
  const sigint = said.filter((l) => l.startsWith('SIGINT'));
  assert.equal(sigint.length, 1, said.join('\n'));
  assert.match(
    sigint[0]!,
    /^SIGINT: study "said" in .* was deleted and made again .*: its trials are not read as the deleted study's$/,
    'the trials were failed (then deleted with their study): not "the running trials could not be failed"',
  );
  await other.close();
});
