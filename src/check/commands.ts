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
import { type ChartInfo, renderSvg, svgToPng } from '../plot/index.js';
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
    const svg = renderSvg(lrFindChart(loaded.name, res));
    await folder.write('lr-find.svg', svg);
    await folder.write('lr-find.png', svgToPng(svg));
    await folder.json('lr-find.json', { suggested: res.suggested, points: res.points });
    return { ...res, dir: await folder.commit() };
  } catch (e) {
    await folder.abort();
    throw e;
  }
}

/**
 * lr-find's curve as plain chart data: the suggested range as a band and the suggested rate as a mark; a flat curve
 * (lrFind's flat) suggests nothing, as lr-find's text says, so it has neither, only a title that says so (the band
 * and "best 0.00044" were drawn on a curve whose text said "none is suggested").
 */
function lrFindChart(name: string, res: Pick<LrFindResult, 'suggested' | 'points'>): ChartInfo {
  const { min, max, best, flat } = res.suggested;
  const curve: ChartInfo = {
    title: `${name}: learning-rate range test (suggested ${best}, range ${min} - ${max})`,
    xLabel: 'log10(learning rate)',
    yLabel: 'smoothed training loss',
    series: [
      { name: 'smoothed loss', values: res.points.map((p) => p[1]), x: res.points.map((p) => Math.log10(p[0])) },
    ],
  };
  if (flat)
    return { ...curve, title: `${name}: learning-rate range test (flat within its noise: no rate is suggested)` };
  return {
    ...curve,
    marks: [{ x: Math.log10(best), label: `best ${best}` }],
    bands: [{ from: Math.log10(min), to: Math.log10(max), label: 'suggested range' }],
  };
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
