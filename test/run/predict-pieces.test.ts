// predict's CSV comes in pieces of whole lines, written one after another: as one string, 13,000 origins of 10 targets
// x 500 steps were more than V8 holds (RangeError: Invalid string length, exit 1 as a bug in seqtune). A small piece
// size shows the same path on a small run.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { predictRun } from '../../src/run/index.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-predict-pieces-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('predict writes its forecasts in pieces of whole lines, the same CSV as one string would be', async () => {
  const csv = join(dir, 'wave.csv');
  const rows = Array.from({ length: 120 }, (_, i) => `${i},${(10 * Math.sin(i / 5)).toFixed(3)}`).join('\n');
  writeFileSync(csv, `t,y\n${rows}\n`);
  writeFileSync(
    join(dir, 'c.yaml'),
    'name: wave\ndata: {csv: wave.csv, drop: [t], target: y, lookback: 4, horizon: 3}\n' +
      'model: {layers: [{gru: {units: 2}}, {dense: {units: 3}}]}\ntrain: {epochs: 1, batch_size: 64}\n',
  );
  const run = join(dir, 'run');
  const t = await runCli(['train', join(dir, 'c.yaml'), '--out', run, '--quiet']);
  assert.equal(t.code, 0, t.err);
  const pieces = await predictRun(run, csv, { pieceChars: 200 });
  assert.ok(pieces.length > 10, `${pieces.length} pieces`);
  for (const p of pieces) assert.ok(p.endsWith('\n') && p.length < 400, JSON.stringify(p));
  const whole = pieces.join('');
  assert.equal(whole.split('\n').length, 1 + (120 - 4 + 1) + 1);
  assert.deepEqual(await predictRun(run, csv), [whole]);
  const out = join(dir, 'f.csv');
  const r = await runCli(['predict', run, '--csv', csv, '--out', out]);
  assert.equal(r.code, 0, r.err);
  assert.equal(readFileSync(out, 'utf8'), whole);
  const s = await runCli(['predict', run, '--csv', csv]);
  assert.equal(s.out, whole);
});
