import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLimitError } from '../../src/errors.js';
import { dense, dropout, gru, l2, lstm, Rng, tensor, timeDistributed } from '../../src/nn/index.js';
import { adam, clipByGlobalNorm, clipByValue, sgd } from '../../src/optim/index.js';
import { Callback, sequential } from '../../src/train/index.js';
import { F, MODELS, type ModelName, probeSamples } from '../helpers/probe-models.js';
import { randArray } from '../helpers/random.js';

/** A noisy sine to forecast one step ahead from 12 steps. */
function sineData(N: number, T = 12, seed = 0) {
  const rng = new Rng(seed);
  const x = new Float32Array(N * T),
    y = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const phase = rng.uniform() * 6.28;
    for (let t = 0; t < T; t++) x[n * T + t] = Math.sin(phase + 0.4 * t) + 0.05 * rng.normal();
    y[n] = Math.sin(phase + 0.4 * T);
  }
  return { x: tensor(x, [N, T, 1]), y: tensor(y, [N, 1]) };
}

test('fit lowers the loss and reports loss and val_loss per epoch', async () => {
  const { x, y } = sineData(256);
  const v = sineData(64, 12, 1);
  const model = sequential([gru({ units: 16, inputShape: [12, 1] }), dense({ units: 1 })], { seed: 7 });
  model.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'mse' });
  const { history } = await model.fit(x, y, { epochs: 15, batchSize: 32, validationData: [v.x, v.y] });
  const loss = history.loss!,
    valLoss = history.val_loss!;
  assert.equal(loss.length, 15);
  assert.equal(valLoss.length, 15);
  assert.ok(loss[14]! < loss[0]! * 0.2, `loss ${loss[0]} -> ${loss[14]}`);
  assert.ok(valLoss[14]! < 0.05, `val_loss ${valLoss[14]}`);
});

test('predict after a fit runs batches of the fit size, the last filled up: no workspace made, same outputs', async () => {
  // a fit of 120 samples in batches of 32 with 20 to validate keeps workspaces for 32, 24 and 20 samples; predicting
  // 70 in batches of 32 would make one for 6
  const { x, y } = sineData(120),
    v = sineData(20, 12, 1),
    p = sineData(70, 12, 2);
  const m = sequential(
    [gru({ units: 8, inputShape: [12, 1], returnSequences: true }), lstm({ units: 4 }), dense({ units: 1 })],
    { seed: 5 },
  );
  m.compile({ optimizer: adam(), loss: 'mse' });
  await m.fit(x, y, { epochs: 2, batchSize: 32, validationData: [v.x, v.y] });
  const e = m.engine,
    before = [e.allocations, e.bytesReserved];
  const got = m.predict(p.x);
  assert.deepEqual([e.allocations, e.bytesReserved], before, 'predict made a workspace');
  const want = m.predict(p.x, { batchSize: 70 }); // one batch of the 70 alone
  assert.deepEqual(got.shape, [70, 1]);
  assert.deepEqual(Array.from(got.data), Array.from(want.data));
  assert.equal(m.predict(sineData(3, 12, 3).x).data.length, 3); // fewer samples than a batch
});

test('evaluate after a fit runs batches of the fit size, the last filled up: no workspace made, the same figures', async () => {
  // batches of 32 with 20 to validate keep workspaces for 32, 24 and 20 samples; evaluating 70 in batches of 32 made
  // one for 6. The filled-up rows count in neither the loss, the metric nor the activity penalty: a sequence output's
  // (time-major: its real rows are not the first) as a vector's
  for (const sequence of [false, true]) {
    const data = (n: number, seed: number) => {
      const { x, y } = sineData(n, 12, seed);
      return { x, y: sequence ? x : y };
    };
    const { x, y } = data(120, 0),
      v = data(20, 1),
      p = data(70, 2),
      few = data(3, 3); // fewer samples than a batch
    const head = sequence ? timeDistributed(dense({ units: 1 })) : dense({ units: 1 });
    const m = sequential(
      [gru({ units: 8, inputShape: [12, 1], returnSequences: sequence, activityRegularizer: l2(0.01) }), head],
      { seed: 5 },
    );
    m.compile({ optimizer: adam(), loss: 'mse', metrics: ['mae'] });
    await m.fit(x, y, { epochs: 2, batchSize: 32, validationData: [v.x, v.y] });
    const e = m.engine,
      before = [e.allocations, e.bytesReserved];
    const got = [m.evaluate(p.x, p.y), m.evaluate(few.x, few.y)];
    assert.deepEqual([e.allocations, e.bytesReserved], before, `sequence ${sequence}: evaluate made a workspace`);
    const want = [m.evaluate(p.x, p.y, { batchSize: 32 }), m.evaluate(few.x, few.y, { batchSize: 3 })]; // 6, 3 last
    assert.deepEqual(got, want, `sequence ${sequence}`);
  }
});

