// TPE's schedules: how many of the finished trials count as good (gamma), how much each observation weighs, and
// how many random trials come first.

/**
 * Trials in the good group out of n finished: ceil(0.2 n), at least 1 and at most 25. Optuna's default is
 * ceil(0.1 n); Watanabe 2023 finds a larger quantile more exploitative and better on short budgets, and so does
 * npm run bench:search (Hartmann6 median best at 60 trials -2.79 with 0.1, -3.00 with 0.2; BENCHMARKS.md).
 */
export const goodCount = (n: number): number => Math.max(1, Math.min(Math.ceil(0.2 * n), 25));

/**
 * Weights of n observations in the order the trials were made: the newest 25 weigh 1, older ones ramp linearly
 * from 1/n up (Bergstra et al. 2013's and Optuna's default), so early trials from a cruder model fade.
 */
export function ageWeights(n: number): number[] {
  const w = new Array<number>(n).fill(1);
  const old = n - 25;
  for (let i = 0; i < old; i++) w[i] = old === 1 ? 1 / n : 1 / n + (i * (1 - 1 / n)) / (old - 1);
  return w;
}

/**
 * Weights of the good group's observations by how far each beats the threshold (the best value outside the group):
 * w = (threshold - value), scaled to mean 1 (Watanabe 2023's expected-improvement weighting), so l leans towards
 * the best trials rather than weighing the last of the good group as much as the first. Trials without a value
 * (pruned) and ties weigh the floor FLOOR.
 */
export function improvementWeights(values: readonly (number | null)[], threshold: number): number[] {
  const gain = values.map((v) =>
    v !== null && Number.isFinite(v) && Number.isFinite(threshold) ? Math.max(0, threshold - v) : 0,
  );
  const mean = gain.reduce((a, b) => a + b, 0) / gain.length;
  return gain.map((g) => (mean > 0 && Number.isFinite(mean) ? Math.max(FLOOR, g / mean) : 1));
}
const FLOOR = 1e-3;

/**
 * Random trials before the model takes over, growing with the dimension d of the space: enough points for the
 * first good group to say something, few enough to leave most of a short budget to the model.
 */
export const startupFor = (d: number): number => Math.max(5, Math.min(10, d + 3));
