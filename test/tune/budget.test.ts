// Budgets are wall-clock promises (issue 20, item 2): the best trial's model is kept from its trial, a running
// trial stops at the time budget and keeps what it has, and --resume of a finished study trains nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, resolveConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { evaluateRun } from '../../src/run/index.js';
import { freezeTrial, MemoryStorage, openStorage } from '../../src/storage/index.js';
import { runStudy } from '../../src/tune/index.js';
import { runTrial, type TrialEnv } from '../../src/tune/trial.js';
import { runCli } from '../helpers/run-cli.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-budget-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 400, seed: 7 }));

test('the best trial keeps the model it was scored on: no retraining, the study points at its run folder', async () => {
  const f = studyConfig(
    dir,
    'kept',
    `  strategy: grid\n  jobs: 1\n  trials: 2\n  storage: sqlite:${join(dir, 'kept.db')}\n` +
      '  space:\n    model.layers[0].gru.units: [3, 5]\n',
    6,
  );
  const lines: string[] = [];
  const r = await runStudy(await loadConfig(f), { log: (l) => lines.push(l) });
  const best = r.best!;
  assert.equal(r.bestRun?.dir, best.attrs.run_dir, 'the result points at the trial run folder');
  assert.equal(r.bestRun?.dir, join(dir, 'runs', 'kept', `trial-${best.number}`));
  assert.deepEqual(readdirSync(join(dir, 'runs', 'kept')).sort(), ['trial-0', 'trial-1'], 'no other run folder');
  assert.doesNotMatch(lines.join('\n'), /retrain/);
  for (const name of ['study-history.svg', 'study-history.png', 'model', 'metrics.json', 'forecast.png'])
    assert.ok(existsSync(join(r.bestRun!.dir, name)), name);
  // The saved weights are the best epoch's: their validation MSE is the trial's objective.
  const again = await evaluateRun(r.bestRun!.dir);
  const mse = again.val.scaled.model!.mse;
  assert.ok(Math.abs(mse - best.value!) <= 1e-4 * best.value!, `val MSE ${mse} vs objective ${best.value}`);
});

test('a running trial past the time budget stops at the next epoch end and keeps what it has', async () => {
  const f = studyConfig(dir, 'late', '  strategy: grid\n  space:\n    model.layers[0].gru.units: [3]\n', 50);
  const loaded = await loadConfig(f);
  const base = resolveConfig(loaded.raw, loaded.name);
  const storage = new MemoryStorage();
  await storage.createStudy('late', {});
  const env: TrialEnv = {
    loaded,
    base,
    storage,
    study: 'late',
    repeats: 1,
    objective: 'val_loss',
    dataCache: new Map(),
    runs: join(dir, 'late-runs'),
    deadline: Date.now() - 1,
  };
  const done = await runTrial(env, await storage.createTrial('late', {}));
  assert.equal(done.state, 'complete');
  assert.equal(done.intermediate.length, 1);
  assert.equal(done.attrs.stopped, 'time budget spent: stopped at epoch 1 of 50');
  assert.equal(done.value, done.intermediate[0]);
  const metrics = JSON.parse(readFileSync(join(done.attrs.run_dir as string, 'metrics.json'), 'utf8'));
  assert.equal(metrics.epochs_run, 1, 'the trial kept the model it had');
});

test('a study with a time budget stops its running trial at it instead of running it to the end', async () => {
  const f = studyConfig(
    dir,
    'budget',
    `  strategy: grid\n  jobs: 1\n  time_budget: 3s\n  storage: sqlite:${join(dir, 'budget.db')}\n` +
      '  space:\n    model.layers[0].gru.units: [3, 4]\n',
    5000,
  );
  const lines: string[] = [];
  const r = await runStudy(await loadConfig(f), { log: (l) => lines.push(l) });
  assert.equal(r.stopReason, 'time budget spent');
  assert.match(lines.join('\n'), /^trial 0 complete .* \(time budget spent: stopped at epoch \d+ of 5000\)/m);
  assert.equal(r.trials.length, 1, 'the first trial took the whole budget');
  for (const t of r.trials) {
    assert.equal(t.state, 'complete');
    assert.ok(t.intermediate.length < 5000, String(t.intermediate.length));
    assert.match(t.attrs.stopped as string, /^time budget spent: stopped at epoch \d+ of 5000$/);
  }
});