test('the same seed trains to identical histories and weights', async () => {
  const { x, y } = sineData(96);
  const run = async () => {
    const m = sequential(
      [
        lstm({ units: 8, inputShape: [12, 1], dropout: 0.1, recurrentDropout: 0.1 }),
        dropout({ rate: 0.2 }),
        dense({ units: 1 }),
      ],
      { seed: 123 },
    );
    m.compile({ optimizer: adam({ learningRate: 0.005 }), loss: 'mse', clipnorm: 1 });
    const h = await m.fit(x, y, { epochs: 3, batchSize: 16, shuffle: true });
    return { h: h.history, w: m.getWeights() };
  };
  const a = await run(),
    b = await run();
  assert.deepEqual(a.h, b.h);
  // Auto-generated layer names differ between the two models; compare weights in order.
  assert.deepEqual(Object.values(a.w), Object.values(b.w));
  const other = sequential([lstm({ units: 8, inputShape: [12, 1] }), dense({ units: 1 })], { seed: 124 }).getWeights();
  assert.notDeepEqual(Object.values(other)[0], Object.values(a.w)[0]);
});

test('a training step allocates no new WebAssembly memory after the first batch', () => {
  const { x, y } = sineData(200);
  const model = sequential(
    [
      gru({ units: 24, inputShape: [12, 1], returnSequences: true, recurrentDropout: 0.1 }),
      lstm({ units: 8, dropout: 0.1 }),
      dense({ units: 1 }),
    ],
    { seed: 1 },
  );
  model.compile({ optimizer: adam(), loss: 'mse', clipnorm: 5 });
  const idx = Int32Array.from({ length: 200 }, (_, i) => i);
  model.trainStep(x, y, idx, 0, 32);
  const e = model.engine;
  const before = {
    allocations: e.allocations,
    grows: e.grows,
    bytes: e.bytesReserved,
    memory: e.memory.buffer.byteLength,
  };
  for (let s = 1; s < 6; s++) model.trainStep(x, y, idx, s * 32, 32);
  assert.deepEqual(
    { allocations: e.allocations, grows: e.grows, bytes: e.bytesReserved, memory: e.memory.buffer.byteLength },
    before,
  );
});

test('shuffle false keeps the sample order: two epochs without shuffling equal one model trained twice on the same order', async () => {
  const { x, y } = sineData(64);
  const make = () => {
    const m = sequential([gru({ units: 4, inputShape: [12, 1] }), dense({ units: 1 })], { seed: 3 });
    m.compile({ optimizer: sgd({ learningRate: 0.05 }) });
    return m;
  };
  const a = make(),
    b = make();
  await a.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false });
  await b.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false });
  await b.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false });
  assert.deepEqual(Object.values(a.getWeights()), Object.values(b.getWeights()));
  const c = make();
  await c.fit(x, y, { epochs: 2, batchSize: 16, shuffle: true });
  assert.notDeepEqual(Object.values(a.getWeights()), Object.values(c.getWeights()));
});

