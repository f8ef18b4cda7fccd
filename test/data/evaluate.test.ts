// The baselines a run is scored against (data/evaluate.ts): each one scored on the run's windows, or left out with a
// note that says why, never a NaN score.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { baselineScores, prepareData } from '../../src/data/index.js';

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
