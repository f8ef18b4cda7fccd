// Scores the diagnosis on labelled curves: accuracy overall and per pattern, the confusion matrix, and
// the calibration table (confidence bins against accuracy). Shared by `npm run eval:diagnosis` and the
// test that pins the held-out accuracy.
import { readFileSync } from 'node:fs';
import { type Diagnosis, diagnose, PATTERNS, type PatternId } from '../../src/diagnose/index.js';
import type { LabelledCurve } from './synthetic.js';

export interface Corpus {
  about: string;
  split: string;
  curves: (LabelledCurve & { part: 'dev' | 'heldout' | 'fresh' | 'fresh2' | 'fresh3' })[];
}

export const CORPUS_URL = new URL('../../test/fixtures/curves/corpus.json', import.meta.url);

/** The corpus file's layout: one curve a line, so that a diff shows which curves changed. */
export function corpusText(c: Corpus): string {
  const lines = c.curves.map((x) => JSON.stringify(x));
  const head = `{"about":${JSON.stringify(c.about)},"split":${JSON.stringify(c.split)}`;
  return `${head},"curves":[\n${lines.join(',\n')}\n]}\n`;
}

export function loadCorpus(): Corpus {
  return JSON.parse(readFileSync(CORPUS_URL, 'utf8')) as Corpus;
}

const nan = (v: (number | null)[]) => v.map((x) => x ?? NaN);
export const historyOf = (c: LabelledCurve): Record<string, number[]> =>
  c.val_loss ? { loss: nan(c.loss), val_loss: nan(c.val_loss) } : { loss: nan(c.loss) };

export interface Scored {
  curve: LabelledCurve;
  d: Diagnosis;
  right: boolean;
}

export interface Report {
  n: number;
  accuracy: number;
  perPattern: Record<string, { n: number; accuracy: number }>;
  confusion: Record<string, Record<string, number>>;
  calibration: { from: number; to: number; n: number; accuracy: number }[];
  /** Of the diagnoses with confidence >= 0.8: how many, and the share right. */
  sure: { n: number; accuracy: number };
  wrong: Scored[];
}

export const BINS = [0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001];

export function evaluate(curves: LabelledCurve[]): Report {
  const scored: Scored[] = curves.map((curve) => {
    const d = diagnose(historyOf(curve));
    return { curve, d, right: d.pattern === curve.label };
  });
  const confusion: Report['confusion'] = {};
  for (const a of PATTERNS) confusion[a] = Object.fromEntries(PATTERNS.map((b) => [b, 0]));
  for (const s of scored) confusion[s.curve.label]![s.d.pattern]!++;
  const share = (xs: Scored[]) => (xs.length ? xs.filter((s) => s.right).length / xs.length : NaN);
  const perPattern: Report['perPattern'] = {};
  for (const p of PATTERNS) {
    const xs = scored.filter((s) => s.curve.label === p);
    perPattern[p] = { n: xs.length, accuracy: share(xs) };
  }
  const calibration = BINS.slice(0, -1).map((from, i) => {
    const to = BINS[i + 1]!;
    const xs = scored.filter((s) => s.d.confidence >= from && s.d.confidence < to);
    return { from, to: Math.min(1, to), n: xs.length, accuracy: share(xs) };
  });
  const sureXs = scored.filter((s) => s.d.confidence >= 0.8);
  return {
    n: scored.length,
    accuracy: share(scored),
    perPattern,
    confusion,
    calibration,
    sure: { n: sureXs.length, accuracy: share(sureXs) },
    wrong: scored.filter((s) => !s.right),
  };
}

const pct = (x: number) => (Number.isNaN(x) ? '   -  ' : `${(100 * x).toFixed(1).padStart(5)}%`);

/** The report as Markdown tables. */
export function reportText(r: Report, title: string): string {
  const short = (p: string) => p.slice(0, 7);
  const lines = [
    `### ${title}: ${r.n} curves, accuracy ${pct(r.accuracy)}`,
    '',
    '| pattern | curves | accuracy |',
    '|---|---:|---:|',
    ...PATTERNS.map((p) => `| ${p} | ${r.perPattern[p]!.n} | ${pct(r.perPattern[p]!.accuracy)} |`),
    '',
    `| label \\ read | ${PATTERNS.map(short).join(' | ')} |`,
    `|---|${PATTERNS.map(() => '---:').join('|')}|`,
    ...PATTERNS.map((a) => `| ${a} | ${PATTERNS.map((b) => r.confusion[a]![b]).join(' | ')} |`),
    '',
    '| confidence | diagnoses | right |',
    '|---|---:|---:|',
    ...r.calibration.map((c) => `| ${c.from.toFixed(2)}-${c.to.toFixed(2)} | ${c.n} | ${pct(c.accuracy)} |`),
    `| **>= 0.80** | ${r.sure.n} | ${pct(r.sure.accuracy)} |`,
  ];
  return lines.join('\n');
}

export function sourcesOf(curves: LabelledCurve[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of curves) out[c.source] = (out[c.source] ?? 0) + 1;
  return out;
}

export type { PatternId };
