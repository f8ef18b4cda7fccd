// What a study found: which factors mattered, how the best score moved, and the curves of each
// OFAT sweep; as plain data for the renderers.
import type { ChartInfo, Series } from '../plot/index.js';
import type { FrozenTrial } from '../storage/index.js';

export interface Importance {
  param: string;
  importance: number;
  method: 'ofat-effect' | 'variance';
}

/**
 * Importance of each parameter. For OFAT and auto studies, trials that differ from another completed
 * trial in exactly one parameter give an effect size: the spread of the objective over that parameter's
 * values with the rest held. Otherwise (grid, random, TPE) a fANOVA-style share of variance: how much of
 * the objective's variance the per-value (or per-quartile) means of that parameter explain.
 * Normalised to sum to 1.
 */
export function importance(trials: readonly FrozenTrial[], strategy?: string): Importance[] {
  return importanceOf(readOf(trials), strategy);
}

/**
 * importance and importanceNotYet of the same trials, from one grouping of them by each factor's values: study show
 * --json (which the dashboard asks for every few seconds) grouped a 3,000-trial random study twice.
 */
export function importanceRead(
  trials: readonly FrozenTrial[],
  strategy?: string,
): { importance: Importance[]; notYet: string | null } {
  const r = readOf(trials);
  return { importance: importanceOf(r, strategy), notYet: notYetOf(r, strategy) };
}

/** The completed trials importance reads, their factors, and each factor's groupsOf, made once when first asked. */
interface Read {
  ok: readonly FrozenTrial[];
  names: string[];
  groups: (param: string) => { byValue: Map<string, number[]>; quartiled: boolean };
}

function readOf(trials: readonly FrozenTrial[]): Read {
  const ok = trials.filter((t) => t.state === 'complete' && t.value !== null && Number.isFinite(t.value));
  const made = new Map<string, { byValue: Map<string, number[]>; quartiled: boolean }>();
  const groups = (param: string) => {
    const had = made.get(param);
    if (had) return had;
    const g = { byValue: groupsOf(ok, param), quartiled: quartiled(ok, param) };
    made.set(param, g);
    return g;
  };
  return { ok, names: [...new Set(ok.flatMap((t) => Object.keys(t.params)))], groups };
}

function importanceOf({ ok, names, groups }: Read, strategy?: string): Importance[] {
  // every pair of trials that differ in one factor: only where it is used (OFAT, auto)
  const effect = strategy === 'ofat' || strategy === 'auto' ? oneFactorEffects(ok, names) : new Map<string, number>();
  let out: Importance[];
  if ((strategy === 'ofat' || strategy === 'auto') && effect.size)
    out = [...effect].map(([param, v]) => ({ param, importance: v, method: 'ofat-effect' as const }));
  else {
    const vals = ok.map((t) => t.value!),
      mean = vals.reduce((a, b) => a + b, 0) / Math.max(vals.length, 1);
    const total = vals.reduce((a, v) => a + (v - mean) ** 2, 0) || 1;
    out = names.map((param) => {
      let between = 0;
      for (const v of groups(param).byValue.values()) {
        const m = v.reduce((a, b) => a + b, 0) / v.length;
        between += v.length * (m - mean) ** 2;
      }
      return { param, importance: between / total, method: 'variance' as const };
    });
  }
  const sum = out.reduce((a, b) => a + b.importance, 0) || 1;
  return out.map((x) => ({ ...x, importance: x.importance / sum })).sort((a, b) => b.importance - a.importance);
}

/**
 * For each factor, the largest |objective difference| between two trials whose params differ in that factor alone
 * (a factor set in one and not the other differs). Found by grouping the trials by all their other factors, rather
 * than by comparing every pair (23 s at 2,500 trials): within a group the pairs that differ are those of different
 * values of the factor, and the largest gap among them is the best of (largest - smallest) over value pairs.
 */
export function oneFactorEffects(ok: readonly FrozenTrial[], names: readonly string[]): Map<string, number> {
  // each trial's factors as text; a factor it does not set is a character JSON never writes outside a string
  const keys = ok.map((t) => names.map((n) => (n in t.params ? JSON.stringify(t.params[n]) : '\u0002')));
  const effect = new Map<string, number>();
  for (const [i, name] of names.entries()) {
    const groups = new Map<string, Map<string, { lo: number; hi: number }>>();
    for (const [j, t] of ok.entries()) {
      const k = keys[j]!;
      const rest = k.filter((_, m) => m !== i).join('\u0001');
      const byValue = groups.get(rest) ?? new Map<string, { lo: number; hi: number }>();
      groups.set(rest, byValue);
      const range = byValue.get(k[i]!);
      if (range) [range.lo, range.hi] = [Math.min(range.lo, t.value!), Math.max(range.hi, t.value!)];
      else byValue.set(k[i]!, { lo: t.value!, hi: t.value! });
    }
    let best = -1;
    for (const byValue of groups.values()) {
      const ranges = [...byValue.values()];
      for (const a of ranges) for (const b of ranges) if (a !== b) best = Math.max(best, a.hi - b.lo);
    }
    if (best >= 0) effect.set(name, best);
  }
  return effect;
}

/**
 * The objectives of the trials that set `param`, grouped by its value (by quartile when it is a number with more
 * than 4 distinct values).
 */
