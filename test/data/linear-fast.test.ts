// The ridge baseline's fast paths (issue 16, item 4: seconds on ETTm1-sized data) against the plain definitions:
// Gram sums along the lags of sliding windows (linear-lagged.ts) against the row-by-row sums, the validation
// MSE and weights of every lambda from one tridiagonalisation (linear-path.ts) against the Cholesky solution scored
// by gramMse, and the blocked tridiagonalisation (tridiagonal.ts) against Q^T A Q = T with Q orthogonal.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Design, fitRidge, linearFitSeconds, prepareData, ridgeShape } from '../../src/data/index.js';
import { centred, gramMse, grams, rowGrams, solveRidge, windowDesign } from '../../src/data/linear.js';
import { type Lagged, laggedGrams } from '../../src/data/linear-lagged.js';
import { ridgePath } from '../../src/data/linear-path.js';
import { tridiagonal } from '../../src/data/tridiagonal.js';
import { Rng } from '../../src/nn/random.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-linear-fast-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A design over lags of series, filled row by row from the same description (the plain definition). */
function lagDesign(l: Lagged): Design {
  const val = (c: { series: number; lag: number }, s: number) =>
    l.series[c.series]![s + c.lag]! - (l.relative ? l.series[c.series]![s - 1]! : 0);
  return {
    rows: l.starts.length,
    inputs: l.x.length,
    outputs: l.y.length,
    fill(i, x, y) {
      const s = l.starts[i]!;
      l.x.forEach((c, j) => {
        x[j] = val(c, s);
      });
      l.y.forEach((c, j) => {
        y[j] = val(c, s);
      });
    },
    offset: () => 0,
  };
}

const close = (a: number, b: number, scale: number, tol: number) => Math.abs(a - b) <= tol * scale;

test('Gram sums along the lags equal the row-by-row sums: relative or not, gaps in the starts, a target of its own', () => {
  const rng = new Rng(21);
  // two input series (levels far from zero, as unscaled data), a third only as a target
  const series = [0, 1, 2].map((k) => {
    let v = 5 * (k + 1);
    return Float64Array.from({ length: 300 }, () => (v += rng.normal() * 0.3));
  });
  const L = 7,
    H = 3;
  const x = Array.from({ length: 2 * L }, (_, j) => ({ series: j % 2, lag: Math.floor(j / 2) - L }));
  const y = Array.from({ length: 2 * H }, (_, j) => ({ series: j % 2 === 0 ? 1 : 2, lag: Math.floor(j / 2) }));
  const runs = [Array.from({ length: 120 }, (_, i) => i + L), [140, 141, 142, 200], [250, 251]];
  for (const relative of [false, true]) {
    const l: Lagged = { series, x, y, relative, starts: Int32Array.from(runs.flat()) };
    const fast = laggedGrams(l)!,
      plain = rowGrams(lagDesign(l));
    const scale = Math.max(...plain.g.map(Math.abs));
    for (const [i, v] of fast.g.entries())
      assert.ok(close(v, plain.g[i]!, scale, 1e-12), `G[${i}] ${v} vs ${plain.g[i]}`);
    for (const [i, v] of fast.c.entries())
      assert.ok(close(v, plain.c[i]!, scale, 1e-12), `C[${i}] ${v} vs ${plain.c[i]}`);
    assert.ok(close(fast.yy, plain.yy, plain.yy, 1e-12));
    assert.equal(fast.n, plain.n);
  }
  // a stride breaks the starts into many runs: the row-by-row sums are used
  const strided = Int32Array.from({ length: 60 }, (_, i) => L + 3 * i);
  assert.equal(laggedGrams({ series, x, y, relative: false, starts: strided }), null);
});

/** The transpose of x (r x c row-major). */
const tr = (x: Float64Array, r: number, c: number) =>
  Float64Array.from({ length: r * c }, (_, i) => x[(i % r) * c + Math.floor(i / r)]!);

