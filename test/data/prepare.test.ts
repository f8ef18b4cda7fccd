import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  baselineProblem,
  baselineScores,
  type DataConfig,
  DataError,
  prepareData,
  prepareTable,
  readCsv,
  syntheticSeries,
} from '../../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-data-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let k = 0;
const csvFile = (text: string) => {
  const f = join(dir, `t${k++}.csv`);
  writeFileSync(f, text);
  return f;
};

test('CSV: quoted fields, CRLF, BOM and no final newline', async () => {
  const f = csvFile('\uFEFF"Month","Sales"\r\n"1-01",266.0\r\n"1-02","145.9"\r\n"1-03",183.1');
  const t = await readCsv(f);
  assert.deepEqual(t.header, ['Month', 'Sales']);
  assert.deepEqual([...t.columns.get('Sales')!.numbers], [266, 145.9, 183.1]);
  assert.deepEqual(
    [0, 1, 2].map((r) => t.columns.get('Month')!.cell(r)),
    ['1-01', '1-02', '1-03'],
  );
  assert.equal(t.rows, 3);
});

test('CSV errors name the file and what is wrong', async () => {
  await assert.rejects(
    readCsv(join(dir, 'missing.csv')),
    (e: Error) => e instanceof DataError && /missing.csv: cannot read the CSV file \(no such file\)/.test(e.message),
  );
  await assert.rejects(readCsv(csvFile('')), /the file is empty; expected a header row/);
  await assert.rejects(readCsv(csvFile('a,b\n')), /only a header \(a, b\); expected data rows/);
  await assert.rejects(readCsv(csvFile('a,b\n1,2\n3\n')), /line 3: wrong number of fields/);
});

const base: DataConfig = { csv: 'x', target: 'y', lookback: 3, split: { train: 0.6, val: 0.2, test: 0.2 } };
const series = (n: number, f: (i: number) => string) => `y\n${Array.from({ length: n }, (_, i) => f(i)).join('\n')}\n`;

test('missing values: error names row and column; drop, ffill, interpolate and constant fill', async () => {
  const text =
    't,y,z\n' +
    Array.from({ length: 30 }, (_, i) => `${i},${i === 5 ? 'NA' : i === 6 ? '' : i},${i === 7 ? 'NaN' : 2 * i}`).join(
      '\n',
    );
  const f = csvFile(text);
  await assert.rejects(
    prepareData({ ...base, time: 't' }, f),
    /3 missing values \([^)]*\), first at row 6 column "y", row 7 column "y", row 8 column "z"/,
  );
  const drop = await prepareData({ ...base, time: 't', missing: 'drop', scale: 'none' }, f);
  assert.equal(drop.rows, 27);
  // No window spans the dropped rows 5-7: in every window the times (= the file's rows here) follow each other.
  for (const k of ['train', 'val', 'test'] as const)
    for (const s of drop.windows[k].starts)
      for (let r = s - base.lookback + 1; r < s + 1; r++)
        assert.equal(drop.time[r]! - drop.time[r - 1]!, 1, `${k} ${s}`);
  // the split is of the file's 30 rows (training rows 0-17), the 15 of them left the training rows
  assert.deepEqual([...drop.windows.train.starts], [3, 4, 8, 9, 10, 11, 12, 13, 14]);
  assert.match(drop.notes.join('\n'), /dropped 3 rows with missing values \(no window spans a dropped row\)/);
  const ff = await prepareData({ ...base, time: 't', missing: 'ffill', scale: 'none' }, f);
  assert.deepEqual([...ff.targetSeries.original[0]!.slice(4, 8)], [4, 4, 4, 7]);
  const li = await prepareData({ ...base, time: 't', missing: 'interpolate', scale: 'none' }, f);
  assert.deepEqual([...li.targetSeries.original[0]!.slice(4, 8)], [4, 5, 6, 7]);
  assert.equal(li.scaledFeatures[1]![7], 14);
  const c = await prepareData({ ...base, time: 't', missing: { constant: -1 }, scale: 'none' }, f);
  assert.deepEqual([...c.targetSeries.original[0]!.slice(5, 7)], [-1, -1]);
});

test('missing: interpolate stops at each split: the test rows move no training or validation value', async () => {
  // 40 rows, split 28/6/6: rows 25-27 (the last training rows) and 32-33 (the last validation rows) are missing;
  // the test rows differ between the two files (a level shift of 100). Each gap took a value of the next split
  // (validation row 33 was 50 in one file and 150 in the other): the test rows moved val_loss and early stopping.
  const csv = (shift: number) =>
    csvFile(
      't,y\n' +
        Array.from(
          { length: 40 },
          (_, i) => `${i},${[25, 26, 27, 32, 33].includes(i) ? '' : i + (i >= 34 ? shift : 0)}`,
        ).join('\n'),
    );
  const split = { train: 0.7, val: 0.15, test: 0.15 };
  const cfg: DataConfig = { ...base, time: 't', missing: 'interpolate', scale: 'standard', split };
  const [a, b] = [await prepareData(cfg, csv(0)), await prepareData(cfg, csv(100))];
  assert.deepEqual([...a.ranges.test], [34, 40]);
  const upToTest = (d: typeof a) => [...d.targetSeries.original[0]!.slice(0, 34)];
  assert.deepEqual(upToTest(a), upToTest(b));
  assert.deepEqual(a.scaler, b.scaler);
  // a gap at the end of a split takes the last value before it; one inside a split is still interpolated
  assert.deepEqual(upToTest(a).slice(24, 34), [24, 24, 24, 24, 28, 29, 30, 31, 31, 31]);
});

