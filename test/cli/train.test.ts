// seqtune train / demo / predict / evaluate end to end on small synthetic data.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { syntheticCsv } from '../../src/data/index.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-train-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const quiet = async (args: string[]) => {
  const r = await runCli(args);
  return { value: r.code, out: r.out, err: r.err };
};

const PNG = [0x89, 0x50, 0x4e, 0x47];

test('seqtune train writes the whole run folder; predict and evaluate read it back', async () => {
  writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 600, seed: 3 }));
  writeFileSync(
    join(dir, 'c.yaml'),
    `name: small
data: {csv: series.csv, time: time, target: value, lookback: 24, horizon: 4, split: {train: 0.6, val: 0.2, test: 0.2}}
model:
  layers:
    - lstm: {units: 8}
    - dense: {units: 4}
train: {epochs: 3, batch_size: 32, optimizer: {adam: {learning_rate: 0.01}}, metrics: [mae, rmse]}
evaluate: {baselines: [persistence, {seasonal_naive: {season: 24}}, mean, linear]}
`,
  );
  const out = join(dir, 'run1');
  const r = await quiet(['train', join(dir, 'c.yaml'), '--out', out, '--quiet']);
  assert.equal(r.value, 0, r.err);
  assert.deepEqual(readdirSync(out).sort(), [
    'config.yaml',
    'diagnosis.json',
    'forecast.png',
    'forecast.svg',
    'history.json',
    'loss.png',
    'loss.svg',
    'metrics.json',
    'model',
  ]);
  const dj = JSON.parse(readFileSync(join(out, 'diagnosis.json'), 'utf8'));
  assert.ok(typeof dj.pattern === 'string' && dj.confidence >= 0 && dj.confidence <= 1 && Array.isArray(dj.advice));
  const hist = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as { val_loss: number[] };
  const best = hist.val_loss.indexOf(Math.min(...hist.val_loss)) + 1;
  assert.equal(dj.evidence.bestEpoch, best, 'diagnosis.json counts epochs from 1, as diagnose --json does');
  const h = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
  assert.deepEqual(Object.keys(h).sort(), ['loss', 'lr', 'mae', 'rmse', 'val_loss', 'val_mae', 'val_rmse']);
  assert.equal(h.loss.length, 3);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.deepEqual(Object.keys(m.test.scaled).sort(), ['linear', 'mean', 'model', 'persistence', 'seasonal_naive']);
  assert.ok(m.test.original.linear.rmse > 0 && m.val.scaled.linear.mse > 0);
  assert.ok(m.test.original.model.rmse > 0 && m.windows.test > 0 && m.epochs_run === 3);
  assert.deepEqual([...readFileSync(join(out, 'loss.png')).subarray(0, 4)], PNG);
  assert.match(readFileSync(join(out, 'loss.svg'), 'utf8'), /<svg[^>]*>[\s\S]*train loss[\s\S]*validation loss/);
  assert.match(readFileSync(join(out, 'config.yaml'), 'utf8'), /scale: standard[\s\S]*shuffle: true/);
  // the inputs the run used, by default every numeric column: the config trains the same ones on a wider CSV
  assert.match(readFileSync(join(out, 'config.yaml'), 'utf8'), /\n {2}features:\n {4}- value\n/);
  // no storage password in a run folder (the dashboard serves its files)
  writeFileSync(
    join(dir, 'pw.yaml'),
    `${readFileSync(join(dir, 'c.yaml'), 'utf8')}tune: {storage: "postgres://tuner:secret@db.lan/studies"}\n`,
  );
  assert.equal((await quiet(['train', join(dir, 'pw.yaml'), '--out', join(dir, 'pwrun'), '--quiet'])).value, 0);
  const written = readFileSync(join(dir, 'pwrun', 'config.yaml'), 'utf8');
  assert.ok(!written.includes('secret') && written.includes('postgres://tuner@db.lan/studies'), written);
  // the CSV by its absolute path: the run folder's config.yaml reads the same data from wherever it is used
  assert.ok(readFileSync(join(out, 'config.yaml'), 'utf8').includes(`csv: ${join(dir, 'series.csv')}\n`));
  assert.match(r.out, /test\s+MSE \(scaled\)[\s\S]*persistence[\s\S]*run folder:/);

  const p = await quiet(['predict', out, '--csv', join(dir, 'series.csv')]);
  assert.equal(p.value, 0, p.err);
  const lines = p.out.trim().split('\n');
  assert.equal(lines[0], 'origin_row,origin_time,value_t+1,value_t+2,value_t+3,value_t+4');
  assert.equal(lines.length, 1 + 600 - 24 + 1);
  // origin_time as the CSV writes it (it was re-written in UTC with a Z the file never had)
  const [row, time] = lines[1]!.split(',');
  assert.equal(time, readFileSync(join(dir, 'series.csv'), 'utf8').split('\n')[Number(row)]!.split(',')[0]);
  const ev = await quiet(['evaluate', out, '--json']);
  assert.equal(ev.value, 0, ev.err);
  const em = JSON.parse(ev.out);
  assert.ok(
    Math.abs(em.test.scaled.model.mse - m.test.scaled.model.mse) < 1e-9,
    'evaluate reproduces the saved test score',
  );
  assert.ok(Math.abs(em.test.scaled.linear.mse - m.test.scaled.linear.mse) < 1e-12, 'and the linear baseline');
  assert.deepEqual(Object.keys(em.test.scaled), Object.keys(m.test.scaled), "evaluate scores the run's baselines");
});

