// Times one workload with seqtune on `threads` threads (default 1): one warm-up epoch, then the mean of `epochs`
// timed epochs, or of as many as fill MIN_TIMED_S when fewer would (seed-gru1000's two epochs are 0.08 s, where one
// pause of the machine's other tenants moves the figure by half; timeit's autorange does the same).
// Usage: seqtune_worker.ts ID [EPOCHS] [THREADS]
import { adam, dense, gru, type Layer, lstm, sequential, tensor } from '../src/index.js';
import { loadWorkloads, workloadData } from './workloads.js';

const [id, epochsArg, threadsArg] = process.argv.slice(2);
const w = loadWorkloads().find((x) => x.id === id);
if (!w) {
  console.error(`unknown workload ${id}`);
  process.exit(2);
}
const MIN_TIMED_S = 2;
const asked = Number(epochsArg ?? 2);
const { x, y } = workloadData(w);
const make = w.cell === 'gru' ? gru : lstm;
const layers: Layer[] = [];
for (let l = 0; l < w.layers; l++)
  layers.push(
    make({
      units: w.H,
      returnSequences: l < w.layers - 1,
      ...(l === 0 ? { inputShape: [w.T, w.F] as [number, number] } : {}),
    }),
  );
layers.push(dense({ units: 1 }));
const model = sequential(layers, { seed: 0 });
model.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'mse' });
// The training threads start once, before the warm-up epoch (as PyTorch's thread pool), and serve both fits.
await model.openThreads(Number(threadsArg ?? 1), w.B);
const xt = tensor(x, [w.N, w.T, w.F]),
  yt = tensor(y, [w.N, 1]);
const w0 = performance.now();
await model.fit(xt, yt, { epochs: 1, batchSize: w.B, shuffle: false, onWarning: () => {} });
const epochs = Math.max(asked, Math.ceil((MIN_TIMED_S * 1000) / (performance.now() - w0)));
const t0 = performance.now(),
  c0 = process.cpuUsage();
const h = await model.fit(xt, yt, { epochs, batchSize: w.B, shuffle: false, onWarning: () => {} });
const sec = (performance.now() - t0) / 1000 / epochs;
const cpu = process.cpuUsage(c0); // every thread of the process: the work done, whatever the machine's load
await model.closeThreads();
console.log(
  JSON.stringify({
    peer: `seqtune-${model.engine.simd}`,
    id: w.id,
    seconds_per_epoch: +sec.toFixed(4),
    timed_epochs: epochs,
    cpu_seconds_per_epoch: +((cpu.user + cpu.system) / 1e6 / epochs).toFixed(4),
    final_loss: h.history.loss!.at(-1),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
