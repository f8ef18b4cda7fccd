// The TPE sampler: parallel asks with the constant liar, proposals never piled onto a bound, conditional groups,
// the start-up and weighting schedules, and tune.sampler in a config.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { Rng } from '../../src/nn/random.js';
import type { FrozenTrial } from '../../src/storage/index.js';
import { parseSpace, TpeSampler, tuneSettings } from '../../src/tune/index.js';
import { nextGroup, onBranch, splitTrials } from '../../src/tune/samplers/tpe-split.js';
import { ageWeights, goodCount, startupFor } from '../../src/tune/samplers/tpe-weights.js';

const trial = (number: number, params: Record<string, unknown>, value: number | null, state = 'complete') =>
  ({
    number,
    state,
    params,
    value,
    intermediate: [],
    attrs: {},
    error: null,
    started: '',
    finished: '',
  }) as FrozenTrial;

/** n finished trials of a space, drawn by the sampler itself, scored by f. */
function history(tpe: TpeSampler, space: ReturnType<typeof parseSpace>, f: (p: Record<string, number>) => number) {
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < 30; i++) {
    const p = tpe.sample(space, trials, new Rng(7 * i + 1)) as Record<string, number>;
    trials.push(trial(i, p, f(p)));
  }
  return trials;
}

/** Four asks in a row, each seeing the ones before as running (as four workers asking at once). */
function fourAsks(tpe: TpeSampler, space: ReturnType<typeof parseSpace>, past: FrozenTrial[]) {
  const trials = [...past];
  for (let j = 0; j < 4; j++) {
    const p = tpe.sample(space, trials, new Rng(1000 + j));
    trials.push(trial(trials.length, p, null, 'running'));
  }
  return trials.slice(past.length).map((t) => t.params);
}

test('constant liar: four workers asking at once get four different points', () => {
  const space = parseSpace({ a: [1, 2, 3, 4, 5, 6], b: { int: [0, 3] } }, 1);
  const f = (p: Record<string, number>) => Math.abs(p.a! - 4) + Math.abs(p.b! - 1);
  const past = history(new TpeSampler({ nStartup: 10 }), space, f);
  const key = (p: unknown) => JSON.stringify(p);
  const withLiar = fourAsks(new TpeSampler({ nStartup: 10 }), space, past);
  assert.equal(new Set(withLiar.map(key)).size, 4, `proposals ${withLiar.map(key).join(' ')}`);
  const without = fourAsks(new TpeSampler({ nStartup: 10, constantLiar: false }), space, past);
  assert.ok(new Set(without.map(key)).size < 4, 'without the liar the workers collide (the test can tell)');
});

test('constant liar: in a continuous space the parallel points spread out', () => {
  const space = parseSpace({ x: { uniform: [0, 1] }, y: { uniform: [0, 1] } }, 1);
  const f = (p: Record<string, number>) => (p.x! - 0.3) ** 2 + (p.y! - 0.6) ** 2;
  const past = history(new TpeSampler({ nStartup: 10 }), space, f);
  const spread = (ps: Record<string, unknown>[]) => {
    let min = Infinity;
    for (let i = 0; i < ps.length; i++)
      for (let j = 0; j < i; j++)
        min = Math.min(
          min,
          Math.hypot((ps[i]!.x as number) - (ps[j]!.x as number), (ps[i]!.y as number) - (ps[j]!.y as number)),
        );
    return min;
  };
  const a = spread(fourAsks(new TpeSampler({ nStartup: 10 }), space, past));
  const b = spread(fourAsks(new TpeSampler({ nStartup: 10, constantLiar: false }), space, past));
  assert.ok(a > b, `closest pair with the liar ${a.toFixed(4)}, without ${b.toFixed(4)}`);
});

test('running trials join the bad group as the worst; the good group is made of results only', () => {
  const trials = [
    trial(0, { x: 1 }, 3),
    trial(1, { x: 2 }, 1),
    trial(2, { x: 3 }, null, 'running'),
    trial(3, { x: 4 }, null, 'failed'),
    trial(4, { x: 5 }, 2, 'pruned'),
  ];
  const liar = splitTrials(trials, true);
  assert.deepEqual(
    liar.good.map((t) => t.number),
    [1],
  );
  assert.deepEqual(
    liar.bad.map((t) => t.number),
    [0, 2, 4],
  );
  assert.deepEqual(
    splitTrials(trials, false).bad.map((t) => t.number),
    [0, 4],
  );
});

