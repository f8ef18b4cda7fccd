// A thread with an engine of its own (each thread's is made on first use): builds one of the models below, trains
// it (validation after each epoch), and posts what fit was told its steps need (Model.stepBytes) beside what the
// engine's memory grew by (its high-water mark, Engine.bytesReserved, before and after) and what fit asked the engine
// for (Engine.assertFits), for step-memory.test.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { adagrad, adam, type Optimizer, rmsprop, sgd } from '../../src/optim/index.js';
import { type Callback, EarlyStopping, sequential, TerminateOnNaN } from '../../src/train/index.js';
import { F, MODELS, type ModelName, probeSamples } from './probe-models.js';

export interface Probe {
  model: ModelName;
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
const h = p.horizon ?? 1;
const m = sequential(MODELS[p.model](h), { seed: 1, inputShape: [p.T, F] });
m.compile({ optimizer: OPTIMIZERS[p.optimizer ?? 'adam'](), loss: 'mse' });
const [x, y] = probeSamples(p.model, p.samples, p.T, h, 1),
  validation = probeSamples(p.model, p.validation, p.T, h, 3);
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
m.engine.assertFits = (blocks, what, threads = []) => {
  asked = [...blocks, ...threads.flat()].reduce((s, b) => s + b, 0);
  assertFits(blocks, what, threads);
};
const before = used();
await fit();
parentPort!.postMessage({ estimate, asked, grown: used() - before, threads });
