// npm run test:fuzz: every property of test/fuzz/*.test.ts at 1000 cases (SEQTUNE_FUZZ_RUNS, unless set already;
// the default `npm test` runs the same files at test/helpers/fuzz.ts's small default). SEQTUNE_FUZZ_SEED picks
// another seed. Run once per issue that touches input handling; the counts each property prints go in its note.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const files = readdirSync('test/fuzz')
  .filter((f) => f.endsWith('.test.ts'))
  .sort()
  .map((f) => join('test/fuzz', f));
const env = { ...process.env, SEQTUNE_FUZZ_RUNS: process.env.SEQTUNE_FUZZ_RUNS || '1000' };
const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', ...files], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
