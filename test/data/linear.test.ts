import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import {
  type BaselineSpec,
  baselineScores,
  baselineScoresAsync,
  type Design,
  fitRidge,
  linearModel,
  prepareData,
  ridgeForecast,
} from '../../src/data/index.js';
import { gramMse, grams } from '../../src/data/linear.js';
import { cholesky, cholSolve } from '../../src/engine/float64.js';
import { Rng } from '../../src/nn/random.js';
import { metricsTable } from '../../src/run/index.js';
import { ridgeHint } from '../../src/run/train.js';
import { callTurns } from '../helpers/step-turns.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-linear-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A design over explicit rows (x, y), offsets zero. */
function designOf(xs: number[][], ys: number[][]): Design {
  return {
    rows: xs.length,
    inputs: xs[0]!.length,
    outputs: ys[0]!.length,
    fill: (i, x, y) => {
      x.set(xs[i]!);
      y.set(ys[i]!);
    },
    offset: () => 0,
  };
}

test('cholesky and cholSolve solve a symmetric positive definite system for several right-hand sides', () => {
  const a = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
  const x = [
    [1, -2],
    [0.5, 3],
    [-1, 0.25],
  ];
  const b = new Float64Array(6);
  for (let i = 0; i < 3; i++)
    for (let c = 0; c < 2; c++) for (let k = 0; k < 3; k++) b[i * 2 + c]! += a[i * 3 + k]! * x[k]![c]!;
  const l = Float64Array.from(a);
  assert.equal(cholesky(l, 3), true);
  cholSolve(l, 3, b, 2);
  for (let i = 0; i < 3; i++) for (let c = 0; c < 2; c++) assert.ok(Math.abs(b[i * 2 + c]! - x[i]![c]!) < 1e-12);
  assert.equal(cholesky(Float64Array.from([1, 2, 2, 1]), 2), false, 'an indefinite matrix is refused');
});

test('Gram sums in 4 x 4 tiles equal the plain sums, for sizes that are not multiples of 4 or of the block', () => {
  const rng = new Rng(3);
  const xs = Array.from({ length: 131 }, () => Array.from({ length: 7 }, () => rng.normal()));
  const ys = Array.from({ length: 131 }, () => Array.from({ length: 3 }, () => rng.normal()));
  const g = grams(designOf(xs, ys));
  const z = xs.map((r) => [...r, 1]);
  for (let i = 0; i < 8; i++)
    for (let j = i; j < 8; j++) {
      const s = z.reduce((a, r) => a + r[i]! * r[j]!, 0);
      assert.ok(Math.abs(g.g[i * 8 + j]! - s) < 1e-9, `G[${i},${j}]`);
    }
  for (let i = 0; i < 8; i++)
    for (let k = 0; k < 3; k++) {
      const s = z.reduce((a, r, n) => a + r[i]! * ys[n]![k]!, 0);
      assert.ok(Math.abs(g.c[i * 3 + k]! - s) < 1e-9, `C[${i},${k}]`);
    }
  // the MSE from the Grams is the MSE of the predictions
  const w = Float64Array.from({ length: 21 }, () => rng.normal()),
    b = Float64Array.from([0.5, -1, 2]);
  let se = 0;
  xs.forEach((r, n) => {
    for (let k = 0; k < 3; k++) {
      const p = b[k]! + r.reduce((a, v, i) => a + v * w[i * 3 + k]!, 0);
      se += (p - ys[n]![k]!) ** 2;
    }
  });
  assert.ok(Math.abs(gramMse(g, w, b) - se / (131 * 3)) < 1e-9);
});

test('ridge with one input matches the closed form w = sum(xc yc) / (sum(xc^2) + lambda), b = mean(y) - w mean(x)', () => {
  const rng = new Rng(5);
  const xs = Array.from({ length: 200 }, () => [rng.normal() * 2 + 1]);
  const ys = xs.map(([v]) => [0.7 * v! - 0.3 + rng.normal()]);
  const vx = Array.from({ length: 100 }, () => [rng.normal() * 2 + 1]);
  const vy = vx.map(([v]) => [0.7 * v! - 0.3 + rng.normal()]);
  const m = fitRidge(designOf(xs, ys), designOf(vx, vy));
  const mx = xs.reduce((a, [v]) => a + v!, 0) / 200,
    my = ys.reduce((a, [v]) => a + v!, 0) / 200;
  let sxy = 0,
    sxx = 0;
  xs.forEach(([v], i) => {
    sxy += (v! - mx) * (ys[i]![0]! - my);
    sxx += (v! - mx) ** 2;
  });
  assert.ok(Math.abs(m.lambda - m.alpha * sxx) < 1e-9 * sxx, 'lambda is alpha times the mean diagonal of Xc^T Xc');
  const w = sxy / (sxx + m.lambda);
  assert.ok(Math.abs(m.w[0]! - w) < 1e-12);
  assert.ok(Math.abs(m.b[0]! - (my - w * mx)) < 1e-12);
  assert.ok(Math.abs(m.w[0]! - 0.7) < 0.1, `slope ${m.w[0]} near the true 0.7`);
});

