import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RawConfig } from '../../src/config/index.js';
import { Rng } from '../../src/nn/random.js';
import { type FrozenTrial, MemoryStorage } from '../../src/storage/index.js';
import {
  AshaPruner,
  applyParams,
  GridSampler,
  gridOf,
  MedianPruner,
  OfatSampler,
  parseSpace,
  RandomSampler,
  stackChoices,
  TpeSampler,
} from '../../src/tune/index.js';
import { finishedWith, inFlight, runningWith, sameParams } from '../../src/tune/samplers/index.js';

const space = parseSpace(
  {
    'train.batch_size': [16, 32],
    'model.layers[0].gru.units': [8, 16, 32],
    'train.optimizer.adam.learning_rate': { loguniform: [1e-4, 1e-1] },
  },
  1,
);

test('spaces: categorical, log-uniform, int, stack (layers x units) and conditional parameters', () => {
  assert.deepEqual(
    space.map((p) => p.dist.kind),
    ['categorical', 'categorical', 'float'],
  );
  const stacks = stackChoices({ cell: 'lstm', layers: [1, 2], units: [32, 64] }, 24);
  assert.equal(stacks.length, 4);
  assert.deepEqual(stacks[2], [
    { lstm: { units: 32, return_sequences: true } },
    { lstm: { units: 32 } },
    { dense: { units: 24 } },
  ]);
  const cond = parseSpace({ depth: [1, 2], 'model.layers[1].gru.units': { int: [4, 8], when: { depth: 2 } } }, 1);
  assert.deepEqual(
    gridOf(cond).map((g) => JSON.stringify(g)),
    [
      '{"depth":1}',
      '{"depth":2,"model.layers[1].gru.units":4}',
      '{"depth":2,"model.layers[1].gru.units":5}',
      '{"depth":2,"model.layers[1].gru.units":6}',
      '{"depth":2,"model.layers[1].gru.units":7}',
      '{"depth":2,"model.layers[1].gru.units":8}',
    ],
  );
  assert.throws(
    () => parseSpace({ x: { loguniform: [0, 1] } }, 1),
    /tune.space.x.loguniform: expected positive bounds/,
  );
  assert.throws(() => parseSpace({ x: 3 }, 1), /tune.space.x: expected a list of values/);
});

test('applyParams sets config paths, follows a changed optimizer, and never touches the base config', () => {
  const base = {
    train: { optimizer: { adam: { learning_rate: 0.001 } }, batch_size: 32 },
    model: { layers: [{ gru: { units: 8 } }, { dense: { units: 1 } }] },
  };
  const c = applyParams(base, {
    'model.layers[0].gru.units': 64,
    'train.optimizer.adam.learning_rate': 0.01,
    'train.batch_size': 16,
  });
  assert.equal(c.model.layers[0]!.gru!.units, 64);
  assert.equal(c.train.optimizer.adam.learning_rate, 0.01);
  assert.equal(base.model.layers[0]!.gru!.units, 8);
  assert.deepEqual(applyParams(base, { 'train.optimizer.rmsprop.learning_rate': 0.003 }).train.optimizer, {
    rmsprop: { learning_rate: 0.003 },
  });
  assert.throws(() => applyParams(base, { 'model.layers[5].gru.units': 1 }), /the config has no "model.layers.5"/);
});

const done = (
  number: number,
  params: Record<string, unknown>,
  value: number | null,
  state: FrozenTrial['state'] = 'complete',
  intermediate: number[] = [],
): FrozenTrial => ({ number, state, params, value, intermediate, attrs: {}, error: null, started: '', finished: '' });

