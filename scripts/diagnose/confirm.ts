// The defining property of each pattern, checked on a real run's numbers before its recipe's label is
// trusted: a recipe makes a pathology likely, not certain (an oversized model on one data set may still
// generalise). These are plain definitions on a few points of the curves, not the diagnosis' method.
import { readFileSync } from 'node:fs';
import type { LabelledCurve } from './synthetic.js';

const at = (v: number[], share: number) => v[Math.min(v.length - 1, Math.floor(share * v.length))]!;
const min = (v: number[]) => v.reduce((a, b) => Math.min(a, b), Infinity);
const argmin = (v: number[]) => v.indexOf(min(v));

function swings(v: number[]): { flips: number; size: number } {
  const l = v.map(Math.log),
    d = l.slice(1).map((x, i) => x - l[i]!);
  let f = 0;
  for (let i = 1; i < d.length; i++) if (d[i]! * d[i - 1]! < 0) f++;
  const a = d.map(Math.abs).sort((x, y) => x - y);
  return { flips: d.length > 1 ? f / (d.length - 1) : 0, size: a[Math.floor(a.length / 2)] ?? 0 };
}

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
      const s = swings(t.slice(Math.floor(n / 2)));
      return s.flips >= 0.4 && s.size >= 0.04 ? null : 'the training loss does not swing';
    }
    default:
      return 'unknown label';
  }
}

/** The runs of a make-runs.ts file whose curves show their recipe's property (the others are named on stderr). */
export function confirmedRuns(file: string): { kept: LabelledCurve[]; of: number } {
  const runs = JSON.parse(readFileSync(file, 'utf8')) as LabelledCurve[];
  const kept = runs.filter((c) => {
    const why = confirm(c);
    if (why) process.stderr.write(`dropped ${c.id} (${c.label}): ${why}\n`);
    return !why;
  });
  return { kept, of: runs.length };
}