test('ridge recovers an exact linear map to several outputs, and lambda is chosen on validation (small here)', () => {
  const rng = new Rng(9);
  const W = [
    [1, -0.5],
    [0, 2],
    [-1.5, 0.25],
  ];
  const make = (n: number) => {
    const xs = Array.from({ length: n }, () => [rng.normal(), rng.normal(), rng.normal()]);
    return [xs, xs.map((r) => [0, 1].map((k) => 3 + r.reduce((a, v, i) => a + v * W[i]![k]!, 0)))] as const;
  };
  const m = fitRidge(designOf(...make(300)), designOf(...make(100)));
  assert.ok(m.alpha <= 1e-5, `noise-free data pick the smallest penalty, got alpha ${m.alpha}`);
  for (let i = 0; i < 3; i++) for (let k = 0; k < 2; k++) assert.ok(Math.abs(m.w[i * 2 + k]! - W[i]![k]!) < 1e-3);
  const [tx, ty] = make(20);
  const pred = ridgeForecast(m, designOf(tx, ty));
  for (const [n, r] of ty.entries()) for (const [k, v] of r.entries()) assert.ok(Math.abs(pred[n * 2 + k]! - v) < 1e-3);
});

test('the linear baseline is scored on the same windows, relative or not, and beats persistence on an AR(2) series', async () => {
  const rng = new Rng(11);
  const v = [0, 0];
  for (let t = 2; t < 1500; t++) v.push(1.2 * v[t - 1]! - 0.5 * v[t - 2]! + rng.normal() * 0.1);
  const f = join(dir, 'ar2.csv');
  writeFileSync(f, `y\n${v.map((x) => x.toFixed(6)).join('\n')}\n`);
  for (const relative of [false, true]) {
    const d = await prepareData({ csv: f, target: 'y', lookback: 8, horizon: 3, scale: 'standard', relative }, f);
    const s = baselineScores(d, 'test', ['persistence', 'linear', { linear: { lookback: 2 } }]);
    assert.deepEqual(Object.keys(s.scaled), ['persistence', 'linear', 'linear_2']);
    // relative (NLinear) inputs make the weights sum to one (no pull to the mean), so only "no worse" holds there
    const bound = relative ? 1 : 0.8;
    assert.ok(s.scaled.linear!.mse < bound * s.scaled.persistence!.mse, JSON.stringify(s.scaled));
    // original units are the scaled ones times the scaler's spread
    const sd = d.scaler.scale[0]!;
    assert.ok(Math.abs(s.original.linear!.mae / s.scaled.linear!.mae - sd) < 1e-3 * sd);
  }
});

test('evaluate.baselines accepts linear and {linear: {lookback}}; a bad lookback is named', () => {
  const cfg = (b: string) =>
    `data: {csv: x.csv, target: y, lookback: 4}\nmodel: {layers: [{dense: {units: 1}}]}\nevaluate: {baselines: ${b}}\n`;
  const ok = parseConfig(cfg('[linear, {linear: {lookback: 48}}]'), 'c.yaml');
  assert.deepEqual(ok.evaluate?.baselines, ['linear', { linear: { lookback: 48 } }]);
  assert.throws(() => parseConfig(cfg('[{linear: {lookback: 0}}]'), 'c.yaml'), /c\.yaml: .*evaluate\.baselines.*0/);
});

