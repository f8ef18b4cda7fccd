// Makes the labelled loss-curve set the diagnosis is tested on (test/fixtures/curves/labelled.json):
// real curves from seqtune training runs arranged to produce each pattern (an oversized model on
// little data, a tiny learning rate, a learning rate of 10, a growing learning rate, ...) plus
// synthetic shapes with noise at scales from 1e-4 to 1e3. Run: node --import tsx scripts/make-curves.ts
import { writeFileSync } from 'node:fs';
import { makeWindows, syntheticSeries } from '../src/data/index.js';
import { dense, dropout, gru, type Layer, lstm, Rng, simpleRNN, tensor } from '../src/nn/index.js';
import { adam, type Optimizer, rmsprop, sgd } from '../src/optim/index.js';
import { Callback, LearningRateScheduler, sequential } from '../src/train/index.js';
import { type Curve, syntheticCurves } from '../test/helpers/curve-shapes.js';

const curves: Curve[] = [];
const clean = (v: number[]) => v.map((x) => (Number.isFinite(x) ? x : null));

// ---- real runs -------------------------------------------------------------------------------
function data(n: number, seed: number, noise: number, from = 0) {
  const y = syntheticSeries({ length: from + n + 30, seed, noise });
  const m = y.reduce((a, b) => a + b, 0) / y.length,
    s = Math.sqrt(y.reduce((a, b) => a + (b - m) ** 2, 0) / y.length);
  const z = Float64Array.from(y, (v) => (v - m) / s);
  const starts = Array.from({ length: n }, (_, i) => from + 24 + i);
  const w = makeWindows(starts, 24, 1, [z], [z]);
  return { x: tensor(w.x, [n, 24, 1]), y: tensor(w.y, [n, 1]) };
}

async function run(
  id: string,
  label: string,
  how: string,
  layers: () => Layer[],
  opt: () => Optimizer,
  o: {
    nTrain: number;
    nVal?: number;
    epochs: number;
    batch?: number;
    noise?: number;
    seed?: number;
    callbacks?: Callback[];
    shuffleTargets?: boolean;
    clipnorm?: number;
    valTarget?: 'noise' | 'signal-free';
    pretrain?: number;
  },
) {
  const seed = o.seed ?? 1;
  const tr = data(o.nTrain, seed, o.noise ?? 0.3);
  const va = data(o.nVal ?? 300, seed, o.noise ?? 0.3, o.nTrain + 50);
  if (o.shuffleTargets) {
    const r = new Rng(seed);
    const p = r.permutation(tr.y.data.length);
    tr.y.data.set(Float32Array.from(p, (i) => tr.y.data[i]!));
  }
  const m = sequential(layers(), { seed, inputShape: [24, 1] });
  if (o.valTarget === 'signal-free') {
    const r = new Rng(seed + 77);
    va.x.data.fill(0);
    va.y.data.forEach((_, i) => {
      va.y.data[i] = r.normal();
    });
  }
  if (o.valTarget === 'noise') {
    const r = new Rng(seed + 99);
    va.x.data.forEach((_, i) => {
      va.x.data[i] = r.normal();
    });
    va.y.data.forEach((_, i) => {
      va.y.data[i] = r.normal();
    });
  }
  if (o.pretrain) {
    m.compile({ optimizer: adam({ learningRate: 3e-3 }), loss: 'mse' });
    await m.fit(tr.x, tr.y, { epochs: o.pretrain, batchSize: 32, onWarning: () => {} });
  }
  m.compile({ optimizer: opt(), loss: 'mse', clipnorm: o.clipnorm });
  const h = await m.fit(tr.x, tr.y, {
    epochs: o.epochs,
    batchSize: o.batch ?? 32,
    validationData: [va.x, va.y],
    callbacks: o.callbacks,
    onWarning: () => {},
  });
  curves.push({
    id,
    label,
    source: 'run',
    how,
    history: { loss: clean(h.history.loss!), val_loss: clean(h.history.val_loss!) },
  });
  process.stderr.write(`${id}: ${label}\n`);
}

