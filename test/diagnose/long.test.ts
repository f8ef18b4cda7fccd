// Histories of tens of thousands of epochs: diagnose reads them in about n log n, not n^2 (its running median over a
// tenth of the run sorted a window per epoch: 6 s for 10,000 epochs, hours for 100,000).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aboveBaseline } from '../../src/diagnose/early.js';
import { median, minOf, runningMedian } from '../../src/diagnose/stats.js';
import { valleyOf } from '../../src/diagnose/valley.js';

/** A falling training loss and a validation loss that turns up, with noise (a fixed LCG, so runs are alike). */
function history(n: number) {
  let s = 7;
  const noise = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31 - 0.5;
  };
  const loss = Array.from({ length: n }, (_, i) => 1 / (1 + (10 * i) / n) + 0.01 * noise());
  const val_loss = Array.from({ length: n }, (_, i) => 1 / (1 + (8 * i) / n) + (0.3 * i) / n + 0.02 * noise());
  return { loss, val_loss };
}

test('the running median is the median of each window, cut at the ends, ties and all', () => {
  let s = 3;
  const next = () => {
    s = (s * 69069 + 1) % 2 ** 32;
    return s % 7; // few values: many ties
  };
  for (const n of [0, 1, 2, 5, 40, 301])
    for (const h of [0, 1, 2, 3, 10, 400]) {
      const v = Array.from({ length: n }, () => next() - 3);
      const want = v.map((_, i) => median(v.slice(Math.max(0, i - h), i + h + 1)));
      assert.deepEqual(runningMedian(v, h), want, `n ${n}, h ${h}`);
    }
  const withNaN = [3, NaN, 1, 2];
  assert.deepEqual(
    runningMedian(withNaN, 1),
    withNaN.map((_, i) => median(withNaN.slice(Math.max(0, i - 1), i + 2))),
  );
});

test('curves past 125,000 epochs: no Math.min(...curve), which overflowed the call stack (diagnose exited 1)', () => {
  const { loss, val_loss } = history(200_000);
  assert.equal(
    minOf(val_loss),
    val_loss.reduce((a, b) => Math.min(a, b)),
  );
  assert.ok(Number.isNaN(minOf([1, NaN, 0])));
  assert.equal(minOf([]), Infinity);
  assert.ok(valleyOf(val_loss)!.rise > 0);
  assert.match(
    aboveBaseline(
      loss,
      val_loss.map((v) => v * 1e4),
      { name: 'mean', loss: 1 },
    )!.text,
    /never came near/,
  );
});
