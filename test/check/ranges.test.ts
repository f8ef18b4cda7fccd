import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { batchSizeRange, lrFind } from '../../src/check/index.js';
import { makeWindows, syntheticSeries } from '../../src/data/index.js';
import { dense, gru, Rng, tensor } from '../../src/nn/index.js';
import { sequential } from '../../src/train/index.js';
import { stepTurns } from '../helpers/step-turns.js';

const y = syntheticSeries({ length: 700, seed: 3 });
const m = y.reduce((a, b) => a + b, 0) / y.length;
const z = Float64Array.from(y, (v) => (v - m) / 3);
const w = makeWindows(
  Array.from({ length: 600 }, (_, i) => 24 + i),
  24,
  1,
  [z],
  [z],
);
const x = tensor(w.x.slice(0, 500 * 24), [500, 24, 1]),
  t = tensor(w.y.slice(0, 500), [500, 1]);
const xv = tensor(w.x.slice(500 * 24), [100, 24, 1]),
  tv = tensor(w.y.slice(500), [100, 1]);
const make = () => {
  const mm = sequential([gru({ units: 8, inputShape: [24, 1] }), dense({ units: 1 })], { seed: 1 });
  mm.compile({ optimizer: 'adam', loss: 'mse' });
  return mm;
};

test('lr-find raises the rate exponentially, stops when the loss explodes and suggests a range inside the sweep', async () => {
  const r = await lrFind(make, x, t, { steps: 150, batchSize: 16 });
  assert.ok(r.points.length > 20);
  for (let i = 1; i < r.points.length; i++) assert.ok(r.points[i]![0] > r.points[i - 1]![0]);
  assert.equal(r.stoppedEarly, true, 'a sweep to lr 10 explodes');
  const { min, max, best, flat } = r.suggested;
  assert.ok(min <= best && best <= max && min >= 1e-7 && max <= 10, JSON.stringify(r.suggested));
  assert.equal(flat, false, 'a curve that falls well below its start is not flat');
  const lossAt = (lr: number) =>
    r.points.reduce((a, p) => (Math.abs(Math.log(p[0] / lr)) < Math.abs(Math.log(a[0] / lr)) ? p : a))[1];
  assert.ok(
    lossAt(max) < r.points[0]![1],
    'the smoothed loss at the suggested maximum is below where the sweep started',
  );
});

test('lr-find says when its curve is flat: targets that are noise independent of the inputs teach nothing', async () => {
  const rng = new Rng(4);
  const noise = tensor(
    Float32Array.from({ length: 500 }, () => rng.normal()),
    [500, 1],
  );
  const r = await lrFind(make, x, noise, { steps: 150, batchSize: 16 });
  assert.equal(r.suggested.flat, true, JSON.stringify(r.suggested));
});

test('lr-find with a few steps suggests only rates it swept; a loss that only rose is no guide (flat)', async () => {
  // 5 steps from 1e-7 to 10: the minimum at the start put min at 1e-8 and best at 3.2e-8, below the sweep
  for (const steps of [2, 3, 5, 12]) {
    const r = await lrFind(make, x, t, { steps, batchSize: 16 });
    const { min, max, best } = r.suggested;
    const first = r.points[0]![0];
    assert.ok(min >= Number(first.toPrecision(2)) && min <= best && best <= max, `${steps}: ${JSON.stringify(r)}`);
  }
  const rising = await lrFind(make, x, t, { steps: 5, batchSize: 16, minLr: 1, maxLr: 10 });
  assert.equal(rising.suggested.flat, true, JSON.stringify(rising));
});

test('batch-size range: one short run per size, the largest that trains as well as the best', async () => {
  const r = await batchSizeRange(make, [x, t], [xv, tv], { sizes: [8, 32, 128, 512], epochs: 1 });
  assert.deepEqual(
    r.rows.map((row) => row.batch_size),
    [8, 32, 128],
  );
  const best = Math.min(...r.rows.map((row) => row.val_loss));
  const chosen = r.rows.find((row) => row.batch_size === r.suggested)!;
  assert.ok(chosen.val_loss <= best * 1.1);
  assert.ok(r.rows.every((row) => row.windows_per_second > 0));
});

