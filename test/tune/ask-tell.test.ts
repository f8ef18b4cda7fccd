import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AshaPruner, createStudy, type MedianPruner } from '../../src/index.js';
import { SqliteStorage, StudyRemade } from '../../src/storage/index.js';

test('ask/tell: the caller trains, the study proposes, records, prunes and finds the best', async () => {
  const study = await createStudy({
    name: 'quad',
    space: { x: { uniform: [-5, 5] } },
    sampler: 'tpe',
    pruner: new AshaPruner(1, 3, 9),
    seed: 3,
  });
  for (let i = 0; i < 30; i++) {
    const t = (await study.ask())!;
    const x = t.params.x as number;
    let pruned = false,
      v = Infinity;
    for (let step = 0; step < 3 && !pruned; step++) {
      v = (x - 1.5) ** 2 + 1 / (step + 1);
      pruned = await study.report(t, step, v);
    }
    await study.tell(t, v, pruned ? 'pruned' : 'complete');
  }
  const trials = await study.trials();
  assert.equal(trials.length, 30);
  assert.ok(trials.some((t) => t.state === 'pruned'));
  const best = (await study.best())!;
  assert.ok(Math.abs((best.params.x as number) - 1.5) < 0.5, `best x ${best.params.x}`);
  await study.close();
});

test('ask/tell: an enqueued trial is waiting until the next ask takes it, before anything the sampler proposes', async () => {
  const study = await createStudy({ name: 'enq', space: { x: [1, 2, 3] }, sampler: 'random', seed: 1 });
  const queued = await study.enqueue({ x: 3 });
  assert.deepEqual([queued.state, queued.owner], ['waiting', null]);
  const first = (await study.ask())!;
  assert.deepEqual([first.number, first.state, first.params, first.attrs.why], [0, 'running', { x: 3 }, 'enqueued']);
  assert.match(first.owner!, new RegExp(`:${process.pid}$`));
  await study.tell(first, 1);
  const second = (await study.ask())!;
  assert.equal(second.number, 1, 'then the sampler proposes');
  assert.notDeepEqual(second.params, { x: 3 }, 'and not what was enqueued and done already');
  await study.close();
});

test('tell with a value that is not finite fails the trial, naming the value (as Optuna does)', async () => {
  const study = await createStudy({ name: 'nan-told', storage: 'memory:', space: { x: { uniform: [0, 1] } } });
  const t = (await study.ask())!;
  const done = await study.tell(t, Number.NaN);
  assert.deepEqual([done.state, done.value, done.error], ['failed', null, 'the objective was NaN']);
  const u = (await study.ask())!;
  assert.equal((await study.tell(u, 0.5)).state, 'complete');
  assert.equal((await study.best())!.number, u.number);
  await study.close();
});

