// The baselines a run is scored against (data/evaluate.ts): each one scored on the run's windows, or left out with a
// note that says why, never a NaN score.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  baselineProblem,
  baselineScores,
  linearFitNotices,
  linearFitSeconds,
  linearForecastSeconds,
  prepareData,
  type RidgeShape,
  ridgeShape,
  splitScores,
  unscaleTargets,
} from '../../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-evaluate-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function csvFile(lines: string[]): string {
  const f = join(dir, `d${files++}.csv`);
  writeFileSync(f, `t,y\n${lines.join('\n')}\n`);
  return f;
}
const wave = (n: number, cell = (i: number) => String(Math.sin(i / 5))) =>
  Array.from({ length: n }, (_, i) => `${i},${cell(i)}`);
const base = { csv: 'x.csv', target: 'y', features: ['y'], lookback: 8, horizon: 3 };

test('a seasonal naive whose season reaches before the first row is left out with a note, not scored NaN', async () => {
  const d = await prepareData({ ...base, time: 't' }, csvFile(wave(300)));
  const specs = ['persistence', { seasonal_naive: { season: 260 } }, 'mean'] as const;
  for (const split of ['val', 'test'] as const) {
    const b = baselineScores(d, split, [...specs]);
    assert.deepEqual(Object.keys(b.scaled), ['persistence', 'mean'], split);
    assert.deepEqual(Object.keys(b.original), ['persistence', 'mean'], split);
    assert.equal(
      b.notes.join('\n'),
      "the seasonal_naive baseline is left out: its season of 260 rows reaches before the data's first row from " +
        'the validation window with 210 rows before it (after data.skip_rows); give it a shorter season, or a split ' +
        'with more rows before validation and test',
    );
  }
  // a season the data holds is scored as before
  const ok = baselineScores(d, 'test', [{ seasonal_naive: { season: 200 } }]);
  assert.ok(Number.isFinite(ok.scaled.seasonal_naive!.mse) && ok.notes.length === 0);
});

test('the seasonal naive note says one row in the singular: "with 1 row before it"', async () => {
  // a validation window one row in: the note read "the validation window with 1 rows before it"
  const split: Record<'train' | 'val' | 'test', [number, number]> = { train: [0, 2], val: [1, 4], test: [4, 6] };
  const d = await prepareData({ ...base, time: 't', lookback: 1, horizon: 1, split }, csvFile(wave(6)));
  const note = baselineScores(d, 'val', [{ seasonal_naive: { season: 3 } }]).notes[0]!;
  assert.match(note, /from the validation window with 1 row before it \(after data\.skip_rows\)/);
});

test('a linear baseline with a lookback no training window has is left out with a note (its fit failed, exit 1)', async () => {
  const d = await prepareData({ ...base, time: 't' }, csvFile(wave(300)));
  const b = baselineScores(d, 'test', ['persistence', 'linear', { linear: { lookback: 250 } }]);
  assert.deepEqual(Object.keys(b.scaled), ['persistence', 'linear']);
  assert.equal(
    b.notes.join('\n'),
    'the linear baseline with lookback 250 is left out: no training window has 250 rows before it to fit on ' +
      '(the last has 207); give it a lookback of at most 207',
  );
  assert.ok(Number.isFinite(baselineScores(d, 'test', [{ linear: { lookback: 200 } }]).scaled.linear_200!.mse));
});

test('with missing: drop a seasonal naive reads a whole season of file rows back, not a season of the rows kept', async () => {
  // y is the row's phase in a season of 12 (i mod 12): a seasonal naive of season 12 is exact, wherever rows went
  const season = 12;
  const rows = wave(400, (i) => (i >= 335 && i < 340 ? '' : String(i % season)));
  const d = await prepareData({ ...base, time: 't', missing: 'drop', scale: 'none' }, csvFile(rows));
  assert.ok(d.kept && d.windows.test.starts.length > 0);
  const b = baselineScores(d, 'test', [{ seasonal_naive: { season } }, 'persistence']);
  // 5 dropped rows just before the test split put a season of usable rows back 5 rows off phase
  assert.equal(b.original.seasonal_naive!.mse, 0);
  assert.ok(b.original.persistence!.mse > 1);
});

