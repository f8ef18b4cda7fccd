// Finite-difference checks of whole models: every layer, activation and loss. The analytic
// gradient of each checked weight (and of the input) must match a central difference of the
// loss computed by the same engine.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ActivationName,
  averagePooling1d,
  batchNormalization,
  bidirectional,
  conv1d,
  dense,
  dropout,
  flatten,
  gru,
  type Layer,
  type LossLike,
  layerNormalization,
  lstm,
  maxPooling1d,
  Rng,
  repeatVector,
  selectTimestep,
  simpleRNN,
  tensor,
  timeDistributed,
} from '../../src/nn/index.js';
import { sequential } from '../../src/train/index.js';
import { randArray } from '../helpers/random.js';

interface Case {
  name: string;
  layers: () => Layer[];
  T: number;
  F: number;
  out: number;
  seqOut?: boolean;
  loss?: LossLike;
  training?: boolean;
}

function gradcheck(c: Case, seed = 1): void {
  const rng = new Rng(seed);
  const B = 3;
  const model = sequential(c.layers(), { seed, inputShape: [c.T, c.F] });
  const outT = model.outputShape!.T;
  model.compile({ optimizer: 'sgd', loss: c.loss ?? 'mse' });
  const x = tensor(randArray(rng, B * c.T * c.F, 1), [B, c.T, c.F]);
  const yT = outT ?? 1;
  const y = tensor(randArray(rng, B * yT * c.out, 1), c.seqOut ? [B, yT, c.out] : [B, c.out]);
  const training = c.training ?? false;
  // In training, every evaluation draws the same dropout masks (one step seed), so the loss is one function.
  const lossAndGrads = (needDx: boolean) => {
    if (training) model.draws.begin(11, 0);
    return model.lossAndGrads(x, y, { needDx, training });
  };
  const lossAt = () => lossAndGrads(false).loss;
  const { dx } = lossAndGrads(true);
  const trainable = new Set(model.weights.filter((w) => w.trainable).map((w) => `${w.layer}/${w.name}`));
  const weights = Object.fromEntries(Object.entries(model.getWeights()).filter(([k]) => trainable.has(k)));
  const grads: Record<string, Float32Array> = {};
  for (const k of Object.keys(weights)) grads[k] = model.getGradient(k);
  const eps = 3e-3;
  let checked = 0;
  for (const [key, w] of Object.entries(weights)) {
    for (let n = 0; n < Math.min(6, w.length); n++) {
      const i = rng.int(w.length);
      const orig = w[i]!;
      w[i] = orig + eps;
      model.setWeights({ [key]: w });
      const lp = lossAt();
      w[i] = orig - eps;
      model.setWeights({ [key]: w });
      const lm = lossAt();
      w[i] = orig;
      model.setWeights({ [key]: w });
      const fd = (lp - lm) / (2 * eps),
        an = grads[key]![i]!;
      assert.ok(
        Math.abs(fd - an) <= 3e-3 + 3e-2 * Math.abs(fd),
        `${c.name}: d loss / d ${key}[${i}]: analytic ${an}, finite difference ${fd}`,
      );
      checked++;
    }
  }
  for (let n = 0; n < 6; n++) {
    const i = rng.int(x.data.length),
      orig = x.data[i]!;
    x.data[i] = orig + eps;
    const lp = lossAt();
    x.data[i] = orig - eps;
    const lm = lossAt();
    x.data[i] = orig;
    const fd = (lp - lm) / (2 * eps);
    assert.ok(
      Math.abs(fd - dx![i]!) <= 3e-3 + 3e-2 * Math.abs(fd),
      `${c.name}: d loss / d x[${i}]: analytic ${dx![i]}, finite difference ${fd}`,
    );
    checked++;
  }
  assert.ok(checked > 6);
}

