import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compiledModel, loadConfig, resolveConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { MEMORY_LIMIT_BYTES, MemoryLimitError } from '../../src/engine/index.js';
import { orthonormalSeconds } from '../../src/nn/orthonormal.js';
import { splitTensors } from '../../src/run/index.js';
import { freezeTrial, MemoryStorage } from '../../src/storage/index.js';
import { type AutoBudget, autoNext } from '../../src/tune/auto.js';
import { Replay } from '../../src/tune/auto-replay.js';
import { tuneSettings } from '../../src/tune/settings.js';
import { applyParams } from '../../src/tune/space.js';
import { prepareFor, stepMemory, type TrialEnv, trainingCost } from '../../src/tune/trial.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-auto-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 400, seed: 3 }));
writeFileSync(
  join(dir, 'c.yaml'),
  `name: budget
data: {csv: series.csv, target: value, lookback: 24, split: {train: 0.6, val: 0.2, test: 0.2}}
model: {layers: [{gru: {units: 8}}, {dense: {units: 1}}]}
train: {epochs: 10, batch_size: 32}
tune: {strategy: auto, time_budget: 10m, storage: "memory:"}
`,
);

async function envOf(): Promise<TrialEnv> {
  const loaded = await loadConfig(join(dir, 'c.yaml'));
  return {
    loaded,
    base: resolveConfig(loaded.raw, loaded.name),
    storage: new MemoryStorage(),
    study: 'budget',
    repeats: 1,
    objective: 'val_loss',
    dataCache: new Map(),
  };
}

const baseline = freezeTrial({
  number: 0,
  state: 'complete',
  params: {},
  value: 0.1,
  intermediate: [0.2, 0.1],
  error: null,
  started: '',
  finished: '',
  attrs: {
    seconds: 60,
    history: { loss: [0.3, 0.2], val_loss: [0.2, 0.1] },
    diagnosis: {
      pattern: 'underfitting',
      confidence: 0.8,
      advice: [
        {
          param: 'model.layers[0].gru.units',
          action: 'increase',
          values: [16, 256],
          factor: 'units',
          text: 'use more units',
        },
        { param: 'train.epochs', action: 'increase', values: [20], factor: 'epochs', text: 'train longer' },
      ],
    },
  },
});

test('auto does not start a sweep value whose trial would outlast the time left, and says so', async () => {
  const env = await envOf();
  const s = tuneSettings(env.base, env.loaded.file);
  // the linear skip and the lookback come first by expected effect; here they are too long for the time left too
  const estimate = async (p: Record<string, unknown>) =>
    p['model.layers[0].gru.units'] === 256 || 'data.lookback' in p || 'model.linear_skip' in p ? 1200 : 90;
  const budget = { remaining: () => 600, estimate, skipped: false };
  const next = await autoNext(env, s, [baseline], {}, budget);
  assert.deepEqual(next?.params, { 'model.layers[0].gru.units': 16 });
  assert.equal(budget.skipped, true, 'the study can tell a plan cut short by time from an exhausted one');
  assert.match(
    next!.why,
    new RegExp(
      /sweeping model\.layers\[0\]\.gru\.units over \[16\]: use more units; /.source +
        /not started, too long for the time left: 256 \(about 20 min, 10 min left\)/.source,
    ),
  );
  assert.match(
    next!.why,
    /^model\.linear_skip: not started, too long for the time left: "ridge" \(about 20 min, 10 min left\); /,
    'a lever skipped whole is said with the next trial',
  );
  assert.match(
    next!.why,
    new RegExp(
      /data\.lookback not swept: the ridge model's validation MSE at 24 \(0\.0\d+\) is not beaten by 1% /.source +
        /at any longer lookback \(48 \(0\.0\d+\)\); then best so far/.source,
    ),
    'a lookback the ridge model does not rank better is not swept, and the plan says why',
  );
  // Once the affordable values are done, the plan moves on to the next factor by expected effect.
  const done16 = freezeTrial({ ...baseline, number: 1, params: { 'model.layers[0].gru.units': 16 }, value: 0.2 });
  const after = await autoNext(env, s, [baseline, done16], {}, { remaining: () => 500, estimate });
  // (fewer units: the other direction of the same factor, which overfitting's advice names)
  assert.deepEqual(after?.params, { 'model.layers[0].gru.units': 4 });
  assert.match(
    after!.why,
    /next lever of the method by expected effect; sweeping model\.layers\[0\]\.gru\.units over \[4,2\]/,
  );
  // Without a budget nothing is skipped: the linear skip first.
  assert.deepEqual((await autoNext(env, s, [baseline, done16], {}))?.params, { 'model.linear_skip': 'ridge' });
});