test('start-up counts the trials asked: parallel workers spend as many random trials as one worker', () => {
  const space = parseSpace({ x: { uniform: [0, 1] }, y: { uniform: [0, 1] } }, 1);
  const done = Array.from({ length: 8 }, (_, i) => trial(i, { x: 0.9 + i / 100, y: 0.5 }, i));
  const running = (n: number) => Array.from({ length: n }, (_, i) => trial(8 + i, { x: 0.1, y: 0.1 }, null, 'running'));
  const random = (rng: Rng) => ({ x: Number(rng.uniform().toPrecision(6)), y: Number(rng.uniform().toPrecision(6)) });
  const tpe = new TpeSampler({ nStartup: 9 });
  // 8 finished + 1 running = 9 asked: the model (before, 8 finished < 9 gave a tenth random trial).
  assert.notDeepEqual(tpe.sample(space, [...done, ...running(1)], new Rng(3)), random(new Rng(3)));
  const modelled = Array.from({ length: 20 }, (_, i) => tpe.sample(space, [...done, ...running(1)], new Rng(i)));
  assert.ok(
    modelled.every((p) => (p.x as number) > 0.6),
    'the model draws near the finished trials',
  );
  // 7 finished + 1 running = 8 asked: still random; and the model waits for half the start-up to finish.
  assert.deepEqual(tpe.sample(space, [...done.slice(0, 7), ...running(1)], new Rng(3)), random(new Rng(3)));
  assert.deepEqual(tpe.sample(space, [...done.slice(0, 4), ...running(8)], new Rng(3)), random(new Rng(3)));
  assert.notDeepEqual(tpe.sample(space, [...done.slice(0, 5), ...running(8)], new Rng(3)), random(new Rng(3)));
});

test('constant liar: a worker on the branch another worker runs is not sent to a worse branch', () => {
  // Branch a is clearly better. A running trial on branch a used to make the branch's value "busy", so the next
  // ask took branch b whenever one of its candidates did; only a whole point already running is passed over.
  const space = parseSpace({ opt: ['a', 'b'], x: { uniform: [0, 1], when: { opt: 'a' } } }, 1);
  const r = new Rng(11);
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < 30; i++) {
    const p: Record<string, unknown> = { opt: i % 3 === 0 ? 'b' : 'a' };
    if (p.opt === 'a') p.x = r.uniform();
    trials.push(trial(i, p, p.opt === 'a' ? Math.abs((p.x as number) - 0.3) : 2 + r.uniform()));
  }
  trials.push(trial(30, { opt: 'a', x: 0.3 }, null, 'running'));
  const tpe = new TpeSampler();
  const asks = Array.from({ length: 40 }, (_, i) => tpe.sample(space, trials, new Rng(200 + i)));
  const onB = asks.filter((p) => p.opt === 'b').length;
  assert.ok(onB <= 4, `${onB} of 40 asks on the worse branch b`);
});

test('constant liar, independent mode: only a whole running point is passed over, not each of its values', () => {
  const space = parseSpace({ a: [1, 2, 3, 4, 5, 6], b: { int: [0, 3] } }, 1);
  const f = (p: Record<string, number>) => Math.abs(p.a! - 4) + Math.abs(p.b! - 1);
  const tpe = new TpeSampler({ nStartup: 10, multivariate: false });
  const trials = [...history(tpe, space, f), trial(30, { a: 4, b: 1 }, null, 'running')];
  const asks = Array.from({ length: 40 }, (_, i) => tpe.sample(space, trials, new Rng(300 + i)));
  const sameA = asks.filter((p) => p.a === 4).length;
  assert.ok(sameA >= 20, `${sameA} of 40 asks keep the best a = 4 (a running trial has it)`);
  assert.equal(asks.filter((p) => p.a === 4 && p.b === 1).length, 0, 'the running point itself is passed over');
});

test('no proposal after start-up sits exactly on a bound, even when the optimum is the bound', () => {
  const space = parseSpace({ x: { uniform: [0, 1] }, lr: { loguniform: [1e-5, 1e-1] } }, 1);
  const tpe = new TpeSampler({ nStartup: 5 });
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < 60; i++) {
    const p = tpe.sample(space, trials, new Rng(i));
    trials.push(trial(i, p, (p.x as number) + Math.log10(p.lr as number)));
  }
  const onBound = trials.filter((t) => t.params.x === 0 || t.params.lr === 1e-5);
  assert.equal(onBound.length, 0, `${onBound.length} proposals on a bound`);
  const late = trials.slice(40).map((t) => t.params.x as number);
  assert.ok(late.reduce((a, b) => a + b, 0) / late.length < 0.15, 'late proposals crowd the lower bound');
});

