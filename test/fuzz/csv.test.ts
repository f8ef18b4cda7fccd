// Random CSVs (quoted fields, CRLF, BOM, empty cells, NA tokens, very large and very small numbers, unicode
// headers, ragged rows, broken quotes): readCsv reads every valid one exactly as csv-parse and Number() read it
// (Number() of decimal text only: 0x1A, Infinity and 1_0 stay text; rows at the end with no value left out), whatever
// the chunk size, and `seqtune train` on any of them either succeeds or exits 2 with one line naming the file and
// the row, column or key: never a stack, never a run folder left behind.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { DataError, MISSING_TOKENS, readCsv } from '../../src/data/index.js';
import { fuzzParams } from '../helpers/fuzz.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-fuzz-csv-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let k = 0;

/** A cell's text as a user would write it. */
const cellText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer({ min: -1e9, max: 1e9 }).map(String),
  fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.nat(999999)).map(([a, b]) => `${a}.${b}`),
  fc.tuple(fc.integer({ min: -999, max: 999 }), fc.integer({ min: -330, max: 330 })).map(([m, e]) => `${m}e${e}`),
  fc.constantFrom('1e308', '-1.7e308', '1e-320', '5e-324', '0.000000000000000000001', '123456789012345678901'),
  fc.constantFrom(...MISSING_TOKENS),
  fc.constantFrom('Infinity', '-inf', '0x1A', '+5', '.5', '5.', '-0', '1e', 'abc', 'NE', 'cv'),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);

/** Written as it is (a blank or two around it, which the reader ignores) or quoted. */
function encode(text: string, quote: boolean, pad: number): string {
  const needs = /[",\r\n]/.test(text) || text !== text.trim() || text === '';
  if (quote || needs) return `"${text.replaceAll('"', '""')}"`;
  return `${' '.repeat(pad % 2)}${text}${'\t'.repeat(pad >> 1)}`;
}

interface CsvCase {
  header: string[];
  rows: string[][];
  quote: boolean[];
  crlf: boolean;
  bom: boolean;
  finalNewline: boolean;
  chunk: number;
}

const validCsv: fc.Arbitrary<CsvCase> = fc.integer({ min: 1, max: 5 }).chain((cols) =>
  fc.record({
    header: fc.uniqueArray(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), {
      minLength: cols,
      maxLength: cols,
      selector: (h) => h.trim(),
    }),
    rows: fc.array(fc.array(cellText, { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 12 }),
    quote: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
    chunk: fc.oneof(fc.integer({ min: 1, max: 48 }), fc.constant(4 << 20)),
  }),
);

function render(c: CsvCase): string {
  const nl = c.crlf ? '\r\n' : '\n';
  const lines = [c.header, ...c.rows].map((r, i) =>
    r.map((t, j) => encode(t, c.quote[(i * 7 + j) % 64]!, (i + j) % 4)).join(','),
  );
  return `${c.bom ? '\uFEFF' : ''}${lines.join(nl)}${c.finalNewline ? nl : ''}`;
}

const write = (text: string) => {
  const f = join(dir, `c${k++}.csv`);
  writeFileSync(f, text);
  return f;
};

/** A number as a CSV writes one (the spec; Number() alone also reads 0x1A, 0b11 and Infinity). */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

test('readCsv reads every valid CSV as csv-parse and Number() of decimal text do, whatever the chunk size', async () => {
  await fc.assert(
    fc.asyncProperty(
      validCsv.filter((c) => c.header.every((h) => h.trim() !== '')),
      async (c) => {
        const text = render(c);
        const f = write(text);
        const ref = parse(text, { bom: true, trim: true, skip_empty_lines: true }) as string[][];
        const [head, ...rows] = ref;
        // rows at the end with every cell missing are left out (one is kept where all are)
        while (rows.length > 1 && rows.at(-1)!.every((s) => MISSING_TOKENS.has(s))) rows.pop();
        if (rows.length === 0) {
          await assert.rejects(readCsv(f, { chunkBytes: c.chunk }), /only a header/);
          return;
        }
        const t = await readCsv(f, { chunkBytes: c.chunk });
        assert.deepEqual(t.header, head);
        assert.equal(t.rows, rows.length);
        head!.forEach((h, j) => {
          const col = t.columns.get(h)!;
          rows.forEach((r, i) => {
            const s = r[j]!;
            const v = MISSING_TOKENS.has(s) || !DECIMAL.test(s) ? NaN : Number(s);
            const want = Number.isFinite(v) ? { n: v, text: null } : { n: NaN, text: MISSING_TOKENS.has(s) ? null : s };
            assert.ok(Object.is(col.numbers[i], want.n), `row ${i + 1} "${h}": ${col.numbers[i]} for "${s}"`);
            assert.equal(col.textAt(i), want.text, `row ${i + 1} "${h}"`);
          });
        });
      },
    ),
    fuzzParams(),
  );
});

test('readCsv on arbitrary bytes resolves or rejects with one DataError line naming the file', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.string({ maxLength: 120 }).map((s) => Buffer.from(s)),
      ),
      fc.integer({ min: 1, max: 32 }),
      async (bytes, chunk) => {
        const f = write('');
        writeFileSync(f, bytes);
        try {
          await readCsv(f, { chunkBytes: chunk });
        } catch (e) {
          assert.ok(e instanceof DataError, String((e as Error).stack));
          assert.ok(e.message.startsWith(`${f}: `), e.message);
          assert.ok(!e.message.includes('\n'), e.message);
        }
      },
    ),
    fuzzParams(),
  );
});

