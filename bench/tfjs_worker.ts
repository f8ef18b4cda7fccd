// Times one workload with TensorFlow.js on its WebAssembly backend (one thread): the same model,
// data shapes, Adam(1e-3) and MSE; one warm-up epoch, then the mean of `epochs` timed epochs.
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { loadWorkloads, workloadData } from './workloads.js';

const [id, epochsArg] = process.argv.slice(2);
const w = loadWorkloads().find((x) => x.id === id);
if (!w) {
  console.error(`unknown workload ${id}`);
  process.exit(2);
}
const epochs = Number(epochsArg ?? 1);
setThreadsCount(1);
await tf.setBackend('wasm');
await tf.ready();
const { x, y } = workloadData(w);
const model = tf.sequential();
for (let l = 0; l < w.layers; l++) {
  const opts = { units: w.H, returnSequences: l < w.layers - 1, ...(l === 0 ? { inputShape: [w.T, w.F] } : {}) };
  model.add(w.cell === 'gru' ? tf.layers.gru(opts) : tf.layers.lstm(opts));
}
model.add(tf.layers.dense({ units: 1 }));
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
const xt = tf.tensor3d(x, [w.N, w.T, w.F]),
  yt = tf.tensor2d(y, [w.N, 1]);
await model.fit(xt, yt, { epochs: 1, batchSize: w.B, shuffle: false, verbose: 0 });
const t0 = performance.now();
const h = await model.fit(xt, yt, { epochs, batchSize: w.B, shuffle: false, verbose: 0 });
const sec = (performance.now() - t0) / 1000 / epochs;
console.log(
  JSON.stringify({
    peer: `tfjs-${tf.version.tfjs}-${tf.getBackend()}`,
    id: w.id,
    seconds_per_epoch: +sec.toFixed(4),
    final_loss: (h.history.loss as number[]).at(-1),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
