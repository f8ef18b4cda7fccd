// The contract every storage implementation keeps (memory, SQLite; PostgreSQL when it exists).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Storage } from '../../src/storage/index.js';

export function runStorageContract(label: string, make: () => Storage): void {
  test(`${label}: studies are created once, listed and annotated`, async () => {
    const s = make();
    try {
      const rec = await s.createStudy('a', { strategy: 'ofat' });
      assert.equal(rec.name, 'a');
      assert.equal(rec.direction, 'minimize');
      await assert.rejects(s.createStudy('a', {}), /already exists/);
      assert.equal((await s.createStudy('a', {}, { loadIfExists: true })).name, 'a');
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
    const s = make();
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
    const s = make();
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
}
