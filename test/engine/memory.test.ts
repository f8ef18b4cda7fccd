// Engine memory: buffers above 2 GiB (byte offsets past the int32 range) read and write where the kernels do, a
// buffer given back twice is refused, and a model that runs many batch sizes keeps a bounded set of workspaces.
// A trial thread that had once trained GRU(256) at lookback 192 reserved 3.4 GB; the next models it built sat
// above 2 GiB, where `ptr >> 2` turned negative, and every later trial in that thread trained on garbage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Buf, Engine, MEMORY_LIMIT_BYTES, Ops } from '../../src/engine/index.js';
import { MemoryLimitError } from '../../src/errors.js';
import { dense, gru, Rng, tensor } from '../../src/nn/index.js';
import { adam } from '../../src/optim/index.js';
import { sequential } from '../../src/train/index.js';

test('a buffer above 2 GiB is viewed where the kernels read it', () => {
  const e = new Engine();
  const ops = new Ops(e);
  e.alloc(2 ** 29 + 1024); // 2 GiB + 4 KiB of floats, never touched (fresh pages)
  const b = e.alloc(1000);
  assert.ok(b.ptr >= 2 ** 31, `ptr ${b.ptr}`);
  const v = e.view(b);
  v.fill(0.5);
  assert.equal(ops.sumsq(b), 250, 'the kernel sees what the view wrote');
  ops.scale(b, 2);
  assert.equal(e.view(b)[999], 1, 'the view sees what the kernel wrote');
});

test('giving a buffer back twice is refused (it would be handed to two owners)', () => {
  const e = new Engine();
  const b = e.alloc(16);
  e.release(b);
  assert.throws(() => e.release(b), /already released/);
  const c = e.alloc(16);
  assert.equal(c.ptr, b.ptr, 'reused once');
  e.release(c);
});

test('freed neighbours merge and serve a larger request, and a larger free block is split, without growing', () => {
  const e = new Engine();
  const [a, b, c] = [e.alloc(1000), e.alloc(1000), e.alloc(1000)];
  const top = e.bytesReserved;
  e.release(a);
  e.release(b);
  const big = e.alloc(2000); // a and b together
  assert.equal(big.ptr, a.ptr);
  assert.equal(e.bytesReserved, top);
  e.release(big);
  const small = e.alloc(500); // the front of the merged block; the rest stays free
  const rest = e.alloc(1500);
  assert.deepEqual([small.ptr, rest.ptr > small.ptr, rest.ptr + 1500 * 4 <= c.ptr], [a.ptr, true, true]);
  assert.equal(e.bytesReserved, top);
  e.view(rest).fill(1);
  e.view(small).fill(2);
  assert.equal(e.view(rest)[0], 1, 'the split blocks do not overlap');
  assert.throws(() => e.release(b), /already released/, 'a block merged away still refuses a second release');
});

/** N windows of T steps of one feature, standard normal. */
function windows(N: number, T: number, seed: number) {
  const rng = new Rng(seed);
  return tensor(
    Float32Array.from({ length: N * T }, () => rng.normal()),
    [N, T, 1],
  );
}

/** GRU(units) -> Dense(out) over windows of T steps, compiled. */
function gruModel(T: number, units: number, out: number, seed: number) {
  const m = sequential([gru({ units, inputShape: [T, 1] }), dense({ units: out })], { seed });
  m.compile({ optimizer: adam(), loss: 'mse' });
  return m;
}

test('predicting with many batch sizes keeps at most three workspaces per layer, with the same results', () => {
  const N = 300,
    T = 16;
  const x = windows(N, T, 1);
  const make = () => gruModel(T, 32, 1, 2);
  const m = make();
  const sizes = [150, 149, 148, 147, 146, 145, 144, 143, 142, 141, 140, 139]; // each but the first ends on 2 windows
  const before = m.engine.bytesReserved;
  m.predict(x, { batchSize: sizes[0]! });
  const one = m.engine.bytesReserved - before; // one workspace per layer (and the input buffers)
  const outs = sizes.map((bs) => m.predict(x, { batchSize: bs }).data);
  const ref = make().predict(x, { batchSize: N }).data;
  for (const [k, out] of outs.entries())
    for (let i = 0; i < N; i++) assert.ok(Math.abs(out[i]! - ref[i]!) < 1e-5, `batch ${sizes[k]}, window ${i}`);
  // 23 batch sizes ran; evicted workspaces are given back and serve the next sizes, so memory grows by less than
  // two more sets (keeping all of them took 46 MB here, against 4 MB for one set).
  const grown = m.engine.bytesReserved - before - one;
  assert.ok(grown < 2 * one, `grew ${grown} bytes after the first size, which took ${one}`);
  m.dispose();
});

