// seqtune study export NAME --format csv|json and study delete NAME --yes over a stored study.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { PgStorage, SqliteStorage } from '../../src/storage/index.js';
import { dropPgDatabases, freshPgUrl, pgSkip } from '../helpers/pg.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-export-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
after(dropPgDatabases);

test('study export writes every trial as JSON and as CSV; study delete needs --yes; neither makes a file', async () => {
  const db = join(dir, 'e.db');
  const url = `sqlite:${db}`;
  const s = new SqliteStorage(db);
  await s.createStudy('ex', {});
  const owner = { host: 'box', pid: 42, worker: 1 };
  await s.createTrial('ex', { units: 8, act: 'tanh' }, {}, { owner });
  await s.report('ex', 0, 0, 0.5);
  await s.report('ex', 0, 1, NaN);
  await s.finishTrial('ex', 0, 'complete', 0.5);
  await s.createTrial('ex', { units: 16 }, {}, { owner });
  await s.finishTrial('ex', 1, 'failed', null, { error: 'diverged, "badly"\nat epoch 3' });
  await s.createTrial('ex', { units: 32 }, {}, { waiting: true });
  await s.close();

  const j = await runCli(['study', 'export', 'ex', '--format', 'json', '--storage', url]);
  assert.equal(j.code, 0, j.err);
  const rows = JSON.parse(j.out);
  assert.deepEqual(
    rows.map((r: { number: number; state: string; owner: string | null; worker: number | null }) => [
      r.number,
      r.state,
      r.owner,
      r.worker,
    ]),
    [
      [0, 'complete', 'box:42', 1],
      [1, 'failed', 'box:42', 1],
      [2, 'waiting', null, null],
    ],
  );
  assert.deepEqual(rows[0].intermediate, [0.5, null]);
  assert.ok(rows[0].started && rows[0].finished && rows[0].heartbeat);

  const c = await runCli(['study', 'export', 'ex', '--format', 'csv', '--storage', url]);
  assert.equal(c.code, 0, c.err);
  const csv = parse(c.out, { columns: true }) as Record<string, string>[];
  assert.deepEqual(Object.keys(csv[0]!).slice(0, 5), ['number', 'state', 'value', 'param:units', 'param:act']);
  assert.deepEqual(
    csv.map((r) => [r.number, r.state, r.value, r['param:units'], r['param:act'], r.intermediate]),
    [
      ['0', 'complete', '0.5', '8', 'tanh', '[0.5,null]'],
      ['1', 'failed', '', '16', '', '[]'],
      ['2', 'waiting', '', '32', '', '[]'],
    ],
  );
  assert.equal(csv[1]!.error, 'diverged, "badly"\nat epoch 3');

  const bad = await runCli(['study', 'export', 'ex', '--format', 'xml', '--storage', url]);
  assert.deepEqual([bad.code, bad.err], [2, 'seqtune: --format: expected csv or json, received "xml"\n']);
  const missing = join(dir, 'none.db');
  const none = await runCli(['study', 'export', 'ex', '--format', 'json', '--storage', missing]);
  assert.equal(none.code, 2);
  assert.ok(!existsSync(missing), 'a read-only command makes no database');

  const ask = await runCli(['study', 'delete', 'ex', '--storage', url]);
  assert.deepEqual(
    [ask.code, ask.err],
    [2, 'seqtune: study delete: add --yes to delete study "ex" and its 3 trials for good\n'],
  );
  // a study a live process runs (a trial's heartbeat fresh) is refused: deleting it ended that process with an error
  const s2 = new SqliteStorage(db);
  await s2.createTrial('ex', { units: 64 }, {}, { owner: { host: 'box', pid: 43, worker: 0 } });
  await s2.close();
  const busy = await runCli(['study', 'delete', 'ex', '--storage', url, '--yes']);
  // it names the process (pid, host) and its last beat, and says what --force does to it ("stop its processes
  // first, or add --force" said neither)
  assert.deepEqual(
    [busy.code, busy.err.replace(/heartbeat \d+ s/, 'heartbeat N s')],
    [
      2,
      'seqtune: study delete: study "ex" is running: trial #3 by process 43 on box (last heartbeat N s ago); stop ' +
        'that process first, or add --force to delete the study anyway: that process then stops with an error at ' +
        "its trial's next epoch, storing nothing more\n",
    ],
  );
  const del = await runCli(['study', 'delete', 'ex', '--storage', url, '--yes', '--force']);
  assert.equal(del.code, 0, del.err);
  assert.match(del.out, /^deleted study ex and its 4 trials from sqlite:/);
  const gone = await runCli(['study', 'delete', 'ex', '--storage', url, '--yes']);
  assert.equal(gone.code, 2);
  assert.match(gone.err, /^seqtune: no study named "ex" in sqlite:.*e\.db\n$/);
});

