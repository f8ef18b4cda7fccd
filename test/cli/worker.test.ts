// seqtune worker: joins a stored study from its stored config (the config file may be gone, the data elsewhere under
// --data-root) and runs trials until the study's budget is spent; an unknown study or unreadable data: exit 2, one
// line, the study untouched.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { syntheticCsv } from '../../src/data/index.js';
import { SqliteStorage } from '../../src/storage/index.js';
import { runCli } from '../helpers/run-cli.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-worker-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('seqtune worker joins a stored study with its data under --data-root and runs it to its trial budget', async () => {
  const csv = syntheticCsv({ length: 240, seed: 8 });
  writeFileSync(join(dir, 'series.csv'), csv);
  const db = join(dir, 'w.db');
  const f = studyConfig(
    dir,
    'joined',
    `  strategy: grid\n  trials: 4\n  jobs: 1\n  storage: sqlite:${db}\n` +
      '  space:\n    model.layers[0].gru.units: [2, 3, 4, 5]\n',
    2,
  );
  const first = await runCli(['tune', f, '--trials', '2', '--out', join(dir, 'best')]);
  assert.equal(first.code, 0, first.err);
  // The worker's machine: no config file, the data in another folder.
  rmSync(f);
  rmSync(join(dir, 'series.csv'));
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(elsewhere);
  const url = `sqlite:${db}`;
  const lost = await runCli(['worker', '--storage', url, '--study', 'joined']);
  assert.equal(lost.code, 2);
  assert.match(
    lost.err,
    new RegExp(
      '^seqtune: .*series\\.csv: cannot read the data of study "joined" .*' +
        'give --data-root DIR, the folder "[^"]*series\\.csv" is read from on this machine\n$',
    ),
  );
  const s = new SqliteStorage(db);
  assert.equal((await s.getTrials('joined')).length, 2, 'a worker that cannot read the data touches nothing');
  await s.close();
  writeFileSync(join(elsewhere, 'series.csv'), csv);
  // --threads as tune takes it (this machine's cores are not those of the machine that created the study)
  const w = await runCli(['worker', '--storage', url, '--study', 'joined', '--data-root', elsewhere, '--threads', '3']);
  assert.equal(w.code, 0, w.err);
  assert.match(
    w.out,
    // how many of them it trained ("4 trials in storage" said not)
    /worker: study joined: (trial budget spent|search space exhausted); this worker trained 2 of the study's 4 trials;/,
  );
  const s2 = new SqliteStorage(db);
  const trials = await s2.getTrials('joined');
  const best = (await s2.getStudy('joined'))!.attrs.best_run_dir as string;
  await s2.close();
  assert.deepEqual(
    trials.map((t) => [t.state, t.params['model.layers[0].gru.units']]),
    [
      ['complete', 2],
      ['complete', 3],
      ['complete', 4],
      ['complete', 5],
    ],
  );
  // The worker keeps its trials' models as tune does (runs/<study> under --data-root here) and, having finished the
  // last trial, does the end step: the best run folder.
  for (const t of trials.slice(2)) {
    assert.ok(String(t.attrs.run_dir).startsWith(join(elsewhere, 'runs', 'joined')), String(t.attrs.run_dir));
    assert.ok(existsSync(join(String(t.attrs.run_dir), 'model')));
    assert.match(readFileSync(join(String(t.attrs.run_dir), 'config.yaml'), 'utf8'), /\n {2}threads: 3\n/);
  }
  assert.ok(existsSync(join(best, 'metrics.json')), best);
  // a worker that joins the finished study trains nothing and says so, why, and what runs more (it said "trial budget
  // spent; 4 trials in storage" as if it had run them)
  const late = await runCli(['worker', '--storage', url, '--study', 'joined', '--data-root', elsewhere]);
  assert.equal(late.code, 0, late.err);
  assert.match(
    late.out,
    /^worker: study joined is already finished \((trial budget spent|search space exhausted); 4 trials, best #\d /,
  );
  // the best's value named by the objective, as tune names it ("best #2 0.0123" said not which value)
  assert.match(late.out, /; 4 trials, best #\d val_loss \d/);
  assert.match(late.out, /: this worker trained nothing; to run more: .*seqtune study enqueue joined --params JSON\n$/);
  const s3 = new SqliteStorage(db);
  assert.equal((await s3.getTrials('joined')).length, 4);
  await s3.close();
  const none = await runCli(['worker', '--storage', url, '--study', 'nope']);
  assert.equal(none.code, 2);
  assert.match(
    none.err,
    /^seqtune: no study named "nope" in sqlite:.*w\.db \(create it with seqtune study create or tune\)\n$/,
  );
});

