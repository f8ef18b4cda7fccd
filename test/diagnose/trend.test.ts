import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnose, diagnosisText, mannKendall, trendOf } from '../../src/diagnose/index.js';
import { Rng } from '../../src/nn/index.js';

const noisy = (seed: number, n: number, f: (t: number) => number, sd: number) => {
  const r = new Rng(seed);
  return Array.from({ length: n }, (_, t) => f(t) * Math.exp(sd * r.normal()));
};

test('Mann-Kendall: S, tau and Sen slope of a straight line; no trend in white noise; autocorrelation widens the variance', () => {
  const line = mannKendall(Array.from({ length: 10 }, (_, i) => 2 * i + 1));
  assert.equal(line.s, 45);
  assert.equal(line.tau, 1);
  assert.equal(line.slope, 2);
  assert.ok(line.low <= 2 && line.high >= 2 && line.p < 0.001);
  const r = new Rng(3);
  const white = mannKendall(Array.from({ length: 200 }, () => r.normal()));
  assert.ok(Math.abs(white.z) < 2.5 && white.correction < 1.5, JSON.stringify(white));
  let x = 0;
  const walk = Array.from({ length: 200 }, () => (x += r.normal()));
  const w = mannKendall(walk);
  assert.ok(w.correction > 2, `a random walk's ranks are autocorrelated: n/n* = ${w.correction}`);
});

test('a trend is decided by significance and effect size: a 1% drift under no noise is flat, 20% under 5% noise is a fall', () => {
  assert.equal(
    trendOf(
      noisy(1, 40, (t) => 1 - 0.00025 * t, 0),
      40,
    ).direction,
    'flat',
  );
  assert.equal(
    trendOf(
      noisy(1, 40, (t) => 1 - 0.005 * t, 0.05),
      40,
    ).direction,
    'falling',
  );
});

test('a clear monotone rise with noise is architecture, not unstable (400 epochs, and 15 with 10% noise)', () => {
  const long = diagnose({
    loss: noisy(1, 400, (t) => 1 + t / 200, 0.03),
    val_loss: noisy(2, 400, (t) => 1.2 + t / 150, 0.1),
  });
  assert.equal(long.pattern, 'architecture');
  const short = diagnose({
    loss: noisy(3, 15, (t) => 1 + 0.15 * t, 0.1),
    val_loss: noisy(4, 15, (t) => 1.1 + 0.15 * t, 0.1),
  });
  assert.equal(short.pattern, 'architecture');
});

test('falling train with a noisy rising validation is overfitting; falling train with a flat validation is underfitting', () => {
  const over = diagnose({
    loss: noisy(5, 60, (t) => 0.1 + Math.exp(-t / 15), 0.01),
    val_loss: noisy(6, 60, (t) => 0.5 + 0.01 * t, 0.12),
  });
  assert.equal(over.pattern, 'overfitting');
  const under = diagnose({
    loss: noisy(7, 80, (t) => 0.2 + Math.exp(-t / 60), 0.01),
    val_loss: noisy(8, 80, () => 0.9, 0.03),
  });
  assert.equal(under.pattern, 'underfitting');
});

test('a noisy plateau is a plateau; a training loss that zig-zags around its level is unstable', () => {
  const plateau = diagnose({
    loss: noisy(9, 80, (t) => 0.6 + 0.8 * Math.exp(-t / 3), 0.01),
    val_loss: noisy(10, 80, (t) => 0.7 + 0.8 * Math.exp(-t / 3), 0.25),
  });
  assert.equal(plateau.pattern, 'plateau');
  const zig = (k: number) => Array.from({ length: 60 }, (_, t) => k * (1 + 0.3 * (t % 2 ? 1 : -1)));
  assert.equal(diagnose({ loss: zig(0.8), val_loss: zig(0.9) }).pattern, 'unstable');
});

test('overfitting after epoch 30 of 400 is seen even though the last 40% is flat', () => {
  const d = diagnose({
    loss: noisy(11, 400, (t) => 0.05 + Math.exp(-t / 40), 0.01),
    val_loss: noisy(
      12,
      400,
      (t) => 0.5 + Math.exp(-t / 10) + (t > 30 ? 0.4 * (1 - Math.exp(-(t - 30) / 40)) : 0),
      0.03,
    ),
  });
  assert.equal(d.pattern, 'overfitting');
  assert.ok(d.evidence.overfitSinceBest! > 0.5);
});

test('a loss that explodes downward (negative values, no NaN) diverged; a loss shifted below zero that keeps falling learns', () => {
  const down = [0.5, 0.3, 0.2, -0.5, -8, -150, -3000, -60000];
  assert.equal(diagnose({ loss: down, val_loss: down.map((v) => v * 1.1) }).pattern, 'diverged');
  const nll = Array.from({ length: 40 }, (_, t) => -1 + 2 * Math.exp(-t / 30));
  assert.equal(diagnose({ loss: nll, val_loss: nll.map((v) => v + 0.1) }).pattern, 'learning');
});

test('the diagnosis names a runner-up; at low confidence the text says "probably X; could be Y"', () => {
  const clear = diagnose({
    loss: noisy(13, 50, (t) => 0.1 + Math.exp(-t / 20), 0.005),
    val_loss: noisy(14, 50, (t) => 0.2 + Math.exp(-t / 20), 0.005),
  });
  assert.equal(clear.pattern, 'learning');
  assert.ok(clear.confidence >= 0.8 && clear.runner_up.pattern !== 'learning');
  assert.ok(Math.abs(Object.values(clear.probabilities).reduce((a, b) => a + b, 0) - 1) < 0.01);
  const vague = diagnose({
    loss: noisy(15, 12, (t) => 1 - 0.01 * t, 0.02),
    val_loss: noisy(16, 12, (t) => 1 - 0.004 * t, 0.06),
  });
  assert.ok(vague.confidence < 0.8, `confidence ${vague.confidence}`);
  assert.match(vague.summary, /^probably .+; could be .+\./);
  assert.match(diagnosisText(vague, 'h'), /runner-up/);
});
