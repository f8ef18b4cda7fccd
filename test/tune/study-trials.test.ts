// The tune layer's reads of a study share its finished trials: the same object at every read once a trial has
// finished, a fresh record while it runs, nothing of a deleted study's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { type FrozenTrial, SqliteStorage } from '../../src/storage/index.js';
import { runStudy } from '../../src/tune/index.js';
import { sharedTrials } from '../../src/tune/study-trials.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-study-trials-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 300, seed: 5 }));

test('a finished trial is the same object at every read; a running one is read fresh until it finishes', async () => {
  const inner = new SqliteStorage(join(dir, 'unit.db'));
  const s = sharedTrials(inner);
  try {
    await s.createStudy('s', {});
    const a = await s.createTrial('s', { x: 1 });
    await s.finishTrial('s', a.number, 'complete', 0.5, { attrs: { history: { loss: [1, 0.5] } } });
    const b = await s.createTrial('s', { x: 2 });
    const [first, second] = [await s.getTrials('s'), await s.getTrials('s')];
    assert.notEqual(first, second, 'each read is its own array');
    assert.equal(second[0], first[0], 'the finished trial is shared');
    assert.deepEqual(second[0], (await inner.getTrials('s'))[0], "and is storage's record");
    assert.notEqual(second[1], first[1], 'the running trial is read again');
    await s.report('s', b.number, 0, 0.7);
    assert.deepEqual((await s.getTrials('s'))[1]!.intermediate, [0.7]);
    await s.finishTrial('s', b.number, 'pruned', 0.7);
    const done = await s.getTrials('s');
    assert.equal(done[1]!.state, 'pruned', 'the record it finished with, not the running one');
    assert.equal((await s.getTrials('s'))[1], done[1]);

    // a study deleted and made again under its name numbers its trials from 0 again
    assert.equal(await s.deleteStudy('s'), true);
    await s.createStudy('s', {});
    const again = await s.createTrial('s', { x: 3 });
    await s.finishTrial('s', again.number, 'complete', 0.1);
    assert.deepEqual((await s.getTrials('s'))[0]!.params, { x: 3 });
  } finally {
    await s.close();
  }
});

test("a study's loop reads share its finished trials (the plan's indexes by trial are found again)", async () => {
  const f = studyConfig(
    dir,
    'shared',
    `  strategy: random\n  trials: 3\n  jobs: 1\n  storage: sqlite:${join(dir, 'study.db')}\n` +
      '  space:\n    train.optimizer.adam.learning_rate: {loguniform: [0.001, 0.05]}\n',
    2,
  );
  const reads: (readonly FrozenTrial[])[] = [];
  await runStudy(await loadConfig(f), { log: () => {}, saveBest: false, onTrials: (t) => reads.push(t) });
  const zero = reads.map((r) => r.find((t) => t.number === 0 && t.state === 'complete')).filter((t) => t);
  assert.ok(zero.length >= 3, `trial 0 finished in ${zero.length} reads`);
  for (const t of zero) assert.equal(t, zero[0], 'trial 0 is one object in every read after it finished');
});