test('models that predict one after another reuse one set of workspaces, as the members of an ensemble do', () => {
  // An ETTh1 h96 study's ensemble step: GRU(128) and GRU(256) members at lookback 336 each kept the workspaces of
  // their prediction (windows of 256 and the remainder) and together ran out of the 4 GiB.
  const T = 32;
  const x = windows(300, T, 3);
  // built first: their weights are all in memory before any prediction
  const models = [1, 2, 3, 4, 5].map((seed) => gruModel(T, 64, 4, seed));
  const before = models[0]!.engine.bytesReserved;
  const first = models[0]!.predict(x).data; // 256 windows, then 44
  const one = models[0]!.engine.bytesReserved - before; // one model's workspaces (and its input buffers)
  for (const m of models.slice(1)) m.predict(x);
  const grown = models[0]!.engine.bytesReserved - before;
  assert.ok(one > 0, 'the first prediction takes workspaces');
  assert.ok(grown < 1.5 * one, `5 models took ${grown} bytes of workspaces, one took ${one}`);
  assert.deepEqual(models[0]!.predict(x).data, first, 'the same predictions with fresh workspaces');
  for (const m of models) m.dispose();
});

test('engines on one shared memory take blocks that never overlap, share buffers, and hand blocks back', () => {
  const a = new Engine();
  const b = new Engine(undefined, a.memory); // a training thread's engine
  const blocks = [a.alloc(1000), b.alloc(3000), a.alloc(500), b.alloc(10)].map((x) => [x.ptr, x.ptr + x.length * 4]);
  const sorted = [...blocks].sort((x, y) => x[0]! - y[0]!);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i]![0]! >= sorted[i - 1]![1]!, 'blocks overlap');
  const shared = a.alloc(64);
  a.view(shared).fill(3);
  b.k.scale(shared.ptr, 64, 2); // a kernel of the other engine on this engine's buffer
  assert.equal(a.view(shared)[63], 6);
  const top = a.bytesReserved;
  assert.equal(b.bytesReserved, top, 'one bump pointer');
  a.reclaim(b.ownedBlocks()); // b has stopped: its blocks (its edge tile, 3000 and 10 floats) serve a
  a.alloc(3000);
  a.alloc(10);
  assert.equal(a.bytesReserved, top, 'served from the reclaimed blocks, without taking fresh memory');
});

const MiB = 2 ** 20;

/** An engine with `n` free holes of 2 MiB, each after a live block of `pin` bytes (so no two merge). */
function holed(n: number, pin: number): Engine {
  const e = new Engine();
  const holes: Buf[] = [];
  for (let i = 0; i < n; i++) {
    holes.push(e.alloc((2 * MiB) / 4));
    e.alloc(pin / 4);
  }
  for (const h of holes) e.release(h);
  return e;
}

test('assertFits judges by what can be allocated: 3000 MiB free in 2 MiB holes do not hold a 1 GiB buffer', () => {
  // 375 MiB in use, 3000 MiB free in 1500 holes of 2 MiB, 721 MiB left at the top: the free bytes were counted as one,
  // assertFits passed 1 GiB, and the alloc after it threw
  const e = holed(1500, MiB / 4);
  assert.equal(Math.round(e.bytesInUse / MiB), 375);
  assert.throws(() => e.alloc(2 ** 30 / 4), /in pieces too small for its buffers/, 'the buffer itself does not fit');
  assert.throws(
    () => e.assertFits([2 ** 30], 'a training step of 256 samples on 1 thread'),
    new RegExp(
      'out of WebAssembly memory: a training step of 256 samples on 1 thread needs 1024 MiB beside the 375 MiB in ' +
        'use, and the 3721 MiB free of the 4096 MiB .* are in pieces too small for its buffers \\(the largest 721 MiB',
    ),
  );
  // the holes serve buffers they can hold: 1,500 of 2 MiB and 700 MiB at the top fit, as alloc takes them
  const fitting = [...Array.from({ length: 1500 }, () => 2 * MiB), 700 * MiB];
  e.assertFits(fitting, 'buffers the holes hold');
  const top = e.bytesReserved;
  for (const b of fitting) e.alloc(b / 4);
  assert.equal(e.bytesReserved, top + 700 * MiB, 'only the large one from the top');
  assert.throws(() => e.assertFits([30 * MiB], 'one more'), MemoryLimitError);
});

