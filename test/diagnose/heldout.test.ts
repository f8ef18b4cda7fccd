// The diagnosis on the held-out parts of the labelled corpus (test/fixtures/curves/corpus.json, made and
// split once by scripts/diagnose/make-corpus.ts; the diagnosis was tuned on the dev part only). "heldout" was
// looked at once during development (docs/diagnosis.md says when and what changed); "fresh", "fresh2" and
// "fresh3" (new synthetic seeds, new training seeds) were added afterwards, each scored once before later changes;
// fresh3 was made after the last change and scored exactly once.
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
  assert.ok(keras.length >= 10 && keras.every((c) => /^https:\/\/github\.com\/.+\/blob\/[0-9a-f]{40}\//.test(c.cite!)));
  for (const c of corpus.curves.filter((x) => x.part === 'dev' || x.part === 'heldout'))
    assert.equal(c.part, createHash('sha256').update(c.id).digest()[0]! < 128 ? 'dev' : 'heldout', c.id);
  for (const f of [fresh, fresh2, fresh3])
    assert.ok(f.length >= 200 && f.filter((c) => c.source === 'run').length >= 40);
  assert.equal(new Set(corpus.curves.map((c) => c.id)).size, corpus.curves.length, 'ids are unique');
  for (const p of PATTERNS) assert.ok(heldout.filter((c) => c.label === p).length >= 15, `held-out curves of ${p}`);
});

// Measured (docs/diagnosis.md), with the valley regression: 90.4% held out, 91.1% fresh, 92.2% fresh2, 93.4%
// fresh3 (scored once); the weakest pattern is overfitting on held out (74.3%) and fresh2 (75.8%), plateau on fresh
// and fresh3 (78.8%). The goals (92% overall, 85% per pattern) are not all met; these floors pin what was
// measured, just below it (the diagnosis is deterministic), so that a change which makes the diagnosis worse on
// curves it was not tuned on fails here. The calibration goal (of the diagnoses with confidence >= 0.8, at least
// 95% right) is met on every part and pinned as such.
const SURE = 'confidence >= 0.8 is 95% right';
const PARTS = [
  ['held out', heldout, { overall: 0.9, pattern: 0.74 }],
  ['fresh', fresh, { overall: 0.91, pattern: 0.78 }],
  ['fresh2', fresh2, { overall: 0.92, pattern: 0.75 }],
  ['fresh3', fresh3, { overall: 0.93, pattern: 0.78 }],
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
