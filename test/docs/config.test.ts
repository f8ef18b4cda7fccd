// docs/config.md is made from the config schema, the registries and the defaults (npm run docs:config); it fails
// here when a key, a default or a registry entry changed and the file was not made again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { z } from 'zod';
import {
  CONFIG_DOC,
  configDoc,
  flow,
  objectOptions,
  optionDefaults,
  TUNE_KEYS,
  typeText,
} from '../../scripts/docs-config.js';
import { REGISTRIES } from '../../scripts/docs-table.js';
import { parseConfig } from '../../src/config/index.js';
import {
  activationRegistry,
  getInitializer,
  getLoss,
  initializerRegistry,
  type LayerEntry,
  layerFromSpec,
} from '../../src/nn/index.js';
import { Rng } from '../../src/nn/random.js';
import { getOptimizer, getSchedule, OPTIMIZERS, optimizerRegistry } from '../../src/optim/index.js';
import { camel, type Entry } from '../../src/registry.js';
import { callbackRegistry } from '../../src/train/index.js';
import { tuneSettings } from '../../src/tune/settings.js';

test('docs/config.md is what npm run docs:config produces', () => {
  const doc = readFileSync(new URL(`../../${CONFIG_DOC}`, import.meta.url), 'utf8');
  assert.equal(configDoc(), doc, 'docs/config.md is out of date: run npm run docs:config');
});

test("the tune: keys written by hand in docs/config.md carry tuneSettings' defaults", () => {
  const cfg = parseConfig(
    'data: {csv: x.csv, target: y, lookback: 2}\nmodel: {layers: [{dense: {units: 1}}]}',
    'c.yaml',
  );
  const s = tuneSettings(cfg, '/tmp/c.yaml');
  const def = (k: string) => TUNE_KEYS.find((t) => t.key === k)!.default;
  assert.equal(def('strategy'), `\`${s.strategy}\``);
  assert.equal(def('objective'), `\`${s.objective}\``);
  assert.ok(def('trials').startsWith(`\`${s.trials}\`;`), def('trials'));
  assert.equal(def('repeats'), `\`${s.repeats}\``);
  assert.equal(s.timeBudget, Infinity);
  assert.equal(s.pruner, undefined);
  assert.equal(s.storage, 'sqlite:/tmp/seqtune.db');
  assert.match(def('storage'), /^`sqlite:seqtune\.db`/);
});

test('docs/config.md names every option of every layer, loss, optimizer, schedule, callback, initializer and regularizer', () => {
  // model.layers and train.optimizer sent readers to the README's registry table, which named some options only:
  // go_backwards, use_bias, rmsprop's epsilon, reduce_lr_on_plateau's monitor were nowhere in the docs
  const doc = readFileSync(new URL(`../../${CONFIG_DOC}`, import.meta.url), 'utf8');
  const rows = doc.split('\n## Component options\n')[1]?.split('\n## ')[0]?.split('\n') ?? [];
  let checked = 0;
  for (const r of REGISTRIES)
    for (const e of r.entries) {
      if (!(e.options instanceof z.ZodObject)) continue;
      const row = rows.find((l) => l.startsWith(`| \`${e.name}\` | `));
      assert.ok(row, `${r.info.kind} ${e.name}: no row in ${CONFIG_DOC}`);
      for (const k of Object.keys(e.options.shape)) {
        assert.ok(row.includes(`\`${k}\``), `${r.info.kind} ${e.name}.${k} is not in its row: ${row}`);
        checked++;
      }
    }
  assert.ok(checked > 80, `${checked} options`);
});

test('a number bounded on both sides is written with both bounds', () => {
  // sgd's dampening read 'number >= 0' where its check refuses above 1 (1 - dampening is the gradient's share)
  assert.equal(typeText({ type: 'number', minimum: 0, maximum: 1 }), 'number in [0, 1]');
  const doc = readFileSync(new URL(`../../${CONFIG_DOC}`, import.meta.url), 'utf8');
  assert.match(doc, /\| `sgd` \| [^\n]*`dampening`: number in \[0, 1\][,;]/);
  assert.throws(
    () =>
      parseConfig(
        'data: {csv: x.csv, target: y, lookback: 2}\nmodel: {layers: [{dense: {units: 1}}]}\n' +
          'train: {optimizer: {sgd: {momentum: 0.9, dampening: 1.5}}}',
        'c.yaml',
      ),
    /train\.optimizer\.sgd\.dampening: expected a number in \[0, 1\], received 1\.5$/,
  );
});

