// What auto does besides the rounds of sweeps: finer steps and seed repeats after a round without gain, the next
// sweep started while one still runs, lr-find's flat curve, clipnorm below the gradient norm, and time estimates
// from the epochs trials actually ran.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { linearFitSeconds, linearModel, ridgeShape } from '../../src/data/index.js';
import { type FrozenTrial, freezeTrial } from '../../src/storage/index.js';
import { autoNext } from '../../src/tune/auto.js';
import { CONV_FRONT, nextLever, segmentFront, segmentLength, sweepKey } from '../../src/tune/auto-levers.js';
import { finerValues, plainPartners, refine, repeatSeeds } from '../../src/tune/auto-refine.js';
import { Replay, withValue } from '../../src/tune/auto-replay.js';
import { TimeBudget } from '../../src/tune/budget.js';
import { tuneSettings } from '../../src/tune/settings.js';
import { prepareFor } from '../../src/tune/trial.js';
import { autoTestEnv, trialMaker } from '../helpers/auto-plan.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-auto-refine-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const envOf = autoTestEnv(dir, 'refine');

const UNITS = 'model.layers[0].gru.units';
const UNITS_ADVICE = { param: UNITS, action: 'increase', values: [16], factor: 'units', text: 'use more units' };
const diagnosis = (advice: unknown[], pattern = 'underfitting') => ({ pattern, confidence: 0.8, advice });
const trial = trialMaker((value) => ({
  seconds: 60,
  epochs: 10,
  history: { loss: [1, value], val_loss: [1, value] },
  diagnosis: diagnosis([]),
}));

test('finer steps: geometric midpoints between the best value and its nearest tried neighbours, integers kept', async () => {
  const env = await envOf();
  const base = trial({}, 0.1),
    t16 = trial({ [UNITS]: 16 }, 0.05),
    t256 = trial({ [UNITS]: 256 }, 0.08);
  const r = new Replay(env, [base, t16, t256], base);
  r.current = { [UNITS]: 16 };
  assert.deepEqual(finerValues(r, UNITS), [11, 64]);
  // a value a finer sweep tried is no neighbour: the midpoints stay where they were
  const t11 = trial({ [UNITS]: 11 }, 0.06, { why: 'finer steps around the best units' });
  assert.deepEqual(finerValues(new Replay(env, [base, t16, t256, t11], base), UNITS), [11]);
  // with the best at 16, refine proposes 11 first and says why
  const step = await refine(Object.assign(new Replay(env, [base, t16, t256], base), { current: { [UNITS]: 16 } }));
  assert.ok(typeof step === 'object');
  assert.deepEqual(step.params, { [UNITS]: 11 });
  assert.match(
    step.why,
    /^finer steps around the best model\.layers\[0\]\.gru\.units \(16\) after a round without gain/,
  );
});

test('finer epochs: none that a done run of the best configuration with more epochs has run already', async () => {
  // monthly sunspots: 21 epochs between the best's 15 and its 30-epoch trial gave that trial's value to the last digit
  const env = await envOf();
  const EPOCHS = 'train.epochs';
  const base = trial({}, 0.1),
    t20 = trial({ [EPOCHS]: 20 }, 0.1),
    other = trial({ 'model.linear_skip': 'ridge', [EPOCHS]: 40 }, 0.2);
  assert.equal(await refine(new Replay(env, [base, t20], base)), 'done');
  // more epochs than any run of the best configuration: a run not trained yet (other's 40 are another configuration)
  const step = await refine(new Replay(env, [base, other], base));
  assert.ok(typeof step === 'object');
  assert.deepEqual(step.params, { [EPOCHS]: 20 });
  // nor more epochs than a best whose training stopped before its own (the same run, stopped at the same epoch)
  const stopped = trial({}, 0.1, { epochs: 6 });
  assert.equal(await refine(new Replay(env, [stopped, other], stopped)), 'done');
});