test('with missing: drop the config check refuses exactly the seasons whose scores would be left out with a note', async () => {
  // rows dropped inside the training rows: the check counted the rows kept, seasons count the file's rows, so it
  // refused seasons every window has a value for (130 with rows 100..119 dropped) and passed ones left out after
  // training (90 with rows 80..129 dropped: the row 90 back from the first test windows was dropped)
  const dropped = (lo: number, hi: number) => {
    const rows = wave(200, (i) => (i >= lo && i < hi ? '' : String(Math.sin(i / 5))));
    return prepareData({ ...base, time: 't', lookback: 4, horizon: 1, missing: 'drop' }, csvFile(rows));
  };
  const [some, many] = [await dropped(100, 120), await dropped(80, 130)];
  for (const d of [some, many])
    for (let season = 1; season < 200; season++) {
      const spec = [{ seasonal_naive: { season } }];
      const note = baselineScores(d, 'val', spec).notes[0];
      assert.equal(baselineProblem(d, spec) !== undefined, note !== undefined, `season ${season}: ${note}`);
    }
  const scored = [{ seasonal_naive: { season: 130 } }];
  assert.equal(baselineProblem(some, scored), undefined);
  assert.ok(Number.isFinite(baselineScores(some, 'test', scored).scaled.seasonal_naive!.mse));
  const noted = [{ seasonal_naive: { season: 90 } }];
  assert.match(
    baselineScores(many, 'val', noted).notes[0]!,
    /left out: data\.missing: drop removed every row a whole number of its season of 90 rows before a target of/,
  );
  assert.match(
    baselineProblem(many, ['mean', ...noted])!,
    new RegExp(
      '^evaluate\\.baselines\\[1\\]\\.seasonal_naive\\.season: expected a season with a row of the data a whole ' +
        'number of seasons before every validation and test target, received 90: data\\.missing: drop removed ' +
        'each one before a target of the test window 170 rows into the data$',
    ),
  );
});

test('with leading rows dropped, the note and the check count the rows before a window from the first row kept', async () => {
  // the note counted from the row before the dropped ones: "its season of 138 rows reaches before the data's first
  // row from the validation window with 143 rows before it"
  const rows = wave(200, (i) => (i < 10 ? '' : String(Math.sin(i / 5))));
  const d = await prepareData({ ...base, time: 't', lookback: 4, horizon: 1, missing: 'drop' }, csvFile(rows));
  const first = d.windows.val.starts[0]!;
  const spec = [{ seasonal_naive: { season: first + 5 } }];
  assert.match(
    baselineScores(d, 'val', spec).notes[0]!,
    new RegExp(
      `season of ${first + 5} rows reaches before the data's first row from the validation window with ${first} rows`,
    ),
  );
  assert.match(
    baselineProblem(d, spec)!,
    new RegExp(`expected at most ${first}, the rows before the first validation`),
  );
});

test('several targets are scored each in its own units too (by_target): the original columns average degrees and megawatts', async () => {
  const f = join(dir, `d${files++}.csv`);
  const rows = Array.from({ length: 400 }, (_, i) => `${i},${Math.sin(i / 5)},${50000 + 1000 * Math.cos(i / 7)}`);
  writeFileSync(f, `t,a,b\n${rows.join('\n')}\n`);
  const d = await prepareData({ ...base, time: 't', target: ['a', 'b'], features: ['a', 'b'] }, f);
  const w = d.windows.test;
  const out = new Float32Array(w.count * w.horizon * 2).map((_, i) => (i % 3) / 10); // any forecast
  const m = splitScores(d, 'test', out, ['persistence', 'mean']);
  assert.deepEqual(Object.keys(m.by_target!), ['a', 'b']);
  for (const t of ['a', 'b']) assert.deepEqual(Object.keys(m.by_target![t]!), ['model', 'persistence', 'mean']);
  // each target's scores by hand, from the CSV's own values
  const pred = unscaleTargets(d, out);
  for (const [k, t] of ['a', 'b'].entries()) {
    const col = k === 0 ? (i: number) => Math.sin(i / 5) : (i: number) => 50000 + 1000 * Math.cos(i / 7);
    let model = 0,
      persistence = 0,
      n = 0;
    for (let j = 0; j < w.count; j++)
      for (let h = 0; h < w.horizon; h++, n++) {
        const truth = col(w.starts[j]! + h);
        model += (pred[(j * w.horizon + h) * 2 + k]! - truth) ** 2;
        persistence += (col(w.starts[j]! - 1) - truth) ** 2;
      }
    assert.ok(Math.abs(m.by_target![t]!.model!.mse / (model / n) - 1) < 1e-9, t);
    assert.ok(Math.abs(m.by_target![t]!.persistence!.mse / (persistence / n) - 1) < 1e-9, t);
  }
  // the split's original scores are their mean (every target has as many values)
  for (const name of ['model', 'persistence', 'mean']) {
    const mean = (m.by_target!.a![name]!.mse + m.by_target!.b![name]!.mse) / 2;
    assert.ok(Math.abs(m.original[name]!.mse / mean - 1) < 1e-9, name);
  }
  // one target: its scores are the split's, no by_target
  const one = await prepareData({ ...base, time: 't', target: 'a', features: ['a', 'b'] }, f);
  assert.equal(splitScores(one, 'test', new Float32Array(one.windows.test.count * 3), ['mean']).by_target, undefined);
});

