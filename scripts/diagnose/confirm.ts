// The defining property of each pattern, checked on a real run's numbers before its recipe's label is
// trusted: a recipe makes a pathology likely, not certain (an oversized model on one data set may still
// generalise). These are plain definitions on a few points of the curves, not the diagnosis' method.
import { readFileSync } from 'node:fs';
import { EFFECT_VISIBLE, FLAT, type LabelledCurve, swings, Z_VISIBLE, zOf } from './synthetic.js';

const at = (v: number[], share: number) => v[Math.min(v.length - 1, Math.floor(share * v.length))]!;
const min = (v: number[]) => v.reduce((a, b) => Math.min(a, b), Infinity);
const argmin = (v: number[]) => v.indexOf(min(v));

/** Why the curve does not show its label's defining property, or null when it does. */
export function confirm(c: LabelledCurve): string | null {
  const t = c.loss.map((x) => x ?? NaN),
    v = (c.val_loss ?? []).map((x) => x ?? NaN);
  const finite = t.every(Number.isFinite) && v.every(Number.isFinite);
  const n = t.length;
  switch (c.label) {
    case 'diverged':
      return finite && t[n - 1]! < 20 * min(t) ? 'no NaN/Inf and no explosion' : null;
    case 'learning':
      return t[n - 1]! < 0.97 * at(t, 0.6) && v[n - 1]! < 0.97 * at(v, 0.6) ? null : 'not both falling at the end';
    case 'plateau':
      return Math.abs(t[n - 1]! / t[0]! - 1) < 0.03 && Math.abs(v[n - 1]! / v[0]! - 1) < 0.03
        ? null
        : 'moved more than 3%';
    case 'overfitting': {
      const b = argmin(v);
      return b < 0.8 * n && v[n - 1]! > 1.1 * v[b]! && t[n - 1]! < t[b]! ? null : 'validation did not turn up';
    }
    case 'underfitting': {
      const tail = v.slice(Math.floor(0.4 * n));
      return t[n - 1]! < 0.97 * at(t, 0.33) && Math.max(...tail) / min(tail) < 1.08 ? null : 'not falling/flat';
    }
    case 'architecture':
      // Rising, but not by orders of magnitude: 300x its lowest is an explosion (diverged), whatever the recipe.
      if (Math.max(...t, ...v) > 300 * Math.min(min(t), min(v))) return 'exploded (300x its lowest)';
      return finite && t[n - 1]! > 1.3 * min(t) && v[n - 1]! > 1.3 * min(v) ? null : 'not both rising at the end';
    case 'data': {
      const third = Math.floor(n / 3);
      return t[n - 1]! > 1.05 * min(t.slice(third)) && v[n - 1]! < 0.98 * v[third]! ? null : 'not train up, val down';
    }
    case 'unstable': {
      const s = swings(t.slice(Math.floor(n / 2)).map(Math.log));
      return s.flips >= 0.4 && s.size >= 0.04 ? null : 'the training loss does not swing';
    }
    default:
      return 'unknown label';
  }
}

/**
 * The generator's visibility rule read on a real curve, whose level is not known: each defining change is the
 * least-squares line over its window (the same windows as `invisible`), its size the line's change across the
 * window, the noise the line's residuals (sd; lag-1 correlation, at least 0). Overfitting's window starts at the
 * lowest point of the 3-epoch running median of validation. The z is the generator's formula with those figures.
 */
function lineZ(l: number[], from: number, sign: 1 | -1 | 0): number {
  const y = l.slice(from),
    m = y.length;
  if (m < 3) return 0;
  const xm = (m - 1) / 2,
    ym = y.reduce((s, v) => s + v, 0) / m;
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < m; i++) {
    sxy += (i - xm) * (y[i]! - ym);
    sxx += (i - xm) ** 2;
  }
  const b = sxy / sxx,
    e = y.map((v, i) => v - ym - b * (i - xm));
  const sd = Math.sqrt(e.reduce((s, v) => s + v * v, 0) / Math.max(1, m - 2));
  let num = 0;
  for (let i = 1; i < m; i++) num += e[i]! * e[i - 1]!;
  const rho = Math.min(0.9, Math.max(0, num / Math.max(1e-300, sd * sd * (m - 2))));
  const change = sign === 0 ? FLAT : b * (m - 1);
  if (sign !== 0 && sign * change < EFFECT_VISIBLE) return 0;
  return zOf(change, m, sd, rho);
}

const median3 = (l: number[]) =>
  l.map((x, t) => (t === 0 || t === l.length - 1 ? x : [l[t - 1]!, x, l[t + 1]!].sort((p, q) => p - q)[1]!));
const start = (n: number, share: number) => Math.max(0, Math.min(n - 3, Math.floor((1 - share) * (n - 1))));

/** The generator's visibility rule (synthetic.ts) on a real run: why its pattern is not visible, or null. */
export function invisibleRun(c: LabelledCurve): string | null {
  if (c.label === 'diverged' || c.label === 'unstable' || c.loss.some((x) => !(x !== null && x > 0))) return null;
  const v = c.val_loss?.map((x) => x ?? NaN);
  if (v?.some((x) => !(x > 0))) return null;
  const t = c.loss.map((x) => Math.log(x!)),
    l = v?.map(Math.log),
    n = t.length;
  let z: number[] = [];
  if (c.label === 'learning') z = [lineZ(t, start(n, 0.4), -1), ...(l ? [lineZ(l, start(n, 0.4), -1)] : [])];
  else if (c.label === 'architecture') z = [lineZ(t, start(n, 0.4), 1), ...(l ? [lineZ(l, start(n, 0.4), 1)] : [])];
  else if (c.label === 'data' && l) z = [lineZ(t, start(n, 0.4), 1), lineZ(l, start(n, 0.4), -1)];
  else if (c.label === 'underfitting' && l) z = [lineZ(t, start(n, 0.6), -1), lineZ(l, start(n, 0.6), 0)];
  else if (c.label === 'plateau') z = [lineZ(t, start(n, 0.6), 0), ...(l ? [lineZ(l, start(n, 0.6), 0)] : [])];
  else if (c.label === 'overfitting' && l) {
    const s = median3(l);
    z = [lineZ(l, Math.min(n - 3, s.indexOf(Math.min(...s))), 1)];
  }
  const worst = Math.min(...z);
  return worst < Z_VISIBLE ? `z ${worst.toFixed(2)} (visibility rule)` : null;
}

/** The runs of a make-runs.ts file whose curves show their recipe's property (the others are named on stderr). */
export function confirmedRuns(file: string): { kept: LabelledCurve[]; of: number } {
  const runs = JSON.parse(readFileSync(file, 'utf8')) as LabelledCurve[];
  const kept = runs.filter((c) => {
    const why = confirm(c) ?? invisibleRun(c);
    if (why) process.stderr.write(`dropped ${c.id} (${c.label}): ${why}\n`);
    return !why;
  });
  return { kept, of: runs.length };
}
