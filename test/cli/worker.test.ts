// seqtune worker: joins a stored study from its stored config (the config file may be gone, the data elsewhere under
// --data-root) and runs trials until the study's budget is spent; an unknown study or unreadable data: exit 2, one
// line, the study untouched.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  assert.match(lost.err, /^seqtune: .*series\.csv: cannot read the data of study "joined" .*give --data-root DIR.*\n$/);
  const s = new SqliteStorage(db);
  assert.equal((await s.getTrials('joined')).length, 2, 'a worker that cannot read the data touches nothing');
  await s.close();
  writeFileSync(join(elsewhere, 'series.csv'), csv);
  const w = await runCli(['worker', '--storage', url, '--study', 'joined', '--data-root', elsewhere]);
  assert.equal(w.code, 0, w.err);
  assert.match(w.out, /worker: study joined: (trial budget spent|search space exhausted); 4 trials in storage/);
  const s2 = new SqliteStorage(db);
  const trials = await s2.getTrials('joined');
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
  assert.match(again.err, /^seqtune: study "created" already exists in sqlite:.*c\.db; add --resume .*\n$/);
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
