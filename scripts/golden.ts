// npm run golden -- [--threads N] PATH...: every fixture through seqtune's engine; exit 1 if any number is off
// by more than 1e-4 + 1e-3*|want|. With --threads N (N > 1) the rnn fixtures' loss and gradients come from one
// training step with the batch split between N threads (train/threads); the other kinds run on one thread.
import { ATOL, fixtureFiles, RTOL, runFixture, runFixtureThreaded } from './verify/golden.js';

const args = process.argv.slice(2);
const at = args.indexOf('--threads');
const threads = at >= 0 ? Number(args[at + 1]) : 1;
if (!(Number.isInteger(threads) && threads >= 1)) {
  console.error(`golden: --threads: expected a positive integer, received ${args[at + 1]}`);
  process.exit(2);
}
const paths = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;
if (paths.length === 0) {
  console.error('usage: npm run golden -- FILE_OR_DIR...   (e.g. ../shared/golden/fixtures)');
  process.exit(2);
}
let failed = 0,
  files: string[];
try {
  files = fixtureFiles(paths);
} catch (e) {
  console.error(`golden: ${(e as Error).message}`);
  process.exit(2);
}
for (const file of files) {
  try {
    const r = (threads > 1 ? await runFixtureThreaded(file, threads) : null) ?? runFixture(file);
    if (!r.pass) failed++;
    console.log(
      `${r.pass ? 'ok  ' : 'FAIL'} ${r.name.padEnd(24)} ${r.kind.padEnd(9)} ` +
        `max abs ${r.maxAbs.toExponential(2)}  max rel ${r.maxRel.toExponential(2)}  ` +
        `(${r.checked} numbers)${r.pass ? '' : `  ${r.worst}`}`,
    );
  } catch (e) {
    failed++;
    console.log(`FAIL ${file}: ${(e as Error).message}`);
  }
}
console.log(`${files.length - failed} passed, ${failed} failed (tolerance ${ATOL} + ${RTOL}*|want|)`);
process.exit(failed ? 1 : 0);
