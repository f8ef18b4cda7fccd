// The layer registry: every layer builds from a config file's options and comes back from its saved
// config with the same config, so the registry is the one list the schema, the builder and loading share.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layerFromConfig, layerFromSpec, layerRegistry, serializeLayer } from '../../src/nn/index.js';

test('every layer in the registry builds from its config-file options and loads back from its saved config', () => {
  for (const entry of layerRegistry.entries) {
    const spec = { [entry.name]: entry.example ?? {} };
    assert.equal(entry.options.safeParse(spec[entry.name]).success, true, entry.name);
    const layer = layerFromSpec(spec, 'layer', [4, 3]);
    assert.equal(layer.className, entry.className);
    const back = layerFromConfig(JSON.parse(JSON.stringify(serializeLayer(layer))));
    assert.deepEqual(back.getConfig(), layer.getConfig(), entry.name);
    assert.ok(entry.doc.length > 0, `${entry.name} has a doc line`);
  }
});

test('a layer that takes an input shape gets it as the first layer, wrappers pass it in', () => {
  assert.deepEqual(layerFromSpec({ gru: { units: 2 } }, 'l', [4, 3]).getConfig().inputShape, [4, 3]);
  const bi = layerFromSpec({ bidirectional: { gru: { units: 2 } } }, 'l', [4, 3]).getConfig();
  assert.deepEqual((bi.layer as { config: { inputShape: number[] } }).config.inputShape, [4, 3]);
});

test('conv1d takes every option the layer supports (the schema and the layer no longer drift)', () => {
  const o = {
    filters: 2,
    kernel_size: 2,
    kernel_initializer: 'he_normal',
    bias_initializer: 'ones',
    bias_regularizer: { l2: 0.1 },
    activity_regularizer: { l1: 0.01 },
  };
  const c = layerFromSpec({ conv1d: o }).getConfig();
  assert.equal(c.kernelInitializer, 'he_normal');
  assert.equal(c.biasInitializer, 'ones');
  assert.deepEqual(c.biasRegularizer, { className: 'l2', config: { l2: 0.1 } });
  assert.deepEqual(c.activityRegularizer, { className: 'l1', config: { l1: 0.01 } });
});

test('unknown layers and options are named, with a suggestion', () => {
  assert.throws(
    () => layerFromSpec({ grux: { units: 2 } }, 'm'),
    /m: expected one of gru, lstm.*\(did you mean "gru"\?\)/,
  );
  assert.throws(
    () => layerFromSpec({ gru: { units: 0 } }, 'm'),
    /m.gru.units: expected a positive integer, received 0/,
  );
  assert.throws(
    () => layerFromConfig({ className: 'Gru', config: {} }, 'layers[0]'),
    /layers\[0\].className: expected one of GRU, LSTM.*received "Gru" \(did you mean "GRU"\?\)/,
  );
});
