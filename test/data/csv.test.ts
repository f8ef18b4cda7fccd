// readCsv keeps typed columns (a number per cell, each distinct text once), reads the same table whatever the chunk
// size, gives exactly Number()'s value for every number, and names file, line and column for a malformed record.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DataError, prepareData, readCsv } from '../../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-csv-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let k = 0;
const csvFile = (text: string) => {
  const f = join(dir, `t${k++}.csv`);
  writeFileSync(f, text);
  return f;
};

test('columns are typed: numbers as float64, missing as NaN, text as UTF-8 bytes (no string per cell)', async () => {
  const rows = Array.from({ length: 300 }, (_, i) => `${i * 0.5},${['NE', 'SE', 'cv'][i % 3]},${i % 7 ? i : 'NA'}`);
  const t = await readCsv(csvFile(`a,wind,b\n${rows.join('\n')}\n`));
  const a = t.columns.get('a')!,
    wind = t.columns.get('wind')!,
    b = t.columns.get('b')!;
  assert.ok(a.numbers instanceof Float64Array);
  assert.equal(a.textEnds, null, 'a numeric column holds no text at all');
  assert.equal(a.numbers[299], 149.5);
  assert.ok(wind.textEnds instanceof Int32Array && wind.textBytes.length === 600, 'two bytes a cell, no string');
  assert.deepEqual([wind.textAt(0), wind.textAt(4), wind.cell(5)], ['NE', 'SE', 'cv']);
  assert.ok(Number.isNaN(b.numbers[0]!) && b.textAt(0) === null && b.cell(0) === '');
  assert.equal(b.textEnds, null, 'a missing marker is not text');
});

test('every number is exactly what Number() makes of its text, fast path or not', async () => {
  const cells = [
    '0.1',
    '-0',
    '1e22',
    '1e23',
    '123456789012345',
    '1234567890123456789',
    '0.000001234',
    '5e-324',
    '1.7976931348623157e308',
    '+.5',
    '7.',
    '2.5E-3',
    ' 4.25 ',
    '"3.5"',
  ];
  const t = await readCsv(csvFile(`v\n${cells.join('\n')}\n`));
  cells.forEach((c, i) => {
    const want = Number(c.replaceAll('"', '').trim());
    assert.ok(Object.is(t.columns.get('v')!.numbers[i], want), `${c}: ${t.columns.get('v')!.numbers[i]} vs ${want}`);
  });
});

test('what is not a decimal number is text, though Number() reads it (0x1A, 0b11, 0o7, Infinity, 1_0)', async () => {
  const cells = ['0x1A', '0b11', '0o7', 'Infinity', '-Infinity', '1_0'];
  const t = await readCsv(csvFile(`v\n${cells.join('\n')}\n`));
  assert.deepEqual(
    cells.map((_, i) => t.columns.get('v')!.textAt(i)),
    cells,
  );
});

test('the same table whatever the chunk size: records cut by a chunk end are carried over', async () => {
  const text = '\uFEFFx,"y, quoted",z\r\n1,"a ""b""\r\nc",2.5\r\n\r\n  \r\n3 , NE ,4e2\r\n5,"",6\r7,cv,8';
  const f = csvFile(text);
  const whole = await readCsv(f);
  assert.deepEqual(whole.header, ['x', 'y, quoted', 'z']);
  assert.equal(whole.rows, 4);
  assert.deepEqual(
    [0, 1, 2, 3].map((r) => whole.columns.get('y, quoted')!.cell(r)),
    ['a "b"\r\nc', 'NE', '', 'cv'],
  );
  for (let chunk = 1; chunk <= 9; chunk++) {
    const t = await readCsv(f, { chunkBytes: chunk });
    assert.deepEqual(t.header, whole.header, `chunk ${chunk}`);
    for (const h of t.header) {
      assert.deepEqual(t.columns.get(h)!.numbers, whole.columns.get(h)!.numbers, `chunk ${chunk} ${h}`);
      assert.deepEqual(t.columns.get(h)!.textBytes, whole.columns.get(h)!.textBytes, `chunk ${chunk} ${h}`);
      assert.deepEqual(t.columns.get(h)!.textEnds, whole.columns.get(h)!.textEnds, `chunk ${chunk} ${h}`);
    }
  }
});