test("study delete refuses a study whose trial beat within its owner's grace, longer than the study's", async () => {
  const db = join(dir, 'slow.db');
  const s = new SqliteStorage(db);
  // the study's tune.heartbeat is 10 s (stale after 30 s); the trial's worker beats every 60 s (stale after 180 s)
  await s.createStudy('slow', { config: { tune: { heartbeat: '10s' } } });
  await s.createTrial('slow', { units: 8 }, {}, { owner: { host: 'box', pid: 45, worker: 0, staleAfterS: 180 } });
  await s.close();
  const beat = (secondsAgo: number) => {
    const d = new Database(db);
    d.prepare('UPDATE trials SET heartbeat = ?').run(new Date(Date.now() - secondsAgo * 1000).toISOString());
    d.close();
  };
  beat(90);
  // a second process runs the study too: both are named, each with its trials and last beat
  const s2 = new SqliteStorage(db);
  for (const pid of [46, 46])
    await s2.createTrial('slow', { units: 16 }, {}, { owner: { host: 'far', pid, worker: 0 } });
  await s2.close();
  const busy = await runCli(['study', 'delete', 'slow', '--storage', `sqlite:${db}`, '--yes']);
  assert.equal(busy.code, 2);
  assert.match(
    busy.err,
    new RegExp(
      '^seqtune: study delete: study "slow" is running: trial #0 by process 45 on box \\(last heartbeat (89|9\\d) s ' +
        'ago\\); trials #1, #2 by process 46 on far \\(last heartbeat \\d s ago\\); stop those processes first, or ' +
        "add --force to delete the study anyway: each of them then stops with an error at its trial's next epoch",
    ),
  );
  const d = new Database(db);
  d.prepare("UPDATE trials SET state = 'complete' WHERE number > 0").run();
  d.close();
  // past its owner's grace too: stale, nothing runs the study
  beat(200);
  const del = await runCli(['study', 'delete', 'slow', '--storage', `sqlite:${db}`, '--yes']);
  assert.equal(del.code, 0, del.err);
  assert.match(del.out, /^deleted study slow and its 3 trials from sqlite:/);
});

test('study delete takes a study whose running trial belongs to a process of this host that has exited (kill -9)', async () => {
  const db = join(dir, 'dead.db');
  const s = new SqliteStorage(db);
  await s.createStudy('dead', {});
  // its heartbeat is a moment old, but its process is gone: nothing runs the study
  const pid = spawnSync(process.execPath, ['-e', '0']).pid!;
  await s.createTrial('dead', { units: 8 }, {}, { owner: { host: hostname(), pid, worker: 0 } });
  await s.close();
  const del = await runCli(['study', 'delete', 'dead', '--storage', `sqlite:${db}`, '--yes']);
  assert.equal(del.code, 0, del.err);
  assert.match(del.out, /^deleted study dead and its 1 trial from sqlite:/);
});

test("study delete on PostgreSQL judges a heartbeat by the server's clock, not by this machine's minutes off it", {
  skip: pgSkip,
  timeout: 30000,
}, async () => {
  const url = await freshPgUrl();
  const s = new PgStorage(url);
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  // a worker of another machine on each (judged by its heartbeat alone); tune.heartbeat 10 s: stale after 30 s
  const elsewhere = { host: 'far', pid: 7, worker: 0 };
  try {
    for (const name of ['live', 'dead'])
      await s.createStudy(name, {}).then(() => s.createTrial(name, { units: 8 }, {}, { owner: elsewhere }));
    // by the server's clock, "live" beat a moment ago and "dead" 10 minutes ago
    await other.query(
      "UPDATE trials SET heartbeat = now() - interval '10 minutes' FROM studies s " +
        "WHERE s.id = study_id AND s.name = 'dead'",
    );
    const deleteWithClockOff = async (minutes: number, name: string) => {
      mock.timers.enable({ apis: ['Date'], now: Date.now() + minutes * 60_000 });
      try {
        return await runCli(['study', 'delete', name, '--storage', url, '--yes']);
      } finally {
        mock.timers.reset();
      }
    };
    // this machine's clock 10 minutes ahead: the live worker's last beat looked 10 minutes old, and its study went
    const busy = await deleteWithClockOff(10, 'live');
    assert.equal(busy.code, 2);
    // its last beat by the server's clock too: a moment ago, not 10 minutes off
    assert.match(
      busy.err,
      /^seqtune: study delete: study "live" is running: trial #0 by process 7 on far \(last heartbeat \d s ago\);/,
    );
    // 10 minutes behind: the dead worker's last beat looked fresh, and its study was refused
    const del = await deleteWithClockOff(-10, 'dead');
    assert.equal(del.code, 0, del.err);
    assert.match(del.out, /^deleted study dead and its 1 trial from postgres:/);
    assert.deepEqual(
      (await s.listStudies()).map((x) => x.name),
      ['live'],
    );
  } finally {
    await other.end();
    await s.close();
  }
});