const cases: Case[] = [
  { name: 'gru -> dense', layers: () => [gru({ units: 5 }), dense({ units: 2 })], T: 6, F: 3, out: 2 },
  { name: 'lstm -> dense', layers: () => [lstm({ units: 4 }), dense({ units: 1 })], T: 5, F: 2, out: 1 },
  { name: 'simpleRNN -> dense', layers: () => [simpleRNN({ units: 6 }), dense({ units: 1 })], T: 7, F: 2, out: 1 },
  {
    name: 'stacked gru, lstm',
    layers: () => [gru({ units: 4, returnSequences: true }), lstm({ units: 3 }), dense({ units: 1 })],
    T: 5,
    F: 2,
    out: 1,
  },
  {
    name: 'bidirectional gru, last state',
    layers: () => [bidirectional(gru({ units: 3 })), dense({ units: 1 })],
    T: 4,
    F: 2,
    out: 1,
  },
  {
    name: 'bidirectional lstm sequences, select last',
    layers: () => [bidirectional(lstm({ units: 3, returnSequences: true })), selectTimestep(-1), dense({ units: 1 })],
    T: 4,
    F: 2,
    out: 1,
  },
  {
    name: 'sequence output with time-distributed dense',
    layers: () => [gru({ units: 4, returnSequences: true }), dense({ units: 2 })],
    T: 5,
    F: 3,
    out: 2,
    seqOut: true,
  },
  {
    name: 'goBackwards lstm sequences',
    layers: () => [lstm({ units: 3, returnSequences: true, goBackwards: true }), dense({ units: 1 })],
    T: 4,
    F: 2,
    out: 1,
    seqOut: true,
  },
  {
    name: 'dense stack with activations',
    layers: () => [
      gru({ units: 4 }),
      dense({ units: 5, activation: 'tanh' }),
      dense({ units: 3, activation: 'sigmoid' }),
      dense({ units: 3, activation: 'softsign' }),
      dense({ units: 3, activation: 'elu' }),
      dense({ units: 1 }),
    ],
    T: 3,
    F: 2,
    out: 1,
  },
  {
    name: 'no bias',
    layers: () => [gru({ units: 4, useBias: false }), dense({ units: 1, useBias: false })],
    T: 4,
    F: 2,
    out: 1,
  },
  {
    name: 'dropout and recurrent dropout in training (lstm, goBackwards lstm, simpleRNN, gru, last-state lstm)',
    layers: () => [
      lstm({ units: 4, returnSequences: true, dropout: 0.3, recurrentDropout: 0.3 }),
      lstm({ units: 3, returnSequences: true, goBackwards: true, dropout: 0.3, recurrentDropout: 0.3 }),
      simpleRNN({ units: 3, returnSequences: true, dropout: 0.3, recurrentDropout: 0.3 }),
      gru({ units: 3, returnSequences: true, dropout: 0.3, recurrentDropout: 0.3 }),
      lstm({ units: 3, dropout: 0.3, recurrentDropout: 0.3 }),
      dense({ units: 1 }),
    ],
    T: 5,
    F: 2,
    out: 1,
    training: true,
  },
  {
    name: 'batch normalization (training statistics) between recurrent layers',
    layers: () => [
      gru({ units: 4, returnSequences: true }),
      batchNormalization({ momentum: 0.9 }),
      lstm({ units: 3 }),
      dense({ units: 1 }),
    ],
    T: 4,
    F: 2,
    out: 1,
    training: true,
  },
  {
    name: 'batch normalization (moving statistics)',
    layers: () => [gru({ units: 4 }), batchNormalization(), dense({ units: 1 })],
    T: 4,
    F: 2,
    out: 1,
  },
  {
    name: 'layer normalization',
    layers: () => [
      lstm({ units: 5, returnSequences: true }),
      layerNormalization(),
      gru({ units: 3 }),
      layerNormalization({ center: false }),
      dense({ units: 1 }),
    ],
    T: 4,
    F: 2,
    out: 1,
  },
  {
    name: 'CNN front: conv1d same + max pooling + gru',
    layers: () => [
      conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' }),
      maxPooling1d({ poolSize: 2 }),
      gru({ units: 3 }),
      dense({ units: 1 }),
    ],
    T: 8,
    F: 2,
    out: 1,
  },
  {
    name: 'conv1d causal dilated + average pooling same + flatten',
    layers: () => [
      conv1d({ filters: 3, kernelSize: 2, padding: 'causal', dilationRate: 2 }),
      averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' }),
      flatten(),
      dense({ units: 1 }),
    ],
    T: 7,
    F: 2,
    out: 1,
  },
  {
    name: 'conv1d valid strided',
    layers: () => [
      conv1d({ filters: 3, kernelSize: 3, strides: 2, activation: 'elu' }),
      flatten(),
      dense({ units: 1 }),
    ],
    T: 9,
    F: 2,
    out: 1,
  },
  {
    // flatten on a vector passes it through; its backward once read the sequence it was never given (a TypeError)
    name: 'flatten of a flattened window (a vector passes through), dense',
    layers: () => [flatten(), flatten(), dense({ units: 2 })],
    T: 4,
    F: 3,
    out: 2,
  },
  {
    name: 'encoder-decoder: lstm -> repeatVector -> lstm -> timeDistributed(dense)',
    layers: () => [
      lstm({ units: 4 }),
      repeatVector(3),
      lstm({ units: 4, returnSequences: true }),
      timeDistributed(dense({ units: 1 })),
    ],
    T: 5,
    F: 2,
    out: 1,
    seqOut: true,
  },
  {
    // the combinations of the knobs a practitioner turns together, each of whose parts is checked above alone
    name: 'conv front, batch normalization (training), bidirectional lstm with recurrent dropout, stacked',
    layers: () => [
      conv1d({ filters: 4, kernelSize: 3, padding: 'causal', activation: 'tanh' }),
      batchNormalization({ momentum: 0.9 }),
      bidirectional(lstm({ units: 3, returnSequences: true, dropout: 0.1, recurrentDropout: 0.2 })),
      lstm({ units: 3, recurrentDropout: 0.3 }),
      dense({ units: 1 }),
    ],
    T: 6,
    F: 2,
    out: 1,
    training: true,
  },
  {
    name: 'bidirectional goBackwards simpleRNN (softsign) with dropout and recurrent dropout in training',
    layers: () => [
      bidirectional(
        simpleRNN({ units: 4, activation: 'softsign', goBackwards: true, dropout: 0.2, recurrentDropout: 0.2 }),
      ),
      dense({ units: 1 }),
    ],
    T: 5,
    F: 2,
    out: 1,
    training: true,
  },
  {
    name: 'encoder-decoder: simpleRNN (softsign) -> repeatVector -> simpleRNN -> timeDistributed(dense), 2 targets',
    layers: () => [
      simpleRNN({ units: 4, activation: 'softsign' }),
      repeatVector(3),
      simpleRNN({ units: 3, activation: 'softsign', returnSequences: true }),
      timeDistributed(dense({ units: 2 })),
    ],
    T: 5,
    F: 2,
    out: 2,
    seqOut: true,
  },
  {
    name: 'dropout layer at inference is the identity',
    layers: () => [lstm({ units: 4 }), dropout({ rate: 0.5 }), dense({ units: 1 })],
    T: 4,
    F: 2,
    out: 1,
  },
];