test('grid proposes every combination once, then stops', () => {
  const s = parseSpace({ a: [1, 2], b: ['x', 'y', 'z'] }, 1);
  const g = new GridSampler(),
    trials: FrozenTrial[] = [];
  for (let i = 0; i < 6; i++) trials.push(done(i, g.sample(s, trials)!, i));
  assert.equal(new Set(trials.map((t) => JSON.stringify(t.params))).size, 6);
  assert.equal(g.sample(s, trials), null);
  // an int range is a grid up to 33 values; a longer one is refused for what it is, not as a continuous range
  assert.equal(gridOf(parseSpace({ n: { int: [8, 40] } }, 1)).length, 33);
  assert.throws(() => gridOf(parseSpace({ 'train.batch_size': { int: [8, 64] } }, 1)), {
    message:
      'tune.space.train.batch_size: grid search takes an int range of at most 33 values, received [8, 64] ' +
      '(57 values); give the values as a list',
  });
});

test('random and TPE are reproducible from the seed; TPE concentrates where the good trials are', () => {
  const r = new RandomSampler();
  assert.deepEqual(r.sample(space, [], new Rng(3)), r.sample(space, [], new Rng(3)));
  const s = parseSpace({ x: { uniform: [0, 10] } }, 1);
  const tpe = new TpeSampler({ nStartup: 10 }),
    trials: FrozenTrial[] = [];
  for (let i = 0; i < 40; i++) {
    const p = tpe.sample(s, trials, new Rng(100 + i));
    trials.push(done(i, p, ((p.x as number) - 7.3) ** 2));
  }
  const late = trials.slice(25).map((t) => t.params.x as number);
  const meanErr = late.reduce((a, x) => a + Math.abs(x - 7.3), 0) / late.length;
  assert.ok(
    meanErr < 1.5,
    `TPE proposals should cluster near 7.3 (mean distance ${meanErr.toFixed(2)}; random would give ~2.9)`,
  );
  assert.deepEqual(
    new TpeSampler({ nStartup: 10 }).sample(s, trials, new Rng(5)),
    new TpeSampler({ nStartup: 10 }).sample(s, trials, new Rng(5)),
  );
});

test('OFAT: baseline first, then one factor at a time holding the rest, adopting the best value of each', () => {
  const s = parseSpace({ a: [1, 2, 3], b: ['p', 'q'] }, 1);
  const score = (p: Record<string, unknown>) =>
    (p.a === 2 ? 0 : 1) + (p.b === 'q' ? 0 : 0.5) + (Object.keys(p).length === 0 ? 3 : 0);
  const o = new OfatSampler(),
    trials: FrozenTrial[] = [];
  for (;;) {
    const p = o.sample(s, trials);
    if (!p) break;
    assert.notEqual(p, 'wait', 'with every trial told, OFAT never waits');
    if (p === 'wait') break;
    trials.push(done(trials.length, p, score(p)));
  }
  assert.deepEqual(
    trials.map((t) => t.params),
    [{}, { a: 1 }, { a: 2 }, { a: 3 }, { a: 2, b: 'p' }, { a: 2, b: 'q' }],
  );
  const plan = o.plan(s, trials);
  assert.deepEqual(plan.current, { a: 2, b: 'q' });
  assert.deepEqual(
    plan.steps.map((x) => [x.factor, x.best]),
    [
      ['a', 2],
      ['b', 'q'],
    ],
  );
});

test('OFAT never trains the configuration it holds again: a swept value the config already has is that trial', () => {
  // model.layers[0].gru.units is 8 in the config and train.batch_size 16: the baseline already trained them, and the
  // adopted units (16) with batch 16 is the trial that adopted it (a 3 x 3 sweep trained 3 of its 7 trials twice)
  const base = {
    model: { layers: [{ gru: { units: 8 } }, { dense: { units: 1 } }] },
    train: { batch_size: 16, optimizer: { adam: { learning_rate: 0.01 } } },
  } as unknown as RawConfig;
  const s = parseSpace({ 'model.layers[0].gru.units': [4, 8, 16], 'train.batch_size': [8, 16, 32] }, 1);
  const score = (p: Record<string, unknown>) =>
    (p['model.layers[0].gru.units'] === 16 ? 0 : 1) + (p['train.batch_size'] === 8 ? 0 : 0.5);
  const o = new OfatSampler(undefined, base),
    trials: FrozenTrial[] = [];
  for (;;) {
    const p = o.sample(s, trials);
    if (!p || p === 'wait') break;
    trials.push(done(trials.length, p, score(p)));
  }
  assert.deepEqual(
    trials.map((t) => t.params),
    [
      {},
      { 'model.layers[0].gru.units': 4 },
      { 'model.layers[0].gru.units': 16 },
      { 'model.layers[0].gru.units': 16, 'train.batch_size': 8 },
      { 'model.layers[0].gru.units': 16, 'train.batch_size': 32 },
    ],
  );
  const plan = o.plan(s, trials);
  assert.deepEqual(plan.current, { 'model.layers[0].gru.units': 16, 'train.batch_size': 8 });
  assert.deepEqual(plan.steps[0]!.values, [4, 8, 16], 'the sweep still names every value it covered');
});

