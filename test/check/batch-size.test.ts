// range --param train.batch_size never suggests a batch size that is slower and worse than another (issue 20,
// item 9: it suggested 128 at 2,834 windows/s and 8% worse validation loss over 8 at 3,894).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BatchRangeRow, suggestBatchSize } from '../../src/check/index.js';

const row = (batch_size: number, val_loss: number, windows_per_second: number): BatchRangeRow => ({
  batch_size,
  val_loss,
  windows_per_second,
});

test('the case of issue 20: 128 is slower and 8% worse than 8, so 8 is suggested', () => {
  const rows = [row(8, 0.0245, 3894), row(16, 0.0251, 3620), row(32, 0.0259, 3300), row(128, 0.02646, 2834)];
  assert.equal(suggestBatchSize(rows), 8);
});

test('a larger batch is suggested when it is faster and trains about as well', () => {
  assert.equal(suggestBatchSize([row(8, 0.1, 2000), row(64, 0.105, 9000), row(256, 0.2, 15000)]), 64);
});

test('no row is both faster and better than the suggestion (random tables)', () => {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let k = 0; k < 200; k++) {
    const rows = [8, 16, 32, 64, 128, 256].map((b) => row(b, 1 + rand() * 0.3, Math.round(1000 + rand() * 5000)));
    const s = rows.find((r) => r.batch_size === suggestBatchSize(rows))!;
    const best = Math.min(...rows.map((r) => r.val_loss));
    assert.ok(s.val_loss <= best * 1.1);
    assert.ok(!rows.some((r) => r.windows_per_second > s.windows_per_second && r.val_loss < s.val_loss));
  }
});
