// train scores its validation and test splits a batch of windows at a time with turns of the event loop between
// (forecast.ts), as predict and evaluate do, so that Ctrl-C and SIGTERM (handled on a turn: main.ts) stop it there:
// one model call over a split's every window held them off to its end.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { ORIGINS_AT_ONCE } from '../../src/run/forecast.js';
import { trainRun } from '../../src/run/index.js';
import { callTurns, writeLinearFit, writeWaveSplits } from '../helpers/step-turns.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-train-turns-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test("train's scores of its splits turn the event loop between batches of windows", async () => {
  const config = writeWaveSplits(dir);
  let r!: Awaited<ReturnType<typeof trainRun>>;
  const { calls } = await callTurns('predict', async () => {
    r = await trainRun(await loadConfig(config), { out: join(dir, 'run') });
  });
  // each split's windows (more than 2 x 512) in three calls, a turn before each
  assert.equal(calls.length, 6, `calls at turns ${calls}`);
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i]! > calls[i - 1]!, `a turn before call ${i + 1}: ${calls}`);
  assert.ok(r.metrics.windows.test > 2 * ORIGINS_AT_ONCE && r.metrics.windows.val > 2 * ORIGINS_AT_ONCE);
  assert.ok(Number.isFinite(r.metrics.test.scaled.model!.mse));
});

test("train's linear baseline is fitted with turns of the event loop, so that a signal stops it there", async () => {
  // 7 features over a lookback of 336 on ETTh1: SIGTERM during the fit waited for its end, half a minute
  const config = writeLinearFit(dir);
  let r!: Awaited<ReturnType<typeof trainRun>>;
  const { calls } = await callTurns('predict', async () => {
    r = await trainRun(await loadConfig(config), { out: join(dir, 'wide-run') });
  });
  // one call for the test split's windows, then their scores (the fit), then one for the validation split's
  assert.equal(calls.length, 2, `calls at turns ${calls}`);
  assert.ok(calls[1]! - calls[0]! >= 4, `turns during the test split's scores (the linear fit): ${calls}`);
  assert.ok(Number.isFinite(r.metrics.test.scaled.linear!.mse));
});
