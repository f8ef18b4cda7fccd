// seqtune init --csv: the starter config's data section read off a CSV (time column, index column, categories, target,
// missing cells, season and lookback), a config that loads and windows; and the refusals, exit 2 in one line.

import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkBaselines } from '../../src/config/build.js';
import { loadConfig } from '../../src/config/index.js';
import { prepareData } from '../../src/data/index.js';
import { docsPointer } from '../../src/run/init.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-init-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** An hourly CSV: a row counter first, a date column, a wind direction, two measurements. */
function hourly(rows: number): string {
  const lines = ['No,date,wind,load,temp,empty'];
  for (let r = 0; r < rows; r++) {
    const t = new Date(Date.UTC(2024, 0, 1, r)).toISOString().slice(0, 19).replace('T', ' ');
    const load = r < 3 || r === 100 ? '' : (50 + 10 * Math.sin((2 * Math.PI * r) / 24) + (r % 7)).toFixed(2);
    lines.push(`${r},${t},${['N', 'S', 'E', 'W'][r % 4]},${load},${(r % 13) - 6},`);
  }
  return `${lines.join('\n')}\n`;
}

test('init --csv reads the data section off the CSV: a config that loads and cuts windows', async () => {
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'plant.csv'), hourly(600));
  const f = join(dir, 'plant.yaml');
  const r = await runCli(['init', f, '--csv', join(data, 'plant.csv'), '--target', 'load']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /name: plant \(after the CSV: runs go to runs\/plant\/ beside the config\)/);
  assert.match(r.out, /time: date/);
  assert.match(r.out, /dropped No: it counts the rows/);
  assert.match(r.out, /dropped empty: no value in any row/);
  assert.match(r.out, /wind: 4 categories, one-hot encoded/);
  assert.match(r.out, /skip_rows: 3 /);
  assert.match(r.out, /missing: ffill \(1 cell is missing, the first at row 101, column "load"/);
  assert.match(r.out, /season: 24 \(a day of hours\)/);
  assert.match(r.out, /lookback: 48 \(two seasons\)/);
  assert.match(r.out, /next: seqtune check/);
  const text = readFileSync(f, 'utf8');
  assert.match(text, /^ {2}csv: data\/plant\.csv /m, 'a CSV below the config is named relative to it');
  assert.match(text, /seasonal_naive: \{season: 24\}/);
  const { raw: config, dir: cfgDir } = await loadConfig(f);
  assert.equal(config.name, 'plant');
  assert.deepEqual(config.data.categorical, { wind: 'onehot' });
  assert.equal(config.data.target, 'load');
  assert.equal(config.data.skip_rows, 3);
  const d = await prepareData(config.data, join(cfgDir, config.data.csv));
  assert.deepEqual(d.targets, ['load']);
  assert.ok(d.windows.train.count > 300, `${d.windows.train.count} training windows`);
  assert.ok(!d.features.includes('No'), 'the row counter is not an input');
  // the categorical column is an input by default, as the starter config's comment says (it said "every numeric
  // column", the categorical: line right above it)
  assert.ok(d.features.includes('wind=N'), d.features.join(', '));
  assert.match(text, /^ {2}# features: \[a, b, c\] +# default: every numeric or categorical column$/m);
});

test('init --csv drops a column of one value (text or number, gaps aside): no input, and no choice of target', async () => {
  // A meter's export: local times with their UTC offset across the spring DST change, the site's name and a format
  // version in every row (one cell of it empty), the load stuck at 42 for a day.
  const lines = ['stamp,load,site,version'];
  for (let r = 0; r < 400; r++) {
    const utc = Date.UTC(2024, 2, 25, r),
      off = utc >= Date.UTC(2024, 2, 31, 1) ? 2 : 1;
    const local = `${new Date(utc + off * 3600e3).toISOString().slice(0, 19)}+0${off}:00`;
    const load = r >= 100 && r < 124 ? 42 : 50 + 10 * Math.sin((2 * Math.PI * r) / 24) + (r % 5);
    lines.push(`${local},${load},Berlin,${r === 7 ? '' : 1}`);
  }
  const csv = join(dir, 'meter.csv');
  writeFileSync(csv, `${lines.join('\n')}\n`);
  const f = join(dir, 'meter.yaml');
  const r = await runCli(['init', f, '--csv', csv]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /time: stamp/);
  assert.match(r.out, /dropped site: "Berlin" in every row, no information to learn from/);
  assert.match(r.out, /dropped version: 1 in every row that has a value, no information to learn from/);
  assert.match(r.out, /target: load\n/, 'the one numeric column that varies is the target, and no input is left');
  assert.doesNotMatch(r.out, /categor|missing: ffill/, 'no one-hot column of ones, no ffill for a dropped column');
  const { raw: config, dir: cfgDir } = await loadConfig(f);
  assert.deepEqual(config.data.drop, ['site', 'version']);
  assert.equal(config.data.categorical, undefined);
  const d = await prepareData(config.data, join(cfgDir, config.data.csv));
  assert.deepEqual(d.features, ['load']);
});

