import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchNormalization, dense, gru, lstm, Rng, type Tensor, tensor } from '../../src/nn/index.js';
import { sgd } from '../../src/optim/index.js';
import { fitSnapshotEnsemble, fuseModels, type Predictor, sequential } from '../../src/train/index.js';
import { randArray } from '../helpers/random.js';

const rng = new Rng(8);
const x = tensor(randArray(rng, 40 * 6 * 2), [40, 6, 2]);
const y = tensor(randArray(rng, 40), [40, 1]);

test("a snapshot ensemble's prediction is the mean of its snapshots, one per SGDR cycle", async () => {
  const m = sequential([gru({ units: 5, inputShape: [6, 2] }), dense({ units: 1 })], { seed: 3 });
  m.compile({ optimizer: sgd({ learningRate: 0.1 }) });
  const { ensemble, history } = await fitSnapshotEnsemble(m, x, y, {
    cycles: 3,
    cycleEpochs: 2,
    cycleMult: 2,
    batchSize: 10,
    keep: 2,
  });
  assert.equal(history.epochs, 2 + 4 + 8);
  assert.equal(ensemble.snapshots.length, 3);
  assert.deepEqual(
    history.history.lr!.map((v, e) => (v === 0.1 ? e : -1)).filter((e) => e >= 0),
    [0, 2, 6],
    'the rate restarts at each cycle',
  );
  const finalPred = m.predict(x).data;
  const each = ensemble.snapshots.map((s) => {
    m.engine.view(m.params).set(s);
    return m.predict(x).data;
  });
  m.engine.view(m.params).set(ensemble.snapshots[2]!);
  assert.deepEqual(finalPred, each[2], 'the last snapshot is the final model');
  const p = ensemble.predict(x).data;
  for (const [i, v] of p.entries()) assert.ok(Math.abs(v - (each[1]![i]! + each[2]![i]!) / 2) < 1e-6);
  const p3 = ensemble.predict(x, { k: 3 }).data;
  for (const [i, v] of p3.entries()) assert.ok(Math.abs(v - (each[0]![i]! + each[1]![i]! + each[2]![i]!) / 3) < 1e-6);
});

test("a snapshot ensemble's own options are checked before training, by their names", async () => {
  const m = sequential([gru({ units: 3, inputShape: [6, 2] }), dense({ units: 1 })], { seed: 3 });
  m.compile({ optimizer: sgd({ learningRate: 0.1 }) });
  const fit = (o: object) => fitSnapshotEnsemble(m, x, y, { cycles: 2, cycleEpochs: 1, batchSize: 10, ...o });
  // keep 0 trained every cycle, then predict said "no snapshots were taken"; the others named the schedule's options
  await assert.rejects(fit({ keep: 0 }), /^ValueError: snapshot.keep: expected a positive integer, received 0$/);
  await assert.rejects(fit({ keep: 1.5 }), /snapshot.keep: expected a positive integer, received 1.5/);
  await assert.rejects(
    fit({ cycleMult: 1.5 }),
    /^ValueError: snapshot.cycleMult: expected an integer >= 1, received 1.5/,
  );
  await assert.rejects(fit({ etaMin: -1 }), /^ValueError: snapshot.etaMin: expected a number >= 0, received -1/);
  const { ensemble } = await fit({ keep: 5 });
  assert.equal(ensemble.predict(x).shape[0], 40, 'keep beyond the snapshots taken averages all of them');
  assert.throws(() => ensemble.predict(x, { k: 0 }), /SnapshotEnsemble.predict k: expected a positive integer/);
});

class Fixed implements Predictor {
  constructor(readonly out: Float32Array) {}
  predict(): Tensor {
    return { data: this.out, shape: [this.out.length, 1] };
  }
}

