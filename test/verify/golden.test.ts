// Every PyTorch fixture: the shared set (../shared/golden/fixtures) when present, and the extra
// fixtures committed here (test/fixtures/golden, made by test/fixtures/gen_extra_golden.py and gen_layer_golden.py).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fixtureFiles, runFixture, runFixtureThreaded } from '../../scripts/verify/golden.js';

const shared = fileURLToPath(new URL('../../../shared/golden/fixtures', import.meta.url));
const extra = fileURLToPath(new URL('../fixtures/golden', import.meta.url));

for (const [label, dir] of [
  ['shared', shared],
  ['extra', extra],
] as const) {
  if (!existsSync(dir)) {
    test(`golden fixtures (${label})`, { skip: `${dir} is absent` }, () => {});
    continue;
  }
  for (const file of fixtureFiles([dir])) {
    test(`golden ${label}: ${file.split('/').pop()}`, () => {
      const r = runFixture(file);
      assert.ok(r.pass, `${r.name}: max abs ${r.maxAbs}, max rel ${r.maxRel}; first failure ${r.worst}`);
      assert.ok(r.checked > 0);
    });
  }
}

// The same loss and gradients with each batch split between two threads (train/threads), on every rnn fixture.
test('golden rnn fixtures on 2 threads: the reduced loss and gradients match PyTorch', async () => {
  let rnn = 0;
  for (const file of fixtureFiles([shared, extra].filter((d) => existsSync(d)))) {
    const r = await runFixtureThreaded(file, 2);
    if (!r) continue;
    rnn++;
    assert.ok(r.pass, `${r.name}: max abs ${r.maxAbs}, max rel ${r.maxRel}; first failure ${r.worst}`);
  }
  assert.ok(rnn > 0, 'the extra set has rnn fixtures');
});
