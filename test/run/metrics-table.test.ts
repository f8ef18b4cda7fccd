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
