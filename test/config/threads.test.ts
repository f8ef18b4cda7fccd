// train.threads: the config's count, else the cores shared between the trainings that run at once.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { withThreads } from '../../src/cli/options.js';
import { fitThreads, parseConfig, type RawConfig, threadsOfFit } from '../../src/config/index.js';
import { dense, gru } from '../../src/nn/index.js';
import { sequential } from '../../src/train/index.js';
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

test('without train.threads a fit takes the free threads only where its batches and whole fit hold work to share', () => {
  // a study of 24 GRU(4) trials on 240 rows started a thread for every trial: 25 s against 6.5 s on one thread
  const model = (units: number, T: number) => {
    const m = sequential([gru({ units, inputShape: [T, 1] }), dense({ units: 1 })], { seed: 1 });
    m.compile({ loss: 'mse' });
    return m;
  };
  const tiny = model(4, 12),
    tinyGru = model(32, 48), // the bench's tiny-gru: 2 threads 1.5x faster than 1
    small = model(16, 24);
  const fit = (samples: number, epochs: number, batchSize = 32) => ({ batchSize, samples, epochs });
  assert.equal(threadsOfFit(cfg(), 4, tiny, fit(144, 12)), 1, 'GRU(4), 144 windows, 12 epochs');
  assert.equal(threadsOfFit(cfg(), 4, tiny, fit(1e6, 1000)), 1, 'a long fit of shares too small to gain');
  assert.equal(threadsOfFit(cfg(), 4, tinyGru, fit(4096, 50)), 4, 'tiny-gru for 50 epochs');
  assert.equal(threadsOfFit(cfg(), 4, tinyGru, fit(4096, 2)), 1, 'tiny-gru for 2 epochs: starting costs more');
  assert.equal(threadsOfFit(cfg(), 4, small, fit(1e5, 100)), 1, 'GRU(16) at 24 steps, batches of 32');
  assert.equal(threadsOfFit(cfg(), 4, small, fit(1e5, 100, 64)), 2, 'the same in batches of 64: two shares');
  // asked for: the count asked, whatever the fit (fit's own rules and warnings apply, Model.threadsFor)
  assert.equal(threadsOfFit(cfg(2), 2, tiny, fit(144, 12)), 2);
  for (const m of [tiny, tinyGru, small]) m.dispose();
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
