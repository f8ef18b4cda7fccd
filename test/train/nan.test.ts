// The NaN policy (compile onNan / train.on_nan): a step whose loss or gradient norm is not finite stops the run
// with the last finite weights (default), is left out (skip_batch) or applied (continue); clipping never writes
// NaN; restore_best_weights puts back the best epoch's weights whether or not training stopped early.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compiledModel, parseConfig, resolveConfig } from '../../src/config/index.js';
import { dense, gru, Rng, type Tensor, tensor } from '../../src/nn/index.js';
import { adam, clipByGlobalNorm } from '../../src/optim/index.js';
import { Callback, EarlyStopping, type Logs, type NanPolicy, sequential } from '../../src/train/index.js';

/** N windows of 8 steps of a sine; window `bad` (if any) has a NaN input. */
function data(N: number, bad = -1): { x: Tensor; y: Tensor } {
  const rng = new Rng(3);
  const x = new Float32Array(N * 8),
    y = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const p = rng.uniform() * 6;
    for (let t = 0; t < 8; t++) x[n * 8 + t] = Math.sin(p + 0.5 * t);
    y[n] = Math.sin(p + 4);
  }
  if (bad >= 0) x[bad * 8 + 3] = Number.NaN;
  return { x: tensor(x, [N, 8, 1]), y: tensor(y, [N, 1]) };
}

function model(onNan?: NanPolicy, clipnorm?: number) {
  const m = sequential([gru({ units: 5, inputShape: [8, 1] }), dense({ units: 1 })], { seed: 4 });
  m.compile({ optimizer: adam({ learningRate: 0.01 }), metrics: ['mae'], onNan, clipnorm });
  return m;
}
const weights = (m: ReturnType<typeof model>) => Float32Array.from(m.engine.view(m.params));

/** Records the weights after every batch. */
class AfterBatch extends Callback {
  readonly seen: Float32Array[] = [];
  override onBatchEnd(): void {
    this.seen.push(Float32Array.from(this.model.engine.view(this.model.params)));
  }
}

test('by default a non-finite step stops the run as diverged, with the weights of the last finite step', async () => {
  const { x, y } = data(40, 20); // batch 3 of 5 (batch size 8) holds the NaN
  const m = model();
  const rec = new AfterBatch();
  const h = await m.fit(x, y, { epochs: 4, batchSize: 8, shuffle: false, callbacks: [rec] });
  assert.equal(h.diverged, true);
  assert.equal(h.epochs, 1);
  assert.match(h.stopReason!, /^diverged at epoch 1, batch 3: loss NaN, gradient norm NaN; stopped with the weights/);
  assert.deepEqual(weights(m), rec.seen[1], 'the weights after batch 2, the last finite step');
  assert.ok(m.predict(data(8).x).data.every(Number.isFinite));
});

test('skip_batch leaves the bad batch out: the same weights and metrics as training without it', async () => {
  const bad = data(40, 20);
  const m = model('skip_batch');
  const warnings: string[] = [];
  const h = await m.fit(bad.x, bad.y, { epochs: 3, batchSize: 8, shuffle: false, onWarning: (w) => warnings.push(w) });
  assert.equal(h.diverged, false);
  assert.equal(h.skippedBatches, 3);
  assert.deepEqual(warnings, [
    'skipped 3 of 15 batches whose loss or gradient norm was not finite (train.on_nan: skip_batch)',
  ]);
  // The same windows without batch 3 (rows 16..23): every step is the same step.
  const keep = (t: Tensor, per: number) =>
    tensor(Float32Array.from([...t.data.subarray(0, 16 * per), ...t.data.subarray(24 * per)]), [
      32,
      ...t.shape.slice(1),
    ]);
  const ref = model();
  const r = await ref.fit(keep(bad.x, 8), keep(bad.y, 1), { epochs: 3, batchSize: 8, shuffle: false });
  assert.deepEqual(weights(m), weights(ref));
  assert.deepEqual(h.history.loss, r.history.loss);
  assert.deepEqual(h.history.mae, r.history.mae);
});

