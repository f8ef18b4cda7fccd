import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dense, gru, Rng, tensor } from '../../src/nn/index.js';
import { getSchedule, sgd } from '../../src/optim/index.js';
import { sequential } from '../../src/train/index.js';

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 + 1e-9 * Math.abs(b);

test('schedules follow their closed forms', () => {
  const b = 0.1;
  const step = getSchedule({ step: { factor: 0.5, every: 3 } });
  assert.deepEqual(
    [0, 2, 3, 5, 6, 9].map((e) => step.lrAt(e, b)),
    [0.1, 0.1, 0.05, 0.05, 0.025, 0.0125],
  );
  const ex = getSchedule({ exponential: { rate: 0.9, steps: 2 } });
  assert.ok(close(ex.lrAt(4, b), b * 0.81));
  const it = getSchedule({ inverse_time: { rate: 0.5 } });
  assert.ok(close(it.lrAt(2, b), b / 2));
  const cos = getSchedule({ cosine: { t_max: 10, eta_min: 0.001 } });
  for (const e of [0, 3, 5, 10, 12])
    assert.ok(close(cos.lrAt(e, b), 0.001 + ((b - 0.001) * (1 + Math.cos((Math.PI * Math.min(e, 10)) / 10))) / 2));
  // biome-ignore lint/suspicious/noThenProperty: `then` is the schedule's config key
  const warm = getSchedule({ warmup: { epochs: 4, then: { cosine: { t_max: 6 } } } });
  assert.deepEqual(
    [0, 1, 3].map((e) => warm.lrAt(e, b)),
    [0.025, 0.05, 0.1],
  );
  assert.ok(close(warm.lrAt(7, b), (b * (1 + Math.cos((Math.PI * 3) / 6))) / 2));
});

test('SGDR (cosine with warm restarts) matches the closed form, cycle lengths t0, t0*mult, ...', () => {
  const b = 0.05,
    etaMin = 0.001,
    t0 = 3,
    mult = 2;
  const s = getSchedule({ cosine_restarts: { t_0: t0, t_mult: mult, eta_min: etaMin } });
  // cycles: epochs 0-2 (length 3), 3-8 (6), 9-20 (12)
  const expected = (e: number) => {
    let start = 0,
      len = t0;
    while (e >= start + len) {
      start += len;
      len *= mult;
    }
    return etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * (e - start)) / len))) / 2;
  };
  for (let e = 0; e < 21; e++)
    assert.ok(close(s.lrAt(e, b), expected(e)), `epoch ${e}: ${s.lrAt(e, b)} vs ${expected(e)}`);
  assert.deepEqual(
    Array.from({ length: 21 }, (_, e) => e).filter((e) => s.isCycleEnd!(e)),
    [2, 8, 20],
  );
  assert.equal(s.lrAt(3, b), b);
  const flat = getSchedule({ cosine_restarts: { t_0: 4 } });
  assert.deepEqual(
    [0, 4, 8].map((e) => flat.lrAt(e, b)),
    [b, b, b],
  );
});

test('SGDR restarts at the base rate on every cycle start, where a logarithm would land just below it', () => {
  // t_0 1, t_mult 10: cycles start at epochs 0, 1, 11, 111, 1111 (torch's CosineAnnealingWarmRestarts gives 1.0
  // there); log(1000) / log(10) is 2.9999999999999996, which put epoch 111 at the last step of the cycle before (0)
  const s = getSchedule({ cosine_restarts: { t_0: 1, t_mult: 10 } });
  assert.deepEqual(
    [0, 1, 11, 111, 1111].map((e) => s.lrAt(e, 0.1)),
    [0.1, 0.1, 0.1, 0.1, 0.1],
  );
  assert.deepEqual(
    [0, 10, 110, 1110].map((e) => s.isCycleEnd!(e)),
    [true, true, true, true],
  );
  assert.equal(s.isCycleEnd!(111), false);
});

test('warmup counts whole epochs: a fraction would have stepped past the base rate (2.5: 0.4, 0.8, 1.2 times it)', () => {
  assert.throws(
    () => getSchedule({ warmup: { epochs: 2.5 } }),
    /schedule.warmup.epochs: expected an integer > 0, received 2.5/,
  );
  const w = getSchedule({ warmup: { epochs: 4 } });
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((e) => w.lrAt(e, 1)),
    [0.25, 0.5, 0.75, 1, 1],
  );
});

test('fit applies a schedule every epoch and records lr in the history', async () => {
  const rng = new Rng(0);
  const x = tensor(
      Float32Array.from({ length: 40 }, () => rng.normal()),
      [10, 4, 1],
    ),
    y = tensor(new Float32Array(10), [10, 1]);
  const m = sequential([gru({ units: 3, inputShape: [4, 1] }), dense({ units: 1 })]);
  m.compile({ optimizer: sgd({ learningRate: 0.2 }) });
  const h = await m.fit(x, y, { epochs: 5, batchSize: 5, schedule: { step: { factor: 0.1, every: 2 } } });
  assert.deepEqual(
    h.history.lr!.map((v) => +v.toPrecision(6)),
    [0.2, 0.2, 0.02, 0.02, 0.002],
  );
});

test('bad schedules name the key and the problem', () => {
  assert.throws(() => getSchedule({ cosine: {} }), /schedule.cosine.t_max: expected a number > 0, received undefined/);
  assert.throws(() => getSchedule('linear' as never), /schedule: expected one of constant, step/);
});
