// Data-parallel fit (train/threads): a fixed thread count repeats bit for bit, two threads stay within 1e-5 of
// one, the threads' shares add up to the whole batch's loss and metrics, and a failing thread ends the fit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { getEngine, MEMORY_LIMIT_BYTES } from '../../src/engine/index.js';
import {
  type Act,
  batchNormalization,
  bidirectional,
  dense,
  dropout,
  gaussianNoise,
  gru,
  Layer,
  lstm,
  Rng,
  registerLayer,
  type SeqShape,
  tensor,
} from '../../src/nn/index.js';
import { sgd } from '../../src/optim/index.js';
import { type Model, sequential } from '../../src/train/index.js';
import {
  EVAL,
  GEN,
  jobWords,
  PENDING,
  reducedSumsq,
  reduceSlice,
  writeReduce,
} from '../../src/train/threads/layout.js';
import { startFitThreads } from '../../src/train/threads/pool.js';

function data(N: number, T = 12, seed = 0) {
  const rng = new Rng(seed);
  const x = new Float32Array(N * T * 2),
    y = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const p = rng.uniform() * 6;
    for (let t = 0; t < T; t++) {
      x[(n * T + t) * 2] = Math.sin(p + 0.5 * t);
      x[(n * T + t) * 2 + 1] = rng.normal() * 0.1;
    }
    y[n] = Math.sin(p + 0.5 * T);
  }
  return { x: tensor(x, [N, T, 2]), y: tensor(y, [N, 1]) };
}

const d = data(150);
function model(withDropout = false): Model {
  const layers: Layer[] = [lstm({ units: 8, inputShape: [12, 2], returnSequences: true }), gru({ units: 6 })];
  if (withDropout) layers.push(dropout({ rate: 0.2 }));
  const m = sequential([...layers, dense({ units: 1 })], { seed: 3 });
  m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
  return m;
}
const flat = (m: Model) => Float32Array.from(Object.values(m.getWeights()).flatMap((w) => [...w]));
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((mx, v, i) => Math.max(mx, Math.abs(v - b[i]!)), 0);

async function fitted(threads: number, opts: { epochs?: number; withDropout?: boolean } = {}) {
  const m = model(opts.withDropout);
  const h = await m.fit(d.x, d.y, { epochs: opts.epochs ?? 1, batchSize: 32, threads });
  const w = flat(m);
  m.dispose();
  return { h, w };
}

test('two threads give bit-identical weights and history from run to run (dropout on)', async () => {
  const a = await fitted(2, { epochs: 2, withDropout: true });
  const b = await fitted(2, { epochs: 2, withDropout: true });
  assert.deepEqual(a.w, b.w);
  assert.deepEqual(a.h.history, b.h.history);
});

test('a 2-thread epoch stays within 1e-5 of the 1-thread epoch (weights, loss, metric)', async () => {
  const one = await fitted(1);
  const two = await fitted(2);
  const three = await fitted(3);
  assert.ok(maxDiff(one.w, two.w) > 0, 'two threads add the gradient in another order');
  assert.ok(maxDiff(one.w, two.w) < 1e-5, `max weight difference ${maxDiff(one.w, two.w)}`);
  assert.ok(maxDiff(one.w, three.w) < 1e-5, `max weight difference ${maxDiff(one.w, three.w)}`);
  for (const k of ['loss', 'mae'])
    assert.ok(Math.abs(one.h.history[k]![0]! - two.h.history[k]![0]!) < 1e-5, `${k} differs`);
});

