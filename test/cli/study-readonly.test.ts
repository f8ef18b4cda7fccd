// The read-only study commands: `study show --json` says who ran each trial and when (owner, started, finished,
// error; a waiting trial has neither owner nor start), and `study ls`, `show`, `export` never make seqtune's tables
// in a database seqtune did not write, SQLite file or PostgreSQL database alike.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SqliteStorage } from '../../src/storage/index.js';
import { dropPgDatabases, freshPgUrl, pgSkip } from '../helpers/pg.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-readonly-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
after(dropPgDatabases);

const readOnly = (url: string) => [
  ['study', 'ls', '--storage', url],
  ['study', 'show', 'x', '--storage', url, '--json'],
  ['study', 'export', 'x', '--format', 'csv', '--storage', url],
];

test('study show --json: owner, started, finished and error per trial, and the waiting state', async () => {
  const db = join(dir, 'show.db');
  const s = new SqliteStorage(db);
  await s.createStudy('sh', {});
  const owner = { host: 'box', pid: 7, worker: 0 };
  await s.createTrial('sh', { u: 1 }, {}, { owner });
  await s.finishTrial('sh', 0, 'complete', 0.25);
  await s.createTrial('sh', { u: 2 }, {}, { owner });
  await s.finishTrial('sh', 1, 'failed', null, { error: 'interrupted: SIGINT to box:7' });
  await s.createTrial('sh', { u: 3 }, {}, { owner: { ...owner, pid: 8 } });
  await s.createTrial('sh', { u: 4 }, {}, { waiting: true });
  await s.close();
  const r = await runCli(['study', 'show', 'sh', '--storage', `sqlite:${db}`, '--json']);
  assert.equal(r.code, 0, r.err);
  const trials = JSON.parse(r.out).trials as Record<string, unknown>[];
  const iso = /^\d{4}-\d\d-\d\dT/;
  assert.deepEqual(
    trials.map((t) => [t.state, t.owner, iso.test(String(t.started)), iso.test(String(t.finished)), t.error]),
    [
      ['complete', 'box:7', true, true, null],
      ['failed', 'box:7', true, true, 'interrupted: SIGINT to box:7'],
      ['running', 'box:8', true, false, null],
      ['waiting', null, false, false, null],
    ],
  );
});

test('study ls, show, export on a SQLite file seqtune did not write: exit 2, one line, no table made', async () => {
  const f = join(dir, 'other.db');
  const other = new Database(f);
  other.exec('CREATE TABLE notes (t TEXT)');
  other.close();
  for (const args of readOnly(`sqlite:${f}`)) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, /^seqtune: \S*other\.db: no seqtune studies in this file \(.*none were made\)\n$/);
  }
  const db = new Database(f, { readonly: true });
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
  const mode = db.pragma('journal_mode', { simple: true });
  db.close();
  assert.deepEqual(
    tables.map((t) => t.name),
    ['notes'],
  );
  assert.equal(mode, 'delete', 'nor was its journal mode changed');
});

test('study ls, show, export and worker on an empty PostgreSQL database: exit 2, one line, no table made', {
  skip: pgSkip,
}, async () => {
  const url = await freshPgUrl();
  for (const args of [...readOnly(url), ['worker', '--storage', url, '--study', 'x']]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, /^seqtune: postgres(ql)?:\/\/\S+: no seqtune studies in this database \(.*\)\n$/);
    assert.doesNotMatch(r.err, new RegExp(new URL(url).password || '\0'), 'the password is not shown');
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t = await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
  await c.end();
  assert.deepEqual(t.rows, [], 'no seqtune table was created');
});
