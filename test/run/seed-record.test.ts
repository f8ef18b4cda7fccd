// A run folder's config.yaml records the seed its model was built with, so that `seqtune train` of that file repeats
// the run: a study's trial of `tune.repeats: 2` trains seeds s and s + 1 and keeps its best repeat's model, whose
// folder said `seed: s` when the kept repeat was s + 1 (its model/model.json said s + 1).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { compiledModel, dataSpec, loadConfig, resolveConfig } from '../../src/config/index.js';
import { prepareData, syntheticCsv } from '../../src/data/index.js';
import { saveRun, splitTensors, trainRun } from '../../src/run/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-seed-record-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 3 }));
writeFileSync(
  join(dir, 'c.yaml'),
  `name: c
seed: 7
data: {csv: series.csv, target: value, lookback: 8, split: {train: 0.6, val: 0.2, test: 0.2}}
model: {layers: [{gru: {units: 4, dropout: 0.2}}, {dense: {units: 1}}]}
train: {epochs: 2, batch_size: 16, shuffle: true, threads: 1}
`,
);

test("a run saved from a model of another seed than its config's (a trial's second repeat) records the model's", async () => {
  const loaded = await loadConfig(join(dir, 'c.yaml'));
  const cfg = resolveConfig(loaded.raw, loaded.name);
  const { spec, csvPath } = dataSpec(cfg, loaded.dir);
  const data = await prepareData(spec, csvPath);
  const model = compiledModel(loaded.file, cfg, data, 8); // the trial's repeat 1: seed 7 + 1
  const history = await model.fit(...splitTensors(data, 'train', model), {
    epochs: 2,
    batchSize: 16,
    shuffle: true,
    validationData: splitTensors(data, 'val', model),
    threads: 1,
  });
  const saved = await saveRun(loaded, cfg, { data, model, history, seconds: 0 }, join(dir, 'trial'));
  const recorded = parse(readFileSync(join(saved.dir, 'config.yaml'), 'utf8')) as { seed: number };
  assert.equal(recorded.seed, 8);
  assert.equal((JSON.parse(readFileSync(join(saved.dir, 'model', 'model.json'), 'utf8')) as { seed: number }).seed, 8);
  // and the folder's config.yaml trains the same run again, bit for bit
  const again = await trainRun(await loadConfig(join(saved.dir, 'config.yaml')), { out: join(dir, 'again') });
  assert.deepEqual(again.history.history.loss, history.history.loss);
  assert.deepEqual(again.history.history.val_loss, history.history.val_loss);
  model.dispose();
});