test('dropout and recurrent dropout act in training only: predict is deterministic and equals evaluate', () => {
  const { x, y } = sineData(20);
  const m = sequential(
    [
      gru({ units: 8, inputShape: [12, 1], dropout: 0.5, recurrentDropout: 0.5 }),
      dropout({ rate: 0.5 }),
      dense({ units: 1 }),
    ],
    { seed: 2 },
  );
  m.compile({ loss: 'mse' });
  const p1 = m.predict(x),
    p2 = m.predict(x);
  assert.deepEqual(p1.data, p2.data);
  let mse = 0;
  for (let i = 0; i < 20; i++) mse += (p1.data[i]! - y.data[i]!) ** 2;
  assert.ok(Math.abs(m.evaluate(x, y).loss - mse / 20) < 1e-6);
  // In training mode the same input gives a different (dropped-out) loss.
  const lTrain = m.lossAndGrads(x, y, { training: true }).loss,
    lEval = m.lossAndGrads(x, y).loss;
  assert.notEqual(lTrain, lEval);
});

test('predict returns the per-timestep output for sequence models', () => {
  const m = sequential([gru({ units: 3, returnSequences: true, inputShape: [5, 2] }), dense({ units: 2 })], {
    seed: 1,
  });
  const x = tensor(randArray(new Rng(1), 4 * 5 * 2), [4, 5, 2]);
  const p = m.predict(x, { batchSize: 3 });
  assert.deepEqual(p.shape, [4, 5, 2]);
  const single = m.predict(tensor(x.data.slice(30, 40), [1, 5, 2]));
  assert.deepEqual(Array.from(single.data), Array.from(p.data.slice(30, 40)));
});

test('bad shapes and options give errors that name what was expected and what was received', async () => {
  const m = sequential([gru({ units: 3, inputShape: [5, 2] }), dense({ units: 1 })]);
  m.compile();
  await assert.rejects(
    m.fit(tensor(new Float32Array(30), [3, 5, 2]), tensor(new Float32Array(6), [3, 2])),
    /fit y: expected shape \[3, 1\].*received \[3, 2\]/,
  );
  await assert.rejects(
    m.fit(tensor(new Float32Array(24), [3, 4, 2]), tensor(new Float32Array(3), [3, 1])),
    /fit x: expected shape \[N, 5, 2\], received \[3, 4, 2\]/,
  );
  assert.throws(() => gru({ units: 0 }), /GRU.units: expected a positive integer, received 0/);
  assert.throws(
    () => lstm({ units: 4, activation: 'swish' as never }),
    /LSTM.activation: expected one of .*received "swish"/,
  );
  assert.throws(() => gru({ units: 4, dropout: 1.5 }), /GRU.dropout: expected a number in \[0, 1\), received 1.5/);
  assert.throws(
    () => m.compile({ optimizer: 'adamax' as never }),
    /optimizer: expected one of sgd, adam, adamw, rmsprop, adagrad, received "adamax"/,
  );
  assert.throws(() => adam({ learningRate: -1 }), /optimizer.learningRate: expected a positive number, received -1/);
  assert.throws(() => m.compile({ loss: 'hinge' as never }), /loss: expected one of mse, mae, huber, received "hinge"/);
});

test('metrics mae, rmse, mape, smape are reported per epoch and on validation data, matching their formulas', async () => {
  const { x, y } = sineData(50);
  const m = sequential([gru({ units: 4, inputShape: [12, 1] }), dense({ units: 1 })], { seed: 5 });
  m.compile({ optimizer: sgd({ learningRate: 1e-9 }), loss: 'mse', metrics: ['mae', 'rmse', 'mape', 'smape'] });
  const { history } = await m.fit(x, y, { epochs: 1, batchSize: 50, validationData: [x, y], shuffle: false });
  const p = m.predict(x).data;
  let mae = 0,
    mse = 0,
    mape = 0,
    smape = 0;
  for (let i = 0; i < 50; i++) {
    const a = Math.abs(y.data[i]! - p[i]!);
    mae += a / 50;
    mse += (a * a) / 50;
    mape += (100 * a) / Math.max(Math.abs(y.data[i]!), 1e-7) / 50;
    smape += (200 * a) / (Math.abs(y.data[i]!) + Math.abs(p[i]!)) / 50;
  }
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b));
  const first = (k: string) => history[k]![0]!;
  assert.ok(
    close(first('val_mae'), mae) &&
      close(first('val_rmse'), Math.sqrt(mse)) &&
      close(first('val_mape'), mape) &&
      close(first('val_smape'), smape),
    JSON.stringify(history),
  );
  assert.ok(close(first('mae'), mae) && close(first('loss'), mse) && close(first('val_loss'), mse));
});

