import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dense, getInitializer, lstm, Rng, withSketchedInit } from '../../src/nn/index.js';
import { orthonormalSeconds } from '../../src/nn/orthonormal.js';
import { sequential } from '../../src/train/index.js';

test('initializers are reproducible from the seed and follow their formulas', () => {
  const names = [
    'zeros',
    'ones',
    'randomUniform',
    'randomNormal',
    'truncatedNormal',
    'glorotUniform',
    'glorotNormal',
    'heUniform',
    'heNormal',
    'lecunNormal',
    'orthogonal',
  ] as const;
  for (const n of names) {
    const a = getInitializer(n).init([20, 30], new Rng(5)),
      b = getInitializer(n).init([20, 30], new Rng(5));
    assert.deepEqual(a, b, n);
  }
  const gu = getInitializer('glorotUniform').init([40, 60], new Rng(1));
  const limit = Math.sqrt(6 / 100);
  assert.ok(gu.every((v) => Math.abs(v) <= limit));
  const mean = gu.reduce((s, v) => s + v, 0) / gu.length,
    variance = gu.reduce((s, v) => s + v * v, 0) / gu.length;
  assert.ok(
    Math.abs(mean) < 0.01 && Math.abs(variance - (limit * limit) / 3) < 0.003,
    `glorot uniform variance ${variance}`,
  );
  const he = getInitializer('heNormal').init([200, 100], new Rng(2));
  const hv = he.reduce((s, v) => s + v * v, 0) / he.length;
  assert.ok(Math.abs(hv - 2 / 200) < 0.0015, `he normal variance ${hv}`);
  const tn = getInitializer({ className: 'truncatedNormal', config: { stddev: 1 } }).init([1000], new Rng(3));
  assert.ok(tn.every((v) => Math.abs(v) <= 2));
  assert.deepEqual(
    [...getInitializer({ className: 'constant', config: { value: 0.3 } }).init([3], new Rng(0))],
    [0.3, 0.3, 0.3].map(Math.fround),
  );
  assert.throws(() => getInitializer('xavier' as never), /initializer: expected one of .*received "xavier"/);
});

test("a conv1d kernel's fans count its taps, as Keras' compute_fans and torch's Conv1d: k in, k out", () => {
  // kernel (k 5, in 40, out 60): fanIn 200, fanOut 300, glorot's limit sqrt(6 / 500); 200 + 60 gave sqrt(6 / 260)
  const limit = Math.sqrt(6 / 500);
  const w = getInitializer('glorotUniform').init([5, 40, 60], new Rng(1));
  const top = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(top <= limit && top > 0.99 * limit, `glorot uniform on (5, 40, 60): largest ${top}, limit ${limit}`);
  const he = getInitializer('heNormal').init([5, 40, 60], new Rng(2));
  const hv = he.reduce((s, v) => s + v * v, 0) / he.length;
  assert.ok(Math.abs(hv - 2 / 200) < 0.0005, `he normal variance ${hv}, expected ${2 / 200}`);
  // orthogonal flattens it to (k in, out), as Keras: 60 orthonormal columns of 200
  const q = getInitializer('orthogonal').init([5, 40, 60], new Rng(3));
  for (const [i, j] of [
    [0, 0],
    [0, 59],
    [17, 17],
  ] as const) {
    let d = 0;
    for (let k = 0; k < 200; k++) d += q[k * 60 + i]! * q[k * 60 + j]!;
    assert.ok(Math.abs(d - (i === j ? 1 : 0)) < 1e-5, `columns ${i}, ${j}: ${d}`);
  }
});

test('orthogonal gives orthonormal rows (or columns when taller than wide)', () => {
  for (const [r, c] of [
    [8, 24],
    [24, 8],
    [16, 16],
  ] as const) {
    const q = getInitializer('orthogonal').init([r, c], new Rng(4));
    const small = Math.min(r, c);
    for (let i = 0; i < small; i++)
      for (let j = 0; j < small; j++) {
        let d = 0;
        for (let k = 0; k < Math.max(r, c); k++)
          d += r <= c ? q[i * c + k]! * q[j * c + k]! : q[k * c + i]! * q[k * c + j]!;
        assert.ok(Math.abs(d - (i === j ? 1 : 0)) < 1e-5, `[${r},${c}] dot(${i},${j}) = ${d}`);
      }
  }
});