test('trainingCost ranks configs by their seconds of training per window', async () => {
  const env = await envOf();
  // The quickest of five measurements each, so a moment of a busy machine cannot decide the order. GRU(256) does
  // ~1,000x the recurrent work of GRU(8) per window; the quickest of five measured 65x-195x apart under load.
  const quickest = async (cfg: typeof env.base) => {
    let best = Infinity;
    for (let k = 0; k < 5; k++) best = Math.min(best, (await trainingCost(env, cfg, 3)).perWindow);
    return best;
  };
  const small = await quickest(env.base);
  const big = await quickest(applyParams(env.base, { 'model.layers[0].gru.units': 256 }));
  assert.ok(small > 0 && big > 5 * small, `GRU(256) ${big} s/window vs GRU(8) ${small}`);
});

test('auto passes over batch sizes that train as the same single batch of all the training windows', async () => {
  const env = await envOf();
  const n = (await prepareFor(env, env.base)).windows.train.starts.length;
  assert.ok(n > 64 && n < 256, `${n} training windows`);
  const r = new Replay(env, [baseline], baseline);
  // 256, 512 and 1024 are each one step an epoch over all n windows: the first is swept, the rest would repeat it
  const step = await r.step({ param: 'train.batch_size', values: [64, 256, 512, 1024], why: 'w' });
  assert.ok(typeof step === 'object');
  assert.deepEqual(step.params, { 'train.batch_size': 64 });
  assert.match(
    step.why,
    new RegExp(
      /^w; sweeping train\.batch_size over \[64,256\]; /.source +
        `not swept, the same single batch of all ${n} training windows as a size already in play: 512, 1024$`,
    ),
  );
  // a best whose own batch holds every window already: nothing of the sweep is run, and the plan says why
  r.current = { 'train.batch_size': 300 };
  assert.equal(await r.step({ param: 'train.batch_size', values: [600, 1200], why: 'w' }), 'done');
  assert.ok(
    r.allNotes.includes(
      `train.batch_size: not swept, the same single batch of all ${n} training windows as a size already in play: ` +
        '600, 1200',
    ),
    r.allNotes.join('\n'),
  );
});

test('auto does not sweep a layer option to the value the layer has without it (dropout 0 when none is set)', async () => {
  const env = await envOf();
  const r = new Replay(env, [baseline], baseline);
  const step = await r.step({ param: 'model.layers[0].gru.dropout', values: [0, 0.1], why: 'w' });
  assert.ok(typeof step === 'object');
  assert.deepEqual(step.params, { 'model.layers[0].gru.dropout': 0.1 });
  assert.match(step.why, /^w; sweeping model\.layers\[0\]\.gru\.dropout over \[0\.1\]$/);
});

test('a sweep down to no dropout shows the rate it trains with, 0, not null', async () => {
  // the demo (jobs 2): "sweeping model.layers[0].gru.dropout over [null,0.05]: use less regularization"
  const env = await envOf();
  const r = new Replay(env, [baseline], baseline);
  r.current = { 'model.layers[0].gru.dropout': 0.1 };
  const step = await r.step({ param: 'model.layers[0].gru.dropout', values: [0, 0.05], why: 'w' });
  assert.ok(typeof step === 'object');
  assert.deepEqual(step.params, { 'model.layers[0].gru.dropout': 0.05 });
  assert.equal(step.why, 'w; sweeping model.layers[0].gru.dropout over [0,0.05]');
});

