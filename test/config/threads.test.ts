// train.threads: the config's count, else the cores shared between the trainings that run at once.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { withThreads } from '../../src/cli/options.js';
import { fitThreads, parseConfig, type RawConfig } from '../../src/config/index.js';
import { tuneSettings } from '../../src/tune/settings.js';

const cfg = (threads?: number) => ({ train: threads === undefined ? {} : { threads } }) as Pick<RawConfig, 'train'>;

test('without train.threads one training takes every core and a study divides them between its jobs', () => {
  assert.equal(fitThreads(cfg(), 1, 8), 8);
  assert.equal(fitThreads(cfg(), 2, 8), 4);
  assert.equal(fitThreads(cfg(), 3, 8), 2);
  assert.equal(fitThreads(cfg(), 16, 8), 1);
  assert.equal(fitThreads(cfg()), Math.min(256, availableParallelism()));
  assert.equal(fitThreads(cfg(), 1, 512), 256, 'a machine of more cores than MAX_THREADS trains on 256');
  assert.equal(fitThreads(cfg(), 2, 512), 256);
});

test('train.threads is kept for one training and capped so that jobs x threads stays within the cores', () => {
  assert.equal(fitThreads(cfg(3), 1, 8), 3);
  assert.equal(fitThreads(cfg(16), 1, 8), 16);
  assert.equal(fitThreads(cfg(6), 2, 8), 4);
  assert.equal(fitThreads(cfg(2), 4, 8), 2);
});

const yaml = (extra: string) => `
data: {csv: x.csv, target: y, lookback: 4}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1${extra}}
tune: {strategy: random, space: {train.batch_size: [8, 16]}}
`;

test('a study without tune.jobs runs cores / train.threads trials at once; --threads sets train.threads', () => {
  const two = parseConfig(yaml(', threads: 2'), '/tmp/c.yaml');
  assert.equal(two.train?.threads, 2);
  assert.equal(tuneSettings(two, '/tmp/c.yaml').jobs, Math.max(1, Math.floor(availableParallelism() / 2)));
  assert.equal(tuneSettings(parseConfig(yaml(''), '/tmp/c.yaml'), '/tmp/c.yaml').jobs, availableParallelism());
  const loaded = { raw: parseConfig(yaml(''), '/tmp/c.yaml'), file: '/tmp/c.yaml', dir: '/tmp', name: 'c' };
  assert.equal(withThreads(loaded, 3).raw.train?.threads, 3);
  assert.equal(withThreads(loaded, undefined), loaded);
  assert.equal(loaded.raw.train?.threads, undefined, 'the loaded config itself is left as it was');
});

test('train.threads must be an integer from 1 to 256: a huge count is refused, naming the key', () => {
  const refused = /c\.yaml: train\.threads: expected an integer from 1 to 256, received/;
  for (const v of ['0', '-1', '1.5', 'two', '257', '99999999999'])
    assert.throws(() => parseConfig(yaml(`, threads: ${v}`), '/tmp/c.yaml'), refused, v);
  assert.equal(parseConfig(yaml(', threads: 256'), '/tmp/c.yaml').train?.threads, 256);
});
