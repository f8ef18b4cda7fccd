// The lr-find acceptance check: the suggested learning rate should train to a lower validation loss
// in a fixed number of epochs than rates 10x above and 10x below it.
// Usage: node --import tsx scripts/lr-find-check.ts CONFIG [EPOCHS]   (or "demo" for the built-in series)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lrFind } from '../src/check/index.js';
import {
  buildLayers,
  compileOptions,
  dataSpec,
  type LoadedConfig,
  loadConfig,
  parseConfig,
  resolveConfig,
} from '../src/config/index.js';
import { prepareData, syntheticCsv } from '../src/data/index.js';
import { DEMO_CONFIG, splitTensors } from '../src/run/index.js';
import { sequential } from '../src/train/index.js';

const [arg, epochsArg] = process.argv.slice(2);
let loaded: LoadedConfig;
if (arg === 'demo') {
  const dir = mkdtempSync(join(tmpdir(), 'lrcheck-'));
  writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 2400, seed: 7 }));
  loaded = { raw: parseConfig(DEMO_CONFIG, join(dir, 'demo.yaml')), file: join(dir, 'demo.yaml'), dir, name: 'demo' };
} else loaded = await loadConfig(arg!);
const epochs = Number(epochsArg ?? 10);
const cfg = resolveConfig(loaded.raw, loaded.name);
cfg.train!.callbacks = [];
const { spec, csvPath } = dataSpec(cfg, loaded.dir);
const d = await prepareData(spec, csvPath);
const make = () => {
  const m = sequential(buildLayers(loaded.file, cfg, [spec.lookback, d.features.length]), { seed: cfg.seed });
  m.compile(compileOptions(cfg));
  return m;
};
const probe = make();
const train = splitTensors(d, 'train', probe),
  val = splitTensors(d, 'val', probe);
const lf = await lrFind(make, train[0], train[1], {
  batchSize: cfg.train?.batch_size,
  optimizer: compileOptions(cfg).optimizer,
});
console.log(
  `${loaded.name}: lr-find suggests ${lf.suggested.best} (range ${lf.suggested.min} - ${lf.suggested.max}); ` +
    `${epochs} epochs each`,
);
const rows: [string, number, number[]][] = [];
for (const [label, lr] of [
  ['suggested / 10', lf.suggested.best / 10],
  ['suggested', lf.suggested.best],
  ['suggested x 10', lf.suggested.best * 10],
] as const) {
  const m = make();
  m.optimizer!.learningRate = lr;
  m.baseLearningRate = lr;
  const h = await m.fit(train[0], train[1], {
    epochs,
    batchSize: cfg.train?.batch_size,
    shuffle: cfg.train?.shuffle,
    validationData: val,
    onWarning: () => {},
  });
  const valLoss = h.history.val_loss!;
  rows.push([label, lr, valLoss]);
  console.log(
    `${label.padEnd(15)} lr ${lr.toPrecision(2).padEnd(8)} final val_loss ${valLoss.at(-1)!.toPrecision(4)}   ` +
      `curve ${valLoss.map((v) => v.toPrecision(3)).join(' ')}`,
  );
}
const best = rows.reduce((a, r) => (r[2].at(-1)! < a[2].at(-1)! ? r : a));
console.log(`lowest validation loss after ${epochs} epochs: ${best[0]}`);