for (const c of cases) test(`finite differences: ${c.name}`, () => gradcheck(c));

test('finite differences: every activation inside gru, lstm and simpleRNN', () => {
  const acts: ActivationName[] = ['linear', 'sigmoid', 'hard_sigmoid', 'tanh', 'relu', 'softsign', 'elu'];
  let seed = 40;
  for (const act of acts) {
    gradcheck(
      {
        name: `gru activation ${act}`,
        layers: () => [
          gru({ units: 4, activation: act, recurrentActivation: act === 'linear' ? 'sigmoid' : act }),
          dense({ units: 1 }),
        ],
        T: 4,
        F: 2,
        out: 1,
      },
      seed++,
    );
    gradcheck(
      {
        name: `lstm activation ${act}`,
        layers: () => [lstm({ units: 3, activation: act }), dense({ units: 1 })],
        T: 4,
        F: 2,
        out: 1,
      },
      seed++,
    );
    gradcheck(
      {
        name: `simpleRNN activation ${act}`,
        layers: () => [simpleRNN({ units: 4, activation: act }), dense({ units: 1 })],
        T: 4,
        F: 2,
        out: 1,
      },
      seed++,
    );
  }
});

test('finite differences: every loss (mse, mae, huber)', () => {
  for (const loss of ['mse', 'mae', 'huber'] as const) {
    gradcheck(
      { name: `loss ${loss}`, layers: () => [gru({ units: 4 }), dense({ units: 2 })], T: 4, F: 2, out: 2, loss },
      70,
    );
    gradcheck(
      {
        name: `loss ${loss}, sequence`,
        layers: () => [lstm({ units: 3, returnSequences: true }), dense({ units: 1 })],
        T: 3,
        F: 2,
        out: 1,
        seqOut: true,
        loss,
      },
      71,
    );
  }
  gradcheck(
    {
      name: 'huber delta 0.3',
      layers: () => [gru({ units: 4 }), dense({ units: 1 })],
      T: 4,
      F: 2,
      out: 1,
      loss: { className: 'huber', config: { delta: 0.3 } },
    },
    72,
  );
});

