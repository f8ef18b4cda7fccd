// The linear skip path: output = wrapped layers + Flatten(x) W + b, trained together; gradients by finite
// differences, save/load, and model.linear_skip in a config.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildLayers, parseConfig } from '../../src/config/index.js';
import { type ActivationName, dense, gru, linearSkip, lstm, Rng, tensor } from '../../src/nn/index.js';
import { loadModel, sequential } from '../../src/train/index.js';
import { randArray } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-skip-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const T = 5,
  F = 3,
  U = 2,
  B = 4;

/** A skip model and the same wrapped layers alone, with equal weights; the skip's linear path set at random. */
function pair(seed: number, activation: ActivationName = 'linear') {
  const rng = new Rng(seed);
  const skip = sequential([linearSkip([gru({ units: 4 }), dense({ units: U, activation })])], {
    seed,
    inputShape: [T, F],
  });
  const plain = sequential([gru({ units: 4 }), dense({ units: U, activation })], { seed, inputShape: [T, F] });
  const sw = skip.getWeights();
  const keys = Object.keys(sw);
  const inner = keys.filter((k) => !k.includes('/linear/'));
  assert.equal(inner.length, Object.keys(plain.getWeights()).length);
  const pw = plain.getWeights();
  Object.keys(pw).forEach((k, i) => {
    pw[k] = randArray(rng, pw[k]!.length, 0.5);
    sw[inner[i]!] = pw[k]!;
  });
  const kernel = keys.find((k) => k.endsWith('/linear/kernel'))!,
    bias = keys.find((k) => k.endsWith('/linear/bias'))!;
  assert.ok(
    sw[kernel]!.every((v) => v === 0),
    'the linear path starts at zero (the model starts as the wrapped one)',
  );
  sw[kernel] = randArray(rng, T * F * U, 0.3);
  sw[bias] = randArray(rng, U, 0.3);
  skip.setWeights(sw);
  plain.setWeights(pw);
  return { skip, plain, W: sw[kernel]!, b: sw[bias]!, rng };
}

test('a linear skip outputs the wrapped layers plus a linear map of the flattened window', () => {
  const { skip, plain, W, b, rng } = pair(1);
  const x = tensor(randArray(rng, B * T * F, 1), [B, T, F]);
  const ys = skip.predict(x).data,
    yp = plain.predict(x).data;
  for (let n = 0; n < B; n++)
    for (let u = 0; u < U; u++) {
      let lin = b[u]!;
      for (let i = 0; i < T * F; i++) lin += x.data[n * T * F + i]! * W[i * U + u]!;
      assert.ok(Math.abs(ys[n * U + u]! - (yp[n * U + u]! + lin)) < 1e-5);
    }
});

// The last layer's activation is the wrapped path's alone: with a sigmoid there, the linear path's gradients were
// those of act'(.) (x W + b), a quarter of the true ones at a sigmoid's centre (its dense scaled dy in place first).
for (const activation of ['linear', 'sigmoid', 'tanh'] as const)
  test(`gradients of every weight of both paths and of the input match finite differences (last layer ${activation})`, () => {
    gradcheckSkip(activation);
  });

function gradcheckSkip(activation: ActivationName): void {
  const { skip, rng } = pair(2, activation);
  skip.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = tensor(randArray(rng, B * T * F, 1), [B, T, F]),
    y = tensor(randArray(rng, B * U, 1), [B, U]);
  const { dx } = skip.lossAndGrads(x, y, { needDx: true });
  const eps = 3e-3;
  const close = (fd: number, an: number, what: string) =>
    assert.ok(Math.abs(fd - an) <= 3e-3 + 3e-2 * Math.abs(fd), `${what}: analytic ${an}, finite difference ${fd}`);
  const weights = skip.getWeights();
  for (const [key, w] of Object.entries(weights)) {
    const g = skip.getGradient(key);
    for (let n = 0; n < 4; n++) {
      const i = rng.int(w.length),
        orig = w[i]!;
      const at = (v: number) => {
        w[i] = v;
        skip.setWeights({ [key]: w });
        return skip.lossAndGrads(x, y).loss;
      };
      const fd = (at(orig + eps) - at(orig - eps)) / (2 * eps);
      at(orig);
      close(fd, g[i]!, `d loss / d ${key}[${i}]`);
    }
  }
  for (let n = 0; n < 8; n++) {
    const i = rng.int(x.data.length),
      orig = x.data[i]!;
    x.data[i] = orig + eps;
    const lp = skip.lossAndGrads(x, y).loss;
    x.data[i] = orig - eps;
    const lm = skip.lossAndGrads(x, y).loss;
    x.data[i] = orig;
    close((lp - lm) / (2 * eps), dx![i]!, `d loss / d x[${i}]`);
  }
}

test('a model with a linear skip saves and loads back to the same forecasts', async () => {
  const { skip, rng } = pair(3);
  const x = tensor(randArray(rng, B * T * F, 1), [B, T, F]);
  await skip.save(join(dir, 'm'));
  const back = await loadModel(join(dir, 'm'));
  assert.deepEqual(Array.from(back.predict(x).data), Array.from(skip.predict(x).data));
});

