// The read-only study commands: `study show --json` says who ran each trial and when (owner, started, finished,
// error; a waiting trial has neither owner nor start), and `study ls`, `show`, `export` never make seqtune's tables
// in a database seqtune did not write, nor migrate one an older seqtune wrote, SQLite file or PostgreSQL database
// alike.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startDashboard } from '../../src/dashboard/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { SCHEMA_VERSION, SqliteStorage } from '../../src/storage/index.js';
import { PG_MIGRATIONS } from '../../src/storage/pg-schema.js';
import { SQLITE_MIGRATIONS } from '../../src/storage/sqlite-schema.js';
import { dropPgDatabases, freshPgUrl, pgSkip } from '../helpers/pg.js';
import { runCli } from '../helpers/run-cli.js';
import { studyConfig } from '../helpers/study-config.js';

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

test('study show names a trial the time budget cut short, in its line and its JSON, and reads its diagnosis so', async () => {
  const db = join(dir, 'cut.db');
  const s = new SqliteStorage(db);
  await s.createStudy('cut', { strategy: 'auto' });
  const stopped = 'time budget spent: stopped at epoch 3 of 100';
  for (const [u, cut] of [
    [1, true],
    [2, false],
  ] as const) {
    const t = await s.createTrial('cut', { u }, {}, {});
    for (let e = 0; e < 3; e++) await s.report('cut', t.number, e, 0.5 - e / 10 + u / 100);
    const attrs = { diagnosis: { pattern: 'underfitting' }, ...(cut ? { stopped } : {}) };
    await s.finishTrial('cut', t.number, 'complete', 0.3 + u / 100, { attrs });
  }
  await s.close();
  const r = await runCli(['study', 'show', 'cut', '--storage', `sqlite:${db}`]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  assert.match(
    lines.find((l) => l.startsWith('#0 '))!,
    new RegExp(
      'underfitting {"u":1} {2}' +
        '\\(time budget spent: stopped at epoch 3 of 100; the diagnosis reads only the 3 epochs it ran\\)$',
    ),
  );
  assert.match(lines.find((l) => l.startsWith('#1 '))!, /underfitting {"u":2}$/);
  const j = await runCli(['study', 'show', 'cut', '--storage', `sqlite:${db}`, '--json']);
  assert.deepEqual(
    (JSON.parse(j.out).trials as { stopped: unknown }[]).map((t) => t.stopped),
    [stopped, null],
  );
});

test('study show says where and why a trial was pruned, in its line and its JSON, and reads its diagnosis so', async () => {
  const db = join(dir, 'pruned.db');
  const s = new SqliteStorage(db);
  await s.createStudy('pr', { strategy: 'random' });
  // as trial.ts records the median pruner's decision; #1 pruned through ask-tell's tell, which keeps no reason
  const why =
    'pruned by median at epoch 2 of 100: its best val_loss so far, 0.4000, was worse than the median of the other ' +
    "trials' best values at that epoch";
  for (const [u, attrs] of [
    [1, { diagnosis: { pattern: 'underfitting' }, pruned: why }],
    [2, {}],
    [3, { diagnosis: { pattern: 'underfitting' } }],
    // the epoch as trial.ts stores it now, a number: read as it is, whatever the words say (or where they say it)
    [4, { pruned: 'pruned by median: worse than the median', pruned_epoch: 1 }],
  ] as const) {
    const t = await s.createTrial('pr', { u }, {}, {});
    for (let e = 0; e < 2; e++) await s.report('pr', t.number, e, 0.5 - e / 10 + u / 100);
    await s.finishTrial('pr', t.number, u === 3 ? 'complete' : 'pruned', 0.4 + u / 100, { attrs });
  }
  await s.close();
  const r = await runCli(['study', 'show', 'pr', '--storage', `sqlite:${db}`]);
  assert.equal(r.code, 0, r.err);
  const line = (n: number) => r.out.split('\n').find((l) => l.startsWith(`#${n} `))!;
  assert.ok(line(0).endsWith(`underfitting {"u":1}  (${why}; the diagnosis reads only the 2 epochs it ran)`), line(0));
  assert.match(line(1), /^#1 +pruned .* {"u":2} {2}\(pruned at epoch 2; its pruner's reason is not stored\)$/);
  assert.match(line(2), /underfitting {"u":3}$/);
  const j = await runCli(['study', 'show', 'pr', '--storage', `sqlite:${db}`, '--json']);
  assert.deepEqual(
    (JSON.parse(j.out).trials as { pruned: unknown }[]).map((t) => t.pruned),
    [{ epoch: 2, why }, { epoch: 2, why: null }, null, { epoch: 1, why: 'pruned by median: worse than the median' }],
  );
});

test('study show names the trial that runs an interrupted one again, and why a waiting trial waits', async () => {
  const db = join(dir, 'again.db');
  const s = new SqliteStorage(db);
  await s.createStudy('again', {});
  await s.createTrial('again', { u: 1 }, { why: 'the baseline' }, { owner: { host: 'box', pid: 7, worker: 0 } });
  const swept = await s.failStale('again', {
    graceMs: 60_000,
    deadOwners: ['box:7'],
    retries: 1,
    interrupt: true,
    reason: 'SIGINT to box:7',
  });
  assert.deepEqual(swept.enqueued, [1]);
  await s.createTrial('again', { u: 2 }, { why: 'enqueued by hand' }, { waiting: true });
  await s.close();
  const r = await runCli(['study', 'show', 'again', '--storage', `sqlite:${db}`]);
  assert.equal(r.code, 0, r.err);
  const line = (n: number) => r.out.split('\n').find((l) => l.startsWith(`#${n} `))!;
  assert.match(
    line(0),
    /^#0 +failed .*\{"u":1\} {2}\(interrupted: SIGINT to box:7 \(last heartbeat [^)]+\); enqueued again as #1\)$/,
  );
  assert.match(line(1), /^#1 +waiting .*\{"u":1\} {2}\(rerun of interrupted trial #0: the baseline\)$/);
  assert.match(line(2), /^#2 +waiting .*\{"u":2\} {2}\(enqueued by hand\)$/);
  const j = await runCli(['study', 'show', 'again', '--storage', `sqlite:${db}`, '--json']);
  assert.deepEqual(
    (JSON.parse(j.out).trials as { retried_as: unknown }[]).map((t) => t.retried_as),
    [1, null, null],
  );
});

test('study show tells a running trial whose process stopped beating from one that beats, as the sweep judges it', async () => {
  const db = join(dir, 'silent.db');
  const s = new SqliteStorage(db);
  // a heartbeat every 10 ms: the sweep fails a trial silent for 30 ms
  await s.createStudy('silent', { config: { tune: { heartbeat: 0.01 } } });
  await s.createTrial('silent', { u: 1 }, {}, { owner: { host: 'box', pid: 7, worker: 0 } });
  await s.createStudy('beating', {});
  await s.createTrial('beating', { u: 1 }, {}, { owner: { host: 'box', pid: 7, worker: 0 } });
  await s.close();
  await new Promise((r) => setTimeout(r, 200));
  const show = (study: string) => runCli(['study', 'show', study, '--storage', `sqlite:${db}`]);
  assert.match(
    (await show('silent')).out,
    new RegExp(
      '\\n#0 +running .*\\{"u":1\\} {2}\\(no heartbeat from box:7 for \\d+ s: its process may have stopped, ' +
        "and the study's next tune or worker fails it as stale\\)\\n",
    ),
  );
  assert.match((await show('beating')).out, /\n#0 +running .*\{"u":1\}\n/);
  const j = await runCli(['study', 'ls', '--storage', `sqlite:${db}`, '--json']);
  assert.deepEqual(
    (JSON.parse(j.out) as { name: string; trials: { silent_s: unknown }[] }[]).map((x) => [
      x.name,
      typeof x.trials[0]!.silent_s,
    ]),
    [
      ['silent', 'number'],
      ['beating', 'object'],
    ],
  );
});

test('study ls counts the running trials that stopped beating, as study show judges them', async () => {
  const db = join(dir, 'silent-ls.db');
  const s = new SqliteStorage(db);
  const owner = { host: 'box', pid: 7, worker: 0 };
  // a heartbeat every 10 ms: the sweep fails a trial silent for 30 ms
  await s.createStudy('killed', { config: { tune: { heartbeat: 0.01 } } });
  await s.createTrial('killed', { u: 1 }, {}, { owner });
  await s.finishTrial('killed', 0, 'complete', 0.5);
  await s.createTrial('killed', { u: 2 }, {}, { owner });
  await s.createStudy('beating', {});
  await s.createTrial('beating', { u: 1 }, {}, { owner });
  await s.close();
  await new Promise((r) => setTimeout(r, 200));
  const ls = await runCli(['study', 'ls', '--storage', `sqlite:${db}`]);
  assert.equal(ls.code, 0, ls.err);
  const [killed, beating] = ls.out.split('\n');
  assert.match(killed!, /^killed +2 trials \(1 running, 1 silent for \d+ s\) best 0\.5000$/);
  assert.match(beating!, /^beating +1 trial {2}\(1 running\) +best -$/);
  assert.match(ls.err, /^seqtune study ls: a silent trial has had no heartbeat for longer than its grace: /);
});

test('study ls and the head of study show count the trials that are not complete by state', async () => {
  const db = join(dir, 'states.db');
  const s = new SqliteStorage(db);
  const owner = { host: 'box', pid: 7, worker: 0 };
  await s.createStudy('mixed', {});
  for (const [u, end] of [
    [1, 'complete'],
    [2, 'pruned'],
    [3, 'failed'],
    [4, 'failed'],
  ] as const) {
    await s.createTrial('mixed', { u }, {}, { owner });
    await s.finishTrial('mixed', u - 1, end, end === 'failed' ? null : u / 10, end === 'failed' ? { error: 'x' } : {});
  }
  await s.createTrial('mixed', { u: 5 }, {}, { owner });
  await s.createTrial('mixed', { u: 6 }, {}, { waiting: true });
  await s.createStudy('done', {});
  await s.createTrial('done', { u: 1 }, {}, { owner });
  await s.finishTrial('done', 0, 'complete', 0.5);
  await s.close();
  const ls = await runCli(['study', 'ls', '--storage', `sqlite:${db}`]);
  assert.equal(ls.code, 0, ls.err);
  assert.deepEqual(ls.out.split('\n').slice(0, -1), [
    `${'mixed'.padEnd(30)}    6 trials (1 waiting, 1 running, 1 pruned, 2 failed) best 0.1000`,
    `${'done'.padEnd(30)}    1 trial${' '.repeat(45)}best 0.5000`,
  ]);
  const show = await runCli(['study', 'show', 'mixed', '--storage', `sqlite:${db}`]);
  assert.match(show.out, /^study mixed: 6 trials \(1 waiting, 1 running, 1 pruned, 2 failed\); best #0 0\.1000 /);
  const done = await runCli(['study', 'show', 'done', '--storage', `sqlite:${db}`]);
  assert.match(done.out, /^study done: 1 trial; best #0 0\.5000 /);
});

test("the head of study show says why the study's last run ended, as tune's last lines do", async () => {
  const db = join(dir, 'ended.db');
  const s = new SqliteStorage(db);
  const owner = { host: 'box', pid: 7, worker: 0 };
  for (const name of ['spent', 'grown', 'open']) {
    await s.createStudy(name, {});
    await s.createTrial(name, { u: 1 }, {}, { owner });
    await s.finishTrial(name, 0, 'complete', 0.5);
  }
  await s.setStudyAttr('spent', 'finished', { reason: 'time budget spent', trials: 1 });
  await s.setStudyAttr('grown', 'finished', { reason: 'trial budget spent', trials: 1 });
  await s.createTrial('grown', { u: 2 }, {}, { waiting: true });
  await s.close();
  const head = async (name: string) =>
    (await runCli(['study', 'show', name, '--storage', `sqlite:${db}`])).out.split('\n')[0];
  assert.equal(await head('spent'), 'study spent: 1 trial, time budget spent; best #0 0.5000 {"u":1}');
  assert.equal(
    await head('grown'),
    'study grown: 2 trials (1 waiting), trial budget spent at 1 trial; best #0 0.5000 {"u":1}',
  );
  assert.equal(await head('open'), 'study open: 1 trial; best #0 0.5000 {"u":1}');
  const j = await runCli(['study', 'show', 'spent', '--storage', `sqlite:${db}`, '--json']);
  assert.deepEqual(JSON.parse(j.out).finished, { reason: 'time budget spent', trials: 1 });
});

test('study ls of a storage whose studies were all deleted: nothing on stdout, why on stderr, exit 0', async () => {
  const db = join(dir, 'emptied.db');
  const s = new SqliteStorage(db);
  await s.createStudy('gone', {});
  await s.deleteStudy('gone');
  await s.close();
  const r = await runCli(['study', 'ls', '--storage', `sqlite:${db}`]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, '');
  assert.match(r.err, /^seqtune study ls: no studies in sqlite:\S*emptied\.db\n$/);
  const json = await runCli(['study', 'ls', '--storage', `sqlite:${db}`, '--json']);
  assert.deepEqual([json.out.trim(), json.err], ['[]', '']);
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

/** The rows of study "x" in the columns every schema version has: a complete trial with two reports, a failed one. */
const OLDER_ROWS = `
INSERT INTO studies (id, name, direction, attrs, created) VALUES (1, 'x', 'minimize', '{}', '2025-01-01T00:00:00Z');
INSERT INTO trials (id, study_id, number, state, params, value, attrs, error, started, finished) VALUES
  (1, 1, 0, 'complete', '{"u":4}', 0.25, '{}', NULL, '2025-01-01T00:00:01Z', '2025-01-01T00:00:02Z'),
  (2, 1, 1, 'failed', '{"u":8}', NULL, '{}', 'diverged', '2025-01-01T00:00:03Z', '2025-01-01T00:00:04Z');
INSERT INTO intermediate (trial_id, step, value) VALUES (1, 0, 0.5), (1, 1, 0.25);`;

/** What ls, show and export print of study "x" in an older database: its trials, read in that schema. */
function assertOlderRead(runs: { code: number; out: string; err: string }[], v: number): void {
  assert.deepEqual(
    runs.map((r) => [r.code, r.err]),
    [
      [0, ''],
      [0, ''],
      [0, ''],
    ],
    `version ${v}`,
  );
  assert.match(runs[0]!.out, /^x +2 trials \(1 failed\) best 0\.2500\n$/);
  const trials = JSON.parse(runs[1]!.out).trials as { state: string; owner: unknown; error: unknown }[];
  assert.deepEqual(
    trials.map((t) => [t.state, t.owner, t.error]),
    [
      ['complete', null, null],
      ['failed', null, 'diverged'],
    ],
  );
  assert.match(runs[2]!.out, /^number,state,value,param:u,intermediate,owner,worker,.*\n0,complete,0\.25,4,/);
}

test('study ls, show, export on a SQLite file an older seqtune wrote: read as it is, left byte for byte', async () => {
  for (let v = 1; v < SCHEMA_VERSION; v++) {
    const folder = join(dir, `older-${v}`);
    mkdirSync(folder);
    const f = join(folder, 'seqtune.db');
    const db = new Database(f); // as the seqtune of schema version v made it: its migrations only, WAL
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE seqtune_schema (version INTEGER NOT NULL)');
    db.prepare('INSERT INTO seqtune_schema (version) VALUES (?)').run(v);
    for (const m of SQLITE_MIGRATIONS.filter((m) => m.to <= v)) db.exec(m.sql);
    db.exec(OLDER_ROWS);
    db.close();
    const before = readFileSync(f);
    const runs = [];
    for (const args of readOnly(`sqlite:${f}`)) runs.push(await runCli(args));
    assertOlderRead(runs, v);
    // the dashboard reads it too, as study show does (its pages and its lighter trial reads)
    const d = await startDashboard({ storage: `sqlite:${f}`, runs: folder, port: 0, web: null });
    try {
      const show = (await (await fetch(`${d.url}api/studies/x`)).json()) as { trials: { owner: unknown }[] };
      assert.deepEqual(
        show.trials.map((t) => t.owner),
        [null, null],
        `version ${v}: the dashboard's study`,
      );
      assert.equal((await fetch(`${d.url}api/studies/x/trials/0`)).status, 200);
    } finally {
      await d.close();
    }
    // study ensemble writes a run folder, not the study (these rows have no config: it says so)
    const ens = await runCli(['study', 'ensemble', 'x', '--storage', `sqlite:${f}`, '--out', join(dir, `ens-${v}`)]);
    assert.equal(ens.code, 2, ens.err);
    assert.match(ens.err, /does not record its config/);
    assert.ok(readFileSync(f).equals(before), `version ${v}: the file is unchanged`);
    assert.deepEqual(readdirSync(folder), ['seqtune.db'], 'no -wal or -shm left beside it');
    // a command that writes (tune, worker) migrates it, as before
    await new SqliteStorage(f).close();
    const after = new Database(f, { readonly: true });
    assert.equal(after.prepare('SELECT version FROM seqtune_schema').pluck().get(), SCHEMA_VERSION);
    after.close();
  }
});

test('study ls, show, export on a PostgreSQL database an older seqtune wrote: read as it is, not migrated', {
  skip: pgSkip,
}, async () => {
  for (let v = 1; v < SCHEMA_VERSION; v++) {
    const url = await freshPgUrl();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('CREATE TABLE seqtune_schema (version INTEGER NOT NULL)');
    await c.query('INSERT INTO seqtune_schema (version) VALUES ($1)', [v]);
    for (const m of PG_MIGRATIONS.filter((m) => m.to <= v)) await c.query(m.sql);
    await c.query(OLDER_ROWS);
    const runs = [];
    for (const args of readOnly(url)) runs.push(await runCli(args));
    assertOlderRead(runs, v);
    const version = await c.query('SELECT version FROM seqtune_schema');
    const token = await c.query("SELECT 1 FROM information_schema.columns WHERE column_name = 'token'");
    await c.end();
    assert.deepEqual([version.rows, token.rows], [[{ version: v }], []], `version ${v}: not migrated`);
  }
});

test('tune on PostgreSQL never prints the password: the live line, the summary, show and the refusal to run again', {
  skip: pgSkip,
}, async () => {
  const url = await freshPgUrl();
  const password = new URL(url).password;
  assert.ok(password, 'the test server has a password');
  writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 200, seed: 4 }));
  const f = studyConfig(
    dir,
    'secret',
    '  strategy: grid\n  trials: 1\n  jobs: 1\n  space:\n    train.batch_size: [16]\n',
    1,
  );
  const runs = [
    await runCli(['tune', f, '--storage', url, '--out', join(dir, 'runs-secret')]),
    await runCli(['tune', f, '--storage', url]),
    await runCli(['study', 'show', 'nope', '--storage', url]),
  ];
  assert.deepEqual(
    runs.map((r) => r.code),
    [0, 2, 2],
  );
  assert.match(runs[0]!.out, /watch it live in the browser: seqtune dashboard --storage postgres:\/\/postgres@/);
  assert.match(runs[1]!.err, /study "secret" is finished \(trial budget spent\) in postgres:\/\/postgres@/);
  for (const r of runs) assert.ok(!`${r.out}${r.err}`.includes(password), `${r.out}${r.err}`);
});

test('a storage URL of another kind is refused in one line, not taken for a file name', async () => {
  for (const [given, shown] of [
    ['mysql://u:pw@db/x', 'mysql://u@db/x'],
    ['postgres:/one-slash', 'postgres:/one-slash'],
  ]) {
    const r = await runCli(['study', 'ls', '--storage', given!]);
    assert.deepEqual(
      [r.code, r.err],
      [
        2,
        'seqtune: --storage: expected sqlite:FILE, postgres://USER:PASSWORD@HOST:PORT/DB or memory:, ' +
          `received "${shown}"\n`,
      ],
    );
  }
});

test("study show's trial lines keep their columns when some trials have a spread over repeats", async () => {
  const { trialLine } = await import('../../src/cli/commands/study-report.js');
  const row = (number: number, repeats: number[] | null, spread: number | null) => ({
    number,
    state: 'complete' as const,
    value: 0.5,
    params: { a: number },
    epochs: 12,
    repeats,
    spread,
    diagnosis: 'overfitting',
    why: null,
    stopped: null,
    pruned: null,
    retried_as: null,
    silent_s: null,
    owner: null,
    started: null,
    finished: null,
    error: null,
  });
  const a = trialLine(row(1, [0.4, 0.6], 0.1), true),
    b = trialLine(row(2, null, null), true);
  assert.match(a, /0\.500000 \+-0\.10 /);
  assert.equal(a.indexOf('12 ep'), b.indexOf('12 ep'), `${a}\n${b}`);
  assert.equal(a.indexOf('{'), b.indexOf('{'));
  const plain = trialLine(row(2, null, null));
  assert.equal(plain.indexOf('12 ep'), b.indexOf('12 ep') - 10, 'no empty column in a study without repeats');
});
