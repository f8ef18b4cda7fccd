// The diagnosis on the held-out parts of the labelled corpus (test/fixtures/curves/corpus.json, made and
// split once by scripts/diagnose/make-corpus.ts; the diagnosis was tuned on the dev part only). The corpus was
// remade with generator v2 (every curve's defining change visible under its noise: synthetic.ts `invisible`; real
// runs and Keras logs through the same rule), which redrew every synthetic curve (ids syn2-*) and split them again;
// the parts were then scored once, after the last change (docs/diagnosis.md).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { evaluate, loadCorpus, reportText } from '../../scripts/diagnose/evaluation.js';
import { PATTERNS } from '../../src/diagnose/index.js';

const corpus = loadCorpus();
const heldout = corpus.curves.filter((c) => c.part === 'heldout');
const fresh = corpus.curves.filter((c) => c.part === 'fresh');
const fresh2 = corpus.curves.filter((c) => c.part === 'fresh2');
const fresh3 = corpus.curves.filter((c) => c.part === 'fresh3');

test('the corpus: synthetic curves, at least 100 real seqtune runs, cited Keras logs, split once by a hash of the id', () => {
  assert.ok(corpus.curves.filter((c) => c.source === 'run').length >= 100);
  assert.ok(corpus.curves.filter((c) => c.source === 'synthetic').length >= 300);
  const keras = corpus.curves.filter((c) => c.source === 'keras');
  assert.ok(keras.length >= 9 && keras.every((c) => /^https:\/\/github\.com\/.+\/blob\/[0-9a-f]{40}\//.test(c.cite!)));
  assert.match(corpus.about, /generator syn2 .*seeds/);
  assert.ok(corpus.curves.filter((c) => c.source === 'synthetic').every((c) => c.id.startsWith('syn2-')));
  for (const c of corpus.curves.filter((x) => x.part === 'dev' || x.part === 'heldout'))
    assert.equal(c.part, createHash('sha256').update(c.id).digest()[0]! < 128 ? 'dev' : 'heldout', c.id);
  for (const f of [fresh, fresh2, fresh3])
    assert.ok(f.length >= 200 && f.filter((c) => c.source === 'run').length >= 40);
  assert.equal(new Set(corpus.curves.map((c) => c.id)).size, corpus.curves.length, 'ids are unique');
  for (const p of PATTERNS) assert.ok(heldout.filter((c) => c.label === p).length >= 15, `held-out curves of ${p}`);
});

// Measured once after the last change (docs/diagnosis.md): 96.6% held out (weakest pattern plateau 89.7%), 95.6%
// fresh (unstable 87.5%), 96.3% fresh2 (plateau and unstable 90.9%), 95.6% fresh3 (plateau 84.8%). The held-out
// part meets the issue's goals (92% overall, 85% per pattern); fresh3's plateau row is just under 85%. These floors
// pin what was measured, just below it (the diagnosis is deterministic), so that a change which makes the diagnosis
// worse on curves it was not tuned on fails here. The calibration goal (of the diagnoses with confidence >= 0.8, at
// least 95% right) is met on every part (98.5-100%) and pinned as such.
const SURE = 'confidence >= 0.8 is 95% right';
const PARTS = [
  ['held out', heldout, { overall: 0.96, pattern: 0.89 }],
  ['fresh', fresh, { overall: 0.95, pattern: 0.87 }],
  ['fresh2', fresh2, { overall: 0.96, pattern: 0.9 }],
  ['fresh3', fresh3, { overall: 0.95, pattern: 0.84 }],
] as const;
for (const [name, curves, floors] of PARTS)
  test(`${name}: >= ${100 * floors.overall}% right, >= ${100 * floors.pattern}% per pattern; ${SURE}`, () => {
    const r = evaluate(curves);
    const table = reportText(r, `${name} part`);
    const wrong = r.wrong.map((w) => `${w.curve.id}: ${w.curve.label} read as ${w.d.pattern}`).join('\n');
    assert.ok(r.accuracy >= floors.overall, `${table}\n${wrong}`);
    for (const p of PATTERNS) assert.ok(r.perPattern[p]!.accuracy >= floors.pattern, `${p}\n${table}`);
    assert.ok(r.sure.n >= 0.5 * r.n && r.sure.accuracy >= 0.95, table);
  });
