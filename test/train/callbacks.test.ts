import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dense, gru, lstm, Rng, tensor } from '../../src/nn/index.js';
import { adam, type ScheduleLike, sgd } from '../../src/optim/index.js';
import {
  Callback,
  EarlyStopping,
  LearningRateScheduler,
  type Logs,
  loadModel,
  ModelCheckpoint,
  ReduceLROnPlateau,
  sequential,
  TerminateOnNaN,
} from '../../src/train/index.js';

function data(N: number, seed = 0) {
  const rng = new Rng(seed);
  const x = new Float32Array(N * 8),
    y = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const p = rng.uniform() * 6;
    for (let t = 0; t < 8; t++) x[n * 8 + t] = Math.sin(p + 0.5 * t);
    y[n] = Math.sin(p + 4);
  }
  return { x: tensor(x, [N, 8, 1]), y: tensor(y, [N, 1]) };
}
const small = (seed = 1) => sequential([gru({ units: 6, inputShape: [8, 1] }), dense({ units: 1 })], { seed });

/** Feeds scripted values as a metric so callbacks can be tested exactly. */
class Script extends Callback {
  constructor(
    readonly key: string,
    readonly values: number[],
  ) {
    super();
  }
  override onEpochEnd(epoch: number, logs: Logs): void {
    logs[this.key] = this.values[epoch]!;
  }
}

test('EarlyStopping stops where patience says and restores the best weights', async () => {
  const { x, y } = data(32);
  const m = small();
  m.compile({ optimizer: sgd({ learningRate: 0.01 }) });
  const weightsAt: Float32Array[] = [];
  class Record extends Callback {
    override onEpochEnd(): void {
      weightsAt.push(Float32Array.from(m.engine.view(m.params)));
    }
  }
  const es = new EarlyStopping({ monitor: 'score', patience: 2, restoreBestWeights: true });
  const values = [5, 4, 3, 3.5, 3.2, 1, 0.5];
  const h = await m.fit(x, y, { epochs: 7, batchSize: 8, callbacks: [new Record(), new Script('score', values), es] });
  assert.equal(h.epochs, 5, 'best at epoch 3 (0-based 2), then 2 epochs without improvement');
  assert.equal(es.bestEpoch, 2);
  assert.match(h.stopReason!, /score did not improve for 2 epochs.*restored the weights of epoch 3/);
  assert.deepEqual(Float32Array.from(m.engine.view(m.params)), weightsAt[2]);
});

test('EarlyStopping honours minDelta, mode max and startFromEpoch', async () => {
  const { x, y } = data(16);
  const run = async (es: EarlyStopping, values: number[]) => {
    const m = small();
    m.compile();
    return (await m.fit(x, y, { epochs: values.length, batchSize: 16, callbacks: [new Script('s', values), es] }))
      .epochs;
  };
  assert.equal(await run(new EarlyStopping({ monitor: 's', patience: 1, minDelta: 0.5 }), [3, 2.8, 2.6, 1]), 2);
  assert.equal(await run(new EarlyStopping({ monitor: 's', patience: 1, mode: 'max' }), [1, 2, 1.5, 3]), 3);
  assert.equal(await run(new EarlyStopping({ monitor: 's', patience: 1, startFromEpoch: 3 }), [1, 2, 3, 4, 5, 6]), 5);
});

test('EarlyStopping with a baseline as Keras 3: patience counts the epochs that miss it, the best epoch is still kept', async () => {
  const { x, y } = data(16);
  const run = async (es: EarlyStopping, values: number[]) => {
    const m = small();
    m.compile({ optimizer: sgd({ learningRate: 0.01 }) });
    const weightsAt: Float32Array[] = [];
    class Record extends Callback {
      override onEpochEnd(): void {
        weightsAt.push(Float32Array.from(m.engine.view(m.params)));
      }
    }
    const h = await m.fit(x, y, {
      epochs: values.length,
      batchSize: 16,
      callbacks: [new Record(), new Script('s', values), es],
    });
    return { h, weightsAt, now: Float32Array.from(m.engine.view(m.params)) };
  };
  // never below the baseline 0.5: stops after 3 epochs that miss it, with the weights of the best of them (epoch 2),
  // where the baseline stood in for the best (no epoch was, the last weights were kept, 'best 0.5 at epoch 0')
  const es = new EarlyStopping({ monitor: 's', patience: 3, baseline: 0.5, restoreBestWeights: true });
  const a = await run(es, [3, 2, 2.5, 2.6, 1.9]);
  assert.equal(a.h.epochs, 3);
  assert.equal(es.bestEpoch, 1);
  assert.deepEqual(a.now, a.weightsAt[1]);
  assert.match(a.h.stopReason!, /s did not beat the baseline 0.5 in 3 epochs \(best 2.0000 at epoch 2\); restored/);
  // an epoch that improves on the best is not where Keras stops, baseline missed or not: this one trains all 5
  const b = await run(new EarlyStopping({ monitor: 's', patience: 2, baseline: 0.5 }), [3, 2, 1.5, 1.2, 1]);
  assert.equal(b.h.epochs, 5);
  // beaten once, the baseline is behind the best and patience counts from the best as without one
  const c = await run(new EarlyStopping({ monitor: 's', patience: 2, baseline: 2.5 }), [3, 2, 2.2, 2.1, 1]);
  assert.equal(c.h.epochs, 4);
  assert.match(c.h.stopReason!, /s did not improve for 2 epochs/);
});

