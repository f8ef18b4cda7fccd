// When a study's factor importance means something yet, by the rule `study show` applies (src/tune/report.ts
// importanceNotYet, whose words this returns): at least 8 completed trials and, for the variance shares (grid, random,
// TPE), at least 2 completed trials for each value (or quartile) of every parameter. The page took the count alone
// and drew a random study's shares where study show said 'not enough trials yet': 10 trials with units 16 once read
// 'units 98%'.

import type { TrialRow } from './api.js';

/** The fewest completed trials whose factor importance is shown (tune/report.ts IMPORTANCE_MIN_TRIALS). */
const MIN_TRIALS = 8;

/** Whether a parameter is grouped by quartile: a number with more than 4 distinct values (tune/report.ts quartiled). */
function quartiled(ok: readonly TrialRow[], param: string): boolean {
  const present = ok.filter((t) => param in t.params);
  return (
    present.every((t) => typeof t.params[param] === 'number') && new Set(present.map((t) => t.params[param])).size > 4
  );
}

/** How many trials set `param` to each of its values (or quartiles), as tune/report.ts groupsOf groups them. */
function groupSizes(ok: readonly TrialRow[], param: string): Map<string, number> {
  const present = ok.filter((t) => param in t.params);
  let group: (t: TrialRow) => string;
  if (quartiled(ok, param)) {
    const sorted = present.map((t) => t.params[param] as number).sort((a, b) => a - b);
    const q = [1, 2, 3].map((k) => sorted[Math.floor((k * sorted.length) / 4)]!);
    group = (t) => String(q.filter((c) => (t.params[param] as number) >= c).length);
  } else group = (t) => JSON.stringify(t.params[param]);
  const sizes = new Map<string, number>();
  for (const t of present) sizes.set(group(t), (sizes.get(group(t)) ?? 0) + 1);
  return sizes;
}

/**
 * Why the study's factor importance is not shown yet, as study show words it after `not enough trials yet`: `(5
 * completed)`, `(10 completed; units 16 completed once, and each value needs 2)`; null when it is shown.
 */
export function importanceNotYet(trials: readonly TrialRow[], strategy: string | null): string | null {
  const ok = trials.filter((t) => t.state === 'complete' && t.value !== null && Number.isFinite(t.value));
  if (ok.length < MIN_TRIALS) return `(${ok.length} completed)`;
  if (strategy === 'ofat' || strategy === 'auto') return null;
  for (const n of new Set(ok.flatMap((t) => Object.keys(t.params))))
    for (const [value, size] of groupSizes(ok, n))
      if (size < 2) {
        const what = quartiled(ok, n) ? `a quartile of ${n}` : `${n} ${value}`;
        return `(${ok.length} completed; ${what} completed once, and each value needs 2)`;
      }
  return null;
}
