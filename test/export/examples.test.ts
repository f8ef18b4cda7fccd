// Every shipped example config's model shape, exported to ONNX: the config's layers (recurrent units and filters
// cut to at most 8, so the check takes milliseconds; lookback, features and horizon as written) with random
// weights, run in ONNX Runtime on real windows, give seqtune's predict to 1e-5.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildLayers, loadConfig, type RawConfig } from '../../src/config/index.js';
import { sequential } from '../../src/train/index.js';
import { exportedDiff, randomize } from './helpers.js';

const dir = join(import.meta.dirname, '..', '..', 'examples');
const SMALL = 8;

/** A layer spec with its recurrent units and conv filters cut to SMALL (nested specs too); dense kept. */
function shrink(spec: unknown): unknown {
  if (Array.isArray(spec)) return spec.map(shrink);
  if (spec === null || typeof spec !== 'object') return spec;
  return Object.fromEntries(
    Object.entries(spec).map(([k, v]) => {
      if (k === 'dense') return [k, v];
      if ((k === 'units' || k === 'filters') && typeof v === 'number') return [k, Math.min(v, SMALL)];
      return [k, shrink(v)];
    }),
  );
}

test('every example config, as a tiny model of its shape, runs in ONNX Runtime as in predict', async () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 5);
  for (const f of files) {
    const { raw, file } = await loadConfig(join(dir, f));
    const small: RawConfig = {
      ...raw,
      model: { ...raw.model, layers: shrink(raw.model.layers) as RawConfig['model']['layers'] },
    };
    const shape: [number, number] = [raw.data.lookback, raw.data.features?.length ?? 1];
    const model = sequential(buildLayers(file, small, shape), { inputShape: shape, seed: 2 });
    randomize(model);
    const { diff } = await exportedDiff(model);
    model.dispose();
    assert.ok(diff <= 1e-5, `${f}: max |onnx - predict| = ${diff}`);
  }
});
