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
