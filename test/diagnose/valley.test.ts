import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnose } from '../../src/diagnose/index.js';
import { READ } from '../../src/diagnose/read.js';
import { valleyOf } from '../../src/diagnose/valley.js';
import { Rng } from '../../src/nn/index.js';

/** Log-levels f(t) with AR(1) noise of sd `sd` (log units) and lag-1 correlation `rho`, as losses. */
const noisy = (seed: number, n: number, f: (t: number) => number, sd: number, rho = 0) => {
  const r = new Rng(seed);
  let e = r.normal();
  return Array.from({ length: n }, (_, t) => {
    e = rho * e + Math.sqrt(1 - rho * rho) * r.normal();
    return Math.exp(f(t) + sd * e);
  });
};

// Validation falls to its low by epoch 140 of 1,000, climbs 0.8 (log) within about 50 epochs and stays there,
// under 20% noise; the training loss keeps falling. Since the best epoch, the Mann-Kendall trend is flat (its
// pairs are mostly level): the old reading called this underfitting.
const risenAndLevelled = () => ({
  loss: noisy(21, 1000, (t) => Math.log(0.1 + Math.exp(-t / 300)), 0.005),
  val_loss: noisy(
    22,
    1000,
    (t) => Math.log(0.5 + Math.exp(-t / 40)) + (t > 140 ? 0.8 * (1 - Math.exp(-(t - 140) / 25)) : 0),
    0.2,
  ),
});

test('the valley regression sees validation that rose and levelled off: overfitting, not underfitting', () => {
  const h = risenAndLevelled();
  const v = valleyOf(h.val_loss.map(Math.log))!;
  assert.ok(v.t > READ.valleyT && v.rise > 0.5, JSON.stringify(v));
  assert.ok(v.bottom > 60 && v.bottom < 260, `bottom at ${v.bottom}`);
  assert.equal(diagnose(h).pattern, 'overfitting');
});

test('the valley regression finds no rise in validation that only fell and then stayed flat under noise', () => {
  for (const seed of [31, 32, 33, 34, 35]) {
    const val = noisy(seed, 300, (t) => Math.log(0.8 + Math.exp(-t / 10)), 0.1, 0.5);
    const v = valleyOf(val.map(Math.log))!;
    assert.ok(v.t < READ.valleyT, `seed ${seed}: ${JSON.stringify(v)}`);
  }
});

test('a validation loss that was NaN at every epoch is a diverged run, not a run without validation', () => {
  // seqtune stops at the first non-finite loss: a one-epoch history whose only validation loss is NaN.
  const d = diagnose({ loss: [8.9e55], val_loss: [NaN] });
  assert.equal(d.pattern, 'diverged');
  assert.equal(d.trainOnly, false);
  assert.equal(diagnose({ loss: [1, 0.8, 0.7, 0.65, 0.6] }).trainOnly, true);
});

test('one spike in a short plateau is a spike, not an unstable run', () => {
  const loss = [31.2, 11.0, 9.08, 9.21, 9.46, 9.07, 9.01, 8.88, 9.47, 9.13, 9.15, 19.0, 9.46];
  const val_loss = [31.7, 20.9, 9.19, 9.3, 9.38, 9.3, 9.5, 9.32, 9.31, 9.2, 9.07, 9.01, 8.98];
  const d = diagnose({ loss, val_loss });
  assert.notEqual(d.pattern, 'unstable');
  assert.ok(d.evidence.oscillation!.score < 0.5, JSON.stringify(d.evidence.oscillation));
});

test('a short steep run: the falls and rises between epochs are the trend, not noise (the valley sees the rise)', () => {
  // 11 epochs: validation falls 20% an epoch to epoch 6, then climbs 12% an epoch, with 0.3% wobble. The
  // differences are -0.22 and +0.11: around their own median they are 0.17 apart, which the old noise floor took
  // for noise (t 2.3); around their running median they are about 0.
  const val = Array.from(
    { length: 11 },
    (_, t) => Math.exp(t < 5 ? -0.22 * t : -1.1 + 0.11 * (t - 5)) * (1 + 0.003 * Math.sin(7 * t)),
  );
  const v = valleyOf(val.map(Math.log))!;
  assert.equal(v.bottom, 5);
  assert.ok(v.noise < 0.02 && v.t > READ.valleyT, JSON.stringify(v));
});