test('EarlyStopping where every value is NaN (or the worst infinity) says so, and names no best epoch', async () => {
  // it said 'did not improve for 2 epochs (best Infinity at epoch 0)'
  const { x, y } = data(16);
  const run = async (es: EarlyStopping, values: number[]) => {
    const m = small();
    m.compile({ optimizer: sgd({ learningRate: 0.01 }) });
    return m.fit(x, y, { epochs: values.length, batchSize: 16, callbacks: [new Script('s', values), es] });
  };
  const a = new EarlyStopping({ monitor: 's', patience: 2, restoreBestWeights: true });
  const h = await run(a, [Number.NaN, Number.NaN, Number.NaN, Number.NaN]);
  assert.equal(h.epochs, 2);
  assert.equal(a.bestEpoch, -1);
  assert.equal(h.stopReason, 'early stopping: s was NaN or Infinity in all 2 epochs it watched (no best epoch)');
  const b = await run(new EarlyStopping({ monitor: 's', mode: 'max', patience: 1, baseline: 0 }), [
    -Infinity,
    Number.NaN,
    1,
  ]);
  assert.equal(b.stopReason, 'early stopping: s was NaN or -Infinity in all 2 epochs it watched (no best epoch)');
  // a finite value once is a best epoch, named as before
  const c = await run(new EarlyStopping({ monitor: 's', patience: 1 }), [Number.NaN, 2, Number.NaN, Number.NaN]);
  assert.match(c.stopReason!, /s did not improve for 1 epochs \(best 2\.0000 at epoch 2\)/);
});

test('ReduceLROnPlateau multiplies the rate after patience epochs without improvement; LearningRateScheduler sets it from (epoch, lr)', async () => {
  const { x, y } = data(16);
  const m = small();
  m.compile({ optimizer: adam({ learningRate: 0.1 }) });
  const h = await m.fit(x, y, {
    epochs: 6,
    batchSize: 16,
    callbacks: [new Script('s', [1, 1, 1, 1, 1, 1]), new ReduceLROnPlateau({ monitor: 's', patience: 2, factor: 0.5 })],
  });
  assert.deepEqual(
    h.history.lr!.map((v) => +v.toFixed(6)),
    [0.1, 0.1, 0.1, 0.05, 0.05, 0.025],
  );
  // under a schedule the reduction scales the scheduled rate once (as chained PyTorch schedulers), not compounded
  // with the decay up to the plateau: exponential 0.5 gives 0.1, 0.05, 0.025, reduced to 0.0125, then x 0.5 an epoch
  const m3 = small();
  m3.compile({ optimizer: adam({ learningRate: 0.1 }) });
  const h3 = await m3.fit(x, y, {
    epochs: 5,
    batchSize: 16,
    schedule: { exponential: { rate: 0.5 } },
    callbacks: [new Script('s', [1, 1, 1, 1, 1]), new ReduceLROnPlateau({ monitor: 's', patience: 2, factor: 0.5 })],
  });
  assert.deepEqual(
    h3.history.lr!.map((v) => +v.toPrecision(6)),
    [0.1, 0.05, 0.025, 0.00625, 0.003125],
  );
  const m2 = small();
  m2.compile({ optimizer: adam({ learningRate: 0.1 }) });
  const h2 = await m2.fit(x, y, {
    epochs: 3,
    batchSize: 16,
    callbacks: [new LearningRateScheduler((e, lr) => (e === 0 ? lr : lr / 10))],
  });
  assert.deepEqual(
    h2.history.lr!.map((v) => +v.toPrecision(6)),
    [0.1, 0.01, 0.001],
  );
});