test('fusion: mean, weights proportional to 1/validation MSE, and a least-squares stacker', () => {
  const n = 30,
    yv = new Float32Array(n),
    a = new Float32Array(n),
    b = new Float32Array(n);
  const r = new Rng(1);
  for (let i = 0; i < n; i++) {
    a[i] = r.normal();
    b[i] = r.normal();
    yv[i] = 0.5 + 2 * a[i]! - 1 * b[i]!;
  }
  const val: [Tensor, Tensor] = [tensor(new Float32Array(n), [n, 1, 1]), tensor(yv, [n, 1])];
  const A = new Fixed(a),
    B = new Fixed(b);
  const mean = fuseModels([A, B]).predict(val[0]).data;
  for (const [i, v] of mean.entries()) assert.ok(Math.abs(v - (a[i]! + b[i]!) / 2) < 1e-6);
  const w = fuseModels([A, B], { method: 'weighted', validation: val });
  const mse = (p: Float32Array) => p.reduce((s, v, i) => s + (v - yv[i]!) ** 2, 0) / n;
  const wa = 1 / mse(a),
    wb = 1 / mse(b);
  assert.ok(Math.abs((w.weights as number[])[0]! - wa / (wa + wb)) < 1e-9);
  const st = fuseModels([A, B], { method: 'stacked', validation: val });
  const [w0, w1, w2] = (st.weights as [number, number, number][])[0]!;
  assert.ok(
    Math.abs(w0 - 0.5) < 1e-4 && Math.abs(w1 - 2) < 1e-4 && Math.abs(w2 + 1) < 1e-4,
    `stacker ${w0}, ${w1}, ${w2}`,
  );
  assert.throws(() => fuseModels([A], { method: 'weighted' }), /needs validation data/);
});

test('a fusion of members that forecast different outputs is a ShapeError, never a mix of their buffers', () => {
  const fixed = (cols: number): Predictor => ({
    predict: (xs) => tensor(new Float32Array(xs.shape[0]! * cols), [xs.shape[0]!, cols]),
  });
  for (const members of [
    [fixed(1), fixed(2)],
    [fixed(2), fixed(1)],
  ])
    assert.throws(
      () => fuseModels(members).predict(x),
      (e: Error) =>
        e.name === 'ShapeError' &&
        /^fuseModels: member 2 predicts \[40, \d\] where member 1 predicts \[40, \d\]; the members/.test(e.message),
    );
  assert.deepEqual(fuseModels([fixed(2), fixed(2)]).predict(x).shape, [40, 2]);
  // a sequence (2, 3) and a vector of 6 are not one layout of the other's (3, 2) values
  const seq = (T: number, F: number): Predictor => ({
    predict: (xs) => tensor(new Float32Array(xs.shape[0]! * T * F), [xs.shape[0]!, T, F]),
  });
  for (const members of [
    [seq(3, 2), seq(2, 3)],
    [seq(3, 2), fixed(5)],
  ])
    assert.throws(
      () => fuseModels(members).predict(x),
      /^ShapeError: fuseModels: member 2 predicts \[40, [\d, ]+\] where/,
    );
});

test('a sequence output (horizon, targets) and a vector of horizon x targets are fused on their flat layout', () => {
  // an encoder-decoder's (N, 3, 2) and the linear baseline's (N, 6): value h * 2 + k of a window is step h of target
  // k in both. fuseModels said "member 2 predicts [12, 6] where member 1 predicts [12, 3, 2]", a ShapeError.
  const n = 12,
    r = new Rng(5);
  const col = () => Float32Array.from({ length: n * 6 }, () => r.normal());
  const a = col(),
    b = col(),
    yv = a.map((v, i) => 0.25 + 0.6 * v + 0.3 * b[i]! + 0.01 * r.normal());
  const A: Predictor = { predict: () => tensor(a, [n, 3, 2]) },
    B: Predictor = { predict: () => tensor(b, [n, 6]) };
  const xv = tensor(new Float32Array(n), [n, 1, 1]);
  for (const [method, target] of [
    ['mean', tensor(yv, [n, 3, 2])],
    ['weighted', tensor(yv, [n, 3, 2])],
    ['blend', tensor(yv, [n, 6])],
    ['stacked', tensor(yv, [n, 3, 2])],
    ['stacked', tensor(yv, [n, 6])],
  ] as const)
    for (const members of [
      [A, B],
      [B, A],
    ]) {
      const f = fuseModels(members, { method, validation: [xv, target] });
      const p = f.predict(xv),
        [wa, wb] = members[0] === A ? [1, 2] : [2, 1];
      assert.deepEqual(p.shape, members[0] === A ? [n, 3, 2] : [n, 6], "in member 1's form");
      for (let i = 0; i < n * 6; i++) {
        const w =
          method === 'stacked' ? (f.weights as number[][])[i % f.weights.length]! : [0, ...(f.weights as number[])];
        const want = w[0]! + w[wa]! * a[i]! + w[wb]! * b[i]!;
        assert.ok(Math.abs(p.data[i]! - want) < 1e-5, `${method} [${i}]: ${p.data[i]} vs ${want}`);
      }
      if (method === 'stacked') {
        const W = f.weights as number[][];
        assert.equal(W.length, target.shape.length === 3 ? 2 : 6, 'a row per target, or per step and target');
        for (const row of W)
          assert.ok(
            Math.abs(row[0]! - 0.25) < 0.02 && Math.abs(row[wa]! - 0.6) < 0.02 && Math.abs(row[wb]! - 0.3) < 0.02,
          );
      }
    }
});

