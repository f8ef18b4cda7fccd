// The one way the docs scripts (docs:config, docs:cli, docs:table) end: write the file they make when it changed, or
// with --check exit 1 when it is out of date (CI and the tests in test/docs/ check the same).

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `rel`: the file's path from the repository root; `make`: its content made from what is there now. */
export function writeDoc(script: string, rel: string, make: (before: string) => string): void {
  const file = fileURLToPath(new URL(`../${rel}`, import.meta.url));
  let before = '';
  try {
    before = readFileSync(file, 'utf8');
  } catch {}
  const after = make(before);
  if (process.argv.includes('--check')) {
    if (after !== before) {
      console.error(`${script}: ${rel} is out of date; run npm run ${script}`);
      process.exit(1);
    }
  } else if (after !== before) {
    writeFileSync(file, after);
    console.log(`${script}: ${rel} written`);
  } else console.log(`${script}: ${rel} is up to date`);
}