test('finite differences: one timestep (lookback 1), where the recurrent kernel is never used', () => {
  const cells = { gru, lstm, simpleRNN } as const;
  for (const [name, cell] of Object.entries(cells)) {
    gradcheck(
      { name: `${name}, T = 1`, layers: () => [cell({ units: 4 }), dense({ units: 1 })], T: 1, F: 3, out: 1 },
      80,
    );
    // No previous state: the loss does not depend on the recurrent kernel, so its gradient is exactly zero.
    const model = sequential([cell({ units: 4 }), dense({ units: 1 })], { seed: 81, inputShape: [1, 3] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const rng = new Rng(82);
    model.lossAndGrads(tensor(randArray(rng, 6, 1), [2, 1, 3]), tensor(randArray(rng, 2, 1), [2, 1]));
    const key = model.weights.find((w) => w.name === 'recurrentKernel')!;
    assert.ok(
      model.getGradient(`${key.layer}/${key.name}`).every((g) => g === 0),
      `${name}: recurrent kernel gradient`,
    );
  }
});

test('a gradient the backward pass never writes is left out of what the model zeroes, sums and measures', () => {
  const rng = new Rng(83);
  const x = tensor(randArray(rng, 6, 1), [2, 1, 3]),
    y = tensor(randArray(rng, 2, 1), [2, 1]);
  const span = (m: ReturnType<typeof sequential>, name: string) => m.weights.filter((w) => w.name.endsWith(name));
  const covered = (m: ReturnType<typeof sequential>, off: number) =>
    m.gradRanges.some(([a, n]) => off >= a && off < a + n);
  for (const make of [() => gru({ units: 5 }), () => lstm({ units: 5 }), () => bidirectional(gru({ units: 5 }))]) {
    const m = sequential([make(), dense({ units: 1 })], { seed: 84, inputShape: [1, 3] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const free = span(m, 'recurrentKernel');
    assert.ok(free.length > 0);
    for (const w of m.weights.filter((w) => w.trainable))
      assert.equal(covered(m, w.off), !free.includes(w), `${w.layer}/${w.name} over one timestep`);
    m.lossAndGrads(x, y);
    const all = m.ops.sumsq(m.grads);
    assert.ok(all > 0);
    assert.ok(Math.abs(m.gradSumsq() - all) < 1e-12 * all, 'the norm over the spans is the norm of the whole gradient');
    m.dispose();
  }
  // A regularizer writes the gradient, and over two timesteps the backward pass does: one span, every weight.
  const reg = sequential([gru({ units: 5, recurrentRegularizer: { l2: 0.1 } }), dense({ units: 1 })], {
    seed: 84,
    inputShape: [1, 3],
  });
  reg.compile({ optimizer: 'sgd', loss: 'mse' });
  assert.ok(covered(reg, span(reg, 'recurrentKernel')[0]!.off));
  reg.lossAndGrads(x, y);
  assert.ok(reg.getGradient(`${reg.layers[0]!.name}/recurrentKernel`).some((g) => g !== 0));
  const two = sequential([gru({ units: 5 }), dense({ units: 1 })], { seed: 84, inputShape: [2, 3] });
  assert.deepEqual(two.gradRanges, [[0, two.grads.length]]);
});
