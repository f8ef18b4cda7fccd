// Appends a part to the labelled corpus (test/fixtures/curves/corpus.json) and leaves every other curve as it
// is: synthetic curves from a seed never used before and real seqtune runs from new training seeds (make-runs.ts),
// kept when they show their recipe's property and pass the visibility rule (confirm.ts). A part of the same name is
// replaced. The next part, after the diagnosis has been tuned further, to be scored once (docs/diagnosis.md):
//   node --import tsx scripts/diagnose/make-runs.ts runs-fresh4.tmp.json 2 '' 17
//   node --import tsx scripts/diagnose/add-part.ts fresh4 SEED 25 runs-fresh4.tmp.json
// (make-corpus.ts makes dev, heldout, fresh, fresh2 and fresh3; a new part name also goes into Corpus['curves'].)
import { writeFileSync } from 'node:fs';
import { confirmedRuns } from './confirm.js';
import { CORPUS_URL, type Corpus, corpusText, loadCorpus } from './evaluation.js';
import { syntheticCorpus } from './synthetic.js';

const [name, seedText, perText, runsFile] = process.argv.slice(2);
const seed = Number(seedText),
  per = Number(perText);
if (!name || !runsFile || !Number.isInteger(seed) || !Number.isInteger(per) || per < 1) {
  process.stderr.write('usage: add-part.ts NAME SYNTHETIC-SEED PER-LABEL RUNS.json\n');
  process.exit(2);
}
if (name === 'dev' || name === 'heldout') {
  process.stderr.write(`add-part.ts: "${name}" is made by make-corpus.ts (the hash split), not appended\n`);
  process.exit(2);
}
const corpus = loadCorpus();
const others = corpus.curves.filter((c) => c.part !== name);
const runs = confirmedRuns(runsFile);
const added = [...syntheticCorpus(seed, per), ...runs.kept].map((c) => ({ ...c, part: name }) as Corpus['curves'][0]);
const taken = new Set(others.map((c) => c.id));
const clash = added.find((c) => taken.has(c.id));
if (clash) {
  process.stderr.write(`add-part.ts: ${clash.id} is already in another part; use new seeds\n`);
  process.exit(2);
}
writeFileSync(CORPUS_URL, corpusText({ ...corpus, curves: [...others, ...added] }));
process.stderr.write(
  `${name}: ${added.length} curves (${added.length - runs.kept.length} synthetic, ` +
    `${runs.kept.length}/${runs.of} runs kept); corpus ${others.length + added.length} curves\n`,
);
