// Property: any config a user could write, good or bad, either trains (exit 0, a complete run folder) or is refused
// with exit 2 and one line on stderr that names the file and the key (never a stack, never exit 1 for bad input,
// never a run folder or a half-written one left behind). The configs are a valid one with random keys replaced by
// good, bad or odd values, misspelt keys added, and random layer stacks. Runs and seed: test/helpers/fuzz.ts.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { fuzzParams } from '../helpers/fuzz.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-fuzz-config-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const rows = Array.from(
  { length: 60 },
  (_, i) => `${i},${Math.sin(i / 3).toFixed(4)},${Math.cos(i / 5).toFixed(4)},${'ab'[i % 2]}`,
);
const csv = `time,y,x1,cat\n${rows.join('\n')}\n`;

/** Values that are wrong for almost any key: of the wrong type, negative, fractional, empty. */
const junk = fc.constantFrom<unknown>(0, -1, 1.5, 'x', '', null, true, [], {}, [1, 2], { a: 1 });
/** Mostly a good value; sometimes one of the odd ones given (wrong for this key or this data), rarely junk. */
const pick = (good: fc.Arbitrary<unknown>, ...odd: unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: good, weight: 150 },
    ...(odd.length ? [{ arbitrary: fc.constantFrom(...odd), weight: 2 }] : []),
    { arbitrary: junk, weight: 1 },
  );
const maybe = (a: fc.Arbitrary<unknown>) => fc.option(a, { nil: undefined, freq: 2 });
const int = (lo: number, hi: number, ...odd: unknown[]) => pick(fc.integer({ min: lo, max: hi }), ...odd);
const some = <T>(values: T[], ...odd: unknown[]) => pick(fc.constantFrom(...values), ...odd);

const data = fc.record(
  {
    csv: some(['data.csv'], 'nope.csv', '.', 'c.yaml'),
    target: some(['y', 'x1', ['y', 'x1']], 'cat', 'time', 'nope', []),
    lookback: int(1, 6, 60, 1000),
    horizon: maybe(int(1, 3, 100)),
    stride: maybe(int(1, 3, 100)),
    skip_rows: maybe(int(0, 5, 59, 1000)),
    time: maybe(some(['time', ['time']], 'y', 'x1', 'cat', 'nope')),
    drop: maybe(some([['x1'], ['cat'], []], ['nope'], ['y'], ['time'])),
    features: maybe(some([['x1'], ['y', 'x1'], ['y']], ['cat'], ['nope'], ['time'], [])),
    categorical: maybe(some([{ cat: 'onehot' }, { cat: 'label' }], { nope: 'label' }, { y: 'label' }, { cat: 'one' })),
    missing: maybe(some(['error', 'drop', 'ffill', 'interpolate', { constant: 0 }], 'zero')),
    split: maybe(
      some(
        [
          { train: 0.6, val: 0.2, test: 0.2 },
          { train: [0, 30], val: [30, 45], test: [45, 60] },
        ],
        { train: 0.9, val: 0.05, test: 0.05 },
        { train: [0, 30], val: 0.2, test: 0.2 },
        { train: 0.8, val: 0.3, test: 0.3 },
        { train: 0.5 },
        { train: [30, 0], val: [30, 45], test: [45, 60] },
        { train: [0, 50], val: [40, 55], test: [55, 600] },
      ),
    ),
    scale: maybe(some(['minmax', 'standard', 'robust', 'none'], 'zscore')),
    relative: maybe(pick(fc.boolean())),
  },
  { requiredKeys: ['csv', 'target', 'lookback'] },
);

const activation = maybe(some(['tanh', 'softsign', 'relu', 'sigmoid'], 'bogus'));
const recurrent = fc
  .tuple(
    fc.constantFrom('gru', 'lstm', 'simple_rnn'),
    fc.record(
      {
        units: int(1, 6),
        return_sequences: maybe(pick(fc.boolean())),
        dropout: maybe(pick(fc.double({ min: 0, max: 0.5, noNaN: true }), 1, 2)),
        activation,
      },
      { requiredKeys: ['units'] },
    ),
  )
  .map(([k, o]) => ({ [k]: o }));
const layer = fc.oneof(
  { arbitrary: recurrent, weight: 6 },
  fc.record({ dense: fc.record({ units: int(1, 4), activation }, { requiredKeys: ['units'] }) }),
  fc.record({
    conv1d: fc.record({
      filters: int(1, 4),
      kernel_size: int(1, 8),
      padding: maybe(some(['same', 'valid', 'causal'])),
    }),
  }),
  fc.record({ dropout: fc.record({ rate: pick(fc.double({ min: 0, max: 0.9, noNaN: true }), 1) }) }),
  fc.constantFrom<unknown>({ flatten: {} }, { grux: { units: 2 } }, { gru: { unitz: 2 } }, 'gru', { gru: 3 }),
);
/**
 * Mostly a stack that fits together (recurrent layers, each but the last returning sequences, then a dense head as
 * wide as horizon x targets); sometimes any layers in any order with a head of any width.
 */
