// Heartbeats: a running trial's heartbeat advances while its (long) first epoch trains; a trial of a live process
// elsewhere is never failed by --resume while it beats, and is failed as stale once it stops, also by the heartbeat
// thread of a process busy with its own trial; tune.heartbeat and tune.retries are read and checked.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import pg from 'pg';
import { main } from '../../src/cli/main.js';
import { type RawConfig, syntheticCsv } from '../../src/index.js';
import { openStorage, PgStorage, SqliteStorage, type StaleResult, StudyRemade } from '../../src/storage/index.js';
import { Heartbeat } from '../../src/tune/heartbeat.js';
import { tuneSettings } from '../../src/tune/settings.js';
import { ownerOf, saySwept, staleRule, sweepStale } from '../../src/tune/stale.js';
import { dropPgDatabases, freshPgUrl, pgSkip } from '../helpers/pg.js';
import { tune, until } from '../helpers/shared-study.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-beat-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 2 }));
after(dropPgDatabases);

test('tune.heartbeat and tune.retries: defaults 10 s and 1, durations read, bad values named', () => {
  const cfg = (tune: Record<string, unknown>) =>
    ({ data: { csv: 'x.csv', target: 'v' }, tune: { strategy: 'auto', ...tune } }) as unknown as RawConfig;
  assert.deepEqual([tuneSettings(cfg({}), 'c.yaml').heartbeat, tuneSettings(cfg({}), 'c.yaml').retries], [10, 1]);
  assert.equal(tuneSettings(cfg({ heartbeat: '2m', retries: 0 }), 'c.yaml').heartbeat, 120);
  assert.throws(
    () => tuneSettings(cfg({ heartbeat: 'soon' }), 'c.yaml'),
    /^ConfigError: c.yaml: tune.heartbeat: expected/,
  );
  assert.throws(
    () => tuneSettings(cfg({ retries: -1 }), 'c.yaml'),
    /c.yaml: tune.retries: expected a non-negative integer, received -1/,
  );
});

test("a running trial's heartbeat advances while its first epoch is still training (the beat is not the epoch's)", async () => {
  writeFileSync(join(dir, 'long.csv'), syntheticCsv({ length: 4000, seed: 2 }));
  const db = join(dir, 'beat.db');
  const f = studyConfig(
    dir,
    'beat',
    `  strategy: grid\n  trials: 1\n  jobs: 1\n  heartbeat: 0.1s\n  storage: sqlite:${db}\n` +
      '  space: {train.batch_size: [1]}\n',
    2,
  );
  writeFileSync(
    f,
    (await import('node:fs'))
      .readFileSync(f, 'utf8')
      .replace('series.csv', 'long.csv')
      .replace('units: 4', 'units: 128'),
  );
  const p = tune([f, '--out', join(dir, 'beat-best')]);
  const beats = new Set<string>();
  const seen = await until(`sqlite:${db}`, 'beat', (t) => {
    const r = t?.find((x) => x.state === 'running');
    if (!r) return false;
    if (r.intermediate.length === 0) beats.add(r.heartbeat!);
    return beats.size >= 3 || r.intermediate.length > 0;
  });
  p.child.kill('SIGKILL');
  await p.done;
  assert.ok(seen);
  assert.ok(beats.size >= 3, `heartbeats seen during the first epoch: ${[...beats].join(', ')}`);
});