function groupsOf(ok: readonly FrozenTrial[], param: string): Map<string, number[]> {
  const present = ok.filter((t) => param in t.params);
  let group: (t: FrozenTrial) => string;
  if (quartiled(ok, param)) {
    const sorted = present.map((t) => t.params[param] as number).sort((a, b) => a - b);
    const q = [1, 2, 3].map((k) => sorted[Math.floor((k * sorted.length) / 4)]!);
    group = (t) => String(q.filter((c) => (t.params[param] as number) >= c).length);
  } else group = (t) => JSON.stringify(t.params[param]);
  const groups = new Map<string, number[]>();
  for (const t of present) {
    const g = group(t);
    const values = groups.get(g);
    if (values) values.push(t.value!);
    else groups.set(g, [t.value!]);
  }
  return groups;
}

/** Whether groupsOf groups a parameter by quartile: a number with more than 4 distinct values. */
function quartiled(ok: readonly FrozenTrial[], param: string): boolean {
  const present = ok.filter((t) => param in t.params);
  return (
    present.every((t) => typeof t.params[param] === 'number') && new Set(present.map((t) => t.params[param])).size > 4
  );
}

/** The fewest completed trials whose factor importance is printed. */
export const IMPORTANCE_MIN_TRIALS = 8;

/**
 * Whether factor importance means anything yet: at least 8 completed trials and, for the variance shares (grid,
 * random, TPE), at least 2 completed trials for each value (or quartile) of every factor. Why: a factor that does
 * nothing, splitting n trials into k groups, still explains (k - 1) / (n - 1) of the variance on average by chance;
 * with 2 trials and 2 values that is all of it (the "learning_rate 100%" of issue 20). With 8 trials a useless
 * two-valued factor is down to 1/7, and a value seen once gives one noisy result rather than a mean. OFAT and auto
 * effects compare trials that differ in one factor, each value once by design, so only the count applies there.
 */
export function importanceReadable(trials: readonly FrozenTrial[], strategy?: string): boolean {
  return importanceNotYet(trials, strategy) === null;
}

/**
 * Why factor importance is not read yet, as the words after `not enough trials yet`: `(5 completed)`, or with 8 and
 * more, the factor with a value (or quartile) completed once: `(8 completed; model.layers[0].gru.units 12 completed
 * once, and each value needs 2)` (not "tried once": a TPE study had tried that value in 107 trials, 106 pruned).
 * Null when it is read (importanceReadable).
 */
export function importanceNotYet(trials: readonly FrozenTrial[], strategy?: string): string | null {
  return notYetOf(readOf(trials), strategy);
}

function notYetOf({ ok, names, groups }: Read, strategy?: string): string | null {
  if (ok.length < IMPORTANCE_MIN_TRIALS) return `(${ok.length} completed)`;
  if (strategy === 'ofat' || strategy === 'auto') return null;
  for (const n of names) {
    const g = groups(n);
    for (const [value, v] of g.byValue)
      if (v.length < 2) {
        const what = g.quartiled ? `a quartile of ${n}` : `${n} ${value}`;
        return `(${ok.length} completed; ${what} completed once, and each value needs 2)`;
      }
  }
  return null;
}

/** The objective of every finished trial and the best so far, by trial number. */
export function historyChart(name: string, trials: readonly FrozenTrial[]): ChartInfo {
  const fin = trials.filter((t) => t.value !== null && Number.isFinite(t.value));
  let best = Infinity;
  const bestSoFar = trials.map((t) => {
    if (t.state === 'complete' && t.value !== null && t.value < best) best = t.value;
    return best;
  });
  return {
    title: `${name}: objective per trial`,
    xLabel: 'trial',
    yLabel: 'objective (best validation loss)',
    series: [
      {
        name: 'trial (complete or pruned)',
        values: fin.map((t) => t.value!),
        x: fin.map((t) => t.number),
        dashed: true,
      },
      {
        name: 'best so far',
        values: bestSoFar.map((v) => (Number.isFinite(v) ? v : NaN)),
        x: trials.map((t) => t.number),
      },
    ],
  };
}

/**
 * For one factor: one validation curve per value it took, each the best trial with that value (said in its label
 * when several trials had it, as in a random study), so that no two lines share a label.
 */
export function factorChart(name: string, factor: string, trials: readonly FrozenTrial[]): ChartInfo | null {
  const key = (v: unknown) => JSON.stringify(v);
  const withIt = trials.filter(
    (t) =>
      factor in t.params &&
      t.state !== 'failed' &&
      Array.isArray((t.attrs.history as { val_loss?: number[] } | undefined)?.val_loss),
  );
  if (withIt.length < 2) return null;
  const byValue = new Map<string, FrozenTrial[]>();
  for (const t of withIt) byValue.set(key(t.params[factor]), [...(byValue.get(key(t.params[factor])) ?? []), t]);
  // complete before pruned, then the lowest objective
  const rank = (t: FrozenTrial) => [t.state === 'complete' ? 0 : 1, t.value ?? Infinity] as const;
  const better = (a: FrozenTrial, b: FrozenTrial) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra[0] !== rb[0] ? ra[0] < rb[0] : ra[1] < rb[1];
  };
  const short = factor.split('.').slice(-1)[0];
  const series: Series[] = [...byValue].map(([value, group]) => {
    const t = group.reduce((a, b) => (better(b, a) ? b : a));
    const h = t.attrs.history as { val_loss: number[] };
    const of = group.length > 1 ? ` (best of ${group.length}: #${t.number})` : '';
    return {
      name: `${short} = ${value}${of}${t.state === 'pruned' ? ' (pruned)' : ''}`,
      values: h.val_loss,
      x: h.val_loss.map((_, i) => i + 1),
    };
  });
  if (series.length < 2) return null;
  return { title: `${name}: sweep of ${factor}`, xLabel: 'epoch', yLabel: 'validation loss', series };
}