test('clipvalue clamps each gradient; clipnorm rescales to the given global norm', () => {
  const { x, y } = sineData(16);
  const m = sequential([gru({ units: 4, inputShape: [12, 1] }), dense({ units: 1 })], { seed: 5 });
  m.compile({ loss: 'mse' });
  m.lossAndGrads(x, y);
  const before = new Float32Array(m.engine.view(m.grads));
  const norm = Math.hypot(...before);
  // clip_grad_norm_ semantics.
  clipByGlobalNorm(m.ops, m.grads, norm / 4);
  const after = m.engine.view(m.grads);
  assert.ok(Math.abs(Math.hypot(...after) - norm / 4) < 1e-4 * norm);
  m.engine.view(m.grads).set(before);
  const limit = Math.max(...before.map(Math.abs)) / 3;
  clipByValue(m.ops, m.grads, limit);
  const flimit = Math.fround(limit);
  for (const [i, g] of m.engine.view(m.grads).entries())
    assert.equal(g, Math.max(-flimit, Math.min(flimit, before[i]!)));
  assert.ok(
    before.some((g) => Math.abs(g) > flimit),
    'some gradient was above the limit',
  );
});

test('fit warns once at the start about an accuracy metric, far more weights than targets, and validation samples seen in training', async () => {
  const { x, y } = sineData(40);
  const m = sequential([gru({ units: 32, inputShape: [12, 1] }), dense({ units: 1 })], { seed: 1 });
  m.compile({ metrics: ['mae', 'acc'] });
  const warnings: string[] = [];
  const h = await m.fit(x, y, {
    epochs: 2,
    batchSize: 300,
    validationData: [x, y],
    onWarning: (w) => warnings.push(w),
  });
  assert.equal(warnings.length, 4, warnings.join('\n'));
  assert.match(warnings[0]!, /metric "accuracy" on a regression target counts exact equality/);
  assert.match(warnings[1]!, /3,393 weights for 40 training targets/);
  assert.match(warnings[2]!, /batch size 300 is larger than the 40 training samples/);
  assert.match(warnings[3]!, /40 of 40 validation samples also appear in the training set/);
  assert.deepEqual(h.warnings, warnings);
  assert.ok('accuracy' in h.history && 'val_accuracy' in h.history);
});

test('disposed models give their engine memory back: a tuning loop does not grow memory per trial', async () => {
  const { x, y } = sineData(64);
  const rng = new Rng(9);
  const { getEngine } = await import('../../src/engine/index.js');
  const e = getEngine();
  const trial = async (units: number) => {
    const m = sequential(
      [
        gru({ units, inputShape: [12, 1], returnSequences: true }),
        lstm({ units: units + 1 }),
        dropout({ rate: 0.1 }),
        dense({ units: 1 }),
      ],
      { seed: 1 },
    );
    m.compile({ optimizer: adam(), loss: 'mse' });
    await m.fit(x, y, { epochs: 1, batchSize: 16, validationData: [x, y], onWarning: () => {} });
    m.dispose();
  };
  // Every size once, then sizes in random order: the free blocks of one size sit between blocks of others, so a size
  // can need a larger hole once more while the arrangement settles (one grow of 11 KB in the first 20); a leak grows
  // every trial.
  for (let u = 4; u < 16; u++) await trial(u);
  for (let i = 0; i < 20; i++) await trial(4 + rng.int(12));
  const warm = e.bytesReserved;
  for (let i = 0; i < 40; i++) await trial(4 + rng.int(12));
  assert.equal(e.bytesReserved, warm, 'no new engine memory once every size has been seen');
});