test("missing: drop splits the file's rows: rows dropped in the test rows move no training or validation row", async () => {
  // 300 rows, split 210/45/45; 10 rows of the test rows miss y. The split was of the 290 rows left: training rows
  // 0-202, so the test rows' missing cells chose the training and validation windows (196 -> 189 training windows)
  const y = (i: number, gaps: boolean) => (gaps && i >= 270 && i < 290 && i % 2 ? '' : i % 11);
  const csv = (gaps: boolean) =>
    csvFile(`t,y\n${Array.from({ length: 300 }, (_, i) => `${i},${y(i, gaps)}`).join('\n')}`);
  const cfg: DataConfig = {
    ...base,
    time: 't',
    lookback: 12,
    missing: 'drop',
    split: { train: 0.7, val: 0.15, test: 0.15 },
  };
  const [a, b] = [await prepareData(cfg, csv(false)), await prepareData(cfg, csv(true))];
  assert.equal(b.droppedRows, 10);
  assert.deepEqual(b.ranges, { train: [0, 210], val: [210, 255], test: [255, 290] });
  for (const k of ['train', 'val'] as const) assert.deepEqual([...b.windows[k].starts], [...a.windows[k].starts]);
  assert.deepEqual(b.scaler, a.scaler);
});

test('missing values: the cells named first are the first in the file, whichever column holds them', async () => {
  // y (the target, read first) misses a value late, z early: the message starts at z's row
  const rows = Array.from({ length: 30 }, (_, i) => `${i},${i === 20 ? 'NA' : i},${i === 2 ? '-' : i}`);
  const text = `t,y,z\n${rows.join('\n')}\n`;
  await assert.rejects(
    prepareData({ ...base, time: 't' }, csvFile(text)),
    /2 missing values \([^)]*\), first at row 3 column "z", row 21 column "y";/,
  );
});

test('text in several number columns: the first cells in the file named across columns, and how many', async () => {
  // "n.a." in row 151 of load was not said while row 201 of temp ("err", read first) stopped the run
  const rows = Array.from({ length: 300 }, (_, i) => {
    const temp = i === 200 || i === 250 ? 'err' : String(i % 9);
    return `${i},${temp},${i === 150 ? 'n.a.' : i % 11}`;
  });
  await assert.rejects(
    prepareData({ ...base, time: 'time', target: 'load' }, csvFile(`time,temp,load\n${rows.join('\n')}\n`)),
    new RegExp(
      'row 151, column "load": expected a number, found "n\\.a\\."; 3 cells of number columns are text, first at ' +
        'row 151 column "load" \\("n\\.a\\."\\), row 201 column "temp" \\("err"\\), row 251 column "temp" \\("err"\\)$',
    ),
  );
});

test('a target of text in every row: a time column is told to be data.time, other text to be no target', async () => {
  // 'row 1, column "date": expected a number, found "2024-01-01"; 40 cells of number columns are text', as of typos
  const rows = Array.from({ length: 40 }, (_, i) => `2024-01-${String(1 + (i % 28)).padStart(2, '0')},${i},x${i}`);
  const f = csvFile(`date,y,name\n${rows.join('\n')}\n`);
  await assert.rejects(
    prepareData({ ...base, target: 'date' }, f),
    new RegExp(
      'data\\.target "date": expected a column of numbers to forecast, found text in every row \\("2024-01-01" in ' +
        'row 1\\): it holds times; name it data\\.time \\(data\\.time: date\\) and the column to forecast ' +
        'data\\.target$',
    ),
  );
  await assert.rejects(
    prepareData({ ...base, target: ['y', 'name'], skip_rows: 2 }, f),
    /data\.target\[1\] "name": expected a column of numbers to forecast, found text in every row \("x2" in row 3\)$/,
  );
});

test('missing values under data.missing: error: the message lists every cell text read as missing', async () => {
  // "-", "?" and "null" are read as missing (MISSING_TOKENS), but the message said "(NA, empty or NaN)"
  const { MISSING_TOKENS } = await import('../../src/data/index.js');
  const rows = Array.from({ length: 30 }, (_, i) => `${i},${i === 4 ? '-' : i},${i === 9 ? 'null' : i}`);
  const err = await prepareData({ ...base, time: 't' }, csvFile(`t,y,z\n${rows.join('\n')}\n`)).then(
    () => assert.fail('expected the missing values to be refused'),
    (e: Error) => e.message,
  );
  assert.match(
    err,
    /: 2 missing values \(empty or one of "NA", .*"-"\), first at row 5 column "y", row 10 column "z";/,
  );
  for (const t of MISSING_TOKENS) if (t) assert.ok(err.includes(`"${t}"`), `"${t}" in: ${err}`);
});

