// A thread with an engine of its own (each thread's is made on first use): builds one of the models of
// probe-models.ts, as a loaded run's is (no fit has run on it), and predicts or evaluates its samples without a batch
// size, twice (as seqtune evaluate predicts its test and validation windows), for inference-memory.test.ts. It posts
// what predict and evaluate are told their batches need (Model.inferenceBytes, for the batch they take) beside what
// the engine's memory grew by (its high-water mark, Engine.bytesReserved); with `leave`, the outputs with that many
// MiB of engine memory left beside those of batches of 16.
import { parentPort, workerData } from 'node:worker_threads';
import { MEMORY_LIMIT_BYTES } from '../../src/engine/index.js';
import { sequential } from '../../src/train/index.js';
import { F, MODELS, type ModelName, probeSamples } from './probe-models.js';

export interface InferenceProbe {
  model: ModelName;
  what: 'predict' | 'evaluate';
  T: number;
  samples: number;
  horizon?: number;
  /** MiB of engine memory to leave free (the rest taken) before predicting or evaluating. */
  leave?: number;
}

const p = workerData as InferenceProbe;
const h = p.horizon ?? 1;
const m = sequential(MODELS[p.model](h), { seed: 1, inputShape: [p.T, F] });
m.compile({ loss: 'mse' });
const [x, y] = probeSamples(p.model, p.samples, p.T, h, 1);
const run = (batchSize?: number) =>
  p.what === 'predict' ? Array.from(m.predict(x, { batchSize }).data) : m.evaluate(x, y, { batchSize }).loss;
if (p.leave !== undefined) {
  const want = run(16),
    e = m.engine;
  e.alloc((MEMORY_LIMIT_BYTES - e.bytesInUse - p.leave * 2 ** 20) / 4);
  const full = m.inferenceBytes(Math.min(256, p.samples)) / 2 ** 20;
  parentPort!.postMessage({ want, got: run(), full });
} else {
  // memory to spare: a batch of up to 256 samples
  const estimate = m.inferenceBytes(Math.min(256, p.samples), p.samples);
  const before = m.engine.bytesReserved;
  run();
  run();
  parentPort!.postMessage({ estimate, grown: m.engine.bytesReserved - before });
}