test('a disposed model refuses fit, evaluate, predict, save and its weights; disposing it again does nothing', async () => {
  const { x, y } = sineData(8, 4, 5);
  const make = (seed: number) => {
    const m = sequential([gru({ units: 3, inputShape: [4, 1] }), dense({ units: 1 })], { seed });
    m.compile({ loss: 'mse', optimizer: sgd({ learningRate: 0.1 }) });
    return m;
  };
  const a = make(1);
  await a.fit(x, y, { epochs: 1, onWarning: () => {} });
  a.dispose();
  // the models built next take its memory: a fit of the disposed one once wrote into one of these 20
  const others = Array.from({ length: 20 }, (_, i) => make(10 + i));
  const before = others.map((m) => Array.from(m.predict(x).data));
  const refused = (what: string) => ({
    name: 'ValueError',
    message: `model: ${what} after dispose(); the model gave its memory back: build or load another`,
  });
  await assert.rejects(a.fit(x, y, { epochs: 3, onWarning: () => {} }), refused('fit'));
  assert.throws(() => a.predict(x), refused('predict'));
  assert.throws(() => a.evaluate(x, y), refused('evaluate'));
  assert.throws(() => a.getWeights(), refused('getWeights'));
  await assert.rejects(a.save('/nonexistent/never-written'), refused('save'));
  a.dispose();
  assert.deepEqual(
    others.map((m) => Array.from(m.predict(x).data)),
    before,
  );
  for (const m of others) m.dispose();
});

test('a fit whose steps cannot fit in engine memory is refused before its first step', async () => {
  // GRU(64) at lookback 5000, batch 256: 3.6 GB of workspaces for the full batch and 1.8 GB for the last 128 windows;
  // it once trained a batch (seconds; 1:50 on 250,000 rows) before running out at the partial one
  const N = 384,
    T = 5000;
  const x = tensor(new Float32Array(N * T * 3), [N, T, 3]),
    y = tensor(new Float32Array(N), [N, 1]);
  const big = sequential([gru({ units: 64, inputShape: [T, 3] }), dense({ units: 1 })], { seed: 1 });
  big.compile({ optimizer: adam(), loss: 'mse' });
  const t0 = performance.now();
  await assert.rejects(
    big.fit(x, y, { epochs: 1, batchSize: 256, onWarning: () => {} }),
    (e: Error) =>
      e instanceof MemoryLimitError && /a training step of 256 samples on 1 thread needs \d+ MiB/.test(e.message),
  );
  assert.ok(performance.now() - t0 < 1000, `refused after ${performance.now() - t0} ms`);
  big.dispose();
});

test("a fit whose validation's last batch cannot fit beside the training batch is refused before its first step", async () => {
  // GRU(64) at lookback 5000, batch 256 on 256 windows: the training batch's workspaces fit (3.4 GiB), but the 200
  // validation windows, a batch size of their own, take 1.2 GiB more beside them (an inference pass's workspaces): the
  // fit trained its epoch and ran out validating it
  const N = 256,
    V = 200,
    T = 5000;
  const x = tensor(new Float32Array(N * T * 3), [N, T, 3]),
    y = tensor(new Float32Array(N), [N, 1]);
  const xv = tensor(new Float32Array(V * T * 3), [V, T, 3]),
    yv = tensor(new Float32Array(V), [V, 1]);
  const m = sequential([gru({ units: 64, inputShape: [T, 3] }), dense({ units: 1 })], { seed: 1 });
  m.compile({ optimizer: adam(), loss: 'mse' });
  assert.ok(m.stepBytes(256, N, 1) < 2 ** 32, 'the training batch alone fits');
  assert.ok(m.stepBytes(256, N, 1, V) > 2 ** 32, 'with the validation batch it does not');
  assert.ok(m.stepBytes(256, N + 100, 1, 256 + V) > 2 ** 32, 'nor beside a smaller partial batch');
  // the partial batch's and the validation's last batch's workspaces are both kept (WORKSPACES_KEPT)
  const [full, withPartial] = [m.stepBytes(256, 256, 1), m.stepBytes(256, N + 100, 1)];
  const fifty = m.stepBytes(256, 306, 1) - full,
    validatedFifty = m.stepBytes(256, 256, 1, 306) - full;
  assert.equal(m.stepBytes(256, N + 100, 1, 256 + 100), withPartial, 'a size counted once');
  assert.equal(m.stepBytes(256, N + 100, 1, 256 + 50), withPartial + validatedFifty, 'a third size beside them');
  // without the backward pass's buffers: (T, B, H) and (T, B, 4H) of the (T, B, 11H + F) a training step's hold
  assert.ok(validatedFifty < 0.5 * fifty, `a size only the validation runs: ${validatedFifty} against ${fifty}`);
  await assert.rejects(
    m.fit(x, y, { epochs: 1, batchSize: 256, validationData: [xv, yv], onWarning: () => {} }),
    (e: Error) =>
      e instanceof MemoryLimitError && /a training step of 256 samples on 1 thread needs \d+ MiB/.test(e.message),
  );
  m.dispose();
});