/** null mostly, a value now and then. */
const rarely = <T>(a: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 6 }, { arbitrary: a, weight: 1 });

/** A table for `train`: numbers in the target mostly, with the mishaps users make now and then. */
const trainCase = fc.record({
  cols: fc.integer({ min: 1, max: 3 }),
  rows: fc.integer({ min: 6, max: 40 }),
  target: fc.nat(2),
  header: fc.uniqueArray(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 5 }), {
    minLength: 3,
    maxLength: 3,
    selector: (h) => h.trim(),
  }),
  mishaps: fc.oneof(
    { arbitrary: fc.constant([]), weight: 2 },
    { arbitrary: fc.array(fc.tuple(fc.nat(60), fc.nat(3), cellText), { minLength: 1, maxLength: 3 }), weight: 2 },
  ),
  ragged: rarely(fc.nat(60)),
  brokenQuote: rarely(fc.nat(60)),
  missing: fc.constantFrom('error', 'drop', 'ffill', 'interpolate', '{constant: 0}'),
  scale: fc.constantFrom('minmax', 'standard', 'robust', 'none'),
  crlf: fc.boolean(),
  bom: fc.boolean(),
});

type TrainCase = typeof trainCase extends fc.Arbitrary<infer T> ? T : never;

function trainCsv(c: TrainCase) {
  const header = c.header.slice(0, c.cols).map((h) => (h.trim() === '' ? `col${h.length}` : h));
  const rows = Array.from({ length: c.rows }, (_, i) =>
    header.map((_, j) => String(Math.sin(i * (j + 1)) * 10 + i / 7)),
  );
  for (const [r, j, text] of c.mishaps) if (rows[r % c.rows]) rows[r % c.rows]![j % c.cols] = text;
  const lines = [header, ...rows].map((r) => r.map((t) => encode(t, false, 0)).join(','));
  if (c.ragged !== null) lines[1 + (c.ragged % c.rows)] += ',7';
  if (c.brokenQuote !== null) lines[1 + (c.brokenQuote % c.rows)] += '"';
  const nl = c.crlf ? '\r\n' : '\n';
  return { header, text: `${c.bom ? '\uFEFF' : ''}${lines.join(nl)}${nl}` };
}

test('train on a random CSV succeeds or exits 2 with one line naming the file and where; no run folder left', async () => {
  await fc.assert(
    fc.asyncProperty(trainCase, async (c) => {
      const { header, text } = trainCsv(c);
      const caseDir = join(dir, `train${k++}`);
      mkdirSync(caseDir);
      const csv = join(caseDir, 'data.csv');
      writeFileSync(csv, text);
      const cfg = join(caseDir, 'run.yaml');
      writeFileSync(
        cfg,
        `name: fuzz
data: {csv: data.csv, target: ${JSON.stringify(header[c.target % header.length])}, lookback: 2,
  split: {train: 0.6, val: 0.2, test: 0.2}, missing: ${c.missing}, scale: ${c.scale}}
model: {layers: [{gru: {units: 2}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 8}
`,
      );
      const out = join(caseDir, 'out');
      const r = await runCli(['train', cfg, '--out', out, '--quiet']);
      const leftovers = readdirSync(caseDir).filter((n) => n.startsWith('out'));
      if (r.code === 0) {
        const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
        assert.ok(
          Number.isFinite(m.test.scaled.model.mse),
          `a finished run scores its model: ${m.test.scaled.model.mse}`,
        );
        return;
      }
      assert.equal(r.code, 2, r.err);
      const line = r.err.trimEnd();
      assert.ok(!line.includes('\n'), `one line, received:\n${r.err}`);
      assert.ok(!/\n\s+at /.test(r.err), r.err);
      assert.ok(line.includes(csv) || line.includes(cfg), `names the file: ${line}`);
      assert.ok(/row \d+|line \d+|column|data\.\w+/.test(line), `names where: ${line}`);
      assert.deepEqual(leftovers, [], 'no run folder is left behind');
    }),
    fuzzParams(),
  );
});
