// seqtune check on numbers at the edges of what its figures and float32 hold: a level far above the series' spread.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CheckResult, dataChecks } from '../../src/check/index.js';
import { prepareData } from '../../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-check-f32-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const byId = (cs: CheckResult[], id: string) => cs.find((c) => c.id === id)!;

/** 1e7 + a daily sine of amplitude 1, to 4 decimals (its training rows span 9999999.0 to 10000001.0). */
const level = Array.from({ length: 400 }, (_, i) => (1e7 + Math.sin((2 * Math.PI * i) / 24)).toFixed(4));
const file = join(dir, 'level.csv');
writeFileSync(file, `t,y\n${level.map((v, i) => `${i},${v}`).join('\n')}\n`);
const cfg = { csv: 'level.csv', time: 't', target: 'y', lookback: 8, horizon: 1 };

test("check's evidence keeps the digits that tell a level near 1e7 from its spread (range, scaler center)", async () => {
  const d = await prepareData(cfg, file);
  const cs = dataChecks(d, { data: cfg } as never);
  const train = d.targetSeries.original[0]!.subarray(...d.ranges.train);
  const [lo, hi] = [Math.min(...train), Math.max(...train)];
  // 4 significant digits of each read [10000000, 10000000]: a range of nothing
  const shift = byId(cs, 'data.distribution_shift').evidence as Record<string, { train_range: [number, number] }>;
  const [a, b] = shift['y.val']!.train_range;
  assert.ok(
    Math.abs(a - lo) <= 1e-3 * (hi - lo) && Math.abs(b - hi) <= 1e-3 * (hi - lo),
    `[${a}, ${b}] vs [${lo}, ${hi}]`,
  );
  const center = (byId(cs, 'data.scaler_train_only').evidence as { center: number[] }).center[0]!;
  assert.ok(Math.abs(center - d.scaler.center[0]!) <= 1e-3 * d.scaler.scale[0]!, `center ${center}`);
});

test('data.float32_precision warns of a level near 1e7 the model reads in float32 as it is (data.scale: none)', async () => {
  const run = async (extra: object) => {
    const c = { ...cfg, ...extra };
    const d = await prepareData(c, file);
    return { d, check: byId(dataChecks(d, { data: c } as never), 'data.float32_precision') };
  };
  const none = await run({ scale: 'none' });
  // float32 holds 1e7 in steps of 1, the sine's sd is 0.71: it passed every check and trained on whole numbers
  assert.equal(none.check.status, 'warn');
  assert.match(
    none.check.advice,
    /column "y".* near 10000000 \(data\.scale: none\) are 1 apart.*data\.scale: standard/,
  );
  assert.ok(
    none.d.notes.some((n) => /column "y": the model reads it in float32/.test(n)),
    'train says it too',
  );
  for (const extra of [{ scale: 'standard' }, { scale: 'none', relative: true }]) {
    const { d, check } = await run(extra);
    assert.equal(check.status, 'pass', JSON.stringify(extra));
    assert.deepEqual(d.notes, []);
  }
});

test('data.float32_precision warns of values so small that float32 holds them subnormal (scale none)', async () => {
  const f = join(dir, 'subnormal.csv');
  writeFileSync(f, `y\n${Array.from({ length: 200 }, (_, i) => 1e-43 * (2 + Math.sin(i / 5))).join('\n')}\n`);
  const c = { csv: 'subnormal.csv', target: 'y', lookback: 8, horizon: 1, scale: 'none' as const };
  const check = byId(dataChecks(await prepareData(c, f), { data: c } as never), 'data.float32_precision');
  // float32 holds 1e-43 in steps of 1.4e-45, not the 2.1e-50 its exponent would give a normal number
  assert.equal(check.status, 'warn');
  assert.match(check.advice, /are 1\.4e-45 apart/);
});