test("a fit with validation keeps its three batch sizes' workspaces: memory stops growing after the first epoch", async () => {
  // batches of 64 and 22 windows, validation batches of 40: with two workspaces kept, each epoch freed two and made
  // them again in blocks cut from each other's, and the engine's memory grew for three epochs (GRU(64) at lookback
  // 500, batch 128, 300 windows and 75 to validate: 234 MiB after the first epoch, 375 after the fourth; 232 in use)
  const T = 200,
    { x, y } = sineData(150, T, 3),
    v = sineData(40, T, 4);
  const m = sequential([gru({ units: 16, inputShape: [T, 1] }), dense({ units: 1 })], { seed: 1 });
  m.compile({ optimizer: adam(), loss: 'mse' });
  const reserved: number[] = [];
  const after = new (class extends Callback {
    override onEpochEnd(): void {
      reserved.push(m.engine.bytesReserved);
    }
  })();
  const before = m.engine.bytesReserved;
  await m.fit(x, y, { epochs: 4, batchSize: 64, validationData: [v.x, v.y], callbacks: [after], shuffle: false });
  const mib = reserved.map((b) => ((b - before) / 2 ** 20).toFixed(1));
  assert.ok(reserved[0]! > before, 'the first epoch makes the workspaces');
  assert.deepEqual(reserved.slice(1), [reserved[0], reserved[0], reserved[0]], `MiB after each epoch: ${mib}`);
  m.dispose();
});

test("an inference pass's workspace, without the backward buffers, gives the outputs of a training step's", () => {
  // predict on a model no fit has run on makes workspaces without what training and the backward pass use; after
  // lossAndGrads on the same samples (a forward and backward pass) it runs in the training step's workspaces
  const T = 12,
    N = 20;
  for (const [name, layers] of Object.entries(MODELS)) {
    const h = name === 'encoder_decoder' ? 3 : name === 'direct_horizon' ? 4 : 1;
    const m = sequential(layers(h), { seed: 1, inputShape: [T, F] });
    m.compile({ loss: 'mse' });
    const [x, y] = probeSamples(name as ModelName, N, T, h, 2);
    const inference = m.predict(x, { batchSize: N }).data;
    m.lossAndGrads(x, y);
    const alloc = m.engine.alloc.bind(m.engine);
    let made = 0;
    m.engine.alloc = (n, zero) => {
      made++;
      return alloc(n, zero);
    };
    const training = m.predict(x, { batchSize: N }).data;
    assert.equal(made, 0, `${name}: predict after lossAndGrads made buffers`);
    assert.deepEqual(inference, training, name);
    m.dispose();
  }
});

test('a one-thread fit turns the event loop during an epoch, so that a signal is handled before it ends', async () => {
  // a step on this thread alone settles without a turn: the one turn at an epoch's end came before a signal was read,
  // and `seqtune train` on one thread stopped two epochs after SIGTERM (GRU(48), lookback 336: 11.6 s)
  const { stepTurns } = await import('../helpers/step-turns.js');
  const { x, y } = sineData(16384, 48);
  const m = sequential([gru({ units: 32, inputShape: [48, 1] }), dense({ units: 1 })], { seed: 0 });
  m.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'mse' });
  const t0 = performance.now();
  const turns = await stepTurns(() => m.fit(x, y, { epochs: 1, batchSize: 32, threads: 1, onWarning: () => {} }));
  const ms = performance.now() - t0;
  assert.equal(turns.length, 512);
  // 512 steps of GRU(32) over 48 steps: about 0.6 s on a 2-core EPYC, ten times the 50 ms between turns
  assert.ok(turns.at(-1)! > turns[0]!, `no turn during the epoch of ${Math.round(ms)} ms: turns at steps ${turns}`);
  m.dispose();
});
