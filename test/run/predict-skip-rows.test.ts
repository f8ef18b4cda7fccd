// predict reads a new CSV as the training CSV was read, data.skip_rows included: a recent file of 100 rows under a
// run trained with skip_rows 24 lost its first 24 rows without a word. It now says so on stderr, and --skip-rows
// sets the rows to skip in the new file (0: none).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-predict-skip-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test("predict says that it skips the run's data.skip_rows in the new CSV, and --skip-rows reads them", async () => {
  const wave = (n: number, from: number) =>
    Array.from({ length: n }, (_, i) => `${from + i},${(10 * Math.sin((from + i) / 5)).toFixed(3)}`).join('\n');
  writeFileSync(join(dir, 'train.csv'), `t,y\n${wave(200, 0)}\n`);
  writeFileSync(join(dir, 'recent.csv'), `t,y\n${wave(30, 200)}\n`);
  writeFileSync(
    join(dir, 'c.yaml'),
    'name: wave\ndata: {csv: train.csv, drop: [t], skip_rows: 12, target: y, lookback: 4}\n' +
      'model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}\ntrain: {epochs: 1, batch_size: 64}\n',
  );
  const run = join(dir, 'run');
  const t = await runCli(['train', join(dir, 'c.yaml'), '--out', run, '--quiet']);
  assert.equal(t.code, 0, t.err);
  const recent = join(dir, 'recent.csv');
  const skipped = await runCli(['predict', run, '--csv', recent]);
  assert.equal(skipped.code, 0, skipped.err);
  assert.ok(
    skipped.err.includes(
      `data: skipped the first 12 data rows of ${recent}, as the run's data.skip_rows skipped its training CSV's ` +
        '(--skip-rows 0 reads them)\n',
    ),
    skipped.err,
  );
  const rowsOf = (out: string) => out.trim().split('\n').slice(1);
  // origins from row 16 (12 skipped, then 4 rows for the first window) to 30
  assert.equal(rowsOf(skipped.out).length, 30 - 12 - 4 + 1);
  assert.match(rowsOf(skipped.out)[0]!, /^16,/);
  const all = await runCli(['predict', run, '--csv', recent, '--skip-rows', '0']);
  assert.equal(all.code, 0, all.err);
  assert.doesNotMatch(all.err, /skipped/);
  assert.equal(rowsOf(all.out).length, 30 - 4 + 1);
  assert.match(rowsOf(all.out)[0]!, /^4,/);
  // the same newest forecast either way
  assert.equal(rowsOf(all.out).at(-1), rowsOf(skipped.out).at(-1));
  const bad = await runCli(['predict', run, '--csv', recent, '--skip-rows', '-1']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--skip-rows/);
});

test('predict names --skip-rows, as the user typed it, where the rows it skips leave too few', async () => {
  // '--skip-rows 40' on a 30-row file said 'data.skip_rows 40 removes all 30 data rows': a key the user never wrote
  const wave = (n: number) => Array.from({ length: n }, (_, i) => `${i},${Math.sin(i / 5).toFixed(3)}`).join('\n');
  writeFileSync(join(dir, 'long.csv'), `t,y\n${wave(200)}\n`);
  writeFileSync(join(dir, 'short.csv'), `t,y\n${wave(30)}\n`);
  writeFileSync(
    join(dir, 'named.yaml'),
    'name: named\ndata: {csv: long.csv, drop: [t], skip_rows: 30, target: y, lookback: 4}\n' +
      'model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}\ntrain: {epochs: 1, batch_size: 64}\n',
  );
  const run = join(dir, 'named-run');
  assert.equal((await runCli(['train', join(dir, 'named.yaml'), '--out', run, '--quiet'])).code, 0);
  const short = join(dir, 'short.csv');
  const all = await runCli(['predict', run, '--csv', short, '--skip-rows', '40']);
  assert.equal(all.code, 2, all.err);
  assert.equal(all.err, `seqtune: ${short}: --skip-rows 40 removes all 30 data rows\n`);
  const most = await runCli(['predict', run, '--csv', short, '--skip-rows', '28']);
  assert.equal(most.code, 2, most.err);
  assert.match(most.err, /2 usable rows \(of 30 data rows: --skip-rows leaves out the first 28\), but a forecast/);
  // without --skip-rows, the run's data.skip_rows is what skipped them, and is named so
  const run30 = await runCli(['predict', run, '--csv', short]);
  assert.equal(run30.code, 2, run30.err);
  assert.match(run30.err, /: data\.skip_rows 30 removes all 30 data rows\n$/);
});