test("a lever's note is said once, however many rounds meet it (train.clipnorm not swept ... four times over)", async () => {
  const r = new Replay(await envOf(), [baseline], baseline);
  for (let round = 0; round < 4; round++) r.note('train.clipnorm not swept: the gradient norm peaked at 0.3');
  r.note('model.linear_skip: not started');
  assert.deepEqual(r.notes, [
    'train.clipnorm not swept: the gradient norm peaked at 0.3',
    'model.linear_skip: not started',
  ]);
  assert.equal(r.allNotes.length, 2);
});

test("trainingCost counts a large model's orthogonal initializer in its build without paying it", async () => {
  const env = await envOf();
  const cfg = applyParams(env.base, { 'model.layers[0].gru.units': 600 });
  const cost = await trainingCost(env, cfg, 1);
  // GRU(600)'s recurrent kernel, 600 rows of 1800: the QR's estimated seconds are in the build (withSketchedInit
  // skips the QR itself: test/nn/initializers.test.ts)
  assert.ok(cost.build >= orthonormalSeconds(600, 1800), `build ${cost.build} s`);
  assert.ok(cost.perWindow > 0);
});

test("auto sweeps in rounds while a round brings a gain, never trains one configuration twice, and drops an optimizer's settings when it swaps the optimizer", async () => {
  const { runStudy } = await import('../../src/tune/index.js');
  writeFileSync(
    join(dir, 'rounds.yaml'),
    `name: rounds
data: {csv: series.csv, target: value, lookback: 12, split: {train: 0.6, val: 0.2, test: 0.2}}
model: {layers: [{gru: {units: 4}}, {dense: {units: 1}}]}
train: {epochs: 4, batch_size: 32, optimizer: {adam: {learning_rate: 0.01}}}
tune: {strategy: auto, trials: 40, jobs: 1, storage: "memory:"}
`,
  );
  const loaded = await loadConfig(join(dir, 'rounds.yaml'));
  const r = await runStudy(loaded, { log: () => {}, saveBest: false });
  assert.equal(r.stopReason, 'trial budget spent');
  const whys = r.trials.map((t) => t.attrs.why as string);
  assert.ok(
    whys.some((w) => w.includes('round 2: ')),
    'a second round after the first improved the baseline',
  );
  assert.ok(
    r.trials.every((t) => t.state !== 'complete' || typeof t.attrs.linear_val === 'number'),
    "every trial records the linear baseline's validation MSE at its lookback",
  );
  const base = resolveConfig(loaded.raw, loaded.name);
  const configs = r.trials.map((t) => JSON.stringify(applyParams(base, t.params)));
  assert.equal(new Set(configs).size, configs.length, 'every trial trains a different configuration');
  for (const t of r.trials)
    if ('train.optimizer' in t.params)
      assert.ok(!Object.keys(t.params).some((k) => k.startsWith('train.optimizer.')), JSON.stringify(t.params));
});

test('auto starts no sweep value whose training steps cannot fit in engine memory, and says so', async () => {
  // lookback 2000, batch 256: GRU(256)'s steps need about 9 GiB of the 4; its trial failed before its first step,
  // and a sweep from a later best asked for it again
  writeFileSync(join(dir, 'long.csv'), syntheticCsv({ length: 4000, seed: 3 }));
  writeFileSync(
    join(dir, 'long.yaml'),
    `name: long
data: {csv: long.csv, target: value, lookback: 2000, split: {train: 0.8, val: 0.1, test: 0.1}}
model: {layers: [{gru: {units: 8}}, {dense: {units: 1}}]}
train: {epochs: 10, batch_size: 256}
tune: {strategy: auto, trials: 20, storage: "memory:"}
`,
  );
  const loaded = await loadConfig(join(dir, 'long.yaml'));
  const env: TrialEnv = { ...(await envOf()), loaded, base: resolveConfig(loaded.raw, loaded.name) };
  const units = 'model.layers[0].gru.units';
  const r = new Replay(env, [baseline], baseline);
  const next = await r.step({ param: units, values: [16, 256], why: 'more units', text: 'use more units' });
  assert.ok(next !== 'wait' && next !== 'done');
  assert.deepEqual(next.params, { [units]: 16 });
  assert.match(
    next.why,
    new RegExp(
      /^more units; sweeping model\.layers\[0\]\.gru\.units over \[16\]: use more units; /.source +
        /not started, cannot fit in the 4096 MiB of engine memory: 256 \((\d+) MiB\)$/.source,
    ),
  );
  const mib = Number(/256 \((\d+) MiB\)/.exec(next.why)![1]);
  assert.ok(mib > 4096, `${mib} MiB`);
  // nor where the plan asks whether a trial fits (the joint search, the plain partners, the refinements)
  assert.equal(await r.fits({ [units]: 256 }), false);
  assert.equal(await r.fits({ [units]: 16 }), true);
});