test("ask/tell on SQLite reads a finished trial as one object (TPE's coordinates by params are found again)", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-ask-tell-'));
  const study = await createStudy({
    name: 'shared',
    storage: `sqlite:${join(dir, 'study.db')}`,
    space: { x: { uniform: [-5, 5] } },
    sampler: 'tpe',
  });
  try {
    for (let i = 0; i < 3; i++) {
      const t = (await study.ask())!;
      await study.tell(t, (t.params.x as number) ** 2);
    }
    const [a, b] = [await study.trials(), await study.trials()];
    assert.equal(a.length, 3);
    for (const [i, t] of a.entries()) assert.equal(b[i], t, `trial ${t.number} is the same object at both reads`);
  } finally {
    await study.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ask/tell: asks at once draw distinct parameters (they read the same trials and each made a trial of one draw)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-ask-tell-'));
  const file = `sqlite:${join(dir, 'study.db')}`;
  const space = { x: { uniform: [-5, 5] }, u: [1, 2] };
  const [one, two] = [
    await createStudy({ name: 'at-once', storage: file, space, sampler: 'tpe' }),
    await createStudy({ name: 'at-once', storage: file, space, sampler: 'tpe' }),
  ];
  try {
    const asked = await Promise.all([one.ask(), two.ask(), one.ask(), two.ask()]);
    const params = asked.map((t) => JSON.stringify(t!.params));
    assert.equal(new Set(params).size, 4, params.join('\n'));
    assert.deepEqual(asked.map((t) => t!.number).sort(), [0, 1, 2, 3]);
  } finally {
    await one.close();
    await two.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ask/tell: a sampler or pruner that is none is refused by createStudy, naming it, before storage is made', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-asktell-'));
  try {
    const storage = `sqlite:${join(dir, 's.db')}`;
    const space = { x: [1, 2] };
    const sampler = 'tpee' as unknown as 'tpe';
    await assert.rejects(createStudy({ name: 's', space, storage, sampler }), (e: Error) => {
      const said = 'createStudy: sampler: expected "random", "tpe" or a Sampler such as new GridSampler(), ';
      return e.name === 'ValueError' && e.message === `${said}received "tpee" (did you mean "tpe"?)`;
    });
    const pruner = 'median' as unknown as MedianPruner;
    await assert.rejects(
      createStudy({ name: 's', space, storage, pruner }),
      /^ValueError: createStudy: pruner: expected a Pruner such as new MedianPruner\(\), received "median"$/,
    );
    await assert.rejects(
      createStudy({ name: ' ', space, storage }),
      /^ValueError: createStudy: name: expected a non-empty string, received " "$/,
    );
    assert.deepEqual(readdirSync(dir), [], 'no study file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ask/tell: a closed study refuses its methods, naming the study (SQLite threw a TypeError of its own)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-asktell-'));
  try {
    const storage = `sqlite:${join(dir, 's.db')}`;
    const study = await createStudy({ name: 'shut', space: { x: [1, 2] }, storage });
    const t = (await study.ask())!;
    await study.close();
    await study.close();
    const refused = (what: string) => ({
      name: 'ValueError',
      message: `study shut: ${what} after close(); open it again with createStudy`,
    });
    await assert.rejects(study.ask(), refused('ask'));
    await assert.rejects(study.report(t, 0, 1), refused('report'));
    await assert.rejects(study.tell(t, 1), refused('tell'));
    await assert.rejects(study.enqueue({ x: 2 }), refused('enqueue'));
    await assert.rejects(study.trials(), refused('trials'));
    await assert.rejects(study.best(), refused('trials'));
    const again = await createStudy({ name: 'shut', space: { x: [1, 2] }, storage });
    assert.equal((await again.trials()).length, 1);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("ask/tell: createStudy's storage errors name its own options, not the CLI's --storage and --resume", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-asktell-'));
  try {
    const space = { x: [1, 2] };
    await assert.rejects(createStudy({ name: 's', space, storage: 'mysql://u:secret@h/db' }), {
      name: 'StorageError',
      message:
        'createStudy: storage: expected sqlite:FILE, postgres://USER:PASSWORD@HOST:PORT/DB or memory:, ' +
        'received "mysql://u@h/db"',
    });
    const storage = `sqlite:${join(dir, 's.db')}`;
    await (await createStudy({ name: 'taken', space, storage })).close();
    await assert.rejects(createStudy({ name: 'taken', space, storage, loadIfExists: false }), {
      name: 'StorageError',
      message:
        `createStudy: a study named "taken" already exists in ${storage}; ` +
        'loadIfExists: true (the default) continues it',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ask/tell: a study deleted and made again under its name is refused to a handle of the deleted one, its trials untouched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-asktell-'));
  const file = join(dir, 's.db');
  const study = await createStudy({ name: 'again', storage: `sqlite:${file}`, space: { x: [1, 2, 3] }, seed: 1 });
  const other = new SqliteStorage(file); // another process: study delete --force, and a new study under the name
  try {
    const mine = (await study.ask())!;
    await study.enqueue({ x: 3 });
    await other.deleteStudy('again');
    await new Promise((res) => setTimeout(res, 5)); // another creation time (milliseconds)
    await other.createStudy('again', {});
    await other.createTrial('again', { x: 9 }, {}, { owner: { host: 'elsewhere', pid: 1, worker: 0 } });
    await other.createTrial('again', { x: 8 }, {}, { waiting: true });
    const refused = /^StudyRemade: study "again" in .* was deleted and made again under its name/;
    await assert.rejects(study.report(mine, 0, 0.5), refused, 'report');
    await assert.rejects(study.tell(mine, 0.5), refused, 'tell');
    await assert.rejects(study.tell(mine, Number.NaN), refused, 'tell of a value not finite');
    await assert.rejects(study.ask(), refused, 'ask');
    await assert.rejects(study.enqueue({ x: 2 }), refused, 'enqueue');
    await assert.rejects(study.trials(), StudyRemade, 'trials');
    await assert.rejects(study.best(), StudyRemade, 'best');
    assert.deepEqual(
      (await other.getTrials('again')).map((t) => [t.number, t.state, t.params, t.intermediate, t.owner]),
      [
        [0, 'running', { x: 9 }, [], 'elsewhere:1'],
        [1, 'waiting', { x: 8 }, [], null],
      ],
      'the new study as its own process left it: its #0 not reported or told, its waiting #1 not taken, nothing added',
    );
  } finally {
    await study.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