test('largestThatFits halves until the buffers fit in a block, not in the free bytes summed', () => {
  const e = holed(1500, MiB / 4);
  // one buffer of n MiB: 1024 passed on the free bytes summed (3721 MiB); 512 is the first that fits at the top
  assert.equal(
    e.largestThatFits(1024, (n) => [n * MiB]),
    512,
  );
  assert.equal(
    e.largestThatFits(1024, (n) => Array.from({ length: n }, () => MiB)),
    1024,
    'a thousand buffers of 1 MiB fit in the holes',
  );
});

test('a free block at the top is extended by a buffer larger than it, not left behind', () => {
  const e = new Engine();
  e.alloc(1000);
  const last = e.alloc(1000);
  const top = e.bytesReserved;
  e.release(last);
  const big = e.alloc(5000);
  assert.equal(big.ptr, last.ptr, 'the buffer starts in the free block');
  assert.equal(e.bytesReserved, top + 4000 * 4, 'and takes only the rest from the top');
});

test("a stopped engine's blocks, taken back, merge with each other and serve a request for their sum", () => {
  // reclaim kept each block as it was: a next thread that built a larger model found none of them large enough
  const a = new Engine();
  const b = new Engine(undefined, a.memory);
  const parts = [b.alloc(1000), b.alloc(3000), b.alloc(2000)];
  a.alloc(10); // the top moves past them
  const top = a.bytesReserved;
  a.reclaim(b.ownedBlocks());
  const whole = a.alloc(6000);
  assert.ok(whole.ptr <= parts[0]!.ptr, 'one block from the three (and the edge tile of b before them)');
  assert.equal(a.bytesReserved, top, 'without taking fresh memory');
});

test('a runtime without shared WebAssembly memory gets an error that says so', () => {
  const Real = WebAssembly.Memory;
  class NoShared extends Real {
    constructor(d: WebAssembly.MemoryDescriptor) {
      if (d.shared) throw new TypeError('shared memory is not supported');
      super(d);
    }
  }
  WebAssembly.Memory = NoShared;
  try {
    assert.throws(() => new Engine(), /cannot make a shared WebAssembly memory.*shared memory is not supported/);
  } finally {
    WebAssembly.Memory = Real;
  }
});

test("a training thread's parked blocks hold its next buffers in fitsBlocks, and are not counted in use", () => {
  // they were counted in use and the next thread's buffers again at the top: a second fit on two threads of a dense
  // model of 67 million weights, 3212 MiB in use before the first, was refused (needs 272 MiB more than the 4013 MiB
  // in use) though the thread's 273 MiB were parked for it
  const a = new Engine();
  const b = new Engine(undefined, a.memory); // training thread 1
  b.alloc((256 * MiB) / 4); // its gradient
  b.alloc((16 * MiB) / 4); // its scratch
  a.alloc(1000); // the main thread's buffers after them
  const inUse = a.bytesInUse;
  a.park(1, b.ownedBlocks()); // the thread stopped
  assert.equal(Math.round((inUse - a.bytesInUse) / MiB), 272, 'its blocks are free for the next thread 1');
  const ballast = a.alloc((MEMORY_LIMIT_BYTES - a.bytesReserved - 100 * MiB) / 4); // 100 MiB left at the top
  const thread = [256 * MiB, 16 * MiB];
  assert.ok(a.fitsBlocks([50 * MiB], [thread]), 'the thread cuts its buffers from its parked blocks');
  assert.ok(!a.fitsBlocks([50 * MiB, 272 * MiB], [thread]), 'not this thread: it cannot take them');
  assert.ok(!a.fitsBlocks([50 * MiB], [[], thread]), 'nor thread 2');
  assert.ok(!a.fitsBlocks([60 * MiB], [[...thread, 50 * MiB]]), 'the top is shared');
  assert.ok(a.fitsBlocks([50 * MiB], [[...thread, 50 * MiB]]));
  const next = new Engine(undefined, a.memory, a.unpark(1)); // the next thread 1 takes them
  const top = a.bytesReserved;
  for (const bytes of thread) next.alloc(bytes / 4);
  assert.equal(a.bytesReserved, top, 'from its parked blocks, as fitsBlocks judged');
  assert.ok(!a.fitsBlocks([50 * MiB], [thread]), 'taken: no longer parked');
  a.release(ballast);
});
