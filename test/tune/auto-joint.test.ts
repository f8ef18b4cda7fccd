// What auto does with the budget its plan leaves: seed repeats of a configuration that beat the best mean on one
// seed, then a joint TPE search over the factors the plan swept, in the best configuration's context.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JOINT, joint } from '../../src/tune/auto-joint.js';
import { finerValues, repeatSeeds } from '../../src/tune/auto-refine.js';
import { Replay } from '../../src/tune/auto-replay.js';
import { prepareFor } from '../../src/tune/trial.js';
import { autoTestEnv, trialMaker } from '../helpers/auto-plan.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-auto-joint-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const envOf = autoTestEnv(dir, 'joint');

const UNITS = 'model.layers[0].gru.units';
const LR = 'train.optimizer.adam.learning_rate';
const REG = 'model.layers[0].gru.kernel_regularizer';
const make = trialMaker(() => ({ seconds: 10, epochs: 10 }));
const trial = (params: Record<string, unknown>, value: number, why = '') => make(params, value, { why });

/** A plan that swept units, the learning rate and L2, adopted units 16, and repeated the best two with two seeds. */
function plan() {
  const base = trial({}, 0.1);
  const trials = [
    base,
    trial({ [UNITS]: 16 }, 0.05),
    trial({ [UNITS]: 64 }, 0.07),
    trial({ [UNITS]: 16, [LR]: 0.01 }, 0.06),
    trial({ [UNITS]: 16, [LR]: 0.0001 }, 0.09),
    trial({ [UNITS]: 16, [REG]: { l2: 0.001 } }, 0.055),
    trial({ [UNITS]: 16, seed: 43 }, 0.052),
    trial({ [UNITS]: 16, seed: 44 }, 0.054),
    trial({ [UNITS]: 16, [REG]: { l2: 0.001 }, seed: 43 }, 0.071),
    trial({ [UNITS]: 16, [REG]: { l2: 0.001 }, seed: 44 }, 0.072),
  ];
  return { base, trials };
}

test('after the plan, a joint TPE point over the swept factors, in their tried ranges, never a repeat', async () => {
  const env = await envOf();
  const { base, trials } = plan();
  const r = new Replay(env, trials, base);
  r.current = { [UNITS]: 16 };
  const step = await joint(r);
  assert.ok(typeof step === 'object', `expected a trial, got ${String(step)}`);
  assert.ok(step.why.startsWith(JOINT), step.why);
  assert.match(step.why, /3 factors/);
  const p = step.params;
  assert.ok(!('seed' in p));
  for (const k of Object.keys(p)) assert.ok([UNITS, LR, REG].includes(k), k);
  const units = (p[UNITS] as number | undefined) ?? 8;
  assert.ok(Number.isInteger(units) && units >= 8 && units <= 64, `units ${units}`);
  const lr = (p[LR] as number | undefined) ?? 0.001;
  assert.ok(lr >= 0.0001 && lr <= 0.01, `lr ${lr}`);
  assert.ok(p[REG] === undefined || JSON.stringify(p[REG]) === '{"l2":0.001}');
  assert.ok(!trials.some((t) => JSON.stringify(t.params) === JSON.stringify(p)));

  // the same trials give the same point (the plan is replayed by every process); the point once run gives another
  assert.deepEqual(await joint(r), step);
  const ran = trial(p, 0.08, step.why);
  const next = await joint(Object.assign(new Replay(env, [...trials, ran], base), { current: { [UNITS]: 16 } }));
  assert.ok(typeof next === 'object' && JSON.stringify(next.params) !== JSON.stringify(p));

  // a joint trial is no neighbour for the finer steps and no candidate for the plan's seed repeats
  const lucky = trial({ [UNITS]: 12 }, 0.01, step.why);
  const r2 = Object.assign(new Replay(env, [...trials, lucky], base), { current: { [UNITS]: 16 } });
  assert.deepEqual(finerValues(r2, UNITS), finerValues(r, UNITS));
  assert.equal(await repeatSeeds(r2), 'done');
});