test('--resume of a finished study says it is finished, in one line, and trains nothing', async () => {
  const db = join(dir, 'done.db');
  const f = studyConfig(
    dir,
    'done',
    `  strategy: grid\n  jobs: 1\n  trials: 2\n  storage: sqlite:${db}\n` +
      '  space:\n    model.layers[0].gru.units: [3, 4, 5]\n',
    2,
  );
  assert.equal((await runCli(['tune', f])).code, 0);
  const folders = readdirSync(join(dir, 'runs', 'done'));
  const again = await runCli(['tune', f, '--resume']);
  assert.equal(again.code, 0, again.err);
  assert.equal(again.out.trim().split('\n').length, 1, again.out);
  assert.match(
    again.out,
    /^study done is already finished: 2 trials, trial budget spent; best #\d val_loss [\d.]+ in .*trial-\d; /,
  );
  assert.deepEqual(readdirSync(join(dir, 'runs', 'done')), folders, 'no new run folder');
  const more = await runCli(['tune', f, '--resume', '--trials', '3']);
  assert.equal(more.code, 0, more.err);
  assert.match(more.out, /study done: 3 trials/, 'a larger trial budget goes on');
  // the three values are all run: the space is exhausted, and a time budget asks it again (auto's plan may have more)
  const all = await runCli(['tune', f, '--resume', '--trials', '5']);
  assert.match(all.out, /^study done: 3 trials, search space exhausted$/m, all.out);
  assert.match((await runCli(['tune', f, '--resume'])).out, /already finished: 3 trials, search space exhausted;/);
  const asked = await runCli(['tune', f, '--resume', '--time-budget', '1m']);
  assert.match(asked.out, /^study done: 3 trials, trial budget spent$/m, asked.out); // it ran (the config's 2)
});

