import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AshaPruner, createStudy } from '../../src/index.js';

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
