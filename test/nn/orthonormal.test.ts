// Cholesky QR for the orthogonal initializer: the Q of Gram-Schmidt (a = R^T Q, R upper triangular with a positive
// diagonal), orthonormal for wide and square matrices, and a rank-deficient matrix handled by the fallback.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orthonormalRows } from '../../src/nn/orthonormal.js';
import { Rng } from '../../src/nn/random.js';

function normal(n: number, m: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n * m }, () => rng.normal());
}

/** Modified Gram-Schmidt, twice, as the reference. */
function reference(a: Float64Array, n: number, m: number): Float64Array {
  const q = a.slice();
  for (let pass = 0; pass < 2; pass++)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        let d = 0;
        for (let k = 0; k < m; k++) d += q[i * m + k]! * q[j * m + k]!;
        for (let k = 0; k < m; k++) q[i * m + k]! -= d * q[j * m + k]!;
      }
      let s = 0;
      for (let k = 0; k < m; k++) s += q[i * m + k]! ** 2;
      for (let k = 0; k < m; k++) q[i * m + k]! /= Math.sqrt(s);
    }
  return q;
}

const dot = (x: Float64Array, y: Float64Array, i: number, j: number, m: number) => {
  let d = 0;
  for (let k = 0; k < m; k++) d += x[i * m + k]! * y[j * m + k]!;
  return d;
};

function orthogonality(q: Float64Array, n: number, m: number): number {
  let err = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) err = Math.max(err, Math.abs(dot(q, q, i, j, m) - +(i === j)));
  return err;
}

test('the rows of Gram-Schmidt, to rounding, for wide, square and odd shapes', () => {
  for (const [n, m] of [
    [1, 5],
    [7, 13],
    [16, 48],
    [30, 30],
    [33, 99],
    [61, 64],
  ] as const) {
    const a = normal(n, m, n + m);
    const q = a.slice();
    orthonormalRows(q, n, m);
    const want = reference(a, n, m);
    const diff = q.reduce((d, v, i) => Math.max(d, Math.abs(v - want[i]!)), 0);
    assert.ok(diff < 1e-10, `${n} x ${m}: max difference from Gram-Schmidt ${diff}`);
    assert.ok(orthogonality(q, n, m) < 1e-12, `${n} x ${m}: orthogonality ${orthogonality(q, n, m)}`);
    // a = R^T Q: a Q^T is lower triangular with a positive diagonal
    for (let i = 0; i < n; i++) {
      assert.ok(dot(a, q, i, i, m) > 0);
      for (let j = i + 1; j < n; j++) assert.ok(Math.abs(dot(a, q, i, j, m)) < 1e-10, `(a Q^T)[${i}][${j}]`);
    }
  }
});

test('an ill-conditioned square matrix gets a second pass and stays orthonormal', () => {
  const n = 40;
  const a = normal(n, n, 1);
  // row 39 nearly a copy of row 38: kappa about 1e7, where one pass of Cholesky QR loses about 1e-2
  for (let k = 0; k < n; k++) a[39 * n + k] = a[38 * n + k]! + 1e-7 * a[39 * n + k]!;
  orthonormalRows(a, n, n);
  assert.ok(orthogonality(a, n, n) < 1e-9, `orthogonality ${orthogonality(a, n, n)}`);
});

test('a rank-deficient matrix (two equal rows) falls back to Gram-Schmidt and keeps its first rows', () => {
  const n = 6,
    m = 10;
  const a = normal(n, m, 2);
  a.copyWithin(5 * m, 4 * m, 5 * m);
  const want = reference(a, 5, m);
  orthonormalRows(a, n, m);
  assert.ok(a.every(Number.isFinite));
  for (let i = 0; i < 5 * m; i++) assert.ok(Math.abs(a[i]! - want[i]!) < 1e-12);
});