test('model.linear_skip wraps the layers; a model that ends in a sequence is refused with the key named', () => {
  const cfg = (layers: string) =>
    parseConfig(
      `data: {csv: x.csv, target: y, lookback: ${T}}\nmodel: {linear_skip: true, layers: ${layers}}\n`,
      'c.yaml',
    );
  const layers = buildLayers('c.yaml', cfg('[{lstm: {units: 3}}, {dense: {units: 2}}]'), [T, F]);
  assert.equal(layers.length, 1);
  assert.equal(layers[0]!.className, 'LinearSkip');
  assert.throws(
    () => sequential(buildLayers('c.yaml', cfg('[{lstm: {units: 3, return_sequences: true}}]'), [T, F])),
    // the example was dense: {units: horizon}, too narrow for several targets
    /a linear skip needs layers that end in a vector \(a dense layer of horizon x targets units\), received a sequence/,
  );
  assert.throws(() => linearSkip([lstm({ units: 2, activityRegularizer: { l2: 0.1 } })]), /activity_regularizer/);
});

test('model.linear_skip: ridge starts as the ridge model, keeps it through a fit on two threads, and saves it', async () => {
  const { writeFileSync } = await import('node:fs');
  const { compiledModel } = await import('../../src/config/index.js');
  const { linearForecast, prepareData, syntheticCsv } = await import('../../src/data/index.js');
  writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 300, seed: 5 }));
  const cfg = parseConfig(
    `data: {csv: series.csv, target: value, lookback: 8, horizon: 2, relative: true,
  split: {train: 0.6, val: 0.2, test: 0.2}}
model: {linear_skip: ridge, layers: [{gru: {units: 4}}, {dense: {units: 2}}]}
train: {optimizer: {adamw: {learning_rate: 0.01}}}
`,
    'c.yaml',
  );
  const d = await prepareData(cfg.data as never, join(dir, 'series.csv'));
  const m = compiledModel('c.yaml', cfg, d);
  const w = d.windows.val;
  // the model learns outputs relative to the last input (data.relative); the ridge forecast has them added back
  const relative = (pred: ArrayLike<number>) => Array.from(pred, (v, i) => v - w.offset(Math.floor(i / 2), 0));
  const ridge = relative(linearForecast(d, 'val'));
  const start = Array.from(m.predict(w.inputs()).data);
  for (const [i, v] of start.entries())
    assert.ok(Math.abs(v - ridge[i]!) < 1e-4, `window ${i >> 1}: ${v} vs ridge ${ridge[i]}`);
  const key = Object.keys(m.getWeights()).find((k) => k.endsWith('/linear/kernel'))!;
  const before = m.getWeights();
  assert.equal(m.countParams({ trainableOnly: true }), m.countParams() - 8 * 2 - 2, 'the ridge path is not trained');
  const t = d.windows.train;
  const h = await m.fit(t.inputs(), t.targets(false), { epochs: 2, batchSize: 16, threads: 2 });
  const after = m.getWeights();
  assert.deepEqual(after[key], before[key], 'the ridge path is unchanged (no gradient, no weight decay)');
  const inner = Object.keys(before).filter((k) => !k.includes('/linear/'));
  assert.ok(
    inner.some((k) => after[k]!.some((v, i) => v !== before[k]![i])),
    'the network next to it trains',
  );
  assert.ok(Number.isFinite(h.history.loss!.at(-1)!));
  // the threads read the ridge path too: one epoch on two threads matches one thread
  const one = compiledModel('c.yaml', cfg, d),
    two = compiledModel('c.yaml', cfg, d);
  await one.fit(t.inputs(), t.targets(false), { epochs: 1, batchSize: 16, shuffle: false, threads: 1 });
  await two.fit(t.inputs(), t.targets(false), { epochs: 1, batchSize: 16, shuffle: false, threads: 2 });
  const [w1, w2] = [Object.values(one.getWeights()), Object.values(two.getWeights())];
  assert.ok(w1.length > 2 && w1.length === w2.length);
  for (const [j, w] of w1.entries())
    for (const [i, v] of w.entries()) assert.ok(Math.abs(v - w2[j]![i]!) < 1e-5, `weight ${j}[${i}]`);
  await m.save(join(dir, 'ridge'));
  const back = await loadModel(join(dir, 'ridge'));
  assert.deepEqual(Array.from(back.predict(w.inputs()).data), Array.from(m.predict(w.inputs()).data));
  assert.equal(back.countParams({ trainableOnly: true }), m.countParams({ trainableOnly: true }));
});

test('a config with linear_skip: ridge is refused where there are no data to fit it on', () => {
  const cfg = parseConfig(
    `data: {csv: x.csv, target: y, lookback: ${T}}\n` +
      'model: {linear_skip: ridge, layers: [{gru: {units: 3}}, {dense: {units: 2}}]}\n',
    'c.yaml',
  );
  return import('../../src/config/index.js').then(({ compiledModel }) =>
    assert.throws(() => compiledModel('c.yaml', cfg, F), /c\.yaml: model\.linear_skip: ridge needs the data/),
  );
});
