// predict lets the event loop turn between batches of origins, and of CSV lines, so that Ctrl-C and SIGTERM (handled on
// a turn: main.ts) stop it: one call over every origin held them off to its end (17,085 origins of ETTh1 at lookback
// 336: SIGTERM 4 s in, exit 6 s later, 20 s and more under load).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ORIGINS_AT_ONCE } from '../../src/run/forecast.js';
import { predictRun } from '../../src/run/predict.js';
import { runCli } from '../helpers/run-cli.js';
import { callTurns } from '../helpers/step-turns.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-predict-turns-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('predict turns the event loop between batches of origins, and of CSV lines', async () => {
  const wave = (n: number) =>
    Array.from({ length: n }, (_, i) => `${i},${(10 * Math.sin(i / 5) + (i % 7)).toFixed(3)}`).join('\n');
  writeFileSync(join(dir, 'train.csv'), `t,y\n${wave(300)}\n`);
  const origins = 12 * ORIGINS_AT_ONCE;
  writeFileSync(join(dir, 'new.csv'), `t,y\n${wave(origins + 31)}\n`);
  writeFileSync(
    join(dir, 'c.yaml'),
    'name: wave\ndata: {csv: train.csv, drop: [t], target: y, lookback: 32, horizon: 8}\n' +
      'model: {layers: [{gru: {units: 8}}, {dense: {units: 8}}]}\ntrain: {epochs: 1, batch_size: 64}\n',
  );
  const run = join(dir, 'run');
  const t = await runCli(['train', join(dir, 'c.yaml'), '--out', run, '--quiet']);
  assert.equal(t.code, 0, t.err);
  const csv = join(dir, 'new.csv');
  // the turns of the event loop that had run at each call of the model's predict, and when predictRun returned
  let pieces!: string[];
  const { calls, end } = await callTurns('predict', async () => {
    pieces = await predictRun(run, csv);
  });
  assert.equal(pieces.join('').trim().split('\n').length, 1 + origins);
  assert.equal(calls.length, 12, 'one call a batch of origins');
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i]! > calls[i - 1]!, `a turn before call ${i + 1}: ${calls}`);
  // and while the CSV's lines are written
  assert.ok(end - calls.at(-1)! >= 11, `${end - calls.at(-1)!} turns after the last call`);
  // each batch's forecasts on its origins' lines: the last batch's are those of a file of its rows alone (one call)
  writeFileSync(
    join(dir, 'few.csv'),
    `t,y\n${wave(origins + 31)
      .split('\n')
      .slice(-(ORIGINS_AT_ONCE + 31))
      .join('\n')}\n`,
  );
  const few = (await predictRun(run, join(dir, 'few.csv'))).join('').trim().split('\n').slice(1);
  const all = pieces.join('').trim().split('\n').slice(1).slice(-ORIGINS_AT_ONCE);
  const cells = (lines: string[]) => lines.map((l) => l.split(',').slice(1).join(','));
  assert.deepEqual(cells(few), cells(all));
});
