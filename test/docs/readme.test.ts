// README.md's table of what exists is made from the registries (npm run docs:table); it fails here when
// an entry is added, renamed or redocumented and the table was not made again.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { REGISTRIES, registryTable, withTable } from '../../scripts/docs-table.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test("README's registry table is what the registries produce (npm run docs:table makes it)", () => {
  assert.equal(withTable(readme), readme, 'README.md is out of date: run npm run docs:table');
});

test('every entry of every registry has a doc line, and the table lists every name', () => {
  const table = registryTable();
  for (const r of REGISTRIES)
    for (const e of r.entries) {
      assert.ok(e.doc, `${r.info.kind} ${e.name} has no doc`);
      assert.ok(table.includes(`\`${e.name}\``), `${e.name} is in the table`);
    }
});