test("docs/config.md gives every optimizer option's default, the one the optimizer trains with, and whose it is", () => {
  // rmsprop's rho 0.9 is Keras' (PyTorch's alpha 0.99), its epsilon 1e-8 PyTorch's (Keras' 1e-7), adamw's
  // weight_decay 0.01 PyTorch's (Keras' 0.004): none of it was written anywhere
  const doc = readFileSync(new URL(`../../${CONFIG_DOC}`, import.meta.url), 'utf8');
  for (const name of OPTIMIZERS) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` | \`learning_rate\``));
    assert.ok(row, `no row for ${name}`);
    const trained = getOptimizer(name).getConfig().config;
    const keys = Object.keys((optimizerRegistry.get(name).options as z.ZodObject).shape);
    for (const k of keys) {
      const v = trained[camel(k)];
      assert.ok(v !== undefined, `${name}.${k} is not in getConfig`);
      assert.ok(row.includes(`\`${k}\`: `) && row.includes(`, default ${v}`), `${name}.${k} default ${v}: ${row}`);
      assert.match(row, new RegExp(`\`${k}\`: [^;|]*, default ${String(v).replace('.', '\\.')}[ ;|]`), `${name}.${k}`);
    }
  }
  assert.match(doc, /`rho`: number in \[0, 1\), default 0\.9 \(Keras'; PyTorch's alpha 0\.99\)/);
  assert.match(doc, /`adamw` \|[^\n]*`weight_decay`: number ≥ 0, default 0\.01 \(PyTorch's; Keras' 0\.004\)/);
});

/** Options of `e` as a config file writes them: its required ones (its example's values, or these), then `more`. */
function withRequired(e: Entry, more: Record<string, unknown>): Record<string, unknown> {
  const required = objectOptions(e)?.required ?? [];
  const example = ((e as LayerEntry).example ?? {}) as Record<string, unknown>;
  const fallback: Record<string, unknown> = { t_max: 7, t_0: 3 };
  return { ...Object.fromEntries([...required].map((k) => [k, example[k] ?? fallback[k]])), ...more };
}

/** What a component does, to compare: a layer's config, an initializer's draws, a schedule's rates, and so on. */
function behaviour(kind: string, e: Entry, options: Record<string, unknown>): unknown {
  const spec = { [e.name]: options };
  switch (kind) {
    case 'layer': {
      // an initializer or activation as the one it names, whatever the spelling (glorotUniform, glorot_uniform)
      const { name: _, ...config } = layerFromSpec(spec, 'layer', [6, 3]).getConfig();
      const named = (v: unknown) =>
        typeof v === 'string' ? ((initializerRegistry.find(v) ?? activationRegistry.find(v))?.name ?? v) : v;
      return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, named(v)]));
    }
    case 'initializer':
      return Array.from(getInitializer(spec as never).init([7, 5], new Rng(3)));
    case 'loss': {
      const pred = Float32Array.from([-3, -0.5, 0, 0.2, 2.5]),
        target = new Float32Array(5),
        grad = new Float32Array(5);
      return [getLoss(spec as never).compute(pred, 0, 5, target, 1, 5, grad), Array.from(grad)];
    }
    case 'schedule': {
      const s = getSchedule(spec as never);
      return Array.from({ length: 60 }, (_, epoch) => [s.lrAt(epoch, 0.1), s.isCycleEnd?.(epoch)]);
    }
    case 'callback':
      return JSON.stringify(callbackRegistry.get(e.name).build(callbackRegistry.parse(spec).options));
    default:
      throw new Error(`no behaviour for a ${kind}`);
  }
}

test('every default docs/config.md writes beside a layer, initializer, loss, schedule or callback option is what leaving it out does', () => {
  // the layers', schedules', callbacks', initializers' and losses' defaults were written nowhere (only the
  // optimizers' were); each printed default is now given explicitly and must change nothing
  const doc = readFileSync(new URL(`../../${CONFIG_DOC}`, import.meta.url), 'utf8');
  let checked = 0;
  for (const r of REGISTRIES) {
    const kind = r.info.kind;
    if (!['layer', 'initializer', 'loss', 'schedule', 'callback'].includes(kind)) continue;
    for (const e of r.entries) {
      const defaults = optionDefaults(kind, e);
      if (Object.keys(defaults).length === 0) continue;
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${e.name}\` | `))!;
      const implicit = behaviour(kind, e, withRequired(e, {}));
      for (const [k, d] of Object.entries(defaults)) {
        assert.ok(row.includes(`\`${k}\`: `) && row.includes(`, default ${flow(d)}`), `${e.name}.${k}: ${row}`);
        // a default that names another option (pooling's strides: pool_size) is that option's default
        const value = typeof d === 'string' && d in defaults ? defaults[d] : d;
        const explicit = behaviour(kind, e, withRequired(e, { [k]: value }));
        assert.deepEqual(
          explicit,
          implicit,
          `${kind} ${e.name}.${k}: default ${flow(d)} does not do what leaving it out does`,
        );
        checked++;
      }
    }
  }
  assert.ok(checked > 60, `${checked} defaults`);
  assert.match(
    doc,
    /`batch_normalization` \| `momentum`: number in \[0, 1\), default 0\.99 \(Keras'; PyTorch's momentum 0\.1/,
  );
  assert.match(
    doc,
    /`max_pooling1d` \| `pool_size`: integer > 0, default 2; `strides`: integer > 0, default pool_size;/,
  );
});