test('predict needs exactly lookback rows: N rows give N - lookback + 1 forecasts, fewer than lookback are refused', async () => {
  const csv = syntheticCsv({ length: 200, seed: 5 }).trim().split('\n');
  writeFileSync(join(dir, 'p.csv'), `${csv.join('\n')}\n`);
  writeFileSync(
    join(dir, 'p.yaml'),
    `name: p
data: {csv: p.csv, time: time, target: value, lookback: 12, horizon: 6, relative: true}
model: {layers: [{gru: {units: 4}}, {dense: {units: 6}}]}
train: {epochs: 1, batch_size: 32}
`,
  );
  const out = join(dir, 'prun');
  const r = await quiet(['train', join(dir, 'p.yaml'), '--out', out, '--quiet']);
  assert.equal(r.value, 0, r.err);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.deepEqual(Object.keys(metrics.test.scaled), ['model', 'persistence', 'mean', 'linear'], 'default baselines');
  const rowsFile = (n: number) => {
    const f = join(dir, `p${n}.csv`);
    writeFileSync(f, `${csv.slice(0, n + 1).join('\n')}\n`);
    return f;
  };
  const one = await quiet(['predict', out, '--csv', rowsFile(12)]);
  assert.equal(one.value, 0, one.err);
  const lines = one.out.trim().split('\n');
  assert.equal(lines.length, 1 + 1, 'lookback rows give one forecast');
  assert.match(lines[1]!, /^12,/, 'its origin is the last row');
  assert.equal(lines[1]!.split(',').length, 2 + 6, 'all horizon steps');
  const two = await quiet(['predict', out, '--csv', rowsFile(13)]);
  assert.equal(two.value, 0, two.err);
  assert.deepEqual(
    two.out
      .trim()
      .split('\n')
      .map((l) => l.split(',')[0]),
    ['origin_row', '12', '13'],
  );
  assert.equal(two.out.trim().split('\n')[1], lines[1], 'the same origin gives the same forecast');
  const dash = await quiet(['predict', out, '--csv', rowsFile(13), '--out', '-']);
  assert.deepEqual([dash.value, dash.out], [0, two.out], '--out - is stdout (it wrote a file named -)');
  // --out replaces forecasts predict wrote, and no other file: `--out p13.csv` wrote over the CSV it read, exit 0
  const forecasts = join(dir, 'forecasts.csv');
  for (let k = 0; k < 2; k++) {
    const w = await quiet(['predict', out, '--csv', rowsFile(13), '--out', forecasts]);
    assert.equal(w.value, 0, w.err);
    assert.equal(readFileSync(forecasts, 'utf8'), two.out);
  }
  const input = rowsFile(13),
    before = readFileSync(input, 'utf8');
  const over = await quiet(['predict', out, '--csv', input, '--out', input]);
  assert.equal(over.value, 2);
  assert.match(over.err, /--out .*p13\.csv: expected a new file or forecasts seqtune predict wrote, found another/);
  assert.equal(readFileSync(input, 'utf8'), before, 'the CSV is as it was');
  const few = await quiet(['predict', out, '--csv', rowsFile(11)]);
  assert.equal(few.value, 2);
  assert.match(few.err, /11 usable rows, but a forecast needs lookback 12 rows/);
  // a pipe (--csv <(zcat rows.gz)) was told 'seqtune reads the file again later', as train is: predict does not
  const fifo = join(dir, 'rows.fifo');
  execFileSync('mkfifo', [fifo]);
  const piped = await quiet(['predict', out, '--csv', fifo]);
  assert.deepEqual(
    [piped.value, piped.err],
    [
      2,
      `seqtune: ${fifo}: expected a CSV file, found a pipe; ` +
        'predict reads the rows of --csv from a file, by its size: save them to a file and give its name\n',
    ],
  );
});

test('predict refuses an --out it cannot write before it forecasts: a folder, a folder not there, one that is a file', async () => {
  // it forecast the whole CSV (10 s for 400,000 rows), then said 'outdir: is a folder, where a file was expected
  // (EISDIR)', without a word of --out
  writeFileSync(join(dir, 'o.csv'), syntheticCsv({ length: 80, seed: 8 }));
  writeFileSync(
    join(dir, 'o.yaml'),
    'data: {csv: o.csv, time: time, target: value, lookback: 8}\n' +
      'model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}\ntrain: {epochs: 1}\n',
  );
  const run = join(dir, 'orun');
  assert.equal((await quiet(['train', join(dir, 'o.yaml'), '--out', run, '--quiet'])).value, 0);
  const folder = join(dir, 'o-folder');
  mkdirSync(folder);
  for (const [out, csv, said] of [
    [folder, 'o.csv', 'expected a file path, found a folder; name a file in it or choose another --out'],
    [join(dir, 'o-none', 'f.csv'), 'o.csv', `the folder ${join(dir, 'o-none')} does not exist; create it or choose`],
    [join(dir, 'o.csv', 'f.csv'), 'o.csv', `the folder ${join(dir, 'o.csv')} is a file, not a folder; choose another`],
    [`${join(dir, 'o-new')}/`, 'o.csv', "expected a file path, found a folder's name (it ends in /)"],
    // judged before the run and the CSV are read: a CSV that is not there is not what is said
    [folder, 'no-such.csv', 'expected a file path, found a folder'],
  ]) {
    const r = await quiet(['predict', run, '--csv', join(dir, csv!), '--out', out!]);
    assert.equal(r.value, 2, r.err);
    assert.ok(r.err.startsWith(`seqtune: --out ${out}: ${said}`), r.err);
  }
  assert.deepEqual(readdirSync(folder), [], 'nothing written in the folder');
  assert.equal(existsSync(join(dir, 'o-none')), false, 'no folder made');
});