test('ReduceLROnPlateau under a schedule: min_lr floors its reductions, and a cosine with eta_min stays reduced', async () => {
  const { x, y } = data(16);
  const lrs = async (schedule: ScheduleLike, plateau: ReduceLROnPlateau, epochs: number) => {
    const m = small();
    m.compile({ optimizer: adam({ learningRate: 0.1 }) });
    const h = await m.fit(x, y, {
      epochs,
      batchSize: 16,
      schedule,
      callbacks: [new Script('s', new Array(epochs).fill(1)), plateau],
    });
    return h.history.lr!.map((v) => +v.toPrecision(6));
  };
  // step halves every 2 epochs; the reduction after epoch 1 stops at min_lr 0.04, and the step's halving of the
  // reduced rate went to 0.02, below min_lr, while the schedule alone (0.05) was above it; the schedule alone may go
  // below it (0.025 at epoch 4)
  assert.deepEqual(
    await lrs(
      { step: { factor: 0.5, every: 2 } },
      new ReduceLROnPlateau({ monitor: 's', patience: 1, minLr: 0.04 }),
      5,
    ),
    [0.1, 0.1, 0.04, 0.04, 0.025],
  );
  // cosine from 0.1 to eta_min 0.05 over 4 epochs, reduced x 0.1 after epochs 1 and 2: the scheduled rate (0.075,
  // 0.0573) times 0.1 and 0.01; it climbed back toward eta_min (0.03, then 0.0428)
  assert.deepEqual(
    await lrs({ cosine: { t_max: 4, eta_min: 0.05 } }, new ReduceLROnPlateau({ monitor: 's', patience: 1 }), 4),
    [0.1, 0.0926777, 0.0075, 0.000573223],
  );
});

test('TerminateOnNaN ends a diverging run, marks it diverged and keeps the last finite weights', async () => {
  const { x, y } = data(64);
  const big = tensor(
    y.data.map((v) => v * 1e30),
    y.shape,
  );
  const m = sequential([lstm({ units: 8, inputShape: [8, 1] }), dense({ units: 1 })], { seed: 2 });
  m.compile({ optimizer: sgd({ learningRate: 10 }) });
  const h = await m.fit(x, big, { epochs: 20, batchSize: 8, callbacks: [new TerminateOnNaN()] });
  assert.equal(h.diverged, true);
  assert.ok(h.epochs < 20);
  assert.match(h.stopReason!, /terminated on NaN/);
  assert.ok(m.engine.view(m.params).every(Number.isFinite));
  assert.ok(m.predict(x).data.every(Number.isFinite));
});

test('ModelCheckpoint saves the best model only; the saved model predicts like the best epoch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-ckpt-'));
  try {
    const { x, y } = data(32);
    const m = small();
    m.compile({ optimizer: adam({ learningRate: 0.01 }) });
    let bestPred: Float32Array | undefined;
    class Keep extends Callback {
      override onEpochEnd(e: number): void {
        if (e === 1) bestPred = m.predict(x).data;
      }
    }
    const ck = new ModelCheckpoint(dir, { monitor: 's' });
    await m.fit(x, y, { epochs: 4, batchSize: 8, callbacks: [new Script('s', [3, 1, 2, 4]), new Keep(), ck] });
    assert.equal(ck.bestEpoch, 1);
    const loaded = await loadModel(dir);
    assert.deepEqual(loaded.predict(x).data, bestPred);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('callbacks may be async and fit awaits them in order', async () => {
  const { x, y } = data(16);
  const events: string[] = [];
  class Slow extends Callback {
    override async onTrainBegin(): Promise<void> {
      await new Promise((r) => setTimeout(r, 5));
      events.push('begin');
    }
    override async onEpochEnd(e: number): Promise<void> {
      await new Promise((r) => setTimeout(r, 2));
      events.push(`epoch${e}`);
    }
    override onBatchEnd(b: number): void {
      events.push(`b${b}`);
    }
    override onTrainEnd(): void {
      events.push('end');
    }
  }
  const m = small();
  m.compile();
  await m.fit(x, y, { epochs: 2, batchSize: 8, callbacks: [new Slow()] });
  assert.deepEqual(events, ['begin', 'b0', 'b1', 'epoch0', 'b0', 'b1', 'epoch1', 'end']);
});

test('verbose 1 prints one line per epoch when not on a terminal', async () => {
  const { x, y } = data(16);
  const m = small();
  m.compile({ metrics: ['mae'] });
  const lines: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  (process.stderr as unknown as { write: (s: string) => boolean }).write = (s: string) => {
    lines.push(s);
    return true;
  };
  const warnings: string[] = [];
  try {
    await m.fit(x, y, {
      epochs: 3,
      batchSize: 8,
      verbose: 1,
      validationSplit: 0.25,
      onWarning: (w) => warnings.push(w),
    });
  } finally {
    (process.stderr as unknown as { write: typeof orig }).write = orig;
  }
  assert.equal(lines.length, 3);
  assert.match(warnings[0]!, /169 weights for 12 training targets/);
  assert.match(
    lines[2]!,
    /^epoch 3\/3 - [\d.]+s - loss [\d.e+-]+ - mae [\d.e+-]+ - val_loss [\d.e+-]+ - val_mae [\d.e+-]+ - lr 0\.001000\n$/,
  );
});
