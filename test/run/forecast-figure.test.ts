// forecast.png's x axis: the row of the CSV each plotted step is, counted as predict's origin_row counts rows.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { prepareData } from '../../src/data/index.js';
import { forecastInfo } from '../../src/run/train.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-forecast-figure-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('forecast.svg plots each step at its row of the CSV: data.skip_rows and rows missing: drop removed counted', async () => {
  // y is the data row's own number (from 1): a step plotted at its row reads y = x
  const rows = Array.from({ length: 80 }, (_, i) => `${i + 1},${(i * 7) % 11},${i >= 60 && i < 63 ? '' : i % 5}`);
  const f = join(dir, 'rows.csv');
  writeFileSync(f, `y,w,z\n${rows.join('\n')}\n`);
  const d = await prepareData(
    { csv: f, target: 'y', features: ['y', 'w', 'z'], lookback: 4, skip_rows: 5, missing: 'drop', scale: 'none' },
    f,
  );
  const pred = new Float32Array(d.windows.test.count);
  const info = forecastInfo(d, pred, 'rows', 5);
  const actual = info.series[0]!;
  assert.equal(info.xLabel, 'row of the CSV');
  assert.ok(actual.values.length > 5);
  // the index among the usable rows from 0 was 1 + 5 + 3 rows early after the dropped ones
  for (let i = 0; i < actual.values.length; i++) assert.equal(actual.x![i], actual.values[i], `window ${i}`);
});
