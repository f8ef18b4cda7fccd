// A training thread (started by pool.ts): a replica of the model in this thread's own engine. For every batch it
// copies the published weights, trains its share (forward, loss, backward) and writes gradient, loss and outputs
// back; see layout.ts. It blocks in Atomics.wait between batches, and reports a failure as a message.
import { parentPort, workerData } from 'node:worker_threads';
import { layerFromConfig } from '../../nn/index.js';
import { Model } from '../model.js';
import { CMD, EVAL, GEN, PENDING, type ReplicaData, SHARES, STOP } from './layout.js';

const d = workerData as ReplicaData;
const ctl = new Int32Array(d.ctl),
  losses = new Float64Array(d.losses),
  params = new Float32Array(d.params),
  grads = new Float32Array(d.grads),
  x = new Float32Array(d.x),
  y = new Float32Array(d.y),
  out = new Float32Array(d.out);

function replica(): Model {
  const layers = d.layers.map((l, i) => layerFromConfig(l, `training thread ${d.index}: layers[${i}]`));
  const model = new Model(layers, { seed: d.seed, inputShape: d.inputShape });
  model.compile({ loss: d.loss });
  model.engine.view(model.state).set(new Float32Array(d.state, 0, model.state.length));
  return model;
}

function serve(model: Model): void {
  let gen = Atomics.load(ctl, GEN);
  parentPort!.postMessage('ready');
  for (;;) {
    Atomics.wait(ctl, GEN, gen);
    gen = Atomics.load(ctl, GEN);
    const cmd = Atomics.load(ctl, CMD);
    if (cmd === STOP) return;
    const b = ctl[SHARES + d.index]!;
    if (b > 0) {
      model.engine.view(model.params).set(params);
      losses[d.index] = model.shareStep(x, y, b, out, cmd !== EVAL);
      if (cmd !== EVAL) grads.set(model.engine.view(model.grads));
    }
    if (Atomics.sub(ctl, PENDING, 1) === 1) Atomics.notify(ctl, PENDING);
  }
}

try {
  serve(replica());
} catch (e) {
  parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
