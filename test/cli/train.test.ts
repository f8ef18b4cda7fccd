// seqtune train / demo / predict / evaluate end to end on small synthetic data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { syntheticCsv } from '../../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-train-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

async function quiet(args: string[]): Promise<{ value: number; out: string; err: string }> {
  const o: string[] = [], e: string[] = [];
  const value = await main(args, { out: (s) => o.push(s), err: (s) => e.push(s) });
  return { value, out: o.join(''), err: e.join('') };
}

const PNG = [0x89, 0x50, 0x4e, 0x47];

test('seqtune train writes the whole run folder; predict and evaluate read it back', async () => {
  writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 600, seed: 3 }));
  writeFileSync(join(dir, 'c.yaml'), `name: small
data: {csv: series.csv, time: time, target: value, lookback: 24, horizon: 4, split: {train: 0.6, val: 0.2, test: 0.2}}
model:
  layers:
    - lstm: {units: 8}
    - dense: {units: 4}
train: {epochs: 3, batch_size: 32, optimizer: {adam: {learning_rate: 0.01}}, metrics: [mae, rmse]}
evaluate: {baselines: [persistence, {seasonal_naive: {season: 24}}, mean]}
`);
  const out = join(dir, 'run1');
  const r = await quiet(['train', join(dir, 'c.yaml'), '--out', out, '--quiet']);
  assert.equal(r.value, 0, r.err);
  assert.deepEqual(readdirSync(out).sort(), ['config.yaml', 'forecast.png', 'forecast.svg', 'history.json', 'loss.png', 'loss.svg', 'metrics.json', 'model']);
  const h = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
  assert.deepEqual(Object.keys(h).sort(), ['loss', 'lr', 'mae', 'rmse', 'val_loss', 'val_mae', 'val_rmse']);
  assert.equal(h.loss.length, 3);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.deepEqual(Object.keys(m.test.scaled).sort(), ['mean', 'model', 'persistence', 'seasonal_naive']);
  assert.ok(m.test.original.model.rmse > 0 && m.windows.test > 0 && m.epochs_run === 3);
  assert.deepEqual([...readFileSync(join(out, 'loss.png')).subarray(0, 4)], PNG);
  assert.match(readFileSync(join(out, 'loss.svg'), 'utf8'), /<svg[^>]*>[\s\S]*train loss[\s\S]*validation loss/);
  assert.match(readFileSync(join(out, 'config.yaml'), 'utf8'), /scale: standard[\s\S]*shuffle: true/);
  assert.match(r.out, /test\s+MSE \(scaled\)[\s\S]*persistence[\s\S]*run folder:/);

  const p = await quiet(['predict', out, '--csv', join(dir, 'series.csv')]);
  assert.equal(p.value, 0, p.err);
  const lines = p.out.trim().split('\n');
  assert.equal(lines[0], 'origin_row,origin_time,value_t+1,value_t+2,value_t+3,value_t+4');
  assert.equal(lines.length, 1 + 600 - 24 + 1);
  const ev = await quiet(['evaluate', out, '--json']);
  assert.equal(ev.value, 0, ev.err);
  const em = JSON.parse(ev.out);
  assert.ok(Math.abs(em.test.scaled.model.mse - m.test.scaled.model.mse) < 1e-9, 'evaluate reproduces the saved test score');
});

test('seqtune demo runs the main job on built-in data and says where its pictures are', async () => {
  const out = join(dir, 'demo');
  const r = await quiet(['demo', '--out', out, '--quiet']);
  assert.equal(r.value, 0, r.err);
  assert.match(r.out, /run folder: .*demo\s+\(loss.png, forecast.png/);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.ok(m.test.scaled.model.mse < m.test.scaled.mean.mse, 'the demo model beats the training mean');
});

test('seqtune init writes a starter config that loads, and never overwrites', async () => {
  const f = join(dir, 'starter.yaml');
  assert.equal((await quiet(['init', f])).value, 0);
  const { parseConfig } = await import('../../src/config/index.js');
  assert.equal(parseConfig(readFileSync(f, 'utf8'), f).model.layers.length, 2);
  const again = await quiet(['init', f]);
  assert.equal(again.value, 2);
  assert.match(again.err, /already exists/);
});
