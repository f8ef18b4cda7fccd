// Search spaces as an Optuna user writes them: conditional keys in any order, a choice of optimizers with the options
// of each, keys inside other keys, ranges whose ends need more than a few digits. What the samplers draw must be what
// the trial trains with, inside the space's bounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { Rng } from '../../src/nn/random.js';
import type { FrozenTrial } from '../../src/storage/index.js';
import {
  applyParams,
  checkSpace,
  gridOf,
  OfatSampler,
  parseSpace,
  RandomSampler,
  TpeSampler,
} from '../../src/tune/index.js';
import { sweepValues } from '../../src/tune/samplers/ofat.js';
import { drawOne } from '../../src/tune/samplers/random.js';

const done = (number: number, params: Record<string, unknown>, value: number): FrozenTrial => ({
  ...{ number, state: 'complete', params, value, intermediate: [value] },
  ...{ attrs: {}, error: null, started: '', finished: '' },
});

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

test("applying a key inside another leaves the space's values as written: a when: on an optimizer object holds", () => {
  // checkSpace applied nesterov into the sgd object of the list (the one the when: names): the when: read
  // {sgd: {learning_rate: 0.05, momentum: 0.9, nesterov: true}}, which no draw equals, and nesterov was never sampled
  const raw = {
    'train.optimizer': [{ adam: { learning_rate: 0.01 } }, { sgd: { learning_rate: 0.05, momentum: 0.9 } }],
    'train.optimizer.sgd.nesterov': {
      choice: [true, false],
      when: { 'train.optimizer': { sgd: { learning_rate: 0.05, momentum: 0.9 } } },
    },
    'model.layers': { choice: [[{ gru: { units: 2 } }, { dense: { units: 1 } }]] },
    'model.layers[0].gru.dropout': [0, 0.2],
  };
  const space = parseSpace(structuredClone(raw), 1);
  checkSpace(space, config, 'c.yaml');
  assert.deepEqual(space.find((p) => p.name === 'train.optimizer')!.dist, {
    kind: 'categorical',
    values: raw['train.optimizer'],
  });
  assert.deepEqual(space.find((p) => p.name === 'train.optimizer.sgd.nesterov')!.when, {
    'train.optimizer': raw['train.optimizer'][1],
  });
  assert.deepEqual(space.find((p) => p.name === 'model.layers')!.dist, {
    kind: 'categorical',
    values: raw['model.layers'].choice,
  });
  const drawn = Array.from({ length: 16 }, (_, i) => new RandomSampler().sample(space, [], new Rng(i))!);
  assert.ok(
    drawn.some((d) => 'train.optimizer.sgd.nesterov' in d),
    'nesterov is drawn where sgd is',
  );
  // a trial's parameters are not changed by applying them either
  const params = { 'train.optimizer': { sgd: { learning_rate: 0.05 } }, 'train.optimizer.sgd.nesterov': true };
  const applied = applyParams(config, params);
  assert.deepEqual(applied.train!.optimizer, { sgd: { learning_rate: 0.05, nesterov: true } });
  assert.deepEqual(params['train.optimizer'], { sgd: { learning_rate: 0.05 } });
});

test('an option of an optimizer the config does not train, with no train.optimizer in the space, is refused', () => {
  // every trial of train.optimizer.sgd.momentum: [0.5, 0.9] on a config of adam trained sgd, with adam's learning
  // rate, while a layer the config does not have (model.layers[0].lstm.units) was refused
  assert.throws(
    () => check({ 'train.optimizer.sgd.momentum': [0.5, 0.9] }),
    new RegExp(
      '^ConfigError: c.yaml: tune.space.train.optimizer.sgd.momentum: not a path of the config \\(its optimizer is ' +
        'adam, not sgd\\); set train.optimizer: sgd, or search both with train.optimizer: \\[adam, sgd\\]',
    ),
  );
  // the config's own optimizer's options, and another's chosen by train.optimizer in the space, are fine
  check({ 'train.optimizer.adam.beta_1': [0.5, 0.9] });
  check({
    'train.optimizer': ['adam', 'sgd'],
    'train.optimizer.sgd.momentum': { choice: [0.9], when: { 'train.optimizer': 'sgd' } },
  });
});

test('train.threads is no key of the space: a trial trains on the threads the study gives it, whatever it sampled', () => {
  assert.throws(
    () => check({ 'train.threads': [1, 2] }),
    /^ConfigError: c\.yaml: tune\.space\.train\.threads: expected a key that changes what a trial learns, received one/,
  );
});

test('OFAT sweeps a narrow range inside its ends as 5 distinct values; random draws stay inside the range', () => {
  const float = (lo: number, hi: number, log = false) => ({ name: 'x', dist: { kind: 'float' as const, lo, hi, log } });
  assert.deepEqual(sweepValues(float(0.999, 0.9999)), [0.999, 0.9992, 0.9994, 0.9997, 0.9999]); // was 0.999 x3, 1 x2
  assert.deepEqual(sweepValues(float(1.0005, 1.0095)), [1.0005, 1.0028, 1.005, 1.0072, 1.0095]); // was 1 x3, 1.01 x2
  assert.deepEqual(sweepValues(float(1e-4, 1e-2, true)), [0.0001, 0.000316, 0.001, 0.00316, 0.01]); // as before
  assert.equal(drawOne(float(0.1, 0.1234566).dist, { uniform: () => 0.9999999 } as Rng), 0.1234566); // was 0.123457
});

test('OFAT sweeps a conditional factor only from a configuration where its when: holds', () => {
  const base = parseConfig(
    `data: {csv: x.csv, target: y, lookback: 4}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 32}
`,
    '/tmp/c.yaml',
  );
  const s = parseSpace(
    {
      'train.batch_size': [16, 32],
      'model.layers[0].gru.dropout': { choice: [0.1, 0.2], when: { 'train.batch_size': 16 } },
    },
    1,
  );
  const run = (score: (p: Record<string, unknown>) => number) => {
    const o = new OfatSampler(undefined, base),
      trials: FrozenTrial[] = [];
    for (let p = o.sample(s, trials); p && p !== 'wait'; p = o.sample(s, trials))
      trials.push(done(trials.length, p, score(p)));
    return trials.map((t) => t.params);
  };
  // batch 32 (the config's) stays best: dropout, which the space gives batch 16 only, is not swept from it
  assert.deepEqual(
    run((p) => (p['train.batch_size'] === 16 ? 2 : 1)),
    [{}, { 'train.batch_size': 16 }],
  );
  // batch 16 adopted: dropout is swept from it
  assert.deepEqual(
    run((p) => (p['train.batch_size'] === 16 ? 1 - Number(p['model.layers[0].gru.dropout'] ?? 0) : 2)),
    [
      {},
      { 'train.batch_size': 16 },
      { 'train.batch_size': 16, 'model.layers[0].gru.dropout': 0.1 },
      { 'train.batch_size': 16, 'model.layers[0].gru.dropout': 0.2 },
    ],
  );
});
