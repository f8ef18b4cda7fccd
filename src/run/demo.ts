// `seqtune demo`: the main job on a built-in synthetic series (two seasons, trend, noise), so a new
// user sees a whole run (training, baselines, pictures) without any data of their own.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/index.js';
import { syntheticCsv } from '../data/index.js';
import { defaultRunDir, trackUnfinished } from './folder.js';
import { type RunResult, type TrainRunOptions, trainRun } from './train.js';

export const DEMO_CONFIG = `# seqtune demo: one GRU forecasting the next hour of a synthetic series
name: demo
seed: 42
data:
  csv: series.csv
  time: time
  target: value
  lookback: 48
  horizon: 1
  split: {train: 0.7, val: 0.15, test: 0.15}
  scale: standard
model:
  layers:
    - gru: {units: 32}
    - dense: {units: 1}
train:
  loss: mse
  optimizer: {adam: {learning_rate: 0.003}}
  epochs: 40
  batch_size: 32
  shuffle: true
  metrics: [mae]
  callbacks:
    - early_stopping: {monitor: val_loss, patience: 6, restore_best_weights: true}
evaluate:
  baselines: [persistence, {seasonal_naive: {season: 24}}, mean, linear]
`;

export async function demoRun(o: TrainRunOptions = {}): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'seqtune-demo-'));
  const release = trackUnfinished(dir); // removed on Ctrl-C too, whose handler exits before this finally runs
  try {
    await writeFile(join(dir, 'series.csv'), syntheticCsv({ length: 2400, seed: 7 }));
    const file = join(dir, 'demo.yaml');
    await writeFile(file, DEMO_CONFIG);
    return await trainRun(
      { raw: parseConfig(DEMO_CONFIG, file), file, dir, name: 'demo' },
      { ...o, out: o.out ?? defaultRunDir('demo'), keepData: true },
    );
  } finally {
    release();
    await rm(dir, { recursive: true, force: true });
  }
}
