// Builds the labelled corpus (test/fixtures/curves/corpus.json) from three sources and splits it ONCE
// into a development part (the only one the diagnosis may be tuned on) and a held-out part:
//   synthetic  curves from scripts/diagnose/synthetic.ts (wide parameters; label = the shape drawn, drawn
//              until the shape is visible under its noise: the visibility rule);
//   run        real seqtune training runs from scripts/diagnose/make-runs.ts (label = the recipe's
//              pathology, kept when the curves show its defining property, confirm() in confirm.ts, and pass
//              the same visibility rule as the synthetic curves, invisibleRun());
//   keras      public Keras CSVLogger/history logs (test/fixtures/curves/keras-logs.json, each cited; kept when
//              they pass the visibility rule).
// The part of a curve is a hash of its id, so adding curves never moves old ones between parts.
// Three more parts have their own seeds (docs/diagnosis.md says why and when each was looked at): "fresh",
// "fresh2" and "fresh3", each with new synthetic seeds and new training seeds.
// Two ways to run it:
//   make-corpus.ts RUNS.json FRESH.json FRESH2.json FRESH3.json   (make-runs.ts seeds 1-4, 5-6, 7-8, 9-10)
//   make-corpus.ts --runs-from-corpus   (the real runs and Keras logs already in corpus.json, each in its part,
//                                        through the rules again; every synthetic curve redrawn)
// The generator's version (synthetic.ts SYN, the prefix of the synthetic ids) and the seeds are written into
// the corpus' "about".
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { confirmedRuns, invisibleRun } from './confirm.js';
import { CORPUS_URL, type Corpus, corpusText, loadCorpus } from './evaluation.js';
import { type LabelledCurve, SYN, syntheticCorpus } from './synthetic.js';

type Part = Corpus['curves'][0]['part'];
const SEEDS = { split: 20261202, fresh: 31337000, fresh2: 42420000, fresh3: 93930000 };
const PER = { split: 45, fresh: 25, fresh2: 25, fresh3: 25 };
const FRESH = ['fresh', 'fresh2', 'fresh3'] as const;
const args = process.argv.slice(2);
const fromCorpus = args[0] === '--runs-from-corpus';
if (!fromCorpus && args.length !== 4) {
  process.stderr.write(
    'usage: make-corpus.ts RUNS.json FRESH.json FRESH2.json FRESH3.json (make-runs.ts seeds 1-4, 5-6, 7-8, 9-10)\n' +
      '       make-corpus.ts --runs-from-corpus\n',
  );
  process.exit(2);
}
const part = (id: string): Part => (createHash('sha256').update(id).digest()[0]! < 128 ? 'dev' : 'heldout');
const log: string[] = [];

/** Real curves through the visibility rule (the dropped ones named on stderr). */
function visible(curves: LabelledCurve[], what: string): LabelledCurve[] {
  const kept = curves.filter((c) => {
    const why = invisibleRun(c);
    if (why) process.stderr.write(`dropped ${c.id} (${c.label}): ${why}\n`);
    return !why;
  });
  log.push(`${what} ${kept.length}/${curves.length}`);
  return kept;
}

/** The real runs of each part: from make-runs.ts files (confirm + visibility) or from the corpus (visibility). */
function realRuns(): Record<'split' | (typeof FRESH)[number], LabelledCurve[]> {
  if (fromCorpus) {
    const old = loadCorpus().curves.filter((c) => c.source === 'run');
    const of = (ps: Part[]) =>
      visible(
        old.filter((c) => ps.includes(c.part)),
        `runs ${ps.join('+')}`,
      );
    return { split: of(['dev', 'heldout']), fresh: of(['fresh']), fresh2: of(['fresh2']), fresh3: of(['fresh3']) };
  }
  const [a, b, c, d] = args.map((f, i) => {
    const r = confirmedRuns(f!);
    log.push(`runs file ${i + 1} ${r.kept.length}/${r.of}`);
    return r.kept;
  });
  return { split: a!, fresh: b!, fresh2: c!, fresh3: d! };
}

const runs = realRuns();
const keras = JSON.parse(readFileSync(new URL('../../test/fixtures/curves/keras-logs.json', import.meta.url), 'utf8'))
  .logs as LabelledCurve[];
const curves = [
  ...[...syntheticCorpus(SEEDS.split, PER.split), ...runs.split, ...visible(keras, 'Keras logs')].map((c) => ({
    ...c,
    part: part(c.id),
  })),
  ...FRESH.flatMap((p) => [...syntheticCorpus(SEEDS[p], PER[p]), ...runs[p]].map((c) => ({ ...c, part: p }))),
];
const about =
  'Labelled loss curves for the diagnosis (docs/diagnosis.md): synthetic, real seqtune runs, public Keras logs. ' +
  `Made by scripts/diagnose/make-corpus.ts: synthetic generator ${SYN} ` +
  '(visibility rule: z >= 3 and a trend of 5% or more), seeds ' +
  `${JSON.stringify(SEEDS)}, curves per label ${JSON.stringify(PER)}.`;
writeFileSync(
  CORPUS_URL,
  corpusText({ about, split: 'sha256(id)[0] < 128: dev, else heldout', curves: curves as Corpus['curves'] }),
);
const count = (p: string) => curves.filter((c) => c.part === p).length;
process.stderr.write(
  `wrote ${curves.length} curves (${log.join(', ')}): ${count('dev')} dev, ${count('heldout')} held out, ` +
    `${FRESH.map((p) => `${count(p)} ${p}`).join(', ')}\n`,
);
