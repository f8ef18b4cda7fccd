// Every shipped example config parses, resolves and (when it has one) yields valid tune settings.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, resolveConfig } from '../../src/config/index.js';
import { tuneSettings } from '../../src/tune/settings.js';

const dir = join(import.meta.dirname, '..', '..', 'examples');

test('the example configs parse, and their tune sections are valid', async () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 5);
  for (const f of files) {
    const loaded = await loadConfig(join(dir, f));
    const cfg = resolveConfig(loaded.raw, loaded.name);
    if (cfg.tune) assert.equal(tuneSettings(cfg, loaded.file).strategy, 'auto', f);
  }
});
