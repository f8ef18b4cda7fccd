// Windows are start indices into the scaled series: a batch is gathered when the model reads it, with exactly the
// values a copy of every window holds, and preparing data allocates nothing per window.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeWindows, prepareData, syntheticSeries, Windows } from '../../src/data/index.js';
import { dense, gru, lstm, tensor } from '../../src/nn/index.js';
import { denseRows, sequential, sliceSamples } from '../../src/train/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-windows-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const a = Float64Array.from(syntheticSeries({ length: 200, seed: 4 }));
const b = Float64Array.from(a, (v, i) => Math.cos(i / 5) * v);

test('gathered windows hold what a copy of every window holds (plain and relative, horizon 3, two targets)', () => {
  for (const relative of [false, true]) {
    const w = new Windows(
      Int32Array.from({ length: 50 }, (_, i) => 20 + 3 * i),
      8,
      3,
      { features: [a, b], targets: [b, a] },
      relative,
    );
    const dense3 = makeWindows(w.starts, 8, 3, [a, b], [b, a], relative);
    assert.deepEqual(denseRows(w.inputs()).data, dense3.x);
    assert.deepEqual(denseRows(w.targets()).data, dense3.y);
    assert.deepEqual(denseRows(w.targets(true)).data, dense3.y, 'a sequence target has the same sample layout');
    assert.deepEqual(w.truth(), dense3.truth);
    assert.deepEqual(denseRows(sliceSamples(w.inputs(), 10, 20)).data, dense3.x.subarray(10 * 16, 20 * 16));
    assert.equal(dense3.offset === null, !relative);
  }
});

test('training on gathered windows gives bit for bit the losses of training on the copied tensors', async () => {
  const w = new Windows(
    Int32Array.from({ length: 90 }, (_, i) => 12 + i),
    12,
    2,
    { features: [a, b], targets: [a] },
    true,
  );
  const c = w.copy();
  const run = async (x: Parameters<ReturnType<typeof sequential>['fit']>[0], y: typeof x, seq: boolean) => {
    const m = sequential(
      seq
        ? [lstm({ units: 5, inputShape: [12, 2], returnSequences: true }), dense({ units: 1 })]
        : [gru({ units: 5, inputShape: [12, 2] }), dense({ units: 2 })],
      { seed: 3 },
    );
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const h = await m.fit(x, y, { epochs: 2, batchSize: 16, shuffle: true, validationSplit: 0.2 });
    const p = m.predict(x).data;
    m.dispose();
    return { h: h.history, p };
  };
  const lazy = await run(w.inputs(), w.targets(), false);
  const copied = await run(tensor(c.x, [90, 12, 2]), tensor(c.y, [90, 2]), false);
  assert.deepEqual(lazy, copied);
  const w2 = new Windows(w.starts, 12, 12, { features: [a, b], targets: [b] }, false);
  const c2 = w2.copy();
  assert.deepEqual(
    await run(w2.inputs(), w2.targets(true), true),
    await run(tensor(c2.x, [90, 12, 2]), tensor(c2.y, [90, 12, 1]), true),
  );
});

test('preparing 60,000 rows at lookback 256 allocates nothing per window (a copy would take 245 MB)', async () => {
  const f = join(dir, 'wide.csv');
  const rows = Array.from({ length: 60_000 }, (_, i) => `${Math.sin(i / 9)},${Math.cos(i / 7)},${i % 13},${i / 1e4}`);
  writeFileSync(f, `p,q,r,s\n${rows.join('\n')}\n`);
  const before = process.memoryUsage().arrayBuffers;
  const d = await prepareData({ csv: f, target: 'p', lookback: 256, horizon: 4 }, f);
  const grown = process.memoryUsage().arrayBuffers - before;
  const copy = d.windows.train.count * 256 * 4 * 4;
  assert.ok(copy > 150e6, `a copy of the training windows alone would be ${copy} bytes`);
  assert.ok(grown < 30e6, `preparing grew array buffers by ${grown} bytes`);
  assert.ok(!('x' in d.windows.train) && !('y' in d.windows.train), 'no per-window arrays');
});
