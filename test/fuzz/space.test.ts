// Properties of random tune: sections and search spaces (good keys, misspelt keys, prototype paths, paths the config
// does not have; lists, ranges, stacks, conditions, junk): the settings are either accepted, and then every sampled
// trial config is a valid config, or refused with one ConfigError line that names the file and the key; nothing
// ever reaches Object.prototype. A few go through `seqtune tune` itself: exit 0, 1 (no trial completed) or 2 with
// one line, and no half-written run folder. Runs and seed: test/helpers/fuzz.ts.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError, compiledModel, configSchema, parseConfig, resolveConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { Rng } from '../../src/nn/index.js';
import { applyParams, gridOf, RandomSampler, tuneSettings } from '../../src/tune/index.js';
import { fuzzParams } from '../helpers/fuzz.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-fuzz-space-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const csv = syntheticCsv({ length: 200, seed: 3 });
const BASE = {
  data: { csv: 'series.csv', target: 'value', lookback: 6, split: { train: 0.6, val: 0.2, test: 0.2 } },
  model: { layers: [{ gru: { units: 3 } }, { dense: { units: 1 } }] },
  train: { epochs: 1, batch_size: 32, optimizer: { adam: { learning_rate: 0.01 } } },
};

const junk = fc.constantFrom<unknown>(0, -1, 1.5, 'x', '', null, true, [], {}, [1, 2], { a: 1 });
/** Config paths a space may search, each with values it takes. */
const GOOD: Record<string, fc.Arbitrary<unknown>> = {
  'train.batch_size': fc.integer({ min: 1, max: 64 }),
  'model.layers[0].gru.units': fc.integer({ min: 1, max: 6 }),
  'model.layers[0].gru.dropout': fc.constantFrom(0, 0.1, 0.3),
  'train.optimizer.adam.learning_rate': fc.constantFrom(0.001, 0.01, 0.1),
  'train.optimizer.sgd.momentum': fc.constantFrom(0, 0.5, 0.9),
  'data.lookback': fc.integer({ min: 1, max: 12 }),
  'data.scale': fc.constantFrom('minmax', 'standard', 'robust', 'none'),
  'train.clipnorm': fc.constantFrom(1, 5),
  'train.on_nan': fc.constantFrom('stop', 'skip_batch', 'continue'),
  seed: fc.integer({ min: 0, max: 9 }),
};
const goodKeys = Object.keys(GOOD);
const badKeys = [
  '__proto__.polluted',
  'constructor.prototype.polluted',
  'train.__proto__.polluted',
  'prototype',
  '__proto__',
  'train.batchsize',
  'model.layers[7].gru.units',
  'model.layers[0].lstm.units',
  'model.layers[0].gru.units.deep',
  'tune.trials',
  'train..x',
  '',
  'nothing.at.all',
];
/** Mostly one of `good`; sometimes one of `odd`, rarely junk. */
const pick = (good: fc.Arbitrary<unknown>, ...odd: unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: good, weight: 40 },
    ...(odd.length ? [{ arbitrary: fc.constantFrom(...odd), weight: 3 }] : []),
    { arbitrary: junk, weight: 1 },
  );
const key = fc.oneof({ arbitrary: fc.constantFrom(...goodKeys), weight: 12 }, fc.constantFrom(...badKeys));
const anyValue = fc.oneof(
  fc.integer({ min: 1, max: 64 }),
  fc.constantFrom<unknown>(0.001, 0.5, 'minmax', 'skip_batch', 'bogus', true),
  junk,
);
/** Values for key `k`: mostly its own, sometimes anything. */
const valuesFor = (k: string) =>
  fc.oneof({ arbitrary: Object.hasOwn(GOOD, k) ? GOOD[k]! : anyValue, weight: 20 }, anyValue);
const pair = fc
  .tuple(fc.double({ min: 0.0001, max: 0.5, noNaN: true }), fc.double({ min: 0.0001, max: 0.5, noNaN: true }))
  .map(([a, b]) => (a < b ? [a, b] : [b, a]));
const ints = fc.tuple(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 32 })).map(([a, b]) => [a, b + a]);
const stack = fc.record(
  {
    cell: pick(fc.constantFrom('gru', 'lstm', 'simple_rnn'), 'gruu', 3),
    layers: pick(fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 1, maxLength: 2 })),
    units: pick(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 })),
    options: pick(fc.constant({ dropout: 0.1 }), { dropuot: 0.1 }, 'x'),
  },
  { requiredKeys: [] },
);
/** A distribution for key `k`: lists of its values mostly; ranges, stacks and junk too. */
const distribution = (k: string) =>
  fc.oneof(
    { arbitrary: fc.array(valuesFor(k), { minLength: 1, maxLength: 3 }), weight: 10 },
    fc.record({ choice: fc.array(valuesFor(k), { maxLength: 3 }) }),
    fc.record({ uniform: pick(pair, [2, 1]) }),
    { arbitrary: fc.record({ loguniform: pick(pair, [0, 1]) }), weight: 2 },
    {
      arbitrary: fc.record({ int: pick(ints, [4, 2]), log: fc.option(pick(fc.boolean()), { nil: undefined }) }),
      weight: 2,
    },
    fc.record({ stack }),
    fc.constantFrom<unknown>({ int: [1, 4], lg: true }, { uniform: [0, 1], choice: [1] }, 3, 'x', null, { a: 1 }),
  );