test('a test split of one window is said in a warning after the header (it trained and scored in silence)', async () => {
  writeFileSync(join(dir, 'one.csv'), syntheticCsv({ length: 200, seed: 4 }));
  writeFileSync(
    join(dir, 'one.yaml'),
    'data: {csv: one.csv, target: value, lookback: 12, split: {train: [0, 150], val: [150, 199], test: [199, 200]}}\n' +
      'model: {layers: [{gru: {units: 4}}, {dense: {units: 1}}]}\ntrain: {epochs: 1}\n',
  );
  const r = await quiet(['train', join(dir, 'one.yaml'), '--out', join(dir, 'one-run')]);
  assert.equal(r.value, 0, r.err);
  const lines = r.out.split('\n');
  const header = lines.findIndex((l) => l.startsWith('training one: '));
  assert.match(lines[header]!, / \/ 1 test windows, /);
  assert.equal(
    lines[header + 1],
    'warning: only 1 test window (1 step of the series): the test scores are of one forecast, too few to tell the ' +
      'model from a baseline (fewer than 5); use a larger test split (data.split.test)',
  );
});

test('predict with data.missing: drop forecasts from no window across a dropped row, and names file rows', async () => {
  const csv = syntheticCsv({ length: 200, seed: 6 }).trim().split('\n');
  writeFileSync(join(dir, 'd.csv'), `${csv.join('\n')}\n`);
  writeFileSync(
    join(dir, 'd.yaml'),
    `name: d
data: {csv: d.csv, time: time, target: value, lookback: 4, missing: drop}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 32}
`,
  );
  const out = join(dir, 'drun');
  assert.equal((await quiet(['train', join(dir, 'd.yaml'), '--out', out, '--quiet'])).value, 0);
  // 10 rows, the 6th without its value: forecasts from rows 4, 5 and 10 only (a window needs 4 adjacent rows)
  const rows = csv.slice(0, 11).map((l, i) => (i === 6 ? l.replace(/,[^,]*$/, ',') : l));
  writeFileSync(join(dir, 'dgap.csv'), `${rows.join('\n')}\n`);
  const p = await quiet(['predict', out, '--csv', join(dir, 'dgap.csv')]);
  assert.equal(p.value, 0, p.err);
  assert.deepEqual(
    p.out
      .trim()
      .split('\n')
      .map((l) => l.split(',')[0]),
    ['origin_row', '4', '5', '10'],
  );
});

test('predict says what data.missing filled in the new CSV, and the filled cells the newest forecast reads', async () => {
  // a meter whose latest reading is missing was forecast from the value ffill carried forward, without a word
  const csv = syntheticCsv({ length: 200, seed: 6 }).trim().split('\n');
  writeFileSync(join(dir, 'f.csv'), `${csv.join('\n')}\n`);
  writeFileSync(
    join(dir, 'f.yaml'),
    `name: f
data: {csv: f.csv, time: time, target: value, lookback: 4, missing: ffill}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 32}
`,
  );
  const out = join(dir, 'frun');
  assert.equal((await quiet(['train', join(dir, 'f.yaml'), '--out', out, '--quiet'])).value, 0);
  const gap = (at: number[]) => csv.slice(0, 11).map((l, i) => (at.includes(i) ? l.replace(/,[^,]*$/, ',') : l));
  writeFileSync(join(dir, 'fgap.csv'), `${gap([3, 10]).join('\n')}\n`);
  const p = await quiet(['predict', out, '--csv', join(dir, 'fgap.csv')]);
  assert.equal(p.value, 0, p.err);
  assert.equal(p.out.trim().split('\n').length, 8, 'the forecasts on stdout, the notes on stderr');
  assert.match(p.err, /^data: filled 2 missing values \(ffill\)$/m);
  const newest =
    'the last forecast (origin row 10) reads 1 filled cell of its 4-row window, ' +
    'the newest at row 10 column "value" (data.missing: ffill)';
  assert.ok(p.err.split('\n').includes(newest), p.err);
  // a gap older than the newest window: the fill is said, the newest forecast reads none
  writeFileSync(join(dir, 'fold.csv'), `${gap([3]).join('\n')}\n`);
  const q = await quiet(['predict', out, '--csv', join(dir, 'fold.csv')]);
  assert.match(q.err, /^data: filled 1 missing value \(ffill\)$/m);
  assert.doesNotMatch(q.err, /last forecast/);
});

test('predict says where the time column of the new CSV skips steps, and which forecasts read across a gap', async () => {
  // a new CSV without rows 41-45 was forecast across the 6-hour step as if it were one hour, without a word, while
  // check warns of such gaps in training data (data.time_gaps)
  const csv = syntheticCsv({ length: 200, seed: 7 }).trim().split('\n');
  writeFileSync(join(dir, 'g.csv'), `${csv.join('\n')}\n`);
  writeFileSync(
    join(dir, 'g.yaml'),
    `name: g
data: {csv: g.csv, time: time, target: value, lookback: 4}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 32}
`,
  );
  const out = join(dir, 'grun');
  assert.equal((await quiet(['train', join(dir, 'g.yaml'), '--out', out, '--quiet'])).value, 0);
  // data rows 1-20 of the hourly series without those listed
  const predict = async (cut: number[]) => {
    const rows = [csv[0]!, ...csv.slice(1, 21).filter((_, i) => !cut.includes(i + 1))];
    writeFileSync(join(dir, 'ggap.csv'), `${rows.join('\n')}\n`);
    const p = await quiet(['predict', out, '--csv', join(dir, 'ggap.csv')]);
    assert.equal(p.value, 0, p.err);
    return p;
  };
  const older = await predict([8, 9, 10]);
  assert.equal(older.out.trim().split('\n').length, 15, 'every forecast is still written');
  const said =
    'the time column skips 3 steps in 1 gap (the usual step is 1 h, the longest gap 4 h, the first before row 8): ' +
    '3 of the 14 forecasts read a window that spans a gap as one step; the last forecast (origin row 17) reads ' +
    'none; add the missing rows to forecast from steps of 1 h, as the run was trained';
  assert.ok(older.err.split('\n').includes(said), older.err);
  const newest = await predict([17, 18]);
  assert.match(
    newest.err,
    new RegExp(
      '^the time column skips 2 steps in 1 gap .*: 2 of the 15 forecasts read a window that spans a gap as one ' +
        'step, the last forecast \\(origin row 18\\) among them;',
      'm',
    ),
  );
  assert.doesNotMatch((await predict([])).err, /skips/);
});

