// The ridge baseline's fast paths (issue 16, item 4: seconds on ETTm1-sized data) against the plain definitions:
// Gram sums along the lags of sliding windows (linear-lagged.ts) against the row-by-row sums, the validation
// MSE of every lambda from one eigendecomposition (linear-path.ts) against the Cholesky solution scored by gramMse,
// and the symmetric eigendecomposition (eigen.ts) against A = V diag(d) V^T.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { symEigen } from '../../src/data/eigen.js';
import { type Design, fitRidge, prepareData } from '../../src/data/index.js';
import { centred, gramMse, grams, rowGrams, solveRidge, windowDesign } from '../../src/data/linear.js';
import { type Lagged, laggedGrams } from '../../src/data/linear-lagged.js';
import { ridgePath } from '../../src/data/linear-path.js';
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

test('the symmetric eigendecomposition reconstructs A with orthonormal vectors, for awkward sizes', () => {
  const rng = new Rng(4);
  for (const n of [1, 2, 5, 17]) {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal() * (i === j ? 10 : 1);
    const { d, vt } = symEigen(a, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let r = 0,
          o = 0;
        for (let k = 0; k < n; k++) {
          r += vt[k * n + i]! * d[k]! * vt[k * n + j]!;
          o += vt[i * n + k]! * vt[j * n + k]!;
        }
        assert.ok(Math.abs(r - a[i * n + j]!) < 1e-10, `n ${n}: A[${i},${j}]`);
        assert.ok(Math.abs(o - (i === j ? 1 : 0)) < 1e-10, `n ${n}: V orthonormal at ${i},${j}`);
      }
  }
});

test('the validation MSE of every lambda from one eigendecomposition equals the Cholesky solution scored by gramMse', () => {
  const rng = new Rng(8);
  const series = [Float64Array.from({ length: 500 }, (_, t) => Math.sin(t / 7) + 0.2 * rng.normal())];
  const x = Array.from({ length: 12 }, (_, j) => ({ series: 0, lag: j - 12 }));
  const y = Array.from({ length: 4 }, (_, j) => ({ series: 0, lag: j }));
  const d = (starts: number[]) => lagDesign({ series, x, y, relative: false, starts: Int32Array.from(starts) });
  const cn = centred(grams(d(Array.from({ length: 300 }, (_, i) => i + 12))));
  const gv = grams(d(Array.from({ length: 150 }, (_, i) => i + 330)));
  const path = ridgePath(cn, gv);
  for (const lambda of [1e-4, 0.1, 3, 500]) {
    const s = solveRidge(cn, lambda)!;
    const plain = gramMse(gv, s.w, s.b);
    assert.ok(close(path(lambda), plain, plain, 1e-9), `lambda ${lambda}: ${path(lambda)} vs ${plain}`);
  }
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
