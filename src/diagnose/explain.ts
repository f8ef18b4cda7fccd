// `seqtune diagnose --explain`: the figures behind a diagnosis, per curve and window: the Mann-Kendall
// statistic S, z (after the Hamed-Rao correction n/n*) and p, Sen's slope with its 95% interval, the noise
// around the trend, the oscillation figures (epoch-to-epoch swing, sign changes of the differences), and the
// valley regression of validation (its bottom, the rise to the end level and its t).

import type { Diagnosis } from './diagnose.js';
import { PATTERNS } from './diagnose.js';
import type { Trend } from './trend.js';

const pct = (x: number | undefined) => (x === undefined ? '-' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}%`);
const num = (x: number | undefined, d = 2) => (x === undefined ? '-' : x.toFixed(d));
const pval = (p: number | undefined) => (p === undefined ? '-' : p < 0.001 ? '<0.001' : p.toFixed(3));

function row(curve: string, window: string, t: Trend): string {
  const cells = [
    curve.padEnd(5),
    window.padEnd(20),
    t.direction.padEnd(8),
    String(t.s ?? '-').padStart(7),
    num(t.z).padStart(7),
    pval(t.p).padStart(7),
    num(t.correction).padStart(5),
    `${pct(t.slope)} [${pct(t.slopeLow)}, ${pct(t.slopeHigh)}]`.padEnd(32),
    `${(100 * t.noise).toFixed(1)}%`.padStart(6),
    `${(100 * (t.amplitude ?? 0)).toFixed(1)}%`.padStart(6),
    num(t.signChanges).padStart(5),
  ];
  return `  ${cells.join(' ')}`;
}

const span = (t: Trend, name: string) => `${name} ${(t.from ?? 0) + 1}-${t.to ?? '?'}`;

/** The explanation lines for a diagnosis (empty reading when the verdict came before any trend). */
export function explainText(d: Diagnosis): string {
  const e = d.evidence;
  const lines = [
    "  how it was read (Mann-Kendall trend test, Hamed-Rao autocorrelation correction n/n*, Sen's slope):",
    `  ${'curve'.padEnd(5)} ${'window (epochs)'.padEnd(20)} ${'reads'.padEnd(8)} ${'S'.padStart(7)} ` +
      `${'z'.padStart(7)} ${'p'.padStart(7)} ${'n/n*'.padStart(5)} ${'slope per epoch [95% interval]'.padEnd(32)} ` +
      `${'noise'.padStart(6)} ${'swing'.padStart(6)} ${'flips'.padStart(5)}`,
  ];
  const windows: [string, { train: Trend; val: Trend | null } | null | undefined][] = [
    ['recent', e.train ? { train: e.train, val: e.val } : null],
    ['whole', e.whole],
    ['since best', e.sinceBest],
  ];
  for (const [name, w] of windows) {
    if (!w) continue;
    lines.push(row('train', span(w.train, name), w.train));
    if (w.val) lines.push(row('val', span(w.val, name), w.val));
  }
  if (lines.length === 2) lines.push('  (no trends read: the verdict came first)');
  const o = e.oscillation;
  if (o)
    lines.push(
      `  oscillation ${num(o.score)}: training loss swings ${(100 * o.amplitude).toFixed(1)}% per epoch, ` +
        `${(100 * o.signChanges).toFixed(0)}% sign changes, swing/trend ${num(o.swingOverTrend)}` +
        (o.valAmplitude !== null
          ? `; validation swings ${(100 * o.valAmplitude).toFixed(1)}%, ` +
            `${(100 * (o.valSignChanges ?? 0)).toFixed(0)}% sign changes`
          : ''),
    );
  if (e.overfitSinceBest !== undefined)
    lines.push(
      `  overfitting read since the best epoch: ${num(e.overfitSinceBest)}; ` +
        `underfitting over the late run: ${num(e.underfitWhole)}`,
    );
  const v = e.valley;
  if (v)
    lines.push(
      `  valley regression of validation: lowest around epoch ${v.bottom + 1}, end level ${num(v.rise, 3)} above it ` +
        `(log units; means of ${v.nBottom} and ${v.nEnd} epochs), t ${num(v.t)}, noise ${num(v.noise, 3)}, ` +
        `lag-1 correlation ${num(v.rho)}`,
    );
  const ps = PATTERNS.filter((p) => d.probabilities[p] >= 0.005)
    .sort((a, b) => d.probabilities[b] - d.probabilities[a])
    .map((p) => `${p} ${d.probabilities[p].toFixed(2)}`);
  lines.push(`  probabilities: ${ps.join(', ')}`);
  return lines.join('\n');
}