test('train warns of data.split ranges that share target rows, as check does: the test scores are not of unseen rows', async () => {
  // validation [150, 200) reaching into the test rows [180, 200): early stopping chose the epoch on test rows, and
  // train said nothing (only check warned: data.split_overlap)
  writeFileSync(join(dir, 'overlap.csv'), syntheticCsv({ length: 200, seed: 7 }));
  const config = (split: string) =>
    `name: overlap
data: {csv: overlap.csv, time: time, target: value, lookback: 4, split: ${split}}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 32}
`;
  let runs = 0;
  const train = async (split: string) => {
    writeFileSync(join(dir, 'overlap.yaml'), config(split));
    const t = await quiet(['train', join(dir, 'overlap.yaml'), '--out', join(dir, `overlap-${runs++}`)]);
    assert.equal(t.value, 0, t.err);
    return `${t.out}\n${t.err}`.split('\n').filter((l) => l.startsWith('warning: data.split'));
  };
  assert.deepEqual(await train('{train: [0, 150], val: [150, 200], test: [180, 200]}'), [
    'warning: data.split: the val and test windows share 20 target rows (data rows 181-200): early stopping chooses ' +
      'the epoch on test rows: the test scores come out optimistic; make the ranges disjoint',
  ]);
  assert.deepEqual(await train('{train: [0, 140], val: [140, 170], test: [170, 200]}'), []);
});

test('train warns of gaps in the time column as check does, and predict on its training CSV says it was trained so', async () => {
  // 200 hourly rows without data rows 50-81: train said nothing of the 32-hour hole (only check warned)
  const csv = syntheticCsv({ length: 200, seed: 7 }).trim().split('\n');
  const rows = [csv[0]!, ...csv.slice(1).filter((_, i) => i + 1 < 50 || i + 1 > 81)];
  writeFileSync(join(dir, 'holes.csv'), `${rows.join('\n')}\n`);
  writeFileSync(
    join(dir, 'holes.yaml'),
    `name: holes
data: {csv: holes.csv, time: time, target: value, lookback: 4}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 32}
`,
  );
  const out = join(dir, 'holesrun');
  const t = await quiet(['train', join(dir, 'holes.yaml'), '--out', out]);
  assert.equal(t.value, 0, t.err);
  const warned =
    'warning: the time column skips 32 steps in 1 gap (the usual step is 1 h, the longest gap 33 h, the first ' +
    'before row 50): a window spans each gap as one step; add the missing rows (empty cells, with data.missing: ' +
    "interpolate), unless the series has no value there by nature (a market's weekends)";
  assert.ok(`${t.out}\n${t.err}`.split('\n').includes(warned), `${t.out}\n${t.err}`);
  // predict on the training CSV ended "add the missing rows to forecast from steps of 1 h, as the run was trained",
  // but the run was trained across these same gaps
  const p = await quiet(['predict', out, '--csv', join(dir, 'holes.csv')]);
  assert.equal(p.value, 0, p.err);
  assert.match(
    p.err,
    /reads none; the run was trained across the same gaps \(this is its training CSV\): add the missing rows and /,
  );
  assert.doesNotMatch(p.err, /as the run was trained/);
});

test("predict reads a new CSV's slashed dates in the training CSV's order, and refuses one that cannot be read so", async () => {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const ddmm = (ms: number) => `${p2(new Date(ms).getUTCDate())}/${p2(new Date(ms).getUTCMonth() + 1)}/2024`;
  const train = Array.from({ length: 120 }, (_, i) => `${ddmm(Date.UTC(2024, 0, 1 + i))},${Math.sin(i / 5)}`);
  writeFileSync(join(dir, 'dm.csv'), `date,value\n${train.join('\n')}\n`);
  writeFileSync(
    join(dir, 'dm.yaml'),
    `name: dm
data: {csv: dm.csv, time: date, target: value, lookback: 3}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 32}
`,
  );
  const out = join(dir, 'dmrun');
  assert.equal((await quiet(['train', join(dir, 'dm.yaml'), '--out', out, '--quiet'])).value, 0);
  assert.equal(JSON.parse(readFileSync(join(out, 'model', 'data.json'), 'utf8')).dayFirst, true);
  // 7-12 August, then 1-4 September: every day 12 or under; read month first, 01/09 (9 January) came before 12/08
  const days = [7, 8, 9, 10, 11, 12]
    .map((d) => Date.UTC(2024, 7, d))
    .concat([1, 2, 3, 4].map((d) => Date.UTC(2024, 8, d)));
  writeFileSync(join(dir, 'dm-new.csv'), `date,value\n${days.map((ms, i) => `${ddmm(ms)},${i / 10}`).join('\n')}\n`);
  const p = await quiet(['predict', out, '--csv', join(dir, 'dm-new.csv')]);
  assert.equal(p.value, 0, p.err);
  assert.deepEqual(
    p.out
      .trim()
      .split('\n')
      .map((l) => l.split(',').slice(0, 2).join(',')),
    ['origin_row,origin_time', ...days.slice(2).map((ms, i) => `${i + 3},${ddmm(ms)}`)],
  );
  // the same days written month first: 08/13/2024 is no date day first
  const mmdd = join(dir, 'dm-mmdd.csv');
  writeFileSync(mmdd, 'date,value\n08/11/2024,1\n08/12/2024,2\n08/13/2024,3\n08/14/2024,4\n');
  const m = await quiet(['predict', out, '--csv', mmdd]);
  assert.equal(m.value, 2);
  const says =
    `${mmdd}: row 3, column "date": "08/13/2024": read day first (dd/mm/yyyy), as the run's training dates were, ` +
    'it is no date; read month first (mm/dd/yyyy) it would be 2024-08-13';
  assert.ok(m.err.includes(says), m.err);
});