test("auto's memory check counts the validation's last batch, as fit's does: no trial it starts is refused at once", async () => {
  // GRU(224) at lookback 2000, batch 200: 1,000 training windows (no partial batch) and 1,500 validation windows,
  // whose last batch of 100 sits beside the full batch's workspaces: 3,767 MiB without it, 4,622 with it (an inference
  // pass's workspaces), and fit refused the trial auto had started (GRU(192) at lookback 2000: 3,225 and 4,837 MiB
  // when validation made a training step's workspaces)
  writeFileSync(join(dir, 'wide.csv'), syntheticCsv({ length: 5000, seed: 3 }));
  writeFileSync(
    join(dir, 'wide.yaml'),
    `name: wide
data: {csv: wide.csv, target: value, lookback: 2000, split: {train: 0.6, val: 0.3, test: 0.1}}
model: {layers: [{gru: {units: 8}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 200}
tune: {strategy: auto, trials: 20, storage: "memory:"}
`,
  );
  const loaded = await loadConfig(join(dir, 'wide.yaml'));
  const env: TrialEnv = { ...(await envOf()), loaded, base: resolveConfig(loaded.raw, loaded.name) };
  const units = 'model.layers[0].gru.units';
  const cfg = applyParams(env.base, { [units]: 224 });
  const d = await prepareFor(env, cfg);
  assert.deepEqual([d.windows.train.starts.length, d.windows.val.starts.length], [1000, 1500]);
  const bytes = await stepMemory(env, cfg);
  assert.ok(bytes > MEMORY_LIMIT_BYTES, `${Math.round(bytes / 2 ** 20)} MiB`);
  assert.equal(await new Replay(env, [baseline], baseline).fits({ [units]: 224 }), false);
  const model = compiledModel(loaded.file, cfg, d);
  try {
    const fit = model.fit(...splitTensors(d, 'train', model), {
      epochs: 1,
      batchSize: 200,
      validationData: splitTensors(d, 'val', model),
    });
    await assert.rejects(fit, MemoryLimitError, 'fit refuses it before its first step');
  } finally {
    model.dispose();
  }
});

test("two advices that sweep the same learning rates (lr-find's range) are said once when both are too long", async () => {
  const env = await envOf();
  const s = tuneSettings(env.base, env.loaded.file);
  const LR = 'train.optimizer.adam.learning_rate';
  const lrAdvice = (action: string, values: number[]) => ({ param: LR, action, values, factor: 'learning_rate' });
  const base = freezeTrial({
    ...baseline,
    attrs: {
      ...baseline.attrs,
      diagnosis: {
        pattern: 'underfitting',
        confidence: 0.8,
        advice: [
          { ...lrAdvice('decrease', [3e-4, 1e-4]), text: 'lower the learning rate' },
          { ...lrAdvice('increase', [3e-3, 1e-2]), text: 'or a higher learning rate' },
          { param: 'train.epochs', action: 'increase', values: [20], factor: 'epochs', text: 'train longer' },
        ],
      },
    },
  });
  const estimate = async (p: Record<string, unknown>) => (LR in p ? 90 : 1200);
  const lr_find = { min: 1e-5, best: 2e-4, max: 0.03 };
  const budget: AutoBudget = { remaining: () => 60, estimate, skipped: false };
  // nothing fits in the minute left, seed repeats included: the plan ends, and its notes say what it left out
  assert.equal(await autoNext(env, s, [base], { lr_find }, budget), null);
  const why = budget.notes!.join('; ');
  const line = `${LR}: not started, too long for the time left: 0.00001 (about 2 min, 1 min left), 0.0002 `;
  assert.equal(why.split(line).length - 1, 1, `the skipped rates said once: ${why}`);
});

