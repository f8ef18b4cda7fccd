// Finite-difference checks of whole models: every layer, activation and loss. The analytic
// gradient of each checked weight (and of the input) must match a central difference of the
// loss computed by the same engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, bidirectional, dense, dropout, gru, lstm, selectTimestep, simpleRNN, tensor, type ActivationName, type Layer, type LossLike } from '../../src/nn/index.js';
import { sequential } from '../../src/train/index.js';
import { randArray } from '../helpers/random.js';

interface Case { name: string; layers: () => Layer[]; T: number; F: number; out: number; seqOut?: boolean; loss?: LossLike }

function gradcheck(c: Case, seed = 1): void {
  const rng = new Rng(seed);
  const B = 3;
  const model = sequential(c.layers(), { seed, inputShape: [c.T, c.F] });
  model.compile({ optimizer: 'sgd', loss: c.loss ?? 'mse' });
  const x = tensor(randArray(rng, B * c.T * c.F, 1), [B, c.T, c.F]);
  const y = tensor(randArray(rng, B * (c.seqOut ? c.T : 1) * c.out, 1), c.seqOut ? [B, c.T, c.out] : [B, c.out]);
  const lossAt = () => model.lossAndGrads(x, y).loss;
  const { dx } = model.lossAndGrads(x, y, { needDx: true });
  const weights = model.getWeights();
  const grads: Record<string, Float32Array> = {};
  for (const k of Object.keys(weights)) grads[k] = model.getGradient(k);
  const eps = 3e-3;
  let checked = 0;
  for (const [key, w] of Object.entries(weights)) {
    for (let n = 0; n < Math.min(6, w.length); n++) {
      const i = rng.int(w.length);
      const orig = w[i];
      w[i] = orig + eps; model.setWeights({ [key]: w }); const lp = lossAt();
      w[i] = orig - eps; model.setWeights({ [key]: w }); const lm = lossAt();
      w[i] = orig; model.setWeights({ [key]: w });
      const fd = (lp - lm) / (2 * eps), an = grads[key][i];
      assert.ok(Math.abs(fd - an) <= 3e-3 + 3e-2 * Math.abs(fd), `${c.name}: d loss / d ${key}[${i}]: analytic ${an}, finite difference ${fd}`);
      checked++;
    }
  }
  for (let n = 0; n < 6; n++) {
    const i = rng.int(x.data.length), orig = x.data[i];
    x.data[i] = orig + eps; const lp = lossAt();
    x.data[i] = orig - eps; const lm = lossAt();
    x.data[i] = orig;
    const fd = (lp - lm) / (2 * eps);
    assert.ok(Math.abs(fd - dx![i]) <= 3e-3 + 3e-2 * Math.abs(fd), `${c.name}: d loss / d x[${i}]: analytic ${dx![i]}, finite difference ${fd}`);
    checked++;
  }
  assert.ok(checked > 6);
}

const cases: Case[] = [
  { name: 'gru -> dense', layers: () => [gru({ units: 5 }), dense({ units: 2 })], T: 6, F: 3, out: 2 },
  { name: 'lstm -> dense', layers: () => [lstm({ units: 4 }), dense({ units: 1 })], T: 5, F: 2, out: 1 },
  { name: 'simpleRNN -> dense', layers: () => [simpleRNN({ units: 6 }), dense({ units: 1 })], T: 7, F: 2, out: 1 },
  { name: 'stacked gru, lstm', layers: () => [gru({ units: 4, returnSequences: true }), lstm({ units: 3 }), dense({ units: 1 })], T: 5, F: 2, out: 1 },
  { name: 'bidirectional gru, last state', layers: () => [bidirectional(gru({ units: 3 })), dense({ units: 1 })], T: 4, F: 2, out: 1 },
  { name: 'bidirectional lstm sequences, select last', layers: () => [bidirectional(lstm({ units: 3, returnSequences: true })), selectTimestep(-1), dense({ units: 1 })], T: 4, F: 2, out: 1 },
  { name: 'sequence output with time-distributed dense', layers: () => [gru({ units: 4, returnSequences: true }), dense({ units: 2 })], T: 5, F: 3, out: 2, seqOut: true },
  { name: 'goBackwards lstm sequences', layers: () => [lstm({ units: 3, returnSequences: true, goBackwards: true }), dense({ units: 1 })], T: 4, F: 2, out: 1, seqOut: true },
  { name: 'dense stack with activations', layers: () => [gru({ units: 4 }), dense({ units: 5, activation: 'tanh' }), dense({ units: 3, activation: 'sigmoid' }), dense({ units: 3, activation: 'softsign' }), dense({ units: 3, activation: 'elu' }), dense({ units: 1 })], T: 3, F: 2, out: 1 },
  { name: 'no bias', layers: () => [gru({ units: 4, useBias: false }), dense({ units: 1, useBias: false })], T: 4, F: 2, out: 1 },
  { name: 'dropout layer at inference is the identity', layers: () => [lstm({ units: 4 }), dropout({ rate: 0.5 }), dense({ units: 1 })], T: 4, F: 2, out: 1 },
];

for (const c of cases) test(`finite differences: ${c.name}`, () => gradcheck(c));

test('finite differences: every activation inside gru, lstm and simpleRNN', () => {
  const acts: ActivationName[] = ['linear', 'sigmoid', 'hard_sigmoid', 'tanh', 'relu', 'softsign', 'elu'];
  let seed = 40;
  for (const act of acts) {
    gradcheck({ name: `gru activation ${act}`, layers: () => [gru({ units: 4, activation: act, recurrentActivation: act === 'linear' ? 'sigmoid' : act }), dense({ units: 1 })], T: 4, F: 2, out: 1 }, seed++);
    gradcheck({ name: `lstm activation ${act}`, layers: () => [lstm({ units: 3, activation: act }), dense({ units: 1 })], T: 4, F: 2, out: 1 }, seed++);
    gradcheck({ name: `simpleRNN activation ${act}`, layers: () => [simpleRNN({ units: 4, activation: act }), dense({ units: 1 })], T: 4, F: 2, out: 1 }, seed++);
  }
});

test('finite differences: every loss (mse, mae, huber)', () => {
  for (const loss of ['mse', 'mae', 'huber'] as const) {
    gradcheck({ name: `loss ${loss}`, layers: () => [gru({ units: 4 }), dense({ units: 2 })], T: 4, F: 2, out: 2, loss }, 70);
    gradcheck({ name: `loss ${loss}, sequence`, layers: () => [lstm({ units: 3, returnSequences: true }), dense({ units: 1 })], T: 3, F: 2, out: 1, seqOut: true, loss }, 71);
  }
  gradcheck({ name: 'huber delta 0.3', layers: () => [gru({ units: 4 }), dense({ units: 1 })], T: 4, F: 2, out: 1, loss: { className: 'huber', config: { delta: 0.3 } } }, 72);
});
