// Settings of the property-based tests (fast-check): a small, fixed-seed run in the default suite; the fuzz run
// (npm run test:fuzz) sets SEQTUNE_FUZZ_RUNS=1000, and SEQTUNE_FUZZ_SEED replays another seed.

const positiveInteger = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${name}: expected a positive integer, received "${raw}"`);
  return v;
};

/** fast-check's numRuns and seed for every property of the suite. */
export function fuzzParams(): { numRuns: number; seed: number } {
  return { numRuns: positiveInteger('SEQTUNE_FUZZ_RUNS', 40), seed: positiveInteger('SEQTUNE_FUZZ_SEED', 14) };
}
