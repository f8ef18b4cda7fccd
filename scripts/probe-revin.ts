// node --import tsx scripts/probe-revin.ts CONFIG: what reversible instance normalisation (RevIN, Kim et al., ICLR
// 2022, without its learnable affine) does for a univariate config, measured before building it into seqtune
// (issue 16, item 3). Each window's inputs minus their mean, divided by their std (+1e-5 inside the root); its
// targets likewise with the input window's statistics; the forecasts denormalised. data.relative is turned off
// (RevIN replaces it); model, optimiser, callbacks, schedule and seed are the config's. The loss is on the
// normalised scale. Prints one JSON line: epochs, and validation and test MSE/MAE on the config's scaled values.
// On ETTh1 h24 (seeds 1-3) it was better on validation than the relative GRU and worse on test: not built in.
import { callbacksOf, compiledModel, dataSpec, loadConfig, resolveConfig, scheduleOf } from '../src/config/index.js';
import { prepareData, type Windows } from '../src/data/index.js';

const file = process.argv[2];
if (!file) throw new Error('usage: node --import tsx scripts/probe-revin.ts CONFIG');
const loaded = await loadConfig(file);
const cfg = resolveConfig(loaded.raw, loaded.name);
cfg.data.relative = false;
const { spec, csvPath } = dataSpec(cfg, loaded.dir);
const d = await prepareData(spec, csvPath);
if (d.features.length !== 1) throw new Error(`${file}: the probe takes one feature, found ${d.features.length}`);
const model = compiledModel(loaded.file, cfg, 1, cfg.seed);

/** Each window's input mean and std. */
function stats(w: Windows) {
  const col = w.series.features[0]!,
    L = w.lookback;
  const mu = new Float64Array(w.count),
    sd = new Float64Array(w.count);
  for (let n = 0; n < w.count; n++) {
    const s = w.starts[n]!;
    let a = 0,
      v = 0;
    for (let t = s - L; t < s; t++) a += col[t]!;
    a /= L;
    for (let t = s - L; t < s; t++) v += (col[t]! - a) ** 2;
    mu[n] = a;
    sd[n] = Math.sqrt(v / L + 1e-5);
  }
  return { mu, sd };
}

/** The window's samples, normalised by its own statistics as they are gathered. */
function normalised(w: Windows) {
  const { mu, sd } = stats(w);
  const of = (inner: ReturnType<Windows['inputs']>) => ({
    shape: inner.shape,
    gather(idx: ArrayLike<number>, start: number, B: number, steps: number, F: number, dst: Float32Array) {
      inner.gather(idx, start, B, steps, F, dst);
      const per = dst.length / B / F;
      for (let b = 0; b < B; b++) {
        const k = idx[start + b]!;
        for (let t = 0; t < per; t++)
          for (let f = 0; f < F; f++) {
            const i = (t * B + b) * F + f;
            dst[i] = (dst[i]! - mu[k]!) / sd[k]!;
          }
      }
    },
  });
  return { x: of(w.inputs()), y: of(w.targets(false)), mu, sd };
}

const [tr, va, te] = (['train', 'val', 'test'] as const).map((s) => normalised(d.windows[s]));
const t = cfg.train!;
const history = await model.fit(tr!.x, tr!.y, {
  epochs: t.epochs,
  batchSize: t.batch_size,
  shuffle: t.shuffle,
  validationData: [va!.x, va!.y],
  callbacks: callbacksOf(cfg),
  schedule: scheduleOf(cfg),
  verbose: 0,
});

/** MSE and MAE of the denormalised forecasts against the scaled targets. */
function score(w: Windows, z: ReturnType<typeof normalised>) {
  const p = model.predict(z.x).data,
    truth = w.truth(),
    H = w.horizon;
  let se = 0,
    ae = 0;
  for (let n = 0; n < w.count; n++)
    for (let j = 0; j < H; j++) {
      const e = p[n * H + j]! * z.sd[n]! + z.mu[n]! - truth[n * H + j]!;
      se += e * e;
      ae += Math.abs(e);
    }
  return { mse: se / truth.length, mae: ae / truth.length };
}

const epochs = history.history.loss?.length ?? 0;
const out = { file, epochs, val: score(d.windows.val, va!), test: score(d.windows.test, te!) };
console.log(JSON.stringify(out));
