// The auto strategy shared by processes: auto is stateless (its plan is replayed from the trials in storage), so a
// `seqtune worker` that joins an auto study proposes from the same plan; the values of one sweep go to whichever
// process is free, each value once (created unique, as grid and OFAT), and the next decision waits for the sweep.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { syntheticCsv } from '../../src/data/index.js';
import { SqliteStorage } from '../../src/storage/index.js';
import { worker } from '../helpers/shared-study.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-shared-auto-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 4 }));
const cli = join(import.meta.dirname, '..', 'helpers', 'cli.ts');

test('2 seqtune worker on one auto study: one baseline, every trial from the plan, no configuration twice', async () => {
  const db = join(dir, 'auto.db');
  const url = `sqlite:${db}`;
  const f = studyConfig(
    dir,
    'shared-auto',
    `  strategy: auto\n  trials: 8\n  jobs: 1\n  heartbeat: 1s\n  storage: ${url}\n`,
    12,
  );
  const made = spawnSync(process.execPath, ['--import', 'tsx', cli, 'study', 'create', f], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const procs = [worker(url, 'shared-auto'), worker(url, 'shared-auto')];
  const ends = await Promise.all(procs.map((p) => p.done));
  for (const e of ends) assert.equal(e.code, 0, e.err);
  const s = new SqliteStorage(db);
  const trials = await s.getTrials('shared-auto');
  await s.close();
  const show = trials.map((t) => `#${t.number} ${t.state} ${t.owner} ${JSON.stringify(t.params)} ${t.attrs.why}`);
  assert.ok(trials.length >= 4, show.join('\n'));
  assert.ok(trials.length <= 8, show.join('\n'));
  assert.ok(
    trials.every((t) => t.state === 'complete'),
    show.join('\n'),
  );
  assert.equal(trials.filter((t) => Object.keys(t.params).length === 0).length, 1, 'one baseline, not one each');
  assert.match(String(trials[0]!.attrs.why), /^baseline/);
  assert.ok(
    trials.slice(1).every((t) => /sweeping|started while|repeat|refin/.test(String(t.attrs.why))),
    `every later trial is a step of the plan:\n${show.join('\n')}`,
  );
  assert.equal(new Set(trials.map((t) => JSON.stringify(t.params))).size, trials.length, 'no configuration twice');
  const pids = procs.map((p) => p.child.pid);
  assert.ok(
    trials.every((t) => pids.includes(Number(t.owner!.split(':').at(-1)))),
    'the workers ran them',
  );
});