test('OFAT sweeps the factors tune.order names first, then the ones it leaves out, in the order of the space', () => {
  const s = parseSpace({ a: [1, 2], b: ['p', 'q'], c: [true, false] }, 1);
  const o = new OfatSampler(['c']),
    trials: FrozenTrial[] = [];
  for (;;) {
    const p = o.sample(s, trials);
    if (!p || p === 'wait') break;
    trials.push(done(trials.length, p, 1 / (trials.length + 1)));
  }
  assert.deepEqual(
    o.plan(s, trials).steps.map((x) => x.factor),
    ['c', 'a', 'b'],
  );
});

test('median pruner stops a trial worse than the median at the same epoch; ASHA keeps the top 1/eta at each rung', () => {
  const others = [0, 1, 2, 3, 4].map((i) => done(i, {}, 1, 'complete', [1 + i * 0.1, 0.9 + i * 0.1, 0.8 + i * 0.1]));
  const med = new MedianPruner(5, 1);
  assert.equal(med.shouldPrune(done(9, {}, null, 'running', [2, 2]), 1, [...others]), true);
  assert.equal(med.shouldPrune(done(9, {}, null, 'running', [0.5, 0.5]), 1, [...others]), false);
  assert.equal(med.shouldPrune(done(9, {}, null, 'running', [9]), 0, [...others]), false, 'warm-up epoch');
  const asha = new AshaPruner(1, 3, 27);
  assert.deepEqual(asha.rungs(), [1, 3, 9]);
  const rung = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0].map((v, i) => done(i, {}, null, 'complete', [v]));
  assert.equal(asha.shouldPrune(rung[1]!, 0, rung), false, 'second best of 6 stays (top 2)');
  assert.equal(asha.shouldPrune(rung[2]!, 0, rung), true);
  assert.equal(asha.shouldPrune(done(7, {}, null, 'running', [0.3, 0.3]), 1, rung), false, 'not a rung');
});

test('a memory study keeps its trials', async () => {
  const st = new MemoryStorage();
  await st.createStudy('s', {});
  assert.equal((await st.createTrial('s', {})).number, 0);
});

test('importance: OFAT effect sizes when trials differ in one factor, variance shares otherwise', async () => {
  const { importance } = await import('../../src/tune/index.js');
  const ofat = [done(0, {}, 1), done(1, { a: 1 }, 0.5), done(2, { a: 2 }, 1.2), done(3, { a: 1, b: 'x' }, 0.45)];
  const imp = importance(ofat, 'ofat');
  assert.equal(imp[0]!.param, 'a');
  assert.equal(imp[0]!.method, 'ofat-effect');
  assert.ok(Math.abs(imp[0]!.importance - 0.7 / 0.75) < 1e-9);
  const rng = new Rng(1),
    rand: FrozenTrial[] = [];
  for (let i = 0; i < 60; i++) {
    const p = { big: rng.int(3), small: rng.int(3) };
    rand.push(done(i, p, 3 * p.big + 0.1 * p.small + 0.01 * rng.normal()));
  }
  const v = importance(rand, 'random');
  assert.equal(v[0]!.param, 'big');
  assert.equal(v[0]!.method, 'variance');
  assert.ok(v[0]!.importance > 0.8 && v[1]!.importance < 0.2, JSON.stringify(v));
});

