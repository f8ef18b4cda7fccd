// The line a study says once a minute of silence while its trials run where no live line shows their epochs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FrozenTrial, MemoryStorage, StudyRemade } from '../../src/storage/index.js';
import { lookRunning, QuietLine, runningLine } from '../../src/tune/quiet.js';

const trial = (number: number, state: string, intermediate: number[], started: string): FrozenTrial =>
  ({ number, state, intermediate, started, params: {}, attrs: {}, value: null, error: null, finished: null }) as never;

test("the running line names this process's running trials, their epochs so far and last value, and their minutes", () => {
  const now = Date.parse('2026-12-07T12:10:00Z');
  const trials = [
    trial(0, 'complete', [0.5, 0.4], '2026-12-07T12:00:00Z'),
    trial(3, 'running', [0.02, 0.012345], '2026-12-07T12:05:48Z'),
    trial(4, 'running', [], '2026-12-07T12:09:30Z'),
    trial(5, 'running', [0.1], '2026-12-07T12:09:00Z'), // another process's
  ];
  assert.equal(
    runningLine(trials, new Set([3, 4]), 'val_loss', now),
    'running: trial 3 epoch 2 val_loss 0.01235 (4.2 min); trial 4 no epoch yet (0.5 min)',
  );
  assert.equal(runningLine(trials, new Set([0]), 'val_loss', now), null, 'none of them running');
});

test('the quiet line comes after a whole interval of silence, and a line said through wrap puts it off', async () => {
  let clock = 0;
  const said: string[] = [];
  let looks = 0;
  const q = new QuietLine(
    (l) => said.push(l),
    async () => `running: look ${++looks}`,
    60_000,
    () => clock,
  );
  const log = q.wrap((l) => said.push(l));
  const at = async (t: number) => {
    clock = t;
    await q.tick();
  };
  await at(59_999);
  assert.deepEqual(said, [], 'not before a minute');
  await at(60_000);
  assert.deepEqual(said, ['running: look 1']);
  await at(100_000);
  log('trial 3 finished'); // said at 100 s: the next quiet line at 160 s, not 120 s
  await at(159_000);
  assert.deepEqual(said, ['running: look 1', 'trial 3 finished']);
  await at(160_000);
  assert.deepEqual(said, ['running: look 1', 'trial 3 finished', 'running: look 2']);
});

test('a look with nothing to say (no trial running) or that fails says nothing, and waits a whole interval again', async () => {
  let clock = 0;
  const said: string[] = [];
  const answers: (() => Promise<string | null>)[] = [
    async () => null,
    async () => {
      throw new Error('database is locked');
    },
    async () => 'running: trial 1 no epoch yet (3.0 min)',
  ];
  let looks = 0;
  const q = new QuietLine(
    (l) => said.push(l),
    () => answers[looks++]!(),
    60_000,
    () => clock,
  );
  for (const t of [60_000, 90_000, 120_000, 170_000, 180_000]) {
    clock = t;
    await q.tick();
  }
  assert.equal(looks, 3, 'at 60 s, 120 s and 180 s');
  assert.deepEqual(said, ['running: trial 1 no epoch yet (3.0 min)']);
});

test("the quiet line of a study deleted and made again under its name says nothing of the new study's trials", async () => {
  const s = new MemoryStorage();
  const old = await s.createStudy('q', {});
  await s.createTrial('q', { x: 1 }, {}, { owner: { host: 'h', pid: 1, worker: 0 } });
  const look = lookRunning(s, 'q', { created: old.created }, () => new Set([0]), 'val_loss');
  assert.match((await look())!, /^running: trial 0 no epoch yet/);
  await s.deleteStudy('q');
  await new Promise((r) => setTimeout(r, 5)); // another creation time (milliseconds)
  await s.createStudy('q', {});
  await s.createTrial('q', { x: 2 }, {}, { owner: { host: 'h', pid: 2, worker: 0 } });
  for (const [i, v] of [0.5, 0.25, 0.125].entries()) await s.report('q', 0, i, v);
  // this process's trial #0 is gone with its study: the new study's #0 is another process's
  await assert.rejects(look(), StudyRemade);
  const said: string[] = [];
  let clock = 0;
  const q = new QuietLine(
    (l) => said.push(l),
    look,
    60_000,
    () => clock,
  );
  clock = 60_000;
  await q.tick();
  assert.deepEqual(said, [], 'not "running: trial 0 epoch 3 val_loss 0.1250"');
});
