// A trial's steady value (steady.ts): the best epoch read against its neighbours, so that a dip of a noisy curve
// does not outrank a steady curve at auto's end, alone or inside an ensemble.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { autoLines } from '../../src/cli/commands/study-report.js';
import { loadConfig, resolveConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { steadyFusion } from '../../src/tune/auto-ensemble.js';
import { seedGroups } from '../../src/tune/seeds.js';
import { luckOf, steadyValue } from '../../src/tune/steady.js';
import { studyJson } from '../../src/tune/study-json.js';
import { trialMaker } from '../helpers/auto-plan.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-steady-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 200, seed: 2 }));

// ETTh1 h96's #11 (lr 0.039): 0.0868 at epoch 9 between 0.0917 and 0.1061, then 0.2027
const SPIKY = [0.0963, 0.1004, 0.0943, 0.0991, 0.0922, 0.0917, 0.0987, 0.0917, 0.0868, 0.1061, 0.2027, 0.1118];

test("a trial's luck is how far its best epoch dips below the lower of its two neighbours", () => {
  assert.ok(Math.abs(luckOf({ intermediate: SPIKY }) - (0.0917 / 0.0868 - 1)) < 1e-12);
  assert.equal(luckOf({ intermediate: [0.1, 0.09, 0.08, 0.07] }), 0, 'still falling at its last epoch');
  assert.equal(luckOf({ intermediate: [0.0898, 0.0924, 0.0993] }), 0, 'best at its first epoch');
  assert.equal(luckOf({ intermediate: [0.07] }), 0);
  assert.ok(Math.abs(luckOf({ intermediate: [0.1, 0.09, 0.089, 0.0895, 0.092] }) - (0.0895 / 0.089 - 1)) < 1e-12);
  assert.ok(Math.abs(steadyValue({ intermediate: SPIKY, value: 0.0868 }) - 0.0917) < 1e-12);
});

test('a dip of a noisy curve ranks behind a steady curve a little above it, alone and as a mean over seeds', async () => {
  const f = studyConfig(dir, 'steady', '  strategy: auto\n');
  const base = resolveConfig((await loadConfig(f)).raw, 'steady');
  const trial = trialMaker();
  const U = 'model.layers[0].gru.units';
  const curve = (t: ReturnType<typeof trial>, intermediate: number[]) => ({ ...t, intermediate });
  const spiky = curve(trial({ [U]: 8 }, 0.0868), SPIKY);
  const steady = curve(trial({ [U]: 6 }, 0.0894), [0.0898, 0.0894, 0.0895, 0.0897]);
  assert.deepEqual(
    seedGroups(base, [spiky, steady]).map((g) => g.trials[0]!.number),
    [steady.number, spiky.number],
  );
  // seeds: the spiky configuration's mean of values (0.0892) is below the steady one's (0.0895); its steady mean is not
  const s2 = curve(trial({ [U]: 8, seed: 2 }, 0.0905), [0.0961, 0.0926, 0.0905, 0.0983]);
  const t2 = curve(trial({ [U]: 6, seed: 2 }, 0.0896), [0.0899, 0.0896, 0.0897]);
  const groups = seedGroups(base, [spiky, steady, s2, t2]);
  assert.deepEqual(
    groups.map((g) => g.trials.map((t) => t.number)),
    [
      [steady.number, t2.number],
      [spiky.number, s2.number],
    ],
  );
  assert.ok(Math.abs(groups[1]!.mean - (0.0917 + 0.0926) / 2) < 1e-12);
});

test("an ensemble's validation MSE carries its members' luck as the fusion weighs them; the linear baseline has none", () => {
  const trial = trialMaker();
  const spiky = { ...trial({}, 0.0868), intermediate: SPIKY };
  const members = [{ trial: spiky.number }, { trial: null }];
  const r = { val: { fusion: 0.08, best_member: 0.0868, best_trial: 0 }, members, weights: [0.25, 0.75] };
  const luck = 0.0917 / 0.0868 - 1;
  type R = Parameters<typeof steadyFusion>[0];
  assert.ok(Math.abs(steadyFusion(r as unknown as R, [spiky]) - 0.08 * (1 + 0.25 * luck)) < 1e-12);
  const mean = { ...r, weights: [0.5, 0.5] };
  assert.ok(Math.abs(steadyFusion(mean as unknown as R, [spiky]) - 0.08 * (1 + 0.5 * luck)) < 1e-12);
});

test('study show names the trial auto chose by its steady value, not the dip with the lower value', () => {
  const trial = trialMaker();
  const spiky = { ...trial({ a: 1 }, 0.0868), intermediate: SPIKY };
  const steady = { ...trial({ a: 2 }, 0.0894), intermediate: [0.0898, 0.0894, 0.0895, 0.0897] };
  const attrs = {
    strategy: 'auto',
    best_by_steady: {
      trial: steady.number,
      steady: 0.0895,
      dip: { trial: spiky.number, value: 0.0868, steady: 0.0917 },
    },
  };
  const j = studyJson('s', [spiky, steady], attrs);
  assert.equal(j.best!.number, steady.number);
  assert.deepEqual(autoLines(j), [
    `best chosen by the steady value of its curve: 0.0895000 (#${spiky.number}'s lower value is a dip below its ` +
      'neighbouring epochs)',
  ]);
  assert.equal(studyJson('s', [spiky, steady], { strategy: 'auto' }).best!.number, spiky.number, 'without it');
});