test('--resume of a study whose end step was cut short does the end step, and trains nothing', async () => {
  // a second Ctrl-C during a demo study's end step: the study was finished, the end's choices cleared and not made
  // again, and --resume said "already finished ... nothing to resume" with the lowest value and another trial's folder
  const db = join(dir, 'cut.db');
  const f = studyConfig(
    dir,
    'cut',
    `  strategy: grid\n  jobs: 1\n  trials: 2\n  storage: sqlite:${db}\n` +
      '  space:\n    model.layers[0].gru.units: [3, 4, 5]\n',
    2,
  );
  assert.equal((await runCli(['tune', f])).code, 0);
  const cut = async (reason: string) => {
    const storage = openStorage(`sqlite:${db}`);
    try {
      await storage.setStudyAttr('cut', 'end_step', null);
      await storage.setStudyAttr('cut', 'best_run_dir', null);
      await storage.setStudyAttr('cut', 'finished', { reason, trials: 2 });
    } finally {
      await storage.close();
    }
  };
  // ended by its time budget: a resume without --time-budget runs no trial (the space has a third value)
  for (const reason of ['trial budget spent', 'time budget spent']) {
    await cut(reason);
    const again = await runCli(['tune', f, '--resume']);
    assert.equal(again.code, 0, again.err);
    assert.match(
      again.out,
      new RegExp(`^study cut finished \\(${reason}\\), but its end step was cut short: done now$`, 'm'),
    );
    assert.match(again.out, /^best trial #\d \(val_loss [\d.]+\): its model is in .*trial-\d/m, again.out);
    assert.match(again.out, new RegExp(`^study cut: 2 trials, ${reason}$`, 'm'), again.out);
    assert.match((await runCli(['tune', f, '--resume'])).out, /^study cut is already finished: 2 trials, /);
  }
});

test('a finished study with no successful trial exits 1 on --resume too, as the run that failed did', async () => {
  const db = join(dir, 'allfail.db');
  const f = studyConfig(
    dir,
    'allfail',
    `  strategy: grid\n  jobs: 1\n  storage: sqlite:${db}\n  space:\n` +
      '    train.optimizer: [{sgd: {learning_rate: 1.0e+30}}]\n',
    1,
  );
  const first = await runCli(['tune', f]);
  assert.equal(first.code, 1, first.err);
  const again = await runCli(['tune', f, '--resume']);
  assert.equal(again.code, 1, again.out + again.err);
  assert.match(again.out, /already finished: .*; no best; nothing to resume/);
  assert.match(again.err, /study allfail: no trial completed/);
  // study show's text says why a trial failed (it was only in --json)
  const show = await runCli(['study', 'show', 'allfail', '--storage', `sqlite:${db}`]);
  assert.match(show.out, /^#0 +failed .*\{"train\.optimizer":\{"sgd":\{"learning_rate":1e\+30\}\}\} {2}\(diverged/m);
});

test('--resume --time-budget of a study ended by the default of 20 trials runs more (no trial count anywhere)', async () => {
  const db = join(dir, 'twenty.db');
  const f = studyConfig(
    dir,
    'twenty',
    `  strategy: random\n  jobs: 1\n  storage: sqlite:${db}\n  space:\n    model.layers[0].gru.units: {int: [2, 40]}\n`,
    1,
  );
  assert.match((await runCli(['tune', f])).out, /study twenty: 20 trials, trial budget spent/);
  assert.match((await runCli(['tune', f, '--resume'])).out, /already finished: 20 trials, trial budget spent;/);
  const more = await runCli(['tune', f, '--resume', '--time-budget', '3s']);
  assert.match(more.out, /^study twenty: \d+ trials, time budget spent/m, more.out);
});

test('a trial in a worker thread gets the budget end too, and stops at it', async () => {
  const { WorkerPool } = await import('../../src/tune/pool.js');
  const { SqliteStorage } = await import('../../src/storage/index.js');
  const db = join(dir, 'worker.db');
  const f = studyConfig(dir, 'worker', '  strategy: grid\n  space:\n    model.layers[0].gru.units: [3]\n', 50);
  const s = new SqliteStorage(db);
  await s.createStudy('worker', {});
  const t = await s.createTrial('worker', {});
  const pool = await WorkerPool.start(1, {
    file: f,
    storage: `sqlite:${db}`,
    study: 'worker',
    runs: join(dir, 'worker-runs'),
    deadline: Date.now() - 1,
  });
  try {
    await pool.run(t.number);
  } finally {
    await pool.close();
  }
  const done = (await s.getTrials('worker'))[0]!;
  await s.close();
  assert.equal(done.state, 'complete');
  assert.equal(done.attrs.stopped, 'time budget spent: stopped at epoch 1 of 50');
  assert.ok(existsSync(join(done.attrs.run_dir as string, 'model', 'weights.bin')), 'the worker kept the model');
});

test('a resumed study is unfinished while it runs, so that an interruption of it is resumed, not called finished', async () => {
  const db = join(dir, 'again.db');
  const f = studyConfig(
    dir,
    'again',
    `  strategy: grid\n  jobs: 1\n  trials: 1\n  storage: sqlite:${db}\n` +
      '  space:\n    model.layers[0].gru.units: [3, 4, 5]\n',
    2,
  );
  assert.equal((await runCli(['tune', f])).code, 0);
  const { SqliteStorage } = await import('../../src/storage/index.js');
  const finished = async () => {
    const s = new SqliteStorage(db);
    const v = (await s.getStudy('again'))!.attrs.finished;
    await s.close();
    return v;
  };
  assert.deepEqual(await finished(), { reason: 'trial budget spent', trials: 1 });
  const seen: Promise<unknown>[] = [];
  const r = await runStudy(await loadConfig(f), {
    resume: true,
    trials: 2,
    log: () => {},
    onTrials: () => {
      seen.push(finished());
    },
  });
  assert.equal(r.trials.length, 2);
  assert.equal(await seen[0], null, 'while the resumed run ran, the study was not marked finished');
  assert.deepEqual(await finished(), { reason: 'trial budget spent', trials: 2 });
});

test('no trial starts once the time budget is spent, even if it ran out during the proposal', async (t) => {
  const { TimeBudget } = await import('../../src/tune/budget.js');
  // the budget is not spent when the loop looks at it, and is once the proposal is ready (auto timed GRU(1414) and
  // GRU(2828) for 3 minutes on Beijing PM2.5, and its trial started 3 minutes past the budget)
  let calls = 0;
  t.mock.method(TimeBudget.prototype, 'spent', () => calls++ > 0);
  const f = studyConfig(
    dir,
    'spent',
    '  strategy: grid\n  jobs: 1\n  time_budget: 10m\n  storage: "memory:"\n' +
      '  space:\n    model.layers[0].gru.units: [3, 5]\n',
    2,
  );
  const r = await runStudy(await loadConfig(f), { log: () => {}, saveBest: false });
  assert.equal(r.stopReason, 'time budget spent');
  assert.equal(r.trials.length, 0, 'the trial proposed after the budget ran out is not created');
  assert.ok(calls >= 2, `spent() asked ${calls} times`);
});

test("a trial's expected seconds: the reference's per epoch, scaled by the timed steps, plus the longer build", async () => {
  const { expectedSeconds } = await import('../../src/tune/budget.js');
  const ref = { seconds: 60, ran: 10, configured: 10 };
  const cheap = { perWindow: 1e-4, build: 0.5 };
  // twice the work per window, 10 epochs of 6 s each: 120 s
  assert.equal(expectedSeconds(ref, 10, { perWindow: 2e-4, build: 0.5 }, cheap), 120);
  // a model that takes 200 s to build (GRU(8000)'s orthogonal initializer took longer than the budget left)
  assert.equal(expectedSeconds(ref, 10, { perWindow: 2e-4, build: 200.5 }, cheap), 320);
  // a reference that stopped early at 4 of 30 epochs: at most 6 epochs expected
  assert.equal(expectedSeconds({ seconds: 40, ran: 4, configured: 30 }, 30, cheap, cheap), 60);
  // a config that could not be timed is not held back
  assert.equal(expectedSeconds(ref, 10, { perWindow: Number.NaN, build: 0 }, cheap), 0);
});

test("a trial's estimate: its epochs from the reference's epochs alone, then its scoring and the ridge it must fit", async () => {
  const { expectedSeconds } = await import('../../src/tune/budget.js');
  const cheap = { perWindow: 1e-4, build: 0.5 };
  const twice = { perWindow: 2e-4, build: 0.5 };
  // 60 s: 40 s of 10 epochs, 15 s fitting a ridge first, 5 s scoring and saving; twice the work per window, and a
  // ridge of 30 s to fit: 80 s of epochs, 10 s of scoring, 30 s of ridge (it was 120 s of epochs, and no ridge)
  const ref = { seconds: 60, ran: 10, configured: 10, fit: 40, ridge: 15 };
  assert.equal(expectedSeconds(ref, 10, twice, cheap, 30), 120);
  // the same configuration where the ridge is fitted already: its epochs and its scoring
  assert.equal(expectedSeconds(ref, 10, cheap, cheap), 45);
});

test("a trial's epochs scale only what the timed steps account for: the rest of an epoch is the reference's", async () => {
  const { expectedSeconds } = await import('../../src/tune/budget.js');
  // airline passengers: 85 windows an epoch, GRU(64) timed at 0.1 ms a window and GRU(256) at 1.1 ms, an epoch of
  // GRU(64) 25 ms: 8.5 ms of its steps, 16.5 of the rest; GRU(256)'s epoch 16.5 + 93.5 ms. The whole epoch scaled by
  // 11 made it 275 ms: GRU(256) was skipped as 'about 15 min' in a 2-minute study, and trained in 4.8 s
  const ref = { seconds: 3, ran: 100, configured: 100, fit: 2.5 };
  const small = { perWindow: 1e-4, build: 0, windows: 85 },
    big = { perWindow: 1.1e-3, build: 0, windows: 85 };
  assert.ok(Math.abs(expectedSeconds(ref, 100, big, small) - (11 + 0.5 * 11)) < 1e-9);
  // steps timed slower than the whole epoch (a loaded machine): the whole epoch scales, as before
  const slow = { ...small, perWindow: 1e-3 };
  assert.ok(Math.abs(expectedSeconds(ref, 100, { ...big, perWindow: 1.1e-2 }, slow) - (2.5 * 11 + 0.5 * 11)) < 1e-9);
  // a lookback that halves the windows halves the steps' part
  assert.ok(Math.abs(expectedSeconds(ref, 100, { ...small, windows: 42.5 }, small) - (2.075 + 0.5)) < 1e-9);
});

test('the ridge a trial may fit first: none where every thread has it, else as expected, as slow as the study ran', async () => {
  const { ridgeSeconds } = await import('../../src/tune/budget.js');
  const need = (o: { fitted?: boolean; paidBy?: number }) => [
    { lookback: 2000, inputs: 2000, expected: 20, fitted: o.fitted ?? false, paidBy: o.paidBy ?? 0 },
  ];
  // a fit the study timed took twice what it was expected to (it scaled by the cube of the inputs: 80 s)
  const timed = [{ lookback: 1000, inputs: 1000, seconds: 10, expected: 5 }];
  assert.equal(ridgeSeconds(need({}), 1, timed), 40, 'twice its expected seconds');
  assert.equal(ridgeSeconds(need({}), 1, []), 20, 'none timed: its expected seconds');
  const older = [{ lookback: 1000, inputs: 1000, seconds: 10 }];
  assert.equal(ridgeSeconds(need({}), 1, older), 20, 'a fit that recorded no expectation scales nothing');
  assert.equal(ridgeSeconds(need({ fitted: true }), 1, timed), 0, 'one job: the main thread has it');
  // two jobs: a worker thread that has not fitted it may run the trial until two of this process's trials paid it
  assert.equal(ridgeSeconds(need({ fitted: true, paidBy: 1 }), 2, timed), 40);
  assert.equal(ridgeSeconds(need({ paidBy: 2 }), 2, timed), 0);
});

test('a trial records its epochs, the ridge it fitted first and its run folder apart; the next one fits no ridge', async () => {
  const f = studyConfig(dir, 'parts', '  strategy: grid\n  space:\n    model.layers[0].gru.units: [3]\n', 2);
  const loaded = await loadConfig(f);
  const base = resolveConfig(loaded.raw, loaded.name);
  const storage = new MemoryStorage();
  await storage.createStudy('parts', {});
  const { linearFitted } = await import('../../src/data/index.js');
  const fittedAtEpoch: boolean[] = [];
  const env: TrialEnv = {
    ...{ loaded, base, storage, study: 'parts', repeats: 1, objective: 'val_loss', dataCache: new Map() },
    runs: join(dir, 'parts-runs'),
    onEpoch: () => fittedAtEpoch.push(linearFitted([...env.dataCache.values()][0]!, 12)),
  };
  const first = await runTrial(env, await storage.createTrial('parts', {}));
  assert.equal(first.state, 'complete');
  // the ridge before the epochs: they stop at the time budget, and the ridge after them would run past it
  assert.deepEqual(fittedAtEpoch, [true, true]);
  const a = first.attrs as { seconds: number; fit_seconds: number; save_seconds: number; ridge: unknown[] };
  assert.deepEqual(
    a.ridge.map((r) => Object.keys(r as object).sort()),
    [['expected', 'inputs', 'lookback', 'seconds']],
  );
  assert.deepEqual((a.ridge[0] as { lookback: number; inputs: number }).lookback, 12);
  assert.ok(a.fit_seconds > 0 && a.save_seconds > 0, JSON.stringify(a));
  assert.ok(a.seconds >= a.fit_seconds + a.save_seconds, 'seconds include the run folder written after the epochs');
  const second = await runTrial(env, await storage.createTrial('parts', { 'model.layers[0].gru.units': 4 }));
  assert.equal(second.attrs.ridge, undefined, 'the ridge of these windows was fitted already in this thread');
});

test("an auto study's end step is kept from its trials: the reserve comes off the time the trials have", async () => {
  const { TimeBudget, endStepReserve } = await import('../../src/tune/budget.js');
  const b = new TimeBudget(600);
  assert.equal(b.spent(), false);
  b.reserve = 600;
  assert.equal(b.spent(), true, 'no trial starts in the reserve');
  b.reserve = 200;
  // a trial started now stops 200 s before the budget's end, which the end step keeps
  const gap = b.end()! - b.deadline()!;
  assert.ok(Math.abs(gap - 200e3) < 1000, String(gap));
  const base = resolveConfig((await loadConfig(studyConfig(dir, 'reserve', '  strategy: auto\n'))).raw, 'reserve');
  const trial = (n: number, attrs: Record<string, unknown>, params = {}) =>
    freezeTrial({
      ...{ number: n, state: 'complete', params, value: 0.1, intermediate: [0.1], error: null },
      ...{ started: '', finished: '', attrs },
    });
  // the best trial's scores took 5 s, and a ridge at its lookback of 12 took 0.5 s: the end step fits that ridge
  // again and predicts with three members, each about twice the best's scores
  const best = trial(0, { save_seconds: 5, ridge: [{ lookback: 12, inputs: 12, seconds: 0.5 }] });
  assert.equal(endStepReserve(base, best, [best]), 30.5);
  // a best at a lookback no trial fitted a ridge at (too many inputs: none is fitted): its members alone
  const other = trial(1, { save_seconds: 5 }, { 'data.lookback': 24 });
  assert.equal(endStepReserve(base, other, [best, other]), 30);
  assert.equal(endStepReserve(base, null, []), 0, 'no trial yet: nothing to reserve');
});

test('a worker thread stops its trial at the deadline the loop gives it with the trial', async () => {
  const { WorkerPool } = await import('../../src/tune/pool.js');
  const { SqliteStorage } = await import('../../src/storage/index.js');
  const db = join(dir, 'given.db');
  const f = studyConfig(dir, 'given', '  strategy: grid\n  space:\n    model.layers[0].gru.units: [3]\n', 50);
  const s = new SqliteStorage(db);
  await s.createStudy('given', {});
  const t = await s.createTrial('given', {});
  // no deadline when the pool started: the trial's own (the budget less the end step's reserve when it started)
  const pool = await WorkerPool.start(1, { file: f, storage: `sqlite:${db}`, study: 'given', runs: join(dir, 'g') });
  try {
    await pool.run(t.number, Date.now() - 1);
  } finally {
    await pool.close();
  }
  const done = (await s.getTrials('given'))[0]!;
  await s.close();
  assert.equal(done.attrs.stopped, 'time budget spent: stopped at epoch 1 of 50');
});

test("an auto study's loop keeps its end step's reserve from the trials it starts after the first", async (t) => {
  const { TimeBudget } = await import('../../src/tune/budget.js');
  const reserves: number[] = [];
  const own = TimeBudget.prototype.deadline;
  t.mock.method(TimeBudget.prototype, 'deadline', function (this: InstanceType<typeof TimeBudget>) {
    reserves.push(this.reserve);
    return own.call(this);
  });
  const f = studyConfig(dir, 'kept-end', '  strategy: auto\n  jobs: 1\n  trials: 2\n  time_budget: 10m\n', 2);
  const r = await runStudy(await loadConfig(f), { log: () => {}, storage: 'memory:' });
  assert.equal(r.trials.length, 2);
  // the loop's start, then one deadline per trial: the first keeps the ridge fit the end step will pay, as expected
  // (it kept nothing: a first trial ran to the budget's end, and the end step's ridge after it), the second knows the
  // first's scores and ridge
  assert.equal(reserves.length, 3, String(reserves));
  assert.equal(reserves[0], 0);
  const { linearFitSeconds, ridgeShape, prepareData } = await import('../../src/data/index.js');
  const csv = join(dir, 'series.csv');
  const d = await prepareData({ csv, target: 'value', lookback: 12, split: { train: 0.6, val: 0.2, test: 0.2 } }, csv);
  assert.ok(reserves[1]! > 0, `the first trial keeps the end step's ridge: ${reserves}`);
  assert.ok(Math.abs(reserves[1]! - linearFitSeconds(ridgeShape(d))) < 1e-9, String(reserves));
  assert.ok(reserves[2]! > 0, String(reserves));
});

test('an auto study says at its start when the baseline as written may outlast the whole time budget', async () => {
  const f = studyConfig(dir, 'over', '  strategy: auto\n', 100000);
  const loaded = await loadConfig(f);
  const base = resolveConfig(loaded.raw, loaded.name);
  const env: TrialEnv = {
    ...{ loaded, base, storage: new MemoryStorage(), study: 'over', repeats: 1, objective: 'val_loss' },
    dataCache: new Map(),
  };
  const { baselineOverBudget } = await import('../../src/tune/budget.js');
  const line = await baselineOverBudget(env, 1);
  assert.match(String(line), /^tune: the baseline as written may take up to about \d+ (s|min) \(100000 epochs of /);
  assert.match(String(line), /more than the 1 s time budget: auto will have little to compare/);
  assert.equal(await baselineOverBudget(env, 1e6), null, 'a budget it fits in: nothing said');
  assert.equal(await baselineOverBudget(env, Infinity), null, 'no budget: nothing said');
});