test('the tridiagonal form: Q^T A Q = T and Q^T Q = I, for awkward sizes and across panels of 32 rows', () => {
  const rng = new Rng(4);
  for (const n of [1, 2, 5, 17, 33, 70]) {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal() * (i === j ? 10 : 1);
    // a zero row and column past the first: a reflector with nothing to do
    if (n > 5) for (let j = 0; j < n; j++) a[3 * n + j] = a[j * n + 3] = 0;
    const t = tridiagonal(a, n);
    // Q^T A Q: Q^T applied to A's columns, then to the columns of the transpose of the result
    const b = Float64Array.from(a); // B^T = A
    t.qtTimes(b, n); // (Q^T A)^T
    const c = tr(b, n, n);
    t.qtTimes(c, n); // (Q^T A Q)^T = T
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const want = i === j ? t.d[i]! : j === i + 1 ? t.e[i]! : i === j + 1 ? t.e[j]! : 0;
        assert.ok(Math.abs(c[i * n + j]! - want) < 1e-10, `n ${n}: T[${i},${j}] ${c[i * n + j]} vs ${want}`);
      }
    // Q Q^T I = I, and the columns of Q (Q^T applied to I, transposed) orthonormal
    const id = Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
    const q = Float64Array.from(id);
    t.qtTimes(q, n); // rows of (Q^T)^T = Q: row r is row r of Q
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let o = 0;
        for (let k = 0; k < n; k++) o += q[k * n + i]! * q[k * n + j]!;
        assert.ok(Math.abs(o - (i === j ? 1 : 0)) < 1e-12, `n ${n}: Q^T Q at ${i},${j}`);
      }
    t.qTimes(q, n);
    for (let i = 0; i < n * n; i++) assert.ok(Math.abs(q[i]! - id[i]!) < 1e-12, `n ${n}: Q Q^T = I at ${i}`);
  }
});

test('the validation MSE and weights of every lambda from one tridiagonalisation equal the Cholesky solution', () => {
  const rng = new Rng(8);
  const series = [Float64Array.from({ length: 800 }, (_, t) => Math.sin(t / 7) + 0.2 * rng.normal())];
  // 45 inputs: two panels of the tridiagonalisation
  const x = Array.from({ length: 45 }, (_, j) => ({ series: 0, lag: j - 45 }));
  const y = Array.from({ length: 4 }, (_, j) => ({ series: 0, lag: j }));
  const d = (starts: number[]) => lagDesign({ series, x, y, relative: false, starts: Int32Array.from(starts) });
  const cn = centred(grams(d(Array.from({ length: 300 }, (_, i) => i + 45))));
  // the validation split by its Gram sums (more windows than inputs), and by its rows (fewer)
  for (const nv of [150, 30]) {
    const vd = d(Array.from({ length: nv }, (_, i) => i + 360));
    const gv = grams(vd);
    const z = new Float64Array(nv * 45),
      ys = new Float64Array(nv * 4);
    for (let i = 0; i < nv; i++) vd.fill(i, z.subarray(i * 45, i * 45 + 45), ys.subarray(i * 4, i * 4 + 4));
    for (const path of [ridgePath(cn, gv), ridgePath(cn, { rows: nv, z, y: ys })])
      for (const lambda of [1e-4, 0.1, 3, 500]) {
        const s = solveRidge(cn, lambda)!;
        const plain = gramMse(gv, s.w, s.b);
        assert.ok(close(path.mse(lambda), plain, plain, 1e-9), `lambda ${lambda}: ${path.mse(lambda)} vs ${plain}`);
        const w = path.solve(lambda)!;
        const norm = Math.sqrt(s.w.reduce((a, v) => a + v * v, 0));
        for (const [i, v] of w.entries()) assert.ok(close(v, s.w[i]!, norm, 1e-9), `lambda ${lambda}: w[${i}]`);
      }
  }
  // below the smallest eigenvalue of A (negative lambda): not positive definite
  const path = ridgePath(cn, grams(d(Array.from({ length: 150 }, (_, i) => i + 360))));
  assert.ok(Number.isNaN(path.mse(-1e9)), 'no score where A + lambda I is not positive definite');
  assert.equal(path.solve(-1e9), null);
});