const entry = fc.oneof(
  { arbitrary: fc.constant(['model.layers', { stack: { cell: 'gru', layers: [1, 2], units: [2, 3] } }]), weight: 1 },
  { arbitrary: key.chain((k) => fc.tuple(fc.constant(k), distribution(k))), weight: 12 },
);
const space = fc
  .array(fc.tuple(entry, fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, fc.tuple(key, anyValue))), {
    minLength: 1,
    maxLength: 3,
  })
  .map((entries) => {
    const out: Record<string, unknown> = {};
    for (const [[k, d], when] of entries as [[string, unknown], [string, unknown] | undefined][])
      Object.defineProperty(out, k, {
        value:
          when && d !== null && typeof d === 'object' && !Array.isArray(d) ? { ...d, when: { [when[0]]: when[1] } } : d,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  });
const rare = (a: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 10 }, a);
const tune = fc
  .record({
    strategy: pick(fc.constantFrom('random', 'grid', 'tpe', 'ofat'), 'auto', 'bogus'),
    objective: rare(fc.constantFrom<unknown>('val_loss', 'loss', 'val_mae', 'val_mse', 'lr', 'bogus')),
    pruner: rare(
      fc.constantFrom<unknown>('asha', 'median', { hyperband: { min_epochs: 1 } }, { asha: { min_epoch: 1 } }, 'ashaa'),
    ),
    order: rare(fc.constantFrom<unknown>(['train.batch_size'], ['nope'])),
    trails: rare(fc.constant(3)),
    space,
  })
  .map((t) => JSON.parse(JSON.stringify(t, (k, v) => v)) as Record<string, unknown>);

const polluted = () => ({}) as Record<string, unknown>;

/** The settings of `t` for the base config as a file at `file`, or the ConfigError it gives. */
function settingsOf(t: unknown, file: string) {
  const text = stringify({ ...BASE, tune: t });
  try {
    return tuneSettings(resolveConfig(parseConfig(text, file), 'fz'), file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e;
  }
}

test('a random tune: section is accepted (every sampled config valid) or refused with one line naming the key', (t) => {
  const file = join(dir, 'fz.yaml');
  const seen = { accepted: 0, refused: 0 };
  fc.assert(
    fc.property(tune, fc.integer({ min: 0, max: 1000 }), (section, seed) => {
      const s = settingsOf(section, file);
      assert.equal(polluted().polluted, undefined, 'nothing reached Object.prototype');
      if (s instanceof ConfigError) {
        seen.refused++;
        assert.equal(s.message.split('\n').length, 1);
        assert.match(s.message, new RegExp(`^${file.replaceAll('.', '\\.')}: tune(\\.|:|\\[| )`), s.message);
        return;
      }
      seen.accepted++;
      const base = resolveConfig(configSchema.parse(BASE), 'fz');
      const params =
        s.strategy === 'grid' ? gridOf(s.space).slice(0, 3) : [new RandomSampler().sample(s.space, [], new Rng(seed))];
      for (const p of params) {
        if (!p) continue;
        const cfg = applyParams(base, p);
        assert.ok(configSchema.safeParse(cfg).success, JSON.stringify(p));
        try {
          compiledModel(file, cfg, 1).dispose();
        } catch (e) {
          assert.ok(e instanceof ConfigError, (e as Error).stack); // a trial that fails, with a message naming it
        }
      }
    }),
    fuzzParams(),
  );
  t.diagnostic(`${seen.accepted} tune: sections accepted, ${seen.refused} refused (${JSON.stringify(fuzzParams())})`);
});

let n = 0;
test('seqtune tune on random spaces: exit 0, 1 (no trial completed) or 2 (one line); no partial folder', async (t) => {
  const { numRuns, seed } = fuzzParams();
  const codes: number[] = [];
  await fc.assert(
    fc.asyncProperty(tune, async (section) => {
      const caseDir = join(dir, `tune${n++}`);
      mkdirSync(caseDir);
      writeFileSync(join(caseDir, 'series.csv'), csv);
      const f = join(caseDir, 'c.yaml');
      writeFileSync(f, stringify({ ...BASE, tune: { ...section, jobs: 1, trials: 2, storage: 'sqlite:s.db' } }));
      const r = await runCli(['tune', f, '--out', join(caseDir, 'best')]);
      codes.push(r.code);
      assert.ok([0, 1, 2].includes(r.code), r.err);
      if (r.code === 2) assert.equal(r.err.split('\n').length, 2, r.err);
      assert.doesNotMatch(r.err, /\n\s+at /);
      assert.deepEqual(
        readdirSync(caseDir).filter((x) => x.includes('partial')),
        [],
      );
      assert.equal(polluted().polluted, undefined);
      rmSync(caseDir, { recursive: true, force: true });
    }),
    { numRuns: Math.max(3, Math.ceil(numRuns / 10)), seed },
  );
  const count = (c: number) => codes.filter((x) => x === c).length;
  t.diagnostic(`seqtune tune: ${count(0)} studies ran, ${count(1)} with no completed trial, ${count(2)} refused`);
});
