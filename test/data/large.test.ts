// A split far larger than the call stack: nothing spreads a data column into a call (Math.min(...column) overflowed
// the stack from about 125,000 values on Node 20, in the minmax scaler and in check's target-shift check), and
// the windows are start indices gathered per batch (relative ones too), never a copy of every window.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { syntheticCsv } from '../../src/data/index.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-large-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 375_000, seed: 1 }));
const config = (scale: string) => {
  const f = join(dir, `${scale}.yaml`);
  writeFileSync(
    f,
    `name: large-${scale}
data: {csv: series.csv, time: time, target: value, lookback: 4, split: {train: 0.8, val: 0.1, test: 0.1},
  scale: ${scale}, relative: ${scale === 'robust'}}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 4096}
`,
  );
  return f;
};

test('a 300,000-row training split runs check, train with every scaler, and evaluate', async () => {
  const c = await runCli(['check', config('minmax'), '--json']);
  assert.ok(c.code === 0 || c.code === 1, c.err);
  assert.ok(JSON.parse(c.out).checks.length > 5);
  for (const scale of ['minmax', 'standard', 'robust', 'none']) {
    const t = await runCli(['train', config(scale), '--out', join(dir, scale), '--quiet']);
    assert.equal(t.code, 0, `${scale}: ${t.err}`);
  }
  const e = await runCli(['evaluate', join(dir, 'minmax'), '--json']);
  assert.equal(e.code, 0, e.err);
  assert.ok(JSON.parse(e.out).test.scaled.model.mse >= 0);
  const m = JSON.parse(readFileSync(join(dir, 'minmax', 'metrics.json'), 'utf8'));
  assert.equal(m.windows.train, 300_000 - 4);
});
