import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getOps, mat, Ops } from '../../src/engine/index.js';
import * as ref from '../../src/engine/reference.js';
import { Rng } from '../../src/nn/random.js';
import { randArray, worstRatio } from '../helpers/random.js';

const ops = getOps();
const e = ops.engine;

function check(
  M: number,
  N: number,
  K: number,
  transA: boolean,
  transB: boolean,
  beta: number,
  scale: number,
  rng: Rng,
  packed: boolean,
) {
  const lda = (transA ? M : K) + (M % 3),
    ldb = (transB ? K : N) + 1,
    ldc = N + 2;
  const Ah = randArray(rng, (transA ? K : M) * lda, scale),
    Bh = randArray(rng, (transB ? N : K) * ldb, scale),
    Ch = randArray(rng, M * ldc, scale);
  const A = e.alloc(Ah.length),
    B = e.alloc(Bh.length),
    C = e.alloc(Ch.length);
  e.view(A).set(Ah);
  e.view(B).set(Bh);
  e.view(C).set(Ch);
  const want = Float64Array.from(Ch);
  ref.gemm(M, N, K, Ah, lda, transA, Bh, ldb, transB, want, ldc, beta);
  if (packed) {
    const P = e.alloc(Ops.packedSize(K, N));
    const pb = ops.packB(K, N, mat(B, ldb), transB, P);
    ops.gemmPacked(M, mat(A, lda), transA, pb, mat(C, ldc), beta);
    e.release(P);
  } else {
    ops.gemm(M, N, K, mat(A, lda), transA, mat(B, ldb), transB, mat(C, ldc), beta);
  }
  const got = e.view(C).slice();
  // Padding columns between N and ldc must be untouched.
  for (let i = 0; i < M; i++)
    for (let j = N; j < ldc; j++) assert.equal(got[i * ldc + j], Ch[i * ldc + j], 'wrote outside the N columns');
  const tol = 1e-6 * K * scale * scale;
  const r = worstRatio(got, want, tol, 1e-5);
  assert.ok(
    r <= 1,
    `gemm M=${M} N=${N} K=${K} tA=${transA} tB=${transB} beta=${beta} packed=${packed}: ` +
      `error ${r.toFixed(2)}x tolerance`,
  );
  e.release(A);
  e.release(B);
  e.release(C);
}

test('gemm matches the reference on random and awkward shapes, every transpose, beta 0/1/0.5', () => {
  const rng = new Rng(1);
  // Every M from 1 to 17 exercises each split into 5-, 4- and 1-row blocks.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 8, 1],
    [3, 5, 7],
    [4, 8, 16],
    [6, 9, 13],
    [7, 17, 300],
    [33, 96, 32],
    [64, 384, 128],
    [13, 1, 257],
    [2, 129, 515],
    ...Array.from({ length: 17 }, (_, i): [number, number, number] => [i + 1, 11, 9]),
    [128, 24, 40],
    [63, 16, 5],
    // a transposed A packed by row blocks (at least 16 rows, 2 panels), with rows left over and K over 2 * KC
    [37, 50, 600],
    [16, 16, 257],
  ];
  for (const [M, N, K] of shapes) {
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        for (const beta of [0, 1, 0.5]) check(M, N, K, transA, transB, beta, 1, rng, false);
        check(M, N, K, transA, transB, 1, 1, rng, true);
      }
  }
});

test('gemm keeps relative accuracy at large magnitudes', () => {
  const rng = new Rng(2);
  check(17, 23, 40, false, true, 0, 1e3, rng, false);
  check(17, 23, 40, true, false, 1, 1e3, rng, true);
});

test('gemm with K = 0 only scales C', () => {
  const C = e.alloc(6);
  e.view(C).set([1, 2, 3, 4, 5, 6]);
  const A = e.alloc(1),
    B = e.alloc(1);
  ops.gemm(2, 3, 0, mat(A, 1), false, mat(B, 3), false, mat(C, 3), 0.5);
  assert.deepEqual([...e.view(C)], [0.5, 1, 1.5, 2, 2.5, 3]);
});

