// The metrics table train and evaluate print, and its verdict line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricsTable, type RunMetrics } from '../../src/run/index.js';

test("the verdict names the best baseline that has a score: a NaN one made it name persistence over linear's 1e-14", () => {
  const s = (mse: number) => ({ mse, mae: Math.sqrt(mse), rmse: Math.sqrt(mse) });
  const split = {
    scaled: { model: s(0.79), persistence: s(0.17), seasonal_naive: s(Number.NaN), mean: s(1.04), linear: s(3.8e-14) },
    original: { model: s(31), persistence: s(14), seasonal_naive: s(Number.NaN), mean: s(35), linear: s(6.9e-6) },
  };
  const m: RunMetrics = { test: split, val: split, windows: { train: 1, val: 1, test: 1 }, epochs_run: 1, seconds: 0 };
  assert.match(metricsTable(m), /\nthe model does NOT beat linear \(test MSE 0\.7900 vs 3\.800e-14\)$/);
});

test("several targets: a row per model and baseline with each target's test RMSE in its own units", () => {
  const s = (mse: number) => ({ mse, mae: Math.sqrt(mse), rmse: Math.sqrt(mse) });
  const split = {
    scaled: { model: s(0.2), persistence: s(0.3) },
    original: { model: s(50), persistence: s(60) },
    by_target: { OT: { model: s(4), persistence: s(0.64) }, HUFL: { model: s(96), persistence: s(119.36) } },
  };
  const m: RunMetrics = { test: split, val: split, windows: { train: 1, val: 1, test: 1 }, epochs_run: 1, seconds: 0 };
  const lines = metricsTable(m).split('\n');
  const at = lines.indexOf('test RMSE by target      OT   HUFL');
  assert.ok(at > 0, metricsTable(m));
  assert.deepEqual(lines.slice(at + 1, at + 3), [
    'model                 2.000  9.798',
    'persistence          0.8000  10.93',
  ]);
});