test('the ridge fit on windows is unchanged by the fast paths (alpha, weights within 1e-9), ETT-like data', async () => {
  const rng = new Rng(13);
  const rows = ['a,b,c'];
  let [a, b] = [20, -3];
  for (let t = 0; t < 1200; t++) {
    a += 0.1 * rng.normal();
    b = 0.8 * b + 0.3 * rng.normal();
    rows.push(`${a.toFixed(5)},${b.toFixed(5)},${(0.5 * a + Math.sin(t / 12) + 0.1 * rng.normal()).toFixed(5)}`);
  }
  const f = join(dir, 'ett-like.csv');
  writeFileSync(f, `${rows.join('\n')}\n`);
  for (const relative of [false, true]) {
    const spec = { csv: f, features: ['a', 'b', 'c'], target: ['c', 'a'], lookback: 24, horizon: 6, relative };
    const data = await prepareData({ ...spec, scale: 'standard', split: { train: 0.6, val: 0.2, test: 0.2 } }, f);
    const [tr, va] = (['train', 'val'] as const).map((s) => windowDesign(data, s, 24, true));
    assert.ok(tr!.lagged && va!.lagged, 'windows are described as lags');
    const fast = fitRidge(tr!, va!);
    const plain = fitRidge({ ...tr!, lagged: undefined }, { ...va!, lagged: undefined });
    assert.equal(fast.alpha, plain.alpha);
    const norm = Math.sqrt(plain.w.reduce((s, v) => s + v * v, 0));
    for (const [i, v] of fast.w.entries())
      assert.ok(close(v, plain.w[i]!, norm, 1e-9), `w[${i}] ${v} vs ${plain.w[i]}`);
    for (const [i, v] of fast.b.entries()) assert.ok(close(v, plain.b[i]!, Math.abs(plain.b[i]!) + norm, 1e-9));
    assert.ok(close(fast.valMse, plain.valMse, plain.valMse, 1e-9));
  }
});

test("a ridge fit's shape: the windows with every input inside, each series once; its expected seconds", async () => {
  const rng = new Rng(17);
  const rows = ['a,b,c'];
  for (let t = 0; t < 900; t++) rows.push([0, 1, 2].map(() => rng.normal().toFixed(4)).join(','));
  const f = join(dir, 'shape.csv');
  writeFileSync(f, `${rows.join('\n')}\n`);
  const spec = { csv: f, features: ['a', 'b', 'c'], target: ['c', 'a'], lookback: 24, horizon: 6 };
  const data = await prepareData(spec, f);
  const s = ridgeShape(data, 30);
  const [tr, va] = (['train', 'val'] as const).map((x) => windowDesign(data, x, 30, true));
  // b: a feature only (30 lags), a and c: features and targets (30 + 6 each)
  assert.deepEqual(s, { inputs: 90, outputs: 12, train: tr!.rows, val: va!.rows, series: 3, lags: 102, lagged: true });
  // every third window: too many runs of starts for the sums along the lags
  const strided = await prepareData({ ...spec, stride: 3 }, f);
  assert.equal(ridgeShape(strided).lagged, false);
  // the fit BENCHMARKS.md measured at 14.7-17.9 s of CPU (2,000 inputs to 500 outputs); its products with the
  // outputs' columns (p^2 m) count as much as the cube there
  const wide = { inputs: 2000, outputs: 500, train: 1701, val: 401, series: 1, lags: 2500, lagged: true };
  const e = linearFitSeconds(wide);
  assert.ok(e > 14 && e < 25, `expected ${e} s`);
  assert.ok(linearFitSeconds({ ...wide, outputs: 1000 }) > 1.3 * e, 'twice the outputs');
});
