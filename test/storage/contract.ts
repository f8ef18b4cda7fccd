// The contract every storage implementation keeps (memory, SQLite, PostgreSQL).

import assert from 'node:assert/strict';
import { test as nodeTest } from 'node:test';
import {
  DuplicateTrial,
  type FrozenTrial,
  type MadeStudy,
  type Storage,
  StudyRemade,
  trialDeadline,
} from '../../src/storage/index.js';

const owner = (pid: number, worker = 0) => ({ host: 'h1', pid, worker });

/** Deletes study `name` and makes it again, at another creation time (milliseconds): the re-made study's record. */
async function remade(s: Storage, name: string): Promise<MadeStudy> {
  await s.deleteStudy(name);
  await new Promise((r) => setTimeout(r, 5));
  return s.createStudy(name, {});
}

export function runStorageContract(
  label: string,
  make: () => Storage | Promise<Storage>,
  o: { skip?: string | false } = {},
): void {
  const test = (name: string, fn: () => Promise<void>) => nodeTest(name, { skip: o.skip || false }, fn);
  test(`${label}: studies are created once, listed and annotated`, async () => {
    const s = await make();
    try {
      const rec = await s.createStudy('a', { strategy: 'ofat' });
      assert.equal(rec.name, 'a');
      assert.equal(rec.direction, 'minimize');
      await assert.rejects(s.createStudy('a', {}), /already exists/);
      assert.equal(rec.made, true);
      const loaded = await s.createStudy('a', {}, { loadIfExists: true });
      assert.deepEqual([loaded.name, loaded.made, loaded.attrs], ['a', false, { strategy: 'ofat' }]);
      await s.createStudy('b', {});
      assert.deepEqual(
        (await s.listStudies()).map((x) => x.name),
        ['a', 'b'],
      );
      await s.setStudyAttr('a', 'best_run_dir', 'runs/x');
      assert.deepEqual((await s.getStudy('a'))!.attrs, { strategy: 'ofat', best_run_dir: 'runs/x' });
      assert.equal(await s.getStudy('nope'), null);
    } finally {
      await s.close();
    }
  });

  test(`${label}: trials get consecutive numbers, intermediate values, explicit end states; records are frozen`, async () => {
    const s = await make();
    try {
      await s.createStudy('t', {});
      const t0 = await s.createTrial('t', { lr: 0.01 }, { why: 'baseline' });
      const t1 = await s.createTrial('t', { lr: 0.1 });
      assert.deepEqual([t0.number, t1.number, t0.state], [0, 1, 'running']);
      await s.report('t', 0, 0, 1.5);
      await s.report('t', 0, 1, 1.2);
      const done = await s.finishTrial('t', 0, 'complete', 1.2, { attrs: { epochs: 2 } });
      assert.deepEqual(done.intermediate, [1.5, 1.2]);
      assert.deepEqual(done.attrs, { why: 'baseline', epochs: 2 });
      assert.equal(done.value, 1.2);
      assert.ok(Object.isFrozen(done) && Object.isFrozen(done.params));
      assert.throws(() => {
        (done.params as Record<string, unknown>).lr = 5;
      });
      await assert.rejects(s.finishTrial('t', 0, 'failed', null), /already complete/);
      await assert.rejects(s.report('t', 0, 2, 1.0), /only a running trial takes reports/);
      await s.report('t', 1, 0, 9);
      const f = await s.finishTrial('t', 1, 'failed', null, { error: 'diverged' });
      assert.equal(f.error, 'diverged');
      assert.deepEqual(
        (await s.getTrials('t')).map((t) => [t.number, t.state, t.value]),
        [
          [0, 'complete', 1.2],
          [1, 'failed', null],
        ],
      );
    } finally {
      await s.close();
    }
  });

  test(`${label}: two studies do not interfere; interrupted trials are marked failed on resume`, async () => {
    const s = await make();
    try {
      await s.createStudy('x', {});
      await s.createStudy('y', {});
      await s.createTrial('x', { a: 1 });
      await s.createTrial('y', { a: 2 });
      await s.createTrial('x', { a: 3 });
      assert.deepEqual(
        (await s.getTrials('x')).map((t) => [t.number, t.params.a]),
        [
          [0, 1],
          [1, 3],
        ],
      );
      assert.deepEqual(
        (await s.getTrials('y')).map((t) => [t.number, t.params.a]),
        [[0, 2]],
      );
      await s.finishTrial('x', 0, 'pruned', 0.7);
      assert.deepEqual(await s.failRunning('x', 'interrupted'), [1]);
      assert.deepEqual(
        (await s.getTrials('x')).map((t) => t.state),
        ['pruned', 'failed'],
      );
      assert.equal((await s.getTrials('y'))[0]!.state, 'running');
    } finally {
      await s.close();
    }
  });

  test(`${label}: waiting trials are claimed once, lowest number first; heartbeats touch running trials only`, async () => {
    const s = await make();
    try {
      await s.createStudy('w', {});
      const r = await s.createTrial('w', { a: 0 }, {}, { owner: owner(7, 2) });
      assert.deepEqual([r.state, r.owner, r.worker, typeof r.heartbeat], ['running', 'h1:7', 2, 'string']);
      const w1 = await s.createTrial('w', { a: 1 }, { why: 'enqueued' }, { waiting: true });
      await s.createTrial('w', { a: 2 }, {}, { waiting: true });
      assert.deepEqual([w1.number, w1.state, w1.owner ?? null, w1.heartbeat ?? null], [1, 'waiting', null, null]);
      await assert.rejects(s.report('w', 1, 0, 1), /is waiting; only a running trial takes reports/);
      const c1 = (await s.claimWaiting('w', owner(8, 1)))!;
      assert.deepEqual([c1.number, c1.state, c1.owner, c1.worker, c1.attrs.why], [1, 'running', 'h1:8', 1, 'enqueued']);
      assert.equal((await s.claimWaiting('w', owner(9)))!.number, 2);
      assert.equal(await s.claimWaiting('w', owner(9)), null);
      await s.finishTrial('w', 0, 'complete', 1);
      const before = (await s.getTrials('w')).map((t) => t.heartbeat);
      await new Promise((res) => setTimeout(res, 15));
      await s.heartbeat('w', [0, 1]);
      const after = (await s.getTrials('w')).map((t) => t.heartbeat);
      assert.equal(after[0], before[0], 'a finished trial keeps its last heartbeat');
      assert.ok(Date.parse(after[1]!) > Date.parse(before[1]!), 'a running trial beats');
      assert.equal(after[2], before[2]);
    } finally {
      await s.close();
    }
  });

  test(`${label}: getTrialsAt reads getTrials' trials with the clock their heartbeats are written by`, async () => {
    const s = await make();
    try {
      await s.createStudy('clock', {});
      await s.createTrial('clock', { a: 0 }, {}, { owner: owner(1) });
      await s.heartbeat('clock', [0]);
      const { trials, now } = await s.getTrialsAt('clock');
      assert.deepEqual(trials, await s.getTrials('clock'));
      // a beat just written is not after the clock it was read with, nor far before it
      const beat = Date.parse(trials[0]!.heartbeat!);
      assert.ok(
        now >= beat && now - beat < 10_000,
        `read at ${new Date(now).toISOString()}, beat ${trials[0]!.heartbeat}`,
      );
      await assert.rejects(s.getTrialsAt('nope'), /no study named "nope"/);
    } finally {
      await s.close();
    }
  });

  test(`${label}: a trial is stale after its own owner's stale_after_s when that is longer than the sweep's`, async () => {
    const s = await make();
    try {
      await s.createStudy('sa', {});
      const slow = { ...owner(1), staleAfterS: 60 };
      const made = await s.createTrial('sa', { a: 0 }, { why: 'grid' }, { owner: slow });
      await s.createTrial('sa', { a: 1 }, {}, { waiting: true });
      const claimed = await s.claimWaiting('sa', slow);
      await s.createTrial('sa', { a: 2 }, {}, { owner: owner(2) });
      assert.deepEqual([made.attrs, claimed?.attrs], [{ why: 'grid', stale_after_s: 60 }, { stale_after_s: 60 }]);
      await new Promise((res) => setTimeout(res, 20));
      assert.deepEqual(await s.failStale('sa', { graceMs: 5, retries: 0 }), { failed: [2], enqueued: [] });
    } finally {
      await s.close();
    }
  });

  test(`${label}: a trial records its owner's time budget as the seconds left at its start, on the storage's clock`, async () => {
    const s = await make();
    try {
      await s.createStudy('tb', {});
      const timed = { ...owner(1), deadline: Date.now() + 600_000 };
      const made = await s.createTrial('tb', { a: 0 }, {}, { owner: timed });
      await s.createTrial('tb', { a: 1 }, {}, { waiting: true });
      const claimed = (await s.claimWaiting('tb', timed))!;
      const none = await s.createTrial('tb', { a: 2 }, {}, { owner: owner(2) });
      for (const t of [made, claimed]) {
        const left = t.attrs.budget_left_s as number;
        assert.ok(left > 590 && left <= 600, `${t.number}: ${left}`);
        // its deadline, from its start by the storage's clock (PostgreSQL: the server's, as the heartbeats)
        const end = trialDeadline(t)!;
        assert.equal(end, Date.parse(t.started) + left * 1000);
      }
      assert.deepEqual([none.attrs, trialDeadline(none)], [{}, undefined]);
      const { trials, now } = await s.getTrialsAt('tb');
      const end = trialDeadline(trials[0]!)!;
      assert.ok(end - now > 590_000 && end - now <= 600_000, `${end - now} ms`);
    } finally {
      await s.close();
    }
  });

  test(`${label}: stale and dead trials are failed with the reason and enqueued again while retries allow`, async () => {
    const s = await make();
    try {
      await s.createStudy('st', {});
      await s.createTrial('st', { a: 0 }, { why: 'baseline' }, { owner: owner(1) });
      await s.createTrial('st', { a: 1 }, {}, { owner: owner(2) });
      await s.createTrial('st', { a: 2 });
      const fresh = await s.failStale('st', { graceMs: 60_000, retries: 1 });
      assert.deepEqual(fresh, { failed: [2], enqueued: [3] }, 'only the trial without an owner is taken at once');
      const dead = await s.failStale('st', { graceMs: 60_000, deadOwners: ['h1:2'], retries: 1 });
      assert.deepEqual(dead, { failed: [1], enqueued: [4] });
      await new Promise((res) => setTimeout(res, 20));
      // a trial the sweeping process runs itself is alive, however old its heartbeat
      assert.deepEqual(await s.failStale('st', { graceMs: 5, retries: 0, live: [0] }), { failed: [], enqueued: [] });
      assert.deepEqual(await s.failStale('st', { graceMs: 5, retries: 0 }), { failed: [0], enqueued: [] });
      const t = await s.getTrials('st');
      assert.match(t[0]!.error!, /^stale: no heartbeat from h1:1 since \d{4}-\d\d-\d\dT/);
      assert.match(t[1]!.error!, /^interrupted: h1:2 is no longer running/);
      assert.match(t[2]!.error!, /^interrupted: the trial records no owner/);
      assert.deepEqual(
        t.slice(3).map((x) => [x.state, x.params.a, x.attrs.rerun_of, x.attrs.retry]),
        [
          ['waiting', 2, 2, 1],
          ['waiting', 1, 1, 1],
        ],
      );
      assert.equal(t[1]!.attrs.retried_as, 4);
      // A retry that goes stale again is not enqueued a second time with retries 1.
      await s.claimWaiting('st', owner(5));
      const again = await s.failStale('st', { graceMs: 60_000, deadOwners: ['h1:5'], retries: 1 });
      assert.deepEqual(again, { failed: [3], enqueued: [] });
      assert.deepEqual(await s.failStale('st', { graceMs: 60_000, retries: 1 }), { failed: [], enqueued: [] });
      // A process failing its own trials on Ctrl-C says why; a trial of another live owner is left alone.
      await s.claimWaiting('st', owner(6));
      await s.createTrial('st', { a: 3 }, {}, { owner: owner(7) });
      // A stop the user asked for uses none of the retries: trial 4, a retry already, is enqueued again with its
      // count unchanged (a dead owner's trial with the same count was not, above); with retries 0 it is not.
      const sigint = { graceMs: 60_000, deadOwners: ['h1:6'], retries: 1, reason: 'SIGINT to h1:6', interrupt: true };
      assert.deepEqual(await s.failStale('st', sigint), { failed: [4], enqueued: [6] });
      const t4 = (await s.getTrials('st'))[4]!;
      assert.match(t4.error!, /^interrupted: SIGINT to h1:6 \(last heartbeat \d{4}-/);
      assert.equal((await s.getTrials('st'))[5]!.state, 'running');
      const t6 = (await s.getTrials('st'))[6]!;
      assert.deepEqual([t6.state, t6.params.a, t6.attrs.rerun_of, t6.attrs.retry], ['waiting', 1, 4, 1]);
      await s.claimWaiting('st', owner(8));
      const none = { ...sigint, deadOwners: ['h1:8'], retries: 0, reason: 'SIGINT to h1:8' };
      assert.deepEqual(await s.failStale('st', none), { failed: [6], enqueued: [] });
    } finally {
      await s.close();
    }
  });

  test(`${label}: at the same moment, one creator wins, claims never take a trial twice, numbers never repeat`, async () => {
    const s = await make();
    try {
      const made = await Promise.allSettled([s.createStudy('race', { by: 1 }), s.createStudy('race', { by: 2 })]);
      assert.deepEqual(made.map((m) => m.status).sort(), ['fulfilled', 'rejected']);
      const lost = made.find((m) => m.status === 'rejected') as PromiseRejectedResult;
      assert.match(lost.reason.message, /a study named "race" already exists/);
      for (let i = 0; i < 6; i++) await s.createTrial('race', { i }, {}, { waiting: true });
      const claims = await Promise.all(Array.from({ length: 10 }, (_, k) => s.claimWaiting('race', owner(k))));
      const got = claims.filter((c) => c !== null).map((c) => c!.number);
      assert.deepEqual(got.sort(), [0, 1, 2, 3, 4, 5]);
      const created = await Promise.all(Array.from({ length: 8 }, (_, i) => s.createTrial('race', { j: i })));
      const same = await Promise.allSettled([0, 1, 2].map(() => s.createTrial('race', { u: 4 }, {}, { unique: true })));
      assert.deepEqual(same.map((m) => m.status).sort(), ['fulfilled', 'rejected', 'rejected']);
      for (const m of same)
        if (m.status === 'rejected')
          assert.match(m.reason.message, /already has a trial with the parameters \{"u":4\}/);
      // 'in-flight' (random, TPE): one of three at once, and again once the first has finished, not while it runs
      const drawn = await Promise.allSettled(
        [0, 1, 2].map(() => s.createTrial('race', { r: 1 }, {}, { unique: 'in-flight' })),
      );
      assert.deepEqual(drawn.map((m) => m.status).sort(), ['fulfilled', 'rejected', 'rejected']);
      for (const m of drawn)
        if (m.status === 'rejected')
          assert.match(m.reason.message, /already has a trial waiting or running with the parameters \{"r":1\}/);
      const first = drawn.find((m) => m.status === 'fulfilled') as PromiseFulfilledResult<FrozenTrial>;
      await s.finishTrial('race', first.value.number, 'complete', 1);
      const again = await s.createTrial('race', { r: 1 }, {}, { unique: 'in-flight' });
      await assert.rejects(s.createTrial('race', { r: 1 }, {}, { unique: 'in-flight' }), DuplicateTrial);
      await s.finishTrial('race', again.number, 'complete', 1);
      assert.deepEqual(
        created.map((t) => t.number).sort((a, b) => a - b),
        [6, 7, 8, 9, 10, 11, 12, 13],
      );
    } finally {
      await s.close();
    }
  });

  test(`${label}: a finished trial is the same object at every read; what changed is read again`, async () => {
    const s = await make();
    try {
      await s.createStudy('s', {});
      const a = await s.createTrial('s', { x: 1 });
      await s.finishTrial('s', a.number, 'complete', 0.5, { attrs: { history: { loss: [1, 0.5] } } });
      const b = await s.createTrial('s', { x: 2 });
      const [first, second] = [await s.getTrials('s'), await s.getTrials('s')];
      assert.notEqual(first, second, 'each read is its own array');
      assert.equal(second[0], first[0], 'the finished trial is shared');
      first.length = 0; // what a caller does with its array is not what the next read returns
      await s.report('s', b.number, 0, 0.7);
      assert.deepEqual(
        (await s.getTrials('s')).map((t) => [t.number, t.intermediate]),
        [
          [0, []],
          [1, [0.7]],
        ],
      );
      await s.finishTrial('s', b.number, 'pruned', 0.7);
      const done = await s.getTrials('s');
      assert.equal(done[1]!.state, 'pruned', 'the record it finished with, not the running one');
      assert.deepEqual([done[0], (await s.getTrials('s'))[1]], [second[0], done[1]]);
      assert.equal((await s.getTrials('s'))[1], done[1]);
      await s.createTrial('s', { x: 3 }, {}, { waiting: true });
      assert.equal((await s.getTrials('s'))[2]!.state, 'waiting');
      await s.claimWaiting('s', owner(4));
      await s.report('s', 2, 0, 0.25);
      const claimed = (await s.getTrials('s'))[2]!;
      assert.deepEqual([claimed.state, claimed.owner, claimed.intermediate], ['running', 'h1:4', [0.25]]);
      assert.deepEqual(await s.failStale('s', { graceMs: 60_000, deadOwners: ['h1:4'], retries: 1 }), {
        failed: [2],
        enqueued: [3],
      });
      assert.deepEqual(
        (await s.getTrials('s')).map((t) => [t.number, t.state]),
        [
          [0, 'complete'],
          [1, 'pruned'],
          [2, 'failed'],
          [3, 'waiting'],
        ],
      );

      // a study deleted and made again under its name numbers its trials from 0 again
      assert.equal(await s.deleteStudy('s'), true);
      await s.createStudy('s', {});
      const again = await s.createTrial('s', { x: 4 });
      await s.finishTrial('s', again.number, 'complete', 0.1);
      assert.deepEqual(
        (await s.getTrials('s')).map((t) => [t.number, t.params]),
        [[0, { x: 4 }]],
      );
    } finally {
      await s.close();
    }
  });

  test(`${label}: a deleted study is gone with its trials; other studies stay`, async () => {
    const s = await make();
    try {
      await s.createStudy('gone', {});
      await s.createStudy('kept', {});
      await s.createTrial('gone', {});
      await s.report('gone', 0, 0, 1);
      await s.createTrial('kept', {});
      assert.equal(await s.deleteStudy('gone'), true);
      assert.equal(await s.deleteStudy('gone'), false);
      assert.equal(await s.getStudy('gone'), null);
      await assert.rejects(s.getTrials('gone'), /no study named "gone"/);
      assert.equal((await s.getTrials('kept')).length, 1);
      await s.createStudy('gone', {});
      assert.equal((await s.createTrial('gone', {})).number, 0, 'a study made again starts from trial 0');
    } finally {
      await s.close();
    }
  });
  test(`${label}: a report or end for a study deleted and made again under its name never reaches the new study`, async () => {
    const s = await make();
    try {
      const old = await s.createStudy('re', {});
      await s.createTrial('re', { x: 1 }, {}, { owner: owner(1) });
      await s.report('re', 0, 0, 1, { created: old.created });
      const made = await remade(s, 're');
      assert.notEqual(made.created, old.created);
      await s.createTrial('re', { x: 2 }, {}, { owner: owner(2) });
      // the old process's trial #0 goes on: its epochs and its end, by name and number, meet the new trial #0
      await assert.rejects(s.report('re', 0, 1, 7, { created: old.created }), StudyRemade);
      await assert.rejects(s.report('re', 0, 1, 7, { created: old.created }), /deleted and made again/);
      await assert.rejects(s.finishTrial('re', 0, 'complete', 7, { created: old.created }), StudyRemade);
      const [t] = await s.getTrials('re');
      assert.deepEqual([t!.state, t!.params, t!.intermediate], ['running', { x: 2 }, []]);
      await s.report('re', 0, 0, 3, { created: made.created });
      assert.equal((await s.finishTrial('re', 0, 'complete', 3, { created: made.created })).value, 3);
      await s.deleteStudy('re');
      await assert.rejects(s.report('re', 0, 1, 7, { created: made.created }), /no study named "re"/);
    } finally {
      await s.close();
    }
  });
  test(`${label}: the trials of a study deleted and made again under its name are not read for the deleted one`, async () => {
    const s = await make();
    try {
      const old = await s.createStudy('re', {});
      await s.createTrial('re', { x: 1 }, {}, { owner: owner(1) });
      assert.deepEqual(
        (await s.getTrials('re', { created: old.created })).map((t) => t.params),
        [{ x: 1 }],
      );
      const made = await remade(s, 're');
      await s.createTrial('re', { x: 2 }, {}, { owner: owner(2) });
      // the old process's trial thread looks up its trial #0 by number: the new study's #0 is another's
      await assert.rejects(s.getTrials('re', { created: old.created }), StudyRemade);
      await assert.rejects(
        s.getTrialsAt('re', { created: old.created }),
        new RegExp(
          '^StudyRemade: study "re" in .* was deleted and made again under its name \\(created .*; the study asked ' +
            "for was created .*\\): its trials are not read as the deleted study's$",
        ),
      );
      assert.deepEqual(
        (await s.getTrials('re', { created: made.created })).map((t) => t.params),
        [{ x: 2 }],
      );
      assert.equal((await s.getTrialsAt('re', { created: made.created })).trials.length, 1);
    } finally {
      await s.close();
    }
  });
  test(`${label}: no trial is made or claimed in a study deleted and made again under its name for the deleted one`, async () => {
    const s = await make();
    try {
      const old = await s.createStudy('re', {});
      await s.createTrial('re', { x: 0 }, {}, { waiting: true, created: old.created });
      assert.equal((await s.claimWaiting('re', owner(1), { created: old.created }))!.number, 0);
      const made = await remade(s, 're');
      await s.createTrial('re', { x: 'new' }, {}, { waiting: true });
      // the old process's loop, past its look at the study: it claims a waiting trial, creates its proposal, enqueues
      await assert.rejects(s.claimWaiting('re', owner(1), { created: old.created }), StudyRemade);
      await assert.rejects(s.createTrial('re', { x: 1 }, {}, { owner: owner(1), created: old.created }), StudyRemade);
      await assert.rejects(s.createTrial('re', { x: 2 }, {}, { waiting: true, created: old.created }), StudyRemade);
      assert.deepEqual(
        (await s.getTrials('re')).map((t) => [t.number, t.state, t.params, t.owner]),
        [[0, 'waiting', { x: 'new' }, null]],
        "the new study's waiting trial unclaimed, and nothing of the old process's in it",
      );
      assert.equal((await s.claimWaiting('re', owner(2), { created: made.created }))!.owner, 'h1:2');
      assert.equal((await s.createTrial('re', { x: 3 }, {}, { created: made.created })).number, 1);
    } finally {
      await s.close();
    }
  });
  test(`${label}: a delete of a study judged before it was deleted and made again under its name deletes nothing`, async () => {
    const s = await make();
    try {
      const old = await s.createStudy('re', {});
      const made = await remade(s, 're');
      await s.createTrial('re', { x: 2 }, {}, { owner: owner(2) });
      // study delete judged the old study (no live trial), and deletes after another process made it again
      await assert.rejects(
        s.deleteStudy('re', { created: old.created }),
        /^StudyRemade: study "re" .*\): nothing is deleted \(it was not the study judged: look at it again\)$/,
      );
      assert.deepEqual(
        (await s.getTrials('re', { created: made.created })).map((t) => [t.state, t.params]),
        [['running', { x: 2 }]],
      );
      assert.equal(await s.deleteStudy('re', { created: made.created }), true);
      assert.equal(await s.deleteStudy('re', { created: made.created }), false);
    } finally {
      await s.close();
    }
  });
  test(`${label}: a beat or a sweep for a study deleted and made again under its name leaves the new study alone`, async () => {
    const s = await make();
    try {
      const old = await s.createStudy('re', {});
      await s.createTrial('re', { x: 1 }, {}, { owner: owner(1) });
      await s.heartbeat('re', [0], { created: old.created });
      const made = await remade(s, 're');
      const mine = await s.createTrial('re', { x: 2 }, {}, { owner: owner(2) });
      await s.createTrial('re', { x: 3 }, {}, { owner: owner(3) });
      await new Promise((r) => setTimeout(r, 5)); // a beat now is a later time
      // the old process's heartbeat thread beats its trial #0, and its sweep fails the trials it finds stale (h1:2
      // and h1:3 dead, say, or beating slower than its grace)
      await assert.rejects(s.heartbeat('re', [0, 1], { created: old.created }), StudyRemade);
      const rule = { graceMs: 0, deadOwners: ['h1:2', 'h1:3'], retries: 1 };
      await assert.rejects(s.failStale('re', rule, { created: old.created }), /deleted and made again/);
      const now = await s.getTrials('re');
      assert.deepEqual(
        now.map((t) => [t.number, t.state, t.heartbeat]),
        [
          [0, 'running', mine.heartbeat],
          [1, 'running', now[1]!.started],
        ],
        'the new study as its processes left it: running, unbeaten, nothing enqueued',
      );
      await s.heartbeat('re', [0], { created: made.created });
      assert.notEqual((await s.getTrials('re'))[0]!.heartbeat, mine.heartbeat);
      const swept = await s.failStale('re', { ...rule, live: [0] }, { created: made.created });
      assert.deepEqual(swept, { failed: [1], enqueued: [2] });
    } finally {
      await s.close();
    }
  });
}
