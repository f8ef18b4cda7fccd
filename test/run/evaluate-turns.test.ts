// evaluate lets the event loop turn between batches of windows, as predict does (predict-turns.test.ts), so that
// Ctrl-C and SIGTERM (handled on a turn: main.ts) stop it: one model call over a split's every window held them off
// to its end.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { evaluateRun } from '../../src/run/predict.js';
import { runCli } from '../helpers/run-cli.js';
import { callTurns, writeLinearFit, writeWaveSplits } from '../helpers/step-turns.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-evaluate-turns-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('evaluate turns the event loop between batches of windows, with the scores of one call a split', async () => {
  const config = writeWaveSplits(dir);
  const run = join(dir, 'run');
  const t = await runCli(['train', config, '--out', run, '--quiet']);
  assert.equal(t.code, 0, t.err);
  // the turns of the event loop that had run at each call of the model's predict
  let m!: Awaited<ReturnType<typeof evaluateRun>>;
  const { calls } = await callTurns('predict', async () => {
    m = await evaluateRun(run);
  });
  // each split's windows (2 x 512 + 100 - 39) in three calls
  assert.equal(calls.length, 6, `calls at turns ${calls}`);
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i]! > calls[i - 1]!, `a turn before call ${i + 1}: ${calls}`);
  // the scores train wrote, from the model's forecasts of every window
  const saved = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
  assert.equal(typeof saved.test.scaled.model.mse, 'number');
  assert.equal(m.test.scaled.model!.mse, saved.test.scaled.model.mse);
  assert.equal(m.val.scaled.model!.mse, saved.val.scaled.model.mse);
});

test("evaluate's linear baseline is fitted with turns of the event loop, so that a signal stops it there", async () => {
  // one synchronous fit held Ctrl-C and SIGTERM off to its end (ETTh1, 7 features over a lookback of 336: 46 s)
  const run = join(dir, 'wide-run');
  const t = await runCli(['train', writeLinearFit(dir), '--out', run, '--quiet']);
  assert.equal(t.code, 0, t.err);
  let m!: Awaited<ReturnType<typeof evaluateRun>>;
  const { calls } = await callTurns('predict', async () => {
    m = await evaluateRun(run);
  });
  // one call for the test split's windows, then their scores (the fit), then one for the validation split's
  assert.equal(calls.length, 2, `calls at turns ${calls}`);
  assert.ok(calls[1]! - calls[0]! >= 4, `turns during the test split's scores (the linear fit): ${calls}`);
  assert.ok(Number.isFinite(m.test.scaled.linear!.mse));
});
