// The tests of one study that several processes share, run against one storage (shared-sqlite.test.ts and
// shared-postgres.test.ts call them): 2 fresh `tune` at once (one creates the study, the other refuses in one line),
// then 3 `seqtune worker` processes joining, finish a 24-trial grid with no number or configuration twice; a
// process killed with SIGKILL mid-trial has its trial failed and trained again by another, and the study still
// finishes its budget; a worker stopped with SIGINT mid-trial fails its trial as interrupted and exits 130, and
// another process trains it again at once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { syntheticCsv } from '../../src/data/index.js';
import { openStorage } from '../../src/storage/index.js';
import { runCli } from '../helpers/run-cli.js';
import { create, gridTune, tune, until, worker } from '../helpers/shared-study.js';
import { studyConfig } from '../helpers/study-config.js';

/**
 * A trial of process `pid` mid-way: it has reported an epoch and is far from its 60th (a trial takes half a second:
 * one seen at its end may finish before the signal reaches it).
 */
const midTrial = (pid: number) => (t: { owner?: string | null; state: string; intermediate: readonly number[] }) =>
  t.state === 'running' &&
  t.owner?.endsWith(`:${pid}`) === true &&
  t.intermediate.length >= 1 &&
  t.intermediate.length <= 20;

export function sharedStudyTests(label: string, makeUrl: () => Promise<string>, skip: string | false): void {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-shared-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 4 }));

  test(`${label}: 2 fresh tune at once, 3 seqtune worker joining: 24 trials, no number or configuration twice`, {
    skip,
  }, async () => {
    const url = await makeUrl();
    const name = `grid-${label}`;
    const f = studyConfig(dir, name, gridTune(url), 12);
    const out = (k: number) => ['--out', join(dir, `best-${label}-${k}`)];
    const fresh = [tune([f, ...out(0)]), tune([f, ...out(1)])];
    assert.ok(await until(url, name, (t) => t !== null), 'the study was created');
    const workers = [0, 1, 2].map(() => worker(url, name));
    const ends = await Promise.all([...fresh, ...workers].map((p) => p.done));
    const [a, b] = ends;
    const loser = [a!, b!].filter((e) => e.code !== 0);
    assert.equal(loser.length, 1, 'one of the two fresh runs creates the study, the other refuses');
    for (const l of loser) {
      assert.equal(l.code, 2, l.err);
      assert.equal(l.err.trim().split('\n').length, 1, l.err);
      assert.match(l.err, /^seqtune: .*study "grid-\w+" already exists in .*--resume/);
    }
    for (const e of ends.slice(2)) assert.equal(e.code, 0, e.err);
    const s = openStorage(url);
    const trials = await s.getTrials(`grid-${label}`);
    await s.close();
    assert.deepEqual(
      trials.map((t) => t.number),
      [...Array(24).keys()],
    );
    assert.ok(
      trials.every((t) => t.state === 'complete'),
      trials.map((t) => `${t.state} ${t.error}`).join('\n'),
    );
    assert.equal(new Set(trials.map((t) => JSON.stringify(t.params))).size, 24, 'no configuration twice');
    const pids = [...fresh, ...workers].map((p) => p.child.pid);
    const owners = new Set(trials.map((t) => Number(t.owner!.split(':').at(-1))));
    assert.ok(
      [...owners].every((p) => pids.includes(p)),
      'only the tune and the workers ran trials',
    );
    assert.ok(owners.size >= 2, `more than one process ran trials (${[...owners].join(', ')})`);
  });

  test(`${label}: a process killed with SIGKILL mid-trial: its trial is failed and trained again by another`, {
    skip,
  }, async () => {
    const url = await makeUrl();
    const name = `kill-${label}`;
    const f = studyConfig(dir, name, gridTune(url).replace('trials: 24', 'trials: 6'), 60);
    const victim = tune([f, '--out', join(dir, `kv-${label}`)]);
    assert.ok(await until(url, name, (t) => t !== null));
    const pid = victim.child.pid!;
    const other = worker(url, name);
    const mid = midTrial(pid);
    assert.ok(await until(url, name, (t) => (t ?? []).some(mid)), 'caught the victim mid-trial');
    victim.child.kill('SIGKILL');
    await victim.done;
    const end = await other.done;
    assert.equal(end.code, 0, end.err);
    const s = openStorage(url);
    const trials = await s.getTrials(name);
    await s.close();
    const killed = trials.filter((t) => t.state === 'failed');
    assert.equal(killed.length, 1, trials.map((t) => `${t.number} ${t.state} ${t.owner} ${t.error}`).join('\n'));
    const k = killed[0]!;
    assert.match(
      k.error!,
      new RegExp(`^(interrupted: .*:${pid} is no longer running|stale: no heartbeat from .*:${pid})`),
    );
    const again = trials.find((t) => t.number === k.attrs.retried_as)!;
    assert.deepEqual([again.state, again.params, again.attrs.rerun_of], ['complete', k.params, k.number]);
    assert.equal(trials.filter((t) => t.state === 'complete').length, 6, 'the study finished its budget of 6');
  });

  test(`${label}: study show and study ls --json say the time left to the budgets of the processes that run it`, {
    skip,
  }, async () => {
    const url = await makeUrl();
    const name = `left-${label}`;
    const f = studyConfig(dir, name, gridTune(url).replace('trials: 24', 'trials: 6'), 5000);
    assert.equal((await create(f).done).code, 0);
    const out = (k: string) => ['--out', join(dir, `left-${label}-${k}`)];
    const short = tune([f, '--resume', '--time-budget', '5m', ...out('a')]);
    const long = tune([f, '--resume', '--time-budget', '20m', ...out('b')]);
    const both = (t: Parameters<Parameters<typeof until>[2]>[0]) =>
      [short, long].every((p) =>
        (t ?? []).some((x) => x.state === 'running' && x.owner?.endsWith(`:${p.child.pid}`) && x.intermediate.length),
      );
    assert.ok(await until(url, name, both), 'both processes mid-trial');
    const show = async () => {
      const j = await runCli(['study', 'show', name, '--storage', url, '--json']);
      assert.equal(j.code, 0, j.err);
      const text = await runCli(['study', 'show', name, '--storage', url]);
      const ls = JSON.parse((await runCli(['study', 'ls', '--storage', url, '--json'])).out);
      const { time_left_s, time_left_processes } = JSON.parse(j.out);
      const listed = ls.find((s: { name: string }) => s.name === name);
      return { s: time_left_s, n: time_left_processes, text: text.out, ls: listed.time_left_s };
    };
    // the later of the two budgets, 20 minutes from their start (the study's storage keeps each process's)
    const two = await show();
    assert.ok(two.s > 18 * 60 && two.s <= 20 * 60, `${two.s} s`);
    assert.equal(two.n, 2);
    assert.ok(two.ls > 18 * 60 && two.ls <= 20 * 60, `study ls --json: ${two.ls} s`);
    assert.match(two.text, /\ntime left: about (19|20) min \(2 processes\)\n/);
    // a process gone (killed: it never said so) is not counted: the other's 5 minutes
    long.child.kill('SIGKILL');
    await long.done;
    const one = await show();
    assert.ok(one.s > 3 * 60 && one.s <= 5 * 60, `${one.s} s`);
    assert.equal(one.n, 1);
    assert.match(one.text, /\ntime left: about [45] min \(1 process\)\n/);
    short.child.kill('SIGKILL');
    await short.done;
    const none = await show();
    assert.deepEqual([none.s, none.n, none.ls], [null, 0, null]);
    assert.doesNotMatch(none.text, /time left/);
  });

  test(`${label}: SIGINT to a worker mid-trial: exit 130, its trial failed as interrupted and trained by another`, {
    skip,
  }, async () => {
    const url = await makeUrl();
    const name = `int-${label}`;
    const f = studyConfig(dir, name, gridTune(url).replace('trials: 24', 'trials: 6'), 60);
    // The worker starts first, on a study made without trials, so a fast tune cannot finish the budget before it
    // joins; the worker is stopped mid-trial while alone (so nobody takes its interrupted trial before it counts it
    // waiting), then a tune joins with --resume.
    const made = await create(f).done;
    assert.equal(made.code, 0, made.err);
    const victim = worker(url, name);
    const pid = victim.child.pid!;
    const mid = midTrial(pid);
    let exited: { code: number | null; err: string } | undefined;
    void victim.done.then((e) => {
      exited = e;
    });
    const caught = await until(url, name, (t) => exited !== undefined || (t ?? []).some(mid));
    assert.ok(
      caught && !exited,
      `caught the worker mid-trial (worker: ${exited ? `exit ${exited.code} ${exited.err}` : 'running'})`,
    );
    victim.child.kill('SIGINT');
    const stopped = await victim.done;
    assert.equal(stopped.code, 130, stopped.err);
    assert.match(stopped.err, /seqtune: SIGINT: study int-\w+: 1 trial waiting for a worker/);
    // another process then trains the interrupted trial first and finishes the budget
    const survivor = tune([f, '--resume', '--out', join(dir, `is-${label}`)]);
    const end = await survivor.done;
    assert.equal(end.code, 0, end.err);
    const s = openStorage(url);
    const trials = await s.getTrials(name);
    await s.close();
    const show = trials.map((t) => `${t.number} ${t.state} ${t.owner} ${t.error}`).join('\n');
    const hit = trials.filter((t) => t.state === 'failed');
    assert.equal(hit.length, 1, show);
    assert.match(hit[0]!.error!, new RegExp(`^interrupted: SIGINT to .*:${pid} \\(last heartbeat `));
    const again = trials.find((t) => t.number === hit[0]!.attrs.retried_as)!;
    assert.deepEqual([again.state, again.params], ['complete', hit[0]!.params]);
    assert.ok(!again.owner!.endsWith(`:${pid}`), 'another process trained it again');
    assert.equal(trials.filter((t) => t.state === 'complete').length, 6, show);
  });
}