const grow = (f: number) => new LearningRateScheduler((e, lr) => (e === 0 ? lr : lr * f));
for (let s = 1; s <= 5; s++) {
  await run(
    `run-learning-${s}`,
    'learning',
    'GRU(16), Adam 3e-4, stopped after 15 epochs while both losses still fall',
    () => [gru({ units: 16 }), dense({ units: 1 })],
    () => adam({ learningRate: 3e-4 }),
    { nTrain: 800, epochs: 15, seed: s },
  );
  await run(
    `run-overfitting-${s}`,
    'overfitting',
    'two LSTM(64) layers on 48 noisy training windows, 80 epochs',
    () => [lstm({ units: 64, returnSequences: true }), lstm({ units: 64 }), dense({ units: 1 })],
    () => adam({ learningRate: 3e-3 }),
    { nTrain: 48, epochs: 80, batch: 16, noise: 1.0, seed: s },
  );
  await run(
    `run-plateau-${s}`,
    'plateau',
    'Adam with a learning rate of 1e-7: nothing moves',
    () => [gru({ units: 16 }), dense({ units: 1 })],
    () => adam({ learningRate: 1e-7 }),
    { nTrain: 400, epochs: 20, seed: s },
  );
}
for (let s = 1; s <= 4; s++) {
  await run(
    `run-diverged-${s}`,
    'diverged',
    'SGD with a learning rate of 10',
    () => [lstm({ units: 16 }), dense({ units: 1 })],
    () => sgd({ learningRate: 10 }),
    { nTrain: 400, epochs: 15, seed: s },
  );
  await run(
    `run-unstable-${s}`,
    'unstable',
    'RMSprop with a learning rate of 0.05 on SimpleRNN: large swings',
    () => [simpleRNN({ units: 32 }), dense({ units: 1 })],
    () => rmsprop({ learningRate: 0.05 }),
    { nTrain: 400, epochs: 30, seed: s },
  );
  await run(
    `run-architecture-${s}`,
    'architecture',
    'after 8 epochs of normal training (not recorded), SGD whose learning rate grows 1.25x per epoch from 0.05, ' +
      'clipped to norm 1: both losses climb',
    () => [gru({ units: 16 }), dense({ units: 1 })],
    () => sgd({ learningRate: 0.05 }),
    { nTrain: 400, epochs: 15, seed: s, callbacks: [grow(1.25)], clipnorm: 1, pretrain: 8 },
  );
  // Meant to produce underfitting (falling / flat); the curves show overfitting instead (training loss falls 20x,
  // validation on white noise rises 50%), so they are labelled by what they show. Underfitting is covered by the
  // synthetic shapes.
  await run(
    `run-overfitting-noiseval-${s}`,
    'overfitting',
    'GRU(16) learning the synthetic series, validated on white noise: ' +
      'training loss falls, validation rises as the model fits',
    () => [gru({ units: 16 }), dense({ units: 1 })],
    () => adam({ learningRate: 1e-3 }),
    { nTrain: 400, epochs: 25, seed: s, valTarget: 'noise' },
  );
}

// Underfitting: the validation windows carry no signal (zero inputs, noise targets), so whatever the model learns
// on the training series, validation cannot improve: training loss falls, validation stays flat.
for (let s = 1; s <= 4; s++) {
  await run(
    `run-underfitting-${s}`,
    'underfitting',
    'GRU(16) learning the synthetic series; validation windows without signal (zero inputs, noise targets): ' +
      'train falls, validation flat',
    () => [gru({ units: 16 }), dense({ units: 1 })],
    () => adam({ learningRate: 1e-3 }),
    { nTrain: 400, epochs: 25, seed: s, valTarget: 'signal-free' },
  );
}
// Data-set problem: training made harder every epoch (dropout rising from 0 to 0.75 on the inputs of the head) while
// validation (no dropout) keeps improving: training loss rises, validation loss falls.
class DropoutRamp extends Callback {
  constructor(
    readonly layer: { rate: number },
    readonly top: number,
    readonly epochs: number,
  ) {
    super();
  }
  override onEpochBegin(epoch: number): void {
    (this.layer as { rate: number }).rate = (this.top * epoch) / (this.epochs - 1);
  }
}
for (let s = 1; s <= 4; s++) {
  const dl = dropout({ rate: 0 });
  await run(
    `run-data-${s}`,
    'data',
    'GRU(32) with a dropout before the head ramped from 0 to 0.75 over training: ' +
      'training loss (with dropout) rises while validation (without) falls',
    () => [gru({ units: 32 }), dl, dense({ units: 1 })],
    () => adam({ learningRate: 2e-4 }),
    { nTrain: 600, epochs: 20, seed: s, callbacks: [new DropoutRamp(dl as unknown as { rate: number }, 0.9, 20)] },
  );
}

// ---- synthetic shapes ------------------------------------------------------------------------
curves.push(...syntheticCurves(2026, 5));

writeFileSync(
  new URL('../test/fixtures/curves/labelled.json', import.meta.url),
  `${JSON.stringify(
    { about: 'Labelled loss curves for the diagnosis test; made by scripts/make-curves.ts', curves },
    null,
    1,
  )}\n`,
);
process.stderr.write(`wrote ${curves.length} curves\n`);