test('dropout, recurrent dropout and noise draw the same masks on any thread count: 1, 2 and 3 threads within 1e-5', async () => {
  // each sample's masks hash (step seed, draw, sample, timestep): a thread training samples 11-21 draws what one
  // thread draws for them (before, each thread drew from a seed of its own: 2% apart after an epoch)
  const run = async (threads: number) => {
    const m = sequential(
      [
        gaussianNoise({ stddev: 0.1 }),
        lstm({ units: 8, returnSequences: true, dropout: 0.2, recurrentDropout: 0.3 }),
        dropout({ rate: 0.25 }),
        bidirectional(gru({ units: 4, recurrentDropout: 0.2 })),
        dense({ units: 1 }),
      ],
      { seed: 9, inputShape: [12, 2] },
    );
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const h = await m.fit(d.x, d.y, { epochs: 2, batchSize: 32, threads });
    const w = flat(m);
    m.dispose();
    return { h, w };
  };
  const one = await run(1),
    two = await run(2),
    three = await run(3);
  for (const [n, r] of [
    [2, two],
    [3, three],
  ] as const) {
    assert.ok(maxDiff(one.w, r.w) < 1e-5, `${n} threads: max weight difference ${maxDiff(one.w, r.w)}`);
    assert.ok(Math.abs(one.h.history.loss![1]! - r.h.history.loss![1]!) < 1e-5, `${n} threads: loss differs`);
  }
});

test('each share counts by its size: an uneven split (batch 7 over 3 threads) matches one thread', async () => {
  const run = async (threads: number) => {
    const m = sequential([gru({ units: 5, inputShape: [12, 2] }), dense({ units: 1 })], { seed: 5 });
    m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'mse', clipnorm: 0.5 });
    const h = await m.fit(d.x, d.y, { epochs: 1, batchSize: 7, shuffle: false, threads });
    return { h, w: flat(m) };
  };
  const one = await run(1),
    three = await run(3);
  const m = sequential([gru({ units: 5, inputShape: [12, 2] }), dense({ units: 1 })], { seed: 5 });
  m.compile({ loss: 'mse' });
  assert.equal(m.threadsFor(3, 7, 150), 3);
  assert.equal(m.threadsFor(3, 7, 2), 2, 'a batch of 2 samples (the training set) has no share for a third thread');
  assert.ok(maxDiff(one.w, three.w) < 1e-5, `max weight difference ${maxDiff(one.w, three.w)}`);
  assert.ok(Math.abs(one.h.history.loss![0]! - three.h.history.loss![0]!) < 1e-6);
});

test("after a fit on 2 threads, predict and evaluate run in batches of the main thread's share: no new buffers", async () => {
  // at the fit's batch size they made a workspace twice the main thread's once the threads had stopped: a GRU(64) at
  // lookback 4300, batch 256 on 2 threads trained, then ran out of memory predicting 300 validation windows. The
  // main thread's shares of 16 (full batches), 12 (the last) and 10 (the validation's one batch) each keep theirs:
  // with two kept, the validation's evicted the share's, and predict made it again
  const { x, y } = data(120),
    v = data(20, 12, 1),
    p = data(128, 12, 2);
  const m = model();
  const h = await m.fit(x, y, {
    epochs: 2,
    batchSize: 32,
    threads: 2,
    validationData: [v.x, v.y],
    onWarning: () => {},
  });
  assert.equal(h.threads, 2);
  const e = getEngine(),
    alloc = e.alloc;
  let n = 0;
  e.alloc = (...a) => {
    n++;
    return alloc.apply(e, a);
  };
  try {
    m.predict(p.x);
    m.evaluate(p.x, p.y);
  } finally {
    e.alloc = alloc;
  }
  assert.equal(n, 0, `${n} buffers allocated`);
  m.dispose();
});

test('batch normalization trains on one thread and says why', async () => {
  const m = sequential([gru({ units: 4, inputShape: [12, 2] }), batchNormalization(), dense({ units: 1 })]);
  m.compile({ loss: 'mse' });
  assert.equal(m.threadsFor(2, 32, d.x.shape[0]!), 1, 'known before the fit (a run header says it)');
  const lines: string[] = [];
  const h = await m.fit(d.x, d.y, { batchSize: 32, threads: 2, onWarning: (l) => lines.push(l) });
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /threads: 2 asked, training on 1 thread: BatchNormalization/);
  assert.ok(h.warnings.includes(lines[0]!));
  assert.equal(h.threads, 1, 'the history says the threads the fit trained on');
  await assert.rejects(m.fit(d.x, d.y, { threads: 0 }), /fit\.threads: expected an integer from 1 to 256/);
  await assert.rejects(
    m.fit(d.x, d.y, { threads: 257 }),
    /fit\.threads: expected an integer from 1 to 256, received 257/,
  );
});

