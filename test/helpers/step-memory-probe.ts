// A thread with an engine of its own (each thread's is made on first use): builds one of the models below, trains
// it (validation after each epoch), and posts what fit was told its steps need (Model.stepBytes) beside what the
// engine's memory grew by (its high-water mark, Engine.bytesReserved, before and after) and what fit asked the engine
// for (Engine.assertFits), for step-memory.test.ts.
import { parentPort, workerData } from 'node:worker_threads';
import {
  batchNormalization,
  bidirectional,
  conv1d,
  dense,
  dropout,
  flatten,
  gru,
  type Layer,
  linearSkip,
  lstm,
  maxPooling1d,
  Rng,
  repeatVector,
  selectTimestep,
  simpleRNN,
  tensor,
  timeDistributed,
} from '../../src/nn/index.js';
import { adagrad, adam, type Optimizer, rmsprop, sgd } from '../../src/optim/index.js';
import { type Callback, EarlyStopping, sequential, TerminateOnNaN } from '../../src/train/index.js';
import { randArray } from './random.js';

export interface Probe {
  model: keyof typeof MODELS;
  optimizer?: keyof typeof OPTIMIZERS;
  T: number;
  batch: number;
  samples: number;
  validation: number;
  threads: number;
  horizon?: number;
  epochs?: number;
  /** Callbacks of the fit (those that keep a copy of the weights in engine memory). */
  callbacks?: (keyof typeof CALLBACKS)[];
  /** Measure a second fit of the model (one thread, no callbacks). */
  refit?: boolean;
}

const F = 2;
const MODELS = {
  gru: () => [gru({ units: 16 }), dense({ units: 1 })],
  // weights that outweigh its workspaces at a short lookback: what a copy of them takes shows
  wide_gru: () => [gru({ units: 128 }), dense({ units: 1 })],
  lstm: () => [lstm({ units: 16 }), dense({ units: 1 })],
  simple_rnn: () => [simpleRNN({ units: 16 }), dense({ units: 1 })],
  conv_pool: () => [
    conv1d({ filters: 16, kernelSize: 3, padding: 'causal', activation: 'relu' }),
    maxPooling1d({ poolSize: 2 }),
    gru({ units: 16 }),
    dense({ units: 1 }),
  ],
  conv_batch_norm: () => [
    conv1d({ filters: 32, kernelSize: 3, padding: 'causal' }),
    batchNormalization(),
    gru({ units: 16 }),
    dense({ units: 1 }),
  ],
  dropout_stack: () => [
    lstm({ units: 16, returnSequences: true }),
    dropout({ rate: 0.2 }),
    gru({ units: 16, dropout: 0.1, recurrentDropout: 0.1 }),
    dense({ units: 1 }),
  ],
  dense_stack: () => [
    gru({ units: 16 }),
    dense({ units: 64, activation: 'relu' }),
    dense({ units: 32, activation: 'relu' }),
    dense({ units: 1 }),
  ],
  flatten_dense: () => [flatten(), dense({ units: 64, activation: 'relu' }), dense({ units: 1 })],
  bidirectional: () => [
    bidirectional(gru({ units: 16, returnSequences: true })),
    selectTimestep(-1),
    dense({ units: 1 }),
  ],
  encoder_decoder: (h: number) => [
    gru({ units: 16 }),
    repeatVector(h),
    gru({ units: 16, returnSequences: true }),
    timeDistributed(dense({ units: 1 })),
  ],
  direct_horizon: (h: number) => [gru({ units: 16 }), dense({ units: h })],
  linear_skip: () => [linearSkip([gru({ units: 16 }), dense({ units: 1 })])],
} satisfies Record<string, (horizon: number) => Layer[]>;

const OPTIMIZERS = {
  adam: () => adam(),
  rmsprop: () => rmsprop({ momentum: 0.9, centered: true }),
  sgd: () => sgd({ momentum: 0.9 }),
  adagrad: () => adagrad(),
} satisfies Record<string, () => Optimizer>;

const CALLBACKS = {
  early_stopping: () => new EarlyStopping({ patience: 10, restoreBestWeights: true }),
  terminate_on_nan: () => new TerminateOnNaN(),
} satisfies Record<string, () => Callback>;

const p = workerData as Probe;
const h = p.horizon ?? 1,
  sequenceOut = p.model === 'encoder_decoder';
const m = sequential(MODELS[p.model](h), { seed: 1, inputShape: [p.T, F] });
m.compile({ optimizer: OPTIMIZERS[p.optimizer ?? 'adam'](), loss: 'mse' });
const samples = (n: number, seed: number) => {
  const yShape = sequenceOut ? [n, h, 1] : [n, h];
  const rng = new Rng(seed);
  return [tensor(randArray(rng, n * p.T * F), [n, p.T, F]), tensor(randArray(rng, n * h), yShape)] as const;
};
const [x, y] = samples(p.samples, 1),
  validation = samples(p.validation, 3);
const threads = m.threadsFor(p.threads, p.batch, p.samples);
const callbacks = (p.callbacks ?? []).map((c) => CALLBACKS[c]());
const fit = () =>
  m.fit(x, y, {
    epochs: p.epochs ?? 2,
    batchSize: p.batch,
    threads: p.threads,
    validationData: [validation[0], validation[1]],
    callbacks,
    onWarning: () => {},
  });
// A second fit finds the first's buffers but its workspaces, which it gives back before its estimate: what it takes
// is what the memory in use grows by (on one thread without callbacks, what a fit makes stays to its end)
if (p.refit) {
  await fit();
  for (const l of m.layers) l.releaseWorkspaces();
}
const used = () => (p.refit ? m.engine.bytesInUse : m.engine.bytesReserved);
const estimate = m.stepBytes(p.batch, p.samples, threads, p.validation, callbacks);
// what fit asks the engine for before its first step: the same estimate
let asked = 0;
const assertFits = m.engine.assertFits.bind(m.engine);
m.engine.assertFits = (bytes, what) => {
  asked = bytes;
  assertFits(bytes, what);
};
const before = used();
await fit();
parentPort!.postMessage({ estimate, asked, grown: used() - before, threads });
