// predict's forecasts of a series far above its spread (near 1e7, data.scale: none, data.relative): the origin's value
// is added back in float64, so predict writes what train scored (metrics.json), not whole numbers.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { predictRun } from '../../src/run/index.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-predict-level-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test("predict's forecasts near 1e7 (scale none, relative) score as metrics.json's test MAE, in float64", async () => {
  const y = Array.from({ length: 200 }, (_, i) => Number((1e7 + Math.sin(i / 3)).toFixed(4)));
  const csv = join(dir, 'level.csv');
  writeFileSync(csv, `y\n${y.join('\n')}\n`);
  writeFileSync(
    join(dir, 'c.yaml'),
    'name: level\ndata: {csv: level.csv, target: y, lookback: 4, horizon: 1, scale: none, relative: true,\n' +
      '  split: {train: 0.7, val: 0.15, test: 0.15}}\n' +
      'model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}\ntrain: {epochs: 2, batch_size: 32}\n',
  );
  const run = join(dir, 'run');
  const t = await runCli(['train', join(dir, 'c.yaml'), '--out', run, '--quiet']);
  assert.equal(t.code, 0, t.err);
  // origin_row r (1-based) forecasts data row r (0-based): the test windows' targets are rows 170-199
  const lines = (await predictRun(run, csv)).join('').trim().split('\n').slice(1);
  const forecast = new Map(lines.map((l) => l.split(',').map(Number) as [number, number]));
  let ae = 0;
  for (let s = 170; s < 200; s++) ae += Math.abs(forecast.get(s)! - y[s]!);
  const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
  const mae = metrics.test.original.model.mae as number;
  // added into the float32 output, every forecast was a whole number (9999999 for 9999999.47)
  assert.ok(Math.abs(ae / 30 - mae) <= 1e-4 * mae, `predict's MAE ${ae / 30}, metrics.json's ${mae}`);
});