test('withSketchedInit: the orthogonal initializer without its QR, its seconds estimated; a fill unchanged', () => {
  const [r, c] = [64, 192];
  const sketched = withSketchedInit(() => [
    getInitializer('orthogonal').init([r, c], new Rng(4)),
    getInitializer({ className: 'orthogonal', config: { gain: 2 } }).init([c, r], new Rng(4)),
    getInitializer('glorot_uniform').init([r, c], new Rng(4)),
  ]);
  const [q, tall, glorot] = sketched.value;
  // two QRs of 64 rows of 192 skipped, each estimated as n^2 m at the calibrated rate
  assert.equal(sketched.skipped, 2 * orthonormalSeconds(r, c));
  assert.ok(orthonormalSeconds(2 * r, 2 * c) / orthonormalSeconds(r, c) === 8);
  // the scale of orthonormal rows' entries (variance 1/192, times gain^2), but rows not orthogonalised
  const variance = (v: Float32Array) => v.reduce((a, x) => a + x * x, 0) / v.length;
  assert.ok(Math.abs(variance(q!) * c - 1) < 0.1, `variance x 192 = ${variance(q!) * c}`);
  assert.ok(Math.abs(variance(tall!) * c - 4) < 0.4, `gain 2: variance x 192 = ${variance(tall!) * c}`);
  let worst = 0;
  for (let i = 1; i < r; i++) {
    let d = 0;
    for (let k = 0; k < c; k++) d += q![k]! * q![i * c + k]!;
    worst = Math.max(worst, Math.abs(d));
  }
  assert.ok(worst > 1e-3, `rows 0 and i: largest |dot| ${worst}`);
  assert.deepEqual(glorot, getInitializer('glorot_uniform').init([r, c], new Rng(4)));
  // outside it (after a throw too) the QR runs again
  assert.throws(
    () =>
      withSketchedInit(() => {
        throw new Error('boom');
      }),
    /boom/,
  );
  const real = getInitializer('orthogonal').init([r, c], new Rng(4));
  let d = 0;
  for (let k = 0; k < c; k++) d += real[k]! * real[c + k]!;
  assert.ok(Math.abs(d) < 1e-5, `after the sketch: dot(0, 1) = ${d}`);
});

test('layers use Keras defaults: glorot kernel, orthogonal recurrent kernel, zero bias, LSTM forget bias 1', () => {
  const m = sequential([lstm({ units: 4, inputShape: [3, 2], name: 'l' }), dense({ units: 1, name: 'd' })], {
    seed: 9,
  });
  const w = m.getWeights();
  assert.deepEqual([...w['l/bias']!], [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...w['d/bias']!], [0]);
  const rk = w['l/recurrentKernel']!;
  let d = 0;
  for (let k = 0; k < 16; k++) d += rk[k]! * rk[k]!;
  assert.ok(Math.abs(d - 1) < 1e-5);
  const m2 = sequential([lstm({ units: 4, inputShape: [3, 2], name: 'l', unitForgetBias: false })], { seed: 9 });
  assert.ok(m2.getWeights()['l/bias']!.every((v) => v === 0));
});

test('random_uniform refuses an empty or reversed interval, showing the options it was given', () => {
  assert.throws(
    () => getInitializer({ random_uniform: { minval: 0.1 } }),
    /random_uniform: expected minval < maxval \(they default to -0\.05 and 0\.05\), received \{"minval":0\.1\}/,
  );
  assert.throws(
    () => getInitializer({ className: 'randomUniform', config: { minval: 1, maxval: 1 } }),
    /minval < maxval/,
  );
  const u = getInitializer({ random_uniform: { minval: 0.1, maxval: 0.2 } }).init([500], new Rng(4));
  assert.ok(u.every((v) => v >= 0.1 && v <= 0.2));
});
