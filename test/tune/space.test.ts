// Search spaces as an Optuna user writes them: conditional keys in any order, a choice of optimizers with the options
// of each, keys inside other keys, ranges whose ends need more than a few digits. What the samplers draw must be what
// the trial trains with, inside the space's bounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { Rng } from '../../src/nn/random.js';
import { applyParams, checkSpace, gridOf, parseSpace, RandomSampler, TpeSampler } from '../../src/tune/index.js';

test('a conditional key written above the key its when: names is sampled all the same (grid, random, TPE)', () => {
  const raw = {
    'model.layers[0].gru.dropout': { choice: [0, 0.3], when: { 'train.batch_size': 16 } },
    'train.batch_size': [16, 32],
  };
  const space = parseSpace(raw, 1);
  assert.deepEqual(
    space.map((p) => p.name),
    ['train.batch_size', 'model.layers[0].gru.dropout'],
    'each key after the ones its when: names',
  );
  assert.deepEqual(gridOf(space), [
    { 'train.batch_size': 16, 'model.layers[0].gru.dropout': 0 },
    { 'train.batch_size': 16, 'model.layers[0].gru.dropout': 0.3 },
    { 'train.batch_size': 32 },
  ]);
  for (const sampler of [new RandomSampler(), new TpeSampler()]) {
    const drawn = Array.from({ length: 12 }, (_, i) => sampler.sample(space, [], new Rng(i))!);
    const with16 = drawn.filter((p) => p['train.batch_size'] === 16);
    assert.ok(with16.length > 0);
    assert.ok(
      with16.every((p) => 'model.layers[0].gru.dropout' in p),
      `${sampler.name}: ${JSON.stringify(with16)}`,
    );
  }
  // the order of the keys that do not depend on each other is kept
  assert.deepEqual(
    parseSpace({ c: [1], a: { choice: [1], when: { b: 1 } }, b: [1, 2], d: [1] }, 1).map((p) => p.name),
    ['c', 'b', 'a', 'd'],
  );
});

test('when: on a value the other key never takes, or a cycle of when: keys, is refused naming the key', () => {
  assert.throws(() => parseSpace({ a: [4, 8], b: { choice: [1, 2], when: { a: 5 } } }, 1), {
    message: 'tune.space.b.when.a: expected a value tune.space.a takes (4, 8), received 5',
  });
  assert.throws(
    () => parseSpace({ a: { int: [1, 3] }, b: { choice: [1, 2], when: { a: 4 } } }, 1),
    /tune\.space\.b\.when\.a: expected a value tune\.space\.a takes \(an integer in \[1, 3\]\), received 4$/,
  );
  assert.throws(
    () => parseSpace({ a: { choice: [1], when: { b: 1 } }, b: { choice: [1], when: { a: 1 } } }, 1),
    /tune\.space\.a\.when\.b: expected a key that does not depend on a in turn, received a cycle/,
  );
  assert.equal(parseSpace({ a: { int: [1, 3] }, b: { choice: [1, 2], when: { a: 3 } } }, 1).length, 2);
});

test('applyParams: an optimizer chosen by name takes its options; a key applies before the keys inside it', () => {
  const base = { train: { optimizer: { adam: { learning_rate: 0.001 } }, loss: 'mse' } };
  assert.deepEqual(
    applyParams(base, { 'train.optimizer': 'sgd', 'train.optimizer.sgd.learning_rate': 0.1 }).train.optimizer,
    { sgd: { learning_rate: 0.1 } },
    'not {sgd: {"0": "s", learning_rate: 0.1}}',
  );
  assert.deepEqual(
    applyParams(base, { 'train.optimizer.sgd.momentum': 0.9, 'train.optimizer': { sgd: { learning_rate: 0.1 } } }).train
      .optimizer,
    { sgd: { learning_rate: 0.1, momentum: 0.9 } },
    'the inner key written first is not dropped',
  );
  assert.deepEqual(applyParams(base, { 'train.loss': 'huber', 'train.loss.huber.delta': 0.5 }).train.loss, {
    huber: { delta: 0.5 },
  });
});

const config = parseConfig(
  `data: {csv: x.csv, target: y, lookback: 4}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1, optimizer: {adam: {learning_rate: 0.001}}}
`,
  '/tmp/c.yaml',
);
const check = (raw: Record<string, unknown>) => checkSpace(parseSpace(raw, 1), config, 'c.yaml');

test('a key inside another key of the space must be inside each of its values; two optimizers at once are refused', () => {
  // the trial recorded a learning rate of adam and trained rmsprop at 0.01
  assert.throws(
    () =>
      check({
        'train.optimizer.adam.learning_rate': { loguniform: [1e-3, 3e-2] },
        'train.optimizer': { choice: [{ adam: { learning_rate: 0.01 } }, { rmsprop: { learning_rate: 0.01 } }] },
      }),
    new RegExp(
      'c.yaml: tune.space.train.optimizer.adam.learning_rate: expected a path inside each value of ' +
        'tune.space.train.optimizer it is sampled with, received one that the value ' +
        '\\{"rmsprop":\\{"learning_rate":0.01\\}\\} has not \\(adam.learning_rate\\); ' +
        'give it when: \\{train.optimizer: ...\\}',
    ),
  );
  assert.throws(
    () =>
      check({ 'model.layers': { stack: { cell: 'lstm', units: [2, 4] } }, 'model.layers[0].gru.dropout': [0, 0.2] }),
    /tune\.space\.model\.layers\[0\]\.gru\.dropout: expected a path inside each value of tune\.space\.model\.layers/,
  );
  assert.throws(
    () =>
      check({
        'train.optimizer': ['adam', 'sgd'],
        'train.optimizer.sgd.momentum': { choice: [0.9], when: { 'train.optimizer': 'adam' } },
      }),
    /the value "adam" has not \(sgd\.momentum\)/,
  );
  // every trial trained sgd, the key applied last, while it recorded an adam learning rate too
  assert.throws(
    () => check({ 'train.optimizer.adam.learning_rate': [0.001, 0.01], 'train.optimizer.sgd.learning_rate': [0.1] }),
    new RegExp(
      "c.yaml: tune.space.train.optimizer.sgd.learning_rate: expected options of one optimizer, received sgd's " +
        "beside tune.space.train.optimizer.adam.learning_rate \\(adam's\\)",
    ),
  );
  // what is fine: keys inside every value, or each with a when: on a value that has it
  check({ 'model.layers': { stack: { cell: 'gru', units: [2, 4] } }, 'model.layers[0].gru.dropout': [0, 0.2] });
  check({
    'train.optimizer': ['adam', 'sgd'],
    'train.optimizer.adam.learning_rate': { loguniform: [1e-3, 1e-2], when: { 'train.optimizer': 'adam' } },
    'train.optimizer.sgd.learning_rate': { loguniform: [1e-2, 1e-1], when: { 'train.optimizer': 'sgd' } },
    'train.optimizer.sgd.momentum': { uniform: [0, 0.9], when: { 'train.optimizer': 'sgd' } },
  });
  check({
    'train.loss': ['mse', 'huber'],
    'train.loss.huber.delta': { uniform: [0.5, 2], when: { 'train.loss': 'huber' } },
  });
});