function model(outputs: number): fc.Arbitrary<unknown> {
  const sensible = fc.array(recurrent, { minLength: 1, maxLength: 2 }).map((rs) =>
    rs.map((r, i) => {
      const [k, o] = Object.entries(r)[0]!;
      return { [k]: { ...(o as object), return_sequences: i < rs.length - 1 } };
    }),
  );
  const any = fc.array(layer, { maxLength: 3 });
  const head = fc.record({ dense: fc.record({ units: int(outputs, outputs, outputs + 1) }) });
  return fc
    .tuple(fc.oneof({ arbitrary: sensible, weight: 4 }, { arbitrary: any, weight: 1 }), head)
    .map(([l, h]) => ({ layers: [...l, h] }));
}

const train = fc.record(
  {
    optimizer: maybe(
      some(
        ['adam', 'sgd', { sgd: { learning_rate: 0.1, momentum: 0.9 } }, { adam: { learning_rate: 0.01 } }],
        'adamx',
        { adam: { learning_rate: 1e6 } },
        { adam: { lr: 0.1 } },
      ),
    ),
    loss: maybe(some(['mse', 'mae', { huber: { delta: 0.5 } }], 'bogus')),
    epochs: int(1, 2),
    batch_size: maybe(int(1, 64, 1000)),
    clipnorm: maybe(some([1, 5])),
    clipvalue: maybe(some([0.5])),
    on_nan: maybe(some(['stop', 'skip_batch', 'continue'])),
    shuffle: maybe(pick(fc.boolean())),
    metrics: maybe(pick(fc.subarray(['mae', 'rmse', 'mape', 'smape', 'mse']), ['bogus'])),
    validation: maybe(some(['val', 'test'], 'train')),
    schedule: maybe(some([{ cosine: { t_max: 2 } }, { step: { every: 1, factor: 0.5 } }], 'cosine')),
    callbacks: maybe(
      fc.array(
        fc.oneof(
          fc.record({
            early_stopping: fc.record({
              monitor: some(['val_loss', 'loss', 'val_mae'], 'val_lss'),
              patience: int(0, 2),
              restore_best_weights: pick(fc.boolean()),
            }),
          }),
          fc.record({ reduce_lr_on_plateau: fc.record({ factor: some([0.5], 2), patience: int(0, 1) }) }),
          fc.constantFrom<unknown>({ terminate_on_nan: {} }),
        ),
        { maxLength: 2 },
      ),
    ),
  },
  { requiredKeys: ['epochs'] },
);

/** A key a user might misspell, put where it does not belong. */
const typo = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 12 },
  fc.tuple(fc.constantFrom('', 'data', 'train'), fc.constantFrom('trian', 'lookbak', 'epoch', 'batchsize', 'tagret')),
);

const outputsOf = (d: Record<string, unknown>) =>
  (Number.isInteger(d.horizon) && (d.horizon as number) > 0 ? (d.horizon as number) : 1) *
  (Array.isArray(d.target) && d.target.length ? d.target.length : 1);
const config = fc
  .record({
    data: data.chain((d) => fc.tuple(fc.constant(d), model(outputsOf(d)))),
    train,
    evaluate: maybe(
      fc.record({
        baselines: pick(fc.subarray(['persistence', 'mean', { seasonal_naive: { season: 2 } }]), ['naive']),
      }),
    ),
    typo,
  })
  .map(({ typo: t, data: [d, m], ...c }) => {
    const out = JSON.parse(JSON.stringify({ data: d, model: m, ...c })) as Record<string, Record<string, unknown>>;
    if (t) {
      const [section, key] = t;
      if (section === '') (out as Record<string, unknown>)[key] = 1;
      else out[section]![key] = 1;
    }
    return out;
  });

let n = 0;
test('a random config trains (exit 0, a whole run folder) or exits 2 with one line naming file and key', async (t) => {
  const seen = { trained: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(config, async (cfg) => {
      const name = `case${n++}`;
      const caseDir = join(dir, name);
      mkdirSync(caseDir);
      writeFileSync(join(caseDir, 'data.csv'), csv);
      writeFileSync(join(caseDir, 'c.yaml'), stringify(cfg));
      const out = join(caseDir, 'run');
      const r = await runCli(['train', join(caseDir, 'c.yaml'), '--out', out, '--quiet']);
      const left = readdirSync(caseDir).filter((f) => f.includes('partial'));
      assert.deepEqual(left, [], 'no half-written run folder');
      seen[r.code === 0 ? 'trained' : 'refused']++;
      if (r.code === 0) {
        assert.ok(existsSync(join(out, 'metrics.json')) && existsSync(join(out, 'model', 'model.json')));
      } else {
        assert.equal(r.code, 2, `exit ${r.code} for ${stringify(cfg)}\n${r.err}`);
        assert.equal(r.err.split('\n').length, 2, `one line: ${r.err}`);
        assert.match(r.err, /^seqtune: \/\S*: \S/, `names the file: ${r.err}`);
        assert.doesNotMatch(r.err, /\n\s+at /);
        assert.ok(!existsSync(out), 'no run folder');
      }
      rmSync(caseDir, { recursive: true, force: true });
    }),
    fuzzParams(),
  );
  t.diagnostic(
    `${seen.trained} configs trained, ${seen.refused} refused with exit 2 (${JSON.stringify(fuzzParams())})`,
  );
});