test('--resume leaves a beating trial of another host alone, then fails it as stale when it stops and runs it again', async () => {
  const db = join(dir, 'other.db');
  const f = studyConfig(
    dir,
    'other',
    `  strategy: grid\n  trials: 2\n  jobs: 1\n  heartbeat: 0.3s\n  storage: sqlite:${db}\n` +
      '  space:\n    model.layers[0].gru.units: [2, 3]\n',
    2,
  );
  const s = new SqliteStorage(db);
  await s.createStudy('other', {});
  await s.createTrial(
    'other',
    { 'model.layers[0].gru.units': 2 },
    {},
    { owner: { host: 'elsewhere', pid: 1, worker: 0 } },
  );
  // its process elsewhere beats it (within the grace of 3 beats of 0.3 s) until the tune's loop has looked at the study
  // (its first look says where to watch it live), past the sweeps of its resume and its first turn; then it stops.
  // Beaten only at its creation, the trial was stale at a resume that took over 0.9 s to start on a loaded machine.
  const beat = setInterval(() => void s.heartbeat('other', [0]).catch(() => {}), 100); // a beat lost: one missed
  const lines: string[] = [];
  const said = (l: string) => {
    lines.push(l);
    if (l.startsWith('watch it live')) clearInterval(beat);
  };
  const code = await main(['tune', f, '--resume', '--out', join(dir, 'other-best')], { out: said, err: said });
  clearInterval(beat);
  await s.close();
  assert.equal(code, 0, lines.join(''));
  const log = lines.join('');
  assert.doesNotMatch(log, /resume: trial 0 failed/, 'a fresh trial is not failed on resume');
  assert.match(log, /trial 0 failed: stale: no heartbeat from elsewhere:1 since \d{4}-.*; enqueued again as #\d/);
  const t = await openStorage(`sqlite:${db}`).getTrials('other');
  assert.equal(t[0]!.state, 'failed');
  const again = t.find((x) => x.attrs.rerun_of === 0)!;
  assert.deepEqual([again.state, again.params], ['complete', t[0]!.params]);
  assert.deepEqual(
    t
      .filter((x) => x.state === 'complete')
      .map((x) => x.params['model.layers[0].gru.units'])
      .sort(),
    [2, 3],
  );
});

test("the study's end step is done by the process that finished its last trial, and by this one when that one is gone", async () => {
  const db = join(dir, 'last.db');
  const f = studyConfig(
    dir,
    'last',
    `  strategy: grid\n  trials: 1\n  jobs: 1\n  storage: sqlite:${db}\n` +
      '  space:\n    model.layers[0].gru.units: [2, 3]\n',
    2,
  );
  // another process of this host finished the study's only trial and is still running (it does the end step)
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  const s = new SqliteStorage(db);
  await s.createStudy('last', {});
  const t = await s.createTrial(
    'last',
    { 'model.layers[0].gru.units': 2 },
    {},
    {
      owner: { host: hostname(), pid: other.pid!, worker: 0 },
    },
  );
  await s.finishTrial('last', t.number, 'complete', 0.5);
  await s.close();
  const run = async () => {
    const lines: string[] = [];
    const code = await main(['tune', f, '--resume', '--out', join(dir, 'last-runs')], {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    assert.equal(code, 0, lines.join(''));
    return lines.join('');
  };
  try {
    const log = await run();
    assert.match(
      log,
      new RegExp(`the study's end step is left to ${hostname()}:${other.pid}, which finished its last`),
    );
    assert.doesNotMatch(log, /best trial #/);
  } finally {
    other.kill();
  }
  await new Promise((res) => other.once('exit', res));
  // that process is gone (and the study, for this test, not marked finished): a resume does the end step itself
  const again = new SqliteStorage(db);
  await again.setStudyAttr('last', 'finished', null);
  await again.close();
  assert.match(await run(), /best trial #0 \(val_loss 0\.5000\) kept no model/);
  // done once: a process that ends after the one that did the end step (and exited) does not do it again
  const after = new SqliteStorage(db);
  const done = (await after.getStudy('last'))!.attrs.end_step as { by: string; trials: number };
  assert.deepEqual([done.by, done.trials], [`${hostname()}:${process.pid}`, 1]);
  await after.setStudyAttr('last', 'finished', null);
  await after.setStudyAttr('last', 'end_step', { ...done, by: `${hostname()}:999999999` }); // a process now gone
  await after.close();
  const third = await run();
  assert.match(third, new RegExp(`the study's end step was done by ${hostname()}:999999999`));
  assert.doesNotMatch(third, /best trial #/);
});

test("PostgreSQL: whether another host's process that finished the last trial is there goes by the server's clock", {
  skip: pgSkip,
  timeout: 60000,
}, async () => {
  const url = await freshPgUrl();
  const f = studyConfig(
    dir,
    'last-pg',
    `  strategy: grid\n  trials: 1\n  jobs: 1\n  storage: ${url}\n` +
      '  space:\n    model.layers[0].gru.units: [2, 3]\n',
    2,
  );
  // a process of another machine finished the study's only trial: PostgreSQL writes `finished` with its now()
  const s = new PgStorage(url);
  await s.createStudy('last-pg', {});
  const owner = { host: 'far', pid: 7, worker: 0 };
  const t = await s.createTrial('last-pg', { 'model.layers[0].gru.units': 2 }, {}, { owner });
  await s.finishTrial('last-pg', t.number, 'complete', 0.5);
  const resumeWithClockOff = async (minutes: number) => {
    await s.setStudyAttr('last-pg', 'finished', null);
    mock.timers.enable({ apis: ['Date'], now: Date.now() + minutes * 60_000 });
    const lines: string[] = [];
    try {
      const code = await main(['tune', f, '--resume', '--out', join(dir, 'last-pg-runs')], {
        out: (l) => lines.push(l),
        err: (l) => lines.push(l),
      });
      assert.equal(code, 0, lines.join(''));
    } finally {
      mock.timers.reset();
    }
    return lines.join('');
  };
  try {
    // finished a moment ago by the server's clock, this machine's 10 minutes ahead: that process looked gone for 10
    // minutes, and this one did the end step too
    const fresh = await resumeWithClockOff(10);
    assert.match(fresh, /the study's end step is left to far:7, which finished its last trial/);
    assert.doesNotMatch(fresh, /best trial #/);
    // finished 10 minutes ago, this machine's clock 10 minutes behind: it looked just finished, and the end step was
    // left to a process long gone (done by none)
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query("UPDATE trials SET finished = now() - interval '10 minutes'");
    await other.end();
    assert.match(await resumeWithClockOff(-10), /best trial #0 \(val_loss 0\.5000\) kept no model/);
  } finally {
    await s.close();
  }
});

test("a process that leaves an auto study's end step to another says its best is only the lowest value so far", async () => {
  const db = join(dir, 'last-auto.db');
  const f = studyConfig(dir, 'last-auto', `  strategy: auto\n  trials: 1\n  jobs: 1\n  storage: sqlite:${db}\n`, 2);
  // auto picks its best by the mean over seeds in the end step: the lowest value need not be it
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const s = new SqliteStorage(db);
    await s.createStudy('last-auto', {});
    const owner = { host: hostname(), pid: other.pid!, worker: 0 };
    const t = await s.createTrial('last-auto', {}, {}, { owner });
    await s.finishTrial('last-auto', t.number, 'complete', 0.5);
    await s.close();
    const lines: string[] = [];
    const code = await main(['tune', f, '--resume', '--out', join(dir, 'last-auto-runs')], {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    assert.equal(code, 0, lines.join(''));
    const who = `${hostname()}:${other.pid}`;
    assert.match(
      lines.join(''),
      new RegExp(`best #0 0\\.5000 \\{\\} \\(the lowest value so far; ${who} chooses the study's best\\)`),
    );
  } finally {
    other.kill();
  }
});

test("a busy process's heartbeat thread fails another process's trial that stopped beating", async () => {
  const db = join(dir, 'sweep.db');
  const s = new SqliteStorage(db);
  await s.createStudy('sweep', {});
  const mine = await s.createTrial('sweep', { u: 1 }, {}, { owner: ownerOf() });
  // a worker elsewhere that beat once, when it made its trial, and was killed
  await s.createTrial('sweep', { u: 2 }, { why: 'grid' }, { owner: { host: 'elsewhere', pid: 1, worker: 0 } });
  const swept: StaleResult[] = [];
  const rule = staleRule(0.25, 1); // stale after 0.75 s without a beat
  const beat = await Heartbeat.start(`sqlite:${db}`, 'sweep', 0.25, { rule, onSwept: (r) => swept.push(r) });
  beat.add(mine.number); // this process trains trial 0: its loop sweeps nothing until that trial ends
  for (const t0 = Date.now(); !swept.length && Date.now() - t0 < 10000; )
    await new Promise((res) => setTimeout(res, 50));
  await beat.close();
  assert.deepEqual(swept, [{ failed: [1], enqueued: [2] }]);
  const lines: string[] = [];
  await saySwept(s, 'sweep', swept[0]!, 1, (l) => lines.push(l));
  assert.match(
    lines.join('\n'),
    /^trial 1 failed: stale: no heartbeat from elsewhere:1 since \S+; enqueued again as #2$/,
  );
  assert.deepEqual(
    (await s.getTrials('sweep')).map((t) => [t.number, t.state, t.params]),
    [
      [0, 'running', { u: 1 }],
      [1, 'failed', { u: 2 }],
      [2, 'waiting', { u: 2 }],
    ],
  );
  await s.close();
});

test("a heartbeat thread's sweep never fails a trial of its own process, however late its beat", async () => {
  const db = join(dir, 'own.db');
  const s = new SqliteStorage(db);
  await s.createStudy('own', {});
  const mine = await s.createTrial('own', { u: 1 }, {}, { owner: ownerOf() });
  await s.createTrial('own', { u: 2 }, {}, { owner: { host: 'elsewhere', pid: 1, worker: 0 } });
  // a beat held up past the grace (a lost PostgreSQL connection whose sweep is answered before its beat, a write lock
  // held elsewhere): here the thread beats once a minute and sweeps by a grace of 0.6 s
  const swept: StaleResult[] = [];
  const beat = await Heartbeat.start(`sqlite:${db}`, 'own', 60, {
    rule: staleRule(0.2, 0),
    onSwept: (r) => swept.push(r),
  });
  beat.add(mine.number);
  for (const t0 = Date.now(); !swept.length && Date.now() - t0 < 10000; )
    await new Promise((res) => setTimeout(res, 50));
  await new Promise((res) => setTimeout(res, 1000)); // two more sweeps
  await beat.close();
  assert.deepEqual(swept, [{ failed: [1], enqueued: [] }]);
  assert.deepEqual(
    (await s.getTrials('own')).map((t) => [t.number, t.state]),
    [
      [0, 'running'],
      [1, 'failed'],
    ],
  );
  await s.close();
});

test('a trial of a process with a longer tune.heartbeat is stale after 3 of its heartbeats, not of the sweeper', async () => {
  const db = join(dir, 'longer.db');
  const s = new SqliteStorage(db);
  await s.createStudy('longer', {});
  const mine = await s.createTrial('longer', { u: 1 }, {}, { owner: ownerOf(0, 0.25) });
  // a process resumed with tune.heartbeat 10s (a free key on --resume) made its trial a moment ago and beats every
  // 10 s; this one beats every 0.25 s and sweeps by a grace of 0.75 s
  const slow = ownerOf(0, 10);
  await s.createTrial('longer', { u: 2 }, {}, { owner: { ...slow, host: 'elsewhere' } });
  const waiting = await s.createTrial('longer', { u: 3 }, {}, { waiting: true });
  assert.equal((await s.claimWaiting('longer', { ...slow, host: 'there' }))?.number, waiting.number);
  // an owner that says nothing of its heartbeat (ask-tell, an older seqtune): the sweeper's grace
  await s.createTrial('longer', { u: 4 }, {}, { owner: { host: 'gone', pid: 1, worker: 0 } });
  const swept: StaleResult[] = [];
  const rule = staleRule(0.25, 0);
  const beat = await Heartbeat.start(`sqlite:${db}`, 'longer', 0.25, { rule, onSwept: (r) => swept.push(r) });
  beat.add(mine.number);
  await new Promise((res) => setTimeout(res, 2500)); // three sweeps
  await beat.close();
  assert.deepEqual(swept, [{ failed: [3], enqueued: [] }]);
  const trials = await s.getTrials('longer');
  assert.deepEqual(
    trials.map((t) => [t.number, t.state, t.attrs.stale_after_s]),
    [
      [0, 'running', 0.75],
      [1, 'running', 30],
      [2, 'running', 30],
      [3, 'failed', undefined],
    ],
  );
  await s.close();
});

test("a heartbeat thread of a study deleted and made again under its name neither beats nor sweeps the new one's trials", async () => {
  const db = join(dir, 'again.db');
  const url = `sqlite:${db}`;
  const s = new SqliteStorage(db);
  const old = await s.createStudy('again', {});
  await s.createTrial('again', { u: 1 }, {}, { owner: ownerOf() });
  const swept: StaleResult[] = [];
  const rule = staleRule(0.1, 1); // stale after 0.3 s without a beat, swept every 0.3 s
  const beat = await Heartbeat.start(url, 'again', 0.1, { rule, onSwept: (r) => swept.push(r) }, old);
  beat.add(0); // this process trains trial #0 of the study it opened
  const first = (await s.getTrials('again'))[0]!.heartbeat;
  for (const t0 = Date.now(); (await s.getTrials('again'))[0]!.heartbeat === first && Date.now() - t0 < 10000; )
    await new Promise((res) => setTimeout(res, 20));
  assert.notEqual((await s.getTrials('again'))[0]!.heartbeat, first, 'the thread beats the trial it was given');
  // study delete --force and another tune under the name: its trials #0 and #1 by processes elsewhere (#1's stopped
  // beating), its trial #2 by a process whose heartbeat thread beats it as often as the old thread beats
  await s.deleteStudy('again');
  await new Promise((res) => setTimeout(res, 5)); // another creation time (milliseconds)
  const made = await s.createStudy('again', {});
  const control = await Heartbeat.start(url, 'again', 0.1, undefined, made);
  const theirs = await s.createTrial('again', { u: 2 }, {}, { owner: { host: 'elsewhere', pid: 1, worker: 0 } });
  await s.createTrial('again', { u: 3 }, {}, { owner: { host: 'elsewhere', pid: 2, worker: 0 } });
  control.add((await s.createTrial('again', { u: 4 }, {}, { owner: ownerOf(0, 20) })).number);
  const beats = new Set<string>();
  for (const t0 = Date.now(); beats.size < 10 && Date.now() - t0 < 20000; ) {
    beats.add(String((await s.getTrials('again'))[2]!.heartbeat));
    await new Promise((res) => setTimeout(res, 20));
  }
  await Promise.all([beat.close(), control.close()]);
  assert.ok(beats.size >= 10, `the new study's own thread beat ${beats.size} times`);
  assert.deepEqual(swept, [], 'the old thread swept nothing');
  assert.deepEqual(
    (await s.getTrials('again')).map((t) => [t.number, t.state, t.number === 0 ? t.heartbeat : null]),
    [
      [0, 'running', theirs.heartbeat],
      [1, 'running', null],
      [2, 'running', null],
    ],
    "the new study's trials #0 and #1 as their processes left them: unbeaten, not failed, nothing enqueued",
  );
  await s.close();
});

test("the sweep of a tune (its loop's, --resume's) of a study deleted and made again under its name leaves the new study's trials", async () => {
  const s = new SqliteStorage(join(dir, 'again-sweep.db'));
  const old = await s.createStudy('again', {});
  await s.deleteStudy('again');
  await new Promise((res) => setTimeout(res, 5)); // another creation time (milliseconds)
  const made = await s.createStudy('again', {});
  await s.createTrial('again', { u: 1 }, {}, { owner: { host: 'elsewhere', pid: 1, worker: 0 } });
  await new Promise((res) => setTimeout(res, 20)); // past the grace of 3 beats of 1 ms
  const lines: string[] = [];
  const o = { heartbeat: 0.001, retries: 1, log: (l: string) => lines.push(l) };
  await assert.rejects(sweepStale(s, 'again', { ...o, created: old.created }), StudyRemade);
  assert.deepEqual(
    (await s.getTrials('again')).map((t) => [t.number, t.state]),
    [[0, 'running']],
  );
  assert.deepEqual(lines, []);
  assert.deepEqual(await sweepStale(s, 'again', { ...o, created: made.created }), { failed: [0], enqueued: [1] });
  await s.close();
});

test("a sweep's lines say none of the trials of its study made again as it swept as the ones it failed", async (t) => {
  const s = new SqliteStorage(join(dir, 'again-said.db'));
  const old = await s.createStudy('again', {});
  await s.createTrial('again', { u: 1 }, {}, { owner: { host: 'elsewhere', pid: 1, worker: 0 } });
  await new Promise((res) => setTimeout(res, 20)); // past the grace of 3 beats of 1 ms
  // study delete --force and another tune under the name between the sweep and its read of the trials it failed: the
  // new study's #0 another process's, failed by it
  const failStale = s.failStale.bind(s);
  t.mock.method(s, 'failStale', async (...a: Parameters<typeof s.failStale>) => {
    const r = await failStale(...a);
    await s.deleteStudy('again');
    await new Promise((res) => setTimeout(res, 5)); // another creation time (milliseconds)
    await s.createStudy('again', {});
    const theirs = await s.createTrial('again', { u: 2 }, {}, { owner: { host: 'elsewhere', pid: 2, worker: 0 } });
    await s.finishTrial('again', theirs.number, 'failed', null, { error: 'their own error' });
    return r;
  });
  const lines: string[] = [];
  const o = { heartbeat: 0.001, retries: 1, log: (l: string) => lines.push(l), created: old.created };
  await assert.rejects(sweepStale(s, 'again', o), StudyRemade);
  assert.deepEqual(lines, [], "no 'trial 0 failed: their own error; not enqueued again (tune.retries 1)'");
  await s.close();
});

test('a heartbeat thread that dies is started again with the trials it beat: they are not left to be failed as stale', async () => {
  // it died silently (an error its storage threw where nothing caught it): the process trained on, and every trial
  // it ran was failed as stale by the other processes of the study, trained to its end all the same
  const db = join(dir, 'dies.db');
  const s = new SqliteStorage(db);
  await s.createStudy('dies', {});
  const mine = await s.createTrial('dies', { u: 1 }, {}, { owner: ownerOf(0, 0.1) });
  const beat = await Heartbeat.start(`sqlite:${db}`, 'dies', 0.1);
  beat.add(mine.number);
  const first = (beat as unknown as { thread: import('node:worker_threads').Worker }).thread;
  await first.terminate();
  const died = Date.now();
  let last = 0;
  for (const t0 = Date.now(); last <= died && Date.now() - t0 < 10000; ) {
    await new Promise((res) => setTimeout(res, 50));
    last = Date.parse((await s.getTrials('dies'))[0]!.heartbeat ?? '0');
  }
  const now = (beat as unknown as { thread: unknown }).thread;
  await beat.close();
  assert.ok(now !== null && now !== first, 'another thread');
  assert.ok(last > died, `a beat after the thread died (the last at ${new Date(last).toISOString()})`);
  await s.close();
});