/** A layer known only to the thread that registered it: a training thread cannot rebuild it. */
class Local extends Layer {
  readonly className = 'LocalOnly';
  constructor() {
    super(undefined, 'local');
  }
  protected computeOutShape(s: SeqShape): SeqShape {
    return s;
  }
  forward(x: Act): Act {
    return x;
  }
  backward(dy: Act, needDx: boolean): Act | null {
    return needDx ? dy : null;
  }
  getConfig() {
    return { name: this.name };
  }
}

test('a training thread that fails ends the fit with an error naming it, not a hang', async () => {
  registerLayer('LocalOnly', () => new Local());
  const m = sequential([gru({ units: 4, inputShape: [12, 2] }), new Local(), dense({ units: 1 })]);
  m.compile({ loss: 'mse' });
  await assert.rejects(m.fit(d.x, d.y, { batchSize: 32, threads: 2 }), /training thread 1 of 2 failed: .*LocalOnly/);
});

test('a training thread that stops mid-fit ends the fit with an error naming it, not a hang', async () => {
  const m = model();
  const stopOne = {
    setModel() {},
    onTrainBegin() {},
    onTrainEnd() {},
    onEpochBegin() {},
    onEpochEnd() {},
    // After the second batch, end the first training thread as a crash would (the pool's own workers).
    async onBatchEnd(batch: number) {
      if (batch === 1) await (m as unknown as { pool: { workers: Worker[] } }).pool.workers[0]!.terminate();
    },
  };
  await assert.rejects(
    m.fit(d.x, d.y, { epochs: 2, batchSize: 32, threads: 2, callbacks: [stopOne] }),
    /training thread 1 of 2 failed: the thread exited \(code 1\)/,
  );
});

test('threads that do not start in time leave the fit on one thread, in one line saying why, and nothing running', async () => {
  const m = model();
  const lines: string[] = [];
  // 1 ms: no thread loads its kernels and replica that fast, so the start runs out of time as a stuck one would.
  const pool = await startFitThreads(m, 2, 32, (l) => lines.push(l), { startMs: 1 });
  assert.equal(pool, null);
  assert.deepEqual(lines, [
    'threads: 2 asked, training on 1 thread: the training threads did not start within 0.001 s',
  ]);
  const h = await m.fit(d.x, d.y, { epochs: 1, batchSize: 32 });
  assert.ok(Number.isFinite(h.history.loss![0]));
  m.dispose();
});

test('a training thread that never finishes its share stops the wait with an error saying so, not a hang', async () => {
  const m = model();
  const pool = (await startFitThreads(m, 2, 32, () => {}, { stallMs: 300 }))!;
  assert.ok(pool, 'two threads start');
  // Wake the thread to an empty share and count one answer more than it will give, as a stuck thread leaves it.
  const p = pool as unknown as { ctl: Int32Array; wake(cmd: number): void; settled(): Promise<void> };
  p.wake(EVAL);
  Atomics.add(p.ctl, PENDING, 1);
  const t0 = performance.now();
  const hang = new Promise((_, reject) =>
    setTimeout(() => reject(new Error('still waiting after 10 s')), 10_000).unref(),
  );
  await assert.rejects(
    Promise.race([p.settled(), hang]),
    /training threads: 1 of 1 did not finish their share of the batch 0\.30 s after/,
  );
  assert.ok(performance.now() - t0 < 5000, 'the wait ends soon after the limit');
  await pool.close();
  m.dispose();
});

test('a wake-up without a new command (a late notify) runs nothing twice: the count of answers stays right', async () => {
  const m = model();
  const pool = (await startFitThreads(m, 2, 32, () => {}, { stallMs: 2000 }))!;
  const p = pool as unknown as { ctl: Int32Array; wake(cmd: number): void; settled(): Promise<void> };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  p.wake(EVAL);
  await p.settled();
  // the thread has answered and blocks again; the main thread's notify of that command arrives only now, as after a
  // pause between its bump of the command counter and its notify (a preempted thread)
  await sleep(30);
  Atomics.notify(p.ctl, GEN);
  await sleep(100);
  assert.equal(Atomics.load(p.ctl, PENDING), 0, 'the thread answered the same command twice');
  p.wake(EVAL);
  await p.settled();
  await pool.close();
  m.dispose();
});

