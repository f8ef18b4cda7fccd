// The season init proposes, checked against the series' autocorrelation (src/run/season.ts): the FFT ACF against
// the plain sum, and the rules on synthetic series: a cycle found, the calendar's kept, noise and random walks none.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/nn/random.js';
import { autocorrelation, checkSeason, detrend } from '../../src/run/season.js';

/** The sample ACF as its definition writes it: the spec the FFT one is held to. */
function plainAcf(x: ArrayLike<number>, maxLag: number): number[] {
  const n = x.length;
  const m = Array.from(x).reduce((a, b) => a + b, 0) / n;
  const c = (k: number) => {
    let s = 0;
    for (let i = k; i < n; i++) s += (x[i]! - m) * (x[i - k]! - m);
    return s;
  };
  return Array.from({ length: Math.min(maxLag, n - 1) + 1 }, (_, k) => c(k) / c(0));
}

const series = (n: number, f: (i: number, rng: Rng) => number, seed = 1) => {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, (_, i) => f(i, rng));
};

test('the ACF through the FFT is the plain sum, at awkward lengths and large magnitudes; a constant and a line have none', () => {
  for (const [n, lag, offset] of [
    [2, 1, 0],
    [7, 10, 0],
    [64, 63, 1e6],
    [1000, 333, -3e4],
    [1025, 1000, 0],
  ] as const) {
    const x = series(n, (i, r) => offset + Math.sin(i / 3) + r.normal(), n);
    const fast = autocorrelation(x, lag);
    const slow = plainAcf(x, lag);
    assert.equal(fast.length, slow.length, `n ${n}`);
    for (let k = 0; k < slow.length; k++) assert.ok(Math.abs(fast[k]! - slow[k]!) < 1e-9, `n ${n} lag ${k}`);
  }
  assert.deepEqual([...autocorrelation(new Float64Array(50).fill(3), 5)], [1, 0, 0, 0, 0, 0]);
  assert.deepEqual([...autocorrelation(detrend(series(60, (i) => 100 + i)), 3)], [1, 0, 0, 0], 'a line, detrended');
  // a line leaves rounding once detrended (1e-13 here), whose ACF is no cycle: none, the calendar's kept
  const line = series(120, (i) => 1.85 * i + 2000);
  assert.deepEqual(checkSeason(line, null), { season: null, how: 'none', calendarAcf: null, peak: null });
  assert.deepEqual(checkSeason(line, 12), { season: 12, how: 'none', calendarAcf: null, peak: null });
});

test('a sine of period 50 in noise on a trend: the season is 50, where the calendar has none or shows no cycle', () => {
  for (const seed of [1, 2, 3]) {
    const x = series(1200, (i, r) => Math.sin((2 * Math.PI * i) / 50) + 0.5 * r.normal() + 0.01 * i, seed);
    for (const calendar of [null, 7]) {
      const c = checkSeason(x, calendar);
      assert.equal(c.how, 'peak', `seed ${seed}, calendar ${calendar}`);
      assert.ok(Math.abs(c.season! - 50) <= 2, `seed ${seed}: season ${c.season}`);
    }
  }
});

test('a peak near a longer calendar cycle is read as it: daily rows with a yearly cycle give 365, not a week', () => {
  let a = 0;
  const x = series(3650, (i, r) => {
    a = 0.7 * a + r.normal();
    return 10 + 5 * Math.cos((2 * Math.PI * i) / 365.25) + 2 * a;
  });
  const c = checkSeason(x, 7, [365]);
  assert.equal(c.how, 'peak');
  assert.equal(c.season, 365);
  assert.ok(c.peak!.lag !== 7, `peak at ${c.peak!.lag}`);
});

test('a monthly series with a real 12-cycle keeps 12, though a slower cycle peaks more', () => {
  const x = series(
    600,
    (i, r) => 50 + 0.2 * i + 3 * Math.sin((2 * Math.PI * i) / 12) + 8 * Math.sin((2 * Math.PI * i) / 132) + r.normal(),
  );
  const c = checkSeason(x, 12);
  assert.equal(c.how, 'calendar');
  assert.equal(c.season, 12);
  assert.ok(c.peak!.lag > 100, `the slower cycle is a clear peak too (at ${c.peak!.lag}), and the calendar's wins`);
});

test('white noise, AR(0.9) and random walks have no peak: none, the calendar kept only where rows a season apart are alike', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    for (const n of [100, 300, 2000]) {
      let walk = 0;
      let ar = 0;
      const kinds = {
        noise: series(n, (_, r) => r.normal(), seed),
        walk: series(n, (_, r) => (walk += r.normal()), seed),
        ar: series(n, (_, r) => (ar = 0.9 * ar + r.normal()), seed),
      };
      for (const [kind, x] of Object.entries(kinds)) {
        const none = checkSeason(x, null);
        assert.deepEqual([none.season, none.how, none.peak], [null, 'none', null], `${kind} seed ${seed} n ${n}`);
        // noise has no ACF at 24 and no season; a walk's (0.8 to 0.94 at 2,000 rows) keeps the calendar's
        const day = checkSeason(x, 24);
        if (kind === 'noise') assert.equal(day.season, null, `${kind} seed ${seed} n ${n}`);
        else if (day.season !== null) assert.ok(day.season === 24 && day.calendarAcf! > 0.1, `${kind} ${seed} ${n}`);
      }
    }
  }
});

test('a slow cycle seen through a few of its rows: no peak, and no season where the ACF at the calendar season is nil', () => {
  // the last 60 rows of monthly sunspots (an 11-year cycle): 0.005 at 12, and init proposed a season of 12 all the
  // same, whose seasonal naive scored a test MSE 13 times persistence's
  for (const seed of [1, 2, 3, 4, 5]) {
    const x = series(60, (i, r) => Math.sin((2 * Math.PI * (i + 30)) / 130) + 0.3 * r.normal(), seed);
    const c = checkSeason(x, 12);
    assert.deepEqual([c.season, c.how], [null, 'none'], `seed ${seed}: ACF ${c.calendarAcf} at 12`);
  }
});

test('too few rows to test the calendar season (three seasons and a tenth): kept untested', () => {
  const x = series(39, (i, r) => Math.sin((2 * Math.PI * i) / 5) + 0.1 * r.normal());
  assert.deepEqual(checkSeason(x.subarray(0, 38), 12), { season: 12, how: 'short', calendarAcf: null, peak: null });
  const tested = checkSeason(x, 12);
  assert.notEqual(tested.how, 'short');
  assert.equal(typeof tested.calendarAcf, 'number');
});