test('seed repeats: the best two configurations get more seeds; the end of the study, not the plan, compares them', async () => {
  const env = await envOf();
  const base = trial({}, 0.1),
    t16 = trial({ [UNITS]: 16 }, 0.05);
  const first = await repeatSeeds(new Replay(env, [base, t16], base));
  assert.ok(typeof first === 'object');
  assert.deepEqual(first.params, { [UNITS]: 16, seed: 43 });
  assert.match(first.why, /repeats with more seeds of the best configuration \(#\d+\)/);
  const seeds = [
    trial({ [UNITS]: 16, seed: 43 }, 0.2),
    trial({ [UNITS]: 16, seed: 44 }, 0.2),
    trial({ seed: 43 }, 0.1),
    trial({ seed: 44 }, 0.1),
  ];
  const r = new Replay(env, [base, t16, ...seeds], base);
  assert.equal(await repeatSeeds(r), 'done');
  // a verdict in the plan's notes went into tune's last line beside the end's own choice (finishAuto), which weighs
  // the configurations the joint search runs later too, and names the best by its best seed
  assert.deepEqual(r.allNotes, []);
});

test('seed repeats that would not finish in the time left are not started, and the plan says so', async () => {
  // Beijing PM2.5 six hours ahead: two repeats of about 4 min started with 33 s of an 8-minute budget left, stopped
  // at epoch 2 (no fair draw), and the end step had no time left for 5 of its 6 candidates
  const env = await envOf();
  const base = trial({}, 0.1),
    t16 = trial({ [UNITS]: 16 }, 0.05);
  const budget = (left: number) => ({ remaining: () => left, estimate: async () => 240 });
  const r = new Replay(env, [base, t16], base, budget(33));
  assert.equal(await repeatSeeds(r), 'done');
  assert.deepEqual(r.allNotes, [
    'seed: not started, too long for the time left: 43 (about 4 min, 33 s left), 44 (about 4 min, 33 s left)',
  ]);
  assert.equal(r.budget!.skipped, true);
  const roomy = await repeatSeeds(new Replay(env, [base, t16], base, budget(600)));
  assert.ok(typeof roomy === 'object');
  assert.deepEqual(roomy.params, { [UNITS]: 16, seed: 43 });
});

test('beside a best with the linear path: the same network without it and the config as written at its data, never adopted', async () => {
  const env = await envOf();
  const best = { 'model.linear_skip': 'ridge', 'data.lookback': 48, [UNITS]: 16 };
  const base = trial({}, 0.1),
    t = trial(best, 0.05);
  const r = () => Object.assign(new Replay(env, [base, t, ...done], base), { current: best, bestTrial: t });
  const done: FrozenTrial[] = [];
  const first = await plainPartners(r());
  assert.ok(typeof first === 'object');
  assert.deepEqual(first.params, { 'data.lookback': 48, [UNITS]: 16 });
  assert.match(first.why, /^a network without the linear path at the best's data \(#\d+\), to blend with the linear/);
  done.push(trial(first.params, 0.01, { why: first.why }));
  const second = await plainPartners(r());
  assert.ok(typeof second === 'object');
  assert.deepEqual(second.params, { 'data.lookback': 48 });
  done.push(trial(second.params, 0.02, { why: second.why }));
  const end = r();
  assert.equal(await plainPartners(end), 'done');
  assert.deepEqual(end.current, best, 'a partner better on validation does not become the best to build on');
  // a best without the linear path needs no partner
  assert.equal(await plainPartners(Object.assign(new Replay(env, [base], base), { current: {} })), 'done');
});

test('auto starts the next sweep while a long trial of the last one still runs, and waits when both are running', async () => {
  const env = await envOf();
  const s = tuneSettings(env.base, env.loaded.file);
  const advice = [
    { param: UNITS, action: 'increase', values: [16, 32], factor: 'units', text: 'use more units' },
    { param: 'train.batch_size', action: 'set', values: [64], factor: 'batch_size', text: 'batch size' },
  ];
  const base = trial({}, 0.1, { diagnosis: diagnosis(advice, 'overfitting') });
  const running = (p: Record<string, unknown>) => freezeTrial({ ...trial(p, 0), state: 'running', value: null });
  const t16 = trial({ [UNITS]: 16 }, 0.2);
  const next = await autoNext(env, s, [base, t16, running({ [UNITS]: 32 })]);
  assert.deepEqual(next?.params, { 'train.batch_size': 64 });
  assert.match(next!.why, /^started while the model\.layers\[0\]\.gru\.units sweep still runs; then /);
  assert.equal(
    await autoNext(env, s, [base, t16, running({ [UNITS]: 32 }), running({ 'train.batch_size': 64 })]),
    null,
  );
  // When the long trial ends, the units sweep's best is the base; the batch size sweep runs again from it (the
  // early trial came from the older best), and the early trial counts as that sweep's own when it ends.
  const early = trial({ 'train.batch_size': 64 }, 0.05, { why: next!.why });
  const t32 = trial({ [UNITS]: 32 }, 0.09, { diagnosis: diagnosis(advice, 'overfitting') });
  const after = await autoNext(env, s, [base, t16, t32, early]);
  assert.deepEqual(after?.params, { [UNITS]: 32, 'train.batch_size': 64 });
  const again = trial({ [UNITS]: 32, 'train.batch_size': 64 }, 0.08, { why: after!.why });
  const later = await autoNext(env, s, [base, t16, t32, early, again]);
  assert.equal(later?.params['train.batch_size'], 64, JSON.stringify(later));
  assert.ok(!(UNITS in later!.params), `built on the early trial, the sweep's best: ${JSON.stringify(later)}`);
});

test("an early trial of another sweep does not stand in for a sweep's best (ETTh1 h48: the linear skip kept)", async () => {
  const env = await envOf();
  const s = tuneSettings(env.base, env.loaded.file);
  const advice = [{ param: UNITS, action: 'increase', values: [16], factor: 'units', text: 'use more units' }];
  const base = trial({}, 0.1, { diagnosis: diagnosis(advice, 'underfitting') });
  const skip = { 'model.linear_skip': 'ridge' };
  // The units sweep started early from the baseline, while the skip sweep ran; it beat the skip trial alone.
  const early = trial({ [UNITS]: 16 }, 0.08, {
    why: 'started while the model.linear_skip sweep still runs; then x; sweeping model.layers[0].gru.units over [16]',
  });
  const next = await autoNext(env, s, [base, trial(skip, 0.09), early]);
  assert.deepEqual(next?.params, { ...skip, [UNITS]: 16 }, 'the units sweep runs again from the skip, the best');
});

test("an early trial of a later round's sweep of the same factor is not adopted by an earlier round's sweep", async () => {
  // ETTh1, two targets: round 1's units sweep from #1 took round 2's early #33 (built on a later best), and the
  // replayed plan jumped past the rest of round 1, proposing round 2's levers as round 1's
  const env = await envOf();
  const base = trial({}, 0.1),
    t16 = trial({ [UNITS]: 16 }, 0.09);
  const later = { [UNITS]: 32, 'train.batch_size': 64 };
  const early = trial(later, 0.05, {
    why:
      'started while the train.batch_size sweep still runs; then round 2: x; ' +
      'sweeping model.layers[0].gru.units over [32]',
  });
  const sweep = (why: string) => ({ param: UNITS, values: [16], why });
  const r1 = new Replay(env, [base, t16, early], base);
  assert.equal(await r1.step(sweep('best so far reads "underfitting" (confidence 0.8)')), 'done');
  assert.equal(r1.bestTrial.number, t16.number, "round 1's own sweep: its best");
  const r2 = new Replay(env, [base, t16, early], base);
  assert.equal(await r2.step(sweep('round 2: best so far reads "underfitting" (confidence 0.8)')), 'done');
  assert.equal(r2.bestTrial.number, early.number, "round 2's: its early trial, which beats it");
});

test("a flat lr-find curve leaves the diagnosis' learning rates in place, and says so", async () => {
  const env = await envOf();
  const s = tuneSettings(env.base, env.loaded.file);
  const LR = 'train.optimizer.adam.learning_rate';
  const advice = [{ param: LR, action: 'set', values: [0.01, 0.0001], factor: 'learning_rate', text: 'lr' }];
  const base = trial({}, 0.1, { diagnosis: diagnosis(advice, 'unstable') });
  const lr = { min: 1e-6, max: 0.1, best: 3.1e-5 };
  const flat = await autoNext(env, s, [base], { lr_find: { ...lr, flat: true } });
  assert.deepEqual(flat?.params, { [LR]: 0.01 });
  assert.match(
    flat!.why,
    /^lr-find's curve was flat within its noise: the diagnosis' learning rates are swept instead/,
  );
  const sharp = await autoNext(env, s, [base], { lr_find: { ...lr, flat: false } });
  assert.deepEqual(sharp?.params, { [LR]: 1e-6 });
  // The advice's own numbers would contradict lr-find's: its words are quoted, and the values' source named.
  assert.match(
    sharp!.why,
    new RegExp(
      /sweeping train\.optimizer\.adam\.learning_rate over \[0\.000001,0\.000031,0\.1\]: /.source +
        /the diagnosis advises "lr"; the values are lr-find's range and suggestion/.source,
    ),
  );
});

test('clipnorm is not swept when the gradient norm never reaches it; a threshold it reaches is swept', async () => {
  const env = await envOf();
  const s = tuneSettings(env.base, env.loaded.file);
  const clip = (values: number[]) => [
    { param: 'train.clipnorm', action: 'set', values, factor: 'clipnorm', text: 'clip' },
    { param: 'train.batch_size', action: 'set', values: [64], factor: 'batch_size', text: 'batch size' },
  ];
  const high = await autoNext(env, s, [trial({}, 0.1, { diagnosis: diagnosis(clip([1e6]), 'unstable') })]);
  assert.deepEqual(high?.params, { 'train.batch_size': 64 });
  assert.match(high!.why, /^train\.clipnorm not swept: the gradient norm peaked at [\d.e+-]+ in the first steps/);
  const low = await autoNext(env, s, [trial({}, 0.1, { diagnosis: diagnosis(clip([1e-6]), 'unstable') })]);
  assert.deepEqual(low?.params, { 'train.clipnorm': 1e-6 });
});

test('a trial is estimated from the epochs the reference actually ran (early stopping), not the configured ones', async () => {
  const env = await envOf();
  const budget = new TimeBudget(600).forAuto(env, env.base)!;
  // the ridge of its linear baseline fitted already in this (the one job's) thread: the epochs alone
  linearModel(await prepareFor(env, env.base));
  // 60 s for 4 of 10 configured epochs: about 15 s an epoch, at most 6 epochs expected (1.5 x what it ran)
  const ref = trial({}, 0.1, { seconds: 60, epochs: 4 });
  assert.ok(Math.abs((await budget.estimate({}, ref, [ref])) - 90) < 1e-9);
  const full = trial({}, 0.1, { seconds: 60, epochs: 10 });
  assert.ok(Math.abs((await budget.estimate({}, full, [full])) - 60) < 1e-9, 'a run to its last epoch: its own time');
});

test("a trial's estimate reads the ridge the study paid from the plan's trials, not storage", async (t) => {
  // each estimate read every trial of the study from storage again: every candidate value of every sweep
  const env = await envOf();
  const reads = t.mock.method(env.storage, 'getTrials');
  const budget = new TimeBudget(600).forAuto(env, env.base)!;
  const L = env.base.data.lookback;
  // its linear baseline's ridge not fitted in this thread yet: 7 s, as a trial of the study (another process) paid it
  const expected = linearFitSeconds(ridgeShape(await prepareFor(env, env.base)));
  const paid = { lookback: L, inputs: L, seconds: 7, expected };
  const ref = trial({}, 0.1, { seconds: 60, epochs: 10, ridge: [paid] });
  const est = await budget.estimate({}, ref, [ref]);
  assert.ok(Math.abs(est - 67) < 1e-9, `60 s of epochs and 7 of ridge, estimated ${est}`);
  assert.equal(reads.mock.callCount(), 0, 'no trial read from storage');
});

test("a candidate's time is estimated from the best trial so far, one factor away from it", async () => {
  const env = await envOf();
  const s = tuneSettings(env.base, env.loaded.file);
  const advice = [{ param: 'train.batch_size', action: 'set', values: [64], factor: 'batch_size', text: 'batch size' }];
  const base = trial({}, 0.1, { diagnosis: diagnosis([UNITS_ADVICE], 'overfitting') });
  const t16 = trial({ [UNITS]: 16 }, 0.05, { seconds: 120, diagnosis: diagnosis(advice, 'overfitting') });
  const refs: number[] = [];
  const budget = {
    remaining: () => 600,
    estimate: async (_p: Record<string, unknown>, ref: FrozenTrial) => {
      refs.push(ref.number);
      return 10;
    },
  };
  const next = await autoNext(env, s, [base, t16], {}, budget);
  assert.deepEqual(next?.params, { [UNITS]: 16, 'train.batch_size': 64 });
  assert.deepEqual([...new Set(refs)], [t16.number], 'the batch size of the best (#16) is estimated from it');
});

test("a sweep back to the base config's value names that value (not null)", async () => {
  const env = await envOf();
  const s = tuneSettings(env.base, env.loaded.file);
  const fewer = [{ param: UNITS, action: 'decrease', values: [8, 4], factor: 'units', text: 'use fewer units' }];
  const base = trial({}, 0.1, { diagnosis: diagnosis([UNITS_ADVICE], 'overfitting') });
  const t16 = trial({ [UNITS]: 16 }, 0.05, { diagnosis: diagnosis(fewer, 'overfitting') });
  const next = await autoNext(env, s, [base, t16]);
  assert.deepEqual(next?.params, { [UNITS]: 4 });
  assert.match(next!.why, /sweeping model\.layers\[0\]\.gru\.units over \[8,4\]: use fewer units/);
});

test('a convolutional front is a lever for a recurrent first layer on a long lookback, after the lookback itself', async () => {
  const env = await envOf();
  const picks = (lookback: number) => {
    const cfg = { ...env.base, data: { ...env.base.data, lookback } };
    const none = { pattern: 'plateau', confidence: 0.5, advice: [] };
    const swept = new Set<string>();
    const out: { param: string; values: unknown[] }[] = [];
    for (let lever = nextLever(env, trial({}, 0.1), none, cfg, swept, 1); lever; ) {
      out.push({ param: lever.advice.param, values: lever.advice.values! });
      swept.add(sweepKey(lever.advice));
      lever = nextLever(env, trial({}, 0.1), none, cfg, swept, 1);
    }
    return out;
  };
  const long = picks(96);
  const conv = long.findIndex((p) => p.param === 'model.layers');
  assert.ok(conv > long.findIndex((p) => p.param === 'data.lookback'), JSON.stringify(long.map((p) => p.param)));
  assert.deepEqual(long[conv]!.values, [
    [segmentFront(96), ...env.base.model.layers],
    [CONV_FRONT, ...env.base.model.layers],
  ]);
  // the front makes every later trial cheaper, so it comes before the model size
  const units = long.findIndex((p) => p.param.endsWith('.units'));
  assert.ok(units >= 0 && conv < units, JSON.stringify(long.map((p) => p.param)));
  assert.ok(!picks(24).some((p) => p.param === 'model.layers'), 'a short lookback gets no conv front');
});

test('the segment front reads about 14 segments, each a divisor of the lookback where one is near', () => {
  assert.deepEqual(
    [96, 168, 336, 512, 720].map((l) => [l, segmentLength(l)]),
    [
      [96, 6],
      [168, 12],
      [336, 24],
      [512, 32],
      [720, 48],
    ],
  );
  assert.equal(segmentLength(97), 7, 'a prime lookback: the nearest length, with same padding');
  assert.equal(segmentLength(20), 4, 'at least 4 steps a segment');
  assert.deepEqual(segmentFront(336), { conv1d: { filters: 32, kernel_size: 24, strides: 24, padding: 'same' } });
});

test('a value inside a list the params set whole goes into that list: one configuration, one name', () => {
  const base = { model: { layers: [{ gru: { units: 64 } }, { dense: { units: 1 } }] } };
  const layers = [CONV_FRONT, { gru: { units: 128 } }, { dense: { units: 1 } }];
  const current = { 'model.layers': layers, 'train.batch_size': 256 };
  assert.deepEqual(withValue(base, current, 'model.layers[1].gru.units', 64), {
    'train.batch_size': 256,
    'model.layers': [CONV_FRONT, { gru: { units: 64 } }, { dense: { units: 1 } }],
  });
  assert.deepEqual(layers[1], { gru: { units: 128 } }, 'the current params are not changed');
  // an optimizer set by name has no path inside: its learning rate goes beside it (applyParams renames)
  const byName = { 'train.optimizer': 'rmsprop' };
  assert.deepEqual(withValue(base, byName, 'train.optimizer.rmsprop.learning_rate', 0.01), {
    'train.optimizer': 'rmsprop',
    'train.optimizer.rmsprop.learning_rate': 0.01,
  });
  // back to the base config's value: the key goes
  const plain = { 'model.layers': [{ gru: { units: 32 } }, { dense: { units: 1 } }] };
  assert.deepEqual(withValue(base, plain, 'model.layers[0].gru.units', 64), {});
});

test("a layer's dropout swept to 0 leaves the key out, as the configuration without it: one configuration, one name", () => {
  // ETTh1 h48: a sweep down from dropout 0.1 wrote an explicit 0, a second name of the best (#56 was #33), and every
  // sweep built on it trained again what had been trained under the first name
  const base = { model: { layers: [{ gru: { units: 64 } }, { dense: { units: 1 } }] } };
  const current = {
    'model.layers': [CONV_FRONT, { gru: { units: 64, dropout: 0.1 } }, { dense: { units: 1 } }],
    'train.batch_size': 256,
  };
  const down = withValue(base, current, 'model.layers[1].gru.dropout', 0);
  assert.deepEqual(down, {
    'train.batch_size': 256,
    'model.layers': [CONV_FRONT, { gru: { units: 64 } }, { dense: { units: 1 } }],
  });
  assert.deepEqual(
    withValue(base, current, 'model.layers[1].gru.recurrent_dropout', 0),
    current,
    'recurrent dropout 0 is what the layer without the key has',
  );
  assert.deepEqual(withValue(base, {}, 'model.layers[0].gru.dropout', 0), {}, 'not set, not as a path of its own');
  assert.deepEqual(withValue(base, {}, 'model.layers[0].gru.dropout', 0.2), { 'model.layers[0].gru.dropout': 0.2 });
});

test('recurrent dropout is not swept on windows of one step (it masks a state that is never read), and says so', async () => {
  const env = await envOf();
  env.base = { ...env.base, data: { ...env.base.data, lookback: 1 } };
  const s = tuneSettings(env.base, env.loaded.file);
  const advice = [
    {
      param: 'model.layers[0].gru.recurrent_dropout',
      action: 'set',
      values: [0.1],
      factor: 'recurrent_dropout',
      text: 'rd',
    },
    { param: 'train.batch_size', action: 'set', values: [64], factor: 'batch_size', text: 'batch size' },
  ];
  const next = await autoNext(env, s, [trial({}, 0.1, { diagnosis: diagnosis(advice, 'overfitting') })]);
  assert.deepEqual(next?.params, { 'train.batch_size': 64 });
  assert.match(next!.why, /^model\.layers\[0\]\.gru\.recurrent_dropout not swept: with lookback 1 /);
});

test('more epochs are not swept for a best whose training stopped before its epochs (the same run), and it says so', async () => {
  // a 36-month series: "still learning" at epoch 51 of 100 (early stopping), and 200 and 400 epochs gave the same loss
  const env = await envOf();
  const s = tuneSettings(env.base, env.loaded.file);
  const LR = 'train.optimizer.adam.learning_rate';
  const advice = [
    { param: 'train.epochs', action: 'increase', values: [20, 40], factor: 'epochs', text: 'train longer' },
    { param: LR, action: 'increase', values: [0.003], factor: 'learning_rate', text: 'a higher learning rate' },
  ];
  const learning = { diagnosis: diagnosis(advice, 'learning'), linear_val: 1 };
  const stopped = await autoNext(env, s, [trial({}, 0.1, { ...learning, epochs: 6 })]);
  assert.deepEqual(stopped?.params, { [LR]: 0.003 });
  assert.match(
    stopped!.why,
    /^train\.epochs not swept: the best configuration's training \(#\d+\) stopped at epoch 6 of 10,/,
  );
  // all its epochs run, or stopped by the time budget: more epochs are another run
  for (const attrs of [{ epochs: 10 }, { epochs: 6, stopped: 'time budget spent: stopped at epoch 6 of 10' }]) {
    const next = await autoNext(env, s, [trial({}, 0.1, { ...learning, ...attrs })]);
    assert.deepEqual(next?.params, { 'train.epochs': 20 });
  }
});

test('more epochs with more patience are one sweep: each trial sets both keys, where the advice sets them jointly', async () => {
  // airline passengers: GRU(8), 100 epochs, patience 10, best at 90; the 200-epoch trial of a sweep of the epochs
  // alone stopped at epoch 100 again, the same model
  const env = await envOf();
  env.base = { ...env.base, train: { ...env.base.train, callbacks: [{ early_stopping: { patience: 3 } }] } };
  const s = tuneSettings(env.base, env.loaded.file);
  const PATIENCE = 'train.callbacks[0].early_stopping.patience';
  const advice = [
    {
      param: 'train.epochs',
      action: 'increase',
      values: [20, 40],
      also: { [PATIENCE]: 6 },
      factor: 'epochs',
      text: 'train longer with more patience',
    },
  ];
  const base = trial({}, 0.1, { diagnosis: diagnosis(advice, 'learning'), linear_val: 1, epochs: 10 });
  const first = await autoNext(env, s, [base]);
  assert.deepEqual(first?.params, { 'train.epochs': 20, [PATIENCE]: 6 });
  assert.match(
    first!.why,
    /sweeping train\.epochs over \[20,40\] with train\.callbacks\[0\]\.early_stopping\.patience 6: /,
  );
  const t20 = trial(first!.params, 0.09, { why: first!.why, epochs: 20 });
  assert.deepEqual((await autoNext(env, s, [base, t20]))?.params, { 'train.epochs': 40, [PATIENCE]: 6 });
});

test('a best trial behind the linear baseline on validation gets the linear skip before the overfitting advice', async () => {
  const env = await envOf();
  const s = tuneSettings(env.base, env.loaded.file);
  const advice = [
    { param: 'model.layers[0].gru.dropout', action: 'set', values: [0.2], factor: 'dropout', text: 'dropout' },
  ];
  const behind = trial({}, 0.1, { diagnosis: diagnosis(advice, 'overfitting'), linear_val: 0.09 });
  const next = await autoNext(env, s, [behind]);
  assert.deepEqual(next?.params, { 'model.linear_skip': 'ridge' });
  assert.match(next!.why, /does not beat the linear baseline on validation \(0\.09000\): the linear skip before/);
  const ahead = trial({}, 0.1, { diagnosis: diagnosis(advice, 'overfitting'), linear_val: 0.11 });
  assert.deepEqual((await autoNext(env, s, [ahead]))?.params, { 'model.layers[0].gru.dropout': 0.2 });
});