test('blend: the convex weights with the lowest validation MSE, none negative, summing to one', () => {
  const n = 40,
    r = new Rng(2);
  const col = () => Float32Array.from({ length: n }, () => r.normal());
  const a = col(),
    b = col(),
    c = col();
  const y = a.map((v, i) => 0.3 * v + 0.7 * b[i]!);
  const val: [Tensor, Tensor] = [tensor(new Float32Array(n), [n, 1, 1]), tensor(y, [n, 1])];
  const weights = (ps: Float32Array[]) =>
    fuseModels(
      ps.map((p) => new Fixed(p)),
      { method: 'blend', validation: val },
    ).weights as number[];
  const [wa, wb, wc] = weights([a, b, c]);
  assert.ok(Math.abs(wa! - 0.3) < 1e-6 && Math.abs(wb! - 0.7) < 1e-6 && Math.abs(wc!) < 1e-6, `${wa} ${wb} ${wc}`);
  // Least squares would weight a negatively (y = 1.5 b - 0.5 a); the blend keeps the weights on the simplex, and
  // no other convex weights do better.
  const y2 = b.map((v, i) => 1.5 * v - 0.5 * a[i]!);
  val[1] = tensor(y2, [n, 1]);
  const w2 = weights([a, b]);
  assert.ok(w2[0] === 0 && Math.abs(w2[1]! - 1) < 1e-12, `${w2}`);
  const mse = (wA: number) => a.reduce((s, v, i) => s + (wA * v + (1 - wA) * b[i]! - y2[i]!) ** 2, 0);
  for (let t = 0.01; t <= 1; t += 0.01) assert.ok(mse(t) > mse(0));
  // Two members that predict alike: one of them, not a failure.
  const w3 = weights([b, b, a]);
  assert.ok(Math.abs(w3.reduce((s, v) => s + v, 0) - 1) < 1e-12 && w3.every((v) => v >= 0), `${w3}`);
});

test('fusion of trained models works end to end', async () => {
  const models = [1, 2].map((s) => {
    const m = sequential([lstm({ units: 3, inputShape: [6, 2] }), dense({ units: 1 })], { seed: s });
    m.compile();
    return m;
  });
  for (const m of models) await m.fit(x, y, { epochs: 2, batchSize: 8 });
  const f = fuseModels(models, { method: 'stacked', validation: [x, y] });
  assert.equal(f.predict(x).data.length, 40);
});

test('batchNormalization uses batch statistics in training and moving statistics in predict', async () => {
  const m = sequential(
    [
      gru({ units: 4, inputShape: [6, 2], name: 'g' }),
      batchNormalization({ momentum: 0.5, name: 'bn' }),
      dense({ units: 1, name: 'd' }),
    ],
    { seed: 2 },
  );
  m.compile({ optimizer: sgd({ learningRate: 1e-9 }) });
  await m.fit(x, y, { epochs: 1, batchSize: 40, shuffle: false });
  const w = m.getWeights();
  const h = m.activations(x)[0]!.data;
  let mean = 0;
  for (let i = 0; i < 40; i++) mean += h[i * 4]! / 40;
  const bn = (name: string) => w[`bn/${name}`]![0]!;
  assert.ok(Math.abs(bn('movingMean') - 0.5 * mean) < 1e-5, 'moving mean moved halfway to the batch mean');
  const bnOut = m.activations(x)[1]!.data;
  const expected = ((h[0]! - bn('movingMean')) / Math.sqrt(bn('movingVariance') + 1e-3)) * bn('gamma') + bn('beta');
  assert.ok(Math.abs(bnOut[0]! - expected) < 1e-5);
  assert.equal(m.summary().includes('Non-trainable params: 8'), true);
});

test('summary lists layers, output shapes and parameter counts', () => {
  const m = sequential([
    gru({ units: 8, returnSequences: true, inputShape: [12, 3], name: 'g' }),
    lstm({ units: 4, name: 'l' }),
    dense({ units: 2, name: 'd' }),
  ]);
  const s = m.summary();
  assert.match(s, /g \(GRU\)\s+\(None, 12, 8\)\s+312/);
  assert.match(s, /l \(LSTM\)\s+\(None, 4\)\s+208/);
  assert.match(s, /d \(Dense\)\s+\(None, 2\)\s+10/);
  assert.match(s, /Total params: 530/);
});
