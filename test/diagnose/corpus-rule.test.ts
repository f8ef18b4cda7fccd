// The corpus' visibility rule (scripts/diagnose/synthetic.ts `invisible`, confirm.ts `invisibleRun`): a curve keeps
// its label only when the change that defines it stands 3 standard errors above its noise and is at least 5%.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invisibleRun } from '../../scripts/diagnose/confirm.js';
import { historyOf } from '../../scripts/diagnose/evaluation.js';
import { invisible, syntheticCurve } from '../../scripts/diagnose/synthetic.js';
import { diagnose } from '../../src/diagnose/index.js';
import { Rng } from '../../src/nn/index.js';

/** Levels of a validation curve that bottoms at epoch `b` and rises by `rise` (log) to epoch n - 1. */
const rising = (n: number, b: number, rise: number, sd: number, rho: number) => {
  const clean = Array.from({ length: n }, (_, t) => (t < b ? 1 - t / b : (rise * (t - b)) / (n - 1 - b)));
  return { clean, noisy: clean, sd, rho };
};
const falling = (n: number) => ({
  clean: Array.from({ length: n }, (_, t) => -t / n),
  noisy: [],
  sd: 0.01,
  rho: 0,
});

test('overfitting is labelable when the rise since the low clears 3 standard errors of the noise, and 5%', () => {
  assert.equal(invisible('overfitting', falling(100), rising(100, 40, 0.3, 0.02, 0)), null);
  // The same rise under AR(1) noise of lag-1 correlation 0.7 and 15% sd: z = 0.3 sqrt(60 * 0.3 / 1.7) / (3.46 * 0.15).
  assert.match(invisible('overfitting', falling(100), rising(100, 40, 0.3, 0.15, 0.7)) ?? '', /^z 1\.8/);
  // A 3% rise under 0.5% noise is significant but not a change a reader calls a rise.
  assert.equal(invisible('overfitting', falling(100), rising(100, 40, 0.03, 0.005, 0)), 'z 0.00');
});

test('a flat curve is labelable when a 15% move over its last 60% would stand out', () => {
  const flat = (sd: number, rho: number) => ({ clean: new Array(50).fill(0), noisy: [], sd, rho });
  assert.equal(invisible('plateau', flat(0.03, 0), flat(0.05, 0)), null);
  assert.ok(invisible('plateau', flat(0.03, 0), flat(0.2, 0.5)));
});

test('real runs pass the same rule read from a line fit: a data-set run whose validation no longer falls is dropped', () => {
  const n = 30,
    loss = Array.from({ length: n }, (_, t) => 0.1 * Math.exp(t > 10 ? 0.01 * (t - 10) : -0.05 * t)),
    down = Array.from({ length: n }, (_, t) => 0.08 * Math.exp(-0.01 * t) * (1 + 0.01 * Math.sin(3 * t))),
    up = down.map((v, t) => (t > 18 ? v * Math.exp(0.02 * (t - 18)) : v));
  const run = (val: number[]) => ({ id: 'r', label: 'data', source: 'run' as const, how: '', loss, val_loss: val });
  assert.equal(invisibleRun(run(down)), null);
  assert.match(invisibleRun(run(up)) ?? '', /visibility rule/);
});

test('the generator draws until visible, and the underfitting row is read over the late run', () => {
  // Drawn from a development-only seed: validation drops in the first epochs, then stays flat under 7% noise while
  // training keeps falling. The whole-run validation trend (the early drop) read "falling": still learning.
  const c = syntheticCurve('underfitting', 20263220);
  assert.equal(diagnose(historyOf(c)).pattern, 'underfitting');
  for (const label of ['learning', 'overfitting', 'plateau', 'unstable'])
    for (let k = 0; k < 5; k++) assert.ok(syntheticCurve(label, 700 + k).loss.length >= 5);
});

test('a run whose loss goes below zero has no natural zero: the other curve is not read relative to its level', () => {
  // Both curves drop, then stay flat with 0.5% noise (in the units of the drop); the offset puts validation below
  // zero and training just above it (0.05), where the same noise is 10% of the level: read in logs, that training
  // loss swung like an unstable run.
  const r = new Rng(5),
    n = 300,
    level = (t: number) => 0.3 + 2.7 * Math.exp(-t / 10);
  const loss = Array.from({ length: n }, (_, t) => level(t) - 0.25 + 0.005 * r.normal());
  const val_loss = Array.from({ length: n }, (_, t) => level(t) - 0.5 + 0.005 * r.normal());
  assert.equal(diagnose({ loss, val_loss }).pattern, 'plateau');
});
