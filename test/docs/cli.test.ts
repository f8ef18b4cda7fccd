// docs/cli.md is every command's --help made from the program (npm run docs:cli); it fails here when a command, an
// option or a description changed and the file was not made again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLI_DOC, cliDoc } from '../../scripts/docs-cli.js';

test('docs/cli.md is what npm run docs:cli produces, and names every command', () => {
  const doc = readFileSync(new URL(`../../${CLI_DOC}`, import.meta.url), 'utf8');
  assert.equal(cliDoc(), doc, 'docs/cli.md is out of date: run npm run docs:cli');
  for (const c of ['train', 'predict', 'evaluate', 'export', 'tune', 'worker', 'study show', 'study delete', 'init'])
    assert.match(doc, new RegExp(`^## \`seqtune ${c}\`$`, 'm'));
  assert.match(doc, /--raw-io/);
});