test('malformed records: one line naming the file, the line (after multi-line fields), the row and the column', async () => {
  const cases: [string, RegExp][] = [
    ['a,b\n1,"x\ny"\n2,3"\n', /: line 4 \(data row 2\), column 2 "b": a double quote inside an unquoted field/],
    ['a,b\n1,"2\n', /: line 2 \(data row 1\), column 2 "b": a quoted field is never closed/],
    [
      'a,b\n1,"2"x\n',
      /: line 2 \(data row 1\), column 2 "b": a quoted field is followed by "x"; expected a comma[^(]*$/,
    ],
    [
      '"a";"b"\n1;2\n',
      /column 1: a quoted field is followed by ";"; .* \(the file looks semicolon-separated; set data\.separator: ";"/,
    ],
    // the tab was skipped as a blank and the next quote named: 'followed by """', with no word of tabs
    [
      '"a"\t"b"\n1\t2\n',
      /column 1: a quoted field is followed by a tab; .* \(the file looks tab-separated; set data\.s/,
    ],
    ['a,b\n1,"p\nq"\n1,2,3\n', /: line 4: wrong number of fields: expected 2 as in the header, found 3 \(data row 2\)/],
    ['"a\n', /: line 1 \(the header\), column 1: a quoted field is never closed/],
    ['a,,c\n1,2,3\n', /: header column 2 has no name; expected a name for every column$/],
    // the two usual ways to get one: a pandas index written without a name, and a comma at the end of each line
    [',t,y\n0,1,2\n', /: header column 1 has no name; expected a name .*\(an index column of a pandas export\?/],
    ['t,y,\n1,2,\n', /: header column 3 has no name; expected a name .*\(the header line ends in a comma: remove it/],
  ];
  for (const [text, re] of cases) {
    const f = csvFile(text);
    await assert.rejects(readCsv(f), (e: Error) => {
      assert.ok(e instanceof DataError, String(e));
      assert.ok(e.message.startsWith(`${f}: `) && !e.message.includes('\n'), e.message);
      assert.match(e.message, re);
      return true;
    });
  }
});

test('a value that scaling takes beyond float32 is a DataError naming the row and column, for every scaler', async () => {
  const f = csvFile(
    `y\n${Array.from({ length: 40 }, (_, i) => (i === 9 ? '1e308' : i === 12 ? '-1.7e308' : i)).join('\n')}\n`,
  );
  for (const scale of ['minmax', 'standard', 'robust', 'none'] as const)
    await assert.rejects(
      prepareData({ csv: f, target: 'y', lookback: 3, scale }, f),
      new RegExp(`: row \\d+, column "y": .* when scaled \\(data.scale: ${scale}\\)`),
    );
});

test('spreadsheet exports: - and #N/A are missing, a semicolon file is named', async () => {
  const t = await readCsv(csvFile('a,b\n1,-\n#N/A,n/a\n3,4\n'));
  assert.equal(t.rows, 3);
  assert.deepEqual([...t.columns.get('b')!.numbers].map(String), ['NaN', 'NaN', '4']);
  assert.equal(t.columns.get('a')!.textCount(), 0);
  await assert.rejects(readCsv(csvFile('time;load\n2024-01-01;1,5\n')), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /line 2: wrong number of fields: expected 1 .* semicolon-separated/);
    return true;
  });
});

test('a European export (semicolons, decimal commas, CRLF) reads with data.separator and data.decimal', async () => {
  // the first year of daily-min-temperatures as a German spreadsheet saves it: it was refused, the header one column
  const de = fileURLToPath(new URL('../fixtures/european/temperatures-de.csv', import.meta.url));
  const t = await readCsv(de, { separator: ';', decimal: ',' });
  assert.deepEqual(t.header, ['Datum', 'Temperatur (°C)', 'Station']);
  assert.equal(t.rows, 365);
  const temp = t.columns.get('Temperatur (°C)')!;
  assert.equal(temp.textCount(), 0);
  assert.deepEqual([...temp.numbers.subarray(0, 3)], [20.7, 17.9, 18.8]);
  assert.equal(t.columns.get('Station')!.textAt(0), 'Melbourne; Regional Office');
  for (let chunk = 1; chunk <= 7; chunk += 3) {
    const c = await readCsv(de, { separator: ';', decimal: ',', chunkBytes: chunk });
    assert.deepEqual(c.columns.get('Temperatur (°C)')!.numbers, temp.numbers, `chunk ${chunk}`);
  }
  // every number exactly Number() of its text with a point, fast path or not; a point is no decimal mark then
  const cells = ['0,1', '-0', '1,5e3', '"3,5"', ' 4,25 ', '0,12345678901234567', '7,', '+,5', '20.7', '1.234,5'];
  const v = (
    await readCsv(csvFile(`v;w\n${cells.map((c) => `${c};1`).join('\n')}\n`), { separator: ';', decimal: ',' })
  ).columns.get('v')!;
  cells.slice(0, -2).forEach((c, i) => {
    const want = Number(c.replaceAll('"', '').replace(',', '.').trim());
    assert.ok(Object.is(v.numbers[i], want), `${c}: ${v.numbers[i]} vs ${want}`);
  });
  assert.deepEqual([v.textAt(8), v.textAt(9)], ['20.7', '1.234,5']);
  // semicolons alone, points in numbers
  const p = await readCsv(csvFile('a;b\n1.5;"x;y"\n2;z\n'), { separator: ';' });
  assert.deepEqual([...p.columns.get('a')!.numbers], [1.5, 2]);
  assert.equal(p.columns.get('b')!.textAt(0), 'x;y');
  await assert.rejects(readCsv(de, { decimal: ',' }), /a decimal comma needs another separator between fields/);
  // without the keys: the hint names them
  await assert.rejects(readCsv(de), /semicolon-separated; set data\.separator: ";" in the config, and data\.decimal/);
});

test('a tab-separated file (spreadsheets, pandas to_csv(sep="\\t")) reads with data.separator "\\t"', async () => {
  // data.separator took a comma or a semicolon only: a TSV was refused with 'save it as CSV with commas'
  const text =
    '\uFEFFdate\tload\tnote\tw\r\n2024-01-01 00:00\t1.5\t"a\tb"\t 3 \r\n2024-01-01 01:00\t\tplain\t4e2\r\n\r\n' +
    '2024-01-01 02:00\t-2\t"say ""hi"""\t\r\n\t\t\t\r\n2024-01-01 04:00\t7\tx\t8';
  const f = csvFile(text);
  const t = await readCsv(f, { separator: '\t' });
  assert.deepEqual(t.header, ['date', 'load', 'note', 'w']);
  assert.equal(t.rows, 5, 'a line of tabs is a row of empty cells, not an empty line');
  assert.deepEqual([...t.columns.get('load')!.numbers].map(String), ['1.5', 'NaN', '-2', 'NaN', '7']);
  assert.deepEqual([...t.columns.get('w')!.numbers].map(String), ['3', '400', 'NaN', 'NaN', '8']);
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((r) => t.columns.get('note')!.cell(r)),
    ['a\tb', 'plain', 'say "hi"', '', 'x'],
  );
  assert.equal(t.columns.get('date')!.textAt(4), '2024-01-01 04:00');
  for (let chunk = 1; chunk <= 9; chunk++) {
    const c = await readCsv(f, { separator: '\t', chunkBytes: chunk });
    for (const h of t.header) {
      assert.deepEqual(c.columns.get(h)!.numbers, t.columns.get(h)!.numbers, `chunk ${chunk} ${h}`);
      assert.deepEqual(c.columns.get(h)!.textBytes, t.columns.get(h)!.textBytes, `chunk ${chunk} ${h}`);
    }
  }
  // a decimal comma with tabs between fields
  const de = await readCsv(csvFile('t\tv\n1\t20,7\n2\t"-0,25"\n3\t1,5e3\n'), { separator: '\t', decimal: ',' });
  assert.deepEqual([...de.columns.get('v')!.numbers], [20.7, -0.25, 1500]);
  // read with commas (the default) or semicolons, the tab is named and the key to set
  const tsv = csvFile('date\tload\n2024-01-01\t1,5\n2024-01-02\t2,5\n');
  for (const separator of [',', ';'] as const)
    await assert.rejects(
      prepareData({ csv: tsv, time: 'date', target: 'load', lookback: 1, separator }, tsv),
      /(wrong number of fields|not in the header).*the file looks tab-separated; set data\.separator: "\\t" in the/,
    );
});

test('a file read with another separator than its own is told which it has, a tab named as a tab', async () => {
  // a comma file read with data.separator ";" or "\t" got no hint ('names column "y", which is not in the header
  // (t,y)'), and a tab at the end of each line of a TSV was 'the header line ends in a comma'
  const commas = csvFile('t,y\n1,2\n2,3\n');
  for (const separator of [';', '\t'] as const)
    await assert.rejects(
      prepareData({ csv: commas, target: 'y', lookback: 1, separator }, commas),
      /not in the header \(t,y\); the header is one column \(the file looks comma-separated; leave data\.separator out/,
    );
  await assert.rejects(
    readCsv(csvFile('t\ty\t\n1\t2\t\n'), { separator: '\t' }),
    /header column 3 has no name; expected a name for every column \(the header line ends in a tab: remove it, from/,
  );
  await assert.rejects(
    readCsv(csvFile('t\ty\n1\t"2" x\n'), { separator: '\t' }),
    /line 2 \(data row 1\), column 2 "y": a quoted field is followed by "x"; expected a tab or the end of the line$/,
  );
});

test('data.time reads Unix seconds and milliseconds, and dd/mm/yyyy where a day is over 12, as UTC', async () => {
  const hours = Array.from({ length: 30 }, (_, i) => Date.UTC(2024, 2, 12, i));
  const ddmm = (ms: number) => {
    const d = new Date(ms);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:00`;
  };
  for (const cell of [(ms: number) => String(ms / 1000), (ms: number) => String(ms), ddmm]) {
    const f = csvFile(`t,v\n${hours.map((ms, i) => `${cell(ms)},${i}`).join('\n')}\n`);
    const d = await prepareData(
      { csv: f, time: 't', target: 'v', lookback: 2, split: { train: 0.6, val: 0.2, test: 0.2 } },
      f,
    );
    assert.deepEqual([...d.time], hours, cell(hours[0]!));
  }
});

test("slashed dates of a file for a trained run are read in the run's order, whatever this file's own cells suggest", async () => {
  const { prepareTable } = await import('../../src/data/index.js');
  // 7-12 August and 1-3 September 2024, day first: every day is 12 or under, so the file alone reads month first
  const days = [7, 8, 9, 10, 11, 12]
    .map((d) => Date.UTC(2024, 7, d))
    .concat([1, 2, 3].map((d) => Date.UTC(2024, 8, d)));
  const p = (n: number) => String(n).padStart(2, '0');
  const ddmm = (ms: number) => `${p(new Date(ms).getUTCDate())}/${p(new Date(ms).getUTCMonth() + 1)}/2024`;
  const f = csvFile(`date,v\n${days.map((ms, i) => `${ddmm(ms)},${i}`).join('\n')}\n`);
  const cfg = { csv: f, time: 'date', target: 'v', lookback: 2 };
  // the training file: 40 days from 1 January, day first (13/01/2024 says so)
  const train = Array.from({ length: 40 }, (_, i) => `${ddmm(Date.UTC(2024, 0, 1 + i))},${i}`);
  const t = csvFile(`date,v\n${train.join('\n')}\n`);
  const trained = await prepareData({ ...cfg, csv: t, split: { train: 0.6, val: 0.2, test: 0.2 } }, t);
  assert.equal(trained.dayFirst, true);
  const fixed = { scaler: trained.scaler, encodings: trained.encodings };
  const table = await readCsv(f);
  assert.throws(() => prepareTable(cfg, table, fixed), /row 7, column "date": time "01\/09\/2024" is not after/);
  const d = prepareTable(cfg, table, { ...fixed, dayFirst: true });
  assert.deepEqual([...d.time], days);
  assert.equal(d.dayFirst, true, 'the order it was read in, for a run folder to keep');
  // a run trained month first refuses a 13 in the month place, naming both readings
  const g = csvFile('date,v\n12/01/2024,1\n13/01/2024,2\n14/01/2024,3\n');
  const gt = await readCsv(g);
  assert.equal(prepareTable(cfg, gt, fixed).dayFirst, true, 'alone, the file reads day first');
  assert.throws(
    () => prepareTable(cfg, gt, { ...fixed, dayFirst: false }),
    (e: Error) =>
      e instanceof DataError &&
      e.message ===
        `${g}: row 2, column "date": "13/01/2024": read month first (mm/dd/yyyy), as the run's training dates were, ` +
          "it is no date; read day first (dd/mm/yyyy) it would be 2024-01-13. A new CSV's slashed dates are read in " +
          "the order the training CSV's were: write them month first (mm/dd/yyyy)",
  );
});

test('rows at the end with no value (",," as spreadsheets leave them) are left out; an empty row inside is kept', async () => {
  const t = await readCsv(csvFile('t,a,b\n1,2,3\n,,\n4,5,\n,,\n"",NA,\n,,\n'));
  assert.equal(t.rows, 3);
  assert.deepEqual([...t.columns.get('a')!.numbers].map(String), ['2', 'NaN', '5']);
  assert.equal(t.columns.get('t')!.cell(2), '4');
  const only = await readCsv(csvFile('t,a\n,\n,\n'));
  assert.equal(only.rows, 1, 'a file of empty rows keeps one, for the missing-value error to name');
});

test('a UTF-16 file (Excel\'s "Unicode Text", PowerShell 5\'s Out-File) is refused as UTF-16, with the way out', async () => {
  // it was 'line 4: wrong number of fields: expected 2 as in the header, found 1' (its last line a lone NUL byte)
  const text = 'date,load\n2024-01-01,1\n2024-01-02,2\n';
  const cases: [Buffer, string][] = [
    [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 'the file is UTF-16 (it starts with'],
    [Buffer.from(text, 'utf16le'), 'the file looks UTF-16, or is not text'],
  ];
  for (const [bytes, said] of cases) {
    const f = join(dir, `utf16-${k++}.csv`);
    writeFileSync(f, bytes);
    await assert.rejects(readCsv(f), (e: Error) => {
      assert.ok(e instanceof DataError, String(e));
      assert.ok(e.message.startsWith(`${f}: the header holds NUL bytes: ${said}`), e.message);
      assert.match(e.message, /save it as "CSV UTF-8"/);
      return true;
    });
  }
});

test('a title or comment line above the header is named as such, not a line of numbers with commas', async () => {
  // '# exported by meter v2' above the header was read as a header of one field: 'line 2: wrong number of fields:
  // expected 1 as in the header, found 3 (data row 1)', and no word of why
  const body = 'date,load,temp\n2024-01-01,1,2\n';
  for (const above of ['# exported by meter v2', 'Sensor export']) {
    const f = csvFile(`${above}\n${body}`);
    await assert.rejects(
      readCsv(f),
      new RegExp(
        `${f}: line 2: wrong number of fields: expected 1 as in the header, found 3 \\(data row 1\\) \\(the header ` +
          `line is one field, "${above}": a title or comment above the header\\? .*remove the lines above it\\)$`,
      ),
    );
  }
  // one column of decimal commas: its line of numbers is no header, and no such hint
  await assert.rejects(readCsv(csvFile('value\n1,5\n')), /found 2 \(data row 1\)$/);
});

test('a pipe or a device is refused as what it is, not as "a directory" (--csv <(zcat x.gz), /dev/stdin)', async () => {
  await assert.rejects(readCsv(tmpdir()), /: expected a CSV file, found a directory$/);
  await assert.rejects(readCsv('/dev/null'), /: expected a CSV file, found a device; seqtune reads the file again/);
  const fifo = join(tmpdir(), `seqtune-fifo-${process.pid}`);
  execFileSync('mkfifo', [fifo]);
  try {
    await assert.rejects(readCsv(fifo), /: expected a CSV file, found a pipe; .*save it to a file$/);
  } finally {
    rmSync(fifo, { force: true });
  }
});
