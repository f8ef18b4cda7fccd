import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bidirectional,
  conv1d,
  dense,
  flatten,
  getRegularizer,
  gru,
  type Layer,
  l1,
  l1l2,
  l2,
  lstm,
  Rng,
  tensor,
  timeDistributed,
} from '../../src/nn/index.js';
import { sequential } from '../../src/train/index.js';
import { randArray } from '../helpers/random.js';

const rng = new Rng(3);
const x = tensor(randArray(rng, 6 * 5 * 2), [6, 5, 2]),
  y = tensor(randArray(rng, 6), [6, 1]);

test('L2 adds exactly lambda * sum(w^2) to the loss, L1 lambda * sum|w|, and their gradients', () => {
  const plain = sequential([gru({ units: 4, inputShape: [5, 2], name: 'g' }), dense({ units: 1, name: 'd' })], {
    seed: 1,
  });
  const reg = sequential(
    [
      gru({
        units: 4,
        inputShape: [5, 2],
        name: 'g',
        kernelRegularizer: l2(0.01),
        recurrentRegularizer: l1(0.002),
        biasRegularizer: l1l2({ l1: 0.001, l2: 0.003 }),
      }),
      dense({ units: 1, name: 'd', kernelRegularizer: l2(0.05) }),
    ],
    { seed: 1 },
  );
  plain.compile();
  reg.compile();
  const w = plain.getWeights();
  const sum = (a: Float32Array, f: (v: number) => number) => a.reduce((s, v) => s + f(v), 0);
  const penalty =
    0.01 * sum(w['g/kernel']!, (v) => v * v) +
    0.002 * sum(w['g/recurrentKernel']!, Math.abs) +
    0.001 * (sum(w['g/bias']!, Math.abs) + sum(w['g/recurrentBias']!, Math.abs)) +
    0.003 * (sum(w['g/bias']!, (v) => v * v) + sum(w['g/recurrentBias']!, (v) => v * v)) +
    0.05 * sum(w['d/kernel']!, (v) => v * v);
  const lp = plain.lossAndGrads(x, y).loss;
  const gPlain = plain.getGradient('d/kernel');
  const lr = reg.lossAndGrads(x, y).loss;
  assert.ok(Math.abs(lr - lp - penalty) < 1e-6 * Math.max(1, penalty), `difference ${lr - lp} vs penalty ${penalty}`);
  const gReg = reg.getGradient('d/kernel');
  for (const [i, v] of w['d/kernel']!.entries()) assert.ok(Math.abs(gReg[i]! - gPlain[i]! - 2 * 0.05 * v) < 1e-6);
  assert.ok(Math.abs(reg.evaluate(x, y).loss - plain.evaluate(x, y).loss - penalty) < 1e-6);
});

test('activity regularizer adds l2 * sum(y^2) / batch of the layer output, with its gradient', () => {
  const m = sequential([lstm({ units: 3, inputShape: [5, 2], activityRegularizer: l2(0.1) }), dense({ units: 1 })], {
    seed: 4,
  });
  const plain = sequential([lstm({ units: 3, inputShape: [5, 2] }), dense({ units: 1 })], { seed: 4 });
  m.compile();
  plain.compile();
  const h = m.activations(x)[0]!.data;
  const expectedPen = (0.1 * h.reduce((s, v) => s + v * v, 0)) / 6;
  assert.ok(Math.abs(m.lossAndGrads(x, y).loss - plain.lossAndGrads(x, y).loss - expectedPen) < 1e-6);
  // gradient check on one weight
  const key = Object.keys(m.getWeights())[0]!;
  const w = m.getWeights()[key]!;
  const g = m.getGradient(key)[3]!;
  const eps = 3e-3,
    o = w[3]!;
  w[3] = o + eps;
  m.setWeights({ [key]: w });
  const lp = m.lossAndGrads(x, y).loss;
  w[3] = o - eps;
  m.setWeights({ [key]: w });
  const lm = m.lossAndGrads(x, y).loss;
  assert.ok(Math.abs((lp - lm) / (2 * eps) - g) < 3e-3 + 3e-2 * Math.abs(g));
});

