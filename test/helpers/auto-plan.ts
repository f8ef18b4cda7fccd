// What the tests of auto's plan share: a small study config with its data, the TrialEnv a plan is replayed in, and
// finished trials made by hand (numbered in order) to replay it from.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, resolveConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { type FrozenTrial, freezeTrial, MemoryStorage } from '../../src/storage/index.js';
import type { TrialEnv } from '../../src/tune/trial.js';

/** Writes series.csv and c.yaml (GRU(8), lookback 24, auto with a 10-minute budget) into dir; returns an env maker. */
export function autoTestEnv(dir: string, name: string): () => Promise<TrialEnv> {
  writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 400, seed: 3 }));
  writeFileSync(
    join(dir, 'c.yaml'),
    `name: ${name}
seed: 42
data: {csv: series.csv, target: value, lookback: 24, split: {train: 0.6, val: 0.2, test: 0.2}}
model: {layers: [{gru: {units: 8}}, {dense: {units: 1}}]}
train: {epochs: 10, batch_size: 32, optimizer: {adam: {learning_rate: 0.001}}}
tune: {strategy: auto, time_budget: 10m, storage: "memory:"}
`,
  );
  return async () => {
    const loaded = await loadConfig(join(dir, 'c.yaml'));
    const base = resolveConfig(loaded.raw, loaded.name);
    return {
      loaded,
      base,
      storage: new MemoryStorage(),
      study: name,
      repeats: 1,
      objective: 'val_loss',
      dataCache: new Map(),
    };
  };
}

/** A maker of complete trials numbered 0, 1, 2, ..., with `defaults(value)` under each trial's own attributes. */
export function trialMaker(defaults: (value: number) => Record<string, unknown> = () => ({})) {
  let n = 0;
  return (params: Record<string, unknown>, value: number, attrs: Record<string, unknown> = {}): FrozenTrial =>
    freezeTrial({
      number: n++,
      state: 'complete',
      params,
      value,
      intermediate: [value],
      error: null,
      started: '',
      finished: '',
      attrs: { ...defaults(value), ...attrs },
    });
}
