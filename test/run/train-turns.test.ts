// train scores its validation and test splits a batch of windows at a time with turns of the event loop between
// (forecast.ts), as predict and evaluate do, so that Ctrl-C and SIGTERM (handled on a turn: main.ts) stop it there:
// one model call over a split's every window held them off to its end.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { ORIGINS_AT_ONCE } from '../../src/run/forecast.js';
import { trainRun } from '../../src/run/index.js';
import { callTurns } from '../helpers/step-turns.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-train-turns-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test("train's scores of its splits turn the event loop between batches of windows", async () => {
  const split = 2 * ORIGINS_AT_ONCE + 100;
  const rows = 300 + 2 * split;
  const wave = Array.from({ length: rows }, (_, i) => `${i},${(10 * Math.sin(i / 5) + (i % 7)).toFixed(3)}`);
  writeFileSync(join(dir, 'train.csv'), `t,y\n${wave.join('\n')}\n`);
  const [a, b] = [300, 300 + split];
  writeFileSync(
    join(dir, 'c.yaml'),
    'name: wave\ndata: {csv: train.csv, drop: [t], target: y, lookback: 32, horizon: 8,\n' +
      `  split: {train: [0, ${a}], val: [${a}, ${b}], test: [${b}, ${rows}]}}\n` +
      'model: {layers: [{gru: {units: 8}}, {dense: {units: 8}}]}\ntrain: {epochs: 1, batch_size: 64}\n' +
      'evaluate: {baselines: [persistence]}\n',
  );
  let r!: Awaited<ReturnType<typeof trainRun>>;
  const { calls } = await callTurns('predict', async () => {
    r = await trainRun(await loadConfig(join(dir, 'c.yaml')), { out: join(dir, 'run') });
  });
  // each split's windows (more than 2 x 512) in three calls, a turn before each
  assert.equal(calls.length, 6, `calls at turns ${calls}`);
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i]! > calls[i - 1]!, `a turn before call ${i + 1}: ${calls}`);
  assert.ok(r.metrics.windows.test > 2 * ORIGINS_AT_ONCE && r.metrics.windows.val > 2 * ORIGINS_AT_ONCE);
  assert.ok(Number.isFinite(r.metrics.test.scaled.model!.mse));
});