test('kernel calls reject buffers too small for the shape', () => {
  const A = e.alloc(10),
    B = e.alloc(10),
    C = e.alloc(10);
  assert.throws(
    () => ops.gemm(4, 4, 4, mat(A, 4), false, mat(B, 4), false, mat(C, 4), 0),
    /overruns a buffer of 10 floats/,
  );
});

test('gemmBias writes bias row + op(A) op(B) without reading C (NaN in C stays out), on awkward shapes and K > KC', () => {
  const rng = new Rng(3);
  for (const [M, N, K] of [
    [1, 1, 1],
    [5, 13, 3],
    [7, 8, 8],
    [64, 512, 8],
    [9, 20, 300],
    [21, 30, 300],
    [3, 5, 0],
  ] as const) {
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        const lda = transA ? M : K,
          ldb = transB ? K : N,
          ldc = N + 1;
        const Ah = randArray(rng, Math.max(1, (transA ? K : M) * lda), 1),
          Bh = randArray(rng, Math.max(1, (transB ? N : K) * ldb), 1);
        const bias = randArray(rng, N + 2, 1);
        const A = e.alloc(Ah.length),
          B = e.alloc(Bh.length),
          C = e.alloc(M * ldc),
          Bi = e.alloc(bias.length);
        e.view(A).set(Ah);
        e.view(B).set(Bh);
        e.view(C).fill(NaN);
        e.view(Bi).set(bias);
        const want = new Float64Array(M * ldc);
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) want[i * ldc + j] = bias[j + 2]!;
        ref.gemm(M, N, K, Ah, lda, transA, Bh, ldb, transB, want, ldc, 1);
        ops.gemmBias(M, N, K, mat(A, lda), transA, mat(B, ldb), transB, mat(C, ldc), Bi, 2);
        const got = e.view(C).slice();
        for (let i = 0; i < M; i++) {
          assert.ok(Number.isNaN(got[i * ldc + N]), 'wrote outside the N columns');
          for (let j = 0; j < N; j++) {
            const g = got[i * ldc + j]!,
              w = want[i * ldc + j]!;
            assert.ok(
              Math.abs(g - w) <= 1e-5 * (1 + Math.abs(w)) * Math.max(1, K),
              `gemmBias M=${M} N=${N} K=${K} tA=${transA} tB=${transB} at (${i}, ${j}): ${g} vs ${w}`,
            );
          }
        }
        e.release(A);
        e.release(B);
        e.release(C);
        e.release(Bi);
      }
  }
});

test('colsum: beta * out + the column sums, added one row at a time in float32 (the same bits), strided rows', () => {
  const rng = new Rng(11);
  for (const M of [0, 1, 3, 4, 5, 8, 9, 30])
    for (const N of [1, 3, 4, 7, 96])
      for (const beta of [0, 1, 0.5]) {
        const lda = N + 3;
        const Ah = randArray(rng, Math.max(1, M * lda)),
          init = randArray(rng, N + 2);
        const A = e.alloc(Ah.length),
          out = e.alloc(N + 2);
        e.view(A).set(Ah);
        e.view(out).set(init);
        ops.colsum(M, N, mat(A, lda), out, 1, beta);
        const got = e.view(out).slice();
        assert.equal(got[0], init[0], 'wrote before the span');
        assert.equal(got[N + 1], init[N + 1], 'wrote after the span');
        for (let j = 0; j < N; j++) {
          let want = beta === 1 ? init[j + 1]! : beta === 0 ? 0 : Math.fround(init[j + 1]! * beta);
          for (let i = 0; i < M; i++) want = Math.fround(want + Ah[i * lda + j]!);
          assert.equal(got[j + 1], want, `colsum M=${M} N=${N} beta=${beta} at column ${j}`);
        }
        e.release(A);
        e.release(out);
      }
});