test('random in a small space proposes no configuration already tried (running included), then has nothing left', () => {
  const s = parseSpace({ a: [1, 2], b: ['x', 'y', 'z'] }, 1);
  const r = new RandomSampler(),
    trials: FrozenTrial[] = [];
  for (let i = 0; i < 6; i++) {
    const p = r.sample(s, trials, new Rng(42 * 1000003 + i));
    assert.ok(p, `a proposal while ${6 - i} configurations are untried`);
    // Half of them still running when the next is asked for.
    trials.push(done(i, p, i % 2 ? null : i, i % 2 ? 'running' : 'complete'));
  }
  assert.equal(new Set(trials.map((t) => JSON.stringify(t.params))).size, 6, 'six trials, six configurations');
  assert.equal(r.sample(s, trials, new Rng(7)), null, 'every configuration tried: nothing left');
  const wide = parseSpace({ lr: { loguniform: [1e-4, 1e-1] }, a: [1, 2] }, 1);
  assert.ok(r.sample(wide, trials, new Rng(7)), 'a continuous space is never exhausted');
});

test('one-factor effects: what comparing every pair of trials gives, on random studies with missing factors', async () => {
  const { oneFactorEffects } = await import('../../src/tune/report.js');
  const fc = (await import('fast-check')).default;
  const value = fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 2 }), fc.constantFrom('x', [1, 2]));
  const trialsOf = fc.array(
    fc.record({ a: value, b: value, c: value, v: fc.double({ min: -5, max: 5, noNaN: true }) }),
    { maxLength: 30 },
  );
  fc.assert(
    fc.property(trialsOf, (rows) => {
      const ok = rows.map(({ v, ...p }, i) =>
        done(i, Object.fromEntries(Object.entries(p).filter(([, x]) => x !== undefined)), v),
      );
      const names = [...new Set(ok.flatMap((t) => Object.keys(t.params)))];
      const naive = new Map<string, number>();
      for (const x of ok)
        for (const y of ok) {
          const diff = names.filter((n) => JSON.stringify(x.params[n]) !== JSON.stringify(y.params[n]));
          if (diff.length === 1) naive.set(diff[0]!, Math.max(naive.get(diff[0]!) ?? 0, Math.abs(x.value! - y.value!)));
        }
      const fast = oneFactorEffects(ok, names);
      assert.deepEqual([...fast.keys()].sort(), [...naive.keys()].sort());
      for (const [k, v] of naive) assert.ok(Math.abs(fast.get(k)! - v) < 1e-12, `${k}: ${fast.get(k)} against ${v}`);
    }),
    { numRuns: 300, seed: 27 },
  );
});

test('factor importance is readable from 8 completed trials with 2 per value of each factor, not from fewer', async () => {
  const { importanceReadable } = await import('../../src/tune/report.js');
  const two = [done(0, { lr: 0.01 }, 1), done(1, { lr: 0.001 }, 2)];
  assert.equal(importanceReadable(two, 'random'), false, '2 trials');
  const eight = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => done(i, { lr: i % 2 ? 0.01 : 0.001, b: i % 4 < 2 }, i));
  assert.equal(importanceReadable(eight, 'random'), true);
  const once = [...eight.slice(0, 7), done(7, { lr: 0.1, b: true }, 7)];
  assert.equal(importanceReadable(once, 'grid'), false, 'a value seen in one trial only');
  const seven = eight.slice(0, 7);
  assert.equal(
    importanceReadable([...seven, done(7, {}, null, 'failed')], 'ofat'),
    false,
    'failed trials do not count',
  );
  assert.equal(importanceReadable([...seven, done(7, { lr: 0.1 }, 3)], 'ofat'), true, 'OFAT: 8 completed');
  // what study show and tune print instead: with 8 completed, the count alone ("8 completed") would not say why
  const { importanceNotYet } = await import('../../src/tune/report.js');
  assert.equal(importanceNotYet(two, 'random'), '(2 completed)');
  assert.equal(importanceNotYet(once, 'grid'), '(8 completed; lr 0.1 completed once, and each value needs 2)');
  assert.equal(importanceNotYet(eight, 'random'), null);
  // study show --json reads both from one grouping of the trials (importanceRead): the same answers, a quartiled
  // factor (a number of more than 4 values) included
  const { importance, importanceRead } = await import('../../src/tune/report.js');
  const wide = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => done(i, { lookback: 8 + i, b: i % 2 === 0 }, (i * 7) % 5));
  for (const [trials, strategy] of [
    [two, 'random'],
    [once, 'grid'],
    [eight, 'random'],
    [[...seven, done(7, { lr: 0.1 }, 3)], 'ofat'],
    [wide, 'tpe'],
    [wide.slice(0, 9), 'random'],
  ] as const)
    assert.deepEqual(importanceRead(trials, strategy), {
      importance: importance(trials, strategy),
      notYet: importanceNotYet(trials, strategy),
    });
});