test('an activity regularizer inside bidirectional or time_distributed adds its penalty as on the wrapper output', () => {
  // the stack applied the activity penalties of its own layers only: bidirectional: {gru: {activity_regularizer:
  // {l2: 100}}} trained with the loss of the plain model (0.5056 both), the option saved and never applied
  // [the layers with the regularizer, without it, the index of the wrapper whose output it is on]
  const pairs: [() => Layer[], () => Layer[], number][] = [
    [
      () => [bidirectional(gru({ units: 3, activityRegularizer: l2(0.1) })), dense({ units: 1 })],
      () => [bidirectional(gru({ units: 3 })), dense({ units: 1 })],
      0,
    ],
    [
      () => [
        gru({ units: 3, returnSequences: true }),
        timeDistributed(dense({ units: 2, activityRegularizer: l2(0.1) })),
        flatten(),
        dense({ units: 1 }),
      ],
      () => [
        gru({ units: 3, returnSequences: true }),
        timeDistributed(dense({ units: 2 })),
        flatten(),
        dense({ units: 1 }),
      ],
      1,
    ],
  ];
  for (const [withReg, without, at] of pairs) {
    const m = sequential(withReg(), { seed: 4, inputShape: [5, 2] }),
      plain = sequential(without(), { seed: 4, inputShape: [5, 2] });
    m.compile();
    plain.compile();
    const h = m.activations(x)[at]!.data;
    const expectedPen = (0.1 * h.reduce((s, v) => s + v * v, 0)) / 6;
    const gap = m.lossAndGrads(x, y).loss - plain.lossAndGrads(x, y).loss;
    assert.ok(
      expectedPen > 1e-3 && Math.abs(gap - expectedPen) < 1e-6,
      `${m.layers[0]!.name}: ${gap} vs ${expectedPen}`,
    );
  }
});

test('conv1d takes kernel, bias and activity regularizers too', () => {
  const m = sequential(
    [
      conv1d({
        filters: 3,
        kernelSize: 2,
        inputShape: [5, 2],
        kernelRegularizer: l2(0.1),
        activityRegularizer: l1(0.01),
      }),
      flatten(),
      dense({ units: 1 }),
    ],
    { seed: 2 },
  );
  const p = sequential([conv1d({ filters: 3, kernelSize: 2, inputShape: [5, 2] }), flatten(), dense({ units: 1 })], {
    seed: 2,
  });
  m.compile();
  p.compile();
  assert.ok(m.lossAndGrads(x, y).loss > p.lossAndGrads(x, y).loss);
});

test('l1l2 with one factor given takes the other as 0 (Keras L1L2); with neither, 0.01 each', () => {
  // {l1l2: {l1: 0.001}} added an l2 penalty of 0.01 the config never wrote
  const factors = (r: ReturnType<typeof getRegularizer>) => [r!.l1, r!.l2];
  assert.deepEqual(factors(getRegularizer({ l1l2: { l1: 0.001 } })), [0.001, 0]);
  assert.deepEqual(factors(getRegularizer({ l1l2: { l2: 0.003 } })), [0, 0.003]);
  assert.deepEqual(factors(l1l2({ l1: 0.001 })), [0.001, 0]);
  assert.deepEqual(factors(getRegularizer({ className: 'l1l2', config: { l1: 0.001 } })), [0.001, 0]);
  assert.deepEqual(factors(getRegularizer('l1l2')), [0.01, 0.01]);
  assert.deepEqual(factors(getRegularizer({ l1l2: {} })), [0.01, 0.01]);
  assert.deepEqual(l1l2({ l1: 0.001 }).config, { className: 'l1l2', config: { l1: 0.001, l2: 0 } });
});
