// How many cases each property of test/fuzz/ runs, and from which seed: SEQTUNE_FUZZ_RUNS (default 40, small enough
// for the default `npm test`; `npm run test:fuzz` sets 1000) and SEQTUNE_FUZZ_SEED (default 14, so a failure in
// the default suite is the same failure on every machine). fast-check prints the seed and the path of a failing
// case; run it again with SEQTUNE_FUZZ_SEED=<seed>. Every test/fuzz/*.test.ts passes `fuzzParams()` to fc.assert.

const DEFAULT_RUNS = 40;
const DEFAULT_SEED = 14;

function intFromEnv(name: string, fallback: number, min: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min)
    throw new Error(`${name}: expected an integer >= ${min}, received "${text}"`);
  return n;
}

/** `{ numRuns, seed }` for fc.assert, from SEQTUNE_FUZZ_RUNS and SEQTUNE_FUZZ_SEED. */
export function fuzzParams(): { numRuns: number; seed: number } {
  return {
    numRuns: intFromEnv('SEQTUNE_FUZZ_RUNS', DEFAULT_RUNS, 1),
    seed: intFromEnv('SEQTUNE_FUZZ_SEED', DEFAULT_SEED, -(2 ** 31)),
  };
}