test('a new CSV for a trained run: missing cells are advised on in the CSV, not in data keys it cannot change', async () => {
  const { prepareTable } = await import('../../src/data/index.js');
  const rows = (first: string) =>
    `t,y,z\n0,1,${first}\n${Array.from({ length: 9 }, (_, i) => `${i + 1},${i},${i}`).join('\n')}\n`;
  const trained = await prepareData({ ...base, time: 't' }, csvFile(rows('5')));
  const fixed = { scaler: trained.scaler, encodings: trained.encodings };
  const table = await readCsv(csvFile(rows('')));
  // training on the same file is told the keys of its config; predict on it, the CSV (it once named the config's keys)
  await assert.rejects(
    prepareData({ ...base, time: 't', missing: 'ffill' }, table.file),
    /use data\.skip_rows or missing/,
  );
  assert.throws(
    () => prepareTable({ ...base, time: 't', missing: 'ffill' }, table, fixed),
    new RegExp(
      'row 1, column "z": missing value at the start cannot be forward-filled; start the CSV at a row with a value ' +
        "in every column the run reads \\(predict fills gaps with the run's data.missing: ffill\\)$",
    ),
  );
  assert.throws(
    () => prepareTable({ ...base, time: 't' }, table, fixed),
    /first at row 1 column "z"; fill them in the CSV \(the run was trained with data.missing: error, and predict reads/,
  );
});

test('too few rows for a window says where the rest went: data.skip_rows and data.missing: drop, in predict too', async () => {
  const { prepareTable } = await import('../../src/data/index.js');
  // 12 rows, the 7th without a value: skip_rows 4 and drop leave 7
  const text = `t,y\n${Array.from({ length: 12 }, (_, i) => `${i},${i === 6 ? '' : i}`).join('\n')}\n`;
  await assert.rejects(
    prepareData({ ...base, lookback: 8, skip_rows: 4, missing: 'drop' }, csvFile(text)),
    new RegExp(
      '7 usable rows \\(of 12 data rows: data.skip_rows leaves out the first 4, data.missing: drop 1 with a missing ' +
        'value\\), but one window needs lookback 8 \\+ horizon 1 = 9',
    ),
  );
  // a new CSV for a run trained with skip_rows: its first rows are skipped as well, which the count alone hid
  const trained = await prepareData({ ...base, skip_rows: 4 }, csvFile(series(40, String)));
  const fixed = { scaler: trained.scaler, encodings: trained.encodings };
  const table = await readCsv(csvFile(series(10, String)));
  assert.throws(
    () => prepareTable({ ...base, lookback: 8, skip_rows: 4 }, table, fixed),
    /6 usable rows \(of 10 data rows: data.skip_rows leaves out the first 4\), but a forecast needs lookback 8 rows/,
  );
  // nothing left out: the count as it was
  await assert.rejects(prepareData({ ...base, lookback: 20 }, csvFile(series(12, String))), /: 12 usable rows, but/);
});

test('the hour a clock goes back, given twice without an offset, is refused with the way out; with offsets it reads', async () => {
  // Europe/Berlin on 27 October 2024: 02:00+02:00, then 02:00+01:00 (00:00 and 01:00 UTC)
  const utc = Array.from({ length: 30 }, (_, i) => Date.UTC(2024, 9, 26, 12 + i));
  const local = utc.map((ms) => {
    const off = ms < Date.UTC(2024, 9, 27, 1) ? 2 : 1;
    return { clock: new Date(ms + off * 3600e3).toISOString().slice(0, 16), off };
  });
  const file = (cell: (l: { clock: string; off: number }) => string) =>
    csvFile(`t,y\n${local.map((l, i) => `${cell(l)},${i}`).join('\n')}\n`);
  await assert.rejects(
    prepareData(
      { ...base, time: 't' },
      file((l) => l.clock.replace('T', ' ')),
    ),
    new RegExp(
      'row 14, column "t": time "2024-10-27 02:00" is not after the row before; .* without duplicates; a local ' +
        'time given twice may be the hour the clock goes back for daylight saving time: write the times in UTC or ' +
        'with their UTC offset \\(2024-10-27T02:00\\+01:00\\)$',
    ),
  );
  const d = await prepareData(
    { ...base, time: 't' },
    file((l) => `${l.clock}+0${l.off}:00`),
  );
  assert.deepEqual([...d.time], utc);
  // a date given twice is no clock change: no such hint
  await assert.rejects(
    prepareData({ ...base, time: 't' }, csvFile('t,y\n2024-01-01,1\n2024-01-01,2\n2024-01-02,3\n')),
    /without duplicates$/,
  );
});

test('times as pandas writes them with their offset, a space before the time of day, read at that offset', async () => {
  // df.to_csv() of a tz-aware index writes "2024-01-01 00:00:00+00:00": read as no date (Date.parse of
  // "2024-01-01T00:00:00+00:00Z"), so data.time refused every row and init dropped the column as text
  const utc = Array.from({ length: 30 }, (_, i) => Date.UTC(2024, 0, 1, i));
  const iso = (ms: number, off: number) => new Date(ms + off * 3600e3).toISOString().slice(0, 19).replace('T', ' ');
  const cells = utc.map((ms, i) => (i % 2 ? `${iso(ms, 1)}+01:00` : `${iso(ms, 0)}+00:00`));
  const d = await prepareData({ ...base, time: 't' }, csvFile(`t,y\n${cells.map((c, i) => `${c},${i}`).join('\n')}\n`));
  assert.deepEqual([...d.time], utc);
  // and with a Z, or an offset without its colon
  const z = ['00:00Z', '02:00+0100', '02:00Z', '03:00Z', '04:00Z', '05:00Z'].map((c, i) => `2024-01-01 ${c},${i}`);
  const zoned = await prepareData({ ...base, time: 't', lookback: 1 }, csvFile(`t,y\n${z.join('\n')}\n`));
  assert.deepEqual(
    [...zoned.time],
    [0, 1, 2, 3, 4, 5].map((h) => Date.UTC(2024, 0, 1, h)),
  );
});

test('times without a zone are read as UTC on any machine: a T before the time, or a month by its name', async () => {
  // On a machine in Europe/Berlin, Date.parse read "2024-03-31T02:00:00" in local time, an hour the clocks skip: the
  // naive hourly file was 'not after the row before' there (exit 2) and trained on a machine in UTC
  const utc = Array.from({ length: 6 }, (_, i) => Date.UTC(2024, 2, 31, i));
  const month = (ms: number) => `${new Date(ms).getUTCDate()}-Mar-2024 ${new Date(ms).toISOString().slice(11, 16)}`;
  const tz = process.env.TZ;
  process.env.TZ = 'Europe/Berlin';
  try {
    for (const cell of [(ms: number) => new Date(ms).toISOString().slice(0, 19), month]) {
      const text = `t,y\n${utc.map((ms, i) => `${cell(ms)},${i}`).join('\n')}\n`;
      const d = await prepareData({ ...base, time: 't', lookback: 1 }, csvFile(text));
      assert.deepEqual([...d.time], utc, text);
    }
  } finally {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  }
});

test('slashed dates with a one-digit hour, as Excel writes them in the US ("1/1/2024 0:00"), are read', async () => {
  // "1/1/2024 0:00" went to Date.parse as "2024-01-01T0:00:00Z", no date: row 1 was 'expected a date/time' (exit 2)
  // and init dropped the column as text
  const utc = Array.from({ length: 12 }, (_, i) => Date.UTC(2024, 0, 1, 4 * i));
  const excel = (ms: number) => {
    const t = new Date(ms);
    return `${t.getUTCMonth() + 1}/${t.getUTCDate()}/${t.getUTCFullYear()} ${t.getUTCHours()}:00`;
  };
  const text = `t,y\n${utc.map((ms, i) => `${excel(ms)},${i}`).join('\n')}\n`;
  const d = await prepareData({ ...base, time: 't', lookback: 1 }, csvFile(text));
  assert.deepEqual([...d.time], utc, text);
});

test('a date the calendar does not have is refused, naming row, column, cell and why; leap days are read', async () => {
  // Date.parse rolled "2024-02-30" over into 1 March, "2024-04-31" into 1 May, "Jan 1 2024 23:60" into 23:00: a file
  // with one such cell trained on a date it does not hold (or was 'not after the row before' a row later)
  const days = (cell: string) =>
    `t,y\n${['2024-02-27', '2024-02-28', cell, '2024-03-02', '2024-03-03'].map((c, i) => `${c},${i}`).join('\n')}\n`;
  for (const [cell, why] of [
    ['2024-02-30', 'February 2024 has no day 30 \\(it has 29 days\\)'],
    ['2023-02-29', 'February 2023 has no day 29 \\(it has 28 days\\)'],
    ['2024-04-31 00:00', 'April 2024 has no day 31 \\(it has 30 days\\)'],
    ['2024-04-31T00:00:00+01:00', 'April 2024 has no day 31'],
    ['2024-13-01', 'there is no month 13 \\(months are 1 to 12\\)'],
    ['2024-02-29 25:00', 'there is no hour 25 \\(hours are 0 to 23\\)'],
    ['2024-02-29 23:60', 'there is no minute 60'],
    ['2024-02-29T00:00+25:00', 'there is no UTC offset \\+25:00'],
    ['2/30/2024 0:00', 'read month first \\(mm/dd/yyyy\\), February 2024 has no day 30'],
    ['2024/02/30', 'February 2024 has no day 30'],
    ['30-Feb-2024', 'February 2024 has no day 30'],
    ['Feb 30 2024 00:00', 'February 2024 has no day 30'],
    ['Feb 29 2024 23:60', 'there is no minute 60'],
  ] as const)
    await assert.rejects(
      prepareData({ ...base, time: 't', lookback: 1 }, csvFile(days(cell))),
      new RegExp(`t\\d+\\.csv: row 3, column "t": found "${cell.replaceAll('+', '\\+')}", which is no date: ${why}`),
      cell,
    );
  // day first: 30/02 is no date either way
  const dayFirst = 't,y\n27/02/2024,1\n28/02/2024,2\n30/02/2024,3\n02/03/2024,4\n';
  await assert.rejects(
    prepareData({ ...base, time: 't', lookback: 1 }, csvFile(dayFirst)),
    /row 3, column "t": found "30\/02\/2024", which is no date: read day first \(dd\/mm\/yyyy\), February 2024 has no/,
  );
  // year, month, day columns: Date.UTC made 2023, 2, 29 the 1st of March
  const parts = 'year,month,day,y\n2023,2,27,1\n2023,2,28,2\n2023,2,29,3\n2023,3,2,4\n2023,3,3,5\n';
  await assert.rejects(
    prepareData({ ...base, time: ['year', 'month', 'day'], lookback: 1 }, csvFile(parts)),
    /row 3, column "year\/month\/day": found "2023 2 29", which is no date: February 2023 has no day 29 \(it has 28/,
  );
  // a leap day, and the end of the day as ISO 8601 writes it (24:00, the next day's midnight), are read
  const leap = await prepareData({ ...base, time: 't', lookback: 1 }, csvFile(days('2024-02-29')));
  assert.equal(leap.time[2], Date.UTC(2024, 1, 29));
  for (const cell of ['2/29/2024', '29-Feb-2024', 'Feb 29 2024', '2024/02/29']) {
    const d = await prepareData({ ...base, time: 't', lookback: 1 }, csvFile(days(cell)));
    assert.equal(d.time[2], Date.UTC(2024, 1, 29), cell);
  }
  const leapParts = await prepareData(
    { ...base, time: ['year', 'month', 'day'], lookback: 1 },
    csvFile(parts.replaceAll('2023', '2024')),
  );
  assert.equal(leapParts.time[2], Date.UTC(2024, 1, 29));
  const end = await prepareData({ ...base, time: 't', lookback: 1 }, csvFile(days('2024-02-28 24:00')));
  assert.equal(end.time[2], Date.UTC(2024, 1, 29));
});

test('one missing value is one value and one row in the notes (singular)', async () => {
  const f = csvFile(`t,y\n${Array.from({ length: 30 }, (_, i) => `${i},${i === 5 ? 'NA' : i}`).join('\n')}`);
  await assert.rejects(prepareData({ ...base, time: 't' }, f), /: 1 missing value \(empty or one of "NA", [^)]*\)/);
  const ff = await prepareData({ ...base, time: 't', missing: 'ffill' }, f);
  assert.deepEqual(ff.notes, ['filled 1 missing value (ffill)']);
  const drop = await prepareData({ ...base, time: 't', missing: 'drop' }, f);
  assert.deepEqual(drop.notes, ['dropped 1 row with missing values (no window spans a dropped row)']);
});

test('counts of one are said in the singular: 1 usable row, the one data row, its one row', async () => {
  // '1 usable rows (of 3 data rows: ...)', 'data.skip_rows 1 removes all 1 data rows', 'in any of the 1 rows'
  const cases: [DataConfig, string, RegExp][] = [
    [base, 'y\n1\n', /: 1 usable row, but one window needs lookback 3 \+ horizon 1 = 4$/],
    [{ ...base, skip_rows: 2 }, 'y\n1\n2\n3\n', /: 1 usable row \(of 3 data rows: data\.skip_rows leaves out the/],
    [{ ...base, skip_rows: 1 }, 'y\n1\n', /: data\.skip_rows 1 removes the one data row$/],
    [base, 'y,x\n1,\n', /: column "x" has no value in its one row; leave it out with data\.drop/],
    [{ ...base, time: 't', missing: 'drop' }, 't,y\n1,1\n2,\n3,\n', /: 1 usable row \(of 3 data rows: data\.missing/],
  ];
  for (const [cfg, text, message] of cases) await assert.rejects(prepareData(cfg, csvFile(text)), message, text);
});

test('a column with no value in any row is named with data.drop, whatever the missing policy', async () => {
  const f = csvFile(`t,x,y\n${Array.from({ length: 30 }, (_, i) => `${i},,${i}`).join('\n')}`);
  for (const missing of ['error', 'drop', 'ffill', 'interpolate'] as const)
    await assert.rejects(
      prepareData({ ...base, time: 't', missing }, f),
      /t\d+\.csv: column "x" has no value in any of the 30 rows; leave it out with data\.drop/,
    );
  const g = csvFile(`t,x,y\n${Array.from({ length: 30 }, (_, i) => `${i},${i},NA`).join('\n')}`);
  await assert.rejects(prepareData({ ...base, time: 't', missing: 'drop' }, g), /data\.target "y" has no value/);
});

test('non-numeric cells, unknown columns, unordered time and short series are errors naming row/column', async () => {
  await assert.rejects(
    prepareData(base, csvFile(series(20, (i) => (i === 9 ? 'abc' : String(i))))),
    /row 10, column "y": expected a number, found "abc"/,
  );
  // A typo in a column of numbers that data.features does not list: named, not the column left out with a note.
  const typo = Array.from({ length: 200 }, (_, i) => `${i},${i === 49 ? 'abc' : i % 7}`);
  await assert.rejects(
    prepareData(base, csvFile(`y,x\n${typo.join('\n')}\n`)),
    /row 50, column "x": expected a number, found "abc" \(fix the cell, or leave the column out: data\.drop\)$/,
  );
  const labels = Array.from({ length: 200 }, (_, i) => `${i},${i % 3 ? 'calm' : 'NE'}`);
  const left = await prepareData(base, csvFile(`y,x\n${labels.join('\n')}\n`));
  assert.deepEqual(left.features, ['y']);
  assert.match(left.notes.join('\n'), /columns left out of the features because they are not numeric .*: x/);
  // the target in data.drop: forecast from the other columns, and said so
  const exo = await prepareData(
    { ...base, drop: ['y'] },
    csvFile(`y,x\n${typo.map((_, i) => `${i % 5},${i}`).join('\n')}\n`),
  );
  assert.deepEqual(exo.features, ['x']);
  assert.match(
    exo.notes.join('\n'),
    /data\.drop lists the target "y": it is still forecast, from the other columns alone/,
  );
  await assert.rejects(
    prepareData({ ...base, target: 'pm25' }, csvFile(series(20, String))),
    /data.target names column "pm25", which is not in the header \(y\)/,
  );
  await assert.rejects(
    prepareData(base, csvFile(series(20, (i) => (i === 3 ? '"20,7"' : String(i))))),
    /row 4, column "y": expected a number, found "20,7" \(a decimal comma\? seqtune reads a point as the decimal mark/,
  );
  await assert.rejects(
    prepareData(base, csvFile(series(20, (i) => (i === 3 ? '"1,2,3"' : String(i))))),
    /row 4, column "y": expected a number, found "1,2,3"$/,
  );
  // digits in threes may be a thousands separator: "1,120" passengers were told to be written "1.120" (1.12)
  await assert.rejects(
    prepareData(base, csvFile(series(20, (i) => (i === 3 ? '"1,120"' : String(i))))),
    /found "1,120" \(a thousands separator or a decimal comma\? .*save the file as "1120" or "1\.120", whichever it/,
  );
  await assert.rejects(
    prepareData(base, csvFile(series(20, (i) => (i === 3 ? '"-12,345,678.5"' : String(i))))),
    /found "-12,345,678\.5" \(a thousands separator\? .*without them: save the file as "-12345678\.5"\)$/,
  );
  await assert.rejects(
    prepareData(base, csvFile('t;y\n2024-01-01;1\n2024-01-02;2\n')),
    /names column "y", which is not in the header \(t;y\); the header is one column \(the file looks semicolon-sep/,
  );
  await assert.rejects(
    prepareData({ ...base, time: 'date' }, csvFile('Date,y\n2024-01-01,1\n2024-01-02,2\n')),
    /data.time names column "date", which is not in the header \(Date, y\); did you mean "Date"\? \(column names/,
  );
  await assert.rejects(
    prepareData({ ...base, time: 't' }, csvFile('t,y\n2024-01-01,1\n2024-01-03,2\n2024-01-02,3\n')),
    /row 3, column "t": time "2024-01-02" is not after the row before/,
  );
  // Text no date format writes: named as such, never read by Date.parse's fallback (which made "2-01" a day of 2001).
  for (const [cell, row] of [
    ['not a date', 3],
    ['2-01', 3],
    ['Month 5', 3],
  ] as const) {
    const text = `t,y\n2024-01-01,1\n2024-01-02,2\n${cell},3\n2024-01-04,4\n`;
    await assert.rejects(
      prepareData({ ...base, time: 't' }, csvFile(text)),
      new RegExp(`row ${row}, column "t": expected a date/time \\(like 2024-01-31 .*\\), found "${cell}"`),
    );
  }
  await assert.rejects(
    prepareData({ ...base, lookback: 10, horizon: 5 }, csvFile(series(12, String))),
    /12 usable rows, but one window needs lookback 10 \+ horizon 5 = 15/,
  );
});

test('original-unit scores are float64: a series near 1e12 that moves by 1e5 scores as computed by hand', async () => {
  // float32 holds 1e12 to a multiple of 65536: persistence's RMSE read 4.8e4 for 3.5e4
  const v = (i: number) => 1e12 + Math.round(1e5 * Math.sin(i / 5) + 3e4 * Math.cos(i * 1.7));
  const d = await prepareData(base, csvFile(series(200, (i) => String(v(i)))));
  const { original } = baselineScores(d, 'test', ['persistence', 'mean']);
  let trainSum = 0;
  for (let i = 0; i < 120; i++) trainSum += v(i);
  let persistence = 0,
    mean = 0;
  for (let s = 160; s < 200; s++) {
    persistence += (v(s) - v(s - 1)) ** 2 / 40;
    mean += (v(s) - trainSum / 120) ** 2 / 40;
  }
  assert.ok(
    Math.abs(original.persistence!.mse / persistence - 1) < 1e-9,
    `${original.persistence!.mse} ${persistence}`,
  );
  assert.ok(Math.abs(original.mean!.mse / mean - 1) < 1e-6, `${original.mean!.mse} ${mean}`);
});

test('a column not in a header that is not UTF-8 says so: a Windows-1252 "Temp (°C)" cannot be named', async () => {
  const f = join(dir, 'latin1.csv');
  writeFileSync(f, Buffer.concat([Buffer.from('y,Temp ('), Buffer.from([0xb0]), Buffer.from('C)\n1,2\n2,3\n')]));
  await assert.rejects(
    prepareData({ ...base, features: ['y', 'Temp (°C)'] }, f),
    new RegExp(
      '"Temp \\(°C\\)", which is not in the header \\(y, Temp \\(\uFFFDC\\)\\); ' +
        'the header holds bytes that are not UTF-8 .*"CSV UTF-8"$',
    ),
  );
});

test('scalers are fitted on the training rows only', async () => {
  const f = csvFile(series(100, (i) => String(i < 60 ? i % 10 : 1000 + i)));
  for (const scale of ['minmax', 'standard', 'robust'] as const) {
    const d = await prepareData({ ...base, scale }, f);
    const tr = Array.from(d.targetSeries.original[0]!.slice(0, 60));
    if (scale === 'minmax') {
      assert.equal(d.scaler.center[0], 0);
      assert.equal(d.scaler.scale[0], 9);
    }
    if (scale === 'standard') assert.ok(Math.abs(d.scaler.center[0]! - tr.reduce((a, b) => a + b, 0) / 60) < 1e-12);
    if (scale === 'robust') assert.equal(d.scaler.center[0], 4.5);
  }
});

test('categorical columns: label and one-hot encoding', async () => {
  const f = csvFile(`y,wind\n${Array.from({ length: 20 }, (_, i) => `${i},${['NW', 'SE', 'cv'][i % 3]}`).join('\n')}`);
  const lab = await prepareData({ ...base, categorical: { wind: 'label' }, scale: 'none' }, f);
  assert.deepEqual(lab.features, ['y', 'wind']);
  assert.deepEqual([...lab.scaledFeatures[1]!.slice(0, 4)], [0, 1, 2, 0]);
  const oh = await prepareData({ ...base, categorical: { wind: 'onehot' }, scale: 'none' }, f);
  assert.deepEqual(oh.features, ['y', 'wind=NW', 'wind=SE', 'wind=cv']);
  assert.deepEqual([...oh.scaledFeatures[2]!.slice(0, 3)], [0, 1, 0]);
});

test('one-hot: a category first seen in the test rows gets no column: the test rows change no input of the model', async () => {
  // 40 rows, split 28/6/6; in the second file rows 35-36 (test rows) are "gust", a category of no other row. It got a
  // column wind=gust, 0 in every training row: 4 inputs instead of 3 (the weights drawn at the start, val_loss and
  // the epoch early stopping kept all moved with the test rows), and the test rows of it read untrained weights.
  const wind = (i: number, test: boolean) => (test && (i === 35 || i === 36) ? 'gust' : ['NW', 'SE', 'cv'][i % 3]);
  const csv = (test: boolean) =>
    csvFile(`y,wind\n${Array.from({ length: 40 }, (_, i) => `${i % 7},${wind(i, test)}`).join('\n')}`);
  const cfg: DataConfig = {
    ...base,
    categorical: { wind: 'onehot' },
    split: { train: 0.7, val: 0.15, test: 0.15 },
  };
  const [a, b] = [await prepareData(cfg, csv(false)), await prepareData(cfg, csv(true))];
  assert.deepEqual(b.features, ['y', 'wind=NW', 'wind=SE', 'wind=cv']);
  assert.deepEqual(b.scaler, a.scaler);
  const upToTest = (d: typeof a) => d.scaledFeatures.map((c) => [...c.slice(0, 34)]);
  assert.deepEqual(upToTest(b), upToTest(a));
  assert.match(b.notes.join('\n'), /column "wind": "gust" in no training row: no input column for it/);
  // a row of it reads as none of the categories, here and where predict reads a CSV with the run's encoding
  const raw = (d: typeof a, r: number) =>
    [1, 2, 3].map((j) => Math.round(d.scaledFeatures[j]![r]! * d.scaler.scale[j]! + d.scaler.center[j]!));
  assert.deepEqual(raw(b, 35), [0, 0, 0]);
  assert.deepEqual(raw(b, 37), [0, 1, 0]);
  const fixed = { scaler: b.scaler, encodings: b.encodings };
  const p = prepareTable(cfg, await readCsv(csv(true)), fixed);
  assert.deepEqual(p.features, b.features);
  assert.deepEqual([...p.scaledFeatures[1]!], [...b.scaledFeatures[1]!]);
});

test("predict's unseen category names the categories the model knows: one-hot, those with a column", async () => {
  // "gust" only in test rows 35-36 has no column (untrainedColumns): the error listed it among the rest, as known
  const wind = (i: number) => (i === 35 || i === 36 ? 'gust' : ['NW', 'SE', 'cv'][i % 3]!);
  const rows = (w: (i: number) => string) =>
    csvFile(`y,wind\n${Array.from({ length: 40 }, (_, i) => `${i % 7},${w(i)}`).join('\n')}`);
  const split = { train: 0.7, val: 0.15, test: 0.15 };
  const calm = (i: number) => (i === 3 ? 'calm' : wind(i));
  for (const [kind, known] of [
    ['onehot', 'the model knows NW, SE, cv; gust, first seen after the training rows, has no column and reads as none'],
    ['label', 'NW, SE, cv, gust'],
  ] as const) {
    const cfg: DataConfig = { ...base, categorical: { wind: kind }, split };
    const d = await prepareData(cfg, rows(wind));
    const f = rows(calm);
    await assert.rejects(
      async () => prepareTable(cfg, await readCsv(f), { scaler: d.scaler, encodings: d.encodings }),
      (e: Error) =>
        e instanceof DataError &&
        e.message.startsWith(`${f}: row 4, column "wind": category "calm" was not seen in training (${known}`),
    );
  }
});

test('label: a category first seen in the test rows moves no code of the training rows (first appearance order)', async () => {
  // rows of A, C and D; in the second file rows 35-36 (test rows) are "B". Sorted, B took code 1 and C, D moved from
  // 1, 2 to 2, 3: the training rows' inputs changed with the test rows, which no scaler undoes
  const wind = (i: number, test: boolean) => (test && (i === 35 || i === 36) ? 'B' : ['A', 'C', 'D'][(i * 7) % 3]);
  const csv = (test: boolean) =>
    csvFile(`y,wind\n${Array.from({ length: 40 }, (_, i) => `${i % 5},${wind(i, test)}`).join('\n')}`);
  const cfg: DataConfig = { ...base, categorical: { wind: 'label' }, split: { train: 0.7, val: 0.15, test: 0.15 } };
  const [a, b] = [await prepareData(cfg, csv(false)), await prepareData(cfg, csv(true))];
  assert.deepEqual(b.scaler, a.scaler);
  const upToTest = (d: typeof a) => d.scaledFeatures.map((c) => [...c.slice(0, 34)]);
  assert.deepEqual(upToTest(b), upToTest(a));
  assert.deepEqual(b.encodings.wind, ['A', 'C', 'D', 'B']);
});

test('windows follow the ETT protocol: a window belongs to the split holding all its targets; inputs may reach back', async () => {
  const f = csvFile(series(100, String));
  const d = await prepareData(
    { ...base, lookback: 5, horizon: 3, split: { train: [0, 60], val: [60, 80], test: [80, 100] }, scale: 'none' },
    f,
  );
  assert.equal(d.windows.train.starts[0], 5);
  assert.equal(d.windows.train.starts.at(-1), 57);
  assert.equal(d.windows.val.starts[0], 60);
  assert.equal(d.windows.test.starts.length, 20 - 3 + 1);
  const w = d.windows.test.copy();
  assert.deepEqual([...w.x.slice(0, 5)], [75, 76, 77, 78, 79]);
  assert.deepEqual([...w.y.slice(0, 3)], [80, 81, 82]);
});

test('baselines: persistence repeats the last value, seasonal naive the value a season back, mean the training mean', async () => {
  const y = syntheticSeries({ length: 300, noise: 0 });
  const f = csvFile(series(300, (i) => y[i]!.toFixed(6)));
  const d = await prepareData({ ...base, lookback: 24, horizon: 2, scale: 'none' }, f);
  const w = d.windows.test,
    s = d.targetSeries.original[0]!;
  const b = baselineScores(d, 'test', ['persistence', { seasonal_naive: { season: 24 } }, 'mean']);
  let pe = 0,
    se = 0,
    me = 0;
  const mean = s.slice(0, d.ranges.train[1]).reduce((a, v) => a + v, 0) / d.ranges.train[1];
  for (const st of w.starts)
    for (let h = 0; h < 2; h++) {
      pe += (s[st - 1]! - s[st + h]!) ** 2;
      se += (s[st + h - 24]! - s[st + h]!) ** 2;
      me += (mean - s[st + h]!) ** 2;
    }
  const n = w.starts.length * 2;
  // float32 forecasts: agree to single precision
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * b;
  assert.ok(close(b.original.persistence!.mse, pe / n), `${b.original.persistence!.mse} vs ${pe / n}`);
  assert.ok(close(b.original.seasonal_naive!.mse, se / n), `${b.original.seasonal_naive!.mse} vs ${se / n}`);
  assert.ok(close(b.original.mean!.mse, me / n), `${b.original.mean!.mse} vs ${me / n}`);
  assert.ok(
    b.original.seasonal_naive!.mse < b.original.persistence!.mse,
    'a noiseless seasonal series favours seasonal naive',
  );
  // a second season is scored beside the first, as seasonal_naive_<season> (its scores replaced the first's)
  const two = baselineScores(d, 'test', [{ seasonal_naive: { season: 24 } }, { seasonal_naive: { season: 12 } }]);
  assert.deepEqual(Object.keys(two.scaled), ['seasonal_naive', 'seasonal_naive_12']);
  assert.equal(two.original.seasonal_naive!.mse, b.original.seasonal_naive!.mse);
  // a season longer than the data before the first validation window is refused by name (its scores were NaN)
  const first = d.windows.val.starts[0]!;
  assert.equal(baselineProblem(d, ['mean', { seasonal_naive: { season: first } }]), undefined);
  assert.match(
    baselineProblem(d, ['mean', { seasonal_naive: { season: first + 1 } }])!,
    new RegExp(
      `^evaluate\\.baselines\\[1\\]\\.seasonal_naive\\.season: expected at most ${first}, .*received ${first + 1}$`,
    ),
  );
  // a linear lookback that leaves no training window whose inputs all exist (its fit threw after training)
  const last = d.windows.train.starts.at(-1)!;
  assert.equal(baselineProblem(d, [{ linear: { lookback: last } }]), undefined);
  assert.match(
    baselineProblem(d, [{ linear: { lookback: last + 1 } }])!,
    /^evaluate\.baselines\[0\]\.linear\.lookback: /,
  );
});

test('relative windows: inputs and targets minus the last input value; a zero forecast is persistence', async () => {
  const f = csvFile(series(60, (i) => String(i * i)));
  const d = await prepareData({ ...base, lookback: 3, horizon: 2, relative: true, scale: 'none' }, f);
  const w = d.windows.train.copy();
  assert.deepEqual([...w.x.slice(0, 3)], [0 - 4, 1 - 4, 0]);
  assert.deepEqual([...w.y.slice(0, 2)], [9 - 4, 16 - 4]);
  assert.deepEqual([...w.truth.slice(0, 2)], [9, 16]);
  const { absolute } = await import('../../src/data/index.js');
  const zero = absolute(d.windows.train, new Float32Array(w.y.length));
  const persistence = baselineScores(d, 'train', ['persistence']).scaled.persistence!.mse;
  let mse = 0;
  zero.forEach((v, i) => {
    mse += (v - w.truth[i]!) ** 2;
  });
  assert.ok(Math.abs(mse / zero.length - persistence) < 1e-6 * persistence);
});

test('the test rows change nothing before them: every scaler, fill policy and encoding, with gaps at the boundaries', async () => {
  // 200 rows, split 140/30/30; the second file's test rows are shifted, their feature flipped and scaled, a category
  // only they hold, and both files miss cells at the end of the validation rows (168, 169) and in the test rows
  const rows = (shift: boolean) =>
    Array.from({ length: 200 }, (_, i) => {
      const t = shift && i >= 170;
      const y = i === 150 || i === 168 || (i >= 175 && i < 180) ? '' : Math.sin(i / 4) + (t ? 100 : 0) + i / 50;
      const x = i === 169 || i === 120 ? '' : Math.cos(i / 3) * (t ? -9 : 1);
      return `${i},${x},${t && i % 7 === 0 ? 'Z' : ['a', 'b'][i % 2]},${y}`;
    });
  const files = [false, true].map((shift) => csvFile(`t,x,c,y\n${rows(shift).join('\n')}\n`));
  for (const scale of ['minmax', 'standard', 'robust', 'none'] as const)
    for (const missing of ['ffill', 'interpolate', 'drop', { constant: 0 }] as const)
      for (const kind of ['label', 'onehot'] as const) {
        const cfg: DataConfig = {
          ...base,
          time: 't',
          lookback: 5,
          horizon: 2,
          missing,
          scale,
          relative: true,
          categorical: { c: kind },
          split: { train: 0.7, val: 0.15, test: 0.15 },
        };
        const [a, b] = await Promise.all(files.map((f) => prepareData(cfg, f)));
        const at = `${scale} ${JSON.stringify(missing)} ${kind}`;
        const end = a!.ranges.test[0];
        assert.deepEqual([a!.ranges, a!.features, a!.scaler], [b!.ranges, b!.features, b!.scaler], at);
        const before = (d: typeof a) => d!.scaledFeatures.map((c) => [...c.subarray(0, end)]);
        assert.deepEqual(before(a), before(b), at);
        for (const k of ['train', 'val'] as const) assert.deepEqual(a!.windows[k].starts, b!.windows[k].starts, at);
      }
});