test("OFAT answers 'wait' while the taken values of a sweep still run, and null only at the end of its plan", () => {
  const s = parseSpace({ a: [1, 2] }, 1);
  const o = new OfatSampler();
  const running = (n: number, params: Record<string, unknown>, state: 'running' | 'waiting' = 'running') =>
    ({ ...done(n, params, 0), state, value: null, finished: null }) as FrozenTrial;
  assert.equal(o.sample(s, [running(0, {})]), 'wait', 'the baseline runs: nothing to start');
  assert.equal(o.sample(s, [running(0, {}, 'waiting')]), 'wait', 'a waiting (enqueued) baseline is in flight too');
  const base = done(0, {}, 1);
  assert.deepEqual(o.sample(s, [base, running(1, { a: 1 })]), { a: 2 }, 'the sweep hands out its next value');
  assert.equal(o.sample(s, [base, running(1, { a: 1 }), running(2, { a: 2 })]), 'wait');
  assert.equal(o.sample(s, [base, done(1, { a: 1 }, 2), done(2, { a: 2 }, 3)]), null);
});

test('finishedWith and runningWith answer as a scan of every trial would, on a trials array that grows or changes state', () => {
  const trial = (number: number, state: FrozenTrial['state'], params: Record<string, unknown>): FrozenTrial =>
    ({ number, state, params, value: number, intermediate: [], attrs: {} }) as unknown as FrozenTrial;
  const trials: FrozenTrial[] = [
    trial(0, 'failed', { a: 1, b: { x: [1, 2] } }),
    trial(1, 'complete', { b: { x: [1, 2] }, a: 1 }),
    trial(2, 'running', { a: 2 }),
    trial(3, 'complete', { a: null }),
    trial(4, 'complete', {}),
  ];
  const scan = (p: Record<string, unknown>) => {
    const all = trials.filter((t) => !inFlight(t) && sameParams(t.params, p));
    return all.find((t) => t.state !== 'failed') ?? all[0];
  };
  const asks = [
    { a: 1, b: { x: [1, 2] } },
    { a: 2 },
    { a: null },
    { a: undefined },
    {},
    { a: 1 },
    { b: { x: [2, 1] }, a: 1 },
  ];
  for (const p of asks) {
    assert.equal(finishedWith(trials, p), scan(p), JSON.stringify(p));
    assert.equal(
      runningWith(trials, p),
      trials.some((t) => inFlight(t) && sameParams(t.params, p)),
    );
  }
  assert.equal(finishedWith(trials, { a: 1, b: { x: [1, 2] } })?.number, 1); // a completed trial over a failed one
  (trials[2] as { state: string }).state = 'complete'; // states are read at each answer
  assert.equal(finishedWith(trials, { a: 2 })?.number, 2);
  trials.push(trial(5, 'waiting', { a: 3 }));
  assert.equal(runningWith(trials, { a: 3 }), true);
  assert.equal(finishedWith(trials, { a: 3 }), undefined);
});