test('continue applies the step; with clipnorm the NaN gradient is zeroed, so no weight becomes NaN', async () => {
  const { x, y } = data(40, 20);
  const plain = model('continue');
  await plain.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false });
  assert.ok(weights(plain).some(Number.isNaN), 'without clipping the NaN reaches the weights');
  const clipped = model('continue', 1);
  const h = await clipped.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false });
  assert.equal(h.diverged, false);
  assert.ok(weights(clipped).every(Number.isFinite));
});

test('clipByGlobalNorm never writes NaN: a gradient with an infinite or NaN value is set to zero', () => {
  const m = model();
  m.build([8, 1]);
  for (const poison of [Number.POSITIVE_INFINITY, Number.NaN]) {
    const g = m.engine.view(m.grads);
    g.fill(0.5);
    g[3] = poison;
    const norm = clipByGlobalNorm(m.ops, m.grads, 1);
    assert.ok(!Number.isFinite(norm));
    assert.ok(
      m.engine.view(m.grads).every((v) => v === 0),
      `${poison}: ${m.engine.view(m.grads).slice(0, 5)}`,
    );
  }
});

/** Feeds scripted values as a log key so the best epoch is known. */
class Script extends Callback {
  constructor(readonly values: number[]) {
    super();
  }
  override onEpochEnd(epoch: number, logs: Logs): void {
    logs.score = this.values[epoch]!;
  }
}

test('restore_best_weights restores the best epoch at the end even when training did not stop early', async () => {
  const { x, y } = data(16);
  const keep = new EarlyStopping({ monitor: 'score', patience: 10, restoreBestWeights: true });
  const m = model();
  const atEpoch: Float32Array[] = [];
  class Record extends Callback {
    override onEpochEnd(): void {
      atEpoch.push(weights(m));
    }
  }
  const h = await m.fit(x, y, { epochs: 4, batchSize: 8, callbacks: [new Script([3, 1, 2, 4]), new Record(), keep] });
  assert.equal(h.epochs, 4);
  assert.equal(h.stopReason, 'restored the weights of epoch 2 (best score 1.0000)');
  assert.deepEqual(weights(m), atEpoch[1]);
});

test('a run whose best epoch is its last keeps its weights and says nothing', async () => {
  const { x, y } = data(16);
  const m = model();
  const es = new EarlyStopping({ monitor: 'score', patience: 10, restoreBestWeights: true });
  const h = await m.fit(x, y, { epochs: 3, batchSize: 8, callbacks: [new Script([3, 2, 1]), es] });
  assert.equal(h.stopReason, undefined);
});

test('train.on_nan in a config reaches the compiled model (default stop)', () => {
  const text = (extra: string) =>
    `data: {csv: x.csv, target: y, lookback: 8}\nmodel: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}\n${extra}`;
  const policy = (extra: string) => {
    const cfg = resolveConfig(parseConfig(text(extra), 'c.yaml'), 'c');
    const m = compiledModel('c.yaml', cfg, 1);
    m.dispose();
    return [cfg.train?.on_nan, m.onNan];
  };
  assert.deepEqual(policy(''), ['stop', 'stop']);
  assert.deepEqual(policy('train: {on_nan: skip_batch}'), ['skip_batch', 'skip_batch']);
});

test('a run that diverges in its first epoch reports NaN validation figures to callbacks that monitor them', async () => {
  const bad = data(40, 2); // the first batch holds the NaN
  const val = data(16);
  const m = model();
  const es = new EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
  const h = await m.fit(bad.x, bad.y, {
    epochs: 3,
    batchSize: 8,
    shuffle: false,
    validationData: [val.x, val.y],
    callbacks: [es],
  });
  assert.equal(h.diverged, true);
  assert.equal(h.epochs, 1);
  assert.deepEqual(h.history.val_loss, [Number.NaN]);
  assert.deepEqual(h.history.val_mae, [Number.NaN]);
});
