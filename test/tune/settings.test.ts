// tune.trials: its default depends on whether a time budget ends the study.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { trialLimit, tuneSettings } from '../../src/tune/settings.js';

const config = (tune: string) =>
  parseConfig(
    `data: {csv: x.csv, target: y, lookback: 4}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1}
tune: {strategy: auto${tune}}
`,
    '/tmp/c.yaml',
  );
const settings = (tune: string) => tuneSettings(config(tune), '/tmp/c.yaml');

test('tune.trials: 20 by default; no limit when only a time budget is set; the one given otherwise', () => {
  assert.equal(settings('').trials, 20);
  assert.equal(settings(', time_budget: 10m').trials, Infinity);
  assert.equal(settings(', time_budget: 10m').timeBudget, 600);
  assert.equal(settings(', time_budget: 10m, trials: 5').trials, 5);
  assert.equal(settings(', trials: 7').trials, 7);
});

test('--time-budget without a trial count anywhere lifts the default of 20; --trials and tune.trials are kept', () => {
  const limit = (tune: string, o: { trials?: number; timeBudget?: number }) =>
    trialLimit(settings(tune), config(tune), o);
  assert.equal(limit('', {}), 20);
  assert.equal(limit('', { timeBudget: 600 }), Infinity);
  assert.equal(limit('', { timeBudget: 600, trials: 9 }), 9);
  assert.equal(limit(', trials: 7', { timeBudget: 600 }), 7);
  assert.equal(limit(', trials: 7', {}), 7);
});

test('tune.time_budget and tune.heartbeat are positive durations: 0m is refused, naming the key', () => {
  for (const [tune, key, v] of [
    [', time_budget: 0m', 'time_budget', '"0m"'],
    [', time_budget: "0"', 'time_budget', '"0"'],
    [', heartbeat: 0s', 'heartbeat', '"0s"'],
  ])
    assert.throws(
      () => settings(tune!),
      new RegExp(`/tmp/c\\.yaml: tune\\.${key}: expected a positive duration like 30m, 2h or 900s, received ${v}`),
    );
});

test('a pruner that could never stop a trial of train.epochs is refused, naming the option (the default too)', () => {
  // config(): train.epochs 1; the same configs with more epochs are fine
  const withEpochs = (tune: string, epochs: number, space = 'train.batch_size: [8, 16]') =>
    tuneSettings(
      parseConfig(
        `data: {csv: x.csv, target: y, lookback: 4}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: ${epochs}}
tune: {strategy: random, space: {${space}}${tune}}
`,
        '/tmp/c.yaml',
      ),
      '/tmp/c.yaml',
    );
  assert.throws(() => withEpochs(', pruner: {asha: {min_epochs: 9}}', 9), {
    message:
      '/tmp/c.yaml: tune.pruner.asha.min_epochs: expected fewer than the epochs of a trial (9), received 9: its ' +
      'first rung is at that epoch, so it would never stop a trial',
  });
  assert.throws(() => withEpochs(', pruner: {hyperband: {min_epochs: 50}}', 9), /hyperband\.min_epochs: expected/);
  assert.throws(
    () => withEpochs(', pruner: median', 2),
    /tune\.pruner\.median\.warmup_epochs: expected fewer than the epochs of a trial \(2\), received 2 \(the default\)/,
  );
  assert.equal(withEpochs(', pruner: {asha: {min_epochs: 8}}', 9).pruner?.name, 'asha');
  assert.equal(withEpochs(', pruner: median', 3).pruner?.name, 'median');
  // the median pruner judges each trial by its own epochs: a space that trains some longer lets it act
  assert.equal(withEpochs(', pruner: median', 2, 'train.epochs: [2, 20]').pruner?.name, 'median');
});

test("the README's auto space, units beside a stack of LSTMs, is auto's to sweep; random or grid would drop a value", () => {
  const space =
    ", space: {'model.layers[0].gru.units': [32, 64], 'train.batch_size': [16, 32], " +
    "'model.layers': {stack: {cell: lstm, layers: [1, 2], units: [32, 64]}}}";
  // auto changes one key at a time, putting a value inside one its configuration sets (withValue)
  assert.equal(settings(space).space.length, 3);
  for (const strategy of ['random', 'grid'])
    assert.throws(() => {
      const text = `data: {csv: x.csv, target: y, lookback: 4}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1}
tune: {strategy: ${strategy}${space}}
`;
      tuneSettings(parseConfig(text, '/tmp/c.yaml'), '/tmp/c.yaml');
    }, /tune\.space\.model\.layers\[0\]\.gru\.units: expected a path inside each value of tune\.space\.model\.layers/);
});
