// A training thread (started by pool.ts): an engine on the main thread's memory and a replica of the model that
// reads the main thread's weights in place. For every batch it trains its share (forward, loss, backward) into its
// own gradient buffer, which the main thread reads where it lies, and writes loss and outputs back; see layout.ts.
// Between batches it polls for up to SPIN_MS, then blocks in Atomics.wait; it reports a failure as a message.
import { parentPort, workerData } from 'node:worker_threads';
import { attachEngine } from '../../engine/index.js';
import { layerFromConfig } from '../../nn/index.js';
import { Model } from '../model.js';
import {
  CMD,
  ELEMENTWISE_STEP,
  EVAL,
  GEN,
  PENDING,
  REDUCE,
  type ReplicaData,
  readCall,
  readStepDraws,
  reduceSlice,
  SHARES,
  STOP,
  spinUntil,
  stepSlice,
} from './layout.js';

const d = workerData as ReplicaData;
const ctl = new Int32Array(d.ctl),
  losses = new Float64Array(d.losses),
  job = new Float64Array(d.job),
  x = new Float32Array(d.x),
  y = new Float32Array(d.y),
  out = new Float32Array(d.out);

function replica(): Model {
  attachEngine(d.memory, d.blocks);
  const layers = d.layers.map((l, i) => layerFromConfig(l, `training thread ${d.index}: layers[${i}]`));
  const model = new Model(layers, {
    seed: d.seed,
    inputShape: d.inputShape,
    adopt: { params: d.params, state: d.state },
  });
  model.compile({ loss: d.loss });
  model.ops.reserveScratch(model.scratchFloats);
  return model;
}

function serve(model: Model): void {
  let gen = Atomics.load(ctl, GEN);
  parentPort!.postMessage({ ready: { grads: model.grads } });
  for (;;) {
    // A wake-up is not a command: the main thread may notify late (after a pause between its bump of GEN and its
    // notify) while this thread, having seen the bump, already ran the command and waits again; running the same
    // command twice would count this thread's share twice (PENDING below zero, the main thread waiting for ever).
    while (Atomics.load(ctl, GEN) === gen) if (!spinUntil(ctl, GEN, (g) => g !== gen)) Atomics.wait(ctl, GEN, gen);
    gen = Atomics.load(ctl, GEN);
    const cmd = Atomics.load(ctl, CMD);
    if (cmd === STOP) {
      // The blocks this thread holds in the shared memory go back, for the next thread of this index (pool.ts).
      parentPort!.postMessage({ blocks: model.engine.ownedBlocks() });
      return;
    }
    if (cmd === REDUCE) reduceSlice(model.engine, job, d.threads, d.index, model.gradRanges);
    else if (cmd === ELEMENTWISE_STEP) {
      const { call, spans } = readCall(job);
      stepSlice(model.engine, call, spans ? model.gradRanges : [[0, call.n]], d.threads, d.index);
    } else {
      const b = ctl[SHARES + d.index]!;
      if (cmd !== EVAL) {
        // this share's masks and noise: what one thread training the whole batch draws for these samples
        const { seed, offset } = readStepDraws(job, ctl, d.index);
        model.draws.begin(seed, offset);
      }
      if (b > 0) losses[d.index] = model.shareStep(x, y, b, out, cmd !== EVAL);
    }
    if (Atomics.sub(ctl, PENDING, 1) === 1) Atomics.notify(ctl, PENDING);
  }
}

try {
  serve(replica());
} catch (e) {
  parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