test('the verdict names the best baseline, linear included', () => {
  const s = (mse: number) => ({ mse, mae: mse, rmse: Math.sqrt(mse) });
  const m = {
    test: {
      scaled: { model: s(0.03), persistence: s(0.05), linear: s(0.026) },
      original: { model: s(3), persistence: s(5), linear: s(2.6) },
    },
    val: { scaled: {}, original: {} },
    windows: { train: 0, val: 0, test: 0 },
    epochs_run: 0,
    seconds: 0,
  };
  assert.match(metricsTable(m), /the model does NOT beat linear \(test MSE 0\.03000 vs 0\.02600\)/);
  m.test.scaled.model = s(0.02);
  assert.match(metricsTable(m), /the model beats the best baseline \(linear\) by 23\.1% in test MSE/);
  // the linear baseline's own folder scored (its MSE a rounding off the baseline's) once 'beat it by 0.0%'
  m.test.scaled.model = s(0.026 * (1 - 1e-7));
  assert.match(metricsTable(m), /the model matches linear \(test MSE 0\.02600 vs 0\.02600, within 0\.05%\)$/);
  m.test.scaled.model = s(0.026 * (1 + 4e-4));
  assert.match(metricsTable(m), /the model matches linear \(test MSE 0\.02601 vs 0\.02600, within 0\.05%\)$/);
});

test('a model the linear baseline beats on validation is pointed to linear_skip: ridge, once', () => {
  const s = (mse: number) => ({ mse, mae: mse, rmse: Math.sqrt(mse) });
  const metrics = (model: number) => ({
    test: { scaled: {}, original: {} },
    val: { scaled: { model: s(model), persistence: s(0.4), linear: s(0.026) }, original: {} },
    windows: { train: 0, val: 0, test: 0 },
    epochs_run: 0,
    seconds: 0,
  });
  const cfg = (model: object) => parseConfig(yamlOf(model), 'c.yaml');
  const yamlOf = (model: object) => `data: {csv: x.csv, target: y, lookback: 4}\nmodel: ${JSON.stringify(model)}\n`;
  const plain = cfg({ layers: [{ gru: { units: 4 } }, { dense: { units: 1 } }] });
  assert.match(
    ridgeHint(plain, metrics(0.1668)) ?? '',
    /^hint: the linear baseline beats the model on validation \(MSE 0\.02600 vs 0\.1668\): try model\.linear_skip/,
  );
  assert.equal(ridgeHint(plain, metrics(0.02)), null, 'the model ahead on validation');
  // a diverged run (MSE Infinity, or NaN) was told to try the skip path; the diagnosis says what to change
  assert.equal(ridgeHint(plain, metrics(Number.POSITIVE_INFINITY)), null, 'a diverged model');
  assert.equal(ridgeHint(plain, metrics(0.026 * (1 + 4e-4))), null, 'a tie');
  const skip = cfg({ linear_skip: 'ridge', layers: [{ gru: { units: 4 } }, { dense: { units: 1 } }] });
  assert.equal(ridgeHint(skip, metrics(0.1668)), null, 'the config has the path');
  const seq = cfg({ layers: [{ gru: { units: 4, return_sequences: true } }] });
  assert.equal(ridgeHint(seq, metrics(0.1668)), null, 'layers that do not end in a dense layer take no skip');
});

test('the linear baseline fitted with turns of the event loop is the one fitted at once, bit for bit', async () => {
  // three series over a lookback of 120 (360 inputs): several WORK_AT_ONCE of work, so several turns
  const rng = new Rng(5);
  const rows = Array.from({ length: 1400 }, (_, t) =>
    [Math.sin(t / 7), Math.cos(t / 11), (t % 13) / 13].map((x) => (x + 0.2 * rng.normal()).toFixed(5)).join(','),
  );
  const f = join(dir, 'three.csv');
  writeFileSync(f, `a,b,y\n${rows.join('\n')}\n`);
  const kinds = [
    { relative: false, split: { train: 0.7, val: 0.15, test: 0.15 } }, // the Gram sums along the lags
    { relative: true, stride: 2, split: { train: 0.7, val: 0.15, test: 0.15 } }, // row by row (a stride)
    { relative: true, split: { train: 0.8, val: 0.1, test: 0.1 } }, // fewer validation windows than inputs
  ];
  for (const k of kinds) {
    const spec = { csv: f, target: 'y', lookback: 120, horizon: 6, scale: 'standard' as const, ...k };
    const [once, turning] = [await prepareData(spec, f), await prepareData(spec, f)];
    const specs: BaselineSpec[] = ['linear'];
    const at = baselineScores(once, 'test', specs);
    const { end, calls } = await callTurns('predict', () => baselineScoresAsync(turning, 'test', specs));
    assert.equal(calls.length, 0);
    assert.ok(end >= 3, `${JSON.stringify(k)}: ${end} turns`);
    assert.deepEqual(await baselineScoresAsync(turning, 'test', specs), at);
    const [a, b] = [linearModel(once), linearModel(turning)];
    assert.deepEqual([a.w, a.b, a.lambda, a.alpha, a.valMse], [b.w, b.b, b.lambda, b.alpha, b.valMse]);
  }
});