test('a value skipped for the time left is said in seconds under a minute, never as a negative time', async () => {
  const env = await envOf();
  const s = tuneSettings(env.base, env.loaded.file);
  const LR = 'train.optimizer.adam.learning_rate';
  const base = freezeTrial({
    ...baseline,
    attrs: {
      ...baseline.attrs,
      diagnosis: {
        pattern: 'underfitting',
        confidence: 0.8,
        advice: [{ param: LR, action: 'decrease', values: [3e-4], factor: 'learning_rate', text: 'lower it' }],
      },
    },
  });
  const estimate = async () => 20;
  const budget: AutoBudget = { remaining: () => -0.4, estimate, skipped: false };
  assert.equal(await autoNext(env, s, [base], {}, budget), null);
  const why = budget.notes!.join('; ');
  assert.match(why, /0\.0003 \(about 20 s, 0 s left\)/, why);
});

test('a note made before a sweep whose values all ran for other sweeps is said with the next trial run', async () => {
  // shampoo sales: "data.lookback not swept: ..." came just before a units sweep whose values #10 and #3 had run
  // for other sweeps; that sweep ran nothing and its end dropped the note, which no trial ever said
  const env = await envOf();
  const t16 = freezeTrial({
    ...baseline,
    number: 1,
    params: { 'model.layers[0].gru.units': 16 },
    attrs: { ...baseline.attrs, why: 'w0; sweeping model.layers[0].gru.units over [16]' },
  });
  const r = new Replay(env, [baseline, t16], baseline);
  r.note('data.lookback not swept: no longer lookback leaves 4 training windows per input');
  assert.equal(await r.step({ param: 'model.layers[0].gru.units', values: [16], why: 'w1' }), 'done');
  const step = await r.step({ param: 'model.layers[0].gru.dropout', values: [0.1], why: 'w2' });
  assert.ok(typeof step === 'object');
  assert.match(step.why, /^data\.lookback not swept: no longer lookback .*; then w2; sweeping model\.layers/);
  // the sweep that ran #1 said what came before it with #1: its replay passes nothing on
  const again = new Replay(env, [baseline, t16], baseline);
  again.note('model.linear_skip: not started, too long for the time left');
  assert.equal(await again.step({ param: 'model.layers[0].gru.units', values: [16], why: 'w0' }), 'done');
  const next = await again.step({ param: 'model.layers[0].gru.dropout', values: [0.1], why: 'w2' });
  assert.ok(typeof next === 'object');
  assert.equal(next.why, 'w2; sweeping model.layers[0].gru.dropout over [0.1]');
});

test("a finer step started early is adopted by the finer steps' sweep, not by round 1's sweep of the same factor", async () => {
  // daily minimum temperatures, jobs 2: #24, GRU(23) of the finer steps around the baseline's 16, started while the
  // rounds' last sweep ran, was taken by round 1's units sweep, and the replayed plan went back into round 1 from it
  const env = await envOf();
  const UNITS = 'model.layers[0].gru.units';
  const trial = (number: number, units: number, value: number, why: string) =>
    freezeTrial({ ...baseline, number, params: { [UNITS]: units }, value, attrs: { ...baseline.attrs, why } });
  const trials = [
    baseline,
    trial(1, 32, 0.2, `next lever of the method by expected effect; sweeping ${UNITS} over [32]`),
    trial(
      2,
      23,
      0.05,
      'started while the train.optimizer sweep still runs; then finer steps around the best ' +
        `${UNITS} (8) after a round without gain; sweeping ${UNITS} over [6,23]`,
    ),
    trial(
      3,
      6,
      0.3,
      `finer steps around the best ${UNITS} (8) after a round without gain; sweeping ${UNITS} over [6,23]`,
    ),
  ];
  const r = new Replay(env, trials, baseline);
  assert.equal(
    await r.step({ param: UNITS, values: [32], why: 'next lever of the method by expected effect' }),
    'done',
  );
  assert.deepEqual(r.current, {}, 'round 1 keeps the baseline: #2 is not of its sweep');
  assert.equal(r.improved, false);
  const why = `finer steps around the best ${UNITS} (8) after a round without gain`;
  assert.equal(await r.step({ param: UNITS, values: [6], why }), 'done');
  assert.deepEqual(r.current, { [UNITS]: 23 }, "the finer steps' sweep takes its own early trial");
});