test('steps on open threads allocate no engine memory after the first batch', async () => {
  const m = model(true);
  await m.openThreads(2, 32);
  await m.fit(d.x, d.y, { epochs: 1, batchSize: 32 });
  const { allocations, grows } = m.engine;
  const h = await m.fit(d.x, d.y, { epochs: 2, batchSize: 32 });
  await m.closeThreads();
  assert.deepEqual([m.engine.allocations, m.engine.grows], [allocations, grows]);
  assert.equal(h.threads, 2, 'the history says the threads of openThreads, which the fit trained on');
  await assert.rejects(
    (async () => {
      await m.openThreads(2, 16);
      try {
        await m.fit(d.x, d.y, { epochs: 1, batchSize: 32 });
      } finally {
        await m.closeThreads();
      }
    })(),
    // refused at the fit's start, naming the fit's option (it failed at the first step, naming trainStepAsync)
    /^ValueError: fit\.batchSize: 32 samples a batch, more than the 16 that model\.openThreads opened the threads/,
  );
});

test('without SharedArrayBuffer the fit trains on one thread and says why in one line', async () => {
  const saved = globalThis.SharedArrayBuffer;
  const m = model();
  const lines: string[] = [];
  try {
    // @ts-expect-error: a runtime without shared memory (a browser page that is not cross-origin isolated)
    delete globalThis.SharedArrayBuffer;
    await m.fit(d.x, d.y, { batchSize: 32, threads: 2, onWarning: (l) => lines.push(l) });
  } finally {
    globalThis.SharedArrayBuffer = saved;
  }
  assert.deepEqual(lines, [
    'threads: 2 asked, training on 1 thread: SharedArrayBuffer or Atomics.waitAsync is unavailable',
  ]);
  const one = await fitted(1);
  assert.deepEqual(flat(m), one.w, 'the one-thread fit itself');
});

test('validation batches are split between the threads too: the same loss and metrics as on one thread', async () => {
  const m = model();
  const v = data(70, 12, 9);
  const single = m.evaluate(v.x, v.y, { batchSize: 32 });
  await m.openThreads(3, 32);
  try {
    const split = await m.evaluateAsync(v.x, v.y, 32);
    assert.deepEqual(Object.keys(split), Object.keys(single));
    for (const k of Object.keys(single)) assert.ok(Math.abs(split[k]! - single[k]!) < 1e-6, `${k} differs`);
    // The threads did take part: with one of them gone, the same call fails.
    await (m as unknown as { pool: { workers: Worker[] } }).pool.workers[1]!.terminate();
    await assert.rejects(m.evaluateAsync(v.x, v.y, 32), /training thread 2 of 3 failed/);
  } finally {
    await m.closeThreads();
  }
  const one = model(),
    two = model();
  const h1 = await one.fit(d.x, d.y, { epochs: 1, batchSize: 32, validationData: [v.x, v.y] });
  const h2 = await two.fit(d.x, d.y, { epochs: 1, batchSize: 32, validationData: [v.x, v.y], threads: 2 });
  for (const k of ['val_loss', 'val_mae'])
    assert.ok(Math.abs(h1.history[k]![0]! - h2.history[k]![0]!) < 1e-5, `${k}: ${h1.history[k]} vs ${h2.history[k]}`);
});

test('threads stay off where adding their gradients would cost more than the split saves, and it says so', async () => {
  const wide = () => {
    const m = sequential([gru({ units: 160, inputShape: [1, 2] }), dense({ units: 1 })], { seed: 2 });
    // with weight decay every step passes over all 78,000 weights (without, only the few a batch reaches)
    m.compile({ optimizer: sgd({ learningRate: 0.01, weightDecay: 1e-4 }), loss: 'mse' });
    return m;
  };
  const x1 = tensor(d.x.data.slice(0, 150 * 2), [150, 1, 2]);
  const lines: string[] = [];
  const a = wide(),
    b = wide();
  assert.equal(a.threadsFor(2, 32, 150), 1);
  assert.equal(a.threadsFor(2, undefined, 150), 1, "fit's default batch of 32");
  await a.fit(x1, d.y, { batchSize: 32, threads: 2, onWarning: (l) => lines.push(l) });
  await b.fit(x1, d.y, { batchSize: 32 });
  const said = lines.filter((l) => l.startsWith('threads:'));
  assert.equal(said.length, 1);
  assert.match(said[0]!, /^threads: 2 asked, training on 1: 78,\d{3} weights are many for batches of 32 x 1 steps /);
  assert.deepEqual(flat(a), flat(b));
});