test('a configuration ahead of the best mean over seeds gets more seeds, one at a time, before the search goes on', async () => {
  const env = await envOf();
  const { base, trials } = plan();
  const lucky = trial({ [UNITS]: 20, [LR]: 0.003 }, 0.04, `${JOINT}: TPE`);
  const r = Object.assign(new Replay(env, [...trials, lucky], base), { current: { [UNITS]: 16 } });
  const step = await joint(r);
  assert.ok(typeof step === 'object');
  assert.deepEqual(step.params, { [UNITS]: 20, [LR]: 0.003, seed: 43 });
  assert.match(step.why, /ahead of the best mean over seeds \(#\d+: 0\.04000 over 1 seed, the best mean 0\.05200\)/);
  // a first repeat that keeps the mean ahead earns the second
  const s43 = trial({ [UNITS]: 20, [LR]: 0.003, seed: 43 }, 0.045);
  const second = await joint(
    Object.assign(new Replay(env, [...trials, lucky, s43], base), { current: { [UNITS]: 16 } }),
  );
  assert.ok(typeof second === 'object');
  assert.deepEqual(second.params, { [UNITS]: 20, [LR]: 0.003, seed: 44 });
  // a first repeat that puts the mean behind stops the repeats: back to the search
  const done = [trial({ [UNITS]: 20, [LR]: 0.003, seed: 43 }, 0.07)];
  const after = await joint(
    Object.assign(new Replay(env, [...trials, lucky, ...done], base), { current: { [UNITS]: 16 } }),
  );
  assert.ok(typeof after === 'object' && after.why.startsWith(JOINT) && !('seed' in after.params));
});

test('a layer list the plan set whole is searched as one choice among the lists it tried', async () => {
  const env = await envOf();
  const conv = [{ conv1d: { filters: 8, kernel_size: 3 } }, { gru: { units: 8 } }, { dense: { units: 1 } }];
  const convUnits = (u: number) => [conv[0], { gru: { units: u } }, conv[2]];
  const base = trial({}, 0.1);
  const trials = [
    base,
    trial({ [UNITS]: 16 }, 0.08), // before the front was adopted: units of the first layer, inside the list
    trial({ 'model.layers': conv }, 0.06),
    trial({ 'model.layers': convUnits(32) }, 0.05),
    trial({ 'model.layers': convUnits(4) }, 0.07),
    trial({ 'model.layers': convUnits(32), [LR]: 0.01 }, 0.055),
  ];
  const r = Object.assign(new Replay(env, trials, base), { current: { 'model.layers': convUnits(32) } });
  const step = await joint(r);
  assert.ok(typeof step === 'object');
  // the units of layer 0 are no factor in the best model (its layer 0 is the front): the whole list is
  assert.match(step.why, /2 factors it swept \(model\.layers, train\.optimizer\.adam\.learning_rate\)/);
  const tried = [...trials.map((t) => JSON.stringify(t.params['model.layers'])), undefined];
  const layers = step.params['model.layers'];
  assert.ok(
    layers === undefined || tried.includes(JSON.stringify(layers)) || JSON.stringify(layers).includes('"units":16'),
    JSON.stringify(layers),
  );
  assert.equal(typeof step.params[LR], 'number');
});

test('a drawn batch size that holds every training window is named as the one such size the plan ran', async () => {
  // airline passengers, 75 training windows: the joint search drew 106, 115, 118 and 125 beside the sweep's 128, each
  // the same single batch of all the windows
  const env = await envOf();
  const n = (await prepareFor(env, env.base)).windows.train.starts.length;
  const BATCH = 'train.batch_size';
  const whole = 2 ** Math.ceil(Math.log2(n + 1)); // the sweep's first size that holds every window
  const base = trial({}, 0.1);
  const trials = [
    base,
    trial({ [BATCH]: 16 }, 0.09),
    trial({ [BATCH]: whole }, 0.05),
    trial({ [BATCH]: whole, [LR]: 0.01 }, 0.06),
    trial({ [BATCH]: whole, [LR]: 0.0001 }, 0.08),
  ];
  const proposed: number[] = [];
  for (let i = 0; i < 12; i++) {
    const r = Object.assign(new Replay(env, trials, base), { current: { [BATCH]: whole } });
    const step = await joint(r);
    if (typeof step !== 'object') break;
    const b = (step.params[BATCH] as number | undefined) ?? 32;
    proposed.push(b);
    trials.push(trial(step.params, 0.07, step.why));
  }
  assert.ok(proposed.length > 0);
  assert.deepEqual(
    proposed.filter((b) => b >= n && b !== whole),
    [],
    `sizes of ${n} or more other than ${whole}: ${proposed}`,
  );
});
