import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { main } from '../../src/cli/main.js';
import {
  MemoryStorage,
  openStorage,
  PgStorage,
  SCHEMA_VERSION,
  SqliteStorage,
  StorageError,
} from '../../src/storage/index.js';
import { dropPgDatabases, freshPgUrl, pgSkip } from '../helpers/pg.js';
import { runStorageContract } from './contract.js';

const require = createRequire(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'seqtune-store-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
after(dropPgDatabases);
let n = 0;

runStorageContract('memory', () => new MemoryStorage());
runStorageContract('sqlite', () => new SqliteStorage(join(dir, `s${n++}.db`)));
runStorageContract('postgres', async () => openStorage(await freshPgUrl()), { skip: pgSkip });

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

/** A study file as seqtune 0.1 (schema version 1) wrote it: one study, a complete trial and a running one. */
function versionOneFile(f: string): void {
  const db = new Database(f);
  db.exec(`
CREATE TABLE seqtune_schema (version INTEGER NOT NULL); INSERT INTO seqtune_schema VALUES (1);
CREATE TABLE studies (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, direction TEXT NOT NULL, attrs TEXT NOT NULL,
  created TEXT NOT NULL);
CREATE TABLE trials (id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL REFERENCES studies(id), number INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'pruned', 'failed')), params TEXT NOT NULL, value REAL,
  attrs TEXT NOT NULL, error TEXT, started TEXT NOT NULL, finished TEXT, UNIQUE (study_id, number));
CREATE TABLE intermediate (trial_id INTEGER NOT NULL REFERENCES trials(id), step INTEGER NOT NULL, value REAL,
  PRIMARY KEY (trial_id, step));
INSERT INTO studies VALUES (1, 'old', 'minimize', '{"strategy":"grid"}', '2025-01-01T00:00:00.000Z');
INSERT INTO trials VALUES (1, 1, 0, 'complete', '{"u":4}', 0.25, '{}', NULL, '2025-01-01T00:00:01.000Z',
  '2025-01-01T00:00:02.000Z');
INSERT INTO trials VALUES (2, 1, 1, 'running', '{"u":8}', NULL, '{}', NULL, '2025-01-01T00:00:03.000Z', NULL);
INSERT INTO intermediate VALUES (1, 0, 0.5), (1, 1, 0.25), (2, 0, 0.7);`);
  db.close();
}

test('sqlite: a version 1 file is migrated on open, its trials kept; a file from a newer seqtune is refused', async () => {
  const f = join(dir, 'v1.db');
  versionOneFile(f);
  const s = new SqliteStorage(f);
  const t = await s.getTrials('old');
  assert.deepEqual(
    t.map((x) => [x.number, x.state, x.value, x.intermediate, x.owner]),
    [
      [0, 'complete', 0.25, [0.5, 0.25], null],
      [1, 'running', null, [0.7], null],
    ],
  );
  assert.equal((await s.createTrial('old', {}, {}, { waiting: true })).state, 'waiting', 'the new state is allowed');
  await s.close();
  const db = new Database(f);
  assert.equal((db.prepare('SELECT version FROM seqtune_schema').get() as { version: number }).version, SCHEMA_VERSION);
  db.prepare('UPDATE seqtune_schema SET version = ?').run(SCHEMA_VERSION + 1);
  db.close();
  assert.throws(
    () => new SqliteStorage(f),
    new RegExp(
      `v1.db: the study database has schema version ${SCHEMA_VERSION + 1}, written by a newer seqtune; ` +
        `this seqtune reads versions up to ${SCHEMA_VERSION} \\(upgrade seqtune\\)$`,
    ),
  );
});

test("sqlite: a -shm another user's read left, which this user cannot write, is named, not the file or its folder", {
  skip: process.getuid?.() === 0 ? 'root writes files without write permission' : false,
}, async () => {
  // a dashboard (or study ls) of another user, on a file it cannot write in a folder it can, leaves the two files
  // owned by it (mode 0644): the owner's next tune was told 'the file or its folder is read-only' (both writable)
  const f = join(dir, 'shared.db');
  const st = new SqliteStorage(f);
  await st.createStudy('s', {});
  await st.close();
  const reader = new Database(f, { readonly: true }); // leaves an empty -wal and -shm
  reader.prepare('SELECT count(*) FROM studies').get();
  reader.close();
  chmodSync(`${f}-shm`, 0o444);
  assert.throws(
    () => new SqliteStorage(f),
    new RegExp(
      `${f}: cannot open the study database: this user cannot write its journal \\(shared\\.db-shm: uid \\d+, ` +
        'mode 0444\\), .* remove shared\\.db-wal and shared\\.db-shm ',
    ),
  );
  rmSync(`${f}-wal`, { force: true });
  rmSync(`${f}-shm`);
  const again = new SqliteStorage(f);
  assert.deepEqual(
    (await again.listStudies()).map((x) => x.name),
    ['s'],
    'removed, the file is written again',
  );
  await again.close();
});

test("sqlite: another program's database is refused in one line and left as it was; an empty file is taken", async () => {
  const f = join(dir, 'theirs.db');
  const theirs = new Database(f);
  theirs.exec('CREATE TABLE studies (x INTEGER); CREATE TABLE notes (a TEXT); INSERT INTO studies VALUES (7);');
  theirs.close();
  const sql = () => {
    const db = new Database(f, { readonly: true });
    const rows = db.prepare('SELECT name, sql FROM sqlite_master ORDER BY name').all();
    const mode = db.pragma('journal_mode', { simple: true });
    db.close();
    return { rows, mode };
  };
  const before = sql();
  // it had seqtune's tables made beside its own and a token column added to its studies, then a stack trace
  assert.throws(
    () => new SqliteStorage(f),
    new RegExp(
      "theirs\\.db: not a seqtune study file: it holds tables of its own \\(notes, studies\\) and none of seqtune's; " +
        'seqtune makes its tables only in a new or empty file',
    ),
  );
  assert.deepEqual(sql(), before);
  const empty = join(dir, 'empty.db');
  const made = new Database(empty);
  made.exec('CREATE TABLE t (a); DROP TABLE t;');
  made.close();
  const s = new SqliteStorage(empty);
  await s.createStudy('mine', {});
  assert.deepEqual(
    (await s.listStudies()).map((x) => x.name),
    ['mine'],
  );
  await s.close();
});

test("postgres: a database with a table of its own named as seqtune's is refused in one line, untouched", {
  skip: pgSkip,
}, async () => {
  // the migration failed on it: "cannot prepare the study database (relation "studies" already exists)"
  const url = await freshPgUrl();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('CREATE TABLE studies (x INTEGER); CREATE TABLE notes (a TEXT); INSERT INTO studies VALUES (7)');
  const tables = async () =>
    (
      await c.query<{ t: string }>(
        "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
      )
    ).rows.map((r) => r.t);
  const s = new PgStorage(url);
  await assert.rejects(
    s.createStudy('x', {}),
    new RegExp(
      '/seqtune_t_\\w+: not a seqtune study database: it has no seqtune tables, and tables of its own by the names ' +
        "seqtune's take \\(studies\\); seqtune makes its tables only where none of studies, trials, intermediate is " +
        'taken \\(name another database with --storage or tune.storage\\); nothing was changed$',
    ),
  );
  await s.close();
  assert.deepEqual(await tables(), ['notes', 'studies']);
  // other programs' tables by other names are no clash: seqtune's are made beside them
  await c.query('DROP TABLE studies');
  const ok = new PgStorage(url);
  await ok.createStudy('x', {});
  await ok.close();
  assert.deepEqual(await tables(), ['intermediate', 'notes', 'seqtune_schema', 'studies', 'trials']);
  await c.end();
});

test('postgres: a database from a newer seqtune is refused with one line naming both versions', {
  skip: pgSkip,
}, async () => {
  const url = await freshPgUrl();
  const s = new PgStorage(url);
  await s.createStudy('x', {});
  await s.close();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('UPDATE seqtune_schema SET version = $1', [SCHEMA_VERSION + 7]);
  await c.end();
  const again = new PgStorage(url);
  await assert.rejects(
    again.listStudies(),
    new RegExp(`schema version ${SCHEMA_VERSION + 7}, written by a newer seqtune; this seqtune reads versions up to`),
  );
  await again.close();
});

test("postgres: a heartbeat is aged from the server's start at the earliest: a restart is no missed heartbeat", {
  skip: pgSkip,
}, async () => {
  const url = await freshPgUrl();
  const s = new PgStorage(url);
  await s.createStudy('r', {});
  await s.createTrial('r', { a: 0 }, {}, { owner: { host: 'h', pid: 1, worker: 0 } });
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  // the last beat 10 s before the server started: no process could beat while it was down
  await c.query("UPDATE trials SET heartbeat = pg_postmaster_start_time() - interval '10 seconds'");
  const [{ up }] = (
    await c.query<{ up: string }>('SELECT extract(epoch FROM now() - pg_postmaster_start_time()) * 1000 AS up')
  ).rows as [{ up: string }];
  await c.end();
  const grace = Number(up) + 5000; // longer than the server has been up, shorter than since the last beat
  assert.deepEqual(await s.failStale('r', { graceMs: grace, retries: 0 }), { failed: [], enqueued: [] });
  assert.deepEqual(await s.failStale('r', { graceMs: 1, retries: 0 }), { failed: [0], enqueued: [] });
  await s.close();
});

const connectTitle =
  'postgres: a wrong password, a missing database, no server: one line naming the URL without its password, exit 2';
test(connectTitle, { skip: pgSkip }, async () => {
  const good = new URL(process.env.SEQTUNE_TEST_PG!);
  const secret = good.password;
  const wrong = new URL(good);
  wrong.password = 'not-the-password';
  const missing = new URL(good);
  missing.pathname = '/no_such_database';
  const cases: [string, RegExp][] = [
    [wrong.toString(), /password authentication failed/],
    [missing.toString(), /database "no_such_database" does not exist/],
    ['postgresql://someone:hunter2@127.0.0.1:1/db', /ECONNREFUSED/],
  ];
  for (const [url, why] of cases) {
    const err: string[] = [];
    assert.equal(await main(['study', 'ls', '--storage', url], { out: () => {}, err: (s) => err.push(s) }), 2);
    const line = err.join('');
    assert.equal(line.trim().split('\n').length, 1, line);
    assert.match(line, /^seqtune: postgres(ql)?:\/\/\w+@127\.0\.0\.1:\d+\/\w+: cannot connect to PostgreSQL \(/);
    assert.match(line, why);
    for (const p of [secret, 'not-the-password', 'hunter2']) assert.ok(!line.includes(p), `no password in: ${line}`);
  }
});

/**
 * A TCP relay to the test server that can go away and come back, as a PostgreSQL that restarts does: `down()` drops
 * every connection and refuses new ones; `up()` listens again on the same port.
 */
async function relay(target: URL): Promise<{ url: string; down: () => Promise<void>; up: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    down: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
    up: () => new Promise<void>((res) => server.listen(port, '127.0.0.1', res)),
  };
}

test('postgres: a server that goes away and comes back within the reconnect time is waited for; nothing is lost', {
  skip: pgSkip,
  timeout: 30000,
}, async () => {
  const r = await relay(new URL(await freshPgUrl()));
  const s = new PgStorage(r.url, { reconnectMs: 10000 });
  await s.createStudy('r', {});
  await s.createTrial('r', { u: 1 });
  await s.report('r', 0, 0, 0.5);
  await r.down();
  setTimeout(() => void r.up(), 1500);
  // every kind of call waits for the server instead of failing: a statement, a transaction
  await s.report('r', 0, 1, 0.25);
  await s.finishTrial('r', 0, 'complete', 0.25);
  const [t] = await s.getTrials('r');
  assert.equal(t!.state, 'complete');
  assert.deepEqual(t!.intermediate, [0.5, 0.25]);
  // gone for longer than the reconnect time: one line that says so, without the password, and the study is kept
  const short = new PgStorage(r.url, { reconnectMs: 800 });
  await short.listStudies();
  await r.down();
  const secret = new URL(r.url).password;
  await assert.rejects(short.getTrials('r'), (e: Error) => {
    assert.ok(e instanceof StorageError, String(e));
    assert.match(
      e.message,
      /: lost the connection to PostgreSQL and could not reconnect for \d+ s \(.*\); what was stored is kept$/,
    );
    if (secret) assert.ok(!e.message.includes(secret));
    return true;
  });
  await r.up();
  assert.equal((await short.getTrials('r'))[0]!.state, 'complete');
  await Promise.all([s.close(), short.close()]);
  await r.down();
});

test('postgres: a URL that never connected fails at once (no waiting), and a later call tries again', {
  skip: pgSkip,
  timeout: 30000,
}, async () => {
  const r = await relay(new URL(await freshPgUrl()));
  await r.down();
  const s = new PgStorage(r.url, { reconnectMs: 60000 });
  const t0 = Date.now();
  await assert.rejects(s.listStudies(), /cannot connect to PostgreSQL \(connect ECONNREFUSED/);
  assert.ok(Date.now() - t0 < 5000);
  await r.up();
  assert.deepEqual(await s.listStudies(), []);
  await s.close();
  await r.down();
});

test('sqlite: a study file removed or replaced while a process has it open is written out on close, not lost', async () => {
  const f = join(dir, 'removed.db');
  const s = new SqliteStorage(f);
  await s.createStudy('kept', {});
  await s.createTrial('kept', { u: 1 });
  await s.finishTrial('kept', 0, 'complete', 0.5);
  rmSync(f);
  for (const x of ['-wal', '-shm']) rmSync(f + x, { force: true });
  await assert.rejects(s.close(), /removed.db: the study file was removed while .* is written to .*removed\.db$/);
  const back = new SqliteStorage(f);
  assert.equal((await back.getTrials('kept'))[0]!.value, 0.5);
  await back.close();
  // replaced by another file: that file is left alone, the open one is written beside it
  const g = join(dir, 'replaced.db');
  const t = new SqliteStorage(g);
  await t.createStudy('mine', {});
  rmSync(g);
  writeFileSync(g, 'theirs');
  await assert.rejects(t.close(), /removed or replaced \(another file is there now\)/);
  assert.equal(readFileSync(g, 'utf8'), 'theirs');
  const kept = new SqliteStorage(`${g}.${process.pid}.kept.db`);
  assert.deepEqual(
    (await kept.listStudies()).map((x) => x.name),
    ['mine'],
  );
  await kept.close();
});

/**
 * Makes PostgreSQL storage `s` lose the answer to a statement that the server ran and committed, as when the connection
 * drops right after the server commits: `commit()` arms it for the next COMMIT, `statement(re)` for the next statement
 * run outside a transaction whose text matches. The caller sees a lost connection and retries the write.
 */
function loseAnswers(s: PgStorage): {
  commit: (meanwhile?: () => Promise<unknown>) => void;
  statement: (re: RegExp) => void;
  lost: () => number;
} {
  const pool = (s as unknown as { pool: pg.Pool }).pool;
  let armed: { re: RegExp; tx: boolean; meanwhile?: () => Promise<unknown> } | null = null;
  let lost = 0;
  const after = async <T>(sql: unknown, tx: boolean, run: () => Promise<T>): Promise<T> => {
    const out = await run();
    if (armed && armed.tx === tx && typeof sql === 'string' && armed.re.test(sql)) {
      const { meanwhile } = armed;
      armed = null;
      lost++;
      await meanwhile?.(); // what another process does before this one is connected again
      throw new Error('Connection terminated unexpectedly');
    }
    return out;
  };
  const wrapped = new WeakSet<pg.PoolClient>();
  const connect = pool.connect.bind(pool) as (...cb: unknown[]) => Promise<pg.PoolClient>;
  // only the promise forms PgStorage uses are wrapped (pg-pool's own calls pass a callback and go through as they are)
  pool.connect = (async (...args: unknown[]) => {
    if (args.length) return (connect as (...a: unknown[]) => unknown)(...args);
    const c = await connect();
    if (!wrapped.has(c)) {
      wrapped.add(c);
      const query = c.query.bind(c) as (...a: unknown[]) => Promise<unknown>;
      c.query = ((...a: unknown[]) =>
        typeof a.at(-1) === 'function' ? query(...a) : after(a[0], true, () => query(...a))) as typeof c.query;
    }
    return c;
  }) as typeof pool.connect;
  const query = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>;
  pool.query = ((...a: unknown[]) => after(a[0], false, () => query(...a))) as typeof pool.query;
  return {
    commit: (meanwhile) => {
      armed = { re: /^COMMIT$/, tx: true, meanwhile };
    },
    statement: (re) => {
      armed = { re, tx: false };
    },
    lost: () => lost,
  };
}

test('postgres: a write whose COMMIT landed but whose answer was lost is not done twice when it is retried', {
  skip: pgSkip,
  timeout: 30000,
}, async () => {
  const s = new PgStorage(await freshPgUrl(), { reconnectMs: 10000 });
  const lose = loseAnswers(s);
  const owner = { host: 'h', pid: 1, worker: 0 };
  await s.listStudies(); // connected and migrated first
  lose.commit();
  await s.createStudy('a', { k: 1 }); // not "already exists"
  lose.commit();
  const t = await s.createTrial('a', { u: 1 }, { why: 'first' }, { owner, unique: true }); // not a duplicate
  lose.statement(/^INSERT INTO intermediate/);
  await s.report('a', t.number, 0, 0.5);
  lose.commit();
  const done = await s.finishTrial('a', t.number, 'complete', 0.5); // not "already complete"
  await s.createTrial('a', { u: 2 }, {}, { waiting: true });
  await s.createTrial('a', { u: 3 }, {}, { waiting: true });
  lose.commit();
  const claimed = await s.claimWaiting('a', owner); // the trial it took, not a second one
  assert.equal(lose.lost(), 5, 'every armed answer was lost');
  assert.deepEqual(
    [t.number, done.state, done.value, done.intermediate, claimed?.number],
    [0, 'complete', 0.5, [0.5], 1],
  );
  assert.deepEqual(
    (await s.getTrials('a')).map((x) => [x.number, x.state, x.params, x.intermediate]),
    [
      [0, 'complete', { u: 1 }, [0.5]],
      [1, 'running', { u: 2 }, []],
      [2, 'waiting', { u: 3 }, []],
    ],
  );
  assert.deepEqual(
    (await s.listStudies()).map((x) => [x.name, x.attrs]),
    [['a', { k: 1 }]],
  );
  await s.close();
});

test('postgres: a waiting trial whose answer was lost and that another process claimed meanwhile is not made twice', {
  skip: pgSkip,
  timeout: 30000,
}, async () => {
  const url = await freshPgUrl();
  const s = new PgStorage(url, { reconnectMs: 10000 });
  const other = new PgStorage(url);
  const lose = loseAnswers(s);
  await s.createStudy('w', {});
  // study enqueue's write lands; before its retry, a free worker elsewhere claims the trial it made
  lose.commit(() => other.claimWaiting('w', { host: 'elsewhere', pid: 2, worker: 0 }));
  const t = await s.createTrial('w', { u: 1 }, { why: 'enqueued by hand' }, { waiting: true });
  assert.equal(lose.lost(), 1);
  assert.equal(t.number, 0);
  assert.deepEqual(
    (await s.getTrials('w')).map((x) => [x.number, x.state, x.params]),
    [[0, 'running', { u: 1 }]],
  );
  await Promise.all([s.close(), other.close()]);
});

test("sqlite: a heartbeat that waited for another process's write lock says when it was written, not asked", async () => {
  const f = join(dir, 'beat-wait.db');
  const s = new SqliteStorage(f);
  await s.createStudy('b', {});
  await s.createTrial('b', { u: 1 }, {}, { owner: { host: 'h', pid: 1, worker: 0 } });
  // another process holds the write lock for a second (a study delete, a migration, a sweep)
  const locker = await holdWriteLock(f, 1000);
  const asked = Date.now();
  await s.heartbeat('b', [0]);
  const at = Date.parse((await s.getTrials('b'))[0]!.heartbeat!);
  await locker.exited;
  // a stamp from before the wait would be a second old when it lands: past the grace of a 0.25 s heartbeat
  assert.ok(at - asked >= 500, `the heartbeat says ${at - asked} ms after it was asked`);
  await s.close();
});

test('postgres: a delete whose COMMIT landed but whose answer was lost answers as it would have when retried', {
  skip: pgSkip,
  timeout: 30000,
}, async () => {
  const url = await freshPgUrl();
  const s = new PgStorage(url, { reconnectMs: 10000 });
  const other = new PgStorage(url);
  const lose = loseAnswers(s);
  await s.createStudy('d', {});
  await s.createTrial('d', {});
  lose.commit();
  assert.equal(await s.deleteStudy('d'), true, 'not "no study"');
  assert.equal(await s.getStudy('d'), null);
  // the retry finds the study made again under the name meanwhile: not the one it deleted, and it is kept
  await s.createStudy('d', {});
  lose.commit(() => other.createStudy('d', { again: true }));
  assert.equal(await s.deleteStudy('d'), true);
  assert.deepEqual((await s.getStudy('d'))?.attrs, { again: true });
  lose.commit();
  assert.equal(await s.deleteStudy('none'), false, 'nor "deleted" for a study that was never there');
  assert.equal(lose.lost(), 3);
  await Promise.all([s.close(), other.close()]);
});

test('sqlite: a report while another process ends the trial is refused, not added to the finished trial', async () => {
  const f = join(dir, 'report-race.db');
  const s = new SqliteStorage(f);
  await s.createStudy('r', {});
  await s.createTrial('r', { u: 1 }, {}, { owner: { host: 'h', pid: 1, worker: 0 } });
  // another process sweeps the trial while this report waits for the write lock
  const sweeper = await holdWriteLock(
    f,
    500,
    "UPDATE trials SET state = 'failed', finished = '2025-01-01T00:00:00.000Z' WHERE number = 0",
  );
  await assert.rejects(s.report('r', 0, 0, 0.5), /trial 0 of "r" is failed; only a running trial takes reports/);
  await sweeper.exited;
  assert.deepEqual((await s.getTrials('r'))[0]!.intermediate, []);
  await s.close();
});

test('postgres: a report while another process ends the trial is refused, not added to the finished trial', {
  skip: pgSkip,
  timeout: 30000,
}, async () => {
  const url = await freshPgUrl();
  const s = new PgStorage(url);
  await s.createStudy('r', {});
  await s.createTrial('r', { u: 1 }, {}, { owner: { host: 'h', pid: 1, worker: 0 } });
  // another process ends the trial as finishTrial and failStale do: its row locked, then changed, then committed
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  await other.query('BEGIN');
  await other.query('SELECT id FROM trials WHERE number = 0 FOR UPDATE');
  const reported = s.report('r', 0, 0, 0.5).then(
    () => 'written',
    (e: Error) => e.message,
  );
  const waiting = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'";
  for (let i = 0; i < 100 && (await other.query<{ n: number }>(waiting)).rows[0]!.n === 0; i++)
    await new Promise((res) => setTimeout(res, 20));
  await other.query("UPDATE trials SET state = 'failed', finished = now() WHERE number = 0");
  await other.query('COMMIT');
  await other.end();
  assert.match(await reported, /trial 0 of "r" is failed; only a running trial takes reports/);
  assert.deepEqual((await s.getTrials('r'))[0]!.intermediate, []);
  await s.close();
});

/**
 * Another process that takes the SQLite file's write lock, holds it `ms` milliseconds, runs `sql` (if any) and
 * commits. Resolves once the lock is held; `exited` once the process has committed and ended.
 */
async function holdWriteLock(file: string, ms: number, sql = ''): Promise<{ exited: Promise<unknown> }> {
  const p = spawn(process.execPath, [
    '-e',
    `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const d = new D(${JSON.stringify(file)});
     d.exec('BEGIN IMMEDIATE'); process.stdout.write('locked\\n'); const t = Date.now();
     while (Date.now() - t < ${ms}); ${sql ? `d.exec(${JSON.stringify(sql)}); ` : ''}d.exec('COMMIT'); d.close();`,
  ]);
  const exited = new Promise((res) => p.once('exit', res));
  await new Promise((res) => p.stdout.once('data', res));
  return { exited };
}

test('postgres: a connection the server ends between two statements of a transaction is retried, not a crash', {
  skip: pgSkip,
  timeout: 30000,
}, async () => {
  // `pg_terminate_backend` (or a restart) while a trial thread held a connection between statements: the client's
  // 'error' event had no listener, and the thread crashed ("the worker thread crashed: terminating connection due to
  // administrator command"); its trial failed, and was not run again
  const url = await freshPgUrl();
  const s = new PgStorage(url, { reconnectMs: 10000 });
  await s.listStudies(); // connected and migrated first
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const tries: boolean[] = [];
  const tx = (s as unknown as { tx: <T>(f: (c: pg.PoolClient, again: boolean) => Promise<T>) => Promise<T> }).tx;
  const out = await tx.call(s, async (c, again) => {
    tries.push(again);
    if (again) return (await c.query('SELECT 7 AS n')).rows[0].n;
    const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    // the socket's end, not the client's 'error' (a listener of the test's own would hear it in place of storage's)
    const conn = (c as unknown as { connection: { once: (e: string, f: () => void) => void } }).connection;
    const ended = new Promise<void>((res) => conn.once('end', res));
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await ended; // the server's message came while no statement ran on c
    return (await c.query('SELECT 1 AS n')).rows[0].n;
  });
  await admin.end();
  assert.deepEqual([out, tries], [7, [false, true]]);
  await s.close();
});

test('postgres: a connection ended while the first open reads the schema is retried: the URL worked', {
  skip: pgSkip,
  timeout: 30000,
}, async () => {
  // a trial thread's storage opens its own connection; one ended by pg_terminate_backend (a restart) before its
  // schema check failed the trial: "cannot prepare the study database (Client has encountered a connection error
  // and is not queryable)", as if the URL had never worked
  const url = await freshPgUrl();
  const made = new PgStorage(url);
  await made.listStudies(); // the schema made
  await made.close();
  const s = new PgStorage(url, { reconnectMs: 10000 });
  const pool = (s as unknown as { pool: pg.Pool }).pool;
  const connect = pool.connect.bind(pool) as (...cb: unknown[]) => Promise<pg.PoolClient>;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  let ended = 0;
  // pool.query connects with a callback: that is passed on; open()'s connect, a promise, is the one ended
  (pool as unknown as { connect: (...cb: unknown[]) => unknown }).connect = (...cb: unknown[]) =>
    cb.length ? connect(...cb) : endedOnce();
  const endedOnce = async () => {
    const c = await connect();
    if (ended++ > 0) return c;
    const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const heard = () => {}; // storage listens from here on; the error may come before it does
    c.on('error', heard);
    const conn = (c as unknown as { connection: { once: (e: string, f: () => void) => void } }).connection;
    const gone = new Promise<void>((res) => conn.once('end', res));
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await gone;
    return c;
  };
  assert.deepEqual(await s.listStudies(), []);
  assert.ok(ended >= 2, 'connected again');
  await admin.end();
  await s.close();
});
