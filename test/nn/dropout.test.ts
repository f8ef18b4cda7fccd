// The noise layers (src/nn/dropout.ts). GaussianNoise: x + N(0, stddev^2) in training only, the identity
// at inference, its gradient the identity; named in a config file as gaussian_noise; saved and loaded.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compiledModel, parseConfig, resolveConfig } from '../../src/config/index.js';
import { layers } from '../../src/index.js';
import { dense, GaussianNoise, gaussianNoise, gru, Rng, tensor } from '../../src/nn/index.js';
import { loadModel, sequential } from '../../src/train/index.js';
import { runLayer } from '../helpers/layer.js';
import { randArray } from '../helpers/random.js';

const double = (out: Float32Array) => out.map((v) => 2 * v);

test('gaussianNoise is the identity at inference, and passes the gradient through', () => {
  const x = randArray(new Rng(1), 6 * 4 * 3);
  const r = runLayer(gaussianNoise({ stddev: 0.5 }), 6, 4, 3, x, double, undefined, false);
  assert.deepEqual(r.out, x);
  assert.deepEqual(r.dx, double(x));
});

test('in training gaussianNoise adds noise of mean 0 and the given standard deviation, per element', () => {
  const T = 50,
    B = 40,
    F = 10,
    n = T * B * F;
  const x = randArray(new Rng(2), n);
  const r = runLayer(gaussianNoise({ stddev: 0.3 }), T, B, F, x, (o) => o.map(() => 1), undefined, true);
  const e = r.out.map((v, i) => v - x[i]!);
  const mean = e.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(e.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(sd / 0.3 - 1) < 0.03, `stddev ${sd}`);
  assert.ok(new Set(e).size > n * 0.9, 'an independent draw per element');
  assert.deepEqual(r.dx, new Float32Array(n).fill(1));
});

test('a seed gives the layer its own generator: the same seed, the same noise', () => {
  const x = randArray(new Rng(3), 5 * 2 * 3);
  const run = () => runLayer(gaussianNoise({ stddev: 1, seed: 7 }), 5, 2, 3, x, double, undefined, true).out;
  assert.deepEqual(run(), run());
  assert.throws(() => gaussianNoise({ stddev: -1 }), /GaussianNoise.stddev: expected a non-negative number/);
  assert.throws(() => gaussianNoise({ stddev: 1, seed: 1.5 }), /GaussianNoise.seed: expected a non-negative integer/);
  assert.equal(layers.gaussianNoise({ stddev: 0.1 }).className, 'GaussianNoise');
});

const config = (noise: string) =>
  `data:\n  csv: d.csv\n  target: y\n  lookback: 5\nmodel:\n  layers:\n    - ${noise}\n    - gru: {units: 3}\n` +
  '    - dense: {units: 1}\ntrain:\n  epochs: 1\n';

test('gaussian_noise works from a config file, with its options checked', () => {
  const cfg = resolveConfig(parseConfig(config('gaussian_noise: {stddev: 0.2, seed: 4}'), 'c.yaml'), 'c');
  const m = compiledModel('c.yaml', cfg, 2);
  const noise = m.layers[0]!;
  assert.ok(noise instanceof GaussianNoise);
  assert.deepEqual([noise.stddev, noise.seed], [0.2, 4]);
  assert.throws(
    () => parseConfig(config('gaussian_noise: {stddev: -1}'), 'c.yaml'),
    /c.yaml: model.layers\[0\].gaussian_noise.stddev: expected a non-negative number, received -1/,
  );
  assert.throws(() => parseConfig(config('gaussian_noise: {}'), 'c.yaml'), /gaussian_noise.stddev: expected/);
  assert.throws(
    () => parseConfig(config('gaussian_nosie: {stddev: 0.1}'), 'c.yaml'),
    /unknown layer "gaussian_nosie".*\(did you mean "gaussian_noise"\?\)/,
  );
});

test('a model with gaussianNoise trains, saves and loads back with the same config and predictions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-noise-'));
  try {
    const rng = new Rng(4);
    const x = tensor(randArray(rng, 16 * 5 * 2), [16, 5, 2]),
      y = tensor(randArray(rng, 16), [16, 1]);
    const m = sequential([gaussianNoise({ stddev: 0.1, seed: 9 }), gru({ units: 3 }), dense({ units: 1 })], {
      seed: 5,
      inputShape: [5, 2],
    });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const h = await m.fit(x, y, { epochs: 2, batchSize: 8 });
    assert.ok(h.history.loss!.every(Number.isFinite));
    await m.save(dir);
    const back = await loadModel(dir);
    assert.ok(back.layers[0] instanceof GaussianNoise);
    assert.deepEqual(back.layerConfigs(), m.layerConfigs());
    assert.deepEqual(back.predict(x).data, m.predict(x).data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
