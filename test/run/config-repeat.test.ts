// `seqtune train RUN/config.yaml` writes the config.yaml it was given, but for the first line (the file it was
// resolved from): its keys came back in another order, data.features above data.target and train.threads moved, as
// the run had added them last and the schema reads them back in its own order.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { trainRun } from '../../src/run/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-config-repeat-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 3 }));
writeFileSync(
  join(dir, 'c.yaml'),
  `name: c
data: {csv: series.csv, target: value, lookback: 8, split: {train: 0.6, val: 0.2, test: 0.2}}
model: {layers: [{gru: {units: 4}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 16, callbacks: [{early_stopping: {patience: 2}}]}
`,
);
const body = (run: string) => readFileSync(join(run, 'config.yaml'), 'utf8').split('\n').slice(1).join('\n');

test("a run of a run folder's config.yaml writes the same config.yaml, key for key in the same order", async () => {
  const first = await trainRun(await loadConfig(join(dir, 'c.yaml')), { out: join(dir, 'first') });
  const again = await trainRun(await loadConfig(join(first.dir, 'config.yaml')), { out: join(dir, 'again') });
  assert.match(body(first.dir), /features:/);
  assert.match(body(first.dir), /threads: \d/);
  assert.equal(body(again.dir), body(first.dir));
  assert.equal(
    readFileSync(join(again.dir, 'history.json'), 'utf8'),
    readFileSync(join(first.dir, 'history.json'), 'utf8'),
  );
});