test('while the baseline trains, auto starts the first lever of the method beside it, once, and builds on it after', async () => {
  // daily minimum temperatures (lookback 336, horizon 7, jobs 2, 5-minute budget): the baseline took the whole budget
  // on one core while auto proposed nothing for the other, and the study ended with the baseline alone
  const env = await envOf();
  const s = tuneSettings(env.base, env.loaded.file);
  const running = freezeTrial({ ...baseline, state: 'running', value: null, intermediate: [], attrs: {} });
  const beside = await autoNext(env, s, [running]);
  assert.ok(beside, 'a trial beside the running baseline');
  assert.deepEqual(beside.params, { 'model.linear_skip': 'ridge' });
  assert.match(beside.why, /^started while the baseline still runs; next lever of the method by expected effect; /);
  const second = freezeTrial({ ...running, number: 1, params: beside.params, attrs: { why: beside.why } });
  assert.equal(await autoNext(env, s, [running, second]), null, 'one lever beside the baseline, not every core');
  // the baseline ends; the rounds meet the linear skip first and find it run: it is adopted when it is better
  const attrs = { ...baseline.attrs, why: beside.why };
  const better = freezeTrial({ ...second, state: 'complete', value: 0.05, attrs });
  const next = await autoNext(env, s, [baseline, better]);
  assert.ok(next, 'a next trial after the baseline');
  assert.equal(next.params['model.linear_skip'], 'ridge', 'the next sweep builds on the linear skip');
});

test('a sweep keeps the values it started with: one its first trial said too long is not run for it later', async () => {
  // two processes on one study (300 s and 45 s budgets): #3 ended round 1's units sweep at GRU(4) with 2 "not started,
  // too long for the time left"; the 45 s process found GRU(2) in time and ran it for the same sweep, the replayed
  // sweep adopted it, and the plan built on it left the best of the sweep after it (#5, the study's lowest) behind
  const env = await envOf();
  const UNITS = 'model.layers[0].gru.units';
  const sweeping = `w1; sweeping ${UNITS}`;
  const t4 = freezeTrial({
    ...baseline,
    number: 1,
    params: { [UNITS]: 4 },
    value: 0.09,
    attrs: {
      ...baseline.attrs,
      why: `${sweeping} over [4]: fewer units; not started, too long for the time left: 2 (about 8 min, 5 min left)`,
    },
  });
  const budget: AutoBudget = { remaining: () => 600, estimate: async () => 10 };
  const r = new Replay(env, [baseline, t4], baseline, budget);
  assert.equal(await r.step({ param: UNITS, values: [4, 2], why: 'w1' }), 'done', 'GRU(2) is not run for it');
  assert.equal(r.bestTrial.number, 1, "the sweep's best is adopted");
  // a value its first trial did not say too long is run (the plan's own values, or with more time)
  const said = freezeTrial({ ...t4, attrs: { ...t4.attrs, why: `${sweeping} over [4]: fewer units` } });
  const again = new Replay(env, [baseline, said], baseline, budget);
  const step = await again.step({ param: UNITS, values: [4, 2], why: 'w1' });
  assert.ok(typeof step === 'object');
  assert.deepEqual(step.params, { [UNITS]: 2 });
  // one already run for it (by the other process) stays in the sweep
  const t2 = freezeTrial({ ...baseline, number: 2, params: { [UNITS]: 2 }, value: 0.08, attrs: { ...t4.attrs } });
  const ran = new Replay(env, [baseline, t4, t2], baseline, budget);
  assert.equal(await ran.step({ param: UNITS, values: [4, 2], why: 'w1' }), 'done');
  assert.equal(ran.bestTrial.number, 2);
});