test('a linear baseline whose fit takes more than 20 s is announced before it is fitted, with its inputs and seconds', async () => {
  // 61 series over a lookback of 40 to 12 steps of each: 2,440 inputs to 732 outputs, about 23 s (25.4 s of CPU
  // measured on a 2-core EPYC; 27 s by the estimate before its cube's rate); a helper's check over 2,400 inputs was
  // minutes of silence
  const cols = Array.from({ length: 60 }, (_, j) => `c${j}`);
  const rows = [['t', 'y', ...cols].join(',')];
  for (let i = 0; i < 200; i++)
    rows.push([i, Math.sin(i / 5), ...cols.map((_, j) => Math.cos((i + j) / 7))].map((v) => v.toFixed(4)).join(','));
  const f = join(dir, 'wide.csv');
  writeFileSync(f, `${rows.join('\n')}\n`);
  const d = await prepareData({ csv: f, time: 't', target: ['y', ...cols], lookback: 40, horizon: 12 }, f);
  assert.deepEqual(linearFitNotices(d, ['persistence', 'linear', { linear: { lookback: 40 } }]), [
    'fitting the linear baseline on 2,440 inputs (about 23 s)',
  ]);
  // a short lookback fits in seconds, one too wide is left out (its note says so): nothing to announce
  assert.deepEqual(linearFitNotices(d, [{ linear: { lookback: 4 } }, { linear: { lookback: 48 } }, 'mean']), []);
});

test("the linear baseline's notice counts its forecasts of the scored windows, p m multiply-adds each, after the fit", async () => {
  // 1,000,000 rows x 20, lookback and horizon 96: the fit took 123 s of CPU, then the forecasts of the validation and
  // test splits' 149,905 windows each 57 s (0.48e9 multiply-adds a second), which the notice's seconds left out
  const big: RidgeShape = {
    inputs: 1920,
    outputs: 96,
    train: 699_809,
    val: 149_905,
    series: 20,
    lags: 19 * 96 + 192,
    lagged: true,
  };
  const one = linearForecastSeconds(big, 149_905);
  assert.ok(one > 50 && one < 75, String(one));
  assert.equal(linearForecastSeconds(big, 2 * 149_905), 2 * one);
  assert.equal(linearForecastSeconds({ ...big, outputs: 48 }, 149_905), one / 2);
  // 2,000 rows of 61 series, lookback 40, horizon 12 (2,440 inputs to 732 outputs): 578 validation and test windows
  const cols = Array.from({ length: 60 }, (_, j) => `c${j}`);
  const rows = [['t', 'y', ...cols].join(',')];
  for (let i = 0; i < 2000; i++)
    rows.push([i, Math.sin(i / 5), ...cols.map((_, j) => Math.cos((i + j) / 7))].map((v) => v.toFixed(4)).join(','));
  const f = join(dir, 'wide-long.csv');
  writeFileSync(f, `${rows.join('\n')}\n`);
  const d = await prepareData({ csv: f, time: 't', target: ['y', ...cols], lookback: 40, horizon: 12 }, f);
  const shape = ridgeShape(d),
    fit = linearFitSeconds(shape);
  const said = (splits?: ('val' | 'test')[]) => {
    const line = linearFitNotices(d, ['linear'], splits)[0] ?? '';
    return Number(/about (\d+) s/.exec(line)?.[1]);
  };
  const { val, test: t } = d.windows;
  assert.equal(said(), Math.round(fit + linearForecastSeconds(shape, val.count + t.count)));
  assert.equal(said(['val']), Math.round(fit + linearForecastSeconds(shape, val.count)));
  assert.ok(said() >= Math.round(fit) + 2, `${said()} s said, the fit ${fit} s`);
});

test('a target value data.missing filled is left out of the scores: no forecast is scored against a made-up value', async () => {
  // y = 100 + i over 40 rows (test rows 34-39, horizon 1), row 36 missing and filled with a constant 0: persistence's
  // test MSE was (4 x 1 + 135^2 + 137^2) / 6 = 6166.3, a forecast equal to every true value scored 136^2 / 6 = 3083
  // for its miss of the 0, and ffill scored persistence 0 on the copied value.
  const rows = Array.from({ length: 40 }, (_, i) => `${i},${i === 36 ? '' : 100 + i}`);
  const cfg = {
    ...base,
    lookback: 3,
    horizon: 1,
    split: { train: 0.7, val: 0.15, test: 0.15 },
    scale: 'none' as const,
  };
  const d = await prepareData({ ...cfg, missing: { constant: 0 } }, csvFile(rows));
  const w = d.windows.test;
  assert.deepEqual([...w.starts], [34, 35, 36, 37, 38, 39]);
  const truth = Float32Array.from(w.starts, (s) => 100 + s); // the true value of the filled cell too
  const m = splitScores(d, 'test', truth, ['persistence']);
  assert.deepEqual(m.original.model, { mse: 0, mae: 0, rmse: 0 });
  // persistence at 37 reads the filled 0 (an input): 137 off; 36 itself is left out
  assert.equal(m.original.persistence!.mse, (4 + 137 ** 2) / 5);
  assert.equal(m.original.persistence!.mae, (4 + 137) / 5);
  assert.match(m.notes.join('\n'), /^1 test target value of 6 was missing in the CSV \(filled by data.missing\)/);
  const ff = await prepareData({ ...cfg, missing: 'ffill' }, csvFile(rows));
  assert.equal(baselineScores(ff, 'test', ['persistence']).original.persistence!.mse, (4 + 2 ** 2) / 5);
});