test('predict quotes a target whose name holds a comma or a quote in its header, as the rows are read', async () => {
  const rows = syntheticCsv({ length: 120, seed: 9 }).trim().split('\n').slice(1);
  writeFileSync(join(dir, 'q.csv'), `time,"load, ""MW"""\n${rows.join('\n')}\n`);
  writeFileSync(
    join(dir, 'q.yaml'),
    `name: q
data: {csv: q.csv, time: time, target: 'load, "MW"', lookback: 4, horizon: 2}
model: {layers: [{gru: {units: 2}}, {dense: {units: 2}}]}
train: {epochs: 1, batch_size: 32}
`,
  );
  const out = join(dir, 'qrun');
  const r = await quiet(['train', join(dir, 'q.yaml'), '--out', out, '--quiet']);
  assert.equal(r.value, 0, r.err);
  const p = await quiet(['predict', out, '--csv', join(dir, 'q.csv')]);
  assert.equal(p.value, 0, p.err);
  const lines = p.out.trim().split('\n');
  // it was written bare (load, "MW"_t+1): 6 fields in the header over 4 in each row
  assert.equal(lines[0], 'origin_row,origin_time,"load, ""MW""_t+1","load, ""MW""_t+2"');
  assert.equal(lines[1]!.split(',').length, 4);
});

test("predict writes a forecast to a fraction of its target's spread: a series near 1e12 scores as evaluate says", async () => {
  // 8 significant digits wrote 1000000100000 or 1000000000000 for a series that moves by 1e5 about 1e12
  const v = (i: number) => 1e12 + Math.round(1e5 * Math.sin(i / 5) + 3e4 * Math.cos(i * 1.7));
  writeFileSync(join(dir, 'level.csv'), `y\n${Array.from({ length: 200 }, (_, i) => v(i)).join('\n')}\n`);
  writeFileSync(
    join(dir, 'level.yaml'),
    `name: level
data: {csv: level.csv, target: y, lookback: 4}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 32}
`,
  );
  const out = join(dir, 'levelrun');
  assert.equal((await quiet(['train', join(dir, 'level.yaml'), '--out', out, '--quiet'])).value, 0);
  const p = await quiet(['predict', out, '--csv', join(dir, 'level.csv')]);
  assert.equal(p.value, 0, p.err);
  // origin_row r is the last input row (1-based): its forecast is of 0-based row r; the test windows are rows 170..199
  let se = 0,
    n = 0;
  for (const line of p.out.trim().split('\n').slice(1)) {
    const [r, f] = line.split(',').map(Number);
    if (r! >= 170 && r! < 200) {
      se += (f! - v(r!)) ** 2;
      n++;
    }
  }
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(n, m.windows.test);
  assert.ok(Math.abs(se / n / m.test.original.model.mse - 1) < 1e-4, `${se / n} vs ${m.test.original.model.mse}`);
});

test('predict finds the input columns by name: a new CSV may hold them in another order', async () => {
  const rows = syntheticCsv({ length: 120, seed: 8 }).trim().split('\n').slice(1);
  const cells = rows.map((l, i) => [...l.split(','), String(i % 5)]);
  writeFileSync(join(dir, 'r.csv'), `time,value,temp\n${cells.map((c) => c.join(',')).join('\n')}\n`);
  const moved = cells.map(([t, v, x]) => [x, t, v].join(','));
  writeFileSync(join(dir, 'r2.csv'), `temp,time,value\n${moved.join('\n')}\n`);
  writeFileSync(
    join(dir, 'r.yaml'),
    `name: r
data: {csv: r.csv, time: time, target: value, lookback: 4}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 32}
`,
  );
  const out = join(dir, 'rrun');
  assert.equal((await quiet(['train', join(dir, 'r.yaml'), '--out', out, '--quiet'])).value, 0);
  const a = await quiet(['predict', out, '--csv', join(dir, 'r.csv')]);
  const b = await quiet(['predict', out, '--csv', join(dir, 'r2.csv')]);
  assert.equal(b.value, 0, b.err);
  assert.equal(b.out, a.out);
  // a column the run was trained on is missing: named as the run's (the config has no data.features to point at)
  writeFileSync(join(dir, 'r3.csv'), `time,value\n${cells.map((c) => c.slice(0, 2).join(',')).join('\n')}\n`);
  const c = await quiet(['predict', out, '--csv', join(dir, 'r3.csv')]);
  assert.equal(c.value, 2);
  assert.match(c.err, /r3\.csv: the run was trained on column "temp", not in the header \(time, value\); /);
  assert.doesNotMatch(c.err, /data\.features/);
});