test('seqtune study create makes the study and runs nothing; a second create refuses in one line; workers run it', async () => {
  writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 9 }));
  const db = join(dir, 'c.db');
  const f = studyConfig(
    dir,
    'created',
    `  strategy: grid\n  trials: 3\n  jobs: 1\n  storage: sqlite:${db}\n  space:\n    train.batch_size: [16, 32, 64]\n`,
    2,
  );
  const made = await runCli(['study', 'create', f]);
  assert.equal(made.code, 0, made.err);
  assert.match(made.out, /study created created in sqlite:.*c\.db\nstart workers with: seqtune worker --storage/);
  const s = new SqliteStorage(db);
  assert.equal((await s.getTrials('created')).length, 0);
  await s.close();
  const again = await runCli(['study', 'create', f]);
  assert.equal(again.code, 2);
  // study create has no --resume: the line names the commands that go on with the study instead
  assert.match(again.err, /^seqtune: study "created" already exists in sqlite:.*c\.db; run its trials with /);
  assert.ok(
    again.err.endsWith(
      'run its trials with seqtune worker or seqtune tune --resume, delete it with seqtune study delete, ' +
        'or rename the config (name:)\n',
    ),
    again.err,
  );
  const w = await runCli(['worker', '--storage', `sqlite:${db}`, '--study', 'created', '--jobs', '2']);
  assert.equal(w.code, 0, w.err);
  const s2 = new SqliteStorage(db);
  const t = await s2.getTrials('created');
  await s2.close();
  assert.deepEqual(
    t.map((x) => x.state),
    ['complete', 'complete', 'complete'],
  );
  assert.deepEqual(new Set(t.map((x) => x.worker)), new Set([0, 1]), 'two worker threads ran trials');
});

test('seqtune study enqueue: checked against the stored config; the waiting trial runs first, then the grid', async () => {
  writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 9 }));
  const db = join(dir, 'q.db');
  const url = `sqlite:${db}`;
  const f = studyConfig(
    dir,
    'queued',
    `  strategy: grid\n  trials: 3\n  jobs: 1\n  storage: ${url}\n  space:\n    train.batch_size: [16, 32]\n`,
    2,
  );
  assert.equal((await runCli(['study', 'create', f])).code, 0);
  const bad = await runCli(['study', 'enqueue', 'queued', '--storage', url, '--params', '{"train.batch_size": 0}']);
  assert.equal(bad.code, 2);
  assert.match(
    bad.err,
    /^seqtune: --params: tune\.space\.train\.batch_size: the value 0 gives an invalid config .*\n$/,
  );
  const notJson = await runCli(['study', 'enqueue', 'queued', '--storage', url, '--params', '[8]']);
  assert.deepEqual(
    [notJson.code, notJson.err],
    [2, 'seqtune: --params: expected a JSON object of config paths to values, received [8]\n'],
  );
  const s = new SqliteStorage(db);
  assert.equal((await s.getTrials('queued')).length, 0, 'a refused enqueue adds nothing');
  await s.close();
  const ok = await runCli(['study', 'enqueue', 'queued', '--storage', url, '--params', '{"train.batch_size": 8}']);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^trial 0 of study queued waits for a worker: \{"train.batch_size":8\}\n$/);
  const w = await runCli(['worker', '--storage', url, '--study', 'queued']);
  assert.equal(w.code, 0, w.err);
  const s2 = new SqliteStorage(db);
  const t = await s2.getTrials('queued');
  await s2.close();
  assert.deepEqual(
    t.map((x) => [x.number, x.state, x.params['train.batch_size'], x.attrs.why ?? null]),
    [
      [0, 'complete', 8, 'enqueued by hand'],
      [1, 'complete', 16, null],
      [2, 'complete', 32, null],
    ],
  );
  // The study is finished (its trial budget spent); a trial enqueued now still runs (it waited forever)
  const late = await runCli(['study', 'enqueue', 'queued', '--storage', url, '--params', '{"train.batch_size": 64}']);
  assert.equal(late.code, 0, late.err);
  assert.equal((await runCli(['worker', '--storage', url, '--study', 'queued'])).code, 0);
  const s3 = new SqliteStorage(db);
  const all = await s3.getTrials('queued');
  await s3.close();
  assert.deepEqual(
    all.slice(3).map((x) => [x.state, x.params['train.batch_size']]),
    [['complete', 64]],
  );
});

test('a worker that joins while other processes run the last trials says it trained none: they took them', async () => {
  writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 9 }));
  const db = join(dir, 'late.db');
  const f = studyConfig(
    dir,
    'late',
    `  strategy: grid\n  trials: 2\n  jobs: 1\n  storage: sqlite:${db}\n  space:\n    train.batch_size: [16, 32]\n`,
    2,
  );
  assert.equal((await runCli(['study', 'create', f])).code, 0);
  // another machine's process runs both trials of the budget (stale only after an hour, however slow this machine)
  const other = new SqliteStorage(db);
  const owner = { host: 'far', pid: 7, worker: 0, staleAfterS: 3600 };
  for (const b of [16, 32]) await other.createTrial('late', { 'train.batch_size': b }, {}, { owner });
  const done = setTimeout(() => {
    void (async () => {
      for (const n of [0, 1]) await other.finishTrial('late', n, 'complete', 0.5 - n / 10);
    })();
  }, 1500);
  const w = await runCli(['worker', '--storage', `sqlite:${db}`, '--study', 'late']);
  clearTimeout(done);
  await other.close();
  assert.equal(w.code, 0, w.err);
  // it said "trial budget spent; 2 trials in storage", as if it had spent it
  assert.match(
    w.out,
    /\nworker: study late: trial budget spent; this worker trained none of the study's 2 trials: other processes took/,
  );
});
