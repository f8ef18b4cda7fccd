// The config-level entry points of `seqtune lr-find` and `seqtune range`.

import {
  ConfigError,
  compiledModel,
  compileOptions,
  dataSpec,
  fitThreads,
  type LoadedConfig,
  resolveConfig,
  threadsOfFit,
} from '../config/index.js';
import { prepareData } from '../data/index.js';
import { renderSvg, svgToPng } from '../plot/index.js';
import { checkOutputWidth, RunFolder, splitTensors } from '../run/index.js';
import type { Model } from '../train/index.js';
import { type BatchRangeResult, batchSizeRange, LR_FIND_STEPS, type LrFindResult, lrFind } from './ranges.js';

async function setup(loaded: LoadedConfig) {
  const cfg = resolveConfig(loaded.raw, loaded.name);
  const { spec, csvPath } = dataSpec(cfg, loaded.dir);
  const d = await prepareData(spec, csvPath);
  const make = (): Model => compiledModel(loaded.file, cfg, d);
  const probe = make();
  checkOutputWidth(loaded.file, cfg, probe, d);
  const train = splitTensors(d, 'train', probe);
  const batchSize = Math.min(cfg.train?.batch_size ?? 32, train[0].shape[0]!);
  // the threads a fit of `steps` batches of the config's size gains from (all that are free with train.threads set)
  const threads = (steps: number) =>
    threadsOfFit(cfg, fitThreads(cfg), probe, { batchSize, samples: batchSize, epochs: steps });
  return { cfg, d, make, train, val: splitTensors(d, 'val', probe), batchSize, threads };
}

/** lr-find on a config; writes lr-find.svg/png (log-x) into `out` when given. */
export async function lrFindRun(
  loaded: LoadedConfig,
  o: { out?: string; steps?: number } = {},
): Promise<LrFindResult & { dir?: string }> {
  const { cfg, make, train, threads } = await setup(loaded);
  const optimizer = compileOptions(cfg).optimizer;
  const res = await lrFind(make, train[0], train[1], {
    batchSize: cfg.train?.batch_size,
    optimizer,
    steps: o.steps,
    threads: threads(o.steps ?? LR_FIND_STEPS),
  });
  if (!o.out) return res;
  const folder = await RunFolder.create(o.out);
  try {
    const svg = renderSvg({
      title:
        `${loaded.name}: learning-rate range test ` +
        `(${res.suggested.flat ? 'flat curve, no guide; ' : ''}` +
        `suggested ${res.suggested.best}, range ${res.suggested.min} - ${res.suggested.max})`,
      xLabel: 'log10(learning rate)',
      yLabel: 'smoothed training loss',
      series: [
        { name: 'smoothed loss', values: res.points.map((p) => p[1]), x: res.points.map((p) => Math.log10(p[0])) },
      ],
      marks: [{ x: Math.log10(res.suggested.best), label: `best ${res.suggested.best}` }],
      bands: [{ from: Math.log10(res.suggested.min), to: Math.log10(res.suggested.max), label: 'suggested range' }],
    });
    await folder.write('lr-find.svg', svg);
    await folder.write('lr-find.png', svgToPng(svg));
    await folder.json('lr-find.json', { suggested: res.suggested, points: res.points });
    return { ...res, dir: await folder.commit() };
  } catch (e) {
    await folder.abort();
    throw e;
  }
}

export async function rangeRun(loaded: LoadedConfig, param: string): Promise<BatchRangeResult> {
  if (param !== 'train.batch_size')
    throw new ConfigError(
      `--param: expected train.batch_size (the learning rate has seqtune lr-find), received "${param}"`,
    );
  const { cfg, make, train, val, batchSize, threads } = await setup(loaded);
  // on the threads the training will use: its batches over its epochs
  const batches = Math.ceil(train[0].shape[0]! / batchSize);
  return batchSizeRange(make, train, val, { threads: threads(batches * (cfg.train?.epochs ?? 1)) });
}