test('a model with many weights splits the gradient sum, its norm and the update between the threads too', async () => {
  // GRU(300) over one step: 272,101 weights, over SLICED_WEIGHTS (as seed-gru1000's 3 million).
  const x1 = tensor(d.x.data.slice(0, 150 * 2), [150, 1, 2]);
  const run = async (threads: number, clipnorm?: number) => {
    const m = sequential([gru({ units: 300, inputShape: [1, 2] }), dense({ units: 1 })], { seed: 4 });
    // AdamW: its decay moves every weight, so each step passes over all of them (Adam: only the 3,000 a batch reaches)
    m.compile({ optimizer: 'adamw', loss: 'mse', metrics: ['mae'], ...(clipnorm ? { clipnorm } : {}) });
    await m.openThreads(threads, 32);
    const sliced = (m as unknown as { pool: { sliced: boolean } | null }).pool?.sliced ?? false;
    await m.fit(x1, d.y, { epochs: 1, batchSize: 32 }); // the first epoch allocates what the steps need
    const { allocations, grows } = m.engine,
      reserved = m.engine.bytesReserved;
    const h = await m.fit(x1, d.y, { epochs: 1, batchSize: 32 });
    const after = [m.engine.allocations - allocations, m.engine.grows - grows, m.engine.bytesReserved - reserved];
    await m.closeThreads();
    return { h, w: flat(m), sliced, after };
  };
  const one = await run(1),
    two = await run(2),
    again = await run(2),
    three = await run(3);
  assert.deepEqual([one.sliced, two.sliced, three.sliced], [false, true, true]);
  assert.deepEqual(two.w, again.w, 'bit-identical from run to run');
  assert.deepEqual(two.h.history, again.h.history);
  assert.deepEqual(two.after, [0, 0, 0], 'no engine memory taken by any thread after the first epoch');
  for (const [name, r] of [
    ['two', two],
    ['three', three],
  ] as const) {
    assert.ok(maxDiff(one.w, r.w) < 1e-5, `${name} threads: max weight difference ${maxDiff(one.w, r.w)}`);
    for (const k of ['loss', 'mae'])
      assert.ok(Math.abs(one.h.history[k]![0]! - r.h.history[k]![0]!) < 1e-5, `${name} threads: ${k} differs`);
  }
  // The norm the threads add up is the one clipping uses.
  const c1 = await run(1, 0.05),
    c2 = await run(2, 0.05);
  assert.ok(maxDiff(c1.w, one.w) > 1e-4, 'clipping acted');
  assert.ok(maxDiff(c1.w, c2.w) < 1e-5, `clipped: max weight difference ${maxDiff(c1.w, c2.w)}`);
});

test('the gradient sum of many threads: every share counts once, whatever the thread count (22 and 70 included)', () => {
  // REDUCE as the threads run it, slice after slice on one engine: slice j's partial sum must not land on a word that a
  // later slice reads (at fixed offsets it did from 22 threads on, and from 55 on the words ran past the end)
  const e = getEngine();
  const rng = new Rng(5),
    n = 300;
  for (const parts of [2, 3, 22, 24, 70]) {
    const host = Array.from({ length: parts }, () => Float32Array.from({ length: n }, () => rng.normal()));
    const grads = host.map((h) => {
      const g = e.alloc(n);
      e.view(g).set(h);
      return g;
    });
    const weights = host.map((_, i) => (i + 1) / ((parts * (parts + 1)) / 2));
    const job = new Float64Array(new SharedArrayBuffer(8 * jobWords(parts)));
    writeReduce(
      job,
      n,
      grads.map((g, i) => [g.ptr, weights[i]!] as const),
    );
    for (let j = 0; j < parts; j++) reduceSlice(e, job, parts, j, [[0, n]]);
    const sum = e.view(grads[0]!);
    let worst = 0,
      sumsq = 0;
    for (let k = 0; k < n; k++) {
      const want = host.reduce((a, h, i) => a + weights[i]! * h[k]!, 0);
      worst = Math.max(worst, Math.abs(sum[k]! - want));
      sumsq += sum[k]! ** 2;
    }
    assert.ok(worst < 1e-5, `${parts} threads: the sum is ${worst} from the weighted sum of the shares`);
    assert.ok(Math.abs(reducedSumsq(job, parts) - sumsq) < 1e-6 * sumsq, `${parts} threads: the sum of squares`);
    for (const g of grads) e.release(g);
  }
});

