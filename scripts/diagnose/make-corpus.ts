// Builds the labelled corpus (test/fixtures/curves/corpus.json) from three sources and splits it ONCE
// into a development part (the only one the diagnosis may be tuned on) and a held-out part:
//   synthetic  curves from scripts/diagnose/synthetic.ts (wide parameters; label = the shape drawn);
//   run        real seqtune training runs from scripts/diagnose/make-runs.ts (label = the recipe's
//              pathology, kept when the curves show its defining property, confirm() below);
//   keras      public Keras CSVLogger/history logs (test/fixtures/curves/keras-logs.json, each cited).
// The part of a curve is a hash of its id, so adding curves never moves old ones between parts.
// Two more parts were added later (docs/diagnosis.md says why and when each was looked at): "fresh" after the
// held-out part had been looked at, "fresh2" after "fresh" had been; each has new synthetic seeds and new
// training seeds, never used while the diagnosis was developed.
// A later part (fresh3) is appended by add-part.ts, which leaves these curves as they are.
// Run: node --import tsx scripts/diagnose/make-corpus.ts RUNS.json FRESH-RUNS.json FRESH2-RUNS.json
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { confirmedRuns } from './confirm.js';
import { CORPUS_URL, type Corpus, corpusText } from './evaluation.js';
import { type LabelledCurve, syntheticCorpus } from './synthetic.js';

const [runsFile, freshFile, fresh2File] = process.argv.slice(2);
if (!runsFile || !freshFile || !fresh2File) {
  process.stderr.write('usage: make-corpus.ts RUNS.json FRESH.json FRESH2.json (make-runs.ts seeds 1-4, 5-6, 7-8)\n');
  process.exit(2);
}
const part = (id: string) => (createHash('sha256').update(id).digest()[0]! < 128 ? 'dev' : 'heldout');

const { kept, of } = confirmedRuns(runsFile),
  fresh = confirmedRuns(freshFile),
  fresh2 = confirmedRuns(fresh2File);
const keras = JSON.parse(readFileSync(new URL('../../test/fixtures/curves/keras-logs.json', import.meta.url), 'utf8'))
  .logs as LabelledCurve[];
const curves = [
  ...[...syntheticCorpus(20261202, 45), ...kept, ...keras].map((c) => ({ ...c, part: part(c.id) })),
  ...[...syntheticCorpus(31337000, 25), ...fresh.kept].map((c) => ({ ...c, part: 'fresh' })),
  ...[...syntheticCorpus(42420000, 25), ...fresh2.kept].map((c) => ({ ...c, part: 'fresh2' })),
];
const about =
  'Labelled loss curves for the diagnosis (docs/diagnosis.md): synthetic, real seqtune runs, public Keras logs. ' +
  'Made by scripts/diagnose/make-corpus.ts.';
writeFileSync(
  CORPUS_URL,
  corpusText({ about, split: 'sha256(id)[0] < 128: dev, else heldout', curves: curves as Corpus['curves'] }),
);
const count = (p: string) => curves.filter((c) => c.part === p).length;
process.stderr.write(
  `wrote ${curves.length} curves (${kept.length}/${of} runs kept, ${fresh.kept.length}/${fresh.of} fresh runs kept, ` +
    `${keras.length} Keras logs): ${count('dev')} dev, ${count('heldout')} held out, ${count('fresh')} fresh, ` +
    `${count('fresh2')} fresh2 (${fresh2.kept.length}/${fresh2.of} runs kept)\n`,
);