test('a run whose model gives no finite forecast: train exits 1 and keeps the folder to diagnose; predict, evaluate and export exit 1', async () => {
  writeFileSync(join(dir, 'nan.csv'), syntheticCsv({ length: 200, seed: 5 }));
  writeFileSync(
    join(dir, 'nan.yaml'),
    `name: nan
data: {csv: nan.csv, time: time, target: value, lookback: 12, horizon: 1}
model: {layers: [{gru: {units: 4}}, {dense: {units: 1}}]}
train: {epochs: 2, batch_size: 32, optimizer: {sgd: {learning_rate: 1.0e+30}}}
`,
  );
  const out = join(dir, 'nanrun');
  const r = await quiet(['train', join(dir, 'nan.yaml'), '--out', out, '--quiet']);
  assert.equal(r.value, 1, r.err);
  assert.match(
    r.err,
    /^seqtune: .*nanrun: the model's forecasts are not finite: the run diverged \(.*\); the folder keeps/,
  );
  assert.equal(JSON.parse(readFileSync(join(out, 'diagnosis.json'), 'utf8')).pattern, 'diverged');
  const p = await quiet(['predict', out, '--csv', join(dir, 'nan.csv')]);
  assert.deepEqual([p.value, p.out], [1, '']);
  assert.match(
    p.err,
    /^seqtune: .*nanrun: the model's forecast from origin row 12 of .*nan\.csv is (NaN|-?Infinity): /,
  );
  // evaluate shows the baselines and exits 1, as train; export writes no graph that forecasts NaN
  const ev = await quiet(['evaluate', out]);
  assert.equal(ev.value, 1);
  assert.match(ev.out, /persistence/);
  assert.match(ev.err, /nanrun: the model's forecasts are not finite: the run diverged/);
  // a loss that blew up to finite values is diverged too: the diagnosis says so, and so does train's exit
  writeFileSync(
    join(dir, 'big.yaml'),
    readFileSync(join(dir, 'nan.yaml'), 'utf8').replace(
      '{sgd: {learning_rate: 1.0e+30}}',
      '{adam: {learning_rate: 1.0e+30}}',
    ),
  );
  const big = await quiet(['train', join(dir, 'big.yaml'), '--out', join(dir, 'bigrun'), '--quiet']);
  assert.equal(big.value, 1, big.out + big.err);
  assert.match(big.err, /bigrun: the run diverged \(.*\); the folder keeps its curves and diagnosis/);
  // ... and evaluate and export say it as train does: they read its diagnosis (evaluate said 0, export wrote a graph)
  const bigEv = await quiet(['evaluate', join(dir, 'bigrun')]);
  assert.equal(bigEv.value, 1, bigEv.err);
  assert.match(bigEv.out, /persistence/);
  assert.match(bigEv.err, /bigrun: the run diverged \(.*; diagnosis\.json says\); train it again with a lower/);
  const bigEx = await quiet(['export', join(dir, 'bigrun')]);
  assert.equal(bigEx.value, 1, bigEx.err);
  assert.match(bigEx.err, /bigrun: the run diverged \(.*; diagnosis\.json says\); nothing to export/);
  assert.equal(existsSync(join(dir, 'bigrun', 'model.onnx')), false);
  // ... and so does predict, writing nothing (it wrote the blown-up weights' forecasts, finite, with exit 0)
  const bigOut = join(dir, 'big-forecasts.csv');
  const bigP = await quiet(['predict', join(dir, 'bigrun'), '--csv', join(dir, 'nan.csv'), '--out', bigOut]);
  assert.deepEqual([bigP.value, bigP.out], [1, ''], bigP.err);
  assert.match(bigP.err, /bigrun: the run diverged \(.*; diagnosis\.json says\); nothing to forecast with: train it/);
  assert.equal(existsSync(bigOut), false);
  const ex = await quiet(['export', out]);
  assert.equal(ex.value, 1);
  assert.match(ex.err, /nanrun: the run diverged .* nothing to export/);
  assert.equal(existsSync(join(out, 'model.onnx')), false);
});

test('seqtune demo runs the main job on built-in data and says where its pictures are', async () => {
  const out = join(dir, 'demo');
  const r = await quiet(['demo', '--out', out, '--quiet']);
  assert.equal(r.value, 0, r.err);
  assert.match(r.out, /run folder: .*demo\s+\(loss.png, forecast.png/);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.ok(m.test.scaled.model.mse < m.test.scaled.mean.mse, 'the demo model beats the training mean');
  // Its series lives in the run folder (the demo's own folder is temporary): evaluate and check read it there.
  assert.ok(existsSync(join(out, 'data.csv')));
  // its config.yaml names no temporary path that is gone (walk M)
  assert.match(readFileSync(join(out, 'config.yaml'), 'utf8'), /^# resolved by seqtune from demo's config, its CSV/);
  const ev = await quiet(['evaluate', out]);
  assert.equal(ev.value, 0, ev.err);
  assert.equal(JSON.parse(readFileSync(join(out, 'model', 'data.json'), 'utf8')).csvPath, join(out, 'data.csv'));
  const again = await quiet(['check', join(out, 'config.yaml'), '--json']);
  assert.notEqual(again.value, 2, again.err);
  // --out relative to the working folder: the run still names its copy by an absolute path (it named demo/data.csv)
  const rel = relative(process.cwd(), join(dir, 'demo-rel'));
  assert.equal((await quiet(['demo', '--out', rel, '--quiet'])).value, 0);
  const csvPath = JSON.parse(readFileSync(join(dir, 'demo-rel', 'model', 'data.json'), 'utf8')).csvPath;
  assert.equal(csvPath, join(dir, 'demo-rel', 'data.csv'));
});

test('seqtune init writes a starter config that loads, with relative: true, and never overwrites', async () => {
  const f = join(dir, 'starter.yaml');
  assert.equal((await quiet(['init', f])).value, 0);
  const { parseConfig } = await import('../../src/config/index.js');
  const starter = parseConfig(readFileSync(f, 'utf8'), f);
  assert.equal(starter.model.layers.length, 2);
  assert.equal(starter.data.relative, true, 'the starter config learns changes (data.relative)');
  assert.match(readFileSync(f, 'utf8'), /docs\/config\.md/);
  // its tune: section, commented out, is a valid one once uncommented: auto for 30 minutes, as many trials as fit
  const text = readFileSync(f, 'utf8');
  const tune = text.slice(text.indexOf('# tune:')).replace(/^# ?/gm, '');
  const { tuneSettings } = await import('../../src/tune/settings.js');
  const s = tuneSettings(parseConfig(text + tune, f), f);
  assert.deepEqual(
    [s.strategy, s.timeBudget, s.trials, s.space.map((p) => p.name)],
    ['auto', 1800, Infinity, ['model.layers[0].gru.units']],
  );
  const again = await quiet(['init', f]);
  assert.equal(again.value, 2);
  assert.match(again.err, /already exists/);
});

test('seqtune diagnose reads a Keras history with NaN tokens, a CSVLogger file and a run folder; --json and --plot', async () => {
  const h = join(dir, 'keras.json');
  writeFileSync(
    h,
    '{"loss": [1.0, 0.6, 0.45, 0.38, 0.33, 0.3, 0.28, 0.26, 0.25, 0.24], ' +
      '"val_loss": [1.1, 0.7, 0.55, 0.5, 0.52, 0.56, 0.6, 0.66, 0.7, NaN]}',
  );
  const r = await quiet(['diagnose', h, '--json']);
  assert.equal(r.value, 0, r.err);
  const d = JSON.parse(r.out);
  assert.equal(d.pattern, 'diverged');
  assert.ok(d.confidence > 0 && Array.isArray(d.advice) && d.advice[0].param);
  const c = join(dir, 'log.csv');
  writeFileSync(
    c,
    'epoch,loss,val_loss\n' +
      [1, 0.6, 0.45, 0.38, 0.33, 0.3, 0.28, 0.26, 0.25, 0.24]
        .map((v, i) => `${i},${v},${[1.1, 0.7, 0.55, 0.5, 0.52, 0.56, 0.6, 0.66, 0.7, 0.75][i]}`)
        .join('\n'),
  );
  const svg = join(dir, 'curves.svg');
  const t = await quiet(['diagnose', c, '--plot', svg]);
  assert.equal(t.value, 0, t.err);
  assert.match(
    t.out,
    new RegExp(
      /overfitting \[overfitting\], confidence [\d.]+[\s\S]*what to try next:/.source +
        /[\s\S]*stop early: validation loss was best at epoch 4/.source,
    ),
  );
  assert.match(readFileSync(svg, 'utf8'), /best epoch 4[\s\S]*read here|read here[\s\S]*best epoch 4/);
  const run = await quiet(['diagnose', join(dir, 'run1'), '--json']);
  assert.equal(run.value, 0, run.err);
  assert.ok(JSON.parse(run.out).pattern);
  const bad = await quiet(['diagnose', join(dir, 'nope.json')]);
  assert.equal(bad.value, 2);
  assert.match(bad.err, /nope.json: cannot read \(no such file or folder\)/);
});

test('diagnose --json counts epochs from 1 as its text does; a bare history gets no invented settings', async () => {
  const over = join(dir, 'over.json');
  writeFileSync(
    over,
    '{"loss": [1.0, 0.6, 0.45, 0.38, 0.33, 0.3, 0.28, 0.26, 0.25, 0.24], ' +
      '"val_loss": [1.1, 0.7, 0.55, 0.5, 0.52, 0.56, 0.6, 0.66, 0.7, 0.75]}',
  );
  const t = await quiet(['diagnose', over]);
  assert.equal(t.value, 0, t.err);
  assert.match(t.out, /best [\d.]+ at epoch 4/);
  const j = JSON.parse((await quiet(['diagnose', over, '--json'])).out);
  assert.equal(j.evidence.bestEpoch, 4, 'the epoch the text names');
  assert.deepEqual(j.evidence.window[1], 10, 'the window ends at the last epoch, 1-based');
  assert.equal(j.evidence.window[1] - j.evidence.window[0] + 1, 8, 'the 8 epochs the trends were read over');
  assert.match(t.out, /use fewer units or fewer layers/);
  assert.match(t.out, /add dropout on the recurrent layer's inputs {3}\[/);
  assert.match(t.out, /use fewer units or fewer layers\n/, 'no values (32, 16) scaled from a guessed 64');
  assert.doesNotMatch(t.out, /\(\d+(\.\d+)? -> /, 'no current value it cannot know');
  const nan = join(dir, 'nan.json');
  writeFileSync(nan, '{"loss": [1.0, 0.8, 0.7, NaN], "val_loss": [1.1, 0.9, 0.8, 0.9]}');
  const n = await quiet(['diagnose', nan]);
  assert.match(n.out, /at epoch 4/);
  assert.match(n.out, /lower the learning rate \(to a third or a tenth\)/);
  assert.doesNotMatch(n.out, /from 0\.001/);
  assert.equal(JSON.parse((await quiet(['diagnose', nan, '--json'])).out).evidence.firstNonFinite, 4);
});

test('paths a config names are relative to its file: the run folder and the study database land beside it, whatever the working folder', async () => {
  const home = join(dir, 'project');
  mkdirSync(home);
  writeFileSync(join(home, 'series.csv'), syntheticCsv({ length: 300, seed: 4 }));
  writeFileSync(
    join(home, 'beside.yaml'),
    `name: beside
data: {csv: series.csv, target: value, lookback: 8}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 32}
tune:
  strategy: grid
  jobs: 1
  storage: "sqlite:studies.db"
  space: {"model.layers[0].gru.units": [2, 3]}
`,
  );
  assert.notEqual(process.cwd(), home);
  const t = await quiet(['train', join(home, 'beside.yaml'), '--quiet']);
  assert.equal(t.value, 0, t.err);
  assert.equal(readdirSync(join(home, 'runs', 'beside')).length, 1, 'the run folder is under the config folder');
  const u = await quiet(['tune', join(home, 'beside.yaml')]);
  assert.equal(u.value, 0, u.err);
  assert.ok(existsSync(join(home, 'studies.db')), 'the relative sqlite file is beside the config');
  assert.match(u.out, /stored in sqlite:\S*project\/studies\.db; look again with: seqtune study show beside --storage/);
  assert.equal(readdirSync(join(home, 'runs', 'beside')).length, 3, "each trial's run folder too");
  assert.ok(!existsSync(join(process.cwd(), 'runs', 'beside')) && !existsSync(join(process.cwd(), 'studies.db')));
  const ls = await quiet(['study', 'ls', '--storage', join(home, 'studies.db'), '--json']);
  assert.deepEqual(
    JSON.parse(ls.out).map((s: { name: string }) => s.name),
    ['beside'],
  );
});

test('a linear baseline over more inputs than it can fit in seconds is left out with a note that says how to have it', async () => {
  // 60 columns over a lookback of 48: 2,880 inputs (200 columns over 24 ran for more than 15 minutes)
  const cols = Array.from({ length: 60 }, (_, j) => `c${j}`);
  const rows = [['y', ...cols].join(',')];
  for (let i = 0; i < 260; i++)
    rows.push([Math.sin(i / 5), ...cols.map((_, j) => Math.cos((i + j) / 7))].map((v) => v.toFixed(4)).join(','));
  writeFileSync(join(dir, 'wide.csv'), `${rows.join('\n')}\n`);
  writeFileSync(
    join(dir, 'wide.yaml'),
    'name: wide\ndata: {csv: wide.csv, target: y, lookback: 48}\n' +
      'model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}\ntrain: {epochs: 1}\n',
  );
  const out = join(dir, 'wide-run');
  const started = Date.now();
  const r = await quiet(['train', join(dir, 'wide.yaml'), '--out', out, '--quiet']);
  assert.equal(r.value, 0, r.err);
  assert.ok(Date.now() - started < 60_000, 'seconds, not minutes');
  assert.match(
    r.out,
    /note: the linear baseline is left out: 61 features over a lookback of 48 are 2,928 inputs, more than 2,500/,
  );
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.deepEqual(Object.keys(m.test.scaled).sort(), ['mean', 'model', 'persistence']);
  assert.equal(m.notes.length, 1);
  const ev = await quiet(['evaluate', out]);
  assert.match(ev.out, /note: the linear baseline is left out/);
  const ck = await quiet(['check', join(dir, 'wide.yaml'), '--json']);
  const scores = JSON.parse(ck.out).checks.find((c: { id: string }) => c.id === 'baseline.scores');
  assert.match(scores.advice, /the linear baseline is left out/);
});

test('an encoder-decoder whose output sequence does not fit is told its repeat_vector n and time_distributed units', async () => {
  const rows = Array.from(
    { length: 120 },
    (_, i) => `${i},${Math.sin(i / 5).toFixed(3)},${Math.cos(i / 7).toFixed(3)}`,
  );
  writeFileSync(join(dir, 'two.csv'), `time,a,b\n${rows.join('\n')}\n`);
  const cfg = (n: number, units: number, name: string) => {
    writeFileSync(
      join(dir, `${name}.yaml`),
      `name: ${name}
data: {csv: two.csv, target: [a, b], lookback: 8, horizon: 3}
model:
  layers:
    - gru: {units: 4}
    - repeat_vector: {n: ${n}}
    - gru: {units: 4, return_sequences: true}
    - time_distributed: {dense: {units: ${units}}}
train: {epochs: 1}
`,
    );
    return quiet(['train', join(dir, `${name}.yaml`), '--out', join(dir, `${name}-run`), '--quiet']);
  };
  // was: "the model outputs (2, 2) values per window; expected 6 (horizon 3 x 2 targets), e.g. dense: {units: 6}"
  const steps = await cfg(2, 2, 'ed-steps');
  assert.equal(steps.value, 2, steps.err);
  assert.ok(
    steps.err.endsWith(
      'model.layers[3].time_distributed: the model outputs (2, 2) values per window; ' +
        'expected (3, 2) (horizon 3 x 2 targets), ' +
        'e.g. model.layers[1].repeat_vector: {n: 3}, or a vector output ending in dense: {units: 6}\n',
    ),
    steps.err,
  );
  const width = await cfg(3, 6, 'ed-width');
  assert.equal(width.value, 2, width.err);
  assert.match(
    width.err,
    /outputs \(3, 6\) values per window; expected \(3, 2\) .*e.g. time_distributed: \{dense: \{units: 2\}\} last,/,
  );
  const fits = await cfg(3, 2, 'ed-fits');
  assert.equal(fits.value, 0, fits.err);
});