test('seqtune lr-find --json prints {suggested, points} and writes lr-find.svg/png; range --param train.batch_size', async () => {
  const { mkdtempSync, readdirSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { main } = await import('../../src/cli/main.js');
  const { syntheticCsv } = await import('../../src/data/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-lr-'));
  try {
    writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 500, seed: 1 }));
    writeFileSync(
      join(dir, 'c.yaml'),
      'data: {csv: series.csv, target: value, lookback: 12}\n' +
        'model: {layers: [{gru: {units: 4}}, {dense: {units: 1}}]}\n' +
        'train: {batch_size: 16}\n',
    );
    const out: string[] = [];
    assert.equal(
      await main(['lr-find', join(dir, 'c.yaml'), '--json', '--out', join(dir, 'lr'), '--steps', '80'], {
        out: (s) => out.push(s),
        err: () => {},
      }),
      0,
    );
    const j = JSON.parse(out.join(''));
    assert.deepEqual(Object.keys(j.suggested).sort(), ['best', 'flat', 'max', 'min']);
    assert.ok(Array.isArray(j.points) && j.points.length > 10 && j.points.every((p: number[]) => p.length === 2));
    assert.deepEqual(readdirSync(join(dir, 'lr')).sort(), ['lr-find.json', 'lr-find.png', 'lr-find.svg']);
    const r: string[] = [];
    assert.equal(
      await main(['range', join(dir, 'c.yaml'), '--param', 'train.batch_size', '--json'], {
        out: (s) => r.push(s),
        err: () => {},
      }),
      0,
    );
    const rr = JSON.parse(r.join(''));
    assert.ok(rr.suggested >= 8 && rr.rows.length >= 3);
    // measured on the threads the training uses (--threads, train.threads, the cores), not on one whatever they were
    const r2: string[] = [];
    const args = ['range', join(dir, 'c.yaml'), '--param', 'train.batch_size', '--threads', '2'];
    assert.equal(await main(args, { out: (s) => r2.push(s), err: () => {} }), 0);
    assert.match(
      r2.join(''),
      /suggested batch size: \d+ \(the fastest within 10% of the best val_loss, on 2 threads\)\n$/,
    );
    const r1: string[] = [];
    assert.equal(await main([...args.slice(0, -1), '1', '--json'], { out: (s) => r1.push(s), err: () => {} }), 0);
    assert.equal(JSON.parse(r1.join('')).threads, 1);
    const bad: string[] = [];
    assert.equal(
      await main(['range', join(dir, 'c.yaml'), '--param', 'train.epochs'], { out: () => {}, err: (s) => bad.push(s) }),
      2,
    );
    assert.match(bad.join(''), /--param: expected train.batch_size/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Uniform noise in `dir` (series.csv) and a GRU(4) config over it (c.yaml, with `more` lines): nothing to learn, the
 * loss stays at its level whatever the rate.
 */
function writeNoise(dir: string, more = ''): void {
  const noise: string[] = [];
  for (let i = 0, s = 1; i < 500; i++) {
    s = (s * 16807) % 2147483647;
    noise.push((s / 2147483647).toFixed(4));
  }
  writeFileSync(join(dir, 'series.csv'), `value\n${noise.join('\n')}\n`);
  writeFileSync(
    join(dir, 'c.yaml'),
    'data: {csv: series.csv, target: value, lookback: 12}\n' +
      `model: {layers: [{gru: {units: 4}}, {dense: {units: 1}}]}\ntrain: {batch_size: 16}\n${more}`,
  );
}

test('seqtune lr-find on a flat curve suggests no rate: its pick is said to be no guide, in its text and its plot', async () => {
  const { main } = await import('../../src/cli/main.js');
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-lr-'));
  try {
    writeNoise(dir);
    const out: string[] = [];
    const args = ['lr-find', join(dir, 'c.yaml'), '--out', join(dir, 'lr'), '--steps', '80'];
    assert.equal(await main(args, { out: (t) => out.push(t), err: () => {} }), 0);
    assert.match(
      out.join(''),
      new RegExp(
        '^the loss curve is flat within its noise: no rate stands out, so none is suggested ' +
          "\\(its pick, [\\d.e-]+, is no guide\\); keep the config's learning rate",
      ),
    );
    assert.doesNotMatch(out.join(''), /suggested learning rate/);
    // the plot says what the text says: no suggested range, no best rate (both were drawn on a flat curve)
    const svg = readFileSync(join(dir, 'lr', 'lr-find.svg'), 'utf8');
    assert.match(svg, /learning-rate range test \(flat within its noise: no rate is suggested\)/);
    assert.doesNotMatch(svg, /suggested range|best \d|suggested \d/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("auto's study names a flat lr-find curve's pick as no guide, as seqtune lr-find does", async () => {
  const { main } = await import('../../src/cli/main.js');
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-lr-'));
  try {
    writeNoise(dir, 'name: flat\ntune: {strategy: auto, trials: 1, storage: "memory:"}\n');
    const out: string[] = [];
    await main(['tune', join(dir, 'c.yaml')], { out: (t) => out.push(t), err: (t) => out.push(t) });
    const line = out
      .join('')
      .split('\n')
      .find((l) => l.startsWith('lr-find: '));
    assert.match(
      line ?? out.join(''),
      new RegExp(
        '^lr-find: the loss curve is flat within its noise: no rate stands out, so none is suggested ' +
          "\\(its pick, [\\d.e-]+, is no guide\\); auto keeps the diagnosis' rates$",
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lr-find on two threads sweeps the same curve as on one, within float rounding', async () => {
  const one = await lrFind(make, x, t, { steps: 40, batchSize: 16 });
  const two = await lrFind(make, x, t, { steps: 40, batchSize: 16, threads: 2 });
  assert.equal(two.points.length, one.points.length);
  const worst = two.points.reduce((w, p, i) => Math.max(w, Math.abs(p[1] - one.points[i]![1])), 0);
  assert.ok(worst > 0 && worst < 1e-4, `largest difference of the smoothed loss ${worst}`);
});

test('lr-find refuses options it cannot sweep, naming each, before it builds a model', async () => {
  let built = 0;
  const counted = () => {
    built++;
    return make();
  };
  const refused: [Parameters<typeof lrFind>[3], string][] = [
    [{ steps: 1 }, 'lrFind.steps: expected an integer >= 2, received 1'],
    [{ steps: 2.5 }, 'lrFind.steps: expected an integer >= 2, received 2.5'],
    [{ minLr: 1, maxLr: 0.1 }, 'lrFind.maxLr: expected a rate above minLr (1), received 0.1'],
    [{ maxLr: 1e-8 }, 'lrFind.maxLr: expected a rate above minLr (1e-7), received 1e-8'],
    [{ minLr: 0 }, 'lrFind.minLr: expected a positive number, received 0'],
    [{ maxLr: Number.NaN }, 'lrFind.maxLr: expected a positive number, received NaN'],
    [{ batchSize: 0 }, 'lrFind.batchSize: expected a positive integer, received 0'],
    [{ beta: 1 }, 'lrFind.beta: expected a number in [0, 1), received 1'],
    [{ threads: 0 }, 'lrFind.threads: expected a positive integer, received 0'],
  ];
  for (const [o, message] of refused) await assert.rejects(lrFind(counted, x, t, o), { name: 'ValueError', message });
  assert.equal(built, 0);
});

test("lr-find's sweep lets the event loop run between its steps, so Ctrl-C and SIGTERM stop it", async () => {
  // on one thread a sweep of --steps 100000 ignored Ctrl-C and SIGTERM (their handlers never ran) until it ended
  const seen = await stepTurns(() => lrFind(make, x, t, { steps: 20, batchSize: 16, maxLr: 1e-3 }));
  assert.equal(seen.length, 20);
  assert.ok(seen.at(-1)! >= seen[0]! + 19, `turns of the event loop at each step: ${seen.join(' ')}`);
});

test('seqtune lr-find refuses an --out it cannot make before it reads the CSV and sweeps: one taken, one below a file', async () => {
  // both were refused after the sweep: 'lr: already exists ...', 'c.yaml: exists, and is not a folder (EEXIST)'
  const { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { runCli } = await import('../helpers/run-cli.js');
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-lr-out-'));
  try {
    // a CSV that is not there: what is said is --out's, judged first
    writeFileSync(
      join(dir, 'c.yaml'),
      'data: {csv: no-such.csv, target: value, lookback: 12}\n' +
        'model: {layers: [{gru: {units: 4}}, {dense: {units: 1}}]}\n',
    );
    const taken = join(dir, 'lr');
    mkdirSync(taken);
    writeFileSync(join(taken, 'keep.txt'), 'mine');
    const below = join(dir, 'c.yaml', 'lr');
    for (const [out, said] of [
      [taken, `${taken}: already exists; seqtune does not overwrite a run folder (choose another --out)`],
      [below, `${below}: cannot make the run folder: the folder ${join(dir, 'c.yaml')} is a file, not a folder`],
    ]) {
      const r = await runCli(['lr-find', join(dir, 'c.yaml'), '--out', out!, '--steps', '20']);
      assert.equal(r.code, 2, r.err);
      assert.ok(r.err.startsWith(`seqtune: ${said}`), r.err);
    }
    assert.deepEqual(readdirSync(taken), ['keep.txt']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
