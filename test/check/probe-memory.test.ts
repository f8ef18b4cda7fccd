// The network checks' batch in a process of its own: the engine memory holds nothing but what the test takes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { networkChecks } from '../../src/check/index.js';
import { MEMORY_LIMIT_BYTES } from '../../src/engine/index.js';
import { dense, gru, tensor } from '../../src/nn/index.js';
import { sequential } from '../../src/train/index.js';

test("the network checks' batch shrinks to what the engine memory left holds", async () => {
  // 256 windows whatever was left: a GRU(64) at lookback 6000 that trains in batches of 32 made seqtune check exit 2,
  // out of memory. Here a training step on 256 windows of 200 steps needs about 35 MiB, and 20 are left
  const T = 200,
    N = 256;
  const x = tensor(
      Float32Array.from({ length: N * T }, (_, i) => Math.sin(i / 7)),
      [N, T, 1],
    ),
    y = tensor(
      Float32Array.from({ length: N }, (_, i) => Math.cos(i / 5)),
      [N, 1],
    );
  const make = () => sequential([gru({ units: 16 }), dense({ units: 1 })], { inputShape: [T, 1] });
  const probe = make();
  const e = probe.engine,
    taken = e.alloc((MEMORY_LIMIT_BYTES - e.bytesReserved - 20 * 2 ** 20) / 4);
  try {
    const cs = await networkChecks(make, x, y, { steps: 2 });
    const windows = cs.find((c) => c.id === 'network.init_loss')!.evidence.windows as number;
    assert.ok(windows < N && windows >= 16, `${windows} windows`);
    assert.equal(cs.find((c) => c.id === 'network.gradients')!.status, 'pass');
  } finally {
    e.release(taken);
    probe.dispose();
  }
});
