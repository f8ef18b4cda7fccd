// Numbers at the edges of what float32 holds: the model trains in float32, but the series, the baselines and the
// scores are float64, so a level far above the series' spread (a price near 1e5, a level near 1e7 with data.scale:
// none, a Unix time near 1.7e9) is scored to float64's digits, each compared with a float64 reference computed here.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { baselineScores, prepareData, Scaler, score, splitScores } from '../../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-float32-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function csvFile(header: string, lines: string[]): string {
  const f = join(dir, `d${files++}.csv`);
  writeFileSync(f, `${header}\n${lines.join('\n')}\n`);
  return f;
}

/** 1e7 + a daily sine of amplitude 1 and a little noise, to 4 decimals: float32 holds 1e7 to steps of 1. */
const level = Array.from({ length: 400 }, (_, i) => 1e7 + Math.sin((2 * Math.PI * i) / 24) + 0.1 * Math.sin(i * 7.3));
const levelCsv = () =>
  csvFile(
    't,y',
    level.map((v, i) => `${i},${v.toFixed(4)}`),
  );
const cfg = { csv: 'x.csv', time: 't', target: 'y', lookback: 8, horizon: 1 };

/** Persistence's test MSE in float64, computed here from the CSV's values: the reference. */
function persistenceMse(values: number[], from: number, to: number): number {
  let se = 0;
  for (let s = from; s < to; s++) se += (Number(values[s]!.toFixed(4)) - Number(values[s - 1]!.toFixed(4))) ** 2;
  return se / (to - from);
}

test('data.scale: none on a series near 1e7: the scaled scores are the scores in its units, to float64 digits', async () => {
  const d = await prepareData({ ...cfg, scale: 'none' }, levelCsv());
  const [a, b] = d.ranges.test;
  const want = persistenceMse(level, Math.max(a, 8), b);
  const s = baselineScores(d, 'test', ['persistence', 'linear']);
  // the same values on the same scale: float32 targets made the scaled MSE 0.114 against 0.0513 in the data's units
  assert.ok(Math.abs(s.original.persistence!.mse - want) <= 1e-9 * want, `${s.original.persistence!.mse} vs ${want}`);
  assert.ok(
    Math.abs(s.scaled.persistence!.mse - want) <= 1e-9 * want,
    `scaled ${s.scaled.persistence!.mse} vs ${want}`,
  );
  assert.ok(Math.abs(s.scaled.linear!.mse - s.original.linear!.mse) <= 1e-9 * s.original.linear!.mse);
});

test('the linear baseline fits a series near 1e7 as well with data.scale: none as standardised', async () => {
  const file = levelCsv();
  const none = await prepareData({ ...cfg, scale: 'none' }, file);
  const standard = await prepareData({ ...cfg, scale: 'standard' }, file);
  const rmse = (d: typeof none) => baselineScores(d, 'test', ['linear']).original.linear!.rmse;
  // ridge chooses its penalty on the scale it is fitted on, so the two differ a little, not by a factor of 3
  // (float32 forecasts rounded to whole numbers read 0.28 against 0.096)
  const [x, y] = [rmse(none), rmse(standard)];
  assert.ok(Math.abs(x - y) <= 0.05 * y, `linear RMSE with scale none ${x}, standard ${y}`);
});

test('a relative model that outputs zeros scores exactly as persistence near 1e7, scaled and in original units', async () => {
  const d = await prepareData({ ...cfg, scale: 'none', relative: true }, levelCsv());
  const w = d.windows.test;
  const s = splitScores(d, 'test', new Float32Array(w.count), ['persistence']);
  // zeros plus the last observed value is persistence: float32 sums of 1e7 + 0 rounded it to a whole number
  assert.equal(s.scaled.model!.mse, s.scaled.persistence!.mse);
  assert.equal(s.original.model!.mse, s.original.persistence!.mse);
});

test('data.scale: robust on a column whose middle half is one value says it leaves the column as it is', async () => {
  // 0 in most rows, counts in the thousands in some: an interquartile range of 0, so scale 1, silently
  const y = (i: number) => (i % 7 === 3 ? 1000 + ((i * 37) % 4000) : 0);
  const file = csvFile(
    'y',
    Array.from({ length: 300 }, (_, i) => String(y(i))),
  );
  const d = await prepareData({ csv: 'x.csv', target: 'y', lookback: 8, horizon: 1, scale: 'robust' }, file);
  assert.equal(d.scaler.scale[0], 1);
  assert.ok(
    d.notes.some((n) => /column "y": data\.scale: robust leaves it as it is .*interquartile range of 0/.test(n)),
    d.notes.join('\n'),
  );
  // a column with an interquartile range above 0 is scaled by it: nothing to say
  const one = csvFile(
    'y',
    Array.from({ length: 300 }, (_, i) => String(i % 4)),
  );
  assert.deepEqual(
    (await prepareData({ csv: 'x.csv', target: 'y', lookback: 8, horizon: 1, scale: 'robust' }, one)).notes,
    [],
  );
});

test('RMSE and MAE of errors near 1e300, whose squares overflow float64, are finite and right', () => {
  const target = Array.from({ length: 30 }, (_, i) => 1e300 * (2 + Math.sin(i / 5)));
  const pred = target.map((v, i) => v + 1e299 * Math.cos(i));
  // the reference: the same sums of errors taken in units of 1e299
  const e = pred.map((p, i) => (p - target[i]!) / 1e299);
  const rmse = 1e299 * Math.sqrt(e.reduce((a, v) => a + v * v, 0) / 30),
    mae = (1e299 * e.reduce((a, v) => a + Math.abs(v), 0)) / 30;
  const s = score(pred, target);
  // the squares summed as they are overflowed: RMSE Infinity beside an MAE of 6e298
  assert.ok(Math.abs(s.rmse - rmse) <= 1e-12 * rmse, `RMSE ${s.rmse} vs ${rmse}`);
  assert.ok(Math.abs(s.mae - mae) <= 1e-12 * mae, `MAE ${s.mae} vs ${mae}`);
  const small = score([1, 2, 3], [1.5, 2, 2]);
  assert.deepEqual(small, { mse: 1.25 / 3, mae: 0.5, rmse: Math.sqrt(1.25 / 3) });
});

test('data.scale: standard of values near 1e300, whose squares overflow float64, scales them by their sd', () => {
  const v = Float64Array.from({ length: 140 }, (_, i) => 1e300 * (2 + Math.sin(i / 5)));
  // the reference: the same sd taken in units of 1e300
  const u = Array.from(v, (x) => x / 1e300),
    m = u.reduce((a, x) => a + x, 0) / u.length;
  const sd = 1e300 * Math.sqrt(u.reduce((a, x) => a + (x - m) ** 2, 0) / u.length);
  const s = Scaler.fit('standard', ['y'], [v], 0, v.length).state.scale[0]!;
  // its sum of squares overflowed and the scale fell back to 1, as for a constant column
  assert.ok(Math.abs(s - sd) <= 1e-12 * sd, `scale ${s} vs ${sd}`);
});
