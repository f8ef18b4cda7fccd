// A fit's memory check places its buffers in the order the fit asks for them (Engine.fitsBlocks): placed largest
// first, a fit whose gemm scratch and batch buffers, asked for first, split the one hole that held its optimizer's
// state passed the check and threw at the state's second buffer, after its first forward and backward pass.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockFloats, getEngine, MEMORY_LIMIT_BYTES } from '../../src/engine/index.js';
import { MemoryLimitError } from '../../src/errors.js';
import { dense, tensor } from '../../src/nn/index.js';
import { adam } from '../../src/optim/index.js';
import { Callback, sequential } from '../../src/train/index.js';

const MiB = 2 ** 20;

/** Counts the fits that got past their memory check (fit calls onTrainBegin after it, before the first step). */
class Began extends Callback {
  n = 0;
  override onTrainBegin(): void {
    this.n++;
  }
}

test("a fit whose first buffers split the hole its optimizer's state needs is refused before its first step", async () => {
  const F = 4096,
    N = 4;
  const e = getEngine();
  const m = sequential([dense({ units: F, inputShape: [F] })], { seed: 1 });
  m.compile({ optimizer: adam(), loss: 'mse' });
  const state = blockFloats(m.params.length); // adam's two buffers, 64 MiB each
  // a hole that holds the state's two buffers and no more (another model's weights and gradient, given back), and
  // 40 MiB left at the top: room for the 8 MiB scratch and the batch's buffers, not for a buffer of the state
  const hole = e.alloc(2 * state);
  const pin = e.alloc(1);
  e.release(hole);
  const ballast = e.alloc((MEMORY_LIMIT_BYTES - e.bytesReserved - 40 * MiB) / 4);
  const began = new Began();
  try {
    const x = tensor(new Float32Array(N * F).fill(0.01), [N, F]),
      y = tensor(new Float32Array(N * F), [N, F]);
    const fit = m.fit(x, y, { epochs: 1, batchSize: N, callbacks: [began] });
    await assert.rejects(fit, (err: Error) => {
      assert.ok(err instanceof MemoryLimitError);
      assert.match(err.message, /a training step of 4 samples on 1 thread needs 136 MiB beside/);
      return true;
    });
    assert.equal(began.n, 0, 'refused by the check, before its first step');
  } finally {
    e.release(ballast);
    e.release(pin);
    m.dispose();
  }
});