test('integers stay integers in range; conditional parameters only when active, the branch sampled first', () => {
  const space = parseSpace(
    {
      opt: ['adam', 'sgd'],
      units: { int: [8, 512], log: true },
      momentum: { uniform: [0, 0.99], when: { opt: 'sgd' } },
      nesterov: { choice: [true, false], when: { opt: 'sgd' } },
    },
    1,
  );
  const names = (g: ReturnType<typeof nextGroup>) => g && [g.params.map((p) => p.name), g.branch];
  assert.deepEqual(names(nextGroup(space, {}, true)), [['opt'], true], 'the branch first');
  assert.deepEqual(names(nextGroup(space, { opt: 'sgd' }, true)), [['units', 'momentum', 'nesterov'], false]);
  assert.deepEqual(names(nextGroup(space, { opt: 'adam' }, true)), [['units'], false]);
  assert.equal(nextGroup(space, { opt: 'adam', units: 8 }, true), null);
  assert.deepEqual(names(nextGroup(space, {}, false)), [['opt'], false], 'independent: one at a time');
  assert.deepEqual(names(nextGroup(parseSpace({ a: [1, 2], b: { int: [0, 3] } }, 1), {}, true)), [['a', 'b'], false]);
  const deep = parseSpace({ layers: { int: [1, 4] }, x: { uniform: [0, 1], when: { layers: 4 } } }, 1);
  const layers = [1, 2, 3, 4].map((n) => trial(n, n === 4 ? { layers: n, x: 0.5 } : { layers: n }, 1));
  const branch = (n: number) => layers.filter(onBranch(deep, { layers: n })).map((t) => t.params.layers);
  assert.deepEqual(branch(2), [1, 2, 3], 'a branch is the set of parameters switched on, not one per value');
  assert.deepEqual(branch(4), [4]);
  const tpe = new TpeSampler();
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < 40; i++) {
    const p = tpe.sample(space, trials, new Rng(i));
    const u = p.units as number;
    assert.ok(Number.isInteger(u) && u >= 8 && u <= 512, `units ${u}`);
    assert.equal('momentum' in p, p.opt === 'sgd');
    assert.equal('nesterov' in p, p.opt === 'sgd');
    trials.push(trial(i, p, Math.abs(Math.log2(u) - 6) + (p.opt === 'sgd' ? (p.momentum as number) : 1)));
  }
});

test('a branch is chosen on its own and modelled on its own trials: a rare but promising branch is taken', () => {
  // Branch a: 6 trials, 2 of them among the best 8; its best x is 0.2. Branch b: 34 trials, best x 0.8. Scored
  // jointly with x (the old grouping), the many b trials drowned branch a (2 proposals in 400 took it); the
  // branch's own l/g takes it, and x then comes from a's trials alone.
  const space = parseSpace({ opt: ['a', 'b'], x: { uniform: [0, 1] }, y: { uniform: [0, 1], when: { opt: 'a' } } }, 1);
  const r = new Rng(5);
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < 40; i++) {
    const p: Record<string, unknown> = { opt: i % 7 === 3 ? 'a' : 'b', x: r.uniform() };
    if (p.opt === 'a') p.y = r.uniform();
    const x = p.x as number;
    trials.push(
      trial(i, p, p.opt === 'a' ? 0.5 * Math.abs(x - 0.2) + 0.01 * Math.abs((p.y as number) - 0.5) : Math.abs(x - 0.8)),
    );
  }
  const tpe = new TpeSampler();
  const proposals = Array.from({ length: 100 }, (_, i) => tpe.sample(space, trials, new Rng(100 + i)));
  const onA = proposals.filter((p) => p.opt === 'a');
  assert.ok(onA.length > 90, `${onA.length} of 100 proposals on branch a`);
  assert.ok(
    onA.every((p) => Math.abs((p.x as number) - 0.2) < 0.3 && 'y' in p),
    'x follows the branch',
  );
});

test('schedules: good group, age weights, start-up by dimension', () => {
  assert.deepEqual([1, 10, 11, 60, 500].map(goodCount), [1, 2, 3, 12, 25]);
  assert.deepEqual(ageWeights(3), [1, 1, 1]);
  const w = ageWeights(30);
  assert.equal(w.length, 30);
  assert.ok(Math.abs(w[0]! - 1 / 30) < 1e-12 && w[4] === 1 && w[29] === 1);
  assert.ok(w[1]! > w[0]! && w[3]! > w[2]!);
  assert.deepEqual([1, 2, 6, 7, 20].map(startupFor), [5, 5, 9, 10, 10]);
  assert.equal(new TpeSampler().startup(parseSpace({ a: [1, 2], b: [3, 4] }, 1)), 5);
  assert.equal(new TpeSampler({ nStartup: 3 }).startup(parseSpace({ a: [1, 2] }, 1)), 3);
});

const base = 'data: {csv: x.csv, target: y, lookback: 2}\nmodel: {layers: [{dense: {units: 1}}]}\n';

test('tune.sampler.tpe sets the options; unknown keys and other strategies are one clear line', () => {
  const cfg = (tune: string) => parseConfig(`${base}tune:\n${tune}`, 'c.yaml');
  const s = tuneSettings(
    cfg('  strategy: tpe\n  space: {seed: [1, 2]}\n  sampler: {tpe: {multivariate: false, n_startup: 4}}'),
    '/tmp/c.yaml',
  );
  assert.deepEqual(s.tpe, { multivariate: false, nStartup: 4 });
  assert.throws(
    () => tuneSettings(cfg('  strategy: tpe\n  space: {seed: [1, 2]}\n  sampler: {tpe: {n_startp: 4}}'), '/tmp/c.yaml'),
    /\/tmp\/c\.yaml: tune\.sampler\.tpe.*n_startp.*n_startup/,
  );
  assert.throws(
    () => tuneSettings(cfg('  strategy: random\n  space: {seed: [1, 2]}\n  sampler: {tpe: {}}'), '/tmp/c.yaml'),
    /\/tmp\/c\.yaml: tune\.sampler\.tpe: applies to strategy tpe, received strategy random/,
  );
});
