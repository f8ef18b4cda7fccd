// Trains one config object (snake_case, as a YAML file would hold it) through the library, as a tune trial
// does, without writing a run folder: the corpus generator and the advice evaluation share it. The data
// sets live in ../shared/datasets (not part of seqtune); prepared data is cached per data section.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  callbacksOf,
  compiledModel,
  dataSpec,
  type RawConfig,
  resolveConfig,
  scheduleOf,
} from '../../src/config/index.js';
import { type PreparedData, prepareData } from '../../src/data/index.js';
import { Rng, type Tensor } from '../../src/nn/index.js';
import { splitTensors } from '../../src/run/index.js';
import { type Callback, denseRows } from '../../src/train/index.js';

export const DATASETS = resolve(import.meta.dirname, '../../../shared/datasets');
export const haveDatasets = () => existsSync(resolve(DATASETS, 'ETTh1.csv'));

const cache = new Map<string, PreparedData>();

export interface RunExtras {
  /** Extra callbacks (a dropout ramp). */
  callbacks?: Callback[];
  /** Replace the validation windows' targets by white noise and their inputs by zeros: nothing to learn there. */
  signalFreeVal?: boolean;
}

/** Trains `raw` and returns its loss and val_loss per epoch, and the best val_loss. */
export async function trainConfig(
  raw: RawConfig,
  extras: RunExtras = {},
): Promise<{ loss: number[]; val_loss: number[]; best: number; cfg: RawConfig }> {
  const cfg = resolveConfig(raw, raw.name ?? 'corpus');
  const { spec, csvPath } = dataSpec(cfg, DATASETS);
  const key = JSON.stringify(cfg.data);
  let d = cache.get(key);
  if (!d) {
    d = await prepareData(spec, csvPath);
    cache.set(key, d);
  }
  const model = compiledModel('corpus', cfg, d);
  try {
    const [vx, vy] = splitTensors(d, 'val', model);
    const val: [Tensor, Tensor] = [denseRows(vx), denseRows(vy)];
    if (extras.signalFreeVal) {
      const r = new Rng((cfg.seed ?? 42) + 7);
      val[0].data.fill(0);
      for (let i = 0; i < val[1].data.length; i++) val[1].data[i] = r.normal();
    }
    const t = cfg.train!;
    const h = await model.fit(...splitTensors(d, 'train', model), {
      epochs: t.epochs,
      batchSize: t.batch_size,
      shuffle: t.shuffle,
      validationData: val,
      callbacks: [...callbacksOf(cfg), ...(extras.callbacks ?? [])],
      schedule: scheduleOf(cfg),
      onWarning: () => {},
    });
    const loss = h.history.loss ?? [],
      vl = h.history.val_loss ?? [];
    const best = vl.filter(Number.isFinite).reduce((a, b) => Math.min(a, b), Infinity);
    return { loss, val_loss: vl, best, cfg };
  } finally {
    model.dispose();
  }
}