test('without weight decay the step leaves the weights no gradient reaches untouched; with AdamW they decay', async () => {
  // GRU(300) over one step: its recurrent kernel never gets a gradient; on 2 threads the step runs in slices.
  const x1 = tensor(d.x.data.slice(0, 150 * 2), [150, 1, 2]);
  const run = async (optimizer: 'adam' | 'adamw', threads: number) => {
    const m = sequential([gru({ units: 300, inputShape: [1, 2] }), dense({ units: 1 })], { seed: 4 });
    m.compile({ optimizer, loss: 'mse' });
    const key = Object.keys(m.getWeights()).find((k) => k.endsWith('recurrentKernel'))!;
    const before = m.getWeights()[key]!.slice();
    await m.fit(x1, d.y, { epochs: 1, batchSize: 32, threads });
    const after = m.getWeights()[key]!;
    const w = flat(m);
    m.dispose();
    return { same: before.every((v, i) => v === after[i]), ratio: after[7]! / before[7]!, w };
  };
  for (const threads of [1, 2]) {
    const adam = await run('adam', threads);
    assert.ok(adam.same, `adam on ${threads} thread(s): the recurrent kernel is as initialised`);
    const adamw = await run('adamw', threads);
    assert.ok(!adamw.same, `adamw on ${threads} thread(s): the decay moves it`);
    // lr 0.001, weight decay 0.01, 5 steps: (1 - 1e-5)^5
    assert.ok(Math.abs(adamw.ratio - (1 - 1e-5) ** 5) < 1e-6, `adamw decay ${adamw.ratio}`);
  }
});

test('threads give the engine memory they took back when they stop', async () => {
  const m = model();
  const cycle = async () => {
    await m.openThreads(2, 32);
    await m.fit(d.x, d.y, { epochs: 1, batchSize: 32 });
    await m.closeThreads();
    return m.engine.bytesReserved;
  };
  await cycle();
  const second = await cycle(); // (the blocks settle into place over the first two)
  assert.equal(await cycle(), second, 'the third pair of threads took no fresh memory');
  assert.equal(await cycle(), second);
});

test('a second fit on two threads near the memory limit finds the blocks the first parked for its thread', async () => {
  // they were counted in use and the thread's buffers again at the top: a dense model of 67 million weights, 3212 MiB
  // in use before its first fit on two threads (4013 after), was refused a second (272 MiB more than the 4013 in use)
  const F = 2048,
    N = 4;
  const m = sequential([dense({ units: F, inputShape: [F] })], { seed: 1 });
  m.compile({ optimizer: sgd({ learningRate: 1e-3 }), loss: 'mse' });
  const x = tensor(new Float32Array(N * F).fill(0.01), [N, F]),
    y = tensor(new Float32Array(N * F), [N, F]);
  const fit = () => m.fit(x, y, { epochs: 1, batchSize: N, threads: 2, shuffle: false, onWarning: () => {} });
  assert.equal((await fit()).threads, 2);
  const e = m.engine;
  // all but 1 MiB of the memory taken: less than the thread's gradient (16 MiB), parked with its other blocks
  const ballast = e.alloc((MEMORY_LIMIT_BYTES - e.bytesReserved - 2 ** 20) / 4);
  try {
    // the check passes, and the steps run: the thread's buffers are cut from its parked blocks
    assert.equal((await fit()).threads, 2);
  } finally {
    e.release(ballast);
    m.dispose();
  }
});