test('init --csv on a short monthly series: its one numeric column is the target, the lookback a fifth of the rows', async () => {
  const rows = ['"Month","Sales"'];
  for (let i = 0; i < 60; i++)
    rows.push(`"${2001 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}",${100 + i}`);
  writeFileSync(join(dir, 'sales.csv'), `${rows.join('\r\n')}\r\n`);
  const f = join(dir, 'sales.yaml');
  const r = await runCli(['init', f, '--csv', join(dir, 'sales.csv')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /target: Sales\n/);
  assert.match(r.out, /season: 12 \(a year of months\)/);
  assert.match(r.out, /lookback: 12 \(a fifth of the 60 rows\)/);
  const { raw: config } = await loadConfig(f);
  assert.equal(config.data.time, 'Month');
  assert.equal(config.data.missing, 'error');
  assert.equal(config.data.lookback, 12);
});

test('init --csv on 20 hourly rows writes no seasonal naive baseline that train refuses: a day is more than they hold', async () => {
  // 20 rows of hours: init wrote {seasonal_naive: {season: 24}}, and check and train refused its own config, exit 2:
  // 'evaluate.baselines[3].seasonal_naive.season: expected at most 14, the rows before the first validation ...'
  writeFileSync(join(dir, 'day.csv'), hourly(23)); // 3 rows skipped: no load yet
  const f = join(dir, 'day.yaml');
  const r = await runCli(['init', f, '--csv', join(dir, 'day.csv'), '--target', 'temp']);
  assert.equal(r.code, 0, r.err);
  const said =
    "season: 24 (the calendar's, a day of hours: the 17 rows before the test split are too few to see whether the " +
    'data have it); no seasonal naive baseline: the 20 rows hold 14 before the validation split, fewer than a season';
  assert.ok(r.out.includes(said), r.out);
  const { raw: config, dir: cfgDir } = await loadConfig(f);
  assert.deepEqual(config.evaluate?.baselines, ['persistence', 'mean', 'linear']);
  const d = await prepareData(config.data, join(cfgDir, config.data.csv));
  assert.doesNotThrow(() => checkBaselines(f, config, d));
  // 40 rows hold 28 before validation: a day fits, and the baseline is written
  writeFileSync(join(dir, 'days.csv'), hourly(43));
  const g = join(dir, 'days.yaml');
  assert.equal((await runCli(['init', g, '--csv', join(dir, 'days.csv'), '--target', 'temp'])).code, 0);
  assert.match(readFileSync(g, 'utf8'), /seasonal_naive: \{season: 24\}/);
});

test('init --csv chooses the season and lookback on the rows before the test split: the test rows change neither', async () => {
  // 400 days of noise; in the second file the last 60 (the starter split's test rows) carry a cycle of 10 days. The
  // ACF of all rows peaked at 10: init said "season: 10 (the data's autocorrelation peaks there ...)", lookback 20,
  // and wrote a seasonal naive of 10 that only the test rows had shown.
  let seed = 7;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  const values = Array.from({ length: 400 }, () => 2 * noise());
  const start = Date.UTC(2020, 0, 1);
  const csv = (name: string, cycle: number) => {
    const rows = values.map((v, i) => {
      const day = new Date(start + i * 86400000).toISOString().slice(0, 10);
      return `${day},${(v + (i >= 340 ? cycle * Math.sin((2 * Math.PI * i) / 10) : 0)).toFixed(5)}`;
    });
    writeFileSync(join(dir, name), `day,value\n${rows.join('\n')}\n`);
    return join(dir, name);
  };
  const said = async (file: string) => {
    const r = await runCli(['init', `${file}.yaml`, '--csv', file]);
    assert.equal(r.code, 0, r.err);
    return r.out.split('\n').filter((l) => /^ {2}(season|lookback):/.test(l));
  };
  const plain = await said(csv('plain.csv', 0));
  assert.equal(plain.length, 2, plain.join('\n'));
  assert.deepEqual(await said(csv('planted.csv', 5)), plain);
});

test('init --csv says a count of one in the singular: 1 training window, the row before', async () => {
  // '89 weights for 1 training windows', 'skip_rows: 1 (the rows before every numeric column has a value'
  writeFileSync(join(dir, 'four.csv'), 'a,y\n,1\n2,3\n3,2\n4,5\n5,4\n');
  const r = await runCli(['init', join(dir, 'four.yaml'), '--csv', join(dir, 'four.csv'), '--target', 'y']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /skip_rows: 1 \(the row before every numeric column has a value: none to carry forward\)\n/);
  assert.match(r.out, /model: gru units 4, \d+ weights for 1 training window \(GRU/);
});

test('init --csv sizes the GRU to the training windows, and check then finds the model not too big for them', async () => {
  // shampoo's 36 rows give 18 training windows: init wrote GRU(64), 12,929 weights, and check said 'few training
  // windows for this model: use fewer units'
  const rows = Array.from({ length: 36 }, (_, i) => `${2001 + Math.floor(i / 12)}-${(i % 12) + 1},${100 + 7 * i}`);
  writeFileSync(join(dir, 'sales.csv'), `Month,Sales\n${rows.join('\n')}\n`);
  const f = join(dir, 'sales-size.yaml');
  const r = await runCli(['init', f, '--csv', join(dir, 'sales.csv')]);
  assert.equal(r.code, 0, r.err);
  const said = 'model: gru units 4, 89 weights for 18 training windows (GRU(64): 12929; at most 10 a window)';
  assert.ok(r.out.includes(said), r.out);
  assert.match(readFileSync(f, 'utf8'), /^ {4}- gru: \{units: 4\} +# 89 weights for 18 training windows/m);
  const c = await runCli(['check', f, '--json']);
  const checks = JSON.parse(c.out).checks as { id: string; advice: string; evidence: Record<string, number> }[];
  const enough = checks.find((x) => x.id === 'data.enough_windows')!;
  assert.ok(enough.evidence.weights! <= 10 * enough.evidence.training_targets!, JSON.stringify(enough));
  assert.doesNotMatch(enough.advice, /for this model/);
  assert.match(enough.advice, /only 18 training windows: few to learn from, whatever the model/);
  // enough rows: the usual GRU(64)
  const long = Array.from({ length: 3000 }, (_, i) => `${i},${Math.sin(i / 5).toFixed(4)}`);
  writeFileSync(join(dir, 'long.csv'), `t,y\n${long.join('\n')}\n`);
  const g = join(dir, 'long-size.yaml');
  assert.equal((await runCli(['init', g, '--csv', join(dir, 'long.csv')])).code, 0);
  assert.match(readFileSync(g, 'utf8'), /- gru: \{units: 64\} /);
});

test('init --csv --target a,b: both columns the targets, one Dense output each, the GRU sized to both', async () => {
  // '--target load,temp' was 'no such column', the whole text taken as one name
  writeFileSync(join(dir, 'pair.csv'), hourly(600));
  const f = join(dir, 'pair.yaml');
  const r = await runCli(['init', f, '--csv', join(dir, 'pair.csv'), '--target', 'load, temp']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /target: load, temp\n/);
  // each target's season checked: temp's 13-hour saw is named beside load's day (the first target's alone was checked,
  // 'season: 24 (a day of hours; checked on load, the first target)', and temp's cycle went unsaid)
  assert.ok(
    r.out.includes(
      'season: 24 (a day of hours; of load, the first target; temp has another, 13: the seasonal naive takes one ' +
        'season for all), a seasonal naive baseline\n',
    ),
    r.out,
  );
  const text = readFileSync(f, 'utf8');
  assert.match(text, /^ {2}target: \[load, temp\] +# the columns to forecast$/m);
  assert.match(text, /^ {4}- dense: \{units: 2\} +# = horizon x number of targets$/m);
  const { raw: config, dir: cfgDir } = await loadConfig(f);
  assert.deepEqual(config.data.target, ['load', 'temp']);
  const d = await prepareData(config.data, join(cfgDir, config.data.csv));
  assert.deepEqual(d.targets, ['load', 'temp']);
  // two daily cycles: alike
  const daily = hourly(600).replace(/^(\d+),([^,]+),(\w),([^,]*),(-?\d+),$/gm, (_, r, t, w, load) => {
    const n = Number(r);
    return `${r},${t},${w},${load},${(20 + 5 * Math.cos((2 * Math.PI * n) / 24) + (n % 3)).toFixed(2)},`;
  });
  writeFileSync(join(dir, 'both.csv'), daily);
  const both = await runCli(['init', join(dir, 'both.yaml'), '--csv', join(dir, 'both.csv'), '--target', 'load,temp']);
  assert.equal(both.code, 0, both.err);
  assert.match(both.out, /season: 24 \(a day of hours; load and temp alike\), a seasonal naive baseline\n/);
  // few rows: at most 10 weights a window and target, as check counts them (GRU(8) -> Dense(2): 288 + 2 x 9)
  const rows = Array.from({ length: 60 }, (_, i) => `${2001 + Math.floor(i / 12)}-${(i % 12) + 1},${i},${i % 5}`);
  writeFileSync(join(dir, 'two-sales.csv'), `Month,a,b\n${rows.join('\n')}\n`);
  const g = join(dir, 'two-sales.yaml');
  const s = await runCli(['init', g, '--csv', join(dir, 'two-sales.csv'), '--target', 'b,a']);
  assert.equal(s.code, 0, s.err);
  const said = '306 weights for 32 training windows (GRU(64): 13186; at most 10 a window and target (2 targets))';
  assert.ok(s.out.includes(`model: gru units 8, ${said}`), s.out);
  const c = await runCli(['check', g, '--json']);
  const checks = JSON.parse(c.out).checks as { id: string; evidence: Record<string, number> }[];
  const enough = checks.find((x) => x.id === 'data.enough_windows')!;
  assert.equal(enough.evidence.weights, 306, JSON.stringify(enough));
  assert.equal(enough.evidence.training_targets, 64, JSON.stringify(enough));
});

test('init --csv names the text cells of the number columns it reads, in the words train refuses them with', async () => {
  // a typo or two keeps a column numeric (an input, a target): init said nothing, and train then refused the cells
  const lines = hourly(600).split('\n');
  const cell = (row: number, col: number, text: string) => {
    const f = lines[row]!.split(',');
    f[col] = text;
    lines[row] = f.join(',');
  };
  cell(200, 3, 'n.a.');
  cell(300, 4, '"12,5"');
  writeFileSync(join(dir, 'typos.csv'), lines.join('\n'));
  const f = join(dir, 'typos.yaml');
  const r = await runCli(['init', f, '--csv', join(dir, 'typos.csv'), '--target', 'load']);
  assert.equal(r.code, 0, r.err);
  const said =
    'row 200, column "load": expected a number, found "n.a."; 2 cells of number columns are text, first at ' +
    'row 200 column "load" ("n.a."), row 300 column "temp" ("12,5")';
  assert.ok(
    r.out.includes(`  train refuses text in a column of numbers: ${said}; fix the cells in the CSV (an empty cell`),
    r.out,
  );
  const { raw: config, dir: cfgDir } = await loadConfig(f);
  await assert.rejects(prepareData(config.data, join(cfgDir, config.data.csv)), (e: Error) => {
    assert.ok(e.message.endsWith(said), e.message);
    return true;
  });
  // none: no such line
  writeFileSync(join(dir, 'clean.csv'), hourly(600));
  const c = await runCli(['init', join(dir, 'clean.yaml'), '--csv', join(dir, 'clean.csv'), '--target', 'load']);
  assert.doesNotMatch(c.out, /train refuses/);
});

test('init --csv on a European export: data.separator and data.decimal written, and train and predict read it', async () => {
  // semicolons between fields and decimal commas (a German spreadsheet's "CSV"): init said 'no column of numbers to
  // forecast (the columns are "Datum";"Temperatur (°C)";"Station")' and told to save the file with commas
  const de = fileURLToPath(new URL('../fixtures/european/temperatures-de.csv', import.meta.url));
  copyFileSync(de, join(dir, 'temperaturen.csv'));
  const f = join(dir, 'temperaturen.yaml');
  const r = await runCli(['init', f, '--csv', join(dir, 'temperaturen.csv')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /separator: ";", decimal: "," \(fields between semicolons, numbers with a decimal comma\)/);
  assert.match(r.out, /target: Temperatur \(°C\)\n/);
  const text = readFileSync(f, 'utf8');
  assert.match(text, /^ {2}separator: ";" +# between fields/m);
  assert.match(text, /^ {2}decimal: "," +# the decimal mark/m);
  const { raw: config, dir: cfgDir } = await loadConfig(f);
  const d = await prepareData(config.data, join(cfgDir, config.data.csv));
  assert.equal(d.targetSeries.original[0]![0], 20.7);
  // a short run, and a new file of the same export read as the training one was
  const quick = text.replace(/epochs: 100/, 'epochs: 1').replace(/units: \d+\}/, 'units: 2}');
  writeFileSync(f, quick);
  const run = join(dir, 'temperaturen-run');
  const t = await runCli(['train', f, '--out', run, '--quiet']);
  assert.equal(t.code, 0, t.err);
  const recent = readFileSync(de, 'utf8').split('\r\n').slice(0, 41).join('\r\n');
  writeFileSync(join(dir, 'neu.csv'), `${recent}\r\n`);
  const p = await runCli(['predict', run, '--csv', join(dir, 'neu.csv')]);
  assert.equal(p.code, 0, p.err);
  const lines = p.out.trim().split('\n');
  assert.equal(lines[0], 'origin_row,origin_time,Temperatur (°C)_t+1');
  assert.equal(lines.length, 1 + 40 - 14 + 1);
  assert.match(lines.at(-1)!, /^40,09\.02\.1981,-?\d+(\.\d+)?$/);
  // semicolons with points: the separator alone
  writeFileSync(join(dir, 'points.csv'), `t;y\n${Array.from({ length: 60 }, (_, i) => `${i};${i % 5}.5`).join('\n')}`);
  const q = await runCli(['init', join(dir, 'points.yaml'), '--csv', join(dir, 'points.csv'), '--target', 'y']);
  assert.equal(q.code, 0, q.err);
  assert.match(q.out, /separator: ";" \(fields between semicolons\)\n/);
  assert.doesNotMatch(readFileSync(join(dir, 'points.yaml'), 'utf8'), /decimal:/);
});

test('init --csv refuses in one line, exit 2, and writes nothing', async () => {
  writeFileSync(join(dir, 'two.csv'), hourly(50));
  writeFileSync(join(dir, 'flat.csv'), hourly(50).replace(/^(\d+,[^,]+,\w),[^,]*,/gm, '$1,7,'));
  const f = join(dir, 'refused.yaml');
  const cases: [string[], RegExp][] = [
    [
      ['--csv', join(dir, 'two.csv')],
      /which column to forecast\? name it with --target \(the numeric columns are load, temp\)/,
    ],
    [
      ['--csv', join(dir, 'two.csv'), '--target', 'lode'],
      /--target "lode": no such column; the columns are No, date, wind, load, temp, empty/,
    ],
    [['--csv', join(dir, 'two.csv'), '--target', 'load,lode'], /--target "lode": no such column; the columns are No/],
    [['--csv', join(dir, 'two.csv'), '--target', 'load,wind'], /--target "wind": expected a column of numbers/],
    [['--csv', join(dir, 'two.csv'), '--target', 'load,load'], /--target "load,load": names "load" twice/],
    [
      ['--csv', join(dir, 'two.csv'), '--target', 'wind'],
      /--target "wind": expected a column of numbers to forecast; it holds text/,
    ],
    [['--csv', join(dir, 'nothing.csv')], /nothing\.csv: cannot read the CSV file \(no such file\)/],
    // a target of one value: init wrote the config, and check failed it (data.constant_columns: nothing to forecast)
    [
      ['--csv', join(dir, 'flat.csv'), '--target', 'load'],
      new RegExp(
        '--target "load": expected a column whose values change; it holds 7 in every row, no information to ' +
          'learn from: nothing to forecast; the other numeric columns are temp\n',
      ),
    ],
    [['--target', 'load'], /--target needs --csv FILE/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['init', f, ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, message);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.throws(() => readFileSync(f), /ENOENT/, 'no config written');
  }
});

test('init --csv refuses a column of dates with one the calendar does not have, naming its row and why', async () => {
  // Date.parse read "2024-02-30" as 1 March: the next row, 1 March, was 'not after the row above it', and init wrote a
  // config without data.time, the date column dropped as out of order
  const days = ['2024-02-27', '2024-02-28', '2024-02-30', '2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04'];
  writeFileSync(join(dir, 'feb30.csv'), `date,load\n${days.map((d, i) => `${d},${i % 3}`).join('\n')}\n`);
  const parts = days.map((d, i) => `${d.replaceAll('-', ',').replaceAll(',0', ',')},${i % 3}`);
  writeFileSync(join(dir, 'feb30-parts.csv'), `year,month,day,load\n${parts.join('\n')}\n`);
  const f = join(dir, 'feb30.yaml');
  for (const [csv, message] of [
    ['feb30.csv', /feb30\.csv: column "date" holds times, but row 3 \("2024-02-30"\) is no date: February 2024 has no/],
    ['feb30-parts.csv', /columns year, month, day hold times, but row 3 \("2024 2 30"\) is no date: February 2024 has/],
  ] as const) {
    const r = await runCli(['init', f, '--csv', join(dir, csv)]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.err, message);
    assert.throws(() => readFileSync(f), /ENOENT/, 'no config written');
  }
  // a leap day is a date
  writeFileSync(
    join(dir, 'feb29.csv'),
    `date,load\n${days.map((d, i) => `${d.replace('30', '29')},${i % 3}`).join('\n')}\n`,
  );
  const r = await runCli(['init', f, '--csv', join(dir, 'feb29.csv')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /time: date/);
});

test('init --csv on exports as they come: Unix seconds, dates out of order, a tab-separated file, #N/A and -', async () => {
  const rows = (cell: (r: number) => string) =>
    [
      'time,load,temp',
      ...Array.from(
        { length: 200 },
        (_, r) => `${cell(r)},${(r % 24) + (r === 50 ? 0.5 : 0)},${r === 60 ? '-' : r === 70 ? '#N/A' : r % 5}`,
      ),
    ].join('\n');
  const unix = join(dir, 'unix.csv');
  writeFileSync(
    unix,
    rows((r) => String(1.7e9 + 3600 * r)),
  );
  let r = await runCli(['init', join(dir, 'unix.yaml'), '--csv', unix, '--target', 'load']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /time: time \(Unix seconds\)/);
  assert.match(r.out, /target: load, the other numeric column as an input/);
  assert.match(r.out, /missing: ffill \(2 cells are missing, the first at row 61, column "temp"/);
  assert.match(r.out, /season: 24 \(a day of hours\)/);
  const iso = (h: number) => new Date(Date.UTC(2024, 0, 1, h)).toISOString().slice(0, 16).replace('T', ' ');
  const unsorted = join(dir, 'unsorted.csv');
  writeFileSync(
    unsorted,
    rows((h) => iso(h === 5 ? 4 : h)),
  );
  r = await runCli(['init', join(dir, 'unsorted.yaml'), '--csv', unsorted, '--target', 'load']);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    /no data.time: column "time" holds times, but row 6 \("2024-01-01 04:00"\) is the time of the row before/,
  );
  // a local time given twice (no offset) is most often the hour a clock goes back: said, with the way out
  assert.match(r.out, /; a local time given twice may be the hour the clock goes back for daylight saving time: /);
  assert.match(r.out, /dropped time: its times, out of order as said above\n/, 'not "text with more than 20 ..."');
  // a tab-separated file: it was refused ('--target "load": no such column; ... the file looks tab-separated'), as
  // data.separator took a comma or a semicolon only; with decimal commas too
  const tsv = join(dir, 'tab.csv');
  writeFileSync(tsv, rows(iso).replaceAll(',', '\t'));
  writeFileSync(
    join(dir, 'tab-comma.csv'),
    rows(iso)
      .replaceAll(',', '\t')
      .replace(/(\d)\.(\d)/g, '$1,$2'),
  );
  for (const [csv, said, decimal] of [
    [tsv, /separator: "\\t" \(fields between tabs\)\n/, undefined],
    [
      join(dir, 'tab-comma.csv'),
      /separator: "\\t", decimal: "," \(fields between tabs, numbers with a decimal comma/,
      ',',
    ],
  ] as const) {
    const yaml = join(dir, `${csv.endsWith('comma.csv') ? 'tab-comma' : 'tab'}.yaml`);
    r = await runCli(['init', yaml, '--csv', csv, '--target', 'load']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, said);
    assert.match(r.out, /time: time\n/);
    assert.match(readFileSync(yaml, 'utf8'), /^ {2}separator: "\\t" +# between fields/m);
    const { raw: config, dir: cfgDir } = await loadConfig(yaml);
    assert.deepEqual([config.data.separator, config.data.decimal], ['\t', decimal]);
    const d = await prepareData(config.data, join(cfgDir, config.data.csv));
    assert.equal(d.targetSeries.original[0]![50], 2.5, 'row 51 of load: 50 % 24 + 0.5');
  }
  // numbers with a thousands separator are text to seqtune: said so, for --target and for a column dropped
  const comma = join(dir, 'comma.csv');
  writeFileSync(
    comma,
    rows(iso).replace(/^([^,\n]+),(\d+)(?=,)/gm, (_, a, b) => `${a},"1${b.padStart(2, '0')},251"`),
  );
  r = await runCli(['init', join(dir, 'comma.yaml'), '--csv', comma, '--target', 'load']);
  assert.equal(r.code, 2);
  assert.match(r.err, /it holds text \(numbers written with a comma, like "100,251": seqtune reads neither/);
  r = await runCli(['init', join(dir, 'comma2.yaml'), '--csv', comma, '--target', 'temp']);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    /dropped load: text with more than 20 distinct values \(numbers written with a comma, like "100,251"/,
  );
  // with no --target and no other column of numbers: "no column of numbers to forecast" said nothing of why
  const only = join(dir, 'comma-only.csv');
  writeFileSync(only, `month,passengers\n${['1,120', '1,180', '1,320'].map((v, i) => `${i},"${v}"`).join('\n')}\n`);
  r = await runCli(['init', join(dir, 'comma3.yaml'), '--csv', only]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /no column of numbers to forecast \(the columns are month, passengers\); passengers holds numbers written with /,
  );
});

test('init --csv drops dates written as numbers, no input and no Unix time: 20240131 and 2024013113', async () => {
  // a "date" of 2024010100, 2024010101, ... (a date and hour) was 'time: date (Unix seconds)', a step of 1 s; a
  // "date" of 20240101, 20240102, ... was an input to the model
  const pad = (n: number) => String(n).padStart(2, '0');
  for (const [hours, cell] of [
    [24, (t: Date) => `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}`],
    [1, (t: Date) => `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}${pad(t.getUTCHours())}`],
  ] as const) {
    const rows = Array.from({ length: 200 }, (_, i) => {
      const t = new Date(Date.UTC(2024, 0, 1) + i * hours * 3600e3);
      return `${cell(t)},${(10 + Math.sin(i / 3)).toFixed(3)},${i % 7}`;
    });
    const csv = join(dir, `numbered-${hours}.csv`);
    writeFileSync(csv, `date,load,temp\n${rows.join('\n')}\n`);
    const f = join(dir, `numbered-${hours}.yaml`);
    const r = await runCli(['init', f, '--csv', csv, '--target', 'load']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /dropped date: dates written as numbers \("20240101(00)?"\), no input; data\.time reads them/);
    assert.doesNotMatch(r.out, /Unix/);
    const { raw: config } = await loadConfig(f);
    assert.deepEqual(config.data.drop, ['date']);
    assert.equal(config.data.time, undefined);
  }
});

test('init --csv and data.time name the column of times of day beside a column of dates, not repeated rows', async () => {
  // Date and Time columns (the UCI household power data: 16/12/2006;17:24:00): init said 'row 2 ("01/01/2024") is the
  // time of the row before again; remove the repeated rows (or average them)', and train 'without duplicates'
  const rows = Array.from({ length: 120 }, (_, i) => {
    const t = new Date(Date.UTC(2024, 0, 1, i)).toISOString();
    const date = `${t.slice(8, 10)}/${t.slice(5, 7)}/${t.slice(0, 4)}`;
    return `${date},${t.slice(11, 19)},${(10 + Math.sin(i / 4)).toFixed(3)}`;
  });
  const csv = join(dir, 'logger.csv');
  writeFileSync(csv, `Date,Time,load\n${rows.join('\n')}\n`);
  const r = await runCli(['init', join(dir, 'logger.yaml'), '--csv', csv]);
  assert.equal(r.code, 0, r.err);
  const said =
    'no data.time: column "Date" holds dates without the time of day, which column "Time" holds (row 2: ' +
    '"01/01/2024" again); data.time reads the date and the time from one column';
  assert.ok(r.out.includes(said), r.out);
  assert.doesNotMatch(r.out, /repeated rows/);
  await assert.rejects(prepareData({ csv, time: 'Date', target: 'load', lookback: 4 }, csv), (e: Error) => {
    assert.match(e.message, /row 2, column "Date": time "01\/01\/2024" is not after the row before/);
    assert.match(e.message, /; column "Time" holds the time of day: data\.time reads the date and the time from one/);
    return true;
  });
});

test('init given a CSV as the config to write refuses with the command that reads it, and writes nothing', async () => {
  const csv = join(dir, 'sales.csv');
  writeFileSync(csv, 'month,sales\n1,2\n');
  const r = await runCli(['init', csv]);
  assert.equal(r.code, 2);
  assert.match(r.err, /sales\.csv: seqtune init writes a config \(YAML\) to the file it is given/);
  assert.match(r.err, /seqtune init --csv .*sales\.csv \(writes seqtune\.yaml\)/);
  const absent = join(dir, 'new.CSV');
  const s = await runCli(['init', absent, '--csv', csv]);
  assert.equal(s.code, 2);
  assert.match(s.err, /name the config: seqtune init my\.yaml --csv /);
  assert.equal(existsSync(absent), false, 'no YAML written under a data file name');
  assert.equal(readFileSync(csv, 'utf8'), 'month,sales\n1,2\n');
});

const DATASETS = join(import.meta.dirname, '..', '..', '..', 'shared', 'datasets');

test('init --csv on the evaluation data sets: the season the autocorrelation shows where the calendar shows no cycle', {
  skip: existsSync(DATASETS) ? false : `${DATASETS} not found: the data sets are not part of seqtune`,
}, async () => {
  const init = async (file: string, ...args: string[]) => {
    const f = join(dir, `${file}.yaml`);
    const r = await runCli(['init', f, '--csv', join(DATASETS, file), ...args]);
    assert.equal(r.code, 0, r.err);
    return { out: r.out, season: /linear, \{seasonal_naive: \{season: (\d+)\}\}\]/.exec(readFileSync(f, 'utf8'))?.[1] };
  };
  // sunspots: the ACF falls from lag 1 through 12 (0.75, 0.73, 0.70 at 11, 12, 13) and peaks at 125 (0.55); of the rows
  // before the test split (init reads no test row) at 126
  let r = await init('monthly-sunspots.csv');
  assert.match(
    r.out,
    /season: 126 \(the data's autocorrelation peaks there; a year of months, 12, shows no cycle\), a seasonal naive/,
  );
  assert.match(r.out, /lookback: 252 \(two seasons\)/);
  assert.equal(r.season, '126');
  // temperatures: no weekly cycle (0.575, 0.574, 0.568 at 6, 7, 8); the ACF peaks at 367, read as the year
  r = await init('daily-min-temperatures.csv');
  assert.match(
    r.out,
    /season: 365 \(a year of days: the data's autocorrelation peaks at 367; a week of days, 7, shows no cycle\)/,
  );
  assert.match(r.out, /lookback: 336 \(at most 336; two seasons are 730\)/);
  assert.equal(r.season, '365');
  // the calendar's, kept: a clear peak at 12, a daily ripple on a slow decay (a peak at 22), no peak at all (pm2.5)
  for (const [file, target, season] of [
    ['airline-passengers.csv', [], 'a year of months'],
    ['ETTh1.csv', ['--target', 'OT'], 'a day of hours'],
    ['pollution.csv', ['--target', 'pm2.5'], 'a day of hours'],
  ] as const) {
    r = await init(file, ...target);
    assert.match(r.out, new RegExp(`season: (12|24) \\(${season}\\), a seasonal naive baseline\\n`), file);
    assert.match(r.out, /lookback: (24|48) \(two seasons\)/, file);
  }
  // 36 rows dated "1-01": no time column, and too few rows for a clear peak: no season, as before
  r = await init('shampoo.csv');
  assert.doesNotMatch(r.out, /season/);
  assert.equal(r.season, undefined);
});

test("init --csv on a few rows of a data set claims no season the rows do not show: none, or the calendar's as such", {
  skip: existsSync(DATASETS) ? false : `${DATASETS} not found: the data sets are not part of seqtune`,
}, async () => {
  const slice = async (file: string, rows: (lines: string[]) => string[]) => {
    const lines = readFileSync(join(DATASETS, file), 'utf8').trimEnd().split('\n');
    const csv = join(dir, `${rows.name}-${file}`);
    writeFileSync(csv, `${[lines[0]!, ...rows(lines.slice(1))].join('\n')}\n`);
    const f = join(dir, `${rows.name}-${file}.yaml`);
    const r = await runCli(['init', f, '--csv', csv]);
    assert.equal(r.code, 0, r.err);
    return { out: r.out, yaml: readFileSync(f, 'utf8') };
  };
  const last60 = (l: string[]) => l.slice(-60);
  const first36 = (l: string[]) => l.slice(0, 36);
  const first48 = (l: string[]) => l.slice(0, 48);
  // the last 60 months of sunspots (the 51 before the test split: -0.018 at 12; all 60: 0.005), and init said
  // "season: 12 (a year of months)" and wrote a seasonal naive of 12 that scored a test MSE of 4.275 beside
  // persistence's 0.328
  let r = await slice('monthly-sunspots.csv', last60);
  assert.match(
    r.out,
    /season: none \(a year of months, 12, shows no cycle: the autocorrelation there, -0\.018, is within two standard /,
  );
  assert.match(r.out, /lookback: 12 \(a fifth of the 60 rows\)/);
  assert.doesNotMatch(r.yaml, /linear, \{seasonal_naive/);
  // nor in its comment: 'also {seasonal_naive: {season: 24}}' beside monthly rows that show no cycle
  assert.doesNotMatch(r.yaml, /season: \d/);
  // 36 months are too few to check a year: the calendar's, said as such
  r = await slice('airline-passengers.csv', first36);
  assert.match(r.out, /season: 12 \(the calendar's, a year of months: the 31 rows before the test split are too /);
  assert.match(r.yaml, /linear, \{seasonal_naive: \{season: 12\}\}\]/);
  // 48 months of passengers show their year (0.625 at 12)
  r = await slice('airline-passengers.csv', first48);
  assert.match(r.out, /season: 12 \(a year of months\), a seasonal naive baseline\n/);
});

test('init --csv refuses a file of several series one after another (a panel), naming the column that marks them', async () => {
  const days = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString());
  const rows = ['store,date,sales'];
  for (const s of ['north', 'south', 'east'])
    for (const [i, d] of days(40).entries()) rows.push(`${s},${d.slice(0, 10)},${i % 7}`);
  writeFileSync(join(dir, 'panel.csv'), `${rows.join('\n')}\n`);
  const f = join(dir, 'panel.yaml');
  const r = await runCli(['init', f, '--csv', join(dir, 'panel.csv')]);
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.err,
    new RegExp(
      'panel\\.csv: column "date" holds times, but row 41 \\("2024-01-01"\\) is not after the row above it ' +
        '\\("2024-02-09"\\); the rows hold 3 series one after another, one for each value of column "store" ' +
        '\\("north", "south", "east"\\), the next starting at row 41: seqtune forecasts one series',
    ),
  );
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.ok(!existsSync(f), 'no config written');
  // train and check say the same where a config names the time column (windows would run from one store into the next)
  await assert.rejects(
    prepareData({ csv: 'x', target: 'sales', features: ['sales'], lookback: 4, time: 'date' }, join(dir, 'panel.csv')),
    new RegExp(
      'row 41, column "date": time "2024-01-01" is not after the row before; .*; the rows hold 3 series one ' +
        'after another, one for each value of column "store"',
    ),
  );
  // a file merely out of order is told to sort, as before: no column marks blocks of rows
  writeFileSync(join(dir, 'unsorted.csv'), 'date,y\n2024-01-01,1\n2024-01-03,2\n2024-01-02,3\n2024-01-04,4\n');
  await assert.rejects(
    prepareData({ csv: 'x', target: 'y', features: ['y'], lookback: 1, time: 'date' }, join(dir, 'unsorted.csv')),
    /is not after the row before; rows must be in time order without duplicates$/,
  );
});

test('init --csv refuses a file that runs newest first, and train says to sort it oldest first', async () => {
  // exports with the newest row on top: init wrote a config without data.time (a note said "sort the file"), which
  // trained the series backwards, its oldest rows the test split; train said "not after the row before" alone
  const days = Array.from({ length: 60 }, (_, i) => new Date(Date.UTC(2024, 0, 60 - i)).toISOString().slice(0, 10));
  writeFileSync(join(dir, 'newest.csv'), `date,y\n${days.map((d, i) => `${d},${(i * 7) % 11}`).join('\n')}\n`);
  const f = join(dir, 'newest.yaml');
  const r = await runCli(['init', f, '--csv', join(dir, 'newest.csv')]);
  assert.equal(r.code, 2, r.out);
  assert.match(
    r.err,
    new RegExp(
      'newest\\.csv: column "date" holds times, but row 2 \\("2024-02-28"\\) is not after the row above it ' +
        '\\("2024-02-29"\\); the rows run from newest to oldest \\("2024-02-29" first, "2024-01-01" last\\): sort ' +
        'the file oldest first',
    ),
  );
  assert.ok(!existsSync(f), 'no config written');
  const parts = `year,month,day,y\n${days.map((d, i) => `${d.replaceAll('-', ',')},${i % 5}`).join('\n')}\n`;
  writeFileSync(join(dir, 'newest-parts.csv'), parts.replace(/,0(\d)/g, ',$1'));
  const p = await runCli(['init', f, '--csv', join(dir, 'newest-parts.csv')]);
  assert.equal(p.code, 2, p.out);
  assert.match(p.err, /columns year, month, day hold times; the rows run from newest to oldest/);
  await assert.rejects(
    prepareData({ csv: 'x', target: 'y', features: ['y'], lookback: 1, time: 'date' }, join(dir, 'newest.csv')),
    new RegExp(
      'row 2, column "date": time "2024-02-28" is not after the row before; rows must be in time order without ' +
        'duplicates; the rows run from newest to oldest \\("2024-02-29" first, "2024-01-01" last\\): sort the file',
    ),
  );
});

test('init on a full disk writes no config, so the next init (space freed) writes it', {
  skip: existsSync('/dev/full') ? false : 'no /dev/full on this system',
}, async () => {
  // it left an empty my.yaml, and the next init said 'already exists; seqtune init does not overwrite files'
  const f = join(dir, 'full.yaml');
  symlinkSync('/dev/full', join(dir, `.full.yaml.${process.pid}.partial`)); // every write fails as on a full disk
  const r = await runCli(['init', f]);
  assert.deepEqual(
    [r.code, r.err],
    [1, `seqtune: ${f}: no space left on the device (ENOSPC); free some space and run the command again\n`],
  );
  assert.equal(existsSync(f), false);
  const again = await runCli(['init', f]);
  assert.equal(again.code, 0, again.err);
  assert.match(readFileSync(f, 'utf8'), /^# seqtune config/);
});

test("the starter config's first comment names the config reference where it is, not in a folder the user lacks", async () => {
  // was "docs/config.md (seqtune package)": a path no user's project has (theirs is in node_modules/seqtune)
  const f = join(dir, 'pointer.yaml');
  const r = await runCli(['init', f]);
  assert.equal(r.code, 0, r.err);
  const named = /^# seqtune config\. Every key, its default and an example: (.+)$/m.exec(readFileSync(f, 'utf8'))?.[1];
  assert.ok(named !== undefined && existsSync(named), `${named} is no file (from ${process.cwd()})`);
  assert.equal(
    readFileSync(named, 'utf8'),
    readFileSync(fileURLToPath(new URL('../../docs/config.md', import.meta.url)), 'utf8'),
  );
  // in a user's project: relative to the folder init runs in; outside it (a global install), absolute
  const project = join(dir, 'project');
  const docs = join(project, 'node_modules', 'seqtune', 'docs', 'config.md');
  mkdirSync(join(project, 'node_modules', 'seqtune', 'docs'), { recursive: true });
  writeFileSync(docs, '# config\n');
  assert.equal(docsPointer(docs, project), 'node_modules/seqtune/docs/config.md');
  assert.equal(docsPointer(docs, join(project, 'configs')), docs);
  assert.equal(docsPointer(join(project, 'none.md'), project), 'docs/config.md in the seqtune package');
});
